"""Charts with seaborn-style signatures: ``f(data, *, ..., ax=None, **kwargs) -> Axes``.

Nothing here changes matplotlib's global state on import; :func:`theme`
returns a style to apply on purpose (``with plt.rc_context(theme()): …``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from torture_stats.errors import TortureStatsError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
}
UNIT_COLOURS = {"cases": PALETTE["blue"], "persons": PALETTE["orange"], "complaints": PALETTE["green"]}
EXIT_COLOUR = "#BDBDBD"
#: print widths in inches: one column and two columns of a journal page
WIDTHS = {"single": 3.5, "double": 7.2}


def theme(column: str = "double") -> dict:
    """A matplotlib rc dictionary for print: font sizes, colour cycle, no top/right spines.

    Parameters
    ----------
    column : {"single", "double"}
        Width of the figure on the page.
    """
    if column not in WIDTHS:
        raise TortureStatsError(f"column={column!r} is not allowed; use 'single' or 'double'")
    from cycler import cycler

    return {
        "figure.figsize": (WIDTHS[column], WIDTHS[column] * 0.62),
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 8,
        "legend.fontsize": 7.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=list(PALETTE.values())),
        "savefig.dpi": 300,
    }


def legend_handles(units, *, has_exit: bool) -> list:
    """Legend patches: one per unit counted, and one for exits."""
    from matplotlib.patches import Patch

    seen = [u for u in dict.fromkeys(units) if isinstance(u, str)]
    handles = [Patch(color=UNIT_COLOURS.get(u, PALETTE["grey"]), label=f"counted in {u}") for u in seen]
    if has_exit:
        handles.append(Patch(facecolor=EXIT_COLOUR, edgecolor="#6E6E6E", hatch="////", label="exit from the chain"))
    return handles


def measure_label(measure: str) -> str:
    """``investigations_opened`` → ``Investigations opened``."""
    return measure.replace("_", " ").capitalize()


def _chain_nodes(steps: pd.DataFrame) -> pd.DataFrame:
    """The stages of a chain, once each, in the order the steps visit them."""
    nodes = {}
    for row in steps.sort_values("step").itertuples(index=False):
        nodes.setdefault(row.from_measure, (row.from_value, row.unit_from, row.from_stage, False))
        nodes.setdefault(row.to_measure, (row.to_value, row.unit_to, row.to_stage, bool(row.is_exit)))
    frame = pd.DataFrame([(m, *v) for m, v in nodes.items()], columns=["measure", "value", "unit", "stage", "is_exit"])
    return frame


def _count_label(value: float, unit: str | None) -> str:
    unit = unit or ""
    if value == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f"{value:,.0f} {unit}".strip()


def _step_label(step) -> tuple[str, str]:
    """Text under a bar: its share of the stage it comes from, or why there is none."""
    source = measure_label(step.from_measure).lower()
    if step.comparable:
        return (
            f"{step.rate:.1%} of {source} (95% CI {step.ci_low:.1%}–{step.ci_high:.1%})",
            "#333333",
        )
    if step.flag == "unit_change":
        return f"no rate: {step.unit_to} cannot be a share of {step.unit_from}", PALETTE["vermillion"]
    reason = step.flag.replace("_", " ") if isinstance(step.flag, str) else "counts not exact"
    return f"no rate: {reason}", PALETTE["vermillion"]


def attrition_funnel(
    data: pd.DataFrame,
    *,
    chain: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
    **kwargs,
) -> Axes:
    """Draw one attrition chain as horizontal bars, stage by stage.

    Bars are coloured by what is counted (cases, persons), so a change of
    unit is visible; an exit (closed, acquitted) is a grey hatched bar. Each
    comparable step is labelled with its rate and interval; a step whose
    units differ says so instead of showing a ratio.

    Parameters
    ----------
    data : DataFrame
        The attrition table (:func:`torture_stats.normalise.attrition_steps`).
    chain : str, optional
        Which chain; required when *data* holds more than one.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    title : str, optional
        Panel title; the chain id by default.
    legend : bool
        Draw the legend of units and exits in the panel.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    chains = data["chain"].dropna().unique()
    if chain is None:
        if len(chains) != 1:
            raise TortureStatsError(f"chain=None but data holds {len(chains)} chains; pass one of {sorted(chains)}")
        chain = chains[0]
    steps = data[data["chain"] == chain]
    if "doc_id" in steps and steps["doc_id"].nunique() > 1:
        documents = ", ".join(map(str, steps["doc_id"].unique()))
        raise TortureStatsError(
            f"chain={chain!r} is in {steps['doc_id'].nunique()} documents ({documents}): pass the rows of one doc_id"
        )
    if steps.empty:
        raise TortureStatsError(f"chain={chain!r} is not in data; chains: {sorted(chains)}")
    ax = ax if ax is not None else plt.gca()
    nodes = _chain_nodes(steps)
    positions = list(range(len(nodes)))[::-1]
    colours = [
        EXIT_COLOUR if e else UNIT_COLOURS.get(u, PALETTE["grey"])
        for u, e in zip(nodes["unit"], nodes["is_exit"], strict=True)
    ]
    bars = ax.barh(positions, nodes["value"], color=colours, height=0.62, **kwargs)
    for bar, is_exit in zip(bars, nodes["is_exit"], strict=True):
        if is_exit:
            bar.set_hatch("////")
            bar.set_edgecolor("#6E6E6E")
    labels = [
        f"{measure_label(m)}" + (" (exit)" if e else "")
        for m, e in zip(nodes["measure"], nodes["is_exit"], strict=True)
    ]
    ax.set_yticks(positions, labels)
    vmax = float(nodes["value"].max())
    incoming = {row.to_measure: row for row in steps.itertuples(index=False)}
    for pos, measure, value, unit in zip(positions, nodes["measure"], nodes["value"], nodes["unit"], strict=True):
        ax.text(value + vmax * 0.015, pos + 0.12, _count_label(value, unit), va="center", ha="left", fontsize="small")
        step = incoming.get(measure)
        if step is not None:
            text, colour = _step_label(step)
            ax.text(value + vmax * 0.015, pos - 0.22, text, va="center", ha="left", fontsize="x-small", color=colour)
    for upper, lower in zip(range(len(nodes) - 1), range(1, len(nodes)), strict=True):
        a, b = nodes.iloc[upper], nodes.iloc[lower]
        if not b["is_exit"] and not a["is_exit"] and a["unit"] != b["unit"]:
            y = (positions[upper] + positions[lower]) / 2
            ax.axhline(y, color=PALETTE["vermillion"], linestyle=(0, (4, 2)), linewidth=0.8)
            ax.text(
                vmax * 1.72,
                y + 0.06,
                f"unit changes: {a['unit']} → {b['unit']}",
                ha="right",
                va="bottom",
                fontsize="x-small",
                color=PALETTE["vermillion"],
            )
    ax.set_xlim(0, vmax * 1.75)
    ax.set_ylim(-0.6, len(nodes) - 0.4)
    ax.set_xlabel("Count as reported")
    ax.set_title(title or str(chain), loc="left")
    if legend:
        handles = legend_handles(nodes.loc[~nodes["is_exit"], "unit"], has_exit=bool(nodes["is_exit"].any()))
        ax.legend(handles=handles, loc="lower right", frameon=False)
    return ax


