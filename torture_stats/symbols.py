"""UN treaty-body document symbols: parse, normalise and repair OCR damage.

The grammar follows ``docs/symbols.md``: ``CAT/C/KAZ/CO/4`` (concluding
observations), ``CAT/C/KAZ/FCO/4`` (follow-up reply), ``CAT/C/GBR/QPR/7``
(list of issues prior to reporting), ``CAT/C/55/3`` (sessional document) …
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from torture_stats import vocab

BODIES = ("CAT/OP", "CAT", "CCPR", "CEDAW", "CERD", "CED", "CRPD", "CRC", "CMW", "E/C.12")
KIND_OF_TAIL = {
    "CO": "concluding_observations",
    "FCO": "followup_reply",
    "QPR": "list_of_issues",
    "Q": "list_of_issues",
    "RQ": "reply_to_list_of_issues",
    "GC": "general_comment",
}

_SYMBOL = re.compile(
    r"""^(?P<body>CAT/OP|CAT|CCPR|CEDAW|CERD|CED|CRPD|CRC|CMW|E/C\.12)(?:/C)?
    (?:/(?P<country>[A-Z]{3}(?:-[A-Z]{3})?))?
    /(?:(?P<series>CO|FCO|QPR|RQ|Q|GC)/)?
    (?P<number>\d+(?:-\d+)?)
    (?:/D/(?P<communication>\d+)/(?P<year>\d{4})|/(?P<docno>\d+))?
    (?P<suffixes>(?:/(?:Add|Corr|Rev)\.\d+(?:-\d+)?)*)$""",
    re.X,
)
_ANNUAL_REPORT = re.compile(r"^A/(?P<ga>\d{2})/(?P<supplement>\d{2})(?P<suffixes>(?:/(?:Add|Corr|Rev)\.\d+)*)$")
_SUMMARY_RECORD = re.compile(r"^(?P<body>CAT|CCPR|CEDAW|CERD|CED|CRPD|CRC|CMW)/C/SR\.(?P<meeting>\d+)$")

#: a symbol-like token in running text, before any repair
SYMBOL_IN_TEXT = re.compile(
    r"(?<![\w/])(?:C\s?AT(?:/OP)?|CCPR|CEDAW|CERD|CED|CRPD|CRC|CMW|E/C\.12)\s?/\s?[A-Za-z0-9|!./()\-]*[A-Za-z0-9]"
)
#: characters OCR confuses with a slash
_SLASH_LOOKALIKES = "Il|1!"


@dataclass(frozen=True)
class Symbol:
    """A parsed document symbol."""

    text: str
    body: str
    country: str | None
    series: str | None
    number: str
    suffixes: str

    @property
    def cycle(self) -> int | None:
        """Highest report number of the cycle a country document belongs to."""
        if self.country is None:
            return None
        return max(int(n) for n in self.number.split("-"))

    @property
    def kind(self) -> str | None:
        if self.country is None:
            return None
        if self.series == "CO" and re.search(r"/Add\.\d", self.suffixes):
            return "followup_reply"
        return KIND_OF_TAIL.get(self.series or "", "state_report")


def normalise_symbol(text: str) -> str:
    """Upper-case, drop spaces, turn file-name dots into slashes."""
    cleaned = re.sub(r"\s+", "", text).upper()
    if "/" not in cleaned and "." in cleaned:
        cleaned = re.sub(r"\.(?!\d)", "/", cleaned)
    cleaned = re.sub(r"/(ADD|CORR|REV)\.", lambda m: "/" + m.group(1).capitalize() + ".", cleaned)
    return cleaned


def parse_symbol(text: str) -> Symbol | None:
    """Parse a symbol; None when it does not follow the grammar.

    Examples
    --------
    >>> parse_symbol("CAT/C/KAZ/CO/4").cycle
    4
    >>> parse_symbol("CAT/C/MEX/CO/5-6").cycle
    6
    >>> parse_symbol("CAT/C/KAZ/FCO/4").kind
    'followup_reply'
    >>> parse_symbol("A/79/44").series
    'annual_report'
    """
    symbol = normalise_symbol(text)
    annual = _ANNUAL_REPORT.match(symbol)
    if annual is not None:
        return Symbol(symbol, "A", None, "annual_report", annual["ga"], annual["suffixes"] or "")
    match = _SYMBOL.match(symbol)
    if match is None:
        sr = _SUMMARY_RECORD.match(symbol)
        if sr is None:
            return None
        return Symbol(symbol, sr["body"], None, "SR", sr["meeting"], "")
    country = match["country"]
    if country is not None and not all(part in _iso3_codes() for part in country.split("-")):
        return None
    return Symbol(symbol, match["body"], country, match["series"], match["number"], match["suffixes"] or "")


@cache
def _iso3_codes() -> frozenset[str]:
    return frozenset(vocab.states()["iso3"].astype(str)) | {"HKG", "MAC", "CHN"}


def repair_symbol(text: str, prefer_country: str | None = None) -> str | None:
    """Repair an OCR-damaged symbol, or None when no repair parses.

    Each character OCR confuses with a slash is tried as a slash, as nothing,
    and as itself; the repair that parses with a known country code and
    needs the fewest edits wins, *prefer_country* first.

    Examples
    --------
    >>> repair_symbol("CAT/C/IKAZICO/4")
    'CAT/C/KAZ/CO/4'
    >>> repair_symbol("C AT/C/SR.1998")
    'CAT/C/SR.1998'
    """
    base = re.sub(r"\s+", "", text)
    if parse_symbol(base) is not None:
        return normalise_symbol(base)
    positions = [i for i, ch in enumerate(base) if ch in _SLASH_LOOKALIKES and i > 2]
    if len(positions) > 6:
        return None
    candidates: list[tuple[int, int, str]] = []
    for choice in itertools.product(("keep", "slash", "drop"), repeat=len(positions)):
        chars = list(base)
        edits = 0
        for pos, action in zip(positions, choice, strict=True):
            if action == "slash":
                chars[pos] = "/"
            elif action == "drop":
                chars[pos] = ""
            edits += action != "keep"
        candidate = re.sub(r"/{2,}", "/", "".join(chars))
        parsed = parse_symbol(candidate)
        if parsed is None or edits == 0:
            continue
        preference = 0 if prefer_country is None or parsed.country == prefer_country else 1
        candidates.append((preference, edits, parsed.text))
    if not candidates:
        return None
    return min(candidates)[2]
