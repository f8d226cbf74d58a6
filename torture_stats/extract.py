"""Figures and grades out of a document.

The extractor reads a document's clean text sentence by sentence. Every
number is first tested against the contexts in which numbers are not figures
(years, dates, articles, paragraphs, sessions …); the rest are matched against
the measure cues of ``vocab/cues.csv``. A number that no cue explains is not
dropped: it goes to the residuals table with the reason.
"""

from __future__ import annotations

import bisect
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

import pandas as pd

from torture_stats import schema, vocab
from torture_stats.documents import Document, Section, matches_from, parse_paragraph_refs, symbol_matches
from torture_stats.errors import TortureStatsError
from torture_stats.sentences import Sentences, sentence_bounds

# --- numbers as written ---------------------------------------------------------

_WORD_NUMBER = "|".join(sorted(vocab.NUMBER_WORDS, key=len, reverse=True))
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
# the lookahead on the first character (a digit or the first letter of a number word) changes no match:
# it lets the scan skip most positions without trying the alternatives, which makes it ~35% faster
_NUMBER_FIRST = "".join(sorted({word[0] for word in vocab.NUMBER_WORDS}))
NUMBER = re.compile(
    rf"(?=[\d{_NUMBER_FIRST}])"
    r"(?<![\w.,/\-])(?:"
    r"(?P<digits>\d{1,3}(?:(?:,|[ \u00a0\u202f])\d{3})+(?:\.\d+)?(?![\d,]\d)|\d+(?:\.\d+)?)"
    rf"|(?P<words>(?:{_WORD_NUMBER})(?:[- ](?:{_UNITS}))?"
    rf"(?:\s+hundred(?:\s+(?:and\s+)?(?:{_WORD_NUMBER})(?:[- ](?:{_UNITS}))?)?)?(?:\s+thousand)?)"
    r")(?![\w])"
    r"(?P<scale>\s+(?:million|billion|thousand))?"
    r"(?P<percent>\s?(?:%|per\s?cent\b|percent\b))?",
    re.I,
)
_YEAR = re.compile(r"(?:19|20)\d\d")