def attrition_figure(
    data: pd.DataFrame,
    *,
    figures: pd.DataFrame | None = None,
    chains: list[str] | None = None,
    caption: str | None = None,
    column: str = "double",
) -> Figure:
    """All (or the given) attrition chains, one panel each, with a source caption.

    Parameters
    ----------
    data : DataFrame
        The attrition table.
    figures : DataFrame, optional
        The figures table, used to title each panel with its paragraph,
        period and reporter.
    chains : list of str, optional
        Chains to draw, in order; all by default.
    caption : str, optional
        Source line printed under the panels.
    column : {"single", "double"}
        Print width.
    """
    import matplotlib.pyplot as plt

    chains = chains or sorted(data["chain"].dropna().unique())
    if not chains:
        raise TortureStatsError("data holds no attrition chain to draw")
    # chain ids are unique within a document: one panel per document and chain
    panels = [(doc_id, chain) for chain in chains for doc_id in _documents_of(data, chain)]
    heights = [max(1.2, 0.42 * len(_chain_nodes(_of_document(data, d).query("chain == @c"))) + 0.7) for d, c in panels]
    with plt.rc_context(theme(column)):
        fig, axes = plt.subplots(
            len(panels),
            1,
            figsize=(WIDTHS[column], sum(heights) + 0.6),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
        )
        for ax, (doc_id, chain) in zip(axes[:, 0], panels, strict=True):
            title = _chain_title(chain, None if figures is None else _of_document(figures, doc_id))
            attrition_funnel(_of_document(data, doc_id), chain=chain, ax=ax, title=title, legend=False)
        for ax in axes[:-1, 0]:
            ax.set_xlabel("")
        main_units = [*data["unit_from"], *data.loc[~data["is_exit"].astype(bool), "unit_to"]]
        handles = legend_handles(main_units, has_exit=bool(data["is_exit"].any()))
        fig.legend(handles=handles, loc="upper right", ncols=len(handles), frameon=False, fontsize=7)
        if caption:
            fig.text(0.01, 0.005, caption, ha="left", va="bottom", fontsize=6.5, color="#555555", wrap=True)
        fig.tight_layout(rect=(0, 0.05 if caption else 0, 1, 0.96))
    return fig


def _documents_of(data: pd.DataFrame, chain: str) -> list:
    """The documents holding a chain of this id, in order (``[None]`` when the table has no doc_id)."""
    if "doc_id" not in data:
        return [None]
    return list(dict.fromkeys(data.loc[data["chain"] == chain, "doc_id"]))


def _of_document(frame: pd.DataFrame, doc_id) -> pd.DataFrame:
    if doc_id is None or "doc_id" not in frame:
        return frame
    return frame[frame["doc_id"] == doc_id]


def _chain_title(chain: str, figures: pd.DataFrame | None) -> str:
    if figures is None or "chain" not in figures:
        return chain
    rows = figures[figures["chain"] == chain]
    if rows.empty:
        return chain
    first = rows.iloc[0]
    parts = [f"{first['iso3']}, para. {first['paragraph']}"]
    if pd.notna(first["period_start"]):
        end = first["period_end"]
        note = f"{first['period_note']} " if pd.notna(first["period_note"]) and first["period_note"] != "since" else ""
        if pd.isna(end):
            parts.append(f"since {first['period_start']}")
        elif end == first["period_start"]:
            parts.append(f"{first['period_start']}")
        else:
            parts.append(f"{first['period_start']}–{note}{end}")
    reporters = rows["reported_by"].dropna().unique()
    if len(reporters) == 0:
        parts.append("source of the data not stated")
    elif len(reporters) == 1:
        parts.append(
            {"state_party": "State party data", "other_sources": "other sources", "committee": "Committee"}[
                reporters[0]
            ]
        )
    return " · ".join(parts)


# --- grades, trends, staffing --------------------------------------------------------------------------------------

#: sequential, colour-blind-safe map of the 0-1 grade score (no grey in it, so grey means "no score")
SCORE_CMAP = "viridis"
#: cells and markers that carry no score: no reply (non-engagement) and insufficient information
NO_REPLY_STYLE = {"facecolor": "#D0D0D0", "edgecolor": "#5A5A5A", "hatch": "////"}
INSUFFICIENT_STYLE = {"facecolor": "#FFFFFF", "edgecolor": "#5A5A5A", "hatch": "...."}
#: ticks of the score colour bar, with the CAT wording of each level
SCORE_TICKS = {
    0.0: "0 contrary (E)",
    0.25: "0.25 not implemented (C)",
    0.5: "0.5 initial steps (B2)",
    0.625: "0.625 partially (B)",
    0.75: "0.75 substantive steps (B1)",
    1.0: "1 implemented (A)",
}
STATUSES = ("scored", "no_reply", "insufficient")
_STATE_COLOURS = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple", "orange", "sky", "yellow")]
_STAFF_COLOURS = [PALETTE[c] for c in ("blue", "orange", "green", "purple", "sky", "vermillion", "yellow")]


def _require(data: pd.DataFrame, columns, argument: str = "data") -> None:
    from torture_stats.schema_derived import require_columns

    require_columns(data, tuple(c for c in columns if c is not None), argument)


def _natural_key(value: object) -> tuple:
    """Sort 2 before 10 and 14(a) before 14(b): numbers as numbers, the rest as text."""
    import re

    text = str(value)
    match = re.match(r"^\s*(\d+)(.*)$", text)
    return (0, int(match.group(1)), match.group(2)) if match else (1, 0, text)


def _score_cmap():
    import matplotlib

    return matplotlib.colormaps[SCORE_CMAP]


def _ink_on(rgba) -> str:
    """Black or white text, whichever reads better on *rgba*."""
    r, g, b = rgba[:3]
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "#FFFFFF"


def _is_false(series: pd.Series) -> pd.Series:
    return series.astype("boolean").eq(False).fillna(False).astype(bool)


