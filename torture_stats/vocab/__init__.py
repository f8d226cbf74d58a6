"""Controlled vocabularies, kept as data in ``torture_stats/vocab/``.

Measures, grade scales, State names, and the word patterns the extractor
uses all live in CSV files beside this module, so that a new wording is a new
row rather than a new branch in the code.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from torture_stats.errors import VocabularyError

try:  # private to the standard library: without it, or if its shape changes, every cue is simply tried everywhere
    from re import _parser as regex_parser
except ImportError:
    regex_parser = None
#: what a change in ``re._parser`` could raise while a pattern is read
_PARSER_CHANGED = (AttributeError, TypeError, ValueError, IndexError)

#: placeholder in cue patterns for up to three modifier words before a noun
MODIFIER_SLOT = "~"
#: a modifier word: letters only, and never a conjunction, so a cue cannot reach across "54 doctors and 35 nurses"
MODIFIER_WORD = r"(?:(?!(?:and|or|but)\b)[A-Za-z’'-]+ )"
_MODIFIER_REGEX = rf"(?P<mod>{MODIFIER_WORD}{{0,3}}?)"
_GAP = re.compile(r"<gap(\d)>")


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("torture_stats.vocab").joinpath(name).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise VocabularyError(f"vocab/{name}, line {number}: wrong number of fields (quote a field with a comma)")
    return rows


def _expand_gaps(pattern: str) -> str:
    return _GAP.sub(lambda m: rf"(?: [\w.’'-]+){{0,{m.group(1)}}}?", pattern)


@cache
def measures() -> pd.DataFrame:
    """The measure vocabulary (``measures.csv``), one row per measure.

    Returns
    -------
    DataFrame
        Columns ``measure, unit, domain, stage, description, example_wordings``.
    """
    frame = pd.DataFrame(_rows("measures.csv")).astype("string")
    return frame.replace("", pd.NA)


@cache
def measure_info(measure: str) -> dict[str, str | None]:
    """Unit, domain and stage of *measure*; raises on an unknown name."""
    table = measures().set_index("measure")
    if measure not in table.index:
        raise VocabularyError(f"unknown measure {measure!r}: not in measures.csv")
    row = table.loc[measure]
    return {k: (None if pd.isna(row[k]) else str(row[k])) for k in ("unit", "domain", "stage")}


@cache
def measure_parent() -> dict[str, str]:
    """Measure → the measure it is a part of (convictions → verdicts)."""
    return {r["measure"]: r["part_of"] for r in _rows("measure_parts.csv")}


@cache
def grade_scales() -> pd.DataFrame:
    """Grading schemes on one 0-1 score (``grade_scales.csv``).

    Returns
    -------
    DataFrame
        Columns ``scheme, grade, meaning, score`` (Float64, empty where the
        grade is not a progress level), ``engages`` (boolean), ``note``.
    """
    frame = pd.DataFrame(_rows("grade_scales.csv"))
    frame["score"] = pd.to_numeric(frame["score"].replace("", None)).astype("Float64")
    frame["engages"] = frame["engages"].map({"true": True, "false": False}).astype("boolean")
    for col in ("scheme", "grade", "meaning", "note"):
        frame[col] = frame[col].astype("string").replace("", pd.NA)
    return frame


def grade_score(scheme: str, grade: str) -> float | None:
    """Score of *grade* under *scheme*; None for a grade with no progress level."""
    table = grade_scales()
    hit = table[(table["scheme"] == scheme) & (table["grade"] == grade)]
    if hit.empty:
        raise VocabularyError(f"grade {grade!r} is not in scheme {scheme!r} of grade_scales.csv")
    score = hit["score"].iloc[0]
    return None if pd.isna(score) else float(score)


@dataclass(frozen=True)
class Cue:
    """A wording that names a measure around a number."""

    measure: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    requires: str | None
    weight: int
    #: the first characters (see ``_edges``) of the words after the modifier slot (None: not known, or ``after`` does
    #: not start with the slot)
    after_heads: frozenset[str] | None = None
    #: the last characters of the ``before`` words (None: not known)
    before_tails: frozenset[str] | None = None
    #: :func:`required_strings` of ``before`` and ``after``
    before_needs: frozenset[str] | None = None
    after_needs: frozenset[str] | None = None


@cache
def cues() -> tuple[Cue, ...]:
    """Measure cues from ``cues.csv``, compiled.

    ``before`` must end right before the number (and its bound words);
    ``after`` must start right after it. ``~`` stands for up to three
    modifier words, kept as the figure's subject; ``<gapN>`` for up to N
    other words. ``weight`` (the literal length of the pattern) breaks ties
    in favour of the more specific wording.
    """
    compiled = []
    for row in _rows("cues.csv"):
        measure_info(row["measure"])
        before = _expand_gaps(row["before"])
        after = _expand_gaps(row["after"])
        weight = len(re.sub(r"\(\?:|[()?|\\\[\]*+~]|<gap\d>", "", row["before"] + row["after"]))
        before_pattern = re.compile(f"(?:{before})$", re.I) if before else None
        after_pattern = re.compile(_after_source(after, _MODIFIER_REGEX), re.I) if after else None
        compiled.append(
            Cue(
                measure=row["measure"],
                before=before_pattern,
                after=after_pattern,
                requires=row["requires"] or None,
                weight=weight,
                after_heads=_edges(after[1:]) if after.startswith(MODIFIER_SLOT) else None,
                before_tails=_edges(before, at_end=True) if before else None,
                before_needs=required_strings(before_pattern) if before_pattern else None,
                after_needs=required_strings(after_pattern) if after_pattern else None,
            )
        )
    return tuple(compiled)


#: how many characters of a cue's words ``Cue.after_heads`` and ``Cue.before_tails`` hold
EDGE_LENGTH = 4
#: more edges than this are not worth listing: the cue is then tried everywhere
_MAX_EDGES = 500


def _edges(source: str, at_end: bool = False) -> frozenset[str] | None:
    """The first (or last) ``EDGE_LENGTH`` characters (all, where shorter) of the matches of *source* with re.I.

    In lower case, and standing for the ASCII characters re.I matches to them: where the ``EDGE_LENGTH``
    characters of a text after (or before) a place are ASCII, a match can only start (or end) there if their
    lower case begins (or ends) with an edge. None where the parsed pattern holds something not followed here
    (a class such as ``\\w``) or has too many edges. Assertions count as empty, which can only add edges.
    """
    if regex_parser is None:
        return None
    try:
        return _edges_of(regex_parser.parse(source, re.I), at_end)
    except _PARSER_CHANGED:
        return None


def _edges_of(items, at_end: bool) -> frozenset[str] | None:
    edges = {""}
    for op, arg in reversed(items) if at_end else items:
        if all(len(edge) >= EDGE_LENGTH for edge in edges):
            break
        item_edges = _item_edges(op, arg, at_end)
        if item_edges is None:
            return None
        edges = _joined(edges, item_edges, at_end)
        if len(edges) > _MAX_EDGES:
            return None
    return frozenset(edges)


def _joined(edges, item_edges, at_end: bool) -> set[str]:
    """The edges of what has *edges*, extended on its open side by what has *item_edges*."""
    if at_end:
        return {
            edge if len(edge) >= EDGE_LENGTH else (item + edge)[-EDGE_LENGTH:] for edge in edges for item in item_edges
        }
    return {edge if len(edge) >= EDGE_LENGTH else (edge + item)[:EDGE_LENGTH] for edge in edges for item in item_edges}


def _item_edges(op, arg, at_end: bool) -> frozenset[str] | None:
    if op is regex_parser.LITERAL:
        return _case_variants(chr(arg))
    if op is regex_parser.IN:
        chars: set[str] = set()
        for kind, value in arg:
            if kind is regex_parser.LITERAL:
                chars.add(chr(value))
            elif kind is regex_parser.RANGE and value[1] - value[0] < 128:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:  # a negated class or a category (\\w, \\s …)
                return None
        return frozenset().union(*map(_case_variants, chars))
    if op is regex_parser.BRANCH:
        branches = [_edges_of(branch, at_end) for branch in arg[1]]
        return None if any(branch is None for branch in branches) else frozenset().union(*branches)
    if op is regex_parser.SUBPATTERN:
        return _edges_of(arg[-1], at_end)
    if op in (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT, regex_parser.POSSESSIVE_REPEAT):
        least, most, body = arg
        body_edges = _edges_of(body, at_end)
        if body_edges is None:
            return None
        repeated = {""}  # the edges of `count` repetitions
        edges = {""} if least == 0 else set()
        for count in range(1, min(most, EDGE_LENGTH) + 1):
            repeated = _joined(repeated, body_edges, at_end)
            if count >= min(least, EDGE_LENGTH):
                edges |= repeated
        return frozenset(edges)
    if op in (regex_parser.AT, regex_parser.ASSERT, regex_parser.ASSERT_NOT):
        return frozenset({""})
    return None


@cache
def _case_variants(char: str) -> frozenset[str]:
    """The lower-case ASCII characters re.I matches to *char*, and *char* itself if it is not ASCII."""
    pattern = re.compile(re.escape(char), re.I)
    variants = {ascii_char.lower() for ascii_char in map(chr, range(128)) if pattern.fullmatch(ascii_char)}
    return frozenset(variants if char.isascii() else {*variants, char})


def required_strings(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case ASCII strings one of which every match of *pattern* contains; None if none are known.

    A match holds one of them in some case. Where no character of a text is one that re.I matches to a
    different ASCII letter (see :func:`lowered`), the lower-cased text then holds it as given here.
    """
    if regex_parser is None:
        return None
    try:
        found = _required_of(regex_parser.parse(pattern.pattern, pattern.flags))
    except _PARSER_CHANGED:
        return None
    return None if found is None else frozenset(string.lower() for string in found)


