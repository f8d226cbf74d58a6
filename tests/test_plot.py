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


# --- grades, trends, staffing ----------------------------------------------------------------------------------------

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from torture_stats import export, schema, stats  # noqa: E402
from torture_stats.errors import TortureStatsError  # noqa: E402

#: a State with a grade contrary to the recommendation (score 0), one that did not reply (D), one without information
LOW, NO_REPLY, NO_INFO = "AAA", "BBB", "CCC"
SMALL_GRADES = pd.DataFrame(
    {
        "iso3": [LOW, LOW, NO_REPLY, NO_REPLY, NO_INFO, "DDD", "DDD"],
        "cycle": [3, 4, 4, 4, 4, 4, 4],
        "paragraph": ["10", "12", "8", "9(a)", "14", "20", "21"],
        "grade": ["E", "contrary", "D", "D", "insufficient_information", "A", "insufficient_information"],
        "scheme": ["CAT-2015", "CAT-verbal", "CAT-2015", "CAT-2015", "CAT-verbal", "CAT-2015", "CAT-verbal"],
        "assessed_on": ["2020-05-01", "2021-05-01", "2021-05-01", "2021-05-01", "2021-06-01", "2021-06-01", None],
    }
)


@pytest.fixture
def grade_scores(built_project):
    return load("grade_scores", built_project)


@pytest.fixture
def staffing(built_project):
    return load("staffing", built_project)


def _mesh_values(ax) -> dict[tuple[str, str], float]:
    """(row label, column label) -> the value drawn in the heatmap's QuadMesh."""
    mesh = ax.collections[0]
    values = mesh.get_array()
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    grid = np.ma.asarray(values).reshape(len(rows), len(cols))
    return {
        (r, c): float(grid[i, j])
        for i, r in enumerate(rows)
        for j, c in enumerate(cols)
        if not np.ma.is_masked(grid[i, j])
    }


def test_heatmap_cells_are_the_mean_scores_of_the_table(grade_scores):
    ax = plot.grade_heatmap(grade_scores)
    expected = grade_scores.dropna(subset=["score"]).groupby(["iso3", "cycle"])["score"].mean()
    drawn = _mesh_values(ax)
    assert drawn == pytest.approx({(s, str(c)): float(v) for (s, c), v in expected.items()})
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(c) for c in sorted(grade_scores["cycle"].unique())]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert len(rows) == grade_scores["iso3"].nunique()
    state_means = grade_scores.groupby("iso3")["score"].mean()
    assert [float(state_means[r]) for r in rows] == sorted(state_means, reverse=True), "best State on top"


def test_heatmap_shows_no_reply_apart_from_a_low_grade():
    ax = plot.grade_heatmap(SMALL_GRADES)
    drawn = _mesh_values(ax)
    assert drawn[(LOW, "3")] == 0.0, "a contrary grade is a low score, coloured as such"
    assert (NO_REPLY, "4") not in drawn and (NO_INFO, "4") not in drawn, "no score is never drawn as a colour"
    patches = {p.get_gid().split(":")[0]: p for p in ax.patches if p.get_gid()}
    no_reply, no_info = patches["no_reply"], patches["insufficient"]
    low_colour = ax.collections[0].cmap(0.0)
    assert no_reply.get_hatch() == "////" and no_info.get_hatch() == "...."
    assert tuple(no_reply.get_facecolor()) != tuple(low_colour)
    assert tuple(no_reply.get_facecolor()) != tuple(no_info.get_facecolor())
    assert "partly_insufficient" in patches, "a cell with some unscored paragraphs gets a corner mark"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("no reply") for t in legend) and any(t.startswith("insufficient") for t in legend)
    texts = [t.get_text() for t in ax.texts]
    assert "no reply" in texts and "insuff. info" in texts and "0.00" in texts


def test_heatmap_of_one_state_by_paragraph_and_bad_order(grade_scores):
    kaz = grade_scores[grade_scores["iso3"] == "KAZ"]
    ax = plot.grade_heatmap(kaz, x="cycle", y="paragraph")
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["8", "14(a)", "24(a)", "28", "44", "45"], "paragraphs in numeric order"
    assert _mesh_values(ax)[("24(a)", "4")] == 0.25
    with pytest.raises(TortureStatsError, match="order="):
        plot.grade_heatmap(kaz, y="paragraph", order=["14(a)"])


