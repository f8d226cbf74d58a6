"""The report figures every build draws into ``reports/figures``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def draw_report_figures(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """Draw every report figure from the processed tables; return the files written.

    Each figure is written as PDF, SVG and PNG with a JSON sidecar naming the
    tables and documents behind it (:func:`torture_stats.export.figure`).
    """
    import matplotlib

    matplotlib.use("Agg")
    return _attrition_chains(tables, directory)


def _attrition_chains(tables: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from torture_stats import export, plot

    attrition = tables["attrition"]
    if attrition.empty:
        return []
    figures = tables["figures"]
    doc_ids = sorted(figures.loc[figures["chain"].isin(attrition["chain"]), "doc_id"].dropna().unique())
    caption = "Source: " + "; ".join(_source_line(tables["documents"], d) for d in doc_ids)
    caption += ". Rates with 95% Wilson intervals; no rate where the unit changes."
    fig = plot.attrition_figure(attrition, figures=figures, caption=caption)
    try:
        return export.figure(
            fig, "attrition_chains", directory=directory, tables=["attrition", "figures"], documents=doc_ids
        )
    finally:
        plt.close(fig)


def _source_line(documents: pd.DataFrame, doc_id: str) -> str:
    row = documents.loc[documents["doc_id"] == doc_id].iloc[0]
    kind = str(row["kind"]).replace("followup", "follow-up").replace("_", " ") if pd.notna(row["kind"]) else "document"
    return f"{row['treaty']} {kind} to {row['state']}, {row['doc_date']} (doc {doc_id})"