#: the ASCII characters NUMBER's lookbehind lets through before a number
_NUMBER_BOUNDARIES = "".join(char for char in map(chr, range(128)) if re.fullmatch(r"[^\w.,/\-]", char))
#: ASCII letters in lower case, and a space for each of those characters. Where re.I pairs no character of a text
#: with an ASCII letter but its own other case, a NUMBER match starts after a space of the text so translated (or
#: at its start), at a digit or at the first four letters of a number word (all of a shorter one).
_NUMBER_FOLD = str.maketrans(
    string.ascii_uppercase + _NUMBER_BOUNDARIES, string.ascii_lowercase + " " * len(_NUMBER_BOUNDARIES)
)
#: a space and a literal first: the search moves from space to space in C and tries few letters at each
_NUMBER_START_FOLDED = re.compile(
    " (?:[0-9]|" + "|".join(sorted({re.escape(word[:4]) for word in vocab.NUMBER_WORDS})) + ")"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _non_ascii_fold(char: str) -> str | None:
    """What a character beyond ASCII becomes in the folded text: a space where NUMBER may start after it, itself
    where it is a letter that re.I pairs with no ASCII letter; None for a digit or for ſ, K, İ, ı (re.I matches
    them to ASCII letters), which only NUMBER itself reads right."""
    if re.fullmatch(r"\d|(?i:[a-z])", char):
        return None
    return " " if re.fullmatch(r"[^\w.,/\-]", char) else char


def _number_fold(text: str) -> dict[int, str] | None:
    """The translation table that folds *text* for ``_NUMBER_START_FOLDED``; None where no such table is exact."""
    if text.isascii():
        return _NUMBER_FOLD
    table = dict(_NUMBER_FOLD)
    for char in set(_NON_ASCII.findall(text)):
        folded = _non_ascii_fold(char)
        if folded is None:
            return None
        table[ord(char)] = folded
    return table


def _number_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``NUMBER.finditer(text)``."""
    table = _number_fold(text)
    if table is None:
        return NUMBER.finditer(text)
    starts = (match.start() + 1 for match in _NUMBER_START_FOLDED.finditer(text.translate(table)))
    return matches_from(NUMBER, text, itertools.chain((0,), starts))


_PLAIN_DIGITS = re.compile(r",*[0-9][0-9,]*(?:\.[0-9]+)?")
_SCALE_AFTER_DIGIT = {word: re.compile(rf"\d\s+{word}$") for word in vocab.SCALE_WORDS}


def parse_number(text: str) -> float:
    """The value of a number as written: ``1,352``, ``1 204``, ``forty-two``, ``2.5 million``.

    Examples
    --------
    >>> parse_number("1,352")
    1352.0
    >>> parse_number("forty-two")
    42.0
    >>> parse_number("2.5 million")
    2500000.0
    """
    cleaned = text.strip().lower()
    if _PLAIN_DIGITS.fullmatch(cleaned):  # most numbers: no scale word, and only commas to drop
        return float(cleaned.replace(",", ""))
    scale = 1.0
    for word, factor in vocab.SCALE_WORDS.items():
        if (cleaned.endswith(word) and word in ("million", "billion")) or _SCALE_AFTER_DIGIT[word].search(cleaned):
            scale = factor
            cleaned = cleaned[: -len(word)].strip()
            break
    digits = re.sub(r"[,\s\u00a0\u202f]", "", cleaned)
    if re.fullmatch(r"\d+(?:\.\d+)?", digits):
        return float(digits) * scale
    total = 0
    current = 0
    for word in re.split(r"[-\s]+", cleaned):
        if word in vocab.NUMBER_WORDS:
            current += vocab.NUMBER_WORDS[word]
        elif word == "and":
            continue
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in ("thousand", "million", "billion"):
            total += max(current, 1) * vocab.SCALE_WORDS[word]
            current = 0
        elif word:
            raise ValueError(f"not a number: {text!r}")
    return float(total + current) * scale


# --- sentences and periods ---------------------------------------------------------

_Y = r"(?:19|20)\d\d"
_FUZZ = r"(?:(?P<{0}>early|late|mid-?|the (?:first|second) half of|the end of|the beginning of|the start of)\s+)?"
_MONTH_WORD = (
    r"(?:(?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?"
)
_PERIOD_ALTERNATIVES = (
    rf"\b(?:from|between)\s+{_FUZZ.format('f1')}{_MONTH_WORD}(?P<a>{_Y})\s+(?:to|and|until|through|till)\s+"
    rf"{_FUZZ.format('f2')}{_MONTH_WORD}(?P<b>{_Y})\b"
    rf"|\b(?P<c>{_Y})\s*(?:–|-|to|and)\s*(?P<d>{_Y})\b"
    rf"|\bsince\s+{_FUZZ.format('f3')}{_MONTH_WORD}(?P<e>{_Y})\b"
    rf"|\b(?:as of|as at|at the end of|by the end of|at the close of)\s+{_MONTH_WORD}(?P<g>{_Y})\b"
    rf"|\b{_FUZZ.format('f4')}{_MONTH_WORD}(?P<h>{_Y})\b"
)
#: the first characters of the alternatives: from, between, since, as, at, by, the words of _FUZZ (early, late,
#: mid, the), the months and digits. The lookahead changes no match (under re.I it lets through what the
#: alternatives' first letters do) but turns most places away before five alternatives are tried.
_PERIOD_FIRST = r"\dfbsaelmtjnod"
PERIOD = re.compile(rf"(?=[{_PERIOD_FIRST}])(?:{_PERIOD_ALTERNATIVES})", re.I)


@dataclass(frozen=True)
class Period:
    start: int | None
    end: int | None
    note: str | None
    span: tuple[int, int]


def _fuzz_note(word: str | None) -> str | None:
    if not word:
        return None
    word = word.lower()
    if word.startswith(("early", "the beginning", "the start", "the first half")):
        return "early"
    if word.startswith(("late", "the end", "the second half")):
        return "late"
    return None


def find_periods(text: str, start: int, end: int) -> list[Period]:
    """Period expressions in ``text[start:end]``, in order."""
    periods = []
    for m in PERIOD.finditer(text, start, end):
        if m["a"]:
            periods.append(Period(int(m["a"]), int(m["b"]), _fuzz_note(m["f2"]) or _fuzz_note(m["f1"]), m.span()))
        elif m["c"]:
            a, b = int(m["c"]), int(m["d"])
            if 0 <= b - a <= 50:
                periods.append(Period(a, b, None, m.span()))
        elif m["e"]:
            periods.append(Period(int(m["e"]), None, "since", m.span()))
        elif m["g"]:
            periods.append(Period(int(m["g"]), int(m["g"]), "as of", m.span()))
        elif m["h"]:
            year = int(m["h"])
            periods.append(Period(year, year, _fuzz_note(m["f4"]), m.span()))
    return periods


# --- figures ---------------------------------------------------------------------------------

_LIST_GLUE = re.compile(r"^(?:\s*(?:\([a-z]{0,4}\)|,|and|or|to|[-–]))+\s*$", re.I)
_LISTABLE = {"article", "paragraph", "legal act number", "section of a text", "session or meeting"}
_MASKS = (
    re.compile(r"\(\s*\d{1,2}\s*/\s*[A-E][12]?\s*\)"),  # footnote marker and grade: (2/B2)
    re.compile(r"\S+@\S+|https?://\S+|www\.\S+"),
)
_SUBJECT_TAIL = re.compile(
    r"\s+(?P<phrase>(?:for|against|among|concerning|involving)\s+[\w’'-]+(?:\s+[\w’'-]+){0,3}?)"
    r"(?=\s*[,.;:()]|\s+(?:and|under|in|during|from|since|between|at|who|which|were|was|had|have|as|by|to)\b|$)",
    re.I,
)
_NOT_A_NOUN = (
    r"(?!(?:and|or|in|at|of|for|during|since|from|with|but|while|to|on|is|are|was|were|has|have|had|remains?"
    r"|being|been|will|would|can|could|may|must|should)\b)"
)
_PER = re.compile(
    rf"\s+(?:per|for (?:each|every))\s+(?P<per>(?:{_NOT_A_NOUN}[a-z-]+\s+)?{_NOT_A_NOUN}[a-z-]+)(?![\w-])", re.I
)
_STATUS = re.compile(r"\b(?P<status>ongoing|pending|current(?:ly)?)\s+(?:[\w-]+\s+){0,3}$", re.I)
_ELLIPSIS = re.compile(
    r"\s*(?:for|in|of|concerning|under|against)\s+(?!(?:the|a|an|which|whom|them|those|these)\b)", re.I
)
#: "61 of them by suicide": a part of the figure before it, unless a verb follows and names its own measure
_OF_THEM = re.compile(
    r"\s+of\s+(?:them|those|these|which|whom)\b"
    r"(?!(?:\s+[a-z]+)?\s+(?:were|was|had|have|has|are|is|led|resulted|gave|went|reached|received|took|died)\b)"
    r"(?:\s+(?P<rest>[A-Za-z’'-]+(?:\s+[A-Za-z’'-]+){0,3}?))?(?=\s*[,;.)]|\s+(?:and|in|during|from|since)\b|$)",
    re.I,
)
_SUBSET = re.compile(r"\b(?:including|of whom|of which|among them|among whom|among which)\s+$", re.I)
_SUBSET_WORDS = re.compile(
    r"\s+(?P<words>[A-Za-z’'-]+(?:\s+[A-Za-z’'-]+){0,4}?)(?=\s*[,;.)]|\s+(?:and|who|were|was|in|for)\b)"
)
_TOTAL = re.compile(r"(?:out of|of|from)?\s*(?:a|the)\s+total\s+of\s+$|\bin\s+total\s*$", re.I)
_CURRENCY_BEFORE = re.compile(
    r"(?P<cur>" + "|".join(re.escape(c) for c in sorted(vocab.currencies(), key=len, reverse=True)) + r")\s?$"
)
#: a match of _CURRENCY_BEFORE ends at the end of the text or before a newline there, so it lies within this many
#: characters of the end; it looks at nothing before its start
_CURRENCY_BEFORE_REACH = max(map(len, vocab.currencies())) + 2
#: "1.8 million Tunisian dinars (TND)": the code in brackets settles the currency
_CURRENCY_CODE_AFTER = re.compile(r"(?:\s+[A-Za-z’'-]+){0,3}?\s+\((?P<code>[A-Z]{3})\)")
_CURRENCY_AFTER = re.compile(
    r"\s+(?P<cur>" + "|".join(re.escape(c) for c in sorted(vocab.currencies(), key=len, reverse=True)) + r")\b"
)


@dataclass
class _Candidate:
    start: int
    end: int
    value_raw: str
    value: float
    is_word: bool
    percent: bool
    currency: str | None = None
    number_end: int = 0
    excluded: str | None = None
    measure: str | None = None
    bound: str = "exact"
    evidence_start: int = 0
    evidence_end: int = 0
    subject: str | None = None
    per: str | None = None
    residual_reason: str | None = None
    extra: dict = field(default_factory=dict)


def extract_figures(doc: Document) -> pd.DataFrame:
    """Figures reported in a document, one row per figure.

    Parameters
    ----------
    doc : Document
        As returned by :func:`torture_stats.read_document`.

    Returns
    -------
    DataFrame
        The columns of the figures table (``schema.FIGURES``), in the data
        contract's order: provenance (``doc_id, treaty, iso3, cycle,
        paragraph``), the figure (``measure, value, value_raw, bound, unit,
        per, subject``), its period and reporter, ``chain`` and ``stage``, and
        the evidence (``page, span_start, span_end, evidence``), with
        ``method = "pattern"``.

    Notes
    -----
    ``value_raw`` is the number as printed and ``text[span_start:span_end]``
    contains it. "More than 200" is read as ``value = 200`` with
    ``bound = "at_least"``. Periods come from the first period expression
    after the number in the same sentence, else the last one before it, else
    a year in the section heading. ``reported_by`` comes from the nearest
    attribution cue before the number in the same sentence.
    """
    figures, _ = _extract(doc)
    return figures


def extract_residuals(doc: Document) -> pd.DataFrame:
    """Numbers that look like figures but match no measure (the residuals table)."""
    _, residuals = _extract(doc)
    return residuals


def extract_tables(doc: Document) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(figures, residuals)`` of a document in one pass."""
    return _extract(doc)