def test_compliance_trend_draws_the_shares_and_intervals_of_grade_shares(grade_scores):
    ax = plot.compliance_trend(grade_scores, scheme="CAT-verbal")
    dated = grade_scores[(grade_scores["scheme"] == "CAT-verbal") & grade_scores["assessed_on"].notna()]
    dated = dated.assign(year=dated["assessed_on"].str[:4].astype(int))
    shares = stats.grade_shares(dated, by="year").set_index(["grade", "year"])
    years = sorted(dated["year"].unique())
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [f"{y}\nn={(dated['year'] == y).sum()}" for y in years], "years in order, with n"
    containers = {c.get_label(): c for c in ax.containers}
    partly = containers["partially implemented"]
    line, _, (bars,) = partly.lines
    expected = [float(shares.loc[("partially_implemented", y), "share"]) for y in years]
    assert list(line.get_ydata()) == pytest.approx(expected)
    segments = bars.get_segments()
    assert [s[0][1] for s in segments] == pytest.approx(
        [float(shares.loc[("partially_implemented", y), "ci_low"]) for y in years]
    )
    assert [s[1][1] for s in segments] == pytest.approx(
        [float(shares.loc[("partially_implemented", y), "ci_high"]) for y in years]
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    scale = ["implemented", "almost_fully_implemented", "partially_implemented", "not_implemented", "contrary"]
    scored = [g.replace("_", " ") for g in scale if g in set(dated["grade"])]
    assert legend[: len(scored)] == scored, "grades with a score first, best to worst"
    assert "insufficient information" in legend, "no-score grades keep their own entry"
    undated = int((grade_scores["scheme"] == "CAT-verbal").sum() - len(dated))
    assert f"{undated} without a year" in ax.get_xlabel()


def test_compliance_trend_keeps_no_reply_as_its_own_grade():
    ax = plot.compliance_trend(SMALL_GRADES, scheme="CAT-2015", min_n=1)
    containers = {c.get_label(): c for c in ax.containers}
    assert set(containers) == {"A", "D", "E"}
    line = containers["D"].lines[0]
    assert list(line.get_ydata()) == pytest.approx([0.0, 2 / 3]), "2 of the 3 graded paragraphs of 2021"
    assert line.get_marker() == "x" and containers["E"].lines[0].get_marker() != "x"
    with pytest.raises(TortureStatsError, match="scheme='nope'"):
        plot.compliance_trend(SMALL_GRADES, scheme="nope")


def test_state_trajectories_lines_are_the_mean_recommendation_scores(built_project):
    recs = load("recommendation_scores", built_project)
    ax = plot.state_trajectories(recs)
    handles, labels = ax.get_legend_handles_labels()
    lines = {label.split()[0]: h for h, label in zip(handles, labels, strict=True) if "cycles" in label}
    cycles_scored = recs.dropna(subset=["score_mean"]).groupby("iso3")["cycle"].nunique()
    assert sorted(lines) == sorted(cycles_scored[cycles_scored >= 2].index), "States graded in two cycles are lines"
    assert "KAZ" in lines
    kaz = recs[recs["iso3"] == "KAZ"].groupby("cycle")["score_mean"].mean()
    cycles = [int(t.get_text()) for t in ax.get_xticklabels()]
    assert cycles == sorted(cycles)
    assert list(lines["KAZ"].get_ydata()) == pytest.approx(list(kaz))
    assert [cycles[int(x)] for x in lines["KAZ"].get_xdata()] == list(kaz.index)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith(f"other States ({len(cycles_scored) - len(lines)})") for t in legend)


def test_state_trajectories_put_no_reply_off_the_scale():
    ax = plot.state_trajectories(SMALL_GRADES, highlight=[LOW])
    offsets = [tuple(p) for c in ax.collections for p in c.get_offsets()]
    no_reply_y = [y for _, y in offsets if y < 0]
    assert no_reply_y and all(y < -0.1 for y in no_reply_y), "no reply sits below 0, in its own band"
    assert ax.get_yticklabels()[0].get_text() == "no reply"


