"""Reading documents: text as read, cleaned body, metadata and sections.

:func:`read_document` turns a file into a :class:`Document`: the text as read
(all offsets in the output tables point into it), a cleaned copy for the
extractors that keeps, character by character, its origin in the raw text,
the documents-table metadata, and the per-recommendation sections of a
follow-up letter.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from torture_stats import readers, symbols, vocab
from torture_stats.errors import DocumentError, VocabularyError
from torture_stats.sentences import sentence_bounds
from torture_stats.textmap import MappedText

log = logging.getLogger(__name__)


_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\b")


@dataclass(frozen=True)
class Section:
    """One recommendation's section of a follow-up letter."""

    paragraphs: tuple[str, ...]
    paragraph_raw: str
    topic: str
    heading_start: int
    heading_end: int
    body_start: int
    body_end: int


@dataclass(frozen=True, eq=False)
class Document:
    """A source document as read, cleaned and described.

    Attributes
    ----------
    source : str
        Path (or URL) as given.
    sha256 : str
        Hash of the raw bytes.
    text : str
        The text as read. Every ``span_start``/``span_end`` points into it.
    clean : MappedText
        Body text for the extractors: non-body blocks dropped, OCR damage
        repaired, white space folded; each character maps back to ``text``.
    meta : dict
        The documents-table row.
    sections : tuple of Section
        Per-recommendation sections, offsets into ``clean.text``.
    page_starts : tuple of int
        Raw offsets where pages 2, 3, … begin.
    grade_lines : tuple of (int, int)
        Spans in ``clean.text`` of grades printed alone on a line ("B2").
    paragraph_numbers : tuple of (int, int)
        Spans in ``clean.text`` of numbers that open a numbered paragraph ("12.").
    """

    source: str
    sha256: str
    text: str
    clean: MappedText
    meta: dict
    sections: tuple[Section, ...]
    page_starts: tuple[int, ...] = field(default=())
    grade_lines: tuple[tuple[int, int], ...] = field(default=())
    paragraph_numbers: tuple[tuple[int, int], ...] = field(default=())

    @property
    def doc_id(self) -> str:
        return self.sha256[:12]

    def page_at(self, raw_offset: int) -> int:
        """Page number (1-based) of a raw offset."""
        return 1 + sum(1 for start in self.page_starts if start <= raw_offset)

    def section_at(self, clean_offset: int) -> Section | None:
        for section in self.sections:
            if section.heading_start <= clean_offset < section.body_end:
                return section
        return None

    def to_row(self) -> dict:
        """The documents-table row."""
        return dict(self.meta)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.meta.items()
            if v is not None
        )
        sections = "".join(
            f"<li>{html.escape(' '.join(s.paragraphs))}: {html.escape(s.topic)}</li>" for s in self.sections
        )
        return f"<table>{rows}</table><p>Sections:</p><ol>{sections}</ol>"


def read_document(path: str | Path, *, source: str | None = None) -> Document:
    """Read a document and recover its metadata and sections.

    Parameters
    ----------
    path : str or Path
        A file of a kind :mod:`torture_stats.readers` can read: ``.txt``
        (UTF-8, UTF-16 with a byte-order mark, or cp1252), ``.pdf`` (with a
        text layer, or scanned and read through OCR), ``.docx``.
    source : str, optional
        What to record as the document's ``source``; defaults to *path*.

    Returns
    -------
    Document

    Raises
    ------
    DocumentError
        The file is missing, empty, binary, of an unsupported kind, or names
        a State that is not in the vocabulary. The message names the file.
    """
    raw = readers.read_raw(Path(path))
    return document_from_text(raw.text, sha256=raw.sha256, source=source or str(path), page_starts=raw.page_starts)


