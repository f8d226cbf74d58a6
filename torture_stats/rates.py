"""Counts per year and per 1,000 prisoners, prison-population denominators, staffing.

Every rate names its divisor (``years`` or ``prisoners``), the divisor's value
and where it came from: the figure's own period, or a row of the
``denominators`` table with its year and source. A period the text leaves
fuzzy ("to early 2024") gives a range of years and so a range of rates, never
a point.
"""

from __future__ import annotations

import logging
import re
import weakref
from pathlib import Path

import pandas as pd

from torture_stats import schema, vocab
from torture_stats.errors import SchemaError, TortureStatsError
from torture_stats.paths import project_paths
from torture_stats.schema_derived import DENOMINATORS, RATES, STAFFING, require_columns

logger = logging.getLogger(__name__)

#: measures that count a standing number (a stock) rather than events over a period
STOCK_MEASURES = frozenset(
    {
        "prison_population",
        "prison_occupancy",
        "states_parties",
        "states_overdue_initial_report",
        "states_overdue_periodic_report",
        "states_overdue_followup",
    }
)

#: a denominator further than this many years from the figure's year is flagged
MAX_YEAR_GAP = 2

_FIGURE_OPTIONAL = (
    "doc_id",
    "iso3",
    "cycle",
    "paragraph",
    "subject",
    "bound",
    "unit",
    "per",
    "period_start",
    "period_end",
    "period_note",
)


