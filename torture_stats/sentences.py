"""Splitting clean text into sentences (and clauses after a semicolon)."""

from __future__ import annotations

import itertools
import re

_ABBREVIATIONS = {
    "para", "paras", "no", "nos", "mr", "ms", "mrs", "dr", "art", "arts", "e.g", "i.e",
    "st", "vol", "p", "pp", "h.e", "cf", "op", "cit", "approx", "fig", "sect",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?;][\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")
#: a "sentence" longer than this (a table flattened to one line, a text without full stops) is cut at white
#: space, so that the work done per number stays bounded; real sentences are far shorter (the longest in the
#: test corpora has under 600 characters)
MAX_SENTENCE_CHARS = 2000


def sentence_bounds(text: str, breaks: list[int]) -> list[tuple[int, int]]:
    """Sentence (and clause after ``;``) spans of *text*; *breaks* are forced boundaries."""
    cuts = set(breaks) | {0, len(text)}
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)[.!?;]$", text[max(0, match.start() - 12) : match.start() + 1])
        if text[match.start()] == "." and word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        cuts.add(match.end())
    points = sorted(cuts)
    return [piece for a, b in itertools.pairwise(points) if b > a for piece in _bounded(text, a, b)]


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
