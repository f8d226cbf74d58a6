"""Declarations of the derived tables: rates, staffing, grade scores, denominators.

These use :class:`torture_stats.schema.Column` and :class:`~torture_stats.schema.Table`
like the contract's own tables, and are meant to be registered in
``schema.TABLES`` next to them. Until then pass the ``Table`` object itself to
``schema.conform``, ``schema.validate`` and ``schema.empty_frame``, which all
accept one.

Column names follow the contract: a quantity that already has a name keeps it
(``iso3``, ``cycle``, ``measure``, ``value``, ``unit``, ``period_start`` …), and
kinds go in fixed suffixes (``_year``, ``_pct``, ``_per_1000``).
"""

from __future__ import annotations

import pandas as pd

from torture_stats.errors import SchemaError, TortureStatsError
from torture_stats.schema import BOUNDS, METHODS, TREATIES, Column, Table

#: flags of the derived tables (why a row needs a human look)
DERIVED_FLAGS = (
    "ambiguous_period",
    "open_period",
    "distant_denominator",
    "no_denominator",
    "sum_mismatch",
    "ratio_not_count",
    "not_a_flow",
    "no_period",
    "unknown_grade",
    "conflict",
)

#: where the end year of a period came from
PERIOD_END_BASES = ("stated", "doc_date")

#: where the year of a figure came from
YEAR_BASES = ("period_end", "period_start", "reply_date", "doc_date")

_FIGURE_KEYS = (
    Column("doc_id", "string", "Id of the source document of the figure."),
    Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
    Column("cycle", "integer", "Reporting cycle whose recommendations the figure concerns."),
    Column("paragraph", "string", "Paragraph of the concluding observations the figure was reported under."),
    Column("measure", "string", "Measure from measures.csv.", required=True),
    Column("subject", "string", "Short text keeping figures of one measure apart."),
)

DENOMINATORS = Table(
    "denominators",
    "Prison population per State and year, with its source (data/raw/curated/denominators.csv).",
    (
        Column("iso3", "string", "ISO 3166-1 alpha-3 of the State.", required=True),
        Column("state", "string", "The State's short English name."),
        Column("measure", "string", "What is counted: prison_population.", required=True),
        Column("value", "number", "The count.", required=True),
        Column("unit", "string", "Unit of value: persons."),
        Column("year", "integer", "Year the count refers to.", required=True),
        Column("as_of", "date", "Date of the count where the source gives one (ISO 8601)."),
        Column("source_url", "string", "Public source of the count.", required=True),
        Column("note", "string", "How the row was read (approximate, inferred year …)."),
    ),
    key=("iso3", "measure", "year"),
)

RATES = Table(
    "rates",
    "One row per reported count and divisor: counts per year and per 1,000 prisoners, each naming its divisor.",
    (
        *_FIGURE_KEYS,
        Column("value", "number", "The count as reported.", required=True),
        Column("bound", "string", "How the count bounds the truth.", allowed=BOUNDS),
        Column("unit", "string", "What is counted."),
        Column("period_start", "integer", "First year the figure covers."),
        Column("period_end", "integer", "Last year the figure covers (doc_date's year for an open 'since' period)."),
        Column(
            "period_note", "string", "Fuzziness of the period as written.", allowed=("early", "late", "since", "as of")
        ),
        Column(
            "period_end_basis",
            "string",
            "Where period_end came from: stated in the text, or the year of the document's doc_date.",
            allowed=PERIOD_END_BASES,
        ),
        Column("figure_year", "integer", "Year the figure is matched to a denominator on."),
        Column("figure_year_basis", "string", "Where figure_year came from.", allowed=YEAR_BASES),
        Column("divisor", "string", "What the count was divided by.", allowed=("years", "prisoners"), required=True),
        Column("divisor_value", "number", "The divisor; empty where the text only gives a range of years."),
        Column("divisor_low", "number", "Smallest divisor the text allows."),
        Column("divisor_high", "number", "Largest divisor the text allows."),
        Column("divisor_year", "integer", "Year of the prison population used as divisor."),
        Column("divisor_source", "string", "Where the divisor came from: 'period' or the denominator's source_url."),
        Column("year_gap", "integer", "divisor_year - figure_year."),
        Column(
            "rate_unit",
            "string",
            "Unit of rate: per_year or per_1000_prisoners.",
            allowed=("per_year", "per_1000_prisoners"),
        ),
        Column("rate", "number", "value / divisor_value (x 1,000 for per_1000_prisoners)."),
        Column("rate_low", "number", "Smallest rate the text allows (value / divisor_high); not a confidence bound."),
        Column("rate_high", "number", "Largest rate the text allows (value / divisor_low); empty where unbounded."),
        Column("flag", "string", "Why the row needs a human look.", allowed=DERIVED_FLAGS),
        Column("note", "string", "The reason for the flag or for an empty rate, in words."),
    ),
)