@dataclass(frozen=True)
class DocumentSet(Sequence):
    """Documents read from many files, with the files that could not be read.

    Attributes
    ----------
    documents : tuple of Document
    skipped : tuple of (str, str)
        ``(path, reason)`` of every file that was not read.
    """

    documents: tuple[Document, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def __getitem__(self, index):
        return self.documents[index]

    def __len__(self) -> int:
        return len(self.documents)

    def table(self) -> pd.DataFrame:
        """The documents table of the documents read."""
        from torture_stats import schema

        rows = [doc.to_row() for doc in self.documents]
        return schema.conform(pd.DataFrame(rows), "documents") if rows else schema.empty_frame("documents")

    def _repr_html_(self) -> str:
        table = self.table()[["source", "kind", "treaty", "state", "cycle", "co_symbol", "doc_date"]].to_html(
            index=False
        )
        skipped = "".join(f"<li>{html.escape(p)}: {html.escape(r)}</li>" for p, r in self.skipped)
        note = f"<p>Skipped {len(self.skipped)} file(s):</p><ul>{skipped}</ul>" if self.skipped else ""
        return f"<p>{len(self.documents)} document(s)</p>{table}{note}"


def document_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every file named, and every file under every folder named, in sorted order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def read_documents(paths: str | Path | Iterable[str | Path]) -> DocumentSet:
    """Read every document in the given files and folders; go on past bad files.

    Parameters
    ----------
    paths : path or iterable of paths
        Files, folders (read recursively), or both.

    Returns
    -------
    DocumentSet
        The documents read and, in ``skipped``, each file that was not read
        with the reason (also logged as a warning).
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    documents, skipped = [], []
    for path in document_files(paths):
        try:
            documents.append(read_document(path))
        except DocumentError as exc:
            log.warning("skipped %s", exc)
            skipped.append((exc.path, exc.problem))
    return DocumentSet(tuple(documents), tuple(skipped))


def document_from_text(text: str, *, sha256: str, source: str, page_starts: tuple[int, ...] | None = None) -> Document:
    """Build a :class:`Document` from text already decoded.

    *page_starts* are the raw offsets where pages 2, 3, … begin; when not
    given they are inferred from form feeds or OCR page openings.
    """
    repaired = repair_ocr(MappedText.identity(text))
    headings = list(_find_headings(repaired.text))
    clean = fold_whitespace(repaired)
    line_starts = _grade_or_number_line_starts(repaired.text)
    grade_lines = tuple(_line_spans(_GRADE_LINES, "grade", repaired, clean, line_starts))
    paragraph_numbers = tuple(_line_spans(_NUMBERED_PARAGRAPHS, "number", repaired, clean, line_starts))
    sections = _sections(headings, repaired, clean)
    try:
        meta = describe(clean.text, sections)
    except VocabularyError as exc:
        raise DocumentError(source, str(exc)) from None
    meta = {"doc_id": sha256[:12], "source": source, "sha256": sha256, **meta}
    if meta.get("kind") == "followup_letter" and not sections:
        log.warning(
            "%s: no recognisable sections (no heading citing a paragraph of the concluding observations)", source
        )
    return Document(
        source=source,
        sha256=sha256,
        text=text,
        clean=clean,
        meta=meta,
        sections=tuple(sections),
        page_starts=tuple(page_starts) if page_starts is not None else tuple(_page_starts(text)),
        grade_lines=grade_lines,
        paragraph_numbers=paragraph_numbers,
    )


# --- searching fast -----------------------------------------------------------
#
# Python's regex engine tries a pattern at every offset unless the pattern opens with a literal or a set of
# characters; a pattern opening with "^", "\b" or a lookbehind costs about 20 ns per character of the letter.
# Each such pattern below is searched through a cheaper test that tells where it may match.


@dataclass(frozen=True)
class _Prefiltered:
    """A regex searched only where a cheaper test says it may match.

    ``finditer`` yields exactly the matches ``regex.finditer`` would, for a
    regex that never matches the empty string: *may_match(text)* must be true
    whenever the regex matches somewhere in *text*, and *next_candidate(text,
    pos)* must return the first offset at or after *pos* where a match may
    start (-1 for none). Candidates are tried with ``regex.match``, which sees
    the whole string, so ``^``, ``\b`` and lookbehinds work as in a search.
    """

    regex: re.Pattern[str]
    may_match: Callable[[str], bool] | None = None
    next_candidate: Callable[[str, int], int] | None = None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.may_match is not None and not self.may_match(text):
            return
        if self.next_candidate is None:
            yield from self.regex.finditer(text)
            return
        pos = 0
        while (start := self.next_candidate(text, pos)) >= 0:
            match = self.regex.match(text, start)
            if match is None:
                pos = start + 1
            else:
                yield match
                pos = match.end()

    def finditer_at(self, text: str, candidates: Iterable[int]) -> Iterator[re.Match[str]]:
        """The matches of ``finditer``, tried only at *candidates*: ascending offsets that hold every match start."""
        return matches_from(self.regex, text, candidates)


def matches_from(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """The matches of ``pattern.finditer(text)``, given (in order) every place where one can start.

    The pattern must not match the empty string.
    """
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(text, start)) is not None:
            end = match.end()
            yield match


def _any_of(*hints: re.Pattern[str]) -> Callable[[str], bool]:
    """Whole-text test: does any of *hints* (each opening with a literal) match?"""
    return lambda text: any(hint.search(text) for hint in hints)


def _line_after(hint: re.Pattern[str]) -> Callable[[str, int], int]:
    """Candidates for a line-anchored pattern: offset 0, and every line start just after a match of *hint*.

    *hint* is ``\n`` followed by a lookahead, so that its match ends where the line starts.
    """

    def next_candidate(text: str, pos: int) -> int:
        if pos == 0:
            return 0
        found = hint.search(text, pos - 1)
        return found.end() if found else -1

    return next_candidate


def _line_holding(hint: re.Pattern[str]) -> Callable[[str, int], int]:
    """Candidates for a line-anchored pattern: the start of every line on which *hint* matches."""

    def next_candidate(text: str, pos: int) -> int:
        while (found := hint.search(text, pos)) is not None:
            line_start = text.rfind("\n", 0, found.start()) + 1
            if line_start >= pos:
                return line_start
            pos = found.start() + 1
        return -1

    return next_candidate


def _line_pattern(regex: re.Pattern[str]) -> _Prefiltered:
    """A pattern anchored with ``^`` (multi-line), tried only at line starts where it matches."""
    return _Prefiltered(regex, next_candidate=_line_after(re.compile(rf"\n(?={regex.pattern})", regex.flags)))


def _symbol_candidate(text: str, pos: int) -> int:
    """First offset at or after *pos* where a symbol may start.

    Every symbol (``CAT/…``, ``C AT /…``, ``CEDAW /…``, ``E/C.12/…``) starts
    with "C" or "E" and has a "/" in its second to seventh character, so only
    the few characters just before each slash need a try.
    """
    while (slash := text.find("/", pos + 1)) >= 0:
        for start in range(max(pos, slash - 6), slash):
            if text[start] in "CE":
                return start
        pos = slash
    return -1


_SYMBOLS = _Prefiltered(symbols.SYMBOL_IN_TEXT, next_candidate=_symbol_candidate)


def symbol_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``symbols.SYMBOL_IN_TEXT.finditer(text)``, tried only where a symbol may start."""
    return _SYMBOLS.finditer(text)


_GRADE_LINE = re.compile(r"^[ \t]*(?:Grade:?[ \t]*)?(?P<grade>A|B1|B2|B|C1|C2|C|D1|D2|D|E)[ \t]*$", re.M)
_NUMBERED_PARAGRAPH = re.compile(r"^[ \t]*(?P<number>\d{1,3})\.(?=[ \t]+\S)", re.M)
#: a line break before a line where a grade line or a numbered paragraph may start: one scan serves both
_GRADE_OR_NUMBER_LINE = re.compile(r"\n(?=[ \t]*(?:Grade|[A-E][12]?[ \t]*$|\d{1,3}\.[ \t]+\S))", re.M)
_GRADE_LINES = _Prefiltered(_GRADE_LINE, next_candidate=_line_after(_GRADE_OR_NUMBER_LINE))
_NUMBERED_PARAGRAPHS = _Prefiltered(_NUMBERED_PARAGRAPH, next_candidate=_line_after(_GRADE_OR_NUMBER_LINE))


def _grade_or_number_line_starts(text: str) -> list[int]:
    """Offset 0 and every line start where a grade line or a numbered paragraph may start."""
    return [0, *(match.end() for match in _GRADE_OR_NUMBER_LINE.finditer(text))]


def _line_spans(regex: _Prefiltered, group: str, repaired: MappedText, clean: MappedText, line_starts: list[int]):
    """Clean-text spans of a group matched, at *line_starts* only, in the repaired (unfolded) text."""
    for match in regex.finditer_at(repaired.text, line_starts):
        start, end = repaired.raw_span(*match.span(group))
        yield clean.clean_offset(start), clean.clean_offset(end - 1) + 1


# --- cleaning ---------------------------------------------------------------

_ADDRESSEE = re.compile(r"^[ \t]*H\.\s?E\.[^\n]*\n(?:[^\n]*\n){0,10}?[^\n]*\bE-?mail:[^\n]*(?:\n|$)", re.M)
_PAGE_NUMBER_LINE = re.compile(r"^[ \t]*(?:-\s*\d{1,3}\s*-|Page\s+\d+(?:\s+of\s+\d+)?|\d{1,3})[ \t]*$", re.M | re.I)
_CLOSING = re.compile(r"^[ \t]*Accept,? (?:Excellency|Sir|Madam)[^\n]*(?:\n.*)*\Z", re.M)
_LONE_BAR = re.compile(r"\|(?<=\s\|)(?=\s)")  # a bar between spaces; the literal first makes the scan fast
_FLAT_QUOTES = "\"”“'’"
_ORDINAL_NOUN = r"\s+(?:session|meeting|periodic|report)"
_FLAT_ORDINAL = re.compile(rf"\b(\d{{1,3}})[{_FLAT_QUOTES}]+(?={_ORDINAL_NOUN})")
_GLUED_YEARS = re.compile(r"\b((?:19|20)\d\d)((?:19|20)\d\d)\b")
_LINE_HYPHEN = re.compile(r"\b([A-Za-z]+)-[ \t]*[\n\f][ \t\n\f]*([a-z][A-Za-z]*)")

# each a part of every match that opens with a literal, or the pattern tried at line starts only
_ADDRESSEES = _Prefiltered(_ADDRESSEE, next_candidate=_line_holding(re.compile(r"H\.\s?E\.")))
_CLOSINGS = _Prefiltered(_CLOSING, next_candidate=_line_holding(re.compile(r"Accept,? (?:Excellency|Sir|Madam)")))
_PAGE_NUMBER_LINES = _line_pattern(_PAGE_NUMBER_LINE)
# "in" finds one character far faster than a regex search does, so a quote that is absent spares its search
_LONE_BARS = _Prefiltered(_LONE_BAR, may_match=lambda text: "|" in text)
_FLAT_ORDINAL_HINTS = [(q, re.compile(re.escape(q) + _ORDINAL_NOUN)) for q in _FLAT_QUOTES]
_FLAT_ORDINALS = _Prefiltered(
    _FLAT_ORDINAL, may_match=lambda text: any(q in text and hint.search(text) for q, hint in _FLAT_ORDINAL_HINTS)
)
_GLUED_YEAR_PAIRS = _Prefiltered(
    _GLUED_YEARS, may_match=_any_of(re.compile(r"19\d\d(?:19|20)\d\d"), re.compile(r"20\d\d(?:19|20)\d\d"))
)
_LINE_HYPHENS = _Prefiltered(_LINE_HYPHEN, may_match=_any_of(re.compile(r"-[ \t]*[\n\f]")))
_COMPOUND_PREFIXES = frozenset(
    "ill self non co anti pre post well follow cross inter multi semi sub vice long short high low full part".split()
)


def ordinal(n: int) -> str:
    """``76`` → ``76th``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def repair_ocr(text: MappedText) -> MappedText:
    """Drop non-body blocks and repair typical OCR damage, keeping provenance."""
    text = text.sub(_ADDRESSEES, "\n")
    text = text.sub(_CLOSINGS, "\n")
    text = text.sub(_PAGE_NUMBER_LINES, "")
    text = text.sub(_LONE_BARS, "I")
    text = text.sub(_FLAT_ORDINALS, lambda m: ordinal(int(m.group(1))))
    text = text.sub(_GLUED_YEAR_PAIRS, _split_glued_years)
    text = text.sub(_LINE_HYPHENS, lambda m: _join_hyphenated(m, text.text))
    text = text.sub(_SYMBOLS, _repair_symbol_match)
    return text


def _split_glued_years(match: re.Match[str]) -> str | None:
    first, second = int(match.group(1)), int(match.group(2))
    if 0 < second - first <= 30:
        return f"{first}–{second}"
    return None


def _join_hyphenated(match: re.Match[str], whole: str) -> str:
    head, tail = match.group(1), match.group(2)
    if re.search(rf"\b{re.escape(head)}-{re.escape(tail)}\b", whole):
        return f"{head}-{tail}"
    if re.search(rf"\b{re.escape(head + tail)}\b", whole):
        return head + tail
    if head.lower() in _COMPOUND_PREFIXES:
        return f"{head}-{tail}"
    return head + tail


def _repair_symbol_match(match: re.Match[str]) -> str | None:
    return _repaired_symbol(match.group(0))


@lru_cache(maxsize=4096)
def _repaired_symbol(token: str) -> str | None:
    """*token* repaired; remembered, as the same symbols recur in letter after letter."""
    trailing = ""
    # a trailing ")" or "." belongs to the sentence, not the symbol
    while token and token[-1] in ".)" and symbols.parse_symbol(token) is None:
        trailing = token[-1] + trailing
        token = token[:-1]
    if symbols.parse_symbol(token) is not None:
        fixed = symbols.normalise_symbol(token)
    else:
        fixed = symbols.repair_symbol(token)
    if fixed is None:
        return None
    return fixed + trailing


#: white space (``str.isspace``, which is also what ``\s`` and ``str.split()`` mean) among code points below 256
_LATIN1_SPACE = np.array([chr(code).isspace() for code in range(256)])
#: a ``bytes.translate`` table that turns ASCII white space into plain spaces
_ASCII_TO_BLANK = bytes(ord(" ") if code < 128 and chr(code).isspace() else code for code in range(256))


def _blanked_code_points(text: str) -> np.ndarray:
    """The code points of *text*, each white-space character turned into a plain space."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii").translate(_ASCII_TO_BLANK), dtype=np.uint8)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = _LATIN1_SPACE[np.minimum(codes, 255)]
    # the few distinct code points above 255 are classified one by one
    wide_spaces = [code for code in np.unique(codes[codes > 255]).tolist() if chr(code).isspace()]
    if wide_spaces:
        space |= np.isin(codes, wide_spaces)
    return np.where(space, np.uint32(ord(" ")), codes)