def _extract(doc: Document) -> tuple[pd.DataFrame, pd.DataFrame]:
    figure_rows, residual_rows = extract_records(doc)
    figures = pd.DataFrame(figure_rows) if figure_rows else schema.empty_frame("figures")
    residuals = pd.DataFrame(residual_rows) if residual_rows else schema.empty_frame("residuals")
    return schema.conform(figures, "figures"), schema.conform(residuals, "residuals")


def extract_records(doc: Document) -> tuple[list[dict], list[dict]]:
    """``(figures, residuals)`` of a document as lists of rows (dicts of plain values).

    The same rows as :func:`extract_tables`, before they become frames: the
    build collects them from many documents and makes one frame per table,
    which is much faster than a frame per document.
    """
    text = doc.clean.text
    breaks = [b for s in doc.sections for b in (s.heading_start, s.heading_end)]
    sentences = Sentences(text, breaks)
    masked = sorted([*_masked_spans(text), *doc.paragraph_numbers])
    candidates = list(_candidates(text, masked))
    _exclude_non_figures(text, candidates)
    figure_rows: list[dict] = []
    residual_rows: list[dict] = []
    previous_in_sentence: dict[int, _Candidate] = {}
    for cand in candidates:
        if cand.excluded:
            continue
        s_start, s_end = sentences.around(cand.start)
        _classify(text, cand, s_start, s_end, previous_in_sentence.get(s_start), doc.meta.get("iso3"))
        section = doc.section_at(cand.start)
        if cand.measure is None:
            if cand.residual_reason:
                residual_rows.append(_residual_row(doc, cand, section, s_start, s_end))
            continue
        if _refers_back(text, cand, s_start, figure_rows, section):
            cand.residual_reason = f"refers back to an earlier figure ({cand.measure} {cand.value_raw})"
            residual_rows.append(_residual_row(doc, cand, section, s_start, s_end))
            continue
        previous_in_sentence[s_start] = cand
        figure_rows.append(_figure_row(doc, cand, section, s_start, s_end))
    return _assign_chains(figure_rows), residual_rows


_DEFINITE = re.compile(r"\b(?:the|these|those|said)\s+$", re.I)


