"""The extractor's fast scans find exactly what the plain ones find (Hypothesis).

The extractor avoids running its costly patterns over every position of a
text: it looks first for the places where they can match. Each test here
compares such a scan with the plain one on texts rich in the cases that
make it subtle: number words in any case, characters that re.I matches to
ASCII letters (``ſ``, ``K``, ``İ``, ``ı``), digits of other scripts, and the
punctuation around numbers.
"""

from __future__ import annotations

import bisect
import os
import re

from conftest import SEED
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from torture_stats import vocab
from torture_stats.documents import symbol_matches
from torture_stats.extract import (
    _ANY_NOT_FIGURE_AFTER,
    _PERIOD_ALTERNATIVES,
    NUMBER,
    PERIOD,
    _cues_to_try,
    _ends_in_none_of,
    _lacks,
    _last_word,
    _number_matches,
    parse_number,
)
from torture_stats.sentences import Sentences, sentence_bounds
from torture_stats.symbols import BODIES, SYMBOL_IN_TEXT

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


@settings(PROFILE, max_examples=3000)
@given(texts.map(lambda text: text.encode("ascii", "ignore").decode("ascii")))
@example("(5) One,two TWELVE\tthirty-one\n42%")
@example("_5 a5 -5 .5 /5 ,5 :5 [5] @5")
def test_number_matches_in_ascii_text_are_those_of_the_number_pattern(text):
    assert _spans(_number_matches(text)) == _spans(NUMBER.finditer(text))


PERIOD_PIECES = [
    *"from between since as of at the end by close early late mid- mid first second half beginning start to and until"
    .split(),
    *vocab.MONTHS,
    *(month.upper() for month in vocab.MONTHS),
    "2019", "1998", "20", "19", "2021", "12", "٢٠١٩", "٣", "-", "–", " ", "\n", "ſince", "Sınce", "FROM", "İ", "ſ",
]  # fmt: skip


@settings(PROFILE, max_examples=3000)
@given(st.lists(st.sampled_from(PERIOD_PIECES) | st.text(max_size=3), max_size=14).map(" ".join))
@example("ſince 2019, between May 2018 and December 2020; 2015-2017")
@example("on ٣ May 2019")
def test_period_matches_are_those_of_the_period_alternatives(text):
    assert _spans(PERIOD.finditer(text)) == _spans(re.compile(_PERIOD_ALTERNATIVES, re.I).finditer(text))


CUE_WORDS = ["complaints", "were", "received", "of", "torture", "and", "criminal", "cases", "deaths", "in", "custody"]


@settings(PROFILE, max_examples=500)
@given(st.lists(st.sampled_from([*CUE_WORDS, *PIECES[:60], " ", ",", "  "]), max_size=12).map(" ".join))
@example(" complaints of torture")
@example(" and complaints")
def test_one_pattern_finds_a_cue_after_where_some_cue_does(text):
    expected = any(cue.after is not None and cue.after.match(text, 0) for cue in vocab.cues())
    assert (vocab.any_cue_after().match(text, 0) is not None) == expected


@settings(PROFILE, max_examples=1000)
@given(
    st.text(alphabet=st.sampled_from([*"0123456789,. ", "\u00a0", "٣"]), max_size=12)
    | st.sampled_from(["1,352", "2.5", ",5", "1,,2", "12.", "3 million", "forty-two"])
)
def test_parse_number_reads_plain_digits_as_the_general_reader_does(text):
    cleaned = text.strip().lower()
    digits = re.sub(r"[,\s\u00a0\u202f]", "", cleaned)
    if re.fullmatch(r",*[0-9][0-9,]*(?:\.[0-9]+)?", cleaned):
        assert re.fullmatch(r"\d+(?:\.\d+)?", digits)
        assert parse_number(text) == float(digits)


SENTENCE_PIECES = [
    *["para", "No", "e.g", "Mr", "i.e", "word", "A", "B", "5", "x" * 50, " " * 30],
    *[".", ". ", "; ", "! ", "? ", ".\u00a0", "”", "’", ")", "(", '"', "“", " ", "  ", "\n", "\t"],
]