def tails_before_space(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The tails (as :func:`_edges` gives them) of the matches of *pattern* less their trailing white space.

    Only for a pattern that ends in ``\\s*$`` or ``\\s+$`` after something whose last character is never white
    space: a match of it in a text then ends, before that white space, where ``text.rstrip()`` ends. None
    otherwise.
    """
    if regex_parser is None:
        return None
    try:
        items = list(regex_parser.parse(pattern.pattern, pattern.flags))
        if len(items) < 2 or items[-1] != (regex_parser.AT, regex_parser.AT_END):
            return None
        op, arg = items[-2]
        if op is not regex_parser.MAX_REPEAT or list(arg[2]) != [
            (regex_parser.IN, [(regex_parser.CATEGORY, regex_parser.CATEGORY_SPACE)])
        ]:
            return None
        tails = _edges_of(items[:-2], at_end=True)
    except _PARSER_CHANGED:
        return None
    if tails is None or any(not tail or tail[-1].isspace() for tail in tails):
        return None
    return tails


#: characters other than ASCII that re.I matches to ASCII letters (the Kelvin sign, long s, dotted and dotless i)
_ASCII_LOOKALIKE = re.compile(r"[^\x00-\x7f](?<=(?i:[a-z]))")


def lowered(text: str) -> str | None:
    """*text* lower-cased, to look for :func:`required_strings` in; None where they may be missed in it."""
    if text.isascii() or _ASCII_LOOKALIKE.search(text) is None:
        return text.lower()
    return None


def _required_of(items) -> set[str] | None:
    """The most telling set of strings one of which every match of a sequence of parsed regex items contains."""
    choices: list[set[str]] = []
    run = ""
    for op, arg in items:
        if op is regex_parser.LITERAL:
            run += chr(arg)
            continue
        if run:
            choices.append({run})
            run = ""
        if op is regex_parser.SUBPATTERN:
            found = _required_of(arg[-1])
        elif op is regex_parser.BRANCH:
            branches = [_required_of(branch) for branch in arg[1]]
            found = None if any(b is None for b in branches) else set().union(*branches)
        elif op in (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT, regex_parser.POSSESSIVE_REPEAT) and arg[0] > 0:
            found = _required_of(arg[2])
        else:
            found = None
        if found:
            choices.append(found)
    if run:
        choices.append({run})
    usable = [choice for choice in choices if all(string.isascii() for string in choice)]
    return max(usable, key=lambda choice: (min(map(len, choice)), -len(choice)), default=None)


def _after_source(after: str, modifier: str) -> str:
    return r"\s*" + after.replace(MODIFIER_SLOT, modifier, 1)


@cache
def any_cue_after() -> re.Pattern[str]:
    """One pattern that matches where the ``after`` pattern of some cue matches."""
    modifier = _MODIFIER_REGEX.replace("(?P<mod>", "(?:", 1)
    sources = [_after_source(_expand_gaps(row["after"]), modifier) for row in _rows("cues.csv") if row["after"]]
    return re.compile("|".join(f"(?:{source})" for source in sources) or "(?!)", re.I)


@cache
def bound_words() -> re.Pattern[str]:
    """Words before a number that make it a bound, longest first."""
    phrases = sorted((r["phrase"] for r in _rows("bounds.csv")), key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in phrases)
    return re.compile(rf"\b(?P<bound>{alternatives})\s+$", re.I)


@cache
def bound_of_phrase() -> dict[str, str]:
    return {r["phrase"].lower(): r["bound"] for r in _rows("bounds.csv")}


@cache
def attribution_cues() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, reported_by) pairs that attribute a figure to its reporter."""
    return tuple((re.compile(_expand_gaps(r["pattern"]), re.I), r["reported_by"]) for r in _rows("attribution.csv"))


@cache
def currencies() -> dict[str, dict[str, str]]:
    """Currency word or sign → {State ISO3 or "" for any State: ISO 4217 code}."""
    table: dict[str, dict[str, str]] = {}
    for row in _rows("currencies.csv"):
        table.setdefault(row["name"], {})[row["iso3"]] = row["iso4217"]
    return table


#: ISO 4217 code for "no currency": a currency word that names no one currency for this State
UNKNOWN_CURRENCY = "XXX"


def currency_code(name: str, iso3: str | None) -> str:
    """ISO 4217 code of a currency word as used in a document about State *iso3*.

    Examples
    --------
    >>> currency_code("pesos", "MEX")
    'MXN'
    >>> currency_code("EUR", None)
    'EUR'
    >>> currency_code("pesos", "FRA")
    'XXX'
    """
    codes = currencies().get(name, {})
    return codes.get(iso3 or "", codes.get("", UNKNOWN_CURRENCY))


@dataclass(frozen=True)
class NotFigure:
    reason: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None


@cache
def not_figure_contexts() -> tuple[NotFigure, ...]:
    """Contexts in which a number is not a figure (article, date, session …)."""
    out = []
    for row in _rows("not_figures.csv"):
        out.append(
            NotFigure(
                reason=row["reason"],
                before=re.compile(row["before"], re.I) if row["before"] else None,
                after=re.compile(row["after"], re.I) if row["after"] else None,
            )
        )
    return tuple(out)


def fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key for a name."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("’", "'").casefold()
    plain = re.sub(r"^the\s+", "", plain.strip())
    return re.sub(r"[^a-z0-9']+", " ", plain).strip()


@cache
def states() -> pd.DataFrame:
    """UN State names (``states.csv``): ``iso3, short_name, un_name, aliases``."""
    return pd.DataFrame(_rows("states.csv")).astype("string")


@cache
def _state_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _rows("states.csv"):
        names = [row["short_name"], row["un_name"], *filter(None, row["aliases"].split(";"))]
        for name in names:
            index[fold(name)] = row["iso3"]
    return index


def state_iso3(name: str) -> str:
    """ISO3 code of a State named as UN documents name it.

    Raises
    ------
    VocabularyError
        When the name is not a known State name or alias.
    """
    iso3 = _state_index().get(fold(name))
    if iso3 is None:
        raise VocabularyError(f"unknown State name {name!r}: not in states.csv")
    return iso3


@cache
def _short_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for row in _rows("states.csv"):
        names.setdefault(row["iso3"], row["short_name"])
    return names


def state_short_name(iso3: str) -> str:
    """The short English name of the State with code *iso3*."""
    name = _short_names().get(iso3) if isinstance(iso3, str) else None
    if name is None:
        raise VocabularyError(f"unknown ISO3 code {iso3!r}: not in states.csv")
    return name


@cache
def state_name_pattern() -> re.Pattern[str]:
    """A regex matching any State name or alias as written (longest first)."""
    names: set[str] = set()
    for row in _rows("states.csv"):
        names.update([row["short_name"], row["un_name"], *filter(None, row["aliases"].split(";"))])
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


ORDINAL_WORDS = {
    "initial": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "eleventh": 11, "twelfth": 12,
}  # fmt: skip

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip

SCALE_WORDS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july",
         "august", "september", "october", "november", "december"]
    )
}  # fmt: skip

TREATY_NAMES = {
    "Committee against Torture": "CAT",
    "Human Rights Committee": "CCPR",
    "Committee on the Elimination of Discrimination against Women": "CEDAW",
    "Committee on the Elimination of Racial Discrimination": "CERD",
    "Committee on the Rights of the Child": "CRC",
    "Committee on Economic, Social and Cultural Rights": "CESCR",
    "Committee on Enforced Disappearances": "CED",
    "Committee on the Rights of Persons with Disabilities": "CRPD",
    "Committee on Migrant Workers": "CMW",
}