def _refers_back(text: str, cand: _Candidate, s_start: int, earlier: list[dict], section: Section | None) -> bool:
    """True for "the 35 convicted individuals" after a figure of 35 in the same section."""
    if not _DEFINITE.search(text[s_start : cand.start]):
        return False
    paragraph = section.paragraphs if section else ()
    return any(
        row["value"] == cand.value
        and row["measure"] == cand.measure
        and (row["paragraph"] in paragraph or not paragraph)
        for row in earlier
    )


def _masked_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in symbol_matches(text)]
    spans.extend(m.span() for m in _MASKS[0].finditer(text))
    if "@" in text or "http" in text or "www." in text:  # the only texts where an address can match
        spans.extend(m.span() for m in _MASKS[1].finditer(text))
    return sorted(spans)


def _candidates(text: str, masked: list[tuple[int, int]]) -> Iterator[_Candidate]:
    mask_starts = [s for s, _ in masked]
    for match in _number_matches(text):
        i = bisect.bisect_right(mask_starts, match.start()) - 1
        if i >= 0 and masked[i][0] <= match.start() < masked[i][1]:
            continue
        raw = match.group("digits") or match.group("words")
        is_word = match.group("digits") is None
        if is_word and raw.lower() in ("one",) and not _has_cue_after(text, match.end()):
            continue
        scale = match.group("scale") or ""
        try:
            value = parse_number(raw + scale)
        except ValueError:
            continue
        end = match.end()
        yield _Candidate(
            start=match.start(),
            end=end,
            number_end=match.end("scale") if match.group("scale") else match.start() + len(raw),
            value_raw=raw,
            value=value,
            is_word=is_word,
            percent=bool(match.group("percent")),
        )


def _has_cue_after(text: str, end: int) -> bool:
    return vocab.any_cue_after().match(text, end) is not None


_NOT_FIGURE_CONTEXTS = [
    (
        context,
        vocab.required_strings(context.before) if context.before else None,
        vocab.tails_before_space(context.before) if context.before else None,
    )
    for context in vocab.not_figure_contexts()
]
#: matches where the ``after`` pattern of some not-figure context matches: one search turns most numbers away
_ANY_NOT_FIGURE_AFTER = re.compile(
    "|".join(f"(?:{context.after.pattern})" for context in vocab.not_figure_contexts() if context.after) or "(?!)",
    re.I,
)
#: the contexts that can match where no ``after`` pattern does
_NOT_FIGURE_CONTEXTS_BEFORE_ONLY = [entry for entry in _NOT_FIGURE_CONTEXTS if entry[0].after is None]


def _last_word(before: str) -> str | None:
    """The last ``EDGE_LENGTH`` characters of *before* less its trailing white space, in lower case; None if they
    are not all ASCII (re.I matches some other characters to ASCII letters)."""
    end = before.rstrip()[-vocab.EDGE_LENGTH :]
    return end.lower() if end.isascii() else None


def _ends_in_none_of(last_word: str | None, tails: frozenset[str] | None) -> bool:
    """True if a text whose :func:`_last_word` is *last_word* holds no match of a pattern with these
    :func:`vocab.tails_before_space`."""
    if last_word is None or tails is None:
        return False
    for length in range(1, vocab.EDGE_LENGTH + 1):
        if last_word[-length:] in tails:
            return False
    return True


def _exclude_non_figures(text: str, candidates: list[_Candidate]) -> None:
    previous: _Candidate | None = None
    for cand in candidates:
        before = text[max(0, cand.start - 60) : cand.start]
        after = text[cand.number_end : cand.number_end + 40]
        if not cand.is_word and _YEAR.fullmatch(cand.value_raw) and not cand.percent:
            cand.excluded = "year"
        else:
            words_before = vocab.lowered(before)
            last_word = _last_word(before)
            after_may_match = _ANY_NOT_FIGURE_AFTER.match(after) is not None
            contexts = _NOT_FIGURE_CONTEXTS if after_may_match else _NOT_FIGURE_CONTEXTS_BEFORE_ONLY
            for context, needs, tails in contexts:
                if context.before is not None and (
                    _ends_in_none_of(last_word, tails)
                    or _lacks(words_before, needs)
                    or not context.before.search(before)
                ):
                    continue
                if context.after is not None and not context.after.match(after):
                    continue
                cand.excluded = context.reason
                break
        if (
            cand.excluded is None
            and previous is not None
            and previous.excluded in _LISTABLE
            and _LIST_GLUE.match(text[previous.end : cand.start])
        ):
            cand.excluded = previous.excluded
        previous = cand


_BOUND_TAILS = vocab.tails_before_space(vocab.bound_words())


