"""The prefiltered searches of :mod:`torture_stats.documents` find exactly what their regexes find.

Texts are generated (Hypothesis) from pieces of what each pattern looks for,
so that matches, near misses and overlaps are frequent.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torture_stats import documents

PROFILE = settings(
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=300,
)

PIECES = [
    "\n", "\n", " ", "  ", "\t", "\f", "\r", "\u2028", "x", "é", "Topic", "word", ".", ",", "(", ")", "|", "-",
    "H.", "E.", "H.E.", "H. E. Ms", "Email: a@b", "E-mail:", "Accept, Excellency", "Accept Sir,", "Accept,Madam",
    "Page 3", "page 2 of 9", "- 4 -", "12", "7.", "7. ", "Grade: B1", "Grade ", "B2", "A", "C1", "D",
    "(para. 3)", "(paras. 4 (a)-(c))", "(paragraphs 4 and 5 of the concluding observations)", "(Para 9", "((para. 1)",
    '72"', "3’’", "1'", " session", " periodic", "report", "20222026", "19992003", "2019", "inves-", "tigations",
    "CAT/C/KAZ/CO/4", "C AT/C/I KAZ", "CAT /OP/", "CEDAW /C/", "CCPR/C/", "CRC/", "E/C.12/", "E/C.1", "/", "//",
    "C", "E", "CE", "xCAT/C/1", "1/CAT/C/2", "CMW/C/", "CAT/C/SR.12", "(CAT/C/GBR/CO/6/Add.1).",
    # whole matches, to be cut and overlapped by the pieces around them
    "\nH.E. Mr X\n", "Email: x\n", '\n72" session', "3’’ periodic", "word-\n  next", "x-\f\nyz", "\n Grade: C2\n",
    "\n12. Text", "\n123.  Text", "\n 7.\t\tx",
    "\nLiberty (para. 7)\n", "\nAccept, Sir,\nfoo", "\nH.E. Ms Y\nRoad\nE-mail: y", "\n- 4 -\n",
    "\nPage 3\n", " 20222026 ", "(19992003)", "paragraphs 9 (), 17 and 25", "paras. 12-14",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)

SCANS = {name: scan for name, scan in vars(documents).items() if isinstance(scan, documents._Prefiltered)}


def spans(matches):
    return [(m.span(), m.groups()) for m in matches]


def test_scans_found():
    assert {"_SYMBOLS", "_HEADINGS", "_ADDRESSEES", "_CLOSINGS", "_GRADE_LINES", "_FLAT_ORDINALS"} <= set(SCANS)


@pytest.mark.parametrize("name", sorted(SCANS))
@PROFILE
@given(text=texts)
def test_scan_finds_what_its_regex_finds(name, text):
    scan = SCANS[name]
    assert spans(scan.finditer(text)) == spans(scan.regex.finditer(text))


@pytest.mark.parametrize("name", ["_GRADE_LINES", "_NUMBERED_PARAGRAPHS"])
@PROFILE
@given(text=texts)
def test_line_scan_at_shared_line_starts_finds_what_its_regex_finds(name, text):
    scan = SCANS[name]
    line_starts = documents._grade_or_number_line_starts(text)
    assert spans(scan.finditer_at(text, line_starts)) == spans(scan.regex.finditer(text))


@PROFILE
@given(text=texts)
def test_page_starts(text):
    text = text.replace("\f", "")
    assert list(documents._page_starts(text)) == [m.start() for m in documents.re.finditer(r"(?<=\n) (?=\S)", text)]


SYMBOLS = ["CAT/C/KAZ/CO/4", "CAT/C/KAZ/CO/4/Add.1", "CAT/C/KAZ/FCO/4", "E/C.12/KAZ/CO/2"]


@st.composite
def texts_naming_a_symbol(draw):
    """A symbol as damaged text may hold it (spaced, in lower case, with dots for slashes), among other text."""
    symbol = draw(st.sampled_from(SYMBOLS))
    dots = draw(st.booleans())
    written = ""
    for ch in symbol:
        ch = "." if ch == "/" and dots else ch
        written += (ch.lower() if draw(st.booleans()) else ch) + draw(st.sampled_from(["", "", " ", "\n"]))
    around = st.lists(st.sampled_from(["x", " ", ".", "/", "Add.", "C", "\n"]), max_size=6).map("".join)
    return symbol, draw(around) + written + draw(around)


@PROFILE
@given(texts_naming_a_symbol())
def test_symbol_key_keeps_every_symbol_a_text_names(case):
    symbol, text = case
    if symbol in documents.symbols.normalise_symbol(text) or symbol in text:
        assert documents._symbol_key(symbol) in documents._symbol_key(text)


def reply_date_from_every_sentence(head, reply):
    """The reply date read by trying every sentence of *head*."""
    sentences = [head[a:b] for a, b in documents.sentence_bounds(head, [])]
    if reply is not None:
        for sentence in sentences:
            if reply.text in documents.symbols.normalise_symbol(sentence) or reply.text in sentence:
                date = documents.parse_date(sentence)
                if date:
                    return date
    for sentence in sentences:
        if documents._REPLY_WORDS.search(sentence) and not documents._RAPPORTEUR_WROTE.search(sentence):
            date = documents.parse_date(sentence)
            if date:
                return date
    return None


REPLY_PIECES = [
    " ", "  ", "\n", "\t", "\x1c", "\u00a0", ". ", "; ", "para. ", "x", "É", "Reply", "replies", "xreply", "RESPONSE",
    "note verbale", "follow-up information", "The Rapporteur wrote", "letter of", "12 May 2021", "3 June 2022 ",
    "CAT/C/KAZ/CO/4/Add.1", "cat.c.kaz.co.4.add.1", "C AT/C/KAZ/ CO/4/Add. 1", "CAT/C/KAZ/CO/4", "(", ")", "A", "On ",
    "CAT/C/KAZ/CO/4/Add.\t1", "CAT/C/KAZ\x1c/CO/4/Add.1", "CAT/C/\x0bKAZ/CO/4", "CAT/C/KAZ/CO/4/Add.\u20031",
]  # fmt: skip


@PROFILE
@given(
    st.lists(st.sampled_from(REPLY_PIECES), max_size=40).map("".join),
    st.sampled_from([None, "CAT/C/KAZ/CO/4/Add.1", "CAT/C/KAZ/CO/4"]),
)
def test_reply_date_is_read_from_the_sentences_that_can_hold_it(head, symbol):
    reply = documents.symbols.parse_symbol(symbol) if symbol else None
    assert documents._reply_date(head, reply) == reply_date_from_every_sentence(head, reply)


HEAD_WORDS = [
    "x", "é", "ſ", "K", "İ", "ı", "123", "101ST", "and", "to", "combined", "fourth", "Second", "initial", "INITIAL",
    "inıtial", "periodic", "Periodic", "perıodic", "report", "reports", "12", "3", "1234", "st", "th", "12th", "21ST",
    "session", "SESSION", "seſſion", "sessions", "initial report", "fourth periodic report", "12th session",
    "combined second and third periodic", "21st\n session", "x.5th session", "123rd  session", "101st session",
]  # fmt: skip
HEAD_GAPS = [" ", " ", "  ", "\n", "\u2003", "", ". ", ", ", "(", "’", "/"]
heads = st.lists(st.tuples(st.sampled_from(HEAD_WORDS), st.sampled_from(HEAD_GAPS)).map("".join), max_size=20).map(
    "".join
)


@PROFILE
@given(heads)
def test_report_search_starts_before_every_report(head):
    start = documents._report_search_start(head)
    assert spans(documents._REPORT.finditer(head, start)) == spans(documents._REPORT.finditer(head))


@PROFILE
@given(heads)
def test_session_search_starts_before_the_first_session(head):
    start = documents._session_search_start(head)
    assert spans(filter(None, [documents._SESSION.search(head, start)])) == spans(
        filter(None, [documents._SESSION.search(head)])
    )
