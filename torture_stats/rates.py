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
from pathlib import Path

import numpy as np
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

#: the dates of a document that can date its figures
_DOCUMENT_DATES = ("doc_date", "reply_date")
#: the year a date begins with
_YEAR = re.compile(r"\s*(\d{4})")


def _figure_columns(figures: pd.DataFrame) -> pd.DataFrame:
    """The figure columns the rates read, on a fresh 0..n-1 index; an absent optional column is all None."""
    figs = figures.reset_index(drop=True)
    absent = pd.Series(None, index=figs.index, dtype=object)
    return pd.DataFrame(
        {col: figs[col] if col in figs.columns else absent for col in (*_FIGURE_OPTIONAL, "measure", "value")}
    )


def _objects(column: pd.Series) -> list:
    """The values of *column* as Python objects, None where missing: what the notes and messages print."""
    return column.astype(object).where(column.notna(), None).tolist()


def _values_on(rows: np.ndarray, *columns: pd.Series) -> zip:
    """The values of *columns* on each of *rows* (a boolean mask), as Python objects: what the notes print."""
    return zip(*(_objects(col[rows]) for col in columns), strict=True)


def _equals(column: pd.Series, value: str) -> np.ndarray:
    """``column == value`` row by row, False where the column is missing."""
    return (column == value).fillna(False).to_numpy(dtype=bool)


def _numbers(column: pd.Series) -> np.ndarray:
    """*column* as floats, NaN where missing."""
    return pd.to_numeric(column).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _whole_years(column: pd.Series) -> pd.Series:
    """*column* as Int64 years, any fraction cut off as int() cuts it."""
    return np.trunc(pd.to_numeric(column).astype("Float64")).astype("Int64")


