"""Turning a file's bytes into text, by kind of file.

Each reader returns a :class:`RawText`: the text as read (every offset in the
output tables points into it), the sha256 of the file's bytes, and where known
the offsets at which pages begin. A file that cannot be read raises
:class:`~torture_stats.errors.DocumentError` naming the file and the problem.

The readers for ``.pdf`` and ``.docx`` import their libraries when called, so
that ``import torture_stats`` stays light: PDF needs ``pypdf`` (the ``pdf``
extra), scanned PDF also needs ``pypdfium2`` and the Tesseract program (the
``ocr`` extra), and ``.docx`` needs only the standard library.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from torture_stats.errors import DocumentError, DocumentTimeoutError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawText:
    """A file's text as read, with its checksum and page breaks."""

    text: str
    sha256: str
    page_starts: tuple[int, ...] | None = None


# --- limits -------------------------------------------------------------------------

#: the largest file read, by suffix; a larger one is refused by its size, before a byte of it is read
MAX_FILE_BYTES = {".txt": 20 * 2**20, ".pdf": 200 * 2**20, ".docx": 50 * 2**20}
#: the most characters a document may hold once read (about 3,000 pages); more is refused
MAX_TEXT_CHARS = 5_000_000
#: seconds one document may take to be read and extracted, unless the environment variable
#: ``TORTURE_STATS_DOCUMENT_TIMEOUT_S`` says otherwise; ``0`` turns the limit off
DOCUMENT_TIMEOUT_S = 600.0
#: the share of control, unassigned or private-use characters above which a text is not taken for text
MAX_ODD_CHAR_SHARE = 0.02
#: the share of non-ASCII characters above which bytes that are not UTF-8 are not taken for cp1252 text
MAX_CP1252_NON_ASCII_SHARE = 0.2


def read_raw(path: Path, data: bytes | None = None) -> RawText:
    """Read *path* with the reader for its suffix.

    Parameters
    ----------
    path : Path
        The file; its suffix picks the reader.
    data : bytes, optional
        The file's bytes, when they were read elsewhere (on another machine);
        by default they are read from *path*. The same limits apply.

    Returns
    -------
    RawText

    Raises
    ------
    DocumentError
        The file is missing, not a regular file, of an unsupported kind, larger
        than ``MAX_FILE_BYTES`` allows for its kind (refused before it is
        read), cannot be read by its reader, or holds more than
        ``MAX_TEXT_CHARS`` characters.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        allowed = ", ".join(sorted(READERS))
        raise DocumentError(path, f"unsupported file type {path.suffix or '(none)'!r}; readable: {allowed}")
    limit = MAX_FILE_BYTES[path.suffix.lower()]
    if data is None:
        data = _read_bounded(path, limit)
    if len(data) > limit:
        raise DocumentError(path, f"refused: {_megabytes(len(data))}, more than the {_megabytes(limit)} allowed")
    raw = reader(path, data)
    if len(raw.text) > MAX_TEXT_CHARS:
        raise DocumentError(path, f"refused: {len(raw.text):,} characters of text, more than {MAX_TEXT_CHARS:,}")
    return raw


def _read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of *path*, refused by its size before reading when over *limit*."""
    try:
        if path.exists() and not path.is_file():
            # a folder, a FIFO or a device: reading it could block or never end
            raise DocumentError(path, "not a regular file")
        size = path.stat().st_size
        if size > limit:
            raise DocumentError(path, f"refused: {_megabytes(size)}, more than the {_megabytes(limit)} allowed")
        with path.open("rb") as handle:
            return handle.read(limit + 1)  # the file may have grown since stat: never more than the limit
    except OSError as exc:
        raise DocumentError(path, f"cannot read: {exc.strerror or exc}") from None


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size:,} bytes"


class _OutOfTime(BaseException):
    """Raised by the alarm; a BaseException, so that no library's ``except Exception`` swallows it."""


