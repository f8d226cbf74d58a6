"""Shares with intervals, an ordinal model and a trend test of grades, comparisons across States.

Every function takes DataFrames and returns a new DataFrame whose columns are
listed in its docstring, except :func:`ordinal_trend_model`, which returns the
statsmodels results object unchanged. statsmodels is imported inside the
functions, so ``import torture_stats`` does not load it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from torture_stats import vocab
from torture_stats.errors import SchemaError, TortureStatsError
from torture_stats.grading import grade_scores
from torture_stats.schema_derived import require_columns

logger = logging.getLogger(__name__)

#: below this many observations a group is flagged as too small for a claim
MIN_N = 10

CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "beta": "beta"}


def _scored(grades: pd.DataFrame) -> pd.DataFrame:
    """grade_scores(grades), plus ``year`` (of assessed_on) where the input has none."""
    require_columns(grades, ("paragraph", "grade", "scheme"), "grades")
    out = grade_scores(grades)
    extra = [c for c in grades.columns if c not in out.columns]
    out = pd.concat([out, grades[extra].reset_index(drop=True)], axis=1)
    if "year" not in out.columns:
        years = out["assessed_on"].astype("string").str.extract(r"^(\d{4})", expand=False)
        out["year"] = pd.to_numeric(years).astype("Int64")
    return out


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], argument: str) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{argument}={columns!r}: no column(s) {missing}; allowed: {sorted(map(str, frame.columns))} "
            "(year is derived from assessed_on)"
        )
    return columns


def _label(keys: list[str], values: tuple) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


def _small(n: int, min_n: int, what: str) -> str | None:
    if n < min_n:
        note = f"{what}: n = {n} < {min_n}, too small for a claim"
        logger.warning(note)
        return note
    return None


def grade_shares(
    grades: pd.DataFrame,
    *,
    by: str | Sequence[str] = ("iso3", "cycle"),
    alpha: float = 0.05,
    ci_method: str = "wilson",
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Share of graded recommendations at each grade, per group, with intervals.

    Parameters
    ----------
    grades : DataFrame
        The grades table (``paragraph, grade, scheme`` and the columns of *by*).
    by : str or list of str
        Grouping columns: ``("iso3", "cycle")`` for one State across cycles,
        ``"session"`` or ``"year"`` (the year of ``assessed_on``) across
        States.
    alpha : float
        1 - confidence level of the intervals.
    ci_method : {"wilson", "clopper-pearson"}
        Interval for a proportion (statsmodels ``proportion_confint``).
    min_n : int
        Groups with fewer graded rows are flagged (``is_small_group``) and
        logged as a warning.

    Returns
    -------
    DataFrame
        One row per group and grade of the schemes seen in the group
        (grades not given in the group are rows with ``k = 0``):

        - the *by* columns: the group.
        - ``scheme, grade``: the grade.
        - ``score``: its score on the common 0-1 scale (empty for no reply).
        - ``engages``: false for no reply.
        - ``k``: graded rows at this grade.
        - ``n``: graded rows in the group, no-reply grades included.
        - ``share``: k / n.
        - ``ci_low, ci_high``: the interval for share.
        - ``ci_method``: the interval's name.
        - ``is_small_group``: n < min_n.
        - ``note``: why the group is too small, in words.

    Notes
    -----
    The unit is the graded row (a sub-limb such as 14(a)). No-reply grades
    are a grade like any other here, so shares of a group add up to 1 and
    non-engagement shows as its own share.

    Examples
    --------
    >>> g = pd.DataFrame({"iso3": "KAZ", "cycle": 4, "paragraph": ["14(a)", "24(a)", "28", "44"],
    ...     "grade": ["B2", "C", "C", "B2"], "scheme": "CAT-2015"})
    >>> out = grade_shares(g)
    >>> out.loc[out["grade"] == "C", ["k", "n", "share"]].to_numpy().tolist()
    [[2, 4, 0.5]]
    """
    if ci_method not in CI_METHODS:
        raise TortureStatsError(f"ci_method={ci_method!r} is not allowed; use one of {sorted(CI_METHODS)}")
    if not 0 < alpha < 1:
        raise TortureStatsError(f"alpha={alpha!r} is not allowed; give a number between 0 and 1")
    from statsmodels.stats.proportion import proportion_confint

    scored = _scored(grades)
    keys = _check_columns(scored, by, "by")
    scales = vocab.grade_scales()
    rows = []
    for group_key, group in scored.groupby(keys, sort=True, dropna=False):
        group_key = group_key if isinstance(group_key, tuple) else (group_key,)
        n = len(group)
        note = _small(n, min_n, f"grades of {_label(keys, group_key)}")
        levels = scales[scales["scheme"].isin(group["scheme"].unique())][["scheme", "grade", "score", "engages"]]
        seen = group[["scheme", "grade"]].drop_duplicates()
        unknown = seen.merge(levels[["scheme", "grade"]], how="left", indicator=True)
        levels = pd.concat([levels, unknown.loc[unknown["_merge"] == "left_only", ["scheme", "grade"]]])
        counts = group.groupby(["scheme", "grade"]).size()
        for level in levels.itertuples(index=False):
            k = int(counts.get((level.scheme, level.grade), 0))
            low, high = proportion_confint(k, n, alpha=alpha, method=CI_METHODS[ci_method])
            rows.append(
                {
                    **dict(zip(keys, group_key, strict=True)),
                    "scheme": level.scheme,
                    "grade": level.grade,
                    "score": level.score,
                    "engages": level.engages,
                    "k": k,
                    "n": n,
                    "share": k / n,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "ci_method": ci_method,
                    "is_small_group": n < min_n,
                    "note": note,
                }
            )
    columns = [*keys, "scheme", "grade", "score", "engages", "k", "n", "share", "ci_low", "ci_high", "ci_method"]
    out = pd.DataFrame(rows, columns=[*columns, "is_small_group", "note"])
    return out.astype(
        {
            "score": "Float64",
            "engages": "boolean",
            "k": "Int64",
            "n": "Int64",
            "share": "Float64",
            "ci_low": "Float64",
            "ci_high": "Float64",
            "is_small_group": "boolean",
            "note": "string",
        }
    )