def fold_whitespace(text: MappedText) -> MappedText:
    """Fold every run of white space into one space; strip the ends.

    The space that stands for a run keeps the raw offset of the run's first
    character.
    """
    codes = _blanked_code_points(text.text)
    space = codes == ord(" ")
    keep = ~space
    keep[1:] |= space[1:] & keep[:-1]  # the first character of each run; a run at the start is dropped
    keep[len(text.text.rstrip()) :] = False  # and so is a run at the end
    folded = codes[keep].tobytes()
    clean = folded.decode("ascii") if codes.dtype == np.uint8 else folded.decode("utf-32-le", "surrogatepass")
    return text.select(keep, clean)


_PAGE_OPENING = re.compile(r"\n(?= \S)")


def _page_starts(text: str) -> Iterator[int]:
    """Raw offsets of page breaks: form feeds, or OCR pages that open with one space."""
    if "\f" in text:
        yield from (m.end() for m in re.finditer("\f", text))
        return
    for match in _PAGE_OPENING.finditer(text):  # the line break before the space: a literal, fast to find
        yield match.end()


# --- sections and paragraph references ---------------------------------------

_HEADING = re.compile(
    # the lookahead (the line's first "(" opens a paragraph reference) changes no match: it skips other lines fast
    r"^(?=[^\n(]*\((?:paras?\.|paragraphs?))"
    r"[ \t]*(?P<topic>[^\n()]{3,200}?)[ \t]*"
    r"\((?P<ref>(?:paras?\.|paragraphs?)\s*(?:[^()\n]|\([^()\n]*\))*?)"
    r"(?:\s+of\s+(?:the\s+)?(?:Committee[’']s\s+)?concluding\s+observations)?\)[ \t]*$",
    re.M | re.I,
)
_HEADINGS = _Prefiltered(_HEADING, next_candidate=_line_holding(re.compile(r"\((?:paras?\.|paragraphs?)", re.I)))


