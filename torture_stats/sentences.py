"""Splitting clean text into sentences (and clauses after a semicolon)."""

from __future__ import annotations

import bisect
import itertools
import re

_ABBREVIATIONS = {
    "para", "paras", "no", "nos", "mr", "ms", "mrs", "dr", "art", "arts", "e.g", "i.e",
    "st", "vol", "p", "pp", "h.e", "cf", "op", "cit", "approx", "fig", "sect",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?;][\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")
_WORD_BEFORE_END = re.compile(r"([\w.]+)[.!?;]$")
#: a "sentence" longer than this (a table flattened to one line, a text without full stops) is cut at white
#: space, so that the work done per number stays bounded; real sentences are far shorter (the longest in the
#: test corpora has under 600 characters)
MAX_SENTENCE_CHARS = 2000


def sentence_bounds(text: str, breaks: list[int]) -> list[tuple[int, int]]:
    """Sentence (and clause after ``;``) spans of *text*; *breaks* are forced boundaries."""
    cuts = set(breaks) | {0, len(text)}
    cuts.update(match.end() for match in _SENTENCE_END.finditer(text) if not _after_abbreviation(text, match))
    points = sorted(cuts)
    return [piece for a, b in itertools.pairwise(points) if b > a for piece in _bounded(text, a, b)]


def _after_abbreviation(text: str, match: re.Match[str]) -> bool:
    """True if the full stop of a sentence end closes an abbreviation ("para. 4"), which ends no sentence."""
    start = match.start()
    if text[start] != ".":
        return False
    word = _WORD_BEFORE_END.search(text[max(0, start - 12) : start + 1])
    return word is not None and word.group(1).lower().rstrip(".") in _ABBREVIATIONS


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut after white space into pieces of at most ``MAX_SENTENCE_CHARS`` (where it can be)."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
        cut = space + 1 if space > start else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


class Sentences:
    """The sentences of :func:`sentence_bounds`, found one at a time around the positions asked for.

    Where only a few sentences of a text are needed, this reads the text near them only. A sentence end
    (``[.!?;]``, closing quotes, white space) cannot overlap another, so whether a place ends a sentence can be
    told from the text around it.
    """

    def __init__(self, text: str, breaks: list[int]) -> None:
        self.text = text
        self.cuts = sorted(set(breaks) | {0, len(text)})
        self._last = (0, 0)

    def around(self, position: int) -> tuple[int, int]:
        """The span of the sentence that holds *position* (``0 <= position < len(text)``)."""
        start, end = self._last
        if start <= position < end:
            return self._last
        i = bisect.bisect_right(self.cuts, position)
        start = max(self.cuts[i - 1], self._end_before(position, self.cuts[i - 1]))
        end = min(self.cuts[i], self._end_after(position, self.cuts[i]))
        pieces = _bounded(self.text, start, end)
        self._last = pieces[bisect.bisect_right([a for a, _ in pieces], position) - 1]
        return self._last

    def _run_start(self, position: int) -> int:
        """Where a sentence end that reaches *position* would start: before the quotes and white space before it."""
        text = self.text
        while position > 0 and (text[position - 1].isspace() or text[position - 1] in '"”’)'):
            position -= 1
        return max(position - 1, 0)

    def _end_before(self, position: int, floor: int) -> int:
        """The last sentence end at or before *position*, or -1 if there is none after *floor*."""
        text = self.text
        floor = self._run_start(floor)  # a sentence end that reaches past *floor* starts here or later
        stop = min(len(text), position + 2)  # what decides an end at or before *position* lies before this
        size = 256
        while True:
            low = max(floor, position - size)
            ends = [
                match.end()
                for match in _SENTENCE_END.finditer(text, low, stop)
                if match.end() <= position and not _after_abbreviation(text, match)
            ]
            if ends:
                return ends[-1]
            if low == floor:
                return -1
            size *= 4

    def _end_after(self, position: int, ceiling: int) -> int:
        """The first sentence end after *position*, or *ceiling* if there is none before it."""
        for match in _SENTENCE_END.finditer(self.text, self._run_start(position)):
            if match.end() >= ceiling:
                break
            if match.end() > position and not _after_abbreviation(self.text, match):
                return match.end()
        return ceiling
