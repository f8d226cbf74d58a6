"""The extractor's fast scans find exactly what the plain ones find (Hypothesis).

The extractor avoids running its costly patterns over every position of a
text: it looks first for the places where they can match. Each test here
compares such a scan with the plain one on texts rich in the cases that
make it subtle: number words in any case, characters that re.I matches to
ASCII letters (``ſ``, ``K``, ``İ``, ``ı``), digits of other scripts, and the
punctuation around numbers.
"""

from __future__ import annotations

import os

from conftest import SEED
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from torture_stats import vocab
from torture_stats.extract import NUMBER, _number_matches

PROFILE = settings(
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NUMBER_WORDS = [*vocab.NUMBER_WORDS, "hundred", "thousand", "million", "billion", "per cent", "percent", "and"]
ODD_CHARACTERS = ["ſ", "K", "İ", "ı", "٣", "١٢", "Ⅻ", "“", "”", "’", "–", "\u00a0", "\u202f", "\n", "\f"]
PIECES = [
    *NUMBER_WORDS,
    *(word.upper() for word in NUMBER_WORDS),
    *(word.capitalize() for word in NUMBER_WORDS),
    "ſix",
    "ſeventy",
    "fİve",
    "fıve",
    "1,352",
    "1 204",
    "2.5",
    "2019",
    "%",
    "CAT/C/KAZ/CO/4",
    "(para. 14 (a))",
    *ODD_CHARACTERS,
    *list(" ,.-/()"),
    *SEED.read_text(encoding="utf-8").split()[:400],
]
texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40).map(
    lambda parts: "".join(p if i % 3 else " " + p for i, p in enumerate(parts))
) | st.text(alphabet=st.sampled_from([*"0123456789 ,.-/esontfixv", *"".join(ODD_CHARACTERS)]), max_size=80)


def _spans(matches) -> list:
    return [(m.span(), m.groupdict()) for m in matches]


@settings(PROFILE, max_examples=3000)
@given(texts)
@example("ſix forty-two 1,352 ten")
@example("one")
@example("“5")
def test_number_matches_are_those_of_the_number_pattern(text):
    assert _spans(_number_matches(text)) == _spans(NUMBER.finditer(text))