def _find_headings(text: str) -> Iterator[tuple[int, int, str, str]]:
    for match in _HEADINGS.finditer(text):
        topic = match.group("topic").strip()
        if topic.endswith((".", ",", ";")) or not topic[:1].isupper():
            continue
        yield match.start("topic"), match.end(), topic, match.group("ref")


def _sections(headings, repaired: MappedText, clean: MappedText) -> list[Section]:
    sections = []
    count = len(headings)
    raw = repaired.origin[[h[0] for h in headings] + [h[1] - 1 for h in headings]]
    raw[count:] += 1  # a heading ends just after its last character
    offsets = clean.clean_offsets(raw)
    starts, ends = offsets[:count], offsets[count:]
    for i, (_, _, topic, ref) in enumerate(headings):
        body_end = starts[i + 1] if i + 1 < len(headings) else len(clean.text)
        sections.append(
            Section(
                paragraphs=tuple(parse_paragraph_refs(ref)),
                paragraph_raw=" ".join(ref.split()),  # white space folded and stripped, as in the clean text
                topic=" ".join(topic.split()),
                heading_start=starts[i],
                heading_end=ends[i],
                body_start=ends[i],
                body_end=body_end,
            )
        )
    return sections


_REF_TOKEN = re.compile(r"(?P<num>\d{1,3})|\((?P<letter>[a-z]{0,4})\)|(?P<range>[-–]|\bto\b)|(?P<sep>,|\band\b|&)")
_ROMAN_OR_LETTER = "abcdefghijklmnopqrstuvwxyz"


