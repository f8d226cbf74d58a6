"""Properties that must hold for every input, checked on many generated ones (Hypothesis).

- the number reader gives back the integer that was formatted, in every
  format it supports;
- extraction on any text raises nothing but the library's own errors;
- every row's ``value_raw`` lies inside its span of the text as read.

Under ``CI`` the examples are derandomised, so a run is repeatable; locally
each run tries new ones. Run with ``--hypothesis-show-statistics`` to see how
many examples each property tried.
"""

from __future__ import annotations

import os

from conftest import SEED
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from torture_stats.documents import document_from_text
from torture_stats.errors import TortureStatsError
from torture_stats.extract import NUMBER, extract_figures, extract_grades, extract_tables, parse_number

PROFILE = settings(
    deadline=None,  # extraction time varies with the machine
    derandomize=bool(os.environ.get("CI")),
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow],
)

UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
#: the separators of thousands the reader accepts: comma, space, no-break space, narrow no-break space
SEPARATORS = [",", " ", "\u00a0", "\u202f"]


def in_words(n: int, joiner: str = "-") -> str:
    """1 … 99 in English words: ``42`` → ``forty-two``.

    Examples
    --------
    >>> [in_words(n) for n in (7, 13, 40, 99)]
    ['seven', 'thirteen', 'forty', 'ninety-nine']
    """
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    tens, units = divmod(n, 10)
    return TENS[tens] + (joiner + UNITS[units] if units else "")


@st.composite
def formatted_integers(draw) -> tuple[int, str]:
    """An integer and one way of writing it."""
    style = draw(st.sampled_from(["digits", "separated", "words"]))
    if style == "words":
        n = draw(st.integers(1, 99))
        text = in_words(n, draw(st.sampled_from(["-", " "])))
        return n, draw(st.sampled_from([text, text.capitalize(), text.upper()]))
    n = draw(st.integers(0, 10**12))
    if style == "digits":
        return n, str(n)
    return n, f"{n:,}".replace(",", draw(st.sampled_from(SEPARATORS)))


@settings(PROFILE, max_examples=500)
@given(formatted_integers())
@example((1204, "1\u202f204"))
@example((1352, "1,352"))
@example((99, "ninety-nine"))
def test_parse_number_gives_back_the_formatted_integer(case):
    n, text = case
    assert parse_number(text) == n


@settings(PROFILE, max_examples=300)
@given(formatted_integers())
def test_the_number_pattern_finds_the_whole_number_in_a_sentence(case):
    n, text = case
    sentence = f"The State party reported {text} complaints."
    match = NUMBER.search(sentence)
    assert match is not None
    assert match.group(0) == text
    assert parse_number(match.group(0)) == n


SEED_TEXT = SEED.read_text(encoding="utf-8")
#: pieces of a real letter, numbers and odd characters, for texts that reach deep into the extractor
FRAGMENTS = [
    *SEED_TEXT.split(" "),
    *SEED_TEXT.splitlines(),
    "1,352",
    "1\u202f204",
    "forty-two",
    "more than 200",
    "2.5 million",
    "12 %",
    "per cent",
    "from 2019 to 2023",
    "(para. 14 (a))",
    "B2",
    "CAT/C/KAZ/CO/4",
    "\f",
    "\n",
    "\u00a0",
    "Ünïcödé",
    "٣٤٥",
    "\x00",
    "\ufffd",
]
letter_like = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=60).map(" ".join)
any_text = st.text(max_size=400) | letter_like


def _document(text: str):
    return document_from_text(text, sha256="0" * 64, source="generated.txt")


@settings(PROFILE, max_examples=150)
@given(any_text)
def test_extraction_raises_only_library_errors(text):
    try:
        doc = _document(text)
        extract_figures(doc)
        extract_grades(doc)
    except TortureStatsError:
        pass


@settings(PROFILE, max_examples=150)
@given(letter_like)
@example(SEED_TEXT)
def test_value_raw_lies_inside_its_span_of_the_text_as_read(text):
    try:
        doc = _document(text)
    except TortureStatsError:
        return
    figures, residuals = extract_tables(doc)
    for table in (figures, residuals):
        for row in table.itertuples(index=False):
            assert 0 <= row.span_start < row.span_end <= len(doc.text)
            assert row.value_raw in doc.text[row.span_start : row.span_end], (row.value_raw, row.span_start)
