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
    heights = [max(1.2, 0.42 * len(_chain_nodes(data[data["chain"] == c])) + 0.7) for c in chains]
    with plt.rc_context(theme(column)):
        fig, axes = plt.subplots(
            len(chains),
            1,
            figsize=(WIDTHS[column], sum(heights) + 0.6),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
        )
        for ax, chain in zip(axes[:, 0], chains, strict=True):
            attrition_funnel(data, chain=chain, ax=ax, title=_chain_title(chain, figures), legend=False)
        for ax in axes[:-1, 0]:
            ax.set_xlabel("")
        main_units = [*data["unit_from"], *data.loc[~data["is_exit"].astype(bool), "unit_to"]]
        handles = legend_handles(main_units, has_exit=bool(data["is_exit"].any()))
        fig.legend(handles=handles, loc="upper right", ncols=len(handles), frameon=False, fontsize=7)
        if caption:
            fig.text(0.01, 0.005, caption, ha="left", va="bottom", fontsize=6.5, color="#555555", wrap=True)
        fig.tight_layout(rect=(0, 0.05 if caption else 0, 1, 0.96))
    return fig


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
