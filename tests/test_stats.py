"""Shares, the ordinal model, the trend test and comparisons, each against an independent computation."""

from __future__ import annotations

import logging
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from reference_stats import wilson
from scipy import optimize, special, stats

from torture_stats.errors import SchemaError, TortureStatsError
from torture_stats.stats import compare_states, grade_shares, ordinal_trend_model, ordinal_trend_test

SCORE = {"A": 1.0, "B1": 0.75, "B2": 0.5, "C": 0.25, "E": 0.0}  # CAT-2015 in grade_scales.csv
# Kazakhstan, cycle 4 letter of 2024: grades of paras 14(a), 24(a), 28, 44
KAZ_GRADES = ["B2", "C", "C", "B2"]
REACHED_TRIAL, INVESTIGATED = 4, 450


def graded(cells: dict[tuple[int, str], int], scheme: str = "CAT-2015", iso3: str = "KAZ") -> pd.DataFrame:
    """A grades table with ``count`` rows for each (cycle, grade) cell."""
    rows = []
    for (cycle, grade), count in cells.items():
        rows += [{"iso3": iso3, "cycle": cycle, "grade": grade, "scheme": scheme}] * count
    frame = pd.DataFrame(rows)
    return frame.assign(paragraph=[str(i) for i in range(len(frame))])


# --- shares -----------------------------------------------------------------------------------


def test_shares_and_wilson_intervals_match_the_formula():
    grades = pd.DataFrame({"iso3": "KAZ", "cycle": 4, "paragraph": list("abcd"), "grade": KAZ_GRADES})
    out = grade_shares(grades.assign(scheme="CAT-2015"), min_n=1).set_index("grade")
    for grade in ("B2", "C"):
        k = KAZ_GRADES.count(grade)
        assert out.loc[grade, "share"] == pytest.approx(k / len(KAZ_GRADES))
        low, high = wilson(k, len(KAZ_GRADES))
        assert out.loc[grade, "ci_low"] == pytest.approx(low) and out.loc[grade, "ci_high"] == pytest.approx(high)
    # grades of the scheme not given are rows with k = 0, and the shares add up to 1
    assert out.loc["A", "k"] == 0 and out.loc["A", "ci_high"] == pytest.approx(wilson(0, 4)[1])
    assert out["share"].sum() == pytest.approx(1)
    assert pd.isna(out.loc["D", "score"]) and not out.loc["D", "engages"]


def test_clopper_pearson_matches_the_beta_quantiles():
    grades = graded({(4, "B1"): 7, (4, "C"): 5})
    row = grade_shares(grades, ci_method="clopper-pearson").set_index("grade").loc["B1"]
    assert row["ci_low"] == pytest.approx(stats.beta.ppf(0.025, 7, 6))
    assert row["ci_high"] == pytest.approx(stats.beta.ppf(0.975, 8, 5))


def test_shares_per_year_across_states_and_small_groups_are_flagged(caplog):
    grades = pd.concat([graded({(4, "C"): 12}), graded({(3, "A"): 3}, iso3="ARM")], ignore_index=True)
    grades["assessed_on"] = ["2023-05-01"] * 12 + ["2024-01-10"] * 3
    with caplog.at_level(logging.WARNING, logger="torture_stats.stats"):
        out = grade_shares(grades, by="year")
    small = out.groupby("year")["is_small_group"].first()
    assert not small.loc[2023] and small.loc[2024]
    assert "year=2024: n = 3 < 10" in caplog.text
    assert out.loc[out["year"] == 2024, "note"].notna().all()


def test_unknown_grouping_column_is_named():
    with pytest.raises(SchemaError, match="nope"):
        grade_shares(graded({(4, "C"): 2}), by="nope")


def test_bad_ci_method_is_refused():
    with pytest.raises(TortureStatsError, match="ci_method='exact'"):
        grade_shares(graded({(4, "C"): 2}), ci_method="exact")


# --- trend test -------------------------------------------------------------------------------

TREND_CELLS = {(3, "C"): 6, (3, "B2"): 3, (3, "B1"): 0, (4, "C"): 2, (4, "B2"): 4, (4, "B1"): 5, (5, "B1"): 4}


def expanded(cells: dict[tuple[int, str], int]) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([[cycle] * count for (cycle, _), count in cells.items()]).astype(float)
    y = np.concatenate([[SCORE[grade]] * count for (_, grade), count in cells.items()])
    return x, y


