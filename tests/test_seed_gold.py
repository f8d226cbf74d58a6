"""The seed letter against the hand-checked answers in tests/gold, field by field."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import GOLD, SEED

from torture_stats import extract_figures, extract_grades, read_document

FIGURE_FIELDS = ("unit", "per", "period_start", "period_end", "reported_by")
KEY = ["paragraph", "measure", "value"]


@pytest.fixture(scope="module")
def seed():
    return read_document(SEED)


@pytest.fixture(scope="module")
def figures(seed):
    return extract_figures(seed)


def _gold_figures() -> pd.DataFrame:
    gold = pd.read_csv(GOLD / "seed_figures.csv", dtype={"paragraph": "string", "per": "string"})
    return gold


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def test_document_row_matches_gold(seed):
    gold = json.loads((GOLD / "seed_document.json").read_text(encoding="utf-8"))
    row = seed.to_row()
    for field in ("kind", "treaty", "state", "iso3", "cycle", "co_symbol", "session", "reply_symbol", "reply_date"):
        assert row[field] == gold[field], field
    assert row["doc_date"] == gold["letter_date"]
    assert row["session_start"] == gold["session_start"]
    assert row["session_end"] == gold["session_end"]
    assert row["followup_paragraphs"].split() == gold["followup_paragraphs"]


def test_every_gold_figure_is_found_and_nothing_else(figures):
    gold = _gold_figures()
    found = set(map(tuple, figures[KEY].astype(str).to_numpy()))
    expected = {(p, m, str(float(v))) for p, m, v in gold[KEY].itertuples(index=False)}
    assert found - expected == set(), "extra rows"
    assert expected - found == set(), "missing rows"
    assert len(figures) == len(gold)


@pytest.mark.parametrize("field", FIGURE_FIELDS)
def test_gold_figure_fields(figures, field):
    gold = _gold_figures()
    merged = gold.merge(figures.astype({"value": float}), on=KEY, suffixes=("_gold", ""))
    assert len(merged) == len(gold)
    wrong = [
        (row["paragraph"], row["measure"], row["value"], row[f"{field}_gold"], row[field])
        for _, row in merged.iterrows()
        if not _same(row[f"{field}_gold"], row[field])
    ]
    assert wrong == []


def test_evidence_points_into_the_text_as_read(seed, figures):
    gold = _gold_figures()
    merged = gold.merge(figures.astype({"value": float}), on=KEY, suffixes=("_gold", ""))
    for _, row in merged.iterrows():
        span = seed.text[row["span_start"] : row["span_end"]]
        assert row["value_raw"] in span
        assert " ".join(span.split()) == row["evidence"]
        assert row["evidence_gold"] in row["evidence"] or row["evidence"] in row["evidence_gold"], row["evidence"]


def test_grades_match_gold(seed):
    gold = pd.read_csv(GOLD / "seed_grades.csv", dtype="string")
    grades = extract_grades(seed)
    assert list(grades["paragraph"]) == list(gold["paragraph"])
    assert list(grades["grade"]) == list(gold["grade"])
    assert list(grades["topic"]) == list(gold["topic"])
    assert set(grades["scheme"]) == {"CAT-2015"}
    for row in grades.itertuples():
        assert row.grade in seed.text[row.span_start : row.span_end]