def test_staffing_composition_bars_are_the_shares(staffing):
    ax = plot.staffing_composition(staffing)
    parts = staffing[staffing["share_pct"].notna()]
    assert [p.get_width() for p in ax.patches] == pytest.approx(list(parts["share_pct"].astype(float)))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Doctors", "Nurses", "Junior medical staff"]
    label = ax.get_yticklabels()[0].get_text()
    assert "KAZ · 2024" in label and "1,352" in label and "stated total" in label
    assert any("psychologists reported as 1 per institution" in t.get_text() for t in ax.texts)


def test_staffing_ratios_name_their_denominator(staffing):
    ax = plot.staffing_ratios(staffing)
    doctors = staffing[staffing["measure"] == "doctors"].iloc[0]
    assert [p.get_width() for p in ax.patches] == pytest.approx([float(doctors["prisoners_per_staff"])])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["KAZ · Doctors · 2024", "KAZ · Psychologists · 2024"]
    texts = " | ".join(t.get_text() for t in ax.texts)
    assert "30,000 prisoners (2020, zonakz.net)" in texts
    assert "4 years older" in texts
    assert "no ratio: reported as 1 psychologist per institution" in texts
    with pytest.raises(TortureStatsError, match="x='ratio'"):
        plot.staffing_ratios(staffing, x="ratio")


def test_source_caption_names_every_document(built_project, grade_scores):
    documents = load("documents", built_project)
    caption = plot.source_caption(documents, grade_scores["doc_id"], note="A note.")
    assert caption.startswith("Source: ")
    for doc_id in grade_scores["doc_id"].unique():
        assert f"doc {doc_id}" in caption
    assert "CAT follow-up letter to Kazakhstan, 2024-10-10 (doc 40412291558c)" in caption
    assert "grades.csv" in caption and caption.endswith("A note.")
    ax = plot.grade_heatmap(grade_scores, caption=caption)
    assert [t.get_text().replace("\n", " ") for t in ax.figure.texts if t.get_gid() == "source-caption"] == [caption]
    with pytest.raises(TortureStatsError, match="doc_id="):
        plot.source_line(documents, "nope")


def test_new_charts_export_byte_identical(tmp_path, grade_scores, staffing):
    digests = []
    for attempt in range(2):
        fig, (a, b) = plt.subplots(2, 1, figsize=(7, 9))
        plot.grade_heatmap(grade_scores, ax=a)
        plot.staffing_ratios(staffing, ax=b)
        files = export.figure(fig, "check", directory=tmp_path / str(attempt))
        digests.append([f.read_bytes() for f in files[:-1]])
        plt.close(fig)
    assert digests[0] == digests[1]


def test_a_chain_id_shared_by_two_documents_gives_two_panels_and_a_clear_error_for_one():
    steps = pd.DataFrame(
        {
            "doc_id": ["letter", "reply"],
            "chain": ["KAZ-4-24(a)-1"] * 2,
            "step": [1, 1],
            "from_measure": ["investigations_opened"] * 2,
            "to_measure": ["cases_sent_to_court"] * 2,
            "from_stage": ["3", "3"],
            "to_stage": ["4", "4"],
            "is_exit": [False, False],
            "from_value": [450.0, 300.0],
            "to_value": [4.0, 30.0],
            "unit_from": ["cases"] * 2,
            "unit_to": ["cases"] * 2,
            "comparable": [True, True],
            "rate": [4 / 450, 0.1],
        }
    )
    steps = schema.conform(steps, "attrition")
    fig = plot.attrition_figure(steps)
    assert len([ax for ax in fig.axes if ax.get_title(loc="left")]) == 2
    with pytest.raises(TortureStatsError, match="in 2 documents"):
        plot.attrition_funnel(steps, chain="KAZ-4-24(a)-1")
    plot.attrition_funnel(steps[steps["doc_id"] == "reply"], chain="KAZ-4-24(a)-1")
