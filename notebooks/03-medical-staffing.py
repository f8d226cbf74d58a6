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
# # 03 · Medical staff in places of detention
#
# Staff counts quoted in follow-up letters, as shares of the total they belong to and
# as ratios to the prison population. Every ratio names its denominator: the State's
# prison population in the nearest year, with the year and the public source it came
# from, and a flag when that year is far from the year of the staff count. A category
# reported as a ratio ("one psychologist per institution") is not a count and gets no
# ratio to prisoners.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import torture_stats as ts
from torture_stats import plot, stats

pd.set_option("display.max_colwidth", 90)

# %%
staffing = ts.load("staffing")
denominators = ts.load("denominators")
documents = ts.load("documents")
staffing[["iso3", "year", "year_basis", "measure", "value", "per", "total_value", "share_pct"]]

# %% [markdown]
# ## Ratios and their denominators

# %%
staffing[
    [
        "iso3",
        "year",
        "measure",
        "value",
        "prisoners",
        "prisoners_year",
        "year_gap",
        "prisoners_per_staff",
        "per_1000_prisoners",
        "prisoners_source",
        "flag",
    ]
]

# %%
denominators[denominators["iso3"].isin(staffing["iso3"])][["iso3", "year", "value", "as_of", "source_url", "note"]]

# %% [markdown]
# ## Doctors and psychologists compared across States

# %%
stats.compare_states(staffing, measure="doctors", value="prisoners_per_staff")

# %%
stats.compare_states(staffing, measure="psychologists", value="prisoners_per_staff")

# %% [markdown]
# ## Charts

# %%
fig, ax = plt.subplots(figsize=(7.2, 2.2))
plot.staffing_composition(
    staffing,
    ax=ax,
    title="Prison medical staff by category",
    caption=plot.source_caption(documents, staffing["doc_id"]),
)
plt.show()

# %%
denominator_docs = documents.loc[documents["source"].str.endswith("denominators.csv"), "doc_id"]
fig, ax = plt.subplots(figsize=(7.2, 2.4))
plot.staffing_ratios(
    staffing,
    ax=ax,
    title="Prisoners per doctor and per psychologist",
    caption=plot.source_caption(documents, [*staffing["doc_id"], *denominator_docs]),
)
plt.show()
