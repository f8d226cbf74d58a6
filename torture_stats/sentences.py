"""Splitting clean text into sentences (and clauses after a semicolon)."""

from __future__ import annotations

import itertools
import re

_ABBREVIATIONS = {
    "para", "paras", "no", "nos", "mr", "ms", "mrs", "dr", "art", "arts", "e.g", "i.e",
    "st", "vol", "p", "pp", "h.e", "cf", "op", "cit", "approx", "fig", "sect",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?;][\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")


def sentence_bounds(text: str, breaks: list[int]) -> list[tuple[int, int]]:
    """Sentence (and clause after ``;``) spans of *text*; *breaks* are forced boundaries."""
    cuts = set(breaks) | {0, len(text)}
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)[.!?;]$", text[max(0, match.start() - 12) : match.start() + 1])
        if text[match.start()] == "." and word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        cuts.add(match.end())
    points = sorted(cuts)
    return [(a, b) for a, b in itertools.pairwise(points) if b > a]
