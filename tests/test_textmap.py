"""Text with provenance: edits, substitutions and white-space folding keep every character's raw offset.

Each operation is checked, on many generated strings (Hypothesis), against a
plain reference that works on lists one character at a time.
"""

from __future__ import annotations

import os
import pickle
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torture_stats.documents import fold_whitespace
from torture_stats.textmap import MappedText

PROFILE = settings(
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: plain and Unicode white space (no-break space, line and paragraph separators, the separators \x1c-\x1f and
#: NEL that str.isspace counts), a lone surrogate, and letters of one, two and four bytes
ALPHABET = "ab é€𝔸 \t\n\r\f\v\x1c\x1f\x85\xa0\u2028\u2029\u3000\ud800"
texts = st.text(alphabet=ALPHABET, max_size=40)
ascii_texts = st.text(alphabet="ab \t\n\f", max_size=40)


def reference_edit(text: str, origin: list[int], edits) -> tuple[str, list[int]]:
    pieces, mapped, cursor = [], [], 0
    for start, end, replacement in sorted(edits):
        if start < cursor:
            continue
        pieces += [text[cursor:start], replacement]
        mapped += origin[cursor:start]
        if len(replacement) == end - start:
            mapped += origin[start:end]
        else:
            mapped += [origin[start] if start < len(text) else origin[-1]] * len(replacement)
        cursor = end
    return "".join(pieces) + text[cursor:], mapped + origin[cursor:]


def reference_sub(text: str, origin: list[int], regex: re.Pattern[str], replace) -> tuple[str, list[int]]:
    edits = [(m.start(), m.end(), replace(m)) for m in regex.finditer(text) if replace(m) != m.group(0)]
    return reference_edit(text, origin, edits)


def reference_fold(text: str, origin: list[int]) -> tuple[str, list[int]]:
    text, origin = reference_sub(text, origin, re.compile(r"\s{2,}|[^\S ]"), lambda m: " ")
    leading, trailing = len(text) - len(text.lstrip()), len(text.rstrip())
    return reference_edit(text, origin, [(0, leading, ""), (trailing, len(text), "")])


def as_lists(mapped: MappedText) -> tuple[str, list[int]]:
    assert len(mapped.origin) == len(mapped.text) + 1
    return mapped.text, [int(x) for x in mapped.origin]


def shifted(text: str) -> MappedText:
    """*text* as if it had been cut out of a longer raw text, with gaps: origins not 0, 1, 2 …"""
    return MappedText(text, [3 * i + 7 for i in range(len(text) + 1)])


@PROFILE
@given(st.one_of(texts, ascii_texts))
def test_fold_whitespace_matches_reference(text):
    mapped = shifted(text)
    assert as_lists(fold_whitespace(mapped)) == reference_fold(text, as_lists(mapped)[1])


@PROFILE
@given(texts, st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45), st.text(alphabet="xyé", max_size=3))))
def test_edit_matches_reference(text, edits):
    mapped = shifted(text)
    edits = [(min(start, len(text)), min(max(start, end), len(text)), new) for start, end, new in edits]
    assert as_lists(mapped.edit(edits)) == reference_edit(text, as_lists(mapped)[1], edits)


@PROFILE
@given(texts, st.sampled_from([r"\s+", r"a|é", r"b?", r"(?<=a)\s", r"€𝔸"]))
def test_sub_matches_reference(text, pattern):
    mapped = shifted(text)
    regex = re.compile(pattern)
    expected = reference_sub(text, as_lists(mapped)[1], regex, lambda m: m.group(0).upper() or "-")
    assert as_lists(mapped.sub(regex, lambda m: m.group(0).upper() or "-")) == expected


@PROFILE
@given(texts, st.integers(0, 40), st.integers(0, 40), st.integers(0, 130))
def test_offsets_are_python_ints(text, start, end, raw):
    mapped = fold_whitespace(shifted(text))
    start, end = min(start, len(mapped.text)), min(end, len(mapped.text))
    span = mapped.raw_span(start, end)
    assert all(type(x) is int for x in span)
    offset = mapped.clean_offset(raw)
    assert type(offset) is int
    origin = as_lists(mapped)[1][: len(mapped.text)]
    assert offset == next((i for i, x in enumerate(origin) if x >= raw), len(origin))
    assert mapped.clean_offsets([raw, raw + 1]) == [offset, mapped.clean_offset(raw + 1)]
    assert all(type(x) is int for x in mapped.clean_offsets([raw]))


def test_identity_and_pickle():
    mapped = MappedText.identity("a  b\n")
    assert as_lists(mapped) == ("a  b\n", [0, 1, 2, 3, 4, 5])
    folded = fold_whitespace(mapped)
    assert as_lists(pickle.loads(pickle.dumps(folded))) == as_lists(folded) == ("a b", [0, 1, 3, 5])
    assert as_lists(fold_whitespace(MappedText.identity(""))) == ("", [0])
    assert as_lists(fold_whitespace(MappedText.identity(" \u2028\f"))) == ("", [3])
