"""The extractor on the project's test corpus (tests/corpus), against its expected answers."""

from __future__ import annotations

import pytest
from corpus_eval import document_mismatches, extract_corpus, figure_scores, grade_mismatches

#: acceptance thresholds of the extraction issue
MIN_F1 = 0.95
MIN_DETAIL_ACCURACY = 0.95


@pytest.fixture(scope="module")
def run():
    return extract_corpus()


def test_every_document_field_is_right(run):
    assert document_mismatches(run) == []


def test_every_grade_is_right(run):
    assert grade_mismatches(run) == []


def test_figures_f1_and_details(run):
    scores = figure_scores(run)
    assert scores["expected"] >= 150
    assert scores["f1"] >= MIN_F1, (scores["missing"], scores["extra"])
    assert scores["detail_accuracy"] >= MIN_DETAIL_ACCURACY, scores["detail_wrong"]


def test_reported_by_of_matched_figures(run):
    scores = figure_scores(run)
    assert len(scores["reporter_wrong"]) <= 0.05 * scores["matched"], scores["reporter_wrong"]


def test_no_number_is_left_unexplained(run):
    assert run.residuals.empty, run.residuals[["file", "value_raw", "evidence"]].to_string()


def test_every_figure_points_at_its_number(run):
    from corpus_eval import CORPUS

    for file, rows in run.figures.groupby("file"):
        text = (CORPUS / file).read_text(encoding="utf-8")
        for row in rows.itertuples():
            assert row.value_raw in text[row.span_start : row.span_end], (file, row.value_raw)