@settings(PROFILE, max_examples=1000)
@given(
    st.lists(st.sampled_from(SENTENCE_PIECES), min_size=1, max_size=60).map("".join),
    st.lists(st.integers(-2, 400), max_size=3),
    st.randoms(use_true_random=False),
)
def test_sentences_around_a_position_are_those_of_sentence_bounds(text, breaks, random):
    bounds = sentence_bounds(text, breaks)
    starts = [start for start, _ in bounds]
    sentences = Sentences(text, breaks)
    positions = list(range(len(text)))
    random.shuffle(positions)
    for position in positions:
        assert sentences.around(position) == bounds[bisect.bisect_right(starts, position) - 1]


SYMBOL_PIECES = [*BODIES, "C AT", "C", "E", "/", " /", "/ ", "KAZ", "CO", "4", "Add.1", "(", ")", "|", "!", ".", "-"]
SYMBOL_PIECES += [" ", "\n", "x", "aC", "/C", "_E", "É", "Committee"]


@settings(PROFILE, max_examples=2000)
@given(st.lists(st.sampled_from(SYMBOL_PIECES), max_size=15).map("".join))
@example("CAT/C/KAZ/CO/4 and E/C.12/GC/20")
@example("CEDAW /C/ARG/7, C\nAT/OP /ARG/1 and CCPR /C/1")
def test_symbol_matches_are_those_of_the_symbol_pattern(text):
    found = [match.span() for match in symbol_matches(text)]
    assert found == [match.span() for match in SYMBOL_IN_TEXT.finditer(text)]


CUES = vocab.cues()
CUE_WORDS_ALL = sorted(
    {word for cue in CUES for p in (cue.before, cue.after) if p for word in re.findall(r"[a-z’'-]{2,}", p.pattern)}
)
LOOKALIKES = {"s": "ſ", "k": "\u212a", "i": "ı", "I": "İ"}
FILLER = st.lists(
    st.sampled_from([*CUE_WORDS_ALL, *(w.upper() for w in CUE_WORDS_ALL[:40]), *ODD_CHARACTERS, "and", "5", ";"]),
    max_size=6,
).map(" ".join)


def _with_lookalikes(text: str, draw) -> str:
    if not draw(st.booleans()):
        return text
    return "".join(LOOKALIKES.get(char, char) if draw(st.integers(0, 9)) == 0 else char for char in text)


@st.composite
def cue_contexts(draw):
    """(words before a number, words after it) that one cue's patterns match, within other cue words."""
    cue = draw(st.sampled_from(CUES))
    before = draw(FILLER) + draw(st.sampled_from(["", " "]))
    if cue.before is not None:
        before += draw(st.from_regex(cue.before, fullmatch=True))
    after = draw(st.from_regex(cue.after, fullmatch=True)) if cue.after is not None else ""
    after += draw(st.sampled_from(["", " ", ".", "\n"])) + draw(FILLER)
    return _with_lookalikes(before, draw), _with_lookalikes(after, draw)


@settings(PROFILE, max_examples=3000)
@given(cue_contexts() | st.tuples(FILLER, FILLER), st.booleans(), st.booleans())
@example(("Disciplinary measures were taken against\n", " officers"), False, False)
@example(("", " ſuicides"), False, False)
@example(("acquitted \n", ""), False, False)
@example(("compensation was paid to ", " men"), False, False)
def test_cues_the_extractor_passes_over_cannot_match(context, percent, currency):
    before, after = context
    text = before + "12" + after
    start, end = len(before) + 2, len(text)
    tried = _cues_to_try(text, start, end, before, percent, currency)
    words_after, words_before = vocab.lowered(after), vocab.lowered(before)
    for cue in CUES:
        if (cue.requires == "percent") != percent or (cue.requires == "currency" and not currency):
            continue
        if cue.after is not None and not cue.after.match(text, start, end):
            continue
        if cue.before is not None and not cue.before.search(before):
            continue
        assert cue in tried
        assert cue.after is None or not _lacks(words_after, cue.after_needs)
        assert cue.before is None or not _lacks(words_before, cue.before_needs)


SEARCHED = [
    *(context.before for context in vocab.not_figure_contexts() if context.before is not None),
    *(regex for regex, _ in vocab.attribution_cues()),
]


@st.composite
def texts_with_a_match(draw):
    """A pattern the extractor tests required strings for, and a text around one of its matches."""
    pattern = draw(st.sampled_from(SEARCHED))
    text = draw(FILLER) + draw(st.sampled_from(["", " "])) + draw(st.from_regex(pattern)) + " " + draw(FILLER)
    return pattern, _with_lookalikes(text, draw)