STAFFING = Table(
    "staffing",
    "Staff per State, year and category: share of the total and ratios to the prison population.",
    (
        *_FIGURE_KEYS[:3],
        Column("year", "integer", "Year the staff count refers to; empty where the document gives none."),
        Column("year_basis", "string", "Where year came from.", allowed=YEAR_BASES),
        Column("measure", "string", "Staff category (measures.csv): doctors, nurses, medical_staff …", required=True),
        Column("subject", "string", "Short text keeping figures of one measure apart."),
        Column("value", "number", "Staff count as reported, or the ratio's numerator where per is set.", required=True),
        Column("per", "string", "Denominator of a reported ratio ('institution'); empty for a count."),
        Column("total_measure", "string", "The total this category is part of (measure_parts.csv)."),
        Column("total_value", "number", "That total: as stated, else the sum of its categories."),
        Column("total_basis", "string", "stated or sum_of_categories.", allowed=("stated", "sum_of_categories")),
        Column("categories_sum", "number", "Sum of the categories reported under total_measure."),
        Column("has_consistent_total", "boolean", "Whether categories_sum equals a stated total_value."),
        Column("share_pct", "number", "value / total_value x 100."),
        Column("prisoners", "number", "Prison population used as denominator."),
        Column("prisoners_year", "integer", "Year of that prison population."),
        Column("prisoners_source", "string", "Source URL of that prison population."),
        Column("year_gap", "integer", "prisoners_year - year."),
        Column("per_1000_prisoners", "number", "value / prisoners x 1,000."),
        Column("prisoners_per_staff", "number", "prisoners / value: prisoners per doctor on the doctors row."),
        Column("flag", "string", "Why the row needs a human look.", allowed=DERIVED_FLAGS),
        Column("note", "string", "The reason for the flag, or for an empty ratio, in words."),
    ),
    key=("doc_id", "iso3", "year", "measure", "subject", "per", "value"),
)

GRADE_SCORES = Table(
    "grade_scores",
    "Each graded paragraph (sub-limb) on the common 0-1 scale, with its raw grade and scheme.",
    (
        Column("doc_id", "string", "Id of the document that gave the grade."),
        Column("treaty", "string", "Committee code.", allowed=TREATIES),
        Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
        Column("cycle", "integer", "The cycle whose recommendations were assessed."),
        Column("paragraph", "string", "Paragraph as graded: 14(a), 28.", required=True),
        Column("recommendation", "string", "The paragraph without its sub-limb: 14(a) -> 14.", required=True),
        Column("grade", "string", "The grade as the scheme names it.", required=True),
        Column("grade_raw", "string", "The words or characters as printed."),
        Column("scheme", "string", "Grading scheme (grade_scales.csv).", required=True),
        Column("meaning", "string", "The scheme's meaning of the grade."),
        Column("score", "number", "Grade on the common 0-1 scale; empty for no reply or no information."),
        Column("engages", "boolean", "False for no reply (D, D1, D2): non-engagement, not a low score."),
        Column("assessed_on", "date", "Date of the letter or report that gave the grade."),
        Column("method", "string", "How the grade row was obtained.", allowed=METHODS),
        Column("flag", "string", "Why the row needs a human look.", allowed=DERIVED_FLAGS),
        Column("note", "string", "The reason for the flag, in words."),
    ),
)

RECOMMENDATION_SCORES = Table(
    "recommendation_scores",
    "One row per recommendation: its sub-limbs' scores aggregated by mean and by minimum.",
    (
        Column("doc_id", "string", "Id of the document that gave the grades."),
        Column("treaty", "string", "Committee code.", allowed=TREATIES),
        Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
        Column("cycle", "integer", "The cycle whose recommendations were assessed."),
        Column("recommendation", "string", "Paragraph without sub-limb: 14.", required=True),
        Column("paragraphs", "string", "The graded sub-limbs, space separated: 14(a) 14(b)."),
        Column("grades", "string", "Their grades, in the same order."),
        Column("schemes", "string", "Grading schemes used, space separated."),
        Column("n_limbs", "integer", "Sub-limbs graded."),
        Column("n_scored", "integer", "Sub-limbs with a score (a progress level)."),
        Column("n_not_engaged", "integer", "Sub-limbs graded as no reply (engages false)."),
        Column("score_mean", "number", "Mean score of the scored sub-limbs."),
        Column("score_min", "number", "Lowest score of the scored sub-limbs."),
        Column("assessed_on", "date", "Latest date of the grades."),
    ),
    key=("doc_id", "treaty", "iso3", "cycle", "recommendation"),
)

DERIVED_TABLES: dict[str, Table] = {
    t.name: t for t in (DENOMINATORS, RATES, STAFFING, GRADE_SCORES, RECOMMENDATION_SCORES)
}


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], argument: str) -> None:
    """Raise unless *frame* is a DataFrame with *columns*; *argument* names it in the message."""
    if not isinstance(frame, pd.DataFrame):
        raise TortureStatsError(f"{argument} must be a pandas DataFrame; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{argument} lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}"
        )