def test_linear_by_linear_statistic_is_the_correlation_times_root_n_minus_one():
    out = ordinal_trend_test(graded(TREND_CELLS)).iloc[0]
    x, y = expanded(TREND_CELLS)
    n = len(x)
    r = stats.pearsonr(x, y).statistic
    assert out["n"] == n
    assert out["statistic"] == pytest.approx(float(np.sum(x * y)))
    assert out["null_mean"] == pytest.approx(x.sum() * y.sum() / n)
    assert out["zscore"] == pytest.approx(r * math.sqrt(n - 1))
    assert out["pvalue"] == pytest.approx(2 * stats.norm.sf(abs(r * math.sqrt(n - 1))))
    # zero cells are not shifted by 0.5: the (3, B1) cell is empty and the formula still holds
    assert (out["row_scores"], out["col_scores"]) == ("3 4 5", "0.25 0.5 0.75")


def test_two_columns_give_cochran_armitage():
    """Textbook Cochran-Armitage (variance with N), written out; statsmodels divides by N - 1."""
    cells = {(1, "C"): 8, (1, "A"): 2, (2, "C"): 5, (2, "A"): 5, (3, "C"): 2, (3, "A"): 7}
    out = ordinal_trend_test(graded(cells), col_scores=[0, 1]).iloc[0]
    t = np.array([1.0, 2.0, 3.0])
    success = np.array([cells[(c, "A")] for c in (1, 2, 3)], dtype=float)
    row_n = np.array([cells[(c, "A")] + cells[(c, "C")] for c in (1, 2, 3)], dtype=float)
    n = row_n.sum()
    p = success.sum() / n
    trend = np.sum(t * (success - row_n * p))
    variance = p * (1 - p) * (np.sum(t**2 * row_n) - np.sum(t * row_n) ** 2 / n)
    z_textbook = trend / math.sqrt(variance)
    assert out["zscore"] == pytest.approx(z_textbook * math.sqrt((n - 1) / n))
    assert out["col_scores"] == "0 1"


def test_stated_row_scores_are_used_and_reported():
    out = ordinal_trend_test(graded(TREND_CELLS), row_scores={3: 0, 4: 1, 5: 3}).iloc[0]
    x, y = expanded(TREND_CELLS)
    x = np.select([x == 3, x == 4, x == 5], [0, 1, 3])
    assert out["zscore"] == pytest.approx(stats.pearsonr(x, y).statistic * math.sqrt(len(x) - 1))
    assert out["row_scores"] == "0 1 3"


def test_one_test_per_state_with_a_reason_where_it_cannot_run(caplog):
    grades = pd.concat([graded(TREND_CELLS), graded({(2, "C"): 3}, iso3="ARM")], ignore_index=True)
    with caplog.at_level(logging.WARNING, logger="torture_stats.stats"):
        out = ordinal_trend_test(grades, by="iso3").set_index("iso3")
    assert pd.isna(out.loc["ARM", "zscore"]) and "needs two values of cycle" in out.loc["ARM", "note"]
    assert out.loc["ARM", "is_small_group"] and not out.loc["KAZ", "is_small_group"]
    assert "iso3=ARM" in caplog.text


def test_row_scores_of_the_wrong_length_are_refused():
    with pytest.raises(TortureStatsError, match="row_scores has 2 scores"):
        ordinal_trend_test(graded(TREND_CELLS), row_scores=[1, 2])


# --- ordinal model ----------------------------------------------------------------------------

MODEL_CELLS = {(3, "C"): 6, (3, "B2"): 3, (3, "B1"): 1, (4, "C"): 2, (4, "B2"): 4, (4, "B1"): 4, (4, "D"): 3}