def parse_paragraph_refs(text: str) -> list[str]:
    """Normalised paragraph references, one per sub-limb.

    Examples
    --------
    >>> parse_paragraph_refs("para. 14 (a)")
    ['14(a)']
    >>> parse_paragraph_refs("paras. 41 (a), (d)-(f)")
    ['41(a)', '41(d)', '41(e)', '41(f)']
    >>> parse_paragraph_refs("paragraphs 14 (), 24 (a), 28 and 44")
    ['14()', '24(a)', '28', '44']
    """
    refs: list[str] = []
    number: str | None = None
    pending_range = False
    for match in _REF_TOKEN.finditer(text):
        if match.group("num"):
            if pending_range and refs and number and re.fullmatch(r"\d+", refs[-1]):
                refs.extend(str(n) for n in range(int(refs[-1]) + 1, int(match.group("num")) + 1))
            else:
                number = match.group("num")
                refs.append(number)
            pending_range = False
        elif match.group("letter") is not None and number is not None:
            letter = match.group("letter")
            if pending_range and refs and "(" in refs[-1] and len(letter) == 1:
                last = refs[-1].split("(")[1].rstrip(")")
                if len(last) == 1 and last < letter:
                    span = _ROMAN_OR_LETTER[_ROMAN_OR_LETTER.index(last) + 1 : _ROMAN_OR_LETTER.index(letter) + 1]
                    refs.extend(f"{number}({ch})" for ch in span)
                    pending_range = False
                    continue
            if refs and refs[-1] == number:
                refs[-1] = f"{number}({letter})"
            else:
                refs.append(f"{number}({letter})")
            pending_range = False
        elif match.group("range"):
            pending_range = True
    return refs


