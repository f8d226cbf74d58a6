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
# # 01 · The Kazakhstan follow-up letter: from prose to an attrition chart
#
# The Committee against Torture's follow-up letter to Kazakhstan (10 October 2024)
# quotes the State's and other sources' figures in running text. `torture-stats build`
# (or `make build`) has turned it into the processed tables loaded here; every
# figure keeps the words it was read from.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import torture_stats as ts
from torture_stats import evidence, plot

pd.set_option("display.max_colwidth", 80)

# %% [markdown]
# ## The document

# %%
documents = ts.load("documents")
documents.T

# %% [markdown]
# ## Figures, each with its evidence
#
# `value_raw` is the number as printed; `evidence` the words around it; the span
# points into the letter as read, so the figure can be found again in the source.

# %%
figures = ts.load("figures")
figures[["paragraph", "measure", "value", "unit", "period_start", "period_end", "reported_by", "evidence"]]

# %% [markdown]
# ## The letter with its evidence highlighted
#
# Shaded: the words each figure was read from; marked: the number as printed. Hover a
# number for its measure, value, unit and period.

# %%
letter_id = documents.loc[documents["kind"] == "followup_letter", "doc_id"].iloc[0]
evidence.highlight(evidence.document_text(letter_id), figures, doc_id=letter_id)

# %% [markdown]
# ## Grades

# %%
ts.load("grades")[["paragraph", "topic", "grade", "grade_raw", "scheme", "score"]]

# %% [markdown]
# ## Attrition
#
# Each step has a proportion and a 95% Wilson interval only where both counts are in
# the same unit. The step from 4 *cases* reaching trial to 16 *persons* convicted is
# kept but has no rate: one case can have several defendants.

# %%
attrition = ts.load("attrition")
attrition[
    [
        "chain",
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

# %%
fig = plot.attrition_figure(
    attrition, figures=figures, caption="Source: CAT follow-up letter to Kazakhstan, 10 October 2024."
)
plt.show()