def proportional_odds_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and log-likelihood of a proportional-odds logit model, maximised with scipy."""
    levels = np.sort(np.unique(y))
    codes = np.searchsorted(levels, y)

    def negloglik(params):
        beta, first, *steps = params
        cuts = np.concatenate([[-np.inf], np.cumsum([first, *np.exp(steps)]), [np.inf]])
        upper = special.expit(cuts[codes + 1] - beta * x)
        lower = special.expit(cuts[codes] - beta * x)
        return -np.sum(np.log(upper - lower))

    start = np.zeros(len(levels))
    fit = optimize.minimize(negloglik, start, method="BFGS")
    return fit.x[0], -fit.fun


def test_ordinal_model_returns_statsmodels_results_matching_a_direct_fit():
    from statsmodels.miscmodels.ordinal_model import OrderedResultsWrapper

    result = ordinal_trend_model(graded(MODEL_CELLS))
    assert isinstance(result, OrderedResultsWrapper)
    no_reply = {k: v for k, v in MODEL_CELLS.items() if k[1] != "D"}  # D has no score: left out
    x, y = expanded(no_reply)
    slope, loglik = proportional_odds_fit(x, y)
    assert result.nobs == len(x)
    assert result.params["cycle"] == pytest.approx(slope, rel=1e-4)
    assert result.llf == pytest.approx(loglik, rel=1e-6)
    assert result.conf_int().shape == (3, 2)


def test_ordinal_model_needs_two_levels_and_two_times():
    with pytest.raises(TortureStatsError, match="two score levels"):
        ordinal_trend_model(graded({(3, "C"): 3, (4, "C"): 3}))


# --- comparisons ------------------------------------------------------------------------------


def attrition() -> pd.DataFrame:
    step = {"from_measure": "investigations_opened", "to_measure": "cases_sent_to_court", "unit_from": "cases"}
    rows = [
        {**step, "iso3": "KAZ", "cycle": 4, "from_value": INVESTIGATED, "to_value": REACHED_TRIAL, "unit_to": "cases"},
        {**step, "iso3": "AAA", "cycle": 2, "from_value": 10, "to_value": 16, "unit_to": "persons"},
        {**{**step, "to_measure": "convictions"}, "iso3": "BBB", "cycle": 1, "from_value": 9, "to_value": 3},
    ]
    frame = pd.DataFrame(rows)
    low, high = wilson(REACHED_TRIAL, INVESTIGATED)
    return frame.assign(
        rate=[REACHED_TRIAL / INVESTIGATED, None, 1 / 3],
        ci_low=[low, None, None],
        ci_high=[high, None, None],
        ci_method=["wilson", None, None],
        flag=[None, "unit_change", None],
    )


def test_attrition_compared_on_one_step_with_reasons_for_states_left_out():
    out = compare_states(
        attrition(), step=("investigations_opened", "cases_sent_to_court"), states=["AAA", "BBB", "KAZ", "UZB"]
    ).set_index("iso3")
    assert out.loc["KAZ", "is_included"] and out.loc["KAZ", "value"] == pytest.approx(REACHED_TRIAL / INVESTIGATED)
    assert round(out.loc["KAZ", "value"], 4) == 0.0089
    assert out.loc["KAZ", "ci_low"] == pytest.approx(wilson(REACHED_TRIAL, INVESTIGATED)[0])
    assert not out.loc["AAA", "is_included"] and "units differ (cases -> persons)" in out.loc["AAA", "reason"]
    assert not out.loc["BBB", "is_included"] and "no step" in out.loc["BBB", "reason"]
    assert out.loc["UZB", "reason"] == "no row in data"


def test_staffing_compared_per_1000_prisoners_with_reasons():
    staffing = pd.DataFrame(
        {
            "iso3": ["KAZ", "KAZ", "AAA"],
            "cycle": [4, 4, 1],
            "year": [2020, 2020, 2019],
            "measure": ["doctors", "psychologists", "doctors"],
            "per": [None, "institution", None],
            "per_1000_prisoners": [512 * 1000 / 30000, None, None],
            "prisoners_year": [2020, None, None],
            "prisoners_source": ["https://example.org/kaz", None, None],
            "flag": [None, "ratio_not_count", "no_denominator"],
            "note": [None, None, None],
        }
    )
    doctors = compare_states(staffing, measure="doctors").set_index("iso3")
    assert doctors.loc["KAZ", "value"] == pytest.approx(512 * 1000 / 30000)
    assert doctors.loc["KAZ", "prisoners_year"] == 2020
    assert doctors.loc["AAA", "reason"] == "no prison population to divide by"
    psych = compare_states(staffing, measure="psychologists").set_index("iso3")
    assert "ratio per institution" in psych.loc["KAZ", "reason"]
    assert "no psychologists reported" in psych.loc["AAA", "reason"]


def test_compare_states_asks_for_the_basis():
    with pytest.raises(TortureStatsError, match="step=None, measure=None"):
        compare_states(attrition())


def test_importing_the_new_modules_loads_no_statsmodels():
    code = (
        "import sys, torture_stats.rates, torture_stats.grading, torture_stats.stats, torture_stats.schema_derived; "
        "print('statsmodels' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
