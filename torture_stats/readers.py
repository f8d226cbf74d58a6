"""Turning a file's bytes into text, by kind of file.

Each reader returns a :class:`RawText`: the text as read (every offset in the
output tables points into it), the sha256 of the file's bytes, and where known
the offsets at which pages begin. A file that cannot be read raises
:class:`~torture_stats.errors.DocumentError` naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torture_stats.errors import DocumentError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawText:
    """A file's text as read, with its checksum and page breaks."""

    text: str
    sha256: str
    page_starts: tuple[int, ...] | None = None


def read_raw(path: Path) -> RawText:
    """Read *path* with the reader for its suffix."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        allowed = ", ".join(sorted(READERS))
        raise DocumentError(path, f"unsupported file type {path.suffix or '(none)'!r}; readable: {allowed}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from None
    return reader(path, data)


def read_txt(path: Path, data: bytes) -> RawText:
    return RawText(decode_text(data, path), hashlib.sha256(data).hexdigest())


def decode_text(raw: bytes, path: object = "<bytes>") -> str:
    """Decode the bytes of a text file; raise DocumentError for non-text."""
    if not raw.strip():
        raise DocumentError(path, "empty file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise DocumentError(path, "binary content (NUL bytes) in a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise DocumentError(path, "text in an unknown encoding (neither UTF-8, UTF-16 nor cp1252)") from None
    log.warning("%s: not UTF-8; read as cp1252", path)
    return text


#: suffix → reader(path, bytes) -> RawText
READERS: dict[str, Callable[[Path, bytes], RawText]] = {".txt": read_txt}