def grade_cells(data: pd.DataFrame, *, x: str = "cycle", y: str = "iso3", value: str = "score") -> pd.DataFrame:
    """One cell per (*y*, *x*): the mean score and how many graded rows had no score, and why.

    Parameters
    ----------
    data : DataFrame
        The grade_scores table (``score``, ``engages`` and the *x*, *y* columns);
        the grades table is scored first with :func:`torture_stats.grading.grade_scores`.
    x, y : str
        Columns of the grid: ``cycle`` and ``iso3`` by default; ``recommendation``
        or ``paragraph`` for one State.
    value : str
        The score column.

    Returns
    -------
    DataFrame
        One row per non-empty cell:

        - the *y* and *x* columns: the cell.
        - ``score``: mean of the scored rows; empty where none has a score.
        - ``n``: graded rows in the cell.
        - ``n_scored``: rows with a score.
        - ``n_no_reply``: rows graded as no reply (``engages`` false).
        - ``n_insufficient``: rows with no score that do engage (insufficient information).
        - ``status``: ``scored``, ``no_reply`` (no score and at least one no-reply row) or
          ``insufficient``.

    Examples
    --------
    >>> g = pd.DataFrame({"iso3": ["KAZ", "KAZ", "ARM"], "cycle": [4, 4, 4], "score": [0.5, None, None],
    ...     "engages": [True, False, False]})
    >>> grade_cells(g)[["iso3", "score", "n_no_reply", "status"]].to_numpy().tolist()
    [['ARM', nan, 1, 'no_reply'], ['KAZ', 0.5, 1, 'scored']]
    """
    if value not in data.columns or "engages" not in data.columns:
        from torture_stats.grading import grade_scores

        _require(data, ("paragraph", "grade", "scheme"))
        extra = [c for c in data.columns if c not in ("score",)]
        scored = grade_scores(data)
        data = pd.concat([scored, data[[c for c in extra if c not in scored.columns]].reset_index(drop=True)], axis=1)
    _require(data, (x, y, value, "engages"))
    frame = data[data[x].notna() & data[y].notna()]
    score = pd.to_numeric(frame[value], errors="coerce").astype(float)
    no_reply = _is_false(frame["engages"]) & score.isna()
    frame = frame.assign(
        _score=score, _scored=score.notna(), _no_reply=no_reply, _insufficient=score.isna() & ~no_reply
    )
    rows = []
    for (yv, xv), cell in frame.groupby([y, x], sort=False):
        n_scored = int(cell["_scored"].sum())
        n_no_reply = int(cell["_no_reply"].sum())
        status = "scored" if n_scored else ("no_reply" if n_no_reply else "insufficient")
        rows.append(
            {
                y: yv,
                x: xv,
                "score": float(cell["_score"].mean()) if n_scored else float("nan"),
                "n": len(cell),
                "n_scored": n_scored,
                "n_no_reply": n_no_reply,
                "n_insufficient": int(cell["_insufficient"].sum()),
                "status": status,
            }
        )
    out = pd.DataFrame(rows, columns=[y, x, "score", "n", "n_scored", "n_no_reply", "n_insufficient", "status"])
    order = sorted(range(len(out)), key=lambda i: (_natural_key(out[y].iloc[i]), _natural_key(out[x].iloc[i])))
    return out.iloc[order].reset_index(drop=True)


def _score_legend_handles(*, statuses=STATUSES) -> list:
    from matplotlib.patches import Patch

    handles = []
    if "no_reply" in statuses:
        handles.append(
            Patch(**NO_REPLY_STYLE, linewidth=0.6, label="no reply (grade D): non-engagement, not a low score")
        )
    if "insufficient" in statuses:
        handles.append(Patch(**INSUFFICIENT_STYLE, linewidth=0.6, label="insufficient information to grade"))
    if "corner" in statuses:
        from matplotlib.patches import Polygon

        corner = Polygon([(0, 0), (1, 0), (1, 1)], closed=True, **INSUFFICIENT_STYLE, linewidth=0.5)
        corner.set_label("corner: some paragraphs of the cell unscored")
        handles.append(corner)
    return handles


def _draw_corner_mark(legend, orig_handle, xdescent, ydescent, width, height, fontsize):
    from matplotlib.patches import Polygon

    x0, y0 = -xdescent, -ydescent
    return Polygon(
        [(x0 + width * 0.25, y0 + height), (x0 + width * 0.75, y0 + height), (x0 + width * 0.75, y0)], closed=True
    )