def _with_optional(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """A copy of *frame* with every column of *columns* present, as objects with None for missing."""
    out = frame.copy()
    for col in columns:
        if col not in out.columns:
            out[col] = None
    return out.astype(object).where(out.notna(), None)


def _year_of(date: object) -> int | None:
    if date is None or pd.isna(date):
        return None
    match = re.match(r"\s*(\d{4})", str(date))
    return int(match.group(1)) if match else None


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _document_years(documents: pd.DataFrame | None) -> dict[str, dict[str, int | None]]:
    """doc_id -> {"doc_date": year, "reply_date": year}."""
    if documents is None:
        return {}
    require_columns(documents, ("doc_id",), "documents")
    docs = _with_optional(documents, ("doc_date", "reply_date"))
    return {
        str(row["doc_id"]): {"doc_date": _year_of(row["doc_date"]), "reply_date": _year_of(row["reply_date"])}
        for _, row in docs.iterrows()
        if not _missing(row["doc_id"])
    }


def _figure_year(row: pd.Series, doc_years: dict[str, dict[str, int | None]]) -> tuple[int | None, str | None]:
    """The year a figure refers to, and where that year came from."""
    if not _missing(row["period_end"]):
        return int(row["period_end"]), "period_end"
    years = doc_years.get(str(row["doc_id"]), {}) if not _missing(row["doc_id"]) else {}
    if not _missing(row["period_start"]) and row["period_note"] != "since":
        return int(row["period_start"]), "period_start"
    if row["period_note"] == "since" and years.get("doc_date") is not None:
        return years["doc_date"], "doc_date"
    if not _missing(row["period_start"]):
        return int(row["period_start"]), "period_start"
    for basis in ("reply_date", "doc_date"):
        if years.get(basis) is not None:
            return years[basis], basis
    return None, None


def load_denominators(path: str | Path | None = None, *, root: str | Path | None = None) -> pd.DataFrame:
    """Read the prison-population denominators.

    Parameters
    ----------
    path : path, optional
        A CSV with the columns of ``schema_derived.DENOMINATORS``; by default
        ``data/raw/curated/denominators.csv`` under the project root.
    root : path, optional
        Project root; see :func:`torture_stats.paths.project_paths`.

    Returns
    -------
    DataFrame
        The denominators table: ``iso3, state, measure, value, unit, year,
        as_of, source_url, note`` (nullable dtypes), one row per State,
        measure and year.

    Raises
    ------
    TortureStatsError
        When the file does not exist.
    SchemaError
        When it lacks a column or a row breaks the declaration.

    Examples
    --------
    >>> den = load_denominators()
    >>> int(den.loc[(den["iso3"] == "KAZ") & (den["year"] == 2020), "value"].iloc[0])
    30000
    """
    path = Path(path) if path is not None else project_paths(root).raw / "curated" / "denominators.csv"
    if not path.is_file():
        raise TortureStatsError(f"path={str(path)!r}: no such file; give a CSV with columns {DENOMINATORS.names}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(raw, ("iso3", "measure", "value", "year", "source_url"), f"denominators file {path}")
    frame = schema.conform(raw.replace("", pd.NA), DENOMINATORS)
    problems = schema.validate(frame, DENOMINATORS)
    if problems:
        raise SchemaError(f"{path}: " + "; ".join(problems))
    return frame


def _nearest_denominator(
    denominators: pd.DataFrame, iso3: object, year: int | None, measure: str = "prison_population"
) -> pd.Series | None:
    """The denominator row of *iso3* nearest *year*; ties go to the earlier year."""
    if _missing(iso3) or year is None:
        return None
    # asked once per figure, hundreds of thousands of times in a large build, about a few hundred States and
    # years: the answers are remembered for as long as this denominators frame lives (frames are never mutated)
    frame_ref, answers = _NEAREST_CACHE.get(id(denominators), (None, None))
    if frame_ref is None or frame_ref() is not denominators:
        for dead in [k for k, (ref, _) in _NEAREST_CACHE.items() if ref() is None]:
            del _NEAREST_CACHE[dead]
        answers = {}
        _NEAREST_CACHE[id(denominators)] = (weakref.ref(denominators), answers)
    key = (iso3, year, measure)
    if key not in answers:
        answers[key] = _nearest_denominator_uncached(denominators, iso3, year, measure)
    return answers[key]


_NEAREST_CACHE: dict[int, tuple] = {}


def _nearest_denominator_uncached(denominators: pd.DataFrame, iso3: object, year: int, measure: str):
    rows = denominators[(denominators["iso3"] == iso3) & (denominators["measure"] == measure)]
    rows = rows[rows["value"].notna() & rows["year"].notna()]
    if rows.empty:
        return None
    gaps = (rows["year"].astype(int) - year).abs()
    order = pd.DataFrame({"gap": gaps.to_numpy(), "year": rows["year"].astype(int).to_numpy()}).sort_values(
        ["gap", "year"], kind="stable"
    )
    return rows.iloc[order.index[0]]


def _is_flow(row: pd.Series) -> tuple[bool, str | None, str | None]:
    """Whether a figure counts events over a period; else (False, flag, note)."""
    if not _missing(row["per"]):
        return False, "ratio_not_count", f"reported as a ratio per {row['per']}, not a count"
    if row["unit"] == "percent":
        return False, "not_a_flow", "a percentage, not a count"
    domain = None
    try:
        domain = vocab.measure_info(str(row["measure"]))["domain"]
    except TortureStatsError:
        domain = None
    if row["measure"] in STOCK_MEASURES or domain == "health" or row["period_note"] == "as of":
        return False, "not_a_flow", "a standing number at a date (a stock), not events over a period"
    return True, None, None


def annual_rates(figures: pd.DataFrame, documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts per year over the period each figure covers.

    Parameters
    ----------
    figures : DataFrame
        The figures table; needs ``measure`` and ``value``, and uses
        ``period_start, period_end, period_note`` (others are copied when present).
    documents : DataFrame, optional
        The documents table (``doc_id, doc_date``): the end of an open period
        ("since 2021") is the year of the figure's document's ``doc_date``.

    Returns
    -------
    DataFrame
        One row per figure, in the rates table's columns (``schema_derived.RATES``):

        - ``doc_id, iso3, cycle, paragraph, measure, subject, value, bound, unit``: copied.
        - ``period_start, period_end, period_note``: the period; an open end is
          filled with the year of ``doc_date``.
        - ``period_end_basis``: ``stated``, or ``doc_date`` where the end was filled.
        - ``figure_year, figure_year_basis``: the year the figure refers to.
        - ``divisor``: always ``years``.
        - ``divisor_value``: calendar years covered; empty where the text only
          gives a range.
        - ``divisor_low, divisor_high``: fewest and most years the text allows.
        - ``divisor_year``: empty (no population is used).
        - ``divisor_source``: ``period``.
        - ``year_gap``: empty.
        - ``rate_unit``: ``per_year``.
        - ``rate``: value / divisor_value; empty for a range.
        - ``rate_low, rate_high``: value / divisor_high and value / divisor_low;
          ``rate_high`` is empty where divisor_low is 0 (the count may fall in
          part of one year).
        - ``flag``: ``ambiguous_period`` (fuzzy end), ``open_period`` (end
          from doc_date), ``no_period``, ``not_a_flow``, ``ratio_not_count``.
        - ``note``: the flag, or why there is no rate, in words.

    Notes
    -----
    A period from *start* to *end* covers ``n = end - start + 1`` calendar
    years. ``period_note`` ``early`` or ``late`` does not say which end is
    fuzzy ("from early 2019" or "to early 2024"), so that year counts for
    between 0 and 1 of a year: ``n - 1 <= years <= n``. An open end
    ("since 2021", end taken as the year of doc_date) is counted the same way,
    because the document year is only partly covered. Stocks (staff counts,
    prison population, anything "as of" a date), percentages and reported
    ratios are kept with an empty rate and a note. Nothing is rounded.

    Examples
    --------
    >>> figs = pd.DataFrame({"doc_id": ["d"], "measure": ["investigations_opened"], "value": [450.0],
    ...     "unit": ["cases"], "period_start": [2019], "period_end": [2024], "period_note": ["early"]})
    >>> row = annual_rates(figs).iloc[0]
    >>> float(row["divisor_low"]), float(row["divisor_high"]), float(row["rate_low"]), float(row["rate_high"])
    (5.0, 6.0, 75.0, 90.0)
    """
    require_columns(figures, ("measure", "value"), "figures")
    doc_years = _document_years(documents)
    figs = _with_optional(figures, _FIGURE_OPTIONAL)
    rows = []
    for _, fig in figs.iterrows():
        row = {col: fig[col] for col in (*_FIGURE_OPTIONAL, "measure", "value") if col != "per"}
        row.update(divisor="years", divisor_source="period", rate_unit="per_year")
        start, end, note_word = fig["period_start"], fig["period_end"], fig["period_note"]
        is_flow, flag, note = _is_flow(fig)
        if not is_flow:
            row.update(flag=flag, note=note)
        elif _missing(fig["value"]):
            row.update(note="no value reported")
        elif _missing(start):
            row.update(flag="no_period", note="the text gives no period")
        else:
            start = int(start)
            fuzzy = note_word in ("early", "late")
            basis = "stated"
            if _missing(end):
                doc_year = doc_years.get(str(fig["doc_id"]), {}).get("doc_date")
                if doc_year is None:
                    row.update(flag="no_period", note=f"period open from {start} and no doc_date to close it")
                    rows.append(row)
                    continue
                end, basis, fuzzy = doc_year, "doc_date", True
            end = int(end)
            n_years = end - start + 1
            if n_years < 1:
                row.update(flag="ambiguous_period", note=f"period ends ({end}) before it starts ({start})")
                rows.append(row)
                continue
            low, high = (n_years - 1, n_years) if fuzzy else (n_years, n_years)
            value = float(fig["value"])
            row.update(
                period_end=end,
                period_end_basis=basis,
                divisor_low=float(low),
                divisor_high=float(high),
                rate_low=value / high,
                rate_high=value / low if low > 0 else None,
            )
            if not fuzzy:
                row.update(divisor_value=float(n_years), rate=value / n_years)
            notes = []
            if basis == "doc_date":
                row["flag"] = "open_period"
                notes.append(f"open period: end taken as {end}, the year of doc_date")
            elif fuzzy:
                row["flag"] = "ambiguous_period"
            if fuzzy:
                notes.append(f"{start}-{end} counted as {low} to {high} years")
            if low == 0:
                notes.append("may cover part of one year: no upper bound on the rate")
            row["note"] = "; ".join(notes) or None
        year, year_basis = _figure_year(fig, doc_years)
        row.update(figure_year=year, figure_year_basis=year_basis)
        rows.append(row)
    frame = pd.DataFrame(rows) if rows else schema.empty_frame(RATES)
    return schema.conform(frame, RATES)


def per_capita(
    figures: pd.DataFrame,
    denominators: pd.DataFrame,
    documents: pd.DataFrame | None = None,
    *,
    max_year_gap: int = MAX_YEAR_GAP,
) -> pd.DataFrame:
    """Counts per 1,000 prisoners, each naming the prison population's year and source.

    Parameters
    ----------
    figures : DataFrame
        The figures table; needs ``iso3``, ``measure`` and ``value``.
    denominators : DataFrame
        As from :func:`load_denominators`: ``iso3, measure, value, year,
        source_url``; rows with measure ``prison_population`` are used.
    documents : DataFrame, optional
        The documents table, which dates figures that give no period (the
        year of ``reply_date``, else of ``doc_date``).
    max_year_gap : int
        A denominator further than this from the figure's year is still used
        but flagged ``distant_denominator`` and logged as a warning.

    Returns
    -------
    DataFrame
        One row per figure, in the rates table's columns (``schema_derived.RATES``):

        - ``doc_id, iso3, cycle, paragraph, measure, subject, value, bound, unit,
          period_start, period_end, period_note``: copied.
        - ``period_end_basis``: empty (periods are not filled here).
        - ``figure_year, figure_year_basis``: the year the figure refers to:
          ``period_end``, else ``period_start``, else the year of the
          document's ``reply_date`` or ``doc_date`` ("since" periods: doc_date).
        - ``divisor``: always ``prisoners``.
        - ``divisor_value, divisor_low, divisor_high``: the prison population
          (all three equal).
        - ``divisor_year``: its year.
        - ``divisor_source``: its ``source_url``.
        - ``year_gap``: divisor_year - figure_year.
        - ``rate_unit``: ``per_1000_prisoners``.
        - ``rate, rate_low, rate_high``: value x 1,000 / prisoners (all three equal).
        - ``flag``: ``distant_denominator``, ``no_denominator``, ``ratio_not_count``.
        - ``note``: the flag in words; a count over several years says it is
          not annualised.

    Notes
    -----
    The denominator is the State's prison population nearest the figure's
    year (ties: the earlier year). The rate is the count as reported over its
    whole period; divide by the years of :func:`annual_rates` for a rate per
    year. Percentages and reported ratios get no rate.

    Examples
    --------
    >>> figs = pd.DataFrame({"iso3": ["KAZ"], "measure": ["doctors"], "value": [512.0], "period_end": [2020]})
    >>> den = pd.DataFrame({"iso3": ["KAZ"], "measure": ["prison_population"], "value": [30000.0],
    ...     "year": [2020], "source_url": ["https://example.org"]})
    >>> round(float(per_capita(figs, den)["rate"].iloc[0]), 2)
    17.07
    """
    require_columns(figures, ("iso3", "measure", "value"), "figures")
    require_columns(denominators, ("iso3", "measure", "value", "year", "source_url"), "denominators")
    if not isinstance(max_year_gap, int) or max_year_gap < 0:
        raise TortureStatsError(f"max_year_gap={max_year_gap!r} is not allowed; give a whole number of years >= 0")
    doc_years = _document_years(documents)
    figs = _with_optional(figures, _FIGURE_OPTIONAL)
    rows = []
    for _, fig in figs.iterrows():
        row = {col: fig[col] for col in (*_FIGURE_OPTIONAL, "measure", "value") if col != "per"}
        row.update(divisor="prisoners", rate_unit="per_1000_prisoners")
        year, year_basis = _figure_year(fig, doc_years)
        row.update(figure_year=year, figure_year_basis=year_basis)
        if not _missing(fig["per"]):
            row.update(flag="ratio_not_count", note=f"reported as a ratio per {fig['per']}, not a count")
        elif fig["unit"] == "percent":
            row.update(flag="not_a_flow", note="a percentage, not a count")
        elif _missing(fig["value"]):
            row.update(note="no value reported")
        else:
            den, flag, note = _denominator_fields(denominators, fig["iso3"], year, max_year_gap, fig)
            row.update(flag=flag, note=note)
            if den is not None:
                prisoners = float(den["value"])
                rate = float(fig["value"]) * 1000 / prisoners
                row.update(
                    divisor_value=prisoners,
                    divisor_low=prisoners,
                    divisor_high=prisoners,
                    divisor_year=int(den["year"]),
                    divisor_source=den["source_url"],
                    year_gap=int(den["year"]) - year,
                    rate=rate,
                    rate_low=rate,
                    rate_high=rate,
                )
                if not _missing(fig["period_start"]) and not _missing(fig["period_end"]):
                    n_years = int(fig["period_end"]) - int(fig["period_start"]) + 1
                    if n_years > 1:
                        extra = f"count over {n_years} calendar years, not annualised"
                        row["note"] = f"{row['note']}; {extra}" if row["note"] else extra
        rows.append(row)
    frame = pd.DataFrame(rows) if rows else schema.empty_frame(RATES)
    _warn_distant(frame, "per-capita rates")
    return schema.conform(frame, RATES)


def _denominator_fields(
    denominators: pd.DataFrame, iso3: object, year: int | None, max_year_gap: int, fig: pd.Series
) -> tuple[pd.Series | None, str | None, str | None]:
    """The nearest denominator and the flag and note that go with it."""
    if year is None:
        return None, "no_denominator", "the figure has no year to match a prison population on"
    den = _nearest_denominator(denominators, iso3, year)
    if den is None:
        return None, "no_denominator", f"no prison population for {iso3}"
    gap = int(den["year"]) - year
    if abs(gap) > max_year_gap:
        note = f"prison population of {int(den['year'])} used for a figure of {year} ({abs(gap)} years apart)"
        logger.info("%s %s: %s", iso3, fig["measure"], note)
        return den, "distant_denominator", note
    return den, None, None


def _warn_distant(frame: pd.DataFrame, what: str) -> None:
    """One warning for all rows whose prison population is far from the figure's year."""
    if frame.empty or "flag" not in frame:
        return
    distant = frame.loc[frame["flag"] == "distant_denominator"]
    if not distant.empty:
        states = ", ".join(sorted(distant["iso3"].dropna().astype(str).unique()))
        logger.warning(
            "%d %s use a prison population more than %d years from the figure's year (flag distant_denominator): %s",
            len(distant),
            what,
            MAX_YEAR_GAP,
            states,
        )


def staffing(
    figures: pd.DataFrame,
    denominators: pd.DataFrame,
    documents: pd.DataFrame | None = None,
    *,
    max_year_gap: int = MAX_YEAR_GAP,
) -> pd.DataFrame:
    """Staff by State, year and category, with shares of the total and ratios to prisoners.

    Parameters
    ----------
    figures : DataFrame
        The figures table; rows whose measure is in the ``health`` domain of
        measures.csv (``medical_staff, doctors, nurses, junior_medical_staff,
        psychiatrists, psychologists``) are used.
    denominators : DataFrame
        As from :func:`load_denominators`.
    documents : DataFrame, optional
        The documents table, which dates staff counts that give no period
        (year of ``reply_date``, else of ``doc_date``).
    max_year_gap : int
        A denominator further than this from the staff count's year is used
        but flagged ``distant_denominator`` and logged as a warning.

    Returns
    -------
    DataFrame
        One row per staff figure (``schema_derived.STAFFING``):

        - ``doc_id, iso3, cycle``: copied.
        - ``year, year_basis``: the year of the count and where it came from.
        - ``measure, subject, value, per``: the category and count (or ratio).
        - ``total_measure``: the total the category is part of
          (measure_parts.csv: doctors -> medical_staff); the total's own row
          names itself.
        - ``total_value``: the stated total, else the sum of its categories.
        - ``total_basis``: ``stated`` or ``sum_of_categories``.
        - ``categories_sum``: sum of the categories reported under the total.
        - ``has_consistent_total``: categories_sum == stated total (empty when
          either is missing).
        - ``share_pct``: value / total_value x 100 (categories only).
        - ``prisoners, prisoners_year, prisoners_source``: the prison
          population used, its year and source.
        - ``year_gap``: prisoners_year - year.
        - ``per_1000_prisoners``: value x 1,000 / prisoners.
        - ``prisoners_per_staff``: prisoners / value (prisoners per doctor on
          the doctors row, per psychologist on the psychologists row).
        - ``flag``: ``sum_mismatch``, ``ratio_not_count``,
          ``distant_denominator``, ``no_denominator``.
        - ``note``: the flag, or why a ratio is empty, in words.

    Notes
    -----
    Counts are grouped by document, State and year. A ratio as reported ("one
    psychologist per institution", ``per = institution``) is kept as a ratio:
    it gets no share and no ratio to prisoners. When categories do not add up
    to the stated total, every row of that total is flagged ``sum_mismatch``
    and a warning is logged; the stated total is still the base of the shares.

    Examples
    --------
    >>> figs = pd.DataFrame({"doc_id": "d", "iso3": "KAZ", "period_end": 2024,
    ...     "measure": ["medical_staff", "doctors", "nurses", "junior_medical_staff"],
    ...     "value": [1352.0, 512.0, 710.0, 130.0]})
    >>> den = pd.DataFrame({"iso3": ["KAZ"], "measure": ["prison_population"], "value": [30000.0],
    ...     "year": [2023], "source_url": ["https://example.org"]})
    >>> out = staffing(figs, den)
    >>> bool(out["has_consistent_total"].iloc[0]), round(float(out["share_pct"].iloc[1]), 1)
    (True, 37.9)
    """
    require_columns(figures, ("iso3", "measure", "value"), "figures")
    require_columns(denominators, ("iso3", "measure", "value", "year", "source_url"), "denominators")
    if not isinstance(max_year_gap, int) or max_year_gap < 0:
        raise TortureStatsError(f"max_year_gap={max_year_gap!r} is not allowed; give a whole number of years >= 0")
    health = set(vocab.measures().loc[vocab.measures()["domain"] == "health", "measure"])
    parent = {k: v for k, v in vocab.measure_parent().items() if k in health}
    doc_years = _document_years(documents)
    figs = _with_optional(figures, _FIGURE_OPTIONAL)
    figs = figs[figs["measure"].isin(health)]
    if figs.empty:
        return schema.empty_frame(STAFFING)
    years = [_figure_year(fig, doc_years) for _, fig in figs.iterrows()]
    figs = figs.assign(year=[y for y, _ in years], year_basis=[b for _, b in years])
    rows = []
    group_keys = figs[["doc_id", "iso3", "year"]].astype("object").where(figs[["doc_id", "iso3", "year"]].notna(), "")
    for _, group in figs.groupby([group_keys["doc_id"], group_keys["iso3"], group_keys["year"]], sort=False):
        counts = group[group["per"].isna()]
        totals = {}
        for total in set(parent.values()):
            stated = counts.loc[counts["measure"] == total, "value"]
            parts = counts.loc[counts["measure"].map(parent) == total, "value"]
            if stated.empty and parts.empty:
                continue
            parts_sum = float(parts.sum()) if not parts.empty else None
            stated_value = float(stated.iloc[0]) if not stated.empty else None
            consistent = None if stated_value is None or parts_sum is None else parts_sum == stated_value
            totals[total] = {
                "total_value": stated_value if stated_value is not None else parts_sum,
                "total_basis": "stated" if stated_value is not None else "sum_of_categories",
                "categories_sum": parts_sum,
                "has_consistent_total": consistent,
            }
            if consistent is False:
                logger.warning(
                    "%s %s: categories of %s add up to %s, the stated total is %s",
                    group["iso3"].iloc[0],
                    group["year"].iloc[0],
                    total,
                    f"{parts_sum:g}",
                    f"{stated_value:g}",
                )
        for _, fig in group.iterrows():
            row = {c: fig[c] for c in ("doc_id", "iso3", "cycle", "year", "year_basis", "measure", "subject", "per")}
            row["value"] = fig["value"]
            notes, flag = [], None
            if not _missing(fig["per"]):
                flag = "ratio_not_count"
                notes.append(f"reported as {fig['value']:g} per {fig['per']}: a ratio, not a count")
                row.update(flag=flag, note="; ".join(notes))
                rows.append(row)
                continue
            total = fig["measure"] if fig["measure"] in totals else parent.get(fig["measure"])
            if total in totals:
                info = totals[total]
                row.update(total_measure=total, **info)
                if total != fig["measure"] and info["total_value"]:
                    row["share_pct"] = float(fig["value"]) / info["total_value"] * 100
                if info["has_consistent_total"] is False:
                    flag = "sum_mismatch"
                    notes.append(
                        f"categories of {total} add up to {info['categories_sum']:g}, "
                        f"not the stated {info['total_value']:g}"
                    )
            den, den_flag, den_note = _denominator_fields(denominators, fig["iso3"], fig["year"], max_year_gap, fig)
            flag = flag or den_flag
            if den_note:
                notes.append(den_note)
            if den is not None:
                prisoners = float(den["value"])
                value = float(fig["value"])
                row.update(
                    prisoners=prisoners,
                    prisoners_year=int(den["year"]),
                    prisoners_source=den["source_url"],
                    year_gap=int(den["year"]) - int(fig["year"]),
                    per_1000_prisoners=value * 1000 / prisoners,
                    prisoners_per_staff=prisoners / value if value > 0 else None,
                )
            row.update(flag=flag, note="; ".join(notes) or None)
            rows.append(row)
    frame = pd.DataFrame(rows)
    _warn_distant(frame, "staffing rows")
    return schema.conform(frame, STAFFING)
