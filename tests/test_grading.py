"""The grade crosswalk and per-recommendation aggregation, checked against the CSV and plain arithmetic."""

from __future__ import annotations

import csv
import logging
import statistics
from importlib import resources

import pandas as pd
import pytest

from torture_stats import schema
from torture_stats.grading import grade_scores, recommendation_of, recommendation_scores
from torture_stats.schema_derived import GRADE_SCORES, RECOMMENDATION_SCORES

B1, C = 0.75, 0.25  # CAT-2015 scores in grade_scales.csv


def scales_csv() -> list[dict[str, str]]:
    """grade_scales.csv read with the csv module, independently of torture_stats.vocab."""
    text = resources.files("torture_stats.vocab").joinpath("grade_scales.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_grade_of_every_scheme_maps_to_its_score():
    rows = scales_csv()
    grades = pd.DataFrame(
        {
            "paragraph": [str(i) for i in range(len(rows))],
            "grade": [r["grade"] for r in rows],
            "scheme": [r["scheme"] for r in rows],
        }
    )
    out = grade_scores(grades)
    for got, want in zip(out.itertuples(), rows, strict=True):
        assert got.scheme == want["scheme"] and got.grade == want["grade"]
        if want["score"]:
            assert got.score == float(want["score"])
        else:
            assert pd.isna(got.score)
        assert got.engages == (want["engages"] == "true")
    assert schema.validate(out, GRADE_SCORES) == []


@pytest.mark.parametrize(("scheme", "grade"), [("CAT-2015", "D"), ("CCPR-2013", "D1"), ("CCPR-2013", "D2")])
def test_no_reply_is_non_engagement_not_a_low_score(scheme, grade):
    row = grade_scores(pd.DataFrame({"paragraph": ["9"], "grade": [grade], "scheme": [scheme]})).iloc[0]
    assert pd.isna(row["score"])
    assert row["engages"] is not pd.NA and not row["engages"]


def test_raw_grade_and_scheme_are_kept():
    grades = pd.DataFrame(
        {"paragraph": ["14(a)"], "grade": ["B2"], "grade_raw": ["(2/B2)"], "scheme": ["CAT-2015"], "iso3": ["KAZ"]}
    )
    row = grade_scores(grades).iloc[0]
    assert (row["grade_raw"], row["scheme"], row["recommendation"], row["iso3"]) == ("(2/B2)", "CAT-2015", "14", "KAZ")


def test_sub_limbs_aggregate_by_mean_and_minimum_leaving_no_reply_out():
    grades = pd.DataFrame(
        {
            "iso3": "KAZ",
            "cycle": 4,
            "paragraph": ["14(a)", "14(b)", "14(c)", "28"],
            "grade": ["B1", "C", "D", "C"],
            "scheme": "CAT-2015",
        }
    )
    out = recommendation_scores(grades).set_index("recommendation")
    assert out.loc["14", "score_mean"] == pytest.approx(statistics.mean([B1, C]))
    assert out.loc["14", "score_min"] == min(B1, C)
    assert (out.loc["14", "n_limbs"], out.loc["14", "n_scored"], out.loc["14", "n_not_engaged"]) == (3, 2, 1)
    assert out.loc["14", "paragraphs"] == "14(a) 14(b) 14(c)" and out.loc["14", "grades"] == "B1 C D"
    assert out.loc["28", "score_mean"] == out.loc["28", "score_min"] == C
    assert schema.validate(out.reset_index()[RECOMMENDATION_SCORES.names], RECOMMENDATION_SCORES) == []


def test_a_recommendation_with_only_no_reply_has_no_score():
    grades = pd.DataFrame({"paragraph": ["12(a)", "12(b)"], "grade": ["D", "D"], "scheme": "CAT-2015"})
    row = recommendation_scores(grades).iloc[0]
    assert pd.isna(row["score_mean"]) and pd.isna(row["score_min"]) and row["n_not_engaged"] == 2


def test_unknown_grade_is_kept_flagged_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="torture_stats.grading"):
        row = grade_scores(pd.DataFrame({"paragraph": ["9"], "grade": ["Z"], "scheme": ["CAT-2015"]})).iloc[0]
    assert row["flag"] == "unknown_grade" and pd.isna(row["score"])
    assert "'Z'" in caplog.text


def test_a_score_that_disagrees_with_the_crosswalk_is_flagged():
    grades = pd.DataFrame({"paragraph": ["9"], "grade": ["B2"], "scheme": ["CAT-2015"], "score": [0.9]})
    assert grade_scores(grades)["flag"].iloc[0] == "conflict"


def test_grade_scores_does_not_touch_its_input():
    grades = pd.DataFrame({"paragraph": ["14(a)"], "grade": ["B2"], "scheme": ["CAT-2015"]})
    before = grades.copy()
    grade_scores(grades)
    pd.testing.assert_frame_equal(grades, before)


@pytest.mark.parametrize(("paragraph", "recommendation"), [("14(a)", "14"), ("28", "28"), ("41 (d)", "41")])
def test_recommendation_of(paragraph, recommendation):
    assert recommendation_of(paragraph) == recommendation