@settings(PROFILE, max_examples=2000)
@given(texts_with_a_match() | st.tuples(st.sampled_from(SEARCHED), FILLER))
@example((vocab.attribution_cues()[0][0], "the ſtate party"))
def test_texts_that_lack_the_required_strings_of_a_pattern_hold_no_match(case):
    pattern, text = case
    if pattern.search(text):
        assert not _lacks(vocab.lowered(text), vocab.required_strings(pattern))


ENDED_BY_SPACE = [
    (pattern, vocab.tails_before_space(pattern))
    for pattern in [vocab.bound_words(), *(context.before for context in vocab.not_figure_contexts())]
    if pattern is not None and vocab.tails_before_space(pattern) is not None
]
TRAILING_SPACE = st.lists(st.sampled_from([" ", "\n", "\t", "\u00a0", "\u2003", "\x1c", "\x85"]), max_size=3).map(
    "".join
)
DATE_BEFORE, ARTICLE_BEFORE = (
    next(case for case in ENDED_BY_SPACE if word in case[0].pattern) for word in ("January", "articles")
)


@st.composite
def windows_ending_in_a_match(draw):
    """A pattern the extractor tests the last word for, and a text ending in one of its matches."""
    pattern, tails = draw(st.sampled_from(ENDED_BY_SPACE))
    match = draw(st.from_regex(pattern, fullmatch=False))
    text = draw(FILLER) + draw(st.sampled_from(["", " "])) + match + draw(TRAILING_SPACE)
    return pattern, tails, _with_lookalikes(text, draw)


@settings(PROFILE, max_examples=3000)
@given(
    windows_ending_in_a_match()
    | st.tuples(st.sampled_from(ENDED_BY_SPACE), FILLER, TRAILING_SPACE).map(lambda c: (*c[0], c[1] + c[2]))
)
@example((*DATE_BEFORE, "1 MAY\n"))
@example((*ARTICLE_BEFORE, "arts. \x1c"))
def test_texts_whose_last_word_ends_in_no_tail_of_a_pattern_hold_no_match(case):
    pattern, tails, text = case
    if pattern.search(text):
        assert not _ends_in_none_of(_last_word(text), tails)


AFTERS = [context.after for context in vocab.not_figure_contexts() if context.after is not None]


@st.composite
def texts_after_a_number(draw):
    """Text after a number: often a match of a not-figure context's ``after`` pattern, cut or followed by more."""
    text = draw(st.from_regex(draw(st.sampled_from(AFTERS)), fullmatch=True)) if draw(st.booleans()) else ""
    text = text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text
    return _with_lookalikes(text + draw(st.sampled_from(["", " ", "\n"])) + draw(FILLER), draw)


@settings(PROFILE, max_examples=3000)
@given(texts_after_a_number())
@example(" May")
@example("th")
def test_one_pattern_matches_after_a_number_where_some_not_figure_context_does(text):
    assert (_ANY_NOT_FIGURE_AFTER.match(text) is not None) == any(after.match(text) for after in AFTERS)


def test_str_strip_takes_off_what_backslash_s_matches():
    space = re.compile(r"\s")
    assert all(bool(space.match(char)) == char.isspace() for char in map(chr, range(0x110000)))


_FIGURES_OF_THE_SEED = """
import json, sys
from torture_stats import vocab
if sys.argv[1] == "without-parser":
    vocab.regex_parser = None  # as where re._parser cannot be imported; before any cue is compiled
from torture_stats.documents import read_document
from torture_stats.extract import extract_records
assert all(cue.after_heads is None for cue in vocab.cues()) == (sys.argv[1] == "without-parser")
figures, residuals = extract_records(read_document(sys.argv[2]))
print(json.dumps([figures, residuals], sort_keys=True, default=str))
"""


def test_extraction_without_the_private_regex_parser_finds_the_same_figures():
    import subprocess
    import sys

    def figures(mode: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", _FIGURES_OF_THE_SEED, mode, str(SEED)], capture_output=True, text=True, check=True
        )
        return run.stdout

    with_parser = figures("with-parser")
    assert '"measure"' in with_parser
    assert figures("without-parser") == with_parser