def _ordinal_data(grades: pd.DataFrame, time: str) -> pd.DataFrame:
    scored = _scored(grades)
    _check_columns(scored, [time], "time")
    data = scored[scored["score"].notna() & scored[time].notna()]
    return data.assign(score=data["score"].astype(float), **{time: data[time].astype(float)})


def ordinal_trend_model(grades: pd.DataFrame, *, time: str = "cycle", distr: str = "logit", min_n: int = MIN_N):
    """An ordinal (proportional-odds) model of the grade's score on time.

    Parameters
    ----------
    grades : DataFrame
        The grades table (``paragraph, grade, scheme`` and the *time* column).
    time : str
        ``cycle``, ``session``, ``year`` (of ``assessed_on``) or another
        numeric column.
    distr : {"logit", "probit"}
        Link of the ordinal model.
    min_n : int
        Fewer scored rows than this are logged as a warning.

    Returns
    -------
    statsmodels OrderedResults
        The results of ``OrderedModel(score, time).fit(method="bfgs")``,
        unchanged: ``params`` holds the slope on *time* (named *time*) and the
        thresholds; ``summary()`` and ``conf_int()`` work as usual.

    Raises
    ------
    TortureStatsError
        When *distr* is not allowed, or the scored rows have fewer than two
        score levels or fewer than two distinct values of *time*.

    Notes
    -----
    The outcome is the score on the common 0-1 scale as an ordered category;
    rows without a score (no reply, insufficient information) are left out,
    because non-engagement is not a low grade.
    """
    if distr not in ("logit", "probit"):
        raise TortureStatsError(f"distr={distr!r} is not allowed; use 'logit' or 'probit'")
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    data = _ordinal_data(grades, time)
    levels = sorted(data["score"].unique())
    times = data[time].unique()
    if len(levels) < 2 or len(times) < 2:
        raise TortureStatsError(
            f"grades: an ordinal model needs at least two score levels and two values of time={time!r}; "
            f"the scored rows have levels {levels} and {time} values {sorted(times)}"
        )
    _small(len(data), min_n, f"ordinal model of score on {time}")
    endog = pd.Series(pd.Categorical(data["score"], categories=levels, ordered=True), name="score")
    exog = data[[time]].reset_index(drop=True)
    return OrderedModel(endog, exog, distr=distr).fit(method="bfgs", disp=False)


def _scores_for(levels: list, given: Mapping | Sequence | None, argument: str) -> np.ndarray:
    if given is None:
        return np.asarray(levels, dtype=float)
    if isinstance(given, Mapping):
        missing = [lv for lv in levels if lv not in given]
        if missing:
            raise TortureStatsError(f"{argument}: no score for level(s) {missing}; give one for each of {levels}")
        return np.asarray([given[lv] for lv in levels], dtype=float)
    values = np.asarray(list(given), dtype=float)
    if len(values) != len(levels):
        raise TortureStatsError(
            f"{argument} has {len(values)} scores; give one per level, in order, for the levels {levels}"
        )
    return values