# --- metadata -----------------------------------------------------------------

_REPORT = re.compile(
    r"\b(?:(?P<combined>combined)\s+)?(?P<first>initial|\w+)(?:\s+(?:and|to)\s+(?P<second>\w+))?\s+periodic\s+reports?"
    r"|\b(?P<initial>initial)\s+report\b",
    re.I,
)
_REPORT_OF = re.compile(
    r"\b(?:periodic\s+reports?|initial\s+report|Follow-up\s*[-–—:]\s*)(?:\s+of\s+(?:the\s+)?)?(?P<name>[A-Z][^,.;:\n]*?)"
    r"(?=\s*(?:[,.;:\n]|$|\bin accordance\b|\bsubmitted\b|\band\b|\bunder\b|\bon\b|\bat\b))"
)
_SESSION = re.compile(r"\b(?P<n>\d{1,3})(?:st|nd|rd|th)\s+session\b", re.I)
_SESSION_DATES = re.compile(
    rf"(?:from\s+)?(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{_MONTH}))?(?:\s+(?P<y1>\d{{4}}))?\s*(?:to|-|–|and)\s*"
    rf"(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}})"
)
_REPLY_WORDS = re.compile(r"\b(?:reply|replies|response|note verbale|follow-up report|follow-up information)\b", re.I)
_RAPPORTEUR_WROTE = re.compile(
    r"\bRapporteur\b.{0,120}?\b(?:wrote|sent|addressed|transmitted)\b|\bletter\s+(?:of|dated)\b", re.I
)
_FOLLOWUP_LIST = re.compile(
    r"\b(?:paragraphs?|paras?\.)\s*(?P<refs>\d{1,3}(?:\s*\([a-z]{0,4}\))?(?:\s*(?:,|and|[-–])\s*(?:\d{1,3})?(?:\s*\([a-z]{0,4}\))?)*)"
)
_FOLLOWUP_LISTS = _Prefiltered(_FOLLOWUP_LIST, next_candidate=lambda text, pos: text.find("para", pos))


