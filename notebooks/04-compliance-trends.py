# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Compliance with follow-up recommendations: States, cycles and years
#
# Each follow-up paragraph graded by a committee has a score on a common 0–1 scale
# (`vocab/grade_scales.csv`). The charts follow the Committee against Torture (CAT):
# reporting cycles of different committees are not one sequence. The last section sets
# CAT beside the Human Rights Committee (CCPR) for the States graded by both. "No reply" (grade D) is non-engagement: it has no score
# and is never counted as a low grade; "insufficient information" has no score either.
# Shares of grades carry 95% Wilson intervals; years with few graded paragraphs are
# flagged, and most are small.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import torture_stats as ts
from torture_stats import plot, stats

pd.set_option("display.max_colwidth", 80)

# %%
all_grade_scores = ts.load("grade_scores")
grade_scores = all_grade_scores[all_grade_scores["treaty"] == "CAT"]
all_recommendation_scores = ts.load("recommendation_scores")
recommendation_scores = all_recommendation_scores[all_recommendation_scores["treaty"] == "CAT"]
documents = ts.load("documents")
all_grade_scores.groupby(["treaty", "scheme", "grade"]).size().rename("paragraphs")

# %% [markdown]
# ## Every State and cycle

# %%
fig, ax = plt.subplots(figsize=(7.2, 8.6))
plot.grade_heatmap(
    grade_scores,
    ax=ax,
    title="CAT follow-up grades by State and reporting cycle",
    caption=plot.source_caption(documents, grade_scores["doc_id"], note="Cell: mean score; n = scored paragraphs."),
)
plt.show()

# %% [markdown]
# ## Shares of grades by year of assessment
#
# Only paragraphs with a date of assessment and graded on the most common scheme
# (`CAT-verbal`) enter; the x label of the chart says how many are left out.

# %%
dated = grade_scores[grade_scores["assessed_on"].notna() & (grade_scores["scheme"] == "CAT-verbal")]
shares = stats.grade_shares(dated.assign(year=dated["assessed_on"].str[:4].astype(int)), by="year")
shares[shares["k"] > 0][["year", "grade", "k", "n", "share", "ci_low", "ci_high", "is_small_group"]]

# %%
fig, ax = plt.subplots(figsize=(7.2, 3.8))
plot.compliance_trend(
    grade_scores,
    ax=ax,
    scheme="CAT-verbal",
    caption=plot.source_caption(documents, dated["doc_id"], note="95% Wilson intervals."),
)
plt.show()

# %% [markdown]
# ## States across cycles
#
# Only a few States have grades for two cycles here, so a trend test across States
# mixes different States at each cycle: read it as a description, not as change.

# %%
stats.ordinal_trend_test(grade_scores, time="cycle")

# %%
stats.ordinal_trend_test(grade_scores, time="cycle", by="iso3").dropna(subset=["zscore"])

# %%
fig, ax = plt.subplots(figsize=(7.2, 3.6))
plot.state_trajectories(
    recommendation_scores,
    ax=ax,
    caption=plot.source_caption(documents, recommendation_scores["doc_id"]),
)
plt.show()

# %% [markdown]
# ## CAT beside CCPR
#
# Mean score per State and committee, for the States graded by both. The two committees
# graded different recommendations in different years, so a gap between them is a lead to
# read the documents, not a measured difference.

# %%
committees = all_grade_scores.groupby("iso3")["treaty"].nunique()
both = committees[committees > 1].index
(
    all_grade_scores[all_grade_scores["iso3"].isin(both)]
    .groupby(["iso3", "treaty"])
    .agg(cycle=("cycle", "max"), paragraphs=("score", "size"), mean_score=("score", "mean"))
    .unstack("treaty")
)
