"""From reported figures to comparable numbers: attrition chains first."""

from __future__ import annotations

import itertools
import re

import pandas as pd

from torture_stats import schema, vocab
from torture_stats.errors import TortureStatsError

_DOC_SEPARATOR = "\x1f"
CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "beta": "beta"}


def _stage_number(stage: str) -> int:
    return int(re.match(r"\d+", stage).group(0))


def _is_exit(stage: str) -> bool:
    return stage.endswith("x")


def attrition_steps(figures: pd.DataFrame, *, ci_method: str = "wilson", alpha: float = 0.05) -> pd.DataFrame:
    """Every step of every attrition chain, with its retained proportion.

    Parameters
    ----------
    figures : DataFrame
        The figures table; rows with a ``chain`` and a ``stage`` are used.
    ci_method : {"wilson", "clopper-pearson"}
        Interval for the proportion (statsmodels ``proportion_confint``).
    alpha : float
        1 - confidence level.

    Returns
    -------
    DataFrame
        The attrition table (``schema.ATTRITION``): ``doc_id, chain, iso3, cycle,
        step, from_measure, to_measure, from_stage, to_stage, is_exit,
        from_value, to_value, unit_from, unit_to, rate, ci_low, ci_high,
        ci_method, comparable, flag``.

    Notes
    -----
    Figures of one measure and stage within a chain (35 convictions for
    torture and 6 for other crimes) are added up. Main stages follow one
    another in order; an exit (stage ``3x``, ``6x``) branches from the
    measure it is a part of (``vocab/measure_parts.csv``), else from the
    nearest main stage before it. A step is comparable when both counts are
    in the same unit, are exact, and the later does not exceed the earlier;
    only then does it get a rate and an interval. A later count larger than
    an earlier one in the same unit is flagged ``non_monotonic``; a change of
    unit is flagged ``unit_change``.

    Examples
    --------
    >>> figs = pd.DataFrame({"chain": ["c", "c"], "iso3": ["KAZ", "KAZ"], "cycle": [4, 4],
    ...     "measure": ["investigations_opened", "cases_sent_to_court"], "stage": ["3", "4"],
    ...     "value": [450.0, 4.0], "unit": ["cases", "cases"], "bound": ["exact", "exact"]})
    >>> round(attrition_steps(figs)["rate"].iloc[0], 4)
    0.0089
    """
    if ci_method not in CI_METHODS:
        raise TortureStatsError(f"ci_method={ci_method!r} is not allowed; use one of {sorted(CI_METHODS)}")
    chained = figures[figures["chain"].notna() & figures["stage"].notna()]
    # chain ids are numbered within a document (KAZ-4-14(a)-1), so two documents on one paragraph share them:
    # a chain is its document and its id
    doc_ids = chained["doc_id"] if "doc_id" in chained else pd.Series(pd.NA, index=chained.index, dtype="string")
    chained = chained.assign(
        chain=doc_ids.astype("string").fillna("") + _DOC_SEPARATOR + chained["chain"].astype("string")
    )
    first_rows = chained.drop_duplicates("chain").set_index("chain")
    rows = []
    for key, nodes in _chain_nodes(chained).items():
        first = first_rows.loc[key]
        doc_id, chain = key.split(_DOC_SEPARATOR, 1)
        for step, (a, b) in enumerate(_chain_pairs(nodes), start=1):
            same_unit = a["unit"] == b["unit"]
            exact = a["exact"] and b["exact"]
            monotonic = b["value"] <= a["value"]
            comparable = same_unit and exact and monotonic and a["value"] > 0
            flag = None if same_unit else "unit_change"
            if same_unit and not monotonic:
                flag = "non_monotonic"
            rows.append(
                {
                    "doc_id": doc_id or None,
                    "chain": chain,
                    "iso3": first["iso3"],
                    "cycle": first["cycle"],
                    "step": step,
                    "from_measure": a["measure"],
                    "to_measure": b["measure"],
                    "from_stage": a["stage"],
                    "to_stage": b["stage"],
                    "is_exit": _is_exit(b["stage"]),
                    "from_value": a["value"],
                    "to_value": b["value"],
                    "unit_from": a["unit"],
                    "unit_to": b["unit"],
                    "comparable": comparable,
                    "flag": flag,
                }
            )
    frame = pd.DataFrame(rows) if rows else schema.empty_frame("attrition")
    comparable = frame["comparable"].to_numpy(dtype=bool)
    if comparable.any():
        from statsmodels.stats.proportion import proportion_confint  # imported only when there is a rate to bound

        # one call for all steps: the interval is computed element by element, as it was one step at a time
        counts = frame.loc[comparable, ["to_value", "from_value"]].to_numpy(dtype=float).astype(int)
        low, high = proportion_confint(counts[:, 0], counts[:, 1], alpha=alpha, method=CI_METHODS[ci_method])
        frame.loc[comparable, "rate"] = frame.loc[comparable, "to_value"] / frame.loc[comparable, "from_value"]
        frame.loc[comparable, "ci_low"] = low
        frame.loc[comparable, "ci_high"] = high
        frame.loc[comparable, "ci_method"] = ci_method
    return schema.conform(frame, "attrition")


def _chain_nodes(chained: pd.DataFrame) -> dict[object, list[dict]]:
    """Per chain (in sorted order), one node per (measure, stage), counts of one measure added up.

    Nodes are in stage order, exits after the main stage of their number.
    """
    chained = chained[chained["measure"].notna()]  # as a groupby leaves them out
    if chained.empty:
        return {}
    unit, value, bound = chained["unit"], chained["value"], chained["bound"]
    keys = [chained["chain"], chained["measure"], chained["stage"]]
    units = unit.groupby(keys, sort=False)
    nodes = pd.DataFrame(
        {
            # each node's Series added up as the per-chain version added it (a groupby sum compensates)
            "value": value.groupby(keys, sort=False).agg(lambda values: float(values.sum())),
            "unit": units.first().astype(object).where(units.nunique() == 1, None),
            "exact": (bound == "exact").groupby(keys, sort=False).all(),
            "parts": units.size(),
        }
    )
    by_chain: dict[object, list[dict]] = {}
    for (chain, measure, stage), node in zip(nodes.index, nodes.to_dict("records"), strict=True):
        by_chain.setdefault(chain, []).append({"measure": measure, "stage": stage, **node})
    return {
        chain: sorted(by_chain[chain], key=lambda n: (_stage_number(n["stage"]), _is_exit(n["stage"])))
        for chain in pd.Index(list(by_chain)).sort_values()
    }


def _chain_pairs(nodes: list[dict]) -> list[tuple[dict, dict]]:
    """The steps of one chain: each main stage to the next, and each exit from its parent, in stage order."""
    main = [n for n in nodes if not _is_exit(n["stage"])]
    exits = [n for n in nodes if _is_exit(n["stage"])]
    pairs = list(itertools.pairwise(main))
    for node in exits:
        parent_measure = vocab.measure_parent().get(node["measure"])
        parent = next((m for m in main if m["measure"] == parent_measure), None)
        if parent is None:
            earlier = [m for m in main if _stage_number(m["stage"]) <= _stage_number(node["stage"])]
            parent = earlier[-1] if earlier else None
        if parent is not None:
            pairs.append((parent, node))
    pairs.sort(key=lambda p: (_stage_number(p[0]["stage"]), _stage_number(p[1]["stage"]), _is_exit(p[1]["stage"])))
    return pairs