def _classify(
    text: str, cand: _Candidate, s_start: int, s_end: int, previous: _Candidate | None, iso3: str | None
) -> None:
    before_text = text[s_start : cand.start]
    window = before_text[-40:]
    bound_match = None if _ends_in_none_of(_last_word(window), _BOUND_TAILS) else vocab.bound_words().search(window)
    if bound_match:
        cand.bound = vocab.bound_of_phrase()[bound_match.group("bound").lower()]
        lead = cand.start - (len(window) - bound_match.start())
    else:
        lead = cand.start
    currency = _CURRENCY_BEFORE.search(text[max(s_start, lead - _CURRENCY_BEFORE_REACH) : lead])
    if currency and not cand.is_word:
        cand.currency = vocab.currency_code(currency.group("cur"), iso3)
        lead -= len(currency.group(0))
    after_currency = _CURRENCY_AFTER.match(text, cand.end, s_end)
    code_after = _CURRENCY_CODE_AFTER.match(text, cand.end, s_end)
    cue_from = cand.end
    if cand.currency is None and code_after and code_after.group("code") in vocab.currencies():
        cand.currency = code_after.group("code")
        cue_from = code_after.end()
    elif cand.currency is None and after_currency:
        cand.currency = vocab.currency_code(after_currency.group("cur"), iso3)
        cue_from = after_currency.end()
    cand.evidence_start, cand.evidence_end = lead, cue_from

    best = None
    cue_window = text[max(s_start, lead - 120) : lead]
    words_after = vocab.lowered(text[cue_from:s_end])
    words_before = vocab.lowered(cue_window)
    for cue in _cues_to_try(text, cue_from, s_end, cue_window, cand.percent, bool(cand.currency)):
        after_match = None
        if cue.after is not None:  # tried first: both must match, and the search before the number costs more
            if _lacks(words_after, cue.after_needs):
                continue
            after_match = cue.after.match(text, cue_from, s_end)
            if after_match is None:
                continue
        before_len = 0
        if cue.before is not None:
            if _lacks(words_before, cue.before_needs):
                continue
            hit = cue.before.search(cue_window)
            if hit is None:
                continue
            before_len = len(hit.group(0))
        modifier = after_match.groupdict().get("mod") or "" if after_match else ""
        weight = before_len + (len(after_match.group(0)) - len(modifier) if after_match else 0)
        if best is None or weight > best[0]:
            best = (weight, cue, before_len, after_match, modifier)
    of_them = _OF_THEM.match(text, cand.end, s_end)
    if of_them and previous is not None and previous.measure and (best is None or best[2] == 0):
        cand.measure = previous.measure
        cand.subject = of_them.group("rest") or None
        cand.evidence_end = of_them.end()
    elif best is not None:
        _, cue, before_len, after_match, modifier = best
        cand.measure = cue.measure
        cand.evidence_start = lead - before_len
        if after_match is not None:
            cand.evidence_end = after_match.end()
        cand.subject = modifier.strip() or None
    elif _SUBSET.search(text[s_start:lead]) and previous is not None and previous.measure:
        cand.measure = previous.measure
        words = _SUBSET_WORDS.match(text, cue_from, s_end)
        if words:
            cand.subject = words.group("words")
            cand.evidence_end = words.end()
        cand.evidence_start = s_start + _SUBSET.search(text[s_start:lead]).start()
    elif _TOTAL.search(text[s_start:lead]) and previous is not None and previous.measure:
        total = _TOTAL.search(text[s_start:lead])
        cand.measure = vocab.measure_parent().get(previous.measure, previous.measure)
        cand.evidence_start = s_start + total.start()
        cand.subject = "total"
    elif (
        previous is not None
        and previous.measure
        and cand.start - previous.evidence_end < 80
        and (_ELLIPSIS.match(text, cand.end) or re.match(r"\s*(?:[,;)]|and\b)", text[cand.end : s_end]))
    ):
        cand.measure = previous.measure
        cand.currency = cand.currency or previous.currency
    else:
        if cand.is_word and cand.value_raw.lower() == "one":
            return
        cand.residual_reason = "no measure recognised near the number"
        return
    tail = _SUBJECT_TAIL.match(text, cand.evidence_end, s_end)
    if tail:
        phrase = tail.group("phrase").strip()
        cand.subject = f"{cand.subject}; {phrase}" if cand.subject and cand.subject != "total" else phrase
        cand.evidence_end = tail.end("phrase")
    per = _PER.match(text, cand.evidence_end, s_end)
    if per:
        cand.per = (
            per.group("per").lower().rstrip("s") if per.group("per").lower().endswith("s") else per.group("per").lower()
        )
        cand.evidence_end = per.end()
    status = _STATUS.search(text[s_start : cand.evidence_start])
    if status:
        cand.subject = f"{status.group('status').lower()}" + (f"; {cand.subject}" if cand.subject else "")
        cand.evidence_start = s_start + status.start()


def _lacks(words: str | None, needs: frozenset[str] | None) -> bool:
    """True if *words* (from ``vocab.lowered``) hold none of *needs*: no match of their pattern is in the text."""
    if words is None or needs is None:
        return False
    for need in needs:  # a loop, not any(): this runs for every cue and context of every number
        if need in words:
            return False
    return True


_SPACES = re.compile(r"\s*")
_MODIFIER_WORD = re.compile(vocab.MODIFIER_WORD, re.I)


def _cues_to_try(text: str, start: int, end: int, before: str, percent: bool, currency: bool) -> tuple[vocab.Cue, ...]:
    """The cues for a number with or without *percent* and *currency*, in order, less those whose ``after`` cannot
    match ``text[start:end]`` at its start or whose ``before`` cannot match at the end of *before*.
    """
    return _cue_list(_after_mask(text, start, end) & _before_mask(before), percent, currency)


def _after_mask(text: str, start: int, end: int) -> int:
    """The bit mask of the cues whose ``after`` can match at *start*.

    An ``after`` pattern is white space, up to three modifier words, then the cue's own words: these start within
    the white space or after a modifier word, and the text there must begin with one of their heads.
    """
    edges = _cues_by_edge()
    mask = edges.anywhere_after
    position = _SPACES.match(text, start, end).end()
    starts = [*range(start, position)]
    for _ in range(3):
        if position >= end:
            break
        starts.append(position)
        word = _MODIFIER_WORD.match(text, position, end)
        if word is None:
            break
        position = word.end()
    else:
        if position < end:
            starts.append(position)
    for position in starts:
        head = text[position : min(position + vocab.EDGE_LENGTH, end)]
        if not head.isascii():  # re.I matches some other characters to ASCII letters
            return -1
        head = head.lower()
        for length in edges.head_lengths:
            mask |= edges.by_head.get(head[:length], 0)
    return mask