@contextmanager
def time_limit(path: object, seconds: float | None = None) -> Iterator[None]:
    """Refuse a document whose reading and extraction take longer than *seconds*.

    Parameters
    ----------
    path : path or str
        The document, named in the error.
    seconds : float, optional
        The limit; by default ``TORTURE_STATS_DOCUMENT_TIMEOUT_S`` from the
        environment, else ``DOCUMENT_TIMEOUT_S``. ``0`` means no limit.

    Raises
    ------
    DocumentTimeoutError
        The work inside the ``with`` block took longer than the limit (a
        :class:`~torture_stats.errors.DocumentError`).

    Notes
    -----
    The limit is a ``SIGALRM`` timer, which interrupts Python code and regular
    expressions alike. Signals reach only the main thread, so in any other
    thread (or where ``SIGALRM`` does not exist, as on Windows) the block runs
    without a limit; sizes are still bounded by ``MAX_FILE_BYTES`` and
    ``MAX_TEXT_CHARS``.

    Examples
    --------
    >>> with time_limit("letter.txt", 5):
    ...     pass
    """
    if seconds is None:
        seconds = _timeout_from_environment()
    usable = seconds > 0 and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def alarm(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OutOfTime:
        raise DocumentTimeoutError(path, f"refused: reading and extracting took more than {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timeout_from_environment() -> float:
    value = os.environ.get("TORTURE_STATS_DOCUMENT_TIMEOUT_S", "").strip()
    if not value:
        return DOCUMENT_TIMEOUT_S
    try:
        return float(value)
    except ValueError:
        log.warning(
            "TORTURE_STATS_DOCUMENT_TIMEOUT_S=%r is not a number of seconds; using %s", value, DOCUMENT_TIMEOUT_S
        )
        return DOCUMENT_TIMEOUT_S


# --- plain text ---------------------------------------------------------------------


def read_txt(path: Path, data: bytes) -> RawText:
    """Read a plain-text file (UTF-8, UTF-16 or UTF-32 with a byte-order mark, or cp1252)."""
    return RawText(decode_text(data, path), hashlib.sha256(data).hexdigest())


def decode_text(raw: bytes, path: object = "<bytes>") -> str:
    """Decode the bytes of a text file; refuse bytes that are not plausibly text.

    Parameters
    ----------
    raw : bytes
        The file's content.
    path : path or str
        Named in errors and warnings.

    Returns
    -------
    str

    Raises
    ------
    DocumentError
        The bytes are empty, binary (NUL bytes, or too many control
        characters), UTF-16 or UTF-32 without a byte-order mark, damaged
        UTF-16/UTF-32, or neither UTF-8 nor plausible cp1252.

    Notes
    -----
    UTF-8 (with or without a signature) is tried first, then cp1252, the
    usual encoding of Western European text saved on Windows. Bytes in
    another encoding, such as Shift-JIS or KOI8-R, often decode as cp1252
    too, into mojibake; such a decoding is refused when more than
    ``MAX_CP1252_NON_ASCII_SHARE`` of its non-space characters are not ASCII
    (French or Spanish text has a few per cent). Any decoding is refused when
    more than ``MAX_ODD_CHAR_SHARE`` of its characters are control (other than
    tab, line and page breaks), unassigned or private-use characters, or
    U+FFFD; fewer are kept, with a warning, so that offsets stay true.

    Examples
    --------
    >>> decode_text("Comité".encode("cp1252"))
    'Comité'
    >>> decode_text("Комитет против пыток".encode("koi8_r"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    torture_stats.errors.DocumentError: <bytes>: text in an unknown encoding: not UTF-8, and as cp1252 ...
    """
    if not raw.strip():
        raise DocumentError(path, "empty file")
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise DocumentError(path, f"damaged {codec.upper()} text ({exc.reason} at byte {exc.start})") from None
            return _plausible(text, path, codec.upper())
    if b"\x00" in raw:
        raise DocumentError(path, _nul_problem(raw))
    try:
        return _plausible(raw.decode("utf-8-sig"), path, "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise DocumentError(
            path, "text in an unknown encoding: neither UTF-8, UTF-16 with a byte-order mark, nor cp1252"
        ) from None
    visible = [ch for ch in text if not ch.isspace()]
    share = sum(ord(ch) > 127 for ch in visible) / max(len(visible), 1)
    if share > MAX_CP1252_NON_ASCII_SHARE:
        raise DocumentError(
            path, f"text in an unknown encoding: not UTF-8, and as cp1252 it would be {share:.0%} non-ASCII (mojibake)"
        )
    text = _plausible(text, path, "cp1252")
    log.warning("%s: not UTF-8; read as cp1252", path)
    return text


#: control characters that belong in text: tab, line feed, vertical tab, form feed, carriage return
_TEXT_CONTROLS = frozenset("\t\n\x0b\x0c\r")


def _plausible(text: str, path: object, encoding: str) -> str:
    """*text* unchanged, unless too many of its characters are control, unassigned or private-use ones."""
    odd = _odd_count(text)
    if odd > MAX_ODD_CHAR_SHARE * len(text):
        raise DocumentError(
            path,
            f"not plausible as {encoding} text: {odd / len(text):.0%} of its characters are control, unassigned "
            "or private-use characters (binary, or another encoding)",
        )
    if odd:
        log.warning("%s: %d control, unassigned or private-use characters, kept as they are", path, odd)
    return text


def _is_odd(ch: str) -> bool:
    return ch not in _TEXT_CONTROLS and (ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs"))


#: ASCII bytes that are not odd: deleted with ``bytes.translate``, they leave the odd ones to count
_ASCII_NOT_ODD = bytes(code for code in range(256) if code > 127 or not _is_odd(chr(code)))
#: every character but tab, line and page breaks and printable ASCII, none of which is odd
_MAYBE_ODD = re.compile(r"[^\t-\r -~]")


def _odd_count(text: str) -> int:
    """How many characters of *text* are odd (see :func:`_is_odd`)."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_NOT_ODD))
    return sum(n for ch, n in Counter(_MAYBE_ODD.findall(text)).items() if _is_odd(ch))


def _nul_problem(raw: bytes) -> str:
    """Why bytes with NULs are refused: UTF-16 or UTF-32 text without a byte-order mark, or binary."""
    head = raw[:4096]
    if len(head) >= 8:
        zeros = [sum(1 for b in head[i::4] if b == 0) / len(head[i::4]) for i in range(4)]
        if min(zeros[1:]) > 0.9 or min(zeros[:3]) > 0.9:
            return "text in UTF-32 without a byte-order mark: save it as UTF-8"
        odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
        if max(odd, even) > 0.6 and min(odd, even) < 0.1:
            return "text in UTF-16 without a byte-order mark: save it as UTF-8"
    return "binary content (NUL bytes) in a text file"


def _refuse_empty(path: Path, data: bytes) -> None:
    if not data.strip():
        raise DocumentError(path, "empty file")


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join page texts with form feeds; return the text and where pages 2, 3, … begin.

    Examples
    --------
    >>> join_pages(["one", "two", "three"])
    ('one\\x0ctwo\\x0cthree', (4, 8))
    """
    # a form feed inside a page would read as a page break of its own
    pages = [page.replace("\f", "\n") for page in pages]
    starts, offset = [], 0
    for page in pages[:-1]:
        offset += len(page) + 1
        starts.append(offset)
    return "\f".join(pages), tuple(starts)


# --- PDF ------------------------------------------------------------------------

#: a page whose text layer has fewer word characters than this holds no real text
MIN_TEXT_LAYER_CHARS = 20
#: resolution at which scanned pages are rendered for OCR
OCR_DPI = 300
#: the most pixels a page is rendered with for OCR (an A4 page at 300 dpi has 8.7 million); a larger page is
#: rendered at a lower resolution, so that a PDF declaring a huge page cannot exhaust memory
MAX_OCR_PIXELS = 40_000_000
#: Tesseract's language(s), as given to ``tesseract -l``
OCR_LANGUAGES = "eng"
#: seconds Tesseract may spend on one page
OCR_TIMEOUT_S = 300

OCR_MISSING = (
    "no text layer (a scanned PDF): OCR is needed but Tesseract is not installed; install it with "
    "`apt-get install tesseract-ocr` (Debian/Ubuntu) or `brew install tesseract` (macOS), "
    "and `pip install torture_stats[ocr]`"
)


def read_pdf(path: Path, data: bytes) -> RawText:
    """Read a PDF: its text layer, or OCR of its pages where it has none.

    Parameters
    ----------
    path : Path
        The file, named in error messages.
    data : bytes
        Its content.

    Returns
    -------
    RawText
        The pages' text joined with form feeds (``"\\f"``); ``page_starts``
        are the offsets just after each form feed, where pages 2, 3, … begin.

    Raises
    ------
    DocumentError
        The file is empty, not a PDF, truncated or damaged, encrypted, has no
        pages, or needs OCR that cannot run (Tesseract or ``pypdfium2``
        missing, or Tesseract failing).

    Notes
    -----
    The text layer is read with ``pypdf``. When every page has fewer than
    ``MIN_TEXT_LAYER_CHARS`` word characters the PDF is taken for a scan: each
    page is rendered at ``OCR_DPI`` with ``pypdfium2`` and read by Tesseract.
    A PDF that only some pages lack text on is read from its text layer, with
    a warning naming those pages. A PDF encrypted with an empty user password
    (only copying or printing restricted) is opened; any other is refused.
    """
    _refuse_empty(path, data)
    # the PDF specification lets readers accept a header within the first 1024 bytes
    if b"%PDF-" not in data[:1024]:
        raise DocumentError(path, "not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-1024:]:
        raise DocumentError(path, "truncated PDF (no %%EOF marker at the end)")
    try:
        import pypdf
    except ImportError:
        raise DocumentError(path, "reading PDF needs pypdf: `pip install torture_stats[pdf]`") from None

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt_with_empty_password(path, reader)
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # a damaged file can make pypdf fail in many ways; each is this file's problem
        raise DocumentError(path, f"damaged PDF ({_one_line(exc)})") from exc
    if not pages:
        raise DocumentError(path, "PDF has no pages")

    empty = [n for n, page in enumerate(pages, start=1) if _word_chars(page) < MIN_TEXT_LAYER_CHARS]
    if len(empty) == len(pages):
        pages = ocr_pdf(path, data)
    elif empty:
        log.warning("%s: pages %s have no text layer and are read as empty", path, ", ".join(map(str, empty)))
    text, page_starts = join_pages(pages)
    return RawText(text, hashlib.sha256(data).hexdigest(), page_starts)


def _decrypt_with_empty_password(path: Path, reader) -> None:
    try:
        opened = reader.decrypt("")
    except Exception:  # pypdf needs the optional `cryptography` for AES; either way the file stays closed
        opened = 0
    if not opened:
        raise DocumentError(path, "encrypted PDF: decrypt it first")
    log.info("%s: encrypted with an empty password; opened", path)


def _word_chars(text: str) -> int:
    return len(re.findall(r"\w", text))


def _one_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


def ocr_pdf(path: Path, data: bytes) -> list[str]:
    """Text of each page of a scanned PDF, read by Tesseract.

    Parameters
    ----------
    path : Path
        The file, named in error messages.
    data : bytes
        The PDF's content.

    Returns
    -------
    list of str
        One text per page, in page order.

    Raises
    ------
    DocumentError
        Tesseract or ``pypdfium2`` is missing, the PDF cannot be rendered, or
        Tesseract fails or times out on a page.
    """
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        raise DocumentError(path, OCR_MISSING)
    try:
        import pypdfium2
    except ImportError:
        raise DocumentError(
            path, "no text layer (a scanned PDF): OCR needs pypdfium2: `pip install torture_stats[ocr]`"
        ) from None

    started = time.perf_counter()
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise DocumentError(path, f"cannot render the PDF for OCR ({_one_line(exc)})") from exc
    pages = []
    try:
        for number in range(1, len(pdf) + 1):
            page = pdf[number - 1]
            width, height = page.get_size()  # in points, 72 to the inch
            scale = min(OCR_DPI / 72, (MAX_OCR_PIXELS / max(width * height, 1.0)) ** 0.5)
            image = page.render(scale=scale, grayscale=True).to_pil()
            png = io.BytesIO()
            image.save(png, format="PNG")
            pages.append(_tesseract(tesseract, png.getvalue(), path, number))
    finally:
        pdf.close()
    log.info("%s: no text layer; OCR of %d pages took %.1f s", path, len(pages), time.perf_counter() - started)
    return pages


def _tesseract(program: str, png: bytes, path: Path, page: int) -> str:
    command = [program, "stdin", "stdout", "-l", OCR_LANGUAGES, "--dpi", str(OCR_DPI)]
    try:
        done = subprocess.run(command, input=png, capture_output=True, timeout=OCR_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise DocumentError(path, f"OCR of page {page} took more than {OCR_TIMEOUT_S} s") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentError(path, f"OCR of page {page} failed: {reason[-1] if reason else done.returncode}")
    # Tesseract ends each page with a form feed of its own; join_pages puts ours back
    return done.stdout.decode("utf-8", "replace").replace("\f", "").rstrip() + "\n"


# --- Word .docx ---------------------------------------------------------------------

#: the most a .docx may decompress to; more is taken for a zip bomb
MAX_DOCX_UNZIPPED_BYTES = 50 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# deleted or moved-away text, properties, and the duplicate copy of drawings kept for old readers
_SKIPPED = {_W + "pPr", _W + "rPr", _W + "del", _W + "moveFrom", _W + "sectPr", _MC_FALLBACK}
# stands for a page break Word rendered, where no character of the text is; XML cannot hold a NUL
_RENDERED_BREAK = "\x00"


def read_docx(path: Path, data: bytes) -> RawText:
    """Read a Word ``.docx``: body paragraphs and tables, then footnotes and endnotes.

    Parameters
    ----------
    path : Path
        The file, named in error messages.
    data : bytes
        Its content.

    Returns
    -------
    RawText
        One line per paragraph; a table row is one line with its cells
        separated by tabs. A numbered paragraph starts with the label Word
        shows (``12.``, ``(a)``, ``•``). A footnote reference reads ``[n]``
        and the notes follow the body after a line ``Footnotes`` (then
        ``Endnotes``), one per line, as ``[n] text``. ``page_starts`` are where
        Word last rendered a page break and where the author forced one (a
        forced break is also a form feed in the text).

    Raises
    ------
    DocumentError
        The file is empty, not a zip archive (a legacy ``.doc`` is named as
        such), has no document part, its XML parts would decompress to more
        than ``MAX_DOCX_UNZIPPED_BYTES`` (a zip bomb), or holds damaged XML.

    Notes
    -----
    The XML is read with the standard library, and only the parts that hold
    text, numbering and styles are unzipped. A part with a document type
    declaration is refused, so no entity can be expanded. Footnotes are
    numbered in the order they are referenced, as Word numbers them by
    default; their text counts as on the last page.
    """
    _refuse_empty(path, data)
    if data.startswith(_OLE_MAGIC):
        raise DocumentError(path, "a legacy Word .doc or a password-protected file, not a .docx: save it as .docx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DocumentError(path, "not a .docx (not a zip archive)") from None
    with archive:
        parts = _DocxParts(path, archive)
        body = parts.main.find(_W + "body")
        if body is None:
            raise DocumentError(path, f"damaged .docx: {parts.main_name} has no body")
        writer = _DocxWriter(_Numbering(parts.get("numbering"), parts.get("styles")))
        lines = list(writer.blocks(body))
        for kind, title in (("footnotes", "Footnotes"), ("endnotes", "Endnotes")):
            notes = list(writer.notes(parts.get(kind), kind))
            if notes:
                lines += ["", title, *notes]
    text, page_starts = _take_page_breaks("\n".join(lines) + "\n")
    return RawText(text, hashlib.sha256(data).hexdigest(), page_starts)


class _DocxParts:
    """The XML parts of a .docx, found through its relationships, read within the size bound."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path, self.archive = path, archive
        # only the XML parts read count: pictures are never unzipped, however large
        self.budget = MAX_DOCX_UNZIPPED_BYTES
        names = set(archive.namelist())
        root_rels = self._xml("_rels/.rels") if "_rels/.rels" in names else None
        self.main_name = _target(root_rels, "officeDocument", "") or "word/document.xml"
        if self.main_name not in names:
            raise DocumentError(path, f"not a .docx (no {self.main_name} in the zip archive)")
        self.main = self._xml(self.main_name)
        main_path = PurePosixPath(self.main_name)
        rels_name = str(main_path.parent / "_rels" / (main_path.name + ".rels"))
        self.rels = self._xml(rels_name) if rels_name in names else None
        self.names, self.folder = names, main_path.parent

    def get(self, kind: str) -> ET.Element | None:
        """The part of relationship type *kind* (``styles``, ``numbering``, ``footnotes``, …), if any."""
        name = _target(self.rels, kind, str(self.folder))
        return self._xml(name) if name and name in self.names else None

    def _xml(self, name: str) -> ET.Element:
        raw = self._read(name)
        # Word never writes a DTD; refusing one rules out entity expansion of any kind
        if _declares_dtd(raw):
            raise DocumentError(self.path, f"refused: {name} declares a DTD, which a .docx never does")
        try:
            return ET.fromstring(raw)
        except ET.ParseError as exc:
            raise DocumentError(self.path, f"damaged .docx: {name} is not well-formed XML ({exc})") from None

    def _read(self, name: str) -> bytes:
        declared = self.archive.getinfo(name).file_size
        if declared > self.budget:
            raise DocumentError(self.path, self._bomb_message(MAX_DOCX_UNZIPPED_BYTES - self.budget + declared))
        try:
            # the size in the zip directory may lie: never take more than the budget left
            with self.archive.open(name) as member:
                raw = member.read(self.budget + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as exc:
            raise DocumentError(self.path, f"damaged .docx: cannot unzip {name} ({_one_line(exc)})") from None
        if len(raw) > self.budget:
            raise DocumentError(self.path, self._bomb_message(MAX_DOCX_UNZIPPED_BYTES + len(raw) - self.budget))
        self.budget -= len(raw)
        return raw

    @staticmethod
    def _bomb_message(size: int) -> str:
        limit = MAX_DOCX_UNZIPPED_BYTES // 2**20
        return f"refused: decompresses to more than {limit} MB ({size / 2**20:.0f} MB or more), likely a zip bomb"


def _declares_dtd(raw: bytes) -> bool:
    """True when XML bytes hold a document type declaration, in UTF-8 (or any ASCII superset) or UTF-16.

    Examples
    --------
    >>> _declares_dtd('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16"))
    True
    >>> _declares_dtd(b'<?xml version="1.0"?><w:document/>')
    False
    """
    if b"<!DOCTYPE" in raw:
        return True
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4]:
        # expat also reads UTF-16, where the declaration's bytes differ
        return any("<!DOCTYPE" in raw.decode(codec, "replace") for codec in ("utf-16", "utf-16-le", "utf-16-be"))
    return False


def _target(rels: ET.Element | None, kind: str, folder: str) -> str | None:
    """Zip name of the first relationship whose type ends with */kind*."""
    if rels is None:
        return None
    for rel in rels.iter(_REL + "Relationship"):
        if rel.get("Type", "").endswith("/" + kind) and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            parts: list[str] = []
            for piece in PurePosixPath(folder, target).parts:
                if piece == "..":
                    if parts:
                        parts.pop()
                elif piece not in (".", ""):
                    parts.append(piece)
            return "/".join(parts)
    return None


def _take_page_breaks(text: str) -> tuple[str, tuple[int, ...]]:
    """Remove rendered-break markers; page starts after them and after each form feed."""
    out, starts, offset = [], [], 0
    page_has_text = False
    for piece in re.split(f"([{_RENDERED_BREAK}\f])", text):
        if piece == "\f":
            out.append(piece)
            offset += 1
            starts.append(offset)
            page_has_text = False
        elif piece == _RENDERED_BREAK:
            # Word marks a rendered break again just after a forced one; that is the same page
            if page_has_text:
                starts.append(offset)
                page_has_text = False
        else:
            out.append(piece)
            offset += len(piece)
            page_has_text = page_has_text or bool(piece.strip())
    return "".join(out), tuple(starts)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    suffix: str = "\t"
    style: str | None = None


class _Numbering:
    """Word's list numbering: which label a numbered paragraph shows."""

    def __init__(self, numbering: ET.Element | None, styles: ET.Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numbering: dict[str, tuple[str | None, int | None]] = {}
        self.based_on: dict[str, str] = {}
        if numbering is not None:
            for abstract in numbering.iter(_W + "abstractNum"):
                self.abstract[abstract.get(_W + "abstractNumId", "")] = {
                    int(lvl.get(_W + "ilvl", "0")): _level(lvl) for lvl in abstract.iter(_W + "lvl")
                }
            for num in numbering.iter(_W + "num"):
                overrides = {}
                for override in num.iter(_W + "lvlOverride"):
                    start = override.find(_W + "startOverride")
                    if start is not None:
                        overrides[int(override.get(_W + "ilvl", "0"))] = int(start.get(_W + "val", "1"))
                self.nums[num.get(_W + "numId", "")] = (_val(num.find(_W + "abstractNumId")) or "", overrides)
        if styles is not None:
            for style in styles.iter(_W + "style"):
                style_id = style.get(_W + "styleId", "")
                based = _val(style.find(_W + "basedOn"))
                if based:
                    self.based_on[style_id] = based
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                if num_pr is not None:
                    ilvl = _val(num_pr.find(_W + "ilvl"))
                    self.style_numbering[style_id] = (_val(num_pr.find(_W + "numId")), int(ilvl) if ilvl else None)

    def label(self, paragraph: ET.Element) -> str:
        """The label (with its separator) a paragraph shows, or ``""``."""
        num_id, ilvl, style = self._numbering_of(paragraph)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if ilvl is None:
            ilvl = next((n for n, level in levels.items() if style and level.style == style), 0)
        if ilvl not in levels:
            return ""
        # lists that share an abstract definition share their counters, unless one restarts
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for level_number, start in overrides.items():
                counters[level_number] = start - 1
                for deeper in [n for n in counters if n > level_number]:
                    del counters[deeper]
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [n for n in counters if n > ilvl]:
            del counters[deeper]
        level = levels[ilvl]
        if level.fmt == "bullet":
            shown = "•"
        else:

            def number(match: re.Match[str]) -> str:
                n = int(match.group(1)) - 1
                other = levels.get(n, _Level())
                return _format_number(counters.get(n, other.start), other.fmt)

            shown = re.sub(r"%([1-9])", number, level.text)
        return shown + level.suffix if shown.strip() else ""

    def _numbering_of(self, paragraph: ET.Element) -> tuple[str | None, int | None, str | None]:
        properties = paragraph.find(_W + "pPr")
        style = _val(properties.find(_W + "pStyle")) if properties is not None else None
        num_pr = properties.find(_W + "numPr") if properties is not None else None
        if num_pr is not None and num_pr.find(_W + "numId") is not None:
            ilvl = _val(num_pr.find(_W + "ilvl"))
            return _val(num_pr.find(_W + "numId")), int(ilvl or 0), style
        seen = set()
        current = style
        while current and current not in seen:
            seen.add(current)
            if current in self.style_numbering:
                num_id, ilvl = self.style_numbering[current]
                return num_id, ilvl, current
            current = self.based_on.get(current)
        return None, None, style


def _val(element: ET.Element | None) -> str | None:
    return None if element is None else element.get(_W + "val")


def _level(lvl: ET.Element) -> _Level:
    suffix = {"tab": "\t", "space": " ", "nothing": ""}.get(_val(lvl.find(_W + "suff")) or "tab", "\t")
    start = _val(lvl.find(_W + "start"))
    return _Level(
        start=int(start) if start else 1,
        fmt=_val(lvl.find(_W + "numFmt")) or "decimal",
        text=_val(lvl.find(_W + "lvlText")) or "",
        suffix=suffix,
        style=_val(lvl.find(_W + "pStyle")),
    )


_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc")]
_ROMAN += [(50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def _format_number(n: int, fmt: str) -> str:
    """A list counter as Word shows it in format *fmt*.

    Examples
    --------
    >>> [_format_number(n, f) for n, f in [(3, "lowerLetter"), (28, "upperLetter"), (14, "lowerRoman")]]
    ['c', 'BB', 'xiv']
    """
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        # Word repeats the letter: a … z, aa … zz
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and n > 0:
        roman, rest = "", n
        for value, digits in _ROMAN:
            while rest >= value:
                roman, rest = roman + digits, rest - value
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _DocxWriter:
    """Walks Word's XML and writes its text, numbering footnote marks as it meets them."""

    numbering: _Numbering
    note_marks: dict[tuple[str, str], int] = field(default_factory=dict)

    def blocks(self, container: ET.Element) -> Iterator[str]:
        """Lines of the paragraphs and tables directly in *container*, in order."""
        for child in container:
            if child.tag == _W + "p":
                yield self.paragraph(child)
            elif child.tag == _W + "tbl":
                for row in child.findall(_W + "tr"):
                    cells = [" ".join(self.blocks(cell)).strip() for cell in row.findall(_W + "tc")]
                    yield "\t".join(cells)
            elif child.tag in (_W + "sdt", _W + "sdtContent", _W + "customXml"):
                yield from self.blocks(child)

    def paragraph(self, paragraph: ET.Element) -> str:
        out: list[str] = []
        properties = paragraph.find(_W + "pPr")
        if properties is not None and properties.find(_W + "pageBreakBefore") is not None:
            out.append("\f")
        out.append(self.numbering.label(paragraph))
        self._inline(paragraph, out)
        return "".join(out)

    def notes(self, part: ET.Element | None, kind: str) -> Iterator[str]:
        """``[n] text`` for each referenced note of *kind*, in mark order."""
        if part is None:
            return
        tag = _W + ("footnote" if kind == "footnotes" else "endnote")
        by_id = {note.get(_W + "id", ""): note for note in part.iter(tag)}
        marked = sorted((n, note_id) for (k, note_id), n in self.note_marks.items() if k == kind)
        for n, note_id in marked:
            note = by_id.get(note_id)
            if note is not None:
                text = " ".join(self.blocks(note))
                yield f"[{n}] {' '.join(text.split())}"

    def _inline(self, element: ET.Element, out: list[str]) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED:
                continue
            if tag == _W + "t":
                out.append(child.text or "")
            elif tag == _W + "tab":
                out.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                out.append("\f" if child.get(_W + "type") == "page" else "\n")
            elif tag == _W + "noBreakHyphen":
                out.append("-")
            elif tag == _W + "lastRenderedPageBreak":
                out.append(_RENDERED_BREAK)
            elif tag in (_W + "footnoteReference", _W + "endnoteReference"):
                kind = "footnotes" if tag == _W + "footnoteReference" else "endnotes"
                key = (kind, child.get(_W + "id", ""))
                mark = self.note_marks.setdefault(key, 1 + sum(k == kind for k, _ in self.note_marks))
                out.append(f"[{mark}]")
            elif tag == _W + "p":
                # a paragraph inside a text box, within a run of the outer one
                out.append("\n")
                self._inline(child, out)
                out.append("\n")
            else:
                self._inline(child, out)


#: suffix → reader(path, bytes) -> RawText
READERS: dict[str, Callable[[Path, bytes], RawText]] = {".txt": read_txt, ".pdf": read_pdf, ".docx": read_docx}