def parse_date(text: str) -> str | None:
    """``10 October 2024`` → ``2024-10-10``; None when it is not a date."""
    match = _DATE.search(text)
    if match is None:
        return None
    month = vocab.MONTHS[match["month"].lower()]
    try:
        return dt.date(int(match["year"]), month, int(match["day"])).isoformat()
    except ValueError:
        return None


def describe(text: str, sections: list[Section]) -> dict:
    """Documents-table metadata read from a document's clean text."""
    head = text[: max(2000, sections[0].heading_start if sections else 0)]
    treaty = _treaty(head)
    kind = _kind(head)
    found = [s for s in (_parse_symbol(m.group(0)) for m in _SYMBOLS.finditer(text)) if s]
    co = next((s for s in found if s.series == "CO" and not s.suffixes), None)
    reply = next((s for s in found if s.kind == "followup_reply"), None)
    cycle = _cycle(head)
    iso3 = _state(head, co)
    session = _SESSION.search(head, _session_search_start(head))
    session_dates = _SESSION_DATES.search(head, session.end(), session.end() + 160) if session else None
    start, end = _session_dates(session_dates) if session_dates else (None, None)
    return {
        "kind": kind,
        "treaty": treaty or (co.body if co else None),
        "state": vocab.state_short_name(iso3) if iso3 else None,
        "iso3": iso3,
        "cycle": cycle or (co.cycle if co else None),
        "co_symbol": co.text if co else None,
        "session": int(session["n"]) if session else None,
        "doc_date": _doc_date(head),
        "reply_symbol": reply.text if reply else None,
        "reply_date": _reply_date(head, reply),
        "session_start": start,
        "session_end": end,
        "followup_paragraphs": " ".join(_followup_paragraphs(head, sections)) or None,
    }


@lru_cache(maxsize=4096)
def _parse_symbol(token: str) -> symbols.Symbol | None:
    return symbols.parse_symbol(token)  # remembered, as the same symbols recur in letter after letter


def _treaty(head: str) -> str | None:
    for name, code in vocab.TREATY_NAMES.items():
        if name.lower() in head.lower():
            return code
    return None


def _kind(head: str) -> str | None:
    top = head[:700].lower()
    if "list of issues" in top:
        return "list_of_issues"
    if re.search(r"reference:\s*\S*follow-?\s?up|rapporteur for follow-?\s?up", top):
        return "followup_letter"
    if re.search(r"^\W*(?:\S+\s+){0,40}?concluding observations on the", top):
        return "concluding_observations"
    if re.search(r"follow-?\s?up", top):
        return "followup_letter"
    return None


def rapporteur_letter_date(text: str) -> str | None:
    """Date of the Rapporteur's follow-up letter as a later document restates it."""
    for a, b in sentence_bounds(text[:6000], []):
        sentence = text[a:b]
        wrote = _RAPPORTEUR_WROTE.search(sentence)
        if wrote is None:
            continue
        after = parse_date(sentence[wrote.start() :])
        if after:
            return after
        before = [m.group(0) for m in _DATE.finditer(sentence[: wrote.start()])]
        if before:
            return parse_date(before[-1])
    return None


def _reply_date(head: str, reply: symbols.Symbol | None) -> str | None:
    """Date of the State's reply: from the sentence naming its symbol, else one about a reply."""
    sentences = [head[a:b] for a, b in sentence_bounds(head, [])]
    if reply is not None:
        key = _symbol_key(reply.text)
        for sentence in sentences:
            if key not in _symbol_key(sentence):
                continue  # cannot name the symbol, normalised or not: a cheap test spares normalising it
            if reply.text in sentence or reply.text in symbols.normalise_symbol(sentence):
                date = parse_date(sentence)
                if date:
                    return date
    for sentence in sentences:
        if _REPLY_WORDS.search(sentence) and not _RAPPORTEUR_WROTE.search(sentence):
            date = parse_date(sentence)
            if date:
                return date
    return None


def _symbol_key(text: str) -> str:
    """*text* without white space, in upper case, dots as slashes.

    :func:`symbols.normalise_symbol` only drops white space, changes case
    and turns dots into slashes, so a text that holds a symbol, normalised or
    not, holds the symbol's key in its key.
    """
    return "".join(text.split()).upper().replace(".", "/")


