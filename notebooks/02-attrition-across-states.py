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
# # 02 · Attrition across States: from investigations to convictions
#
# An attrition chain follows one group of cases (same offence, population and period)
# from investigations opened to convictions. A step has a rate, with a 95% Wilson
# interval, only where both counts are in the same unit: cases reaching trial and
# persons convicted cannot be divided. This notebook compares the same step across
# States, and says which States are left out and why.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import torture_stats as ts
from torture_stats import plot, stats

pd.set_option("display.max_colwidth", 80)

# %%
attrition = ts.load("attrition")
figures = ts.load("figures")
documents = ts.load("documents")
attrition.groupby("iso3")["chain"].nunique().rename("chains")

# %% [markdown]
# ## Every step, with its interval or the reason it has none

# %%
attrition[
    [
        "chain",
        "iso3",
        "cycle",
        "from_measure",
        "to_measure",
        "from_value",
        "to_value",
        "unit_from",
        "unit_to",
        "rate",
        "ci_low",
        "ci_high",
        "comparable",
        "flag",
    ]
]

# %% [markdown]
# ## One step compared across States
#
# `stats.compare_states` keeps every State asked about: one without the step, or with
# counts in different units, is a row with `is_included` false and the reason.

# %%
stats.compare_states(attrition, step=("investigations_opened", "cases_sent_to_court"), states=["KAZ", "MEX", "GBR"])

# %%
stats.compare_states(attrition, step=("cases_sent_to_court", "convictions"))

# %% [markdown]
# ## The chains, as published in `reports/figures/attrition_chains`

# %%
chain_docs = figures.loc[figures["chain"].isin(attrition["chain"]), "doc_id"]
caption = plot.source_caption(documents, chain_docs, note="Rates with 95% Wilson intervals.")
fig = plot.attrition_figure(attrition, figures=figures, caption=caption)
plt.show()
