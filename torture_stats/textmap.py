"""Text that remembers where each character came from.

Cleaning a document (dropping an addressee block, repairing an OCR-damaged
symbol, folding white space) must not lose provenance: every character of the
cleaned text keeps the offset of the raw character it came from, so that a
span found in the clean text can be reported as a span of the text as read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class MappedText:
    """A string plus, for each character, its offset in the raw text.

    ``origin`` has one more entry than ``text``: the raw offset just past the
    last character, so that spans map back as half-open ranges. It is kept as
    a numpy ``int64`` array (any sequence of integers is accepted and
    converted), so that edits copy it in bulk rather than entry by entry.
    Edits keep it non-decreasing.
    """

    text: str
    origin: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "origin", np.asarray(self.origin, dtype=np.int64))

    @classmethod
    def identity(cls, raw: str) -> MappedText:
        return cls(raw, np.arange(len(raw) + 1, dtype=np.int64))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of the clean span ``[start, end)``."""
        if end <= start:
            first = int(self.origin[start])
            return first, first
        return int(self.origin[start]), int(self.origin[end - 1]) + 1

    def clean_offset(self, raw_offset: int) -> int:
        """Offset in this text of the first character at or after *raw_offset*."""
        return int(np.searchsorted(self.origin[: len(self.text)], raw_offset, side="left"))

    def clean_offsets(self, raw_offsets) -> list[int]:
        """:meth:`clean_offset` of each of *raw_offsets* (a sequence or array of integers)."""
        return np.searchsorted(self.origin[: len(self.text)], raw_offsets, side="left").tolist()

    def edit(self, edits: Iterable[tuple[int, int, str]]) -> MappedText:
        """Apply non-overlapping ``(start, end, replacement)`` edits.

        A replacement's characters all map to the raw offset of the replaced
        span's first character, except when it has the same length as the
        span, where they map one to one.
        """
        pieces: list[str] = []
        origins: list[np.ndarray] = []
        cursor = 0
        for start, end, replacement in sorted(edits):
            if start < cursor:
                continue
            pieces.append(self.text[cursor:start])
            origins.append(self.origin[cursor:start])
            pieces.append(replacement)
            if len(replacement) == end - start:
                origins.append(self.origin[start:end])
            else:
                anchor = self.origin[start] if start < len(self.text) else self.origin[-1]
                origins.append(np.full(len(replacement), anchor, dtype=np.int64))
            cursor = end
        pieces.append(self.text[cursor:])
        origins.append(self.origin[cursor:])
        return MappedText("".join(pieces), np.concatenate(origins))

    def select(self, mask: np.ndarray, text: str) -> MappedText:
        """The characters where *mask* is true, rewritten as *text* (of the same length).

        The end entry of ``origin`` is kept whatever the mask.
        """
        return MappedText(text, self.origin[np.append(mask, True)])  # one copy of the origins, not two

    def sub(self, pattern: re.Pattern[str] | str, replacement) -> MappedText:
        """Like :func:`re.sub`, keeping provenance.

        *pattern* may also be any object with a ``finditer(text)`` method that
        yields the matches a regex would.
        """
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        edits = []
        for match in regex.finditer(self.text):
            new = replacement(match) if callable(replacement) else match.expand(replacement)
            if new is not None and new != match.group(0):
                edits.append((match.start(), match.end(), new))
        return self.edit(edits) if edits else self