def _before_mask(before: str) -> int:
    """The bit mask of the cues whose ``before`` can match at the end of *before*."""
    edges = _cues_by_edge()
    mask = edges.anywhere_before
    ends = [before[-vocab.EDGE_LENGTH :]]
    if before.endswith("\n"):  # where $ also matches
        ends.append(before[-vocab.EDGE_LENGTH - 1 : -1])
    for tail in ends:
        if not tail.isascii():
            return -1
        tail = tail.lower()
        for length in edges.tail_lengths:
            mask |= edges.by_tail.get(tail[-length:], 0)
    return mask


@dataclass(frozen=True)
class _CueEdges:
    """Bit masks of the cues by the first characters of their ``after`` and the last ones of their ``before``."""

    by_head: dict[str, int]
    head_lengths: list[int]
    anywhere_after: int
    by_tail: dict[str, int]
    tail_lengths: list[int]
    anywhere_before: int


@cache
def _cues_by_edge() -> _CueEdges:
    by_head: dict[str, int] = {}
    by_tail: dict[str, int] = {}
    anywhere_after = anywhere_before = 0
    for index, cue in enumerate(vocab.cues()):
        bit = 1 << index
        if cue.after is None or cue.after_heads is None or "" in cue.after_heads:
            anywhere_after |= bit
        else:
            for head in cue.after_heads:
                by_head[head] = by_head.get(head, 0) | bit
        if cue.before is None or cue.before_tails is None or "" in cue.before_tails:
            anywhere_before |= bit
        else:
            for tail in cue.before_tails:
                by_tail[tail] = by_tail.get(tail, 0) | bit
    return _CueEdges(
        by_head,
        sorted({len(h) for h in by_head}),
        anywhere_after,
        by_tail,
        sorted({len(t) for t in by_tail}),
        anywhere_before,
    )


@lru_cache(maxsize=4096)
def _cue_list(mask: int, percent: bool, currency: bool) -> tuple[vocab.Cue, ...]:
    return tuple(
        cue
        for index, cue in enumerate(vocab.cues())
        if mask >> index & 1
        and (cue.requires != "percent" or percent)
        and (cue.requires != "currency" or currency)
        and (cue.requires == "percent" or not percent)
    )


def _period(doc: Document, text: str, cand: _Candidate, s_start: int, s_end: int, section: Section | None):
    periods = find_periods(text, s_start, s_end)
    after = [p for p in periods if p.span[0] >= cand.end]
    before = [p for p in periods if p.span[1] <= cand.start]
    if after:
        return after[0]
    if before:
        return before[-1]
    if section is not None:
        heading = find_periods(text, section.heading_start, section.heading_end)
        if heading:
            return heading[0]
    return None


_ATTRIBUTIONS = [(regex, who, vocab.required_strings(regex)) for regex, who in vocab.attribution_cues()]


def _reporter(text: str, cand: _Candidate, s_start: int, s_end: int) -> str | None:
    best: tuple[int, int, str] | None = None
    words_before = vocab.lowered(text[s_start : cand.start])
    for regex, who, needs in _ATTRIBUTIONS:
        if _lacks(words_before, needs):
            continue
        for match in regex.finditer(text, s_start, cand.start):
            key = (match.end(), len(match.group(0)), who)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is not None:
        return best[2]
    clause_end = re.search(r"[,;]", text[cand.evidence_end : s_end])
    stop = cand.evidence_end + clause_end.start() if clause_end else s_end
    words_after = vocab.lowered(text[cand.evidence_end : stop])
    for regex, who, needs in _ATTRIBUTIONS:
        if not _lacks(words_after, needs) and regex.search(text, cand.evidence_end, stop):
            return who
    return None


def _raw_number(doc: Document, cand: _Candidate) -> str:
    """The number exactly as printed in the text as read (no-break spaces and all)."""
    start, end = doc.clean.raw_span(cand.start, cand.number_end)
    return doc.text[start:end]


def _provenance(doc: Document, section: Section | None, offset: int) -> dict:
    meta = doc.meta
    return {
        "doc_id": doc.doc_id,
        "treaty": meta.get("treaty"),
        "iso3": meta.get("iso3"),
        "cycle": meta.get("cycle"),
        "paragraph": _paragraph_of(doc, section, offset),
    }


_CITED_PARAGRAPH = re.compile(
    r"\b(?:paragraphs?|paras?\.)\s*(?P<refs>\d{1,3}(?:\s*\([a-z]{0,4}\))*(?:\s*(?:,|and)\s*\(?[a-z0-9]{1,3}\)?)*)\s+"
    r"of\s+(?:the|its)\s+(?:Committee[’']s\s+)?(?:previous|preceding|last)\s+concluding\s+observations",
    re.I,
)


def _paragraph_of(doc: Document, section: Section | None, offset: int) -> str | None:
    """The concluding-observations paragraph a number stands under.

    In a follow-up letter, the section's paragraph (the shared number where a
    heading names several sub-limbs); in a numbered document such as a list
    of issues, the previous concluding observations' paragraph that the
    numbered paragraph cites.
    """
    if section is not None:
        refs = section.paragraphs
        if len(refs) == 1:
            return refs[0]
        roots = {r.split("(")[0] for r in refs}
        return roots.pop() if len(roots) == 1 else " ".join(refs)
    starts = [a for a, _ in doc.paragraph_numbers]
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0:
        return None
    end = starts[i + 1] if i + 1 < len(starts) else len(doc.clean.text)
    cited = _CITED_PARAGRAPH.search(doc.clean.text, starts[i], end)
    if cited is None:
        return None
    refs = parse_paragraph_refs(cited.group("refs"))
    return refs[0] if len(refs) == 1 else " ".join(refs) or None


