"""Attrition steps checked against independent computations."""

from __future__ import annotations

import pandas as pd
import pytest
from reference_stats import wilson
from scipy import stats

from torture_stats.normalise import attrition_steps

# 4 of 450 cases reached trial (Kazakhstan, para. 24(a))
REACHED_TRIAL, INVESTIGATED = 4, 450


def chain(*nodes) -> pd.DataFrame:
    rows = [
        {"chain": "c1", "iso3": "KAZ", "cycle": 4, "measure": m, "stage": s, "value": v, "unit": u, "bound": b}
        for m, s, v, u, b in nodes
    ]
    return pd.DataFrame(rows)


def test_rate_and_wilson_interval_match_the_formula():
    steps = attrition_steps(
        chain(
            ("investigations_opened", "3", INVESTIGATED, "cases", "exact"),
            ("cases_sent_to_court", "4", REACHED_TRIAL, "cases", "exact"),
        )
    )
    step = steps.iloc[0]
    assert step["rate"] == pytest.approx(REACHED_TRIAL / INVESTIGATED)
    assert round(step["rate"], 4) == 0.0089
    low, high = wilson(REACHED_TRIAL, INVESTIGATED)
    assert step["ci_low"] == pytest.approx(low) and step["ci_high"] == pytest.approx(high)
    assert round(step["ci_low"], 4) == 0.0035 and round(step["ci_high"], 4) == 0.0226
    assert step["ci_method"] == "wilson"


def test_clopper_pearson_matches_the_beta_quantiles():
    steps = attrition_steps(
        chain(
            ("investigations_opened", "3", 337, "cases", "exact"),
            ("investigations_closed", "3x", 300, "cases", "exact"),
        ),
        ci_method="clopper-pearson",
    )
    step = steps.iloc[0]
    assert step["is_exit"]
    assert step["ci_low"] == pytest.approx(stats.beta.ppf(0.025, 300, 38))
    assert step["ci_high"] == pytest.approx(stats.beta.ppf(0.975, 301, 37))


def test_unit_change_is_kept_without_a_rate():
    steps = attrition_steps(
        chain(("cases_sent_to_court", "4", 4, "cases", "exact"), ("convictions", "6", 16, "persons", "exact"))
    )
    step = steps.iloc[0]
    assert not step["comparable"]
    assert step["flag"] == "unit_change"
    assert pd.isna(step["rate"]) and pd.isna(step["ci_low"])


def test_later_count_larger_than_earlier_is_flagged():
    steps = attrition_steps(
        chain(("investigations_opened", "3", 10, "cases", "exact"), ("cases_sent_to_court", "4", 12, "cases", "exact"))
    )
    assert steps["flag"].iloc[0] == "non_monotonic"
    assert not steps["comparable"].iloc[0]


def test_parts_of_one_stage_are_added_and_exits_branch_from_their_parent():
    steps = attrition_steps(
        chain(
            ("verdicts", "5", 42, "persons", "exact"),
            ("convictions", "6", 35, "persons", "exact"),
            ("convictions", "6", 6, "persons", "exact"),
            ("acquittals", "6x", 1, "persons", "exact"),
        )
    )
    by_target = steps.set_index("to_measure")
    assert by_target.loc["convictions", "to_value"] == 41
    assert by_target.loc["acquittals", "from_measure"] == "verdicts"
    assert by_target.loc["acquittals", "is_exit"]


def test_bounded_counts_get_no_rate():
    steps = attrition_steps(
        chain(
            ("complaints_received", "1", 200, "complaints", "at_least"),
            ("investigations_opened", "3", 20, "complaints", "exact"),
        )
    )
    assert not steps["comparable"].iloc[0]
    assert pd.isna(steps["rate"].iloc[0])


def test_chains_of_two_documents_with_the_same_id_stay_apart():
    # a letter and the State's reply both number their chain on paragraph 24(a) as KAZ-4-24(a)-1
    letter = chain(
        ("investigations_opened", "3", INVESTIGATED, "cases", "exact"),
        ("cases_sent_to_court", "4", REACHED_TRIAL, "cases", "exact"),
    ).assign(doc_id="letter", chain="KAZ-4-24(a)-1")
    reply = chain(
        ("investigations_opened", "3", 300, "cases", "exact"),
        ("cases_sent_to_court", "4", 30, "cases", "exact"),
    ).assign(doc_id="reply", chain="KAZ-4-24(a)-1")
    steps = attrition_steps(pd.concat([letter, reply], ignore_index=True))
    assert steps[["doc_id", "chain", "step"]].values.tolist() == [
        ["letter", "KAZ-4-24(a)-1", 1],
        ["reply", "KAZ-4-24(a)-1", 1],
    ]
    assert steps["from_value"].tolist() == [INVESTIGATED, 300], "counts of one document only, not added up"
    assert steps["rate"].tolist() == pytest.approx([REACHED_TRIAL / INVESTIGATED, 0.1])