def ordinal_trend_test(
    grades: pd.DataFrame,
    *,
    time: str = "cycle",
    by: str | Sequence[str] | None = None,
    row_scores: Mapping | Sequence | None = None,
    col_scores: Mapping | Sequence | None = None,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Trend test for ordered categories: linear-by-linear association of time and score.

    Parameters
    ----------
    grades : DataFrame
        The grades table (``paragraph, grade, scheme`` and the *time* column).
    time : str
        The ordered rows of the table: ``cycle``, ``session``, ``year`` …
    by : str or list of str, optional
        One test per group (``"iso3"``: per State across cycles); one test
        over all rows by default.
    row_scores : mapping or sequence, optional
        Score of each value of *time* (mapping, or sequence in ascending
        order of time); by default the values themselves (cycle 3 -> 3).
    col_scores : mapping or sequence, optional
        Score of each grade level (keyed by the 0-1 score, or a sequence in
        ascending order); by default the 0-1 score itself.
    min_n : int
        Groups with fewer scored rows are flagged and logged as a warning.

    Returns
    -------
    DataFrame
        One row per group:

        - the *by* columns, if any.
        - ``time``: the name of the time column.
        - ``n``: scored rows tested.
        - ``row_levels, row_scores``: the values of time and their scores,
          space separated.
        - ``col_levels, col_scores``: the score levels and their scores.
        - ``statistic``: sum of row score x column score over the rows.
        - ``null_mean, null_sd``: its mean and standard deviation under independence.
        - ``zscore``: (statistic - null_mean) / null_sd.
        - ``pvalue``: two-sided, normal approximation.
        - ``is_small_group``: n < min_n.
        - ``note``: why the group is small or could not be tested.

    Notes
    -----
    statsmodels ``Table(counts, shift_zeros=False).test_ordinal_association``
    (zero cells are not shifted). With two columns this is the
    Cochran-Armitage trend test; its variance divides by n - 1, so
    ``zscore = r * sqrt(n - 1)`` with r the Pearson correlation of the row and
    column scores over the rows, which is the textbook Cochran-Armitage z times
    ``sqrt((n - 1) / n)``. Rows without a score (no reply) are left out.

    Examples
    --------
    >>> g = pd.DataFrame({"paragraph": list("abcdef"), "scheme": "CAT-2015", "cycle": [3, 3, 3, 4, 4, 4],
    ...     "grade": ["C", "C", "B2", "B2", "B1", "A"]})
    >>> out = ordinal_trend_test(g, min_n=2)
    >>> int(out.loc[0, "n"]), out.loc[0, "row_scores"], out.loc[0, "col_scores"]
    (6, '3 4', '0.25 0.5 0.75 1')
    """
    from statsmodels.stats.contingency_tables import Table

    data = _ordinal_data(grades, time)
    keys = _check_columns(data, by, "by") if by is not None else []
    groups = data.groupby(keys, sort=True, dropna=False) if keys else [((), data)]
    rows = []
    for group_key, group in groups:
        group_key = group_key if isinstance(group_key, tuple) else (group_key,)
        label = {**dict(zip(keys, group_key, strict=True)), "time": time}
        counts = pd.crosstab(group[time], group["score"])
        row_levels = [_plain(v) for v in counts.index]
        col_levels = [_plain(v) for v in counts.columns]
        row = {
            **label,
            "n": len(group),
            "row_levels": " ".join(map(str, row_levels)),
            "col_levels": " ".join(map(str, col_levels)),
            "is_small_group": len(group) < min_n,
        }
        what = f"trend test of score on {time}" + (f" for {_label(keys, group_key)}" if keys else "")
        notes = [_small(len(group), min_n, what)]
        if len(row_levels) < 2 or len(col_levels) < 2:
            notes.append(f"needs two values of {time} and two score levels; has {row_levels} and {col_levels}")
        else:
            rs = _scores_for(row_levels, row_scores, "row_scores")
            cs = _scores_for(col_levels, col_scores, "col_scores")
            result = Table(counts.to_numpy(dtype=float), shift_zeros=False).test_ordinal_association(rs, cs)
            row.update(
                row_scores=" ".join(f"{_plain(v)}" for v in rs),
                col_scores=" ".join(f"{_plain(v)}" for v in cs),
                statistic=float(result.statistic),
                null_mean=float(result.null_mean),
                null_sd=float(result.null_sd),
                zscore=float(result.zscore),
                pvalue=float(result.pvalue),
            )
        row["note"] = "; ".join(n for n in notes if n) or None
        rows.append(row)
    columns = [*keys, "time", "n", "row_levels", "row_scores", "col_levels", "col_scores"]
    columns += ["statistic", "null_mean", "null_sd", "zscore", "pvalue", "is_small_group", "note"]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype(
        {
            "n": "Int64",
            **{c: "string" for c in ("time", "row_levels", "row_scores", "col_levels", "col_scores", "note")},
            **{c: "Float64" for c in ("statistic", "null_mean", "null_sd", "zscore", "pvalue")},
            "is_small_group": "boolean",
        }
    )


def _plain(value: float) -> int | float:
    """3.0 -> 3, 0.25 -> 0.25 (for readable level and score lists)."""
    value = float(value)
    return int(value) if value.is_integer() else value


_COMPARE_COLUMNS = [
    "iso3",
    "cycle",
    "year",
    "basis",
    "value",
    "ci_low",
    "ci_high",
    "ci_method",
    "from_value",
    "to_value",
    "prisoners_year",
    "prisoners_source",
    "is_included",
    "reason",
]


def compare_states(
    data: pd.DataFrame,
    *,
    step: tuple[str, str] | None = None,
    measure: str | None = None,
    value: str = "per_1000_prisoners",
    states: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One attrition step, or one staffing ratio, across States on the same basis.

    Parameters
    ----------
    data : DataFrame
        The attrition table (with *step*) or the staffing table (with *measure*).
    step : (from_measure, to_measure), optional
        For attrition: the step to compare, e.g.
        ``("investigations_opened", "cases_sent_to_court")``.
    measure : str, optional
        For staffing: the staff category, e.g. ``"doctors"``.
    value : {"per_1000_prisoners", "prisoners_per_staff"}
        For staffing: the ratio to compare.
    states : list of str, optional
        ISO3 codes to report on; a State with no row gets one, left out with
        the reason. By default every State in *data*.

    Returns
    -------
    DataFrame
        One row per State and cycle (attrition) or State and year (staffing):

        - ``iso3, cycle, year``: the State and when (``year`` empty for attrition).
        - ``basis``: what is compared, in words (``cases_sent_to_court /
          investigations_opened``; ``doctors per_1000_prisoners``).
        - ``value``: the rate or ratio; empty for a State left out.
        - ``ci_low, ci_high, ci_method``: the interval (attrition only).
        - ``from_value, to_value``: the counts of the step (attrition only).
        - ``prisoners_year, prisoners_source``: the denominator (staffing only).
        - ``is_included``: whether the State is on the same basis.
        - ``reason``: why it is left out (or a caution, such as a distant
          denominator, for one kept).

    Raises
    ------
    TortureStatsError
        When neither or both of *step* and *measure* fit *data*, or *value*
        is not allowed.

    Examples
    --------
    >>> att = pd.DataFrame({"iso3": ["KAZ", "AAA"], "cycle": [4, 1], "from_measure": "investigations_opened",
    ...     "to_measure": "cases_sent_to_court", "from_value": [450.0, 10.0], "to_value": [4.0, 3.0],
    ...     "unit_from": "cases", "unit_to": ["cases", "persons"], "rate": [4 / 450, None],
    ...     "ci_low": [0.0035, None], "ci_high": [0.0226, None], "ci_method": ["wilson", None],
    ...     "comparable": [True, False], "flag": [None, "unit_change"]})
    >>> compare_states(att, step=("investigations_opened", "cases_sent_to_court"))[["iso3", "is_included"]]
      iso3  is_included
    0  AAA        False
    1  KAZ         True
    """
    if not isinstance(data, pd.DataFrame):
        raise TortureStatsError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    is_attrition = {"from_measure", "to_measure"} <= set(data.columns)
    if is_attrition and step is not None and measure is None:
        rows = _compare_attrition(data, step)
    elif not is_attrition and measure is not None and step is None:
        if value not in ("per_1000_prisoners", "prisoners_per_staff"):
            raise TortureStatsError(
                f"value={value!r} is not allowed; use 'per_1000_prisoners' or 'prisoners_per_staff'"
            )
        require_columns(data, ("iso3", "year", "measure", value, "prisoners_year", "prisoners_source"), "data")
        rows = _compare_staffing(data, measure, value)
    else:
        kind = "an attrition table" if is_attrition else "a staffing table"
        raise TortureStatsError(
            f"data is {kind}; got step={step!r}, measure={measure!r}: give step=(from_measure, to_measure) "
            "for the attrition table, or measure=... for the staffing table"
        )
    frame = pd.DataFrame(rows, columns=_COMPARE_COLUMNS)
    wanted = list(states) if states is not None else sorted(set(frame["iso3"].dropna()))
    absent = [s for s in wanted if s not in set(frame["iso3"])]
    basis = _basis(step, measure, value)
    for iso3 in absent:
        logger.info("%s left out of %s: no row in data", iso3, basis)
    frame = pd.concat(
        [
            frame[frame["iso3"].isin(wanted)],
            pd.DataFrame(
                {"iso3": absent, "basis": basis, "is_included": False, "reason": "no row in data"},
                columns=_COMPARE_COLUMNS,
            ),
        ]
    )
    frame = frame.sort_values(["iso3", "cycle", "year"], kind="stable", na_position="first").reset_index(drop=True)
    return frame.astype(
        {
            "iso3": "string",
            "cycle": "Int64",
            "year": "Int64",
            "basis": "string",
            **{c: "Float64" for c in ("value", "ci_low", "ci_high", "from_value", "to_value")},
            "ci_method": "string",
            "prisoners_year": "Int64",
            "prisoners_source": "string",
            "is_included": "boolean",
            "reason": "string",
        }
    )


def _basis(step: tuple[str, str] | None, measure: str | None, value: str) -> str:
    return f"{step[1]} / {step[0]}" if step is not None else f"{measure} {value}"


def _compare_attrition(data: pd.DataFrame, step: tuple[str, str]) -> list[dict]:
    require_columns(
        data, ("iso3", "cycle", "from_measure", "to_measure", "rate", "unit_from", "unit_to", "flag"), "data"
    )
    if not (isinstance(step, tuple | list) and len(step) == 2):
        raise TortureStatsError(f"step={step!r} is not allowed; give (from_measure, to_measure)")
    basis = _basis(tuple(step), None, "")
    rows = []
    for iso3, group in data.groupby("iso3", sort=True):
        hits = group[(group["from_measure"] == step[0]) & (group["to_measure"] == step[1])]
        if hits.empty:
            reason = f"no step {step[0]} -> {step[1]} reported"
            logger.info("%s left out of %s: %s", iso3, basis, reason)
            rows.append({"iso3": iso3, "basis": basis, "is_included": False, "reason": reason})
            continue
        for _, hit in hits.iterrows():
            included = bool(pd.notna(hit["rate"]))
            reason = None
            if not included:
                if pd.notna(hit["flag"]) and hit["flag"] == "unit_change":
                    reason = f"units differ ({hit['unit_from']} -> {hit['unit_to']}): no rate"
                elif pd.notna(hit["flag"]) and hit["flag"] == "non_monotonic":
                    reason = "later count larger than the earlier one: no rate"
                else:
                    reason = "counts not exact or not a proportion: no rate"
                logger.info("%s left out of %s: %s", iso3, basis, reason)
            rows.append(
                {
                    "iso3": iso3,
                    "cycle": hit["cycle"],
                    "basis": basis,
                    "value": hit["rate"],
                    "ci_low": hit.get("ci_low"),
                    "ci_high": hit.get("ci_high"),
                    "ci_method": hit.get("ci_method"),
                    "from_value": hit.get("from_value"),
                    "to_value": hit.get("to_value"),
                    "is_included": included,
                    "reason": reason,
                }
            )
    return rows


def _compare_staffing(data: pd.DataFrame, measure: str, value: str) -> list[dict]:
    basis = _basis(None, measure, value)
    rows = []
    for iso3, group in data.groupby("iso3", sort=True):
        hits = group[group["measure"] == measure]
        if hits.empty:
            reason = f"no {measure} reported"
            logger.info("%s left out of %s: %s", iso3, basis, reason)
            rows.append({"iso3": iso3, "basis": basis, "is_included": False, "reason": reason})
            continue
        for _, hit in hits.iterrows():
            per = hit.get("per")
            if per is not None and pd.notna(per):
                reason = f"reported as a ratio per {per}, not a count"
            elif pd.isna(hit[value]):
                reason = "no prison population to divide by"
            elif pd.notna(hit.get("flag")) and hit.get("flag") == "distant_denominator":
                reason = f"kept, but {hit.get('note')}"
            else:
                reason = None
            included = bool(pd.notna(hit[value]))
            if not included:
                logger.info("%s left out of %s: %s", iso3, basis, reason)
            rows.append(
                {
                    "iso3": iso3,
                    "cycle": hit.get("cycle"),
                    "year": hit["year"],
                    "basis": basis,
                    "value": hit[value],
                    "prisoners_year": hit["prisoners_year"],
                    "prisoners_source": hit["prisoners_source"],
                    "is_included": included,
                    "reason": reason,
                }
            )
    return rows