def _divide(numerator: np.ndarray, denominator: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """numerator / denominator on *rows* (a boolean mask), NaN on the others."""
    return np.divide(numerator, denominator, out=np.full(len(rows), np.nan), where=rows)


def _frame(columns: dict[str, object], index: pd.Index) -> pd.DataFrame:
    """A frame of *columns* on *index*; texts, and arrays of them, stay Python objects.

    (pandas would make Arrow columns of them, which conform turns back into objects.)
    """
    as_objects = {
        name: pd.Series(values, index=index, dtype=object)
        for name, values in columns.items()
        if isinstance(values, str) or (isinstance(values, np.ndarray) and values.dtype == object)
    }
    return pd.DataFrame({**columns, **as_objects}, index=index)


def _join_notes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two notes per row joined with '; ', either alone where the other is missing, None where both are."""
    both = ~pd.isna(first) & ~pd.isna(second)
    joined = np.where(pd.isna(first), second, first)
    joined[both] = [f"{a}; {b}" for a, b in zip(first[both], second[both], strict=True)]
    return joined


def _year_of(date: object) -> int | None:
    """The year *date* begins with (four digits after any spaces), or None."""
    if date is None or pd.isna(date):
        return None
    match = _YEAR.match(str(date))
    return int(match.group(1)) if match else None


def _document_years(documents: pd.DataFrame | None) -> pd.DataFrame:
    """The years of each document's ``doc_date`` and ``reply_date`` (Int64), indexed by doc_id as text.

    Documents without a doc_id are left out; a doc_id given twice keeps its last row.
    """
    if documents is None:
        documents = pd.DataFrame({"doc_id": pd.Series(dtype=object)})
    require_columns(documents, ("doc_id",), "documents")
    named = documents[documents["doc_id"].notna()]
    dates = {col: named[col].tolist() if col in named.columns else [None] * len(named) for col in _DOCUMENT_DATES}
    # a regular expression per document, in a plain loop: a string accessor would run the same loop
    years = pd.DataFrame(
        {col: pd.array([_year_of(date) for date in values], dtype="Int64") for col, values in dates.items()},
        index=pd.Index(named["doc_id"].astype(str), dtype=object),
    )
    return years[~years.index.duplicated(keep="last")]


def _years_of_documents(doc_id: pd.Series, doc_years: pd.DataFrame) -> pd.DataFrame:
    """The ``doc_date`` and ``reply_date`` years of each figure's document; empty where it is not known."""
    return doc_years.reindex(pd.Index(doc_id.astype(str), dtype=object)).set_axis(doc_id.index)


def _figure_years(figs: pd.DataFrame, doc_years: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The year each figure refers to (Int64), and where that year came from.

    ``period_end``, else ``period_start``, else the year of the document's ``reply_date``, else of its
    ``doc_date``; a "since" period, open at its end, takes the year of ``doc_date`` before its start year.
    """
    start, end = _whole_years(figs["period_start"]), _whole_years(figs["period_end"])
    dates = _years_of_documents(figs["doc_id"], doc_years)
    doc_date, reply_date = dates["doc_date"], dates["reply_date"]
    since_dated = _equals(figs["period_note"], "since") & doc_date.notna().to_numpy()
    choices = (  # (applies, year, basis): the first that applies wins
        (end.notna(), end, "period_end"),
        (start.notna() & ~since_dated, start, "period_start"),
        (since_dated, doc_date, "doc_date"),
        (reply_date.notna(), reply_date, "reply_date"),
        (doc_date.notna(), doc_date, "doc_date"),
    )
    applies = [np.asarray(c, dtype=bool) for c, _, _ in choices]
    year = np.select(applies, [y.to_numpy(dtype=float, na_value=np.nan) for _, y, _ in choices], default=np.nan)
    basis = np.select(applies, [b for _, _, b in choices], default=None)
    return pd.Series(year, index=figs.index).astype("Int64"), pd.Series(basis, index=figs.index, dtype=object)


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


def _nearest_denominators(
    denominators: pd.DataFrame, iso3: pd.Series, year: pd.Series, measure: str = "prison_population"
) -> pd.DataFrame:
    """The denominator nearest each (iso3, year: Int64); ties go to the earlier year, a repeated year to its first row.

    Returns a frame on the index of *iso3*: ``prisoners`` (float), ``prisoners_year`` (Int64) and
    ``prisoners_source``, empty where iso3 or year is missing or the State has no row of *measure*.
    """
    usable = denominators[
        _equals(denominators["measure"], measure)
        & denominators["value"].notna().to_numpy()
        & denominators["year"].notna().to_numpy()
    ]
    candidates = pd.DataFrame(
        {
            "iso3": usable["iso3"].astype(object).to_numpy(),
            "prisoners": _numbers(usable["value"]),
            "prisoners_year": _whole_years(usable["year"]).array,
            "prisoners_source": usable["source_url"].to_numpy(),
            "row": np.arange(len(usable)),
        }
    )
    wanted = pd.DataFrame({"iso3": iso3.astype(object).to_numpy(), "year": year.array})
    # each distinct (State, year) is matched once, against every year of that State: a few hundred pairs,
    # however many figures; the figures then take their pair's answer by its number
    pair = wanted.groupby(["iso3", "year"], sort=False).ngroup().to_numpy()  # NaN where iso3 or year is missing
    numbers, first = np.unique(pair[~np.isnan(pair)], return_index=True)
    keys = wanted[~np.isnan(pair)].iloc[first].assign(pair=numbers.astype(int))
    pairs = keys.merge(candidates, on="iso3")
    pairs["gap"] = (pairs["prisoners_year"] - pairs["year"]).abs()
    nearest = pairs.sort_values(["gap", "prisoners_year", "row"]).drop_duplicates("pair").set_index("pair")
    found = nearest[["prisoners", "prisoners_year", "prisoners_source"]].reindex(pair)
    return found.set_axis(iso3.index)


def _denominator_fields(
    denominators: pd.DataFrame, iso3: pd.Series, year: pd.Series, max_year_gap: int
) -> pd.DataFrame:
    """The nearest prison population of each figure, and the flag and note that go with it.

    Returns a frame on the index of *iso3*: ``prisoners, prisoners_year, prisoners_source``, ``year_gap``
    (prisoners_year - year), ``flag`` and ``note``.
    """
    den = _nearest_denominators(denominators, iso3, year)
    gap = den["prisoners_year"] - year
    undated = year.isna().to_numpy()
    unknown = ~undated & den["prisoners"].isna().to_numpy()
    distant = (gap.abs() > max_year_gap).fillna(False).to_numpy(dtype=bool)
    flag = np.full(len(den), None, dtype=object)
    note = np.full(len(den), None, dtype=object)
    flag[undated | unknown] = "no_denominator"
    note[undated] = "the figure has no year to match a prison population on"
    note[unknown] = [f"no prison population for {code}" for code in _objects(iso3[unknown])]
    flag[distant] = "distant_denominator"
    note[distant] = [
        f"prison population of {used} used for a figure of {wanted} ({apart} years apart)"
        for used, wanted, apart in _values_on(distant, den["prisoners_year"], year, gap.abs())
    ]
    return _frame({**den, "year_gap": gap, "flag": flag, "note": note}, den.index)


def _distant_messages(iso3: pd.Series, measure: pd.Series, fields: pd.DataFrame) -> list[tuple[object, tuple]]:
    """(index label, logger.info arguments) of each row of *fields* whose prison population is far from its year.

    Empty when info messages are not logged: there are as many as there are such figures.
    """
    if not logger.isEnabledFor(logging.INFO):
        return []
    labels = fields.index[_equals(fields["flag"], "distant_denominator")]
    lines = zip(_objects(iso3.loc[labels]), _objects(measure.loc[labels]), fields["note"].loc[labels], strict=True)
    return [(label, ("%s %s: %s", *line)) for label, line in zip(labels, lines, strict=True)]


def _health_measures() -> set[str]:
    """Staff measures: the ``health`` domain of measures.csv."""
    measures = vocab.measures()
    return set(measures.loc[_equals(measures["domain"], "health"), "measure"])


def _not_a_count(figs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The flag and note of each reported ratio or percentage; None for the other figures."""
    ratio = figs["per"].notna().to_numpy()
    percent = ~ratio & _equals(figs["unit"], "percent")
    flag = np.full(len(figs), None, dtype=object)
    note = np.full(len(figs), None, dtype=object)
    flag[ratio] = "ratio_not_count"
    note[ratio] = [f"reported as a ratio per {per}, not a count" for per in _objects(figs["per"][ratio])]
    flag[percent] = "not_a_flow"
    note[percent] = "a percentage, not a count"
    return flag, note


def _not_a_flow(figs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The flag and note of each figure that does not count events over a period; None for those that do."""
    flag, note = _not_a_count(figs)
    stock_measures = STOCK_MEASURES | _health_measures()
    stock = pd.isna(flag) & (figs["measure"].isin(stock_measures).to_numpy() | _equals(figs["period_note"], "as of"))
    flag[stock] = "not_a_flow"
    note[stock] = "a standing number at a date (a stock), not events over a period"
    return flag, note


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
    figs = _figure_columns(figures)
    if figs.empty:
        return schema.conform(schema.empty_frame(RATES), RATES)
    value = _numbers(figs["value"])
    start, stated_end = _whole_years(figs["period_start"]), _whole_years(figs["period_end"])
    is_open = stated_end.isna().to_numpy()
    end = stated_end.fillna(_years_of_documents(figs["doc_id"], doc_years)["doc_date"])
    n_years = (end - start + 1).to_numpy(dtype=float, na_value=np.nan)
    flag, note = _not_a_flow(figs)
    # the checks in the order they apply: the first that fails names the reason, and the row gets no rate
    pending = pd.isna(flag)
    no_value = pending & np.isnan(value)
    pending &= ~no_value
    no_start = pending & start.isna().to_numpy()
    pending &= ~no_start
    unclosed = pending & end.isna().to_numpy()
    pending &= ~unclosed
    backwards = pending & (n_years < 1)
    rated = pending & ~backwards
    note[no_value] = "no value reported"
    flag[no_start] = "no_period"
    note[no_start] = "the text gives no period"
    flag[unclosed] = "no_period"
    note[unclosed] = [f"period open from {first} and no doc_date to close it" for first in _objects(start[unclosed])]
    flag[backwards] = "ambiguous_period"
    note[backwards] = [
        f"period ends ({last}) before it starts ({first})" for last, first in _values_on(backwards, end, start)
    ]

    # an end year written "early"/"late", or taken from doc_date, counts for between 0 and 1 of a year
    fuzzy = rated & (_equals(figs["period_note"], "early") | _equals(figs["period_note"], "late") | is_open)
    exact = rated & ~fuzzy
    low = np.where(fuzzy, n_years - 1, n_years)
    flag[fuzzy] = np.where(is_open[fuzzy], "open_period", "ambiguous_period")
    note[fuzzy] = [
        "; ".join(
            ([f"open period: end taken as {last}, the year of doc_date"] if opened else [])
            + [f"{first}-{last} counted as {last - first} to {last - first + 1} years"]
            + (["may cover part of one year: no upper bound on the rate"] if last == first else [])
        )
        for first, last, opened in zip(_objects(start[fuzzy]), _objects(end[fuzzy]), is_open[fuzzy], strict=True)
    ]
    year, year_basis = _figure_years(figs, doc_years)
    # a period that cannot be closed or runs backwards gives no year either
    yearless = unclosed | backwards
    out = _frame(
        {
            **{col: figs[col] for col in (*_FIGURE_OPTIONAL, "measure", "value") if col != "per"},
            "period_end": figs["period_end"].mask(rated, end),
            "period_end_basis": np.where(rated, np.where(is_open, "doc_date", "stated"), None),
            "figure_year": year.mask(yearless),
            "figure_year_basis": year_basis.mask(yearless),
            "divisor": "years",
            "divisor_value": np.where(exact, n_years, np.nan),
            "divisor_low": np.where(rated, low, np.nan),
            "divisor_high": np.where(rated, n_years, np.nan),
            "divisor_source": "period",
            "rate_unit": "per_year",
            "rate": _divide(value, n_years, exact),
            "rate_low": _divide(value, n_years, rated),
            "rate_high": _divide(value, low, rated & (low > 0)),
            "flag": flag,
            "note": note,
        },
        figs.index,
    )
    return schema.conform(out, RATES)


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
    figs = _figure_columns(figures)
    if figs.empty:
        return schema.conform(schema.empty_frame(RATES), RATES)
    year, year_basis = _figure_years(figs, doc_years)
    value = _numbers(figs["value"])
    flag, note = _not_a_count(figs)
    no_value = pd.isna(flag) & np.isnan(value)
    note[no_value] = "no value reported"
    counted = pd.isna(flag) & ~no_value
    fields = _denominator_fields(denominators, figs["iso3"][counted], year[counted], max_year_gap)
    for _, args in _distant_messages(figs["iso3"], figs["measure"], fields):
        logger.info(*args)
    fields = fields.reindex(figs.index)
    flag[counted] = fields["flag"].to_numpy()[counted]
    note[counted] = fields["note"].to_numpy()[counted]
    prisoners = fields["prisoners"].to_numpy(dtype=float, na_value=np.nan)
    found = ~np.isnan(prisoners)
    rate = _divide(value * 1000, prisoners, found)
    # the rate is of the count over its whole period: say so where that is more than one year
    n_years = _whole_years(figs["period_end"]) - _whole_years(figs["period_start"]) + 1
    several = found & (n_years > 1).fillna(False).to_numpy(dtype=bool)
    extra = np.full(len(figs), None, dtype=object)
    extra[several] = [f"count over {n} calendar years, not annualised" for n in _objects(n_years[several])]
    note = _join_notes(note, extra)
    out = _frame(
        {
            **{col: figs[col] for col in (*_FIGURE_OPTIONAL, "measure", "value") if col != "per"},
            "figure_year": year,
            "figure_year_basis": year_basis,
            "divisor": "prisoners",
            "divisor_value": prisoners,
            "divisor_low": prisoners,
            "divisor_high": prisoners,
            "divisor_year": fields["prisoners_year"],
            "divisor_source": fields["prisoners_source"],
            "year_gap": fields["year_gap"],
            "rate_unit": "per_1000_prisoners",
            "rate": rate,
            "rate_low": rate,
            "rate_high": rate,
            "flag": flag,
            "note": note,
        },
        figs.index,
    )
    _warn_distant(out, "per-capita rates")
    return schema.conform(out, RATES)


def _warn_distant(frame: pd.DataFrame, what: str) -> None:
    """One warning for all rows whose prison population is far from the figure's year."""
    if frame.empty or "flag" not in frame:
        return
    distant = _equals(frame["flag"], "distant_denominator")
    if distant.any():
        states = ", ".join(sorted(frame["iso3"][distant].dropna().astype(str).unique()))
        logger.warning(
            "%d %s use a prison population more than %d years from the figure's year (flag distant_denominator): %s",
            distant.sum(),
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
    health = _health_measures()
    parent = {k: v for k, v in vocab.measure_parent().items() if k in health}
    doc_years = _document_years(documents)
    figs = _figure_columns(figures)
    figs = figs[figs["measure"].isin(health)]
    if figs.empty:
        return schema.empty_frame(STAFFING)
    year, year_basis = _figure_years(figs, doc_years)
    figs = figs.assign(year=year, year_basis=year_basis)
    # totals are per (doc_id, iso3, year) group; the rows go out group by group, in order of first appearance
    keys = figs[["doc_id", "iso3", "year"]].astype(object)
    keys = keys.where(keys.notna(), "")
    group = figs.groupby([keys[col] for col in keys.columns], sort=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    figs, group = figs.iloc[order].reset_index(drop=True), group[order]
    value = _numbers(figs["value"])
    counted = figs["per"].isna().to_numpy()

    totals = _category_totals(figs, group, counted, parent)
    part_of = figs["measure"].map(parent)
    # a total's own row belongs to it; a category to the total it is part of, where its group has that total
    has_own = pd.MultiIndex.from_arrays([group, figs["measure"]]).isin(totals.index)
    has_parent = pd.MultiIndex.from_arrays([group, part_of]).isin(totals.index)
    total_measure = np.where(has_own, figs["measure"], np.where(has_parent, part_of, None))
    total_measure[~counted] = None
    info = totals.reindex(pd.MultiIndex.from_arrays([group, total_measure])).reset_index(drop=True)
    total_value = info["total_value"].to_numpy(dtype=float, na_value=np.nan)
    is_category = (total_measure != figs["measure"].to_numpy()) & (np.nan_to_num(total_value) != 0)
    mismatch = info["has_consistent_total"].eq(False).fillna(False).to_numpy(dtype=bool)

    fields = _denominator_fields(denominators, figs["iso3"][counted], figs["year"][counted], max_year_gap)
    fields = fields.reindex(figs.index)
    prisoners = fields["prisoners"].to_numpy(dtype=float, na_value=np.nan)
    found = ~np.isnan(prisoners)
    flag = np.where(mismatch, "sum_mismatch", fields["flag"].to_numpy())
    mismatch_note = np.full(len(figs), None, dtype=object)
    mismatch_note[mismatch] = [
        f"categories of {total} add up to {parts_sum:g}, not the stated {stated:g}"
        for total, parts_sum, stated in _values_on(
            mismatch, pd.Series(total_measure), info["categories_sum"], info["total_value"]
        )
    ]
    note = _join_notes(mismatch_note, fields["note"].to_numpy())
    flag[~counted] = "ratio_not_count"
    note[~counted] = [
        f"reported as {number:g} per {per}: a ratio, not a count"
        for number, per in zip(value[~counted], _objects(figs["per"][~counted]), strict=True)
    ]

    # the log in the order the row-wise version wrote it: a group's totals that do not add up, then its rows
    first_rows = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    iso3s, years = _objects(figs["iso3"]), _objects(figs["year"])
    mismatched = totals[totals["has_consistent_total"].eq(False).fillna(False)]
    messages = [
        (
            (first_rows[g], 0, rank),
            logging.WARNING,
            (
                "%s %s: categories of %s add up to %s, the stated total is %s",
                iso3s[first_rows[g]],
                years[first_rows[g]],
                total,
                f"{parts_sum:g}",
                f"{stated:g}",
            ),
        )
        for (g, total), rank, parts_sum, stated in zip(
            mismatched.index, mismatched["rank"], mismatched["categories_sum"], mismatched["total_value"], strict=True
        )
    ]
    messages += [
        ((row, 1, 0), logging.INFO, args) for row, args in _distant_messages(figs["iso3"], figs["measure"], fields)
    ]
    for _, level, args in sorted(messages, key=lambda message: message[0]):
        logger.log(level, *args)

    out = _frame(
        {
            **{
                col: figs[col] for col in ("doc_id", "iso3", "cycle", "year", "year_basis", "measure", "subject", "per")
            },
            "value": figs["value"],
            "total_measure": total_measure,
            "total_value": total_value,
            "total_basis": info["total_basis"],
            "categories_sum": info["categories_sum"],
            "has_consistent_total": info["has_consistent_total"],
            "share_pct": _divide(value, total_value, is_category) * 100,
            "prisoners": prisoners,
            "prisoners_year": fields["prisoners_year"],
            "prisoners_source": fields["prisoners_source"],
            "year_gap": fields["year_gap"],
            "per_1000_prisoners": _divide(value * 1000, prisoners, found),
            "prisoners_per_staff": _divide(prisoners, value, found & (value > 0)),
            "flag": flag,
            "note": note,
        },
        figs.index,
    )
    _warn_distant(out, "staffing rows")
    return schema.conform(out, STAFFING)


def _category_totals(
    figs: pd.DataFrame, group: np.ndarray, counted: np.ndarray, parent: dict[str, str]
) -> pd.DataFrame:
    """Per group of staff counts and total measure: the total, the sum of its categories and whether they agree.

    Returns a frame indexed by (group, total_measure), one row per total a group states or has categories of:
    ``total_value`` (as stated, else the sum of its categories), ``total_basis``, ``categories_sum``,
    ``has_consistent_total`` and ``rank`` (the order the totals are checked in). Only *counted* rows (not
    ratios) take part; a stated total is the group's first row of that measure.
    """
    # as Python objects the categories add up one by one in row order, as the row-wise version added them
    # (a float64 groupby sum compensates, and could make a total that did not add up add up)
    values = pd.Series(_objects(figs["value"]), dtype=object)
    part_of = figs["measure"].map(parent)
    tables = []
    for rank, total in enumerate(set(parent.values())):
        is_stated = counted & _equals(figs["measure"], total)
        stated = values[is_stated].set_axis(group[is_stated])
        stated = stated[~stated.index.duplicated()].astype(float)
        is_part = counted & _equals(part_of, total)
        parts_sum = values[is_part].groupby(group[is_part]).sum().astype(float)
        table = pd.DataFrame({"stated": stated, "categories_sum": parts_sum})
        has_stated = table["stated"].notna()
        both = has_stated & table["categories_sum"].notna()
        table = table.assign(
            total_measure=total,
            rank=rank,
            total_value=table["stated"].where(has_stated, table["categories_sum"]),
            total_basis=np.where(has_stated, "stated", "sum_of_categories"),
            has_consistent_total=(table["categories_sum"] == table["stated"]).astype("boolean").mask(~both),
        )
        tables.append(table.drop(columns="stated"))
    if not tables:  # no health measure is a part of another
        columns = ("categories_sum", "total_measure", "rank", "total_value", "total_basis", "has_consistent_total")
        tables = [pd.DataFrame(columns=columns)]
    return pd.concat(tables).rename_axis("group").set_index("total_measure", append=True)