def grade_heatmap(
    data: pd.DataFrame,
    *,
    x: str = "cycle",
    y: str = "iso3",
    value: str = "score",
    ax: Axes | None = None,
    order: list | None = None,
    annotate: bool = True,
    colorbar: bool = True,
    legend: bool = True,
    title: str | None = None,
    caption: str | None = None,
    **kwargs,
) -> Axes:
    """States (rows) by cycles (columns), each cell coloured by its mean grade score.

    Scores use a sequential colour-blind-safe map (viridis, 0 = contrary to
    1 = implemented). A cell with no score is never coloured as a low grade:
    "no reply" (grade D, ``engages`` false) is a hatched grey cell and
    "insufficient information" a dotted white cell, both in the legend; a
    State not graded in a cycle is left blank.

    Parameters
    ----------
    data : DataFrame
        The grade_scores table (or the grades table, scored on the fly).
    x, y : str
        Columns and rows: ``cycle`` and ``iso3`` by default; ``x="cycle",
        y="paragraph"`` (or ``"recommendation"``) for one State.
    value : str
        The score column.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    order : list, optional
        Row order, top first. By default rows are sorted by the mean score of
        all their scored rows, best on top, rows without a score last; for
        ``y="paragraph"`` or ``"recommendation"`` in paragraph order.
    annotate : bool
        Print each cell's mean score and number of graded rows.
    colorbar : bool
        Draw the colour bar with the grade wording of each level.
    legend : bool
        Draw the legend of no-score cells.
    title : str, optional
        Panel title.
    caption : str, optional
        Source line under the figure (:func:`add_caption`).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.pcolormesh`.

    Returns
    -------
    matplotlib Axes
        The scored cells are one QuadMesh (``ax.collections[0]``) whose array
        holds the cell scores, row by row from the top; no-score cells are
        hatched Rectangles in ``ax.patches``.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import Normalize
    from matplotlib.legend_handler import HandlerPatch
    from matplotlib.patches import Polygon, Rectangle

    cells = grade_cells(data, x=x, y=y, value=value)
    if cells.empty:
        raise TortureStatsError(f"data has no graded row with both {x!r} and {y!r}; nothing to draw")
    ax = ax if ax is not None else plt.gca()
    columns = sorted(cells[x].unique(), key=_natural_key)
    if order is not None:
        missing = [r for r in cells[y].unique() if r not in list(order)]
        if missing:
            raise TortureStatsError(f"order={list(order)!r} lacks the rows {missing}; give every value of {y!r}")
        rows = list(order)
    elif y in ("iso3", "state"):
        means = {}
        for key, group in data.groupby(y):
            scores = pd.to_numeric(group[value], errors="coerce").dropna() if value in group else pd.Series([])
            means[key] = float(scores.mean()) if len(scores) else -1.0
        rows = sorted(cells[y].unique(), key=lambda r: (-means.get(r, -1.0), str(r)))
    else:
        rows = sorted(cells[y].unique(), key=_natural_key)
    grid = np.full((len(rows), len(columns)), np.nan)
    index = {(r, c): (i, j) for i, r in enumerate(rows) for j, c in enumerate(columns)}
    norm = Normalize(0, 1)
    cmap = _score_cmap()
    mesh = None
    for cell in cells.itertuples(index=False):
        i, j = index[(getattr(cell, y), getattr(cell, x))]
        if cell.status == "scored":
            grid[i, j] = cell.score
    mesh = ax.pcolormesh(
        np.arange(len(columns) + 1),
        np.arange(len(rows) + 1),
        np.ma.masked_invalid(grid),
        cmap=cmap,
        norm=norm,
        edgecolors="white",
        linewidth=1.0,
        **kwargs,
    )
    for cell in cells.itertuples(index=False):
        i, j = index[(getattr(cell, y), getattr(cell, x))]
        if cell.status != "scored":
            style = NO_REPLY_STYLE if cell.status == "no_reply" else INSUFFICIENT_STYLE
            patch = Rectangle((j + 0.04, i + 0.06), 0.92, 0.88, linewidth=0.6, **style)
            patch.set_gid(f"{cell.status}:{getattr(cell, y)}:{getattr(cell, x)}")
            ax.add_patch(patch)
        else:
            corner = NO_REPLY_STYLE if cell.n_no_reply else (INSUFFICIENT_STYLE if cell.n_insufficient else None)
            if corner is not None:
                mark = Polygon(
                    [(j + 0.97, i + 0.05), (j + 0.75, i + 0.05), (j + 0.97, i + 0.6)],
                    closed=True,
                    linewidth=0.5,
                    **corner,
                )
                mark.set_gid(
                    f"partly_{'no_reply' if cell.n_no_reply else 'insufficient'}:{getattr(cell, y)}:{getattr(cell, x)}"
                )
                ax.add_patch(mark)
        if annotate:
            if cell.status == "scored":
                text = f"{cell.score:.2f}" + (f" (n={cell.n_scored})" if cell.n_scored > 1 else "")
                if cell.n_no_reply:
                    text += f" +{cell.n_no_reply} D"
                colour = _ink_on(cmap(norm(cell.score)))
            else:
                text, colour = ("no reply" if cell.status == "no_reply" else "insuff. info"), "#000000"
            ax.text(
                j + 0.5,
                i + 0.5,
                text,
                ha="center",
                va="center",
                fontsize="x-small",
                color=colour,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85}
                if cell.status != "scored"
                else None,
            )
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(columns)) + 0.5, [str(c) for c in columns])
    ax.set_yticks(np.arange(len(rows)) + 0.5, [str(r) for r in rows])
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel({"cycle": "Reporting cycle", "session": "Session", "year": "Year"}.get(x, x.replace("_", " ")))
    ax.set_ylabel({"iso3": "State (ISO3)", "paragraph": "Paragraph", "recommendation": "Recommendation"}.get(y, y))
    if title:
        ax.set_title(title, loc="left")
    if colorbar:
        bar = ax.figure.colorbar(mesh, ax=ax, fraction=0.04, pad=0.02, aspect=30)
        bar.set_ticks(list(SCORE_TICKS), labels=list(SCORE_TICKS.values()))
        bar.set_label("Mean grade score of the cell")
        bar.outline.set_visible(False)
    if legend:
        handles = _score_legend_handles(statuses=(*STATUSES, "corner"))
        ax.legend(
            handles=handles,
            handler_map={handles[-1]: HandlerPatch(patch_func=_draw_corner_mark)},
            loc="upper left",
            bbox_to_anchor=(0, -0.04 if len(rows) > 12 else -0.12),
            ncols=2,
            frameon=False,
            fontsize="x-small",
            handleheight=1.4,
        )
    if caption:
        add_caption(ax.figure, caption)
    return ax


def _level_label(scheme: str, grade: str, schemes: set) -> str:
    if scheme == "CAT-verbal":
        return str(grade).replace("_", " ")
    return f"{grade} ({scheme})" if len(schemes) > 1 else str(grade)


def compliance_trend(
    data: pd.DataFrame,
    *,
    x: str = "year",
    y: str = "share",
    hue: str = "grade",
    ax: Axes | None = None,
    scheme: str | None = None,
    alpha: float = 0.05,
    min_n: int | None = None,
    legend: bool = True,
    title: str | None = None,
    caption: str | None = None,
    **kwargs,
) -> Axes:
    """Share of graded paragraphs at each grade, per year (or session, cycle), with intervals.

    Each grade is a marker at its share with a vertical bar for its interval
    (:func:`torture_stats.stats.grade_shares`, Wilson by default), dodged
    within the year and joined across years by a thin line. Markers are
    coloured by the grade's score on the same map as :func:`grade_heatmap`;
    no reply and insufficient information are grey. Hollow markers: fewer
    than *min_n* graded paragraphs that year. The tick labels give n.

    Parameters
    ----------
    data : DataFrame
        The grades or grade_scores table (shares are computed), or a table
        already from :func:`torture_stats.stats.grade_shares` (with ``share``).
    x : str
        The group: ``year`` (of ``assessed_on``), ``session``, ``cycle``.
    y : str
        The share column.
    hue : str
        The grade column (its ``scheme`` is used alongside).
    ax : matplotlib Axes, optional
    scheme : str, optional
        Only the grades of this scheme (``CAT-verbal``, ``CAT-2015``), or
        ``"all"``; by default the scheme most rows are graded on, because the
        grades of different schemes are not the same categories. The x label
        says how many rows are left out.
    alpha : float
        1 - confidence level of the intervals.
    min_n : int, optional
        Smaller groups get hollow markers; ``stats.MIN_N`` by default.
    legend : bool
    title, caption : str, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    matplotlib Axes
        One ErrorbarContainer per grade in ``ax.containers``, labelled with the grade.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import PercentFormatter

    from torture_stats import stats

    min_n = stats.MIN_N if min_n is None else min_n
    left_out = other_schemes = 0
    if y in data.columns:
        shares = data
        _require(shares, (x, y, hue, "scheme", "ci_low", "ci_high", "n", "k", "score"))
    else:
        _require(data, ("paragraph", "grade", "scheme"))
        counts = data["scheme"].value_counts()
        if scheme is None and len(counts):
            scheme = sorted(counts.index, key=lambda s: (-counts[s], s))[0]
        if scheme != "all":
            if scheme not in counts.index:
                raise TortureStatsError(f"scheme={scheme!r} is not in data; use 'all' or one of {sorted(counts.index)}")
            other_schemes = int(len(data) - counts[scheme])
        rows = data if scheme == "all" else data[data["scheme"] == scheme]
        if x == "year" and "year" not in rows.columns:
            _require(rows, ("assessed_on",))
            years = rows["assessed_on"].astype("string").str.extract(r"^(\d{4})", expand=False)
            rows = rows.assign(year=pd.to_numeric(years).astype("Int64"))
        _require(rows, (x,))
        left_out = int(rows[x].isna().sum())
        rows = rows[rows[x].notna()].reset_index(drop=True)
        if rows.empty:
            raise TortureStatsError(f"data has no graded row with a value of x={x!r}")
        shares = stats.grade_shares(rows, by=x, alpha=alpha, min_n=min_n)
    shares = shares[shares[x].notna()]
    if scheme not in (None, "all"):
        shares = shares[shares["scheme"] == scheme]
    seen = shares.groupby(["scheme", hue])["k"].sum()
    levels = shares[["scheme", hue, "score"]].drop_duplicates(["scheme", hue])
    levels = levels[[seen.get((s, g), 0) > 0 for s, g in zip(levels["scheme"], levels[hue], strict=True)]]
    levels = levels.assign(_s=pd.to_numeric(levels["score"]).astype(float).fillna(-1.0))
    levels = levels.sort_values(["_s", "scheme", hue], ascending=[False, True, True], kind="stable")
    groups = sorted(shares[x].unique(), key=_natural_key)
    position = {g: i for i, g in enumerate(groups)}
    ns = shares.drop_duplicates(x).set_index(x)["n"]
    ax = ax if ax is not None else plt.gca()
    cmap = _score_cmap()
    schemes = set(levels["scheme"])
    markers = {s: m for s, m in zip(sorted(schemes), ["o", "s", "D", "^"], strict=False)}
    n_levels = len(levels)
    offsets = np.linspace(-0.34, 0.34, n_levels) if n_levels > 1 else np.zeros(1)
    for offset, level in zip(offsets, levels.itertuples(index=False), strict=True):
        grade = getattr(level, hue)
        rows = shares[(shares["scheme"] == level.scheme) & (shares[hue] == grade)]
        rows = rows.assign(_pos=rows[x].map(position)).sort_values("_pos")
        share = rows[y].astype(float).to_numpy()
        low, high = rows["ci_low"].astype(float).to_numpy(), rows["ci_high"].astype(float).to_numpy()
        if pd.isna(level.score):
            colour = "#5A5A5A" if grade == "insufficient_information" else "#9A9A9A"
            marker = "x" if grade != "insufficient_information" else "P"
        else:
            colour = cmap(float(level.score))
            marker = markers[level.scheme]
        container = ax.errorbar(
            rows["_pos"].to_numpy() + offset,
            share,
            yerr=[np.clip(share - low, 0, None), np.clip(high - share, 0, None)],
            fmt=marker,
            linestyle="none",
            elinewidth=1.0,
            capsize=0,
            markersize=4.5,
            color=colour,
            label=_level_label(level.scheme, grade, schemes),
            **kwargs,
        )
        small = (rows["n"].astype(int) < min_n).to_numpy()
        if small.any() and marker not in ("x",):
            ax.plot(
                rows["_pos"].to_numpy()[small] + offset,
                share[small],
                linestyle="none",
                marker=marker,
                markersize=2.6,
                color="white",
                zorder=container.lines[0].get_zorder() + 0.1,
            )
    ax.set_xticks(range(len(groups)), [f"{g}\nn={int(ns[g])}" for g in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("Share of graded paragraphs (95% interval)" if alpha == 0.05 else "Share of graded paragraphs")
    xlabel = {"year": "Year of assessment", "session": "Session", "cycle": "Reporting cycle"}.get(x, x)
    dropped = [f"{left_out} without a {x}"] if left_out else []
    if other_schemes:
        dropped.append(f"{other_schemes} graded on other schemes than {scheme}")
    if dropped:
        xlabel += f"\n(graded paragraphs left out: {'; '.join(dropped)})"
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left")
    if legend:
        from matplotlib.lines import Line2D

        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], marker="o", linestyle="none", color="#777777", markerfacecolor="white"))
        labels.append(f"hollow: fewer than {min_n} graded that {x}")
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="x-small")
    if caption:
        add_caption(ax.figure, caption)
    return ax


