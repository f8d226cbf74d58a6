"""The report figures every build draws into ``reports/figures``."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)

#: every report figure: file stem -> what it shows
REPORT_FIGURES = {
    "attrition_chains": "attrition chains of the reported figures, stage by stage",
    "grade_heatmap": "mean follow-up grade score per State and cycle",
    "compliance_trend": "share of graded paragraphs at each grade per year of assessment",
    "state_trajectories": "each State's mean recommendation score across cycles",
    "staffing_composition": "prison medical staff by category, as shares of the total",
    "staffing_ratios": "prisoners per doctor and per psychologist",
}


def draw_report_figures(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """Draw every report figure from the processed tables; return the files written.

    Each figure of :data:`REPORT_FIGURES` is written as PDF, SVG and PNG with
    a JSON sidecar naming the tables and documents behind it
    (:func:`torture_stats.export.figure`). A figure whose table is empty is
    skipped, with a log message.
    """
    import matplotlib

    matplotlib.use("Agg")
    written = []
    for draw in (
        _attrition_chains,
        _grade_heatmap,
        _compliance_trend,
        _state_trajectories,
        _staffing_composition,
        _staffing_ratios,
    ):
        written += draw(tables, directory)
    return written


def _export(fig, name: str, directory: Path, tables: list[str], doc_ids) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import export

    try:
        return export.figure(fig, name, directory=directory, tables=tables, documents=doc_ids)
    finally:
        plt.close(fig)


#: the committee whose cycles the State charts follow: cycles of different treaties are not one sequence
TREATY = "CAT"


def _of_treaty(frame: pd.DataFrame, treaty: str) -> tuple[pd.DataFrame, str]:
    """The rows of *treaty*, and a caption sentence naming what was left out."""
    kept = frame[frame["treaty"] == treaty]
    left = frame[frame["treaty"] != treaty]
    if left.empty:
        return kept, ""
    by_treaty = left.groupby(left["treaty"].fillna("unknown"))["iso3"].nunique()
    named = ", ".join(f"{treaty_name} ({n} States)" for treaty_name, n in by_treaty.items())
    return kept, f" Grades of other committees are in the tables, not here: {named}."


def _doc_ids(*columns: pd.Series) -> list[str]:
    return sorted({str(d) for c in columns for d in c.dropna().unique()})


def _attrition_chains(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    from torture_stats import plot

    attrition = tables["attrition"]
    if attrition.empty:
        logger.info("no attrition chain: attrition_chains not drawn")
        return []
    figures = tables["figures"]
    doc_ids = _doc_ids(figures.loc[figures["chain"].isin(attrition["chain"]), "doc_id"])
    caption = plot.source_caption(
        tables["documents"], doc_ids, note="Rates with 95% Wilson intervals; no rate where the unit changes."
    )
    fig = plot.attrition_figure(attrition, figures=figures, caption=caption)
    return _export(fig, "attrition_chains", directory, ["attrition", "figures", "documents"], doc_ids)


def _grade_heatmap(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import plot

    scores, others = _of_treaty(tables["grade_scores"], TREATY)
    if scores.empty:
        logger.info("no %s grades: grade_heatmap not drawn", TREATY)
        return []
    doc_ids = _doc_ids(scores["doc_id"])
    caption = plot.source_caption(
        tables["documents"],
        doc_ids,
        note="Cell: mean score (0-1 crosswalk of grade_scales.csv) of the paragraphs graded for that State and "
        f"cycle; n = paragraphs with a score. Rows sorted by mean score.{others}",
    )
    with plt.rc_context(plot.theme()):
        fig, ax = plt.subplots(figsize=(plot.WIDTHS["double"], 0.21 * scores["iso3"].nunique() + 2.4))
        plot.grade_heatmap(
            scores, ax=ax, title=f"{TREATY} follow-up grades by State and reporting cycle", caption=caption
        )
    return _export(fig, "grade_heatmap", directory, ["grade_scores", "documents"], doc_ids)


def _compliance_trend(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import plot

    scores = tables["grade_scores"]
    if scores["assessed_on"].dropna().empty:
        logger.info("no dated grades: compliance_trend not drawn")
        return []
    counts = scores["scheme"].value_counts()
    scheme = sorted(counts.index, key=lambda s: (-counts[s], s))[0]
    used = scores[(scores["scheme"] == scheme) & scores["assessed_on"].notna()]
    doc_ids = _doc_ids(used["doc_id"])
    caption = plot.source_caption(
        tables["documents"],
        doc_ids,
        note=f"Grades of the {scheme} scheme; 95% Wilson intervals (stats.grade_shares); "
        "year of the letter or report that gave the grade.",
    )
    with plt.rc_context(plot.theme()):
        fig, ax = plt.subplots(figsize=(plot.WIDTHS["double"], 3.9))
        plot.compliance_trend(
            scores, ax=ax, scheme=scheme, title="Follow-up grades by year of assessment", caption=caption
        )
    return _export(fig, "compliance_trend", directory, ["grade_scores", "documents"], doc_ids)


def _state_trajectories(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import plot

    recs, others = _of_treaty(tables["recommendation_scores"], TREATY)
    if recs.empty:
        logger.info("no %s recommendation scores: state_trajectories not drawn", TREATY)
        return []
    doc_ids = _doc_ids(recs["doc_id"])
    caption = plot.source_caption(
        tables["documents"],
        doc_ids,
        note="Score of a recommendation: mean of its sub-limbs' scores; no-reply sub-limbs are left out of the "
        f"mean.{others}",
    )
    with plt.rc_context(plot.theme()):
        fig, ax = plt.subplots(figsize=(plot.WIDTHS["double"], 3.6))
        plot.state_trajectories(
            recs, ax=ax, title=f"{TREATY} follow-up scores across reporting cycles", caption=caption
        )
    return _export(fig, "state_trajectories", directory, ["recommendation_scores", "documents"], doc_ids)


def _staffing_composition(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import plot

    staffing = tables["staffing"]
    parts = staffing[staffing["share_pct"].notna()]
    if parts.empty:
        logger.info("no staff category with a share: staffing_composition not drawn")
        return []
    doc_ids = _doc_ids(staffing["doc_id"])
    caption = plot.source_caption(
        tables["documents"], doc_ids, note="Shares of the total staff count the document states."
    )
    n_bars = len(parts[["iso3", "year", "total_measure"]].drop_duplicates())
    with plt.rc_context(plot.theme()):
        fig, ax = plt.subplots(figsize=(plot.WIDTHS["double"], 1.1 + 0.7 * n_bars))
        plot.staffing_composition(staffing, ax=ax, title="Prison medical staff by category", caption=caption)
    return _export(fig, "staffing_composition", directory, ["staffing", "documents"], doc_ids)


def _staffing_ratios(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import plot

    staffing = tables["staffing"]
    measures = ("doctors", "psychologists")
    rows = staffing[staffing["measure"].isin(measures)]
    if rows.empty:
        logger.info("no doctors or psychologists: staffing_ratios not drawn")
        return []
    documents = tables["documents"]
    doc_ids = _doc_ids(rows["doc_id"])
    if rows["prisoners"].notna().any():
        doc_ids += _doc_ids(documents.loc[documents["source"].str.endswith("curated/denominators.csv"), "doc_id"])
    caption = plot.source_caption(
        documents,
        sorted(set(doc_ids)),
        note="Prison population: the State's nearest year in denominators.csv, with its source URL.",
    )
    with plt.rc_context(plot.theme()):
        fig, ax = plt.subplots(figsize=(plot.WIDTHS["double"], 1.3 + 0.55 * len(rows)))
        plot.staffing_ratios(
            staffing, ax=ax, measures=measures, title="Prisoners per doctor and per psychologist", caption=caption
        )
    return _export(fig, "staffing_ratios", directory, ["staffing", "denominators", "documents"], sorted(set(doc_ids)))