def _figure_row(doc: Document, cand: _Candidate, section, s_start: int, s_end: int) -> dict:
    text = doc.clean.text
    info = vocab.measure_info(cand.measure)
    unit = "percent" if cand.percent else (cand.currency or info["unit"])
    period = _period(doc, text, cand, s_start, s_end, section)
    span_start, span_end = doc.clean.raw_span(cand.evidence_start, cand.evidence_end)
    flag = None
    if info["unit"] == "currency" and cand.currency in (None, vocab.UNKNOWN_CURRENCY):
        flag = "ambiguous_unit"
    return {
        **_provenance(doc, section, cand.start),
        "measure": cand.measure,
        "value": cand.value,
        "value_raw": _raw_number(doc, cand),
        "bound": cand.bound,
        "unit": unit,
        "per": cand.per,
        "subject": cand.subject,
        "period_start": period.start if period else None,
        "period_end": period.end if period else None,
        "period_note": period.note if period else None,
        "reported_by": _reporter(text, cand, s_start, s_end),
        "chain": f"#{s_start}" if info["domain"] == "justice" and info["stage"] else None,
        "stage": info["stage"],
        "page": doc.page_at(span_start),
        "span_start": span_start,
        "span_end": span_end,
        "evidence": " ".join(text[cand.evidence_start : cand.evidence_end].split()),
        "method": "pattern",
        "flag": flag,
    }


def _residual_row(doc: Document, cand: _Candidate, section, s_start: int, s_end: int) -> dict:
    lo = max(s_start, cand.start - 60)
    hi = min(s_end, cand.end + 60)
    span_start, span_end = doc.clean.raw_span(lo, hi)
    return {
        **_provenance(doc, section, cand.start),
        "value_raw": _raw_number(doc, cand),
        "reason": cand.residual_reason,
        "page": doc.page_at(span_start),
        "span_start": span_start,
        "span_end": span_end,
        "evidence": " ".join(doc.clean.text[lo:hi].split()),
    }


_SNAPSHOT = re.compile(r"\b(?:ongoing|pending|current)")