#: some characters that are neither word characters nor white space: a match of ``_REPORT`` crosses none of them
#: (one left out only makes the search start earlier)
_NOT_WORD_OR_SPACE = ".,;:()/\"'’"


def _report_search_start(head: str) -> int:
    """An offset before which no match of ``_REPORT`` starts.

    A match opens with "initial", or runs from its start to "periodic" over word characters and white space only.
    """
    lower = vocab.lowered(head)
    if lower is None:
        return 0
    starts = []
    if (initial := lower.find("initial")) >= 0:
        starts.append(initial)
    if (periodic := lower.find("periodic")) >= 0:
        starts.append(1 + max(head.rfind(stop, 0, periodic) for stop in _NOT_WORD_OR_SPACE))
    return min(starts, default=len(head))


def _session_search_start(head: str) -> int:
    """An offset before which no match of ``_SESSION`` starts.

    A match ends with "session" after at most five characters and white space; a later "session" cannot lie in
    those characters, so the first "session" bounds the first match.
    """
    lower = vocab.lowered(head)
    if lower is None:
        return 0
    word = lower.find("session")
    if word < 0:
        return len(head)
    while word > 0 and head[word - 1].isspace():
        word -= 1
    return max(0, word - 5)


def _cycle(head: str) -> int | None:
    for match in _REPORT.finditer(head, _report_search_start(head)):
        if match["initial"]:
            return 1
        numbers = [vocab.ORDINAL_WORDS.get((w or "").lower()) for w in (match["first"], match["second"])]
        numbers = [n for n in numbers if n]
        if numbers:
            return max(numbers)
    return None


def _state(head: str, co: symbols.Symbol | None) -> str | None:
    for match in _REPORT_OF.finditer(head):
        # a known name may itself contain "and" ("Trinidad and Tobago"), where the name group stops
        whole = vocab.state_name_pattern().match(head, match.start("name"))
        if whole is not None:
            return vocab.state_iso3(whole.group(0))
        name = match["name"].strip()
        known = vocab.state_name_pattern().match(name)
        if known and known.end() == len(name):
            return vocab.state_iso3(name)
        if known is None and _looks_like_a_name(name):
            return vocab.state_iso3(name)  # raises: an unknown name must not pass silently
    if co is not None and co.country and "-" not in co.country:
        return co.country
    match = vocab.state_name_pattern().search(head)
    return vocab.state_iso3(match.group(0)) if match else None


def _looks_like_a_name(words: str) -> bool:
    tokens = re.findall(r"[\w’'-]+", words)
    if not tokens or len(tokens) > 8 or tokens[0].lower() in {"the", "its", "this", "your", "states", "state"}:
        return False
    return all(t[0].isupper() or t.lower() in {"of", "and", "the", "d'", "da", "de"} for t in tokens)


def _session_dates(match: re.Match[str]) -> tuple[str | None, str | None]:
    year2 = match["y2"]
    month2 = match["m2"]
    start = f"{match['d1']} {match['m1'] or month2} {match['y1'] or year2}"
    end = f"{match['d2']} {month2} {year2}"
    return parse_date(start), parse_date(end)


def _doc_date(head: str) -> str | None:
    cut = re.search(r"\b(?:Excellency|Dear|Sir|Madam)\b", head)
    match = _DATE.search(head[: cut.start() if cut else 600])
    return parse_date(match.group(0)) if match else None


def _followup_paragraphs(head: str, sections: list[Section]) -> list[str]:
    intro_end = sections[0].heading_start if sections else len(head)
    intro = head[:intro_end]
    # the longest list of paragraphs in the opening is the list selected for follow-up
    lists = [parse_paragraph_refs(m["refs"]) for m in _FOLLOWUP_LISTS.finditer(intro)]
    lists = [refs for refs in lists if len(refs) >= 2]
    if not lists:
        return []
    refs = max(lists, key=len)
    by_number = {}
    for section in sections:
        for ref in section.paragraphs:
            by_number.setdefault(ref.split("(")[0], []).append(ref)
    repaired = []
    for ref in refs:
        if ref.endswith("()"):
            known = by_number.get(ref[:-2], [])
            repaired.extend(known if known else [ref[:-2]])
        else:
            repaired.append(ref)
    return repaired
