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
# Each follow-up paragraph graded by the Committee has a score on a common 0–1 scale
# (`vocab/grade_scales.csv`). "No reply" (grade D) is non-engagement: it has no score
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
grade_scores = ts.load("grade_scores")
recommendation_scores = ts.load("recommendation_scores")
documents = ts.load("documents")
grade_scores.groupby(["scheme", "grade"]).size().rename("paragraphs")

# %% [markdown]
# ## Every State and cycle

# %%
fig, ax = plt.subplots(figsize=(7.2, 8.6))
plot.grade_heatmap(
    grade_scores,
    ax=ax,
    title="Follow-up grades by State and reporting cycle",
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