def _assign_chains(rows: list[dict]) -> list[dict]:
    """Give the justice figures of one sentence a shared chain id.

    A chain needs figures at two or more stages; figures about an ongoing
    or pending matter are a snapshot, not a step of the chain. The rows are
    changed in place and returned.
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row["chain"] is not None and _SNAPSHOT.search(row["subject"] or ""):
            row["chain"] = None
        if row["chain"] is not None:
            groups.setdefault(row["chain"], []).append(row)
    chain_ids: dict[str, str] = {}
    counter: dict[tuple, int] = {}
    for key, group in groups.items():
        if len({row["stage"] for row in group if row["stage"] is not None}) < 2:
            continue
        first = group[0]
        base = (first["iso3"], first["cycle"], first["paragraph"])
        counter[base] = counter.get(base, 0) + 1
        parts = [str(p) for p in base if p is not None and not pd.isna(p)]
        chain_ids[key] = "-".join([*parts, str(counter[base])])
    for row in rows:
        row["chain"] = chain_ids.get(row["chain"]) if row["chain"] is not None else None
    return rows


# --- grades ------------------------------------------------------------------------------------

_GRADE_MARK = re.compile(r"\((?:\s*(?P<footnote>\d{1,2})\s*/\s*)?(?P<grade>A|B1|B2|B|C1|C2|C|D1|D2|D|E)\s*\)")
_GRADE_ALONE = re.compile(r"(?:^|[.)]\s)(?:Grade:?\s*)?(?P<grade>A|B1|B2|B|C1|C2|C|D1|D2|D|E)\s*$")
_VERDICTS = (
    (re.compile(r"\b(?:(?:has|have)\s+)?not\s+(?:yet\s+)?(?:been\s+)?implemented\b", re.I), "not_implemented"),
    (
        re.compile(r"\b(?:(?:has|have)\s+been\s+)?(?:almost\s+fully|largely|substantially)\s+implemented\b", re.I),
        "almost_fully_implemented",
    ),
    (re.compile(r"\b(?:(?:has|have)\s+been\s+)?partially\s+implemented\b", re.I), "partially_implemented"),
    (re.compile(r"\binitial\s+steps\b", re.I), "initial_steps"),
    (
        re.compile(r"\b(?:insufficient|lack of)\s+information\s+to\s+assess\b|\bcould\s+not\s+(?:be\s+)?assess", re.I),
        "insufficient_information",
    ),
    (re.compile(r"\bcontrary\s+to\s+the\s+recommendation\b", re.I), "contrary"),
    (re.compile(r"\b(?:(?:has|have)\s+been\s+)?(?:fully\s+)?implemented\b", re.I), "implemented"),
)  # fmt: skip


def _letter_scheme(treaty: str | None, grade: str) -> str:
    if treaty == "CCPR":
        return "CCPR-2013" if grade[-1:].isdigit() else "CCPR-2017"
    return "CAT-2015"


def extract_grades(doc: Document) -> pd.DataFrame:
    """Grades the document gives, one row per paragraph (sub-limb) assessed.

    Parameters
    ----------
    doc : Document

    Returns
    -------
    DataFrame
        The columns of the grades table (``schema.GRADES``): provenance,
        ``paragraph`` (normalised), ``topic`` (the section heading),
        ``grade`` and ``grade_raw`` (as printed, e.g. ``(2/B2)``), ``scheme``,
        ``score`` (0-1, from ``grade_scales.csv``), ``assessed_on`` (the
        document's date), the raw span of the grade, ``method``.

    Notes
    -----
    A letter grade is the last parenthesised grade in a section, or a grade
    standing alone at its end; ``(2/B2)`` is footnote marker 2 then grade
    B2. Where a section has no letter grade, a verdict in words
    ("partially implemented") is read on the ``CAT-verbal`` scheme.
    """
    rows = grade_records(doc)
    frame = pd.DataFrame(rows) if rows else schema.empty_frame("grades")
    return schema.conform(frame, "grades")


def grade_records(doc: Document) -> list[dict]:
    """The rows of :func:`extract_grades` as dicts of plain values."""
    treaty = doc.meta.get("treaty")
    rows = []
    for section in doc.sections:
        found = _section_grade(doc, section, treaty)
        if found is None:
            continue
        grade, scheme, span = found
        for paragraph in section.paragraphs:
            rows.append(
                _grade_row(
                    doc, paragraph, section.topic, grade, scheme, span, doc.meta.get("cycle"), doc.meta.get("doc_date")
                )
            )
    if not rows and doc.meta.get("kind") in ("list_of_issues", "concluding_observations"):
        rows = list(_restated_grades(doc))
    return rows


def _section_grade(doc: Document, section: Section, treaty: str | None):
    """(grade, scheme, clean span) of a section: its last letter grade, else its first verdict in words."""
    text = doc.clean.text
    body = text[section.body_start : section.body_end]
    letters = [
        (section.body_start + m.start(), section.body_start + m.end(), m["grade"]) for m in _GRADE_MARK.finditer(body)
    ]
    letters += [(a, b, text[a:b].strip()) for a, b in doc.grade_lines if section.body_start <= a < section.body_end]
    if letters:
        start, end, grade = max(letters)
        return grade, _letter_scheme(treaty, grade), (start, end)
    verdict = _first_verdict(body)
    if verdict is None:
        return None
    key, (a, b) = verdict
    return key, "CAT-verbal", (section.body_start + a, section.body_start + b)


@cache
def _grade_score(scheme: str, grade: str) -> float | None:
    return vocab.grade_score(scheme, grade)  # a frame lookup: cached, as the build asks it for every grade


def _grade_row(doc, paragraph, topic, grade, scheme, span, cycle, assessed_on) -> dict:
    raw_start, raw_end = doc.clean.raw_span(*span)
    return {
        "doc_id": doc.doc_id,
        "treaty": doc.meta.get("treaty"),
        "iso3": doc.meta.get("iso3"),
        "cycle": cycle,
        "paragraph": paragraph,
        "topic": topic,
        "grade": grade,
        "grade_raw": " ".join(doc.text[raw_start:raw_end].split()),
        "scheme": scheme,
        "score": _grade_score(scheme, grade),
        "assessed_on": assessed_on,
        "span_start": raw_start,
        "span_end": raw_end,
        "method": "pattern",
    }


_CLAUSE_SPLIT = re.compile(r"(?:;\s*(?:and\s+)?|,\s*(?:and\s+)?|\s+and\s+)(?=that\b)|;\s*", re.I)
_OWN_PARAGRAPHS = re.compile(r"\(see\s+paras?\.[^)]*\)", re.I)
_REF_ITEM = r"(?:\d{1,3})?(?:\s*\([a-z]{0,4}\))?"
_REF_GLUE = r"(?:,|and|to|[-–]|as well as those in(?: paragraphs?)?)"
_REF_LIST = re.compile(
    rf"\b(?:paragraphs?|paras?\.)\s*\d{{1,3}}(?:\s*\([a-z]{{0,4}}\))?(?:\s*{_REF_GLUE}\s*{_REF_ITEM})*", re.I
)


def _restated_grades(doc: Document):
    """Verdicts in words that a later document restates for the previous cycle's follow-up paragraphs."""
    from torture_stats.documents import rapporteur_letter_date
    from torture_stats.symbols import parse_symbol

    text = doc.clean.text
    co = parse_symbol(doc.meta["co_symbol"]) if doc.meta.get("co_symbol") else None
    cycle = co.cycle if co else None
    assessed_on = rapporteur_letter_date(text)
    head_end = min(len(text), 6000)
    for s_start, s_end in sentence_bounds(text[:head_end], []):
        sentence = _OWN_PARAGRAPHS.sub(lambda m: " " * len(m.group(0)), text[s_start:s_end])
        if not any(regex.search(sentence) for regex, _ in _VERDICTS):
            continue
        cursor = 0
        for piece in [*_CLAUSE_SPLIT.split(sentence)]:
            offset = sentence.index(piece, cursor)
            cursor = offset + len(piece)
            verdict = _first_verdict(piece)
            refs = [r for m in _REF_LIST.finditer(piece) for r in parse_paragraph_refs(m.group(0))]
            if verdict is None or not refs:
                continue
            key, (a, b) = verdict
            span = (s_start + offset + a, s_start + offset + b)
            for paragraph in refs:
                yield _grade_row(doc, paragraph, None, key, "CAT-verbal", span, cycle, assessed_on)


def _first_verdict(body: str) -> tuple[str, tuple[int, int]] | None:
    hits = []
    for regex, key in _VERDICTS:
        for match in regex.finditer(body):
            if not any(a <= match.start() < b for _, (a, b) in hits):
                hits.append((key, match.span()))
    return min(hits, key=lambda h: h[1][0]) if hits else None


def extract_document_row(doc: Document) -> pd.DataFrame:
    """The documents-table row of *doc* as a one-row frame."""
    return schema.conform(pd.DataFrame([doc.to_row()]), "documents")


__all__ = [
    "TortureStatsError",
    "extract_document_row",
    "extract_figures",
    "extract_grades",
    "extract_records",
    "extract_residuals",
    "extract_tables",
    "grade_records",
    "parse_number",
]
