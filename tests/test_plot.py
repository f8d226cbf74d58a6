"""Charts checked by reading what was drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from torture_stats import plot
from torture_stats.tables import load


@pytest.fixture
def attrition(built_project):
    return load("attrition", built_project)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _drawn_values(ax) -> list[float]:
    return [patch.get_width() for patch in ax.patches]


def test_bars_are_the_chain_counts_in_stage_order(attrition):
    chain = attrition.loc[attrition["to_measure"] == "cases_sent_to_court", "chain"].iloc[0]
    ax = plot.attrition_funnel(attrition, chain=chain)
    assert _drawn_values(ax) == [450, 4, 16]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Investigations opened", "Cases sent to court", "Convictions"]
    ticks = list(ax.get_yticks())
    assert ticks == sorted(ticks, reverse=True), "first stage on top"


def test_unit_change_is_drawn_and_no_ratio_is_printed_across_it(attrition):
    chain = attrition.loc[attrition["to_measure"] == "cases_sent_to_court", "chain"].iloc[0]
    ax = plot.attrition_funnel(attrition, chain=chain)
    texts = [t.get_text() for t in ax.texts]
    assert any("unit changes: cases → persons" in t for t in texts)
    assert any(t.startswith("no rate") for t in texts)
    assert not any("of cases sent to court" in t for t in texts), "no share of cases for persons"
    colours = {tuple(p.get_facecolor()) for p in ax.patches}
    assert len(colours) == 2, "cases and persons in two colours"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["counted in cases", "counted in persons"]


def test_exit_is_hatched_and_labelled(attrition):
    chain = attrition.loc[attrition["to_measure"] == "investigations_closed", "chain"].iloc[0]
    ax = plot.attrition_funnel(attrition, chain=chain)
    assert [p.get_hatch() for p in ax.patches] == [None, "////"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Investigations opened", "Investigations closed (exit)"]
    assert any(t.get_text().startswith("89.0% of investigations opened") for t in ax.texts)


def test_figure_has_one_panel_per_chain_and_a_source_caption(attrition):
    fig = plot.attrition_figure(attrition, caption="Source: test caption")
    panels = [ax for ax in fig.axes if ax.patches]
    assert len(panels) == attrition["chain"].nunique()
    assert any(t.get_text() == "Source: test caption" for t in fig.texts)


def test_bad_arguments_name_the_argument(attrition):
    with pytest.raises(Exception, match="chain=None"):
        plot.attrition_funnel(attrition)
    with pytest.raises(Exception, match="column="):
        plot.theme("triple")


def test_importing_the_module_changes_no_global_style():
    before = dict(matplotlib.rcParams)
    import importlib

    importlib.reload(plot)
    assert dict(matplotlib.rcParams) == before
