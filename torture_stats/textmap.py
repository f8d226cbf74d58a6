"""Text that remembers where each character came from.

Cleaning a document (dropping an addressee block, repairing an OCR-damaged
symbol, folding white space) must not lose provenance: every character of the
cleaned text keeps the offset of the raw character it came from, so that a
span found in the clean text can be reported as a span of the text as read.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class MappedText:
    """A string plus, for each character, its offset in the raw text.

    ``origin`` has one more entry than ``text``: the raw offset just past the
    last character, so that spans map back as half-open ranges.
    """

    text: str
    origin: array

    @classmethod
    def identity(cls, raw: str) -> MappedText:
        import numpy as np

        origin = array("q")
        origin.frombytes(np.arange(len(raw) + 1, dtype=np.int64).tobytes())  # as array("q", range(…)), 50× faster
        return cls(raw, origin)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of the clean span ``[start, end)``."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1

    def clean_offset(self, raw_offset: int) -> int:
        """Offset in this text of the first character at or after *raw_offset*."""
        return bisect.bisect_left(self.origin, raw_offset, 0, len(self.text))

    def edit(self, edits: Iterable[tuple[int, int, str]]) -> MappedText:
        """Apply non-overlapping ``(start, end, replacement)`` edits.

        A replacement's characters all map to the raw offset of the replaced
        span's first character, except when it has the same length as the
        span, where they map one to one.
        """
        pieces: list[str] = []
        origin = array("q")
        cursor = 0
        for start, end, replacement in sorted(edits):
            if start < cursor:
                continue
            pieces.append(self.text[cursor:start])
            origin.extend(self.origin[cursor:start])
            pieces.append(replacement)
            if len(replacement) == end - start:
                origin.extend(self.origin[start:end])
            else:
                anchor = self.origin[start] if start < len(self.text) else self.origin[-1]
                origin.extend([anchor] * len(replacement))
            cursor = end
        pieces.append(self.text[cursor:])
        origin.extend(self.origin[cursor:])
        return MappedText("".join(pieces), origin)

    def sub(self, pattern: re.Pattern[str] | str, replacement) -> MappedText:
        """Like :func:`re.sub`, keeping provenance."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        edits = []
        for match in regex.finditer(self.text):
            new = replacement(match) if callable(replacement) else match.expand(replacement)
            if new is not None and new != match.group(0):
                edits.append((match.start(), match.end(), new))
        return self.edit(edits) if edits else self