def trajectory_points(
    data: pd.DataFrame, *, x: str = "cycle", y: str = "score_mean", hue: str = "iso3"
) -> pd.DataFrame:
    """Per State (*hue*) and cycle (*x*): the mean of the recommendations' scores.

    Parameters
    ----------
    data : DataFrame
        The recommendation_scores table (the grades table is aggregated first
        with :func:`torture_stats.grading.recommendation_scores`).
    x, y, hue : str
        Cycle, score and State columns.

    Returns
    -------
    DataFrame
        One row per State and cycle:

        - the *hue* and *x* columns.
        - *y*: mean over the recommendations with a score; empty where none has one.
        - ``n_recommendations``: recommendations graded.
        - ``n_scored``: those with a score.
        - ``n_no_reply``: those with no score and at least one no-reply sub-limb.
    """
    if y not in data.columns:
        from torture_stats.grading import recommendation_scores

        _require(data, ("paragraph", "grade", "scheme"))
        data = recommendation_scores(data)
    _require(data, (x, y, hue))
    frame = data[data[x].notna() & data[hue].notna()]
    score = pd.to_numeric(frame[y], errors="coerce").astype(float)
    not_engaged = (
        pd.to_numeric(frame["n_not_engaged"], errors="coerce").fillna(0).astype(int) > 0
        if "n_not_engaged" in frame
        else pd.Series(False, index=frame.index)
    )
    frame = frame.assign(_score=score, _no_reply=score.isna() & not_engaged)
    rows = []
    for (h, xv), group in frame.groupby([hue, x], sort=True):
        scored = group["_score"].dropna()
        rows.append(
            {
                hue: h,
                x: xv,
                y: float(scored.mean()) if len(scored) else float("nan"),
                "n_recommendations": len(group),
                "n_scored": len(scored),
                "n_no_reply": int(group["_no_reply"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=[hue, x, y, "n_recommendations", "n_scored", "n_no_reply"])


#: how far apart (in cycles) the points of States that share a cycle and score are drawn
_DODGE = 0.07


def _dodge(points: pd.DataFrame, *, hue: str, y: str):
    """Sideways offsets that keep the points of different States apart where they share a cycle and score."""
    import numpy as np

    offsets = np.zeros(len(points))
    same_place = points.groupby(["_pos", points[y].astype(float).round(2)], sort=False).indices
    for members in same_place.values():
        if len(members) > 1:
            order = np.argsort(points[hue].to_numpy()[members], kind="stable")
            offsets[members[order]] = (np.arange(len(members)) - (len(members) - 1) / 2) * _DODGE
    return offsets


def _has_neighbour(points: pd.DataFrame, position: float, value: float, y: str) -> bool:
    """Whether any of *points* lies within half a cycle and 0.06 of a score of (*position*, *value*)."""
    near = (points["_pos"] - position).abs().le(0.5) & (points[y].astype(float) - value).abs().le(0.06)
    return bool(near.any())


def state_trajectories(
    data: pd.DataFrame,
    *,
    x: str = "cycle",
    y: str = "score_mean",
    hue: str = "iso3",
    ax: Axes | None = None,
    highlight: list[str] | None = None,
    show_recommendations: bool = True,
    legend: bool = True,
    title: str | None = None,
    caption: str | None = None,
    **kwargs,
) -> Axes:
    """Each State's mean recommendation score, cycle by cycle.

    States graded in two or more cycles (or those in *highlight*) are
    coloured lines labelled at their last cycle, with their recommendations
    as small dots; the other States are grey dots, spread sideways within
    their cycle. Recommendations with no reply sit in a separate band under
    the scale, never at 0.

    Parameters
    ----------
    data : DataFrame
        The recommendation_scores table.
    x, y, hue : str
        Cycle, score and State columns.
    ax : matplotlib Axes, optional
    highlight : list of str, optional
        States to draw as lines; by default those graded in two or more cycles.
    show_recommendations : bool
        Draw the recommendation scores of the highlighted States as small dots.
    legend : bool
    title, caption : str, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the State lines.

    Returns
    -------
    matplotlib Axes
        One Line2D per highlighted State, labelled with it (``ax.get_legend_handles_labels``);
        its data are the rows of :func:`trajectory_points`.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.lines import Line2D

    points = trajectory_points(data, x=x, y=y, hue=hue)
    if points.empty:
        raise TortureStatsError(f"data has no row with both {x!r} and {hue!r}; nothing to draw")
    if y not in data.columns:
        from torture_stats.grading import recommendation_scores

        data = recommendation_scores(data)
    ax = ax if ax is not None else plt.gca()
    cycles = sorted(points[x].unique(), key=_natural_key)
    position = {c: i for i, c in enumerate(cycles)}
    scored = points[points[y].notna()]
    if highlight is None:
        counts = scored.groupby(hue)[x].nunique()
        highlight = sorted(counts[counts >= 2].index)
    else:
        unknown = [h for h in highlight if h not in set(points[hue])]
        if unknown:
            raise TortureStatsError(
                f"highlight={list(highlight)!r}: {unknown} not in data; have {sorted(set(points[hue]))}"
            )
    no_reply_y = -0.16
    others = scored[~scored[hue].isin(highlight)]
    for cycle, group in others.groupby(x, sort=False):
        group = group.sort_values([y, hue])
        spread = np.linspace(-0.25, 0.25, len(group)) if len(group) > 1 else np.zeros(1)
        ax.scatter(
            position[cycle] + spread,
            group[y].astype(float),
            s=14,
            color="#A8A8A8",
            edgecolor="white",
            linewidth=0.4,
            zorder=2,
        )
    lines = scored[scored[hue].isin(highlight)].assign(_pos=lambda f: f[x].map(position).astype(float))
    lines["_pos"] += _dodge(lines, hue=hue, y=y)
    for i, state in enumerate(highlight):
        colour = _STATE_COLOURS[i % len(_STATE_COLOURS)]
        rows = lines[lines[hue] == state].sort_values("_pos")
        if show_recommendations:
            recs = data[(data[hue] == state) & data[y].notna() & data[x].notna()]
            offsets = (np.arange(len(recs)) % 5 - 2) * 0.035
            ax.scatter(
                recs[x].map(position).to_numpy(dtype=float) + offsets,
                recs[y].astype(float),
                s=9,
                color=colour,
                alpha=0.45,
                linewidth=0,
                zorder=3,
            )
        cycles_text = ", ".join(str(c) for c in rows[x])
        ax.plot(
            rows["_pos"],
            rows[y].astype(float),
            marker="o",
            markersize=5,
            linewidth=1.6,
            color=colour,
            label=f"{state} (cycles {cycles_text})",
            zorder=4,
            **kwargs,
        )
        if len(rows):
            last = rows.iloc[-1]
            # a label to the right of the last point would sit on another State's line starting there: put it above
            crowded = _has_neighbour(lines[lines[hue] != state], float(last["_pos"]), float(last[y]), y)
            ax.annotate(
                state,
                (last["_pos"], float(last[y])),
                xytext=(0, 7) if crowded else (6, 0),
                textcoords="offset points",
                ha="center" if crowded else "left",
                va="bottom" if crowded else "center",
                fontsize="small",
                color=colour,
                fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
                zorder=5,
            )
    no_reply = data
    if "n_not_engaged" in data.columns:
        no_reply = data[data[y].isna() & (pd.to_numeric(data["n_not_engaged"], errors="coerce").fillna(0) > 0)]
        no_reply = no_reply[no_reply[x].notna()]
    else:
        no_reply = data.iloc[0:0]
    if len(no_reply):
        ax.scatter(
            no_reply[x].map(position).astype(float),
            [no_reply_y] * len(no_reply),
            marker="x",
            color="#5A5A5A",
            s=20,
            zorder=3,
        )
    ax.axhspan(no_reply_y - 0.06, no_reply_y + 0.06, color="#F2F2F2", zorder=0)
    ax.set_yticks([no_reply_y, 0, 0.25, 0.5, 0.75, 1.0], ["no reply", "0", "0.25", "0.5", "0.75", "1"])
    ax.set_ylim(no_reply_y - 0.08, 1.06)
    ax.set_xticks(range(len(cycles)), [str(c) for c in cycles])
    ax.set_xlim(-0.5, len(cycles) - 0.5)
    ax.set_xlabel({"cycle": "Reporting cycle"}.get(x, x))
    ax.set_ylabel("Mean score of the State's\nfollow-up recommendations (0–1)")
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left")
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        if len(others):
            handles.append(Line2D([], [], marker="o", linestyle="none", color="#A8A8A8"))
            labels.append(f"other States ({others[hue].nunique()}), one dot per State and cycle")
        if show_recommendations and highlight:
            handles.append(Line2D([], [], marker="o", linestyle="none", color="#555555", alpha=0.45, markersize=3))
            labels.append("small dots: single recommendations")
        handles.append(Line2D([], [], marker="x", linestyle="none", color="#5A5A5A"))
        labels.append("no reply: non-engagement, off the scale")
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="x-small")
    if caption:
        add_caption(ax.figure, caption)
    return ax


_YEAR_BASIS_WORDS = {
    "period_end": "year stated",
    "period_start": "year stated",
    "reply_date": "year of the State's reply",
    "doc_date": "year of the document",
}


def _staff_noun(measure: str, count: float = 2) -> str:
    words = measure.replace("_", " ")
    if count == 1:
        return words + " member" if words.endswith("staff") else words.removesuffix("s")
    return words


def _staff_colours(measures) -> dict[str, str]:
    return {m: _STAFF_COLOURS[i % len(_STAFF_COLOURS)] for i, m in enumerate(dict.fromkeys(measures))}


def staffing_composition(
    data: pd.DataFrame,
    *,
    x: str = "share_pct",
    y: str = "iso3",
    hue: str = "measure",
    ax: Axes | None = None,
    legend: bool = True,
    title: str | None = None,
    caption: str | None = None,
    **kwargs,
) -> Axes:
    """Staff by category as shares of their total: one stacked bar per State, year and total.

    Each bar is labelled with its State, the year of the staff count (and
    where that year came from) and the total it divides by (stated, or the
    sum of the categories). Each segment shows its count and share. A
    category reported as a ratio ("one psychologist per institution") is not
    a share of the total and is listed under the bars instead.

    Parameters
    ----------
    data : DataFrame
        The staffing table.
    x : str
        The share column (percent of the total).
    y : str
        The State column.
    hue : str
        The staff category column.
    ax : matplotlib Axes, optional
    legend : bool
    title, caption : str, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib Axes
        One bar patch per category and total, its width the share in percent.
    """
    import matplotlib.pyplot as plt

    _require(data, (x, y, hue, "year", "value", "per", "total_measure", "total_value", "total_basis"))
    is_part = (
        data["total_measure"].notna() & data["per"].isna() & (data[hue] != data["total_measure"]) & data[x].notna()
    )
    parts = data[is_part]
    if parts.empty:
        raise TortureStatsError(f"data has no staff category with a share ({x!r}) of a total; nothing to draw")
    ax = ax if ax is not None else plt.gca()
    colours = _staff_colours(parts[hue])
    keys = parts[[y, "year", "total_measure"]].drop_duplicates()
    keys = keys.sort_values([y, "year", "total_measure"], kind="stable").itertuples(index=False)
    labels, seen, notes = [], set(), []
    for i, key in enumerate(keys):
        iso3, year, total_measure = key
        bar = parts[(parts[y] == iso3) & (parts["year"] == year) & (parts["total_measure"] == total_measure)]
        first = bar.iloc[0]
        left = 0.0
        for row in bar.itertuples(index=False):
            measure, share, count = getattr(row, hue), float(getattr(row, x)), float(row.value)
            ax.barh(
                i,
                share,
                left=left,
                height=0.55,
                color=colours[measure],
                edgecolor="white",
                linewidth=0.8,
                label=measure_label(measure) if measure not in seen else None,
                **kwargs,
            )
            seen.add(measure)
            text = f"{count:,.0f}\n{share:.1f}%"
            if share >= 12:
                ax.text(
                    left + share / 2,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color=_ink_on(plt.matplotlib.colors.to_rgba(colours[measure])),
                )
            else:
                ax.text(
                    left + share / 2,
                    i - 0.3,
                    f"{count:,.0f} ({share:.1f}%)",
                    ha="center",
                    va="bottom",
                    fontsize="x-small",
                    color="#333333",
                )
            left += share
        basis = "stated total" if first["total_basis"] == "stated" else "sum of the categories"
        when = _YEAR_BASIS_WORDS.get(first.get("year_basis"), "") if "year_basis" in bar else ""
        labels.append(
            f"{iso3} · {year}"
            + (f" ({when})" if when else "")
            + f"\nof {float(first['total_value']):,.0f} {measure_label(total_measure).lower()} ({basis})"
        )
        ratios = data[(data[y] == iso3) & (data["year"] == year) & data["per"].notna()]
        for row in ratios.itertuples(index=False):
            notes.append(
                f"{iso3} {year}: {measure_label(getattr(row, hue)).lower()} reported as {float(row.value):g} per "
                f"{row.per}, a ratio, not a count: not in the shares"
            )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5 + (0.45 * len(notes) if notes else 0), -0.75)
    for j, note in enumerate(notes):
        ax.text(
            0.8,
            len(labels) - 0.45 + 0.45 * j,
            note,
            ha="left",
            va="top",
            fontsize="x-small",
            color=PALETTE["vermillion"],
        )
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of the total (%)")
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title, loc="left", pad=18 if legend else 6)
    if legend:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(colours), frameon=False, fontsize="x-small")
    if caption:
        add_caption(ax.figure, caption)
    return ax


RATIO_COLUMNS = {"prisoners_per_staff": "Prisoners per staff member", "per_1000_prisoners": "Staff per 1,000 prisoners"}


def staffing_ratios(
    data: pd.DataFrame,
    *,
    x: str = "prisoners_per_staff",
    y: str = "iso3",
    hue: str = "measure",
    measures: tuple[str, ...] | list[str] = ("doctors", "psychologists"),
    ax: Axes | None = None,
    title: str | None = None,
    caption: str | None = None,
    **kwargs,
) -> Axes:
    """Prisoners per doctor (or psychologist, …) across States, each ratio naming its denominator.

    One bar per State, year and category. Each bar is labelled with the
    ratio and how it was made: the staff count and its year, divided into
    the prison population, its year and the site it comes from; a
    population from another year than the staff count is said in
    vermillion. A category with no ratio (reported as "1 per institution",
    or no prison population) gets a row that says why, with no bar.

    Parameters
    ----------
    data : DataFrame
        The staffing table.
    x : {"prisoners_per_staff", "per_1000_prisoners"}
        The ratio.
    y, hue : str
        The State and staff-category columns.
    measures : sequence of str
        Staff categories to show, in order.
    ax : matplotlib Axes, optional
    title, caption : str, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib Axes
        One bar patch per category with a ratio, top to bottom in the order of the y tick labels.
    """
    from urllib.parse import urlparse

    import matplotlib.pyplot as plt

    if x not in RATIO_COLUMNS:
        raise TortureStatsError(f"x={x!r} is not allowed; use one of {sorted(RATIO_COLUMNS)}")
    _require(data, (x, y, hue, "year", "value", "per", "prisoners", "prisoners_year", "prisoners_source"))
    rows = data[data[hue].isin(list(measures))]
    if rows.empty:
        raise TortureStatsError(
            f"measures={list(measures)!r}: no such staff category in data; have {sorted(data[hue].dropna().unique())}"
        )
    rank = {m: i for i, m in enumerate(measures)}
    rows = rows.assign(_rank=rows[hue].map(rank)).sort_values([y, "year", "_rank"], kind="stable")
    ax = ax if ax is not None else plt.gca()
    colours = _staff_colours(measures)
    ratios = pd.to_numeric(rows[x], errors="coerce")
    vmax = float(ratios.max()) if ratios.notna().any() else 1.0
    labels = []
    for i, row in enumerate(rows.itertuples(index=False)):
        measure = getattr(row, hue)
        labels.append(f"{getattr(row, y)} · {measure_label(measure)} · {row.year}")
        ratio = getattr(row, x)
        if pd.notna(row.per):
            ax.text(
                0,
                i,
                f"  no ratio: reported as {float(row.value):g} {_staff_noun(measure, 1)} per {row.per}, not a count",
                va="center",
                fontsize="x-small",
                color=PALETTE["vermillion"],
            )
            continue
        if pd.isna(ratio):
            ax.text(
                0,
                i,
                f"  no ratio: no prison population for {getattr(row, y)}",
                va="center",
                fontsize="x-small",
                color=PALETTE["vermillion"],
            )
            continue
        ratio = float(ratio)
        ax.barh(i, ratio, height=0.5, color=colours[measure], **kwargs)
        unit = (
            f"prisoners per {_staff_noun(measure, 1)}"
            if x == "prisoners_per_staff"
            else (f"{_staff_noun(measure)} per 1,000 prisoners")
        )
        site = urlparse(str(row.prisoners_source)).netloc.removeprefix("www.") or str(row.prisoners_source)
        how = (
            f"{float(row.value):,.0f} {_staff_noun(measure, float(row.value))} ({row.year}) and "
            f"{float(row.prisoners):,.0f} prisoners ({row.prisoners_year}, {site})"
        )
        ax.text(ratio + vmax * 0.02, i - 0.1, f"{ratio:,.1f} {unit}", va="bottom", fontsize="small")
        ax.text(ratio + vmax * 0.02, i + 0.08, how, va="top", fontsize="x-small", color="#444444")
        gap = int(row.prisoners_year) - int(row.year) if pd.notna(row.prisoners_year) and pd.notna(row.year) else 0
        if gap:
            ax.text(
                ratio + vmax * 0.02,
                i + 0.36,
                f"prison population {abs(gap)} years {'older' if gap < 0 else 'newer'} than the staff count",
                va="top",
                fontsize="x-small",
                color=PALETTE["vermillion"],
            )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.35, -0.6)
    ax.set_xlim(0, vmax * 2.6)
    ax.set_xlabel(RATIO_COLUMNS[x])
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title, loc="left")
    if caption:
        add_caption(ax.figure, caption)
    return ax


# --- source captions -----------------------------------------------------------------------------------------------


def source_line(documents: pd.DataFrame, doc_id: str) -> str:
    """One document in words: ``CAT follow-up letter to Kazakhstan, 2024-10-10 (doc 40412291558c)``.

    A curated table is named by its file, with the note that each of its rows
    cites a public source.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["e1e81cfb98fa"], "source": ["data/raw/curated/grades.csv"],
    ...     "kind": ["curated"], "treaty": [None], "state": [None], "doc_date": [None]})
    >>> source_line(docs, "e1e81cfb98fa")
    'curated grades from public sources (grades.csv, doc e1e81cfb98fa; each row cites its source URL)'
    """
    _require(documents, ("doc_id", "source", "kind"), "documents")
    hits = documents.loc[documents["doc_id"] == doc_id]
    if hits.empty:
        raise TortureStatsError(f"doc_id={doc_id!r} is not in the documents table")
    row = hits.iloc[0]
    if row["kind"] == "curated":
        name = str(row["source"]).rsplit("/", 1)[-1]
        what = name.removesuffix(".csv").replace("_", " ")
        return f"curated {what} from public sources ({name}, doc {doc_id}; each row cites its source URL)"
    kind = str(row["kind"]).replace("followup", "follow-up").replace("_", " ") if pd.notna(row["kind"]) else "document"
    treaty = f"{row['treaty']} " if pd.notna(row.get("treaty")) else ""
    state = f" to {row['state']}" if pd.notna(row.get("state")) else ""
    date = f", {row['doc_date']}" if pd.notna(row.get("doc_date")) else ""
    return f"{treaty}{kind}{state}{date} (doc {doc_id})"


def source_caption(documents: pd.DataFrame, doc_ids, *, note: str | None = None) -> str:
    """``Source: …`` naming every document behind a chart, then *note* (the method, in words).

    Parameters
    ----------
    documents : DataFrame
        The documents table.
    doc_ids : iterable of str
        The ``doc_id`` of the rows drawn; empty values are skipped.
    note : str, optional
        A sentence appended after the sources.
    """
    ids = sorted({str(d) for d in doc_ids if d is not None and not pd.isna(d)})
    if not ids:
        raise TortureStatsError("doc_ids is empty: a chart needs at least one source document")
    text = "Source: " + "; ".join(source_line(documents, d) for d in ids) + "."
    return f"{text} {note}" if note else text


def add_caption(fig: Figure, caption: str, *, fontsize: float = 6.5) -> object:
    """Print *caption* under the figure, wrapped to its width, and lay the figure out above it.

    Call it last: it runs ``fig.tight_layout`` with room kept for the caption.
    Returns the Text (its gid is ``"source-caption"``).
    """
    import textwrap
    import warnings

    width_in, height_in = fig.get_size_inches()
    chars = max(40, int((width_in * 72 - 12) / (fontsize * 0.56)))
    wrapped = "\n".join(textwrap.fill(part, chars) for part in str(caption).split("\n"))
    lines = wrapped.count("\n") + 1
    room = (lines * fontsize * 1.25 + 8) / 72 / height_in
    text = fig.text(0.01, 0.008, wrapped, ha="left", va="bottom", fontsize=fontsize, color="#555555")
    text.set_gid("source-caption")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout(rect=(0, min(room, 0.5), 1, 1))
    return text
