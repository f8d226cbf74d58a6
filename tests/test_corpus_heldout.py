"""The second development set (tests/corpus_heldout), kept read right once it had been measured.

Its first, held-out measurement is recorded in tests/corpus_heldout/README.md.
"""

from __future__ import annotations

import pytest
from corpus_eval import HELD_OUT, document_mismatches, extract_corpus, figure_scores, grade_mismatches

MIN_F1 = 0.95
MIN_DETAIL_ACCURACY = 0.95


@pytest.fixture(scope="module")
def run():
    return extract_corpus(HELD_OUT)


def test_documents_and_grades(run):
    assert document_mismatches(run) == []
    assert grade_mismatches(run) == []


def test_figures(run):
    scores = figure_scores(run)
    assert scores["f1"] >= MIN_F1, (scores["missing"], scores["extra"])
    assert scores["detail_accuracy"] >= MIN_DETAIL_ACCURACY, scores["detail_wrong"]
    assert len(scores["reporter_wrong"]) <= 0.05 * scores["matched"], scores["reporter_wrong"]
    assert run.residuals.empty
