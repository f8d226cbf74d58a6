"""The tables torture_stats reads and writes, declared once.

Every column of every table is described here with its dtype and meaning.
Validation, the empty frames the extractors start from, ``datapackage.json``
and the data dictionary are all generated from these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from torture_stats.errors import SchemaError

#: pandas dtype for each logical type of the contract
PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "date": "string",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    allowed: tuple[str, ...] | None = None
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


KINDS = (
    "followup_letter",
    "followup_reply",
    "concluding_observations",
    "list_of_issues",
    "annual_report",
    "curated",
)
TREATIES = ("CAT", "CCPR", "CEDAW", "CERD", "CRC", "CESCR", "CED", "CRPD", "CMW")
BOUNDS = ("exact", "at_least", "at_most", "approx")
REPORTERS = ("state_party", "other_sources", "committee")
METHODS = ("pattern", "curated", "manual")
FLAGS = ("ambiguous_period", "ambiguous_unit", "conflict", "non_monotonic", "unit_change")

_PROVENANCE = (
    Column("doc_id", "string", "Id of the source document (first 12 hex of its sha256).", required=True),
    Column("treaty", "string", "Committee code.", allowed=TREATIES),
    Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
    Column("cycle", "integer", "Reporting cycle whose recommendations the row concerns."),
)

DOCUMENTS = Table(
    "documents",
    "One row per source document.",
    (
        Column("doc_id", "string", "Stable id: first 12 hex of the sha256 of the raw bytes.", required=True),
        Column("source", "string", "Path relative to the data root, or URL.", required=True),
        Column("sha256", "string", "Hash of the raw bytes as read.", required=True),
        Column("kind", "string", "Kind of document.", allowed=KINDS),
        Column("treaty", "string", "Committee code.", allowed=TREATIES),
        Column("state", "string", "The State party's short English name."),
        Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
        Column(
            "cycle",
            "integer",
            "Periodic report number the concluding observations answer (highest for combined reports).",
        ),
        Column("co_symbol", "string", "Normalised symbol of the concluding observations."),
        Column("session", "integer", "Committee session that adopted the concluding observations."),
        Column("doc_date", "date", "Date the document bears (ISO 8601)."),
        Column("reply_symbol", "string", "Symbol of the State party's follow-up reply."),
        Column("reply_date", "date", "Date of that reply (ISO 8601)."),
        Column("session_start", "date", "First day of that session (ISO 8601)."),
        Column("session_end", "date", "Last day of that session (ISO 8601)."),
        Column("followup_paragraphs", "string", "Paragraphs selected for follow-up, normalised, space separated."),
    ),
    key=("doc_id",),
)

GRADES = Table(
    "grades",
    "One row per follow-up paragraph (sub-limb) assessed.",
    (
        *_PROVENANCE[:3],
        Column("cycle", "integer", "The cycle whose recommendations were assessed."),
        Column(
            "paragraph", "string", "Paragraph of the concluding observations, normalised: 14(a), 28.", required=True
        ),
        Column("topic", "string", "Section heading as written, cleaned of OCR noise."),
        Column("grade", "string", "The grade as the scheme names it.", required=True),
        Column("grade_raw", "string", "The words or characters as printed."),
        Column("scheme", "string", "Grading scheme (grade_scales.csv).", required=True),
        Column("score", "number", "Grade on the common 0-1 scale; empty where the grade is not a progress level."),
        Column("assessed_on", "date", "Date of the letter or report that gave the grade."),
        Column("span_start", "integer", "Start offset of the grade in the raw text."),
        Column("span_end", "integer", "End offset of the grade in the raw text."),
        Column("method", "string", "How the row was obtained.", allowed=METHODS),
        Column("source_url", "string", "Public source of a curated row."),
        Column("doc_symbol", "string", "Symbol of the document that states the grade, where known."),
        Column("note", "string", "Why a curated value was inferred rather than read."),
        Column("flag", "string", "Why the row needs a human look.", allowed=FLAGS),
    ),
    key=("doc_id", "iso3", "cycle", "paragraph"),
)

FIGURES = Table(
    "figures",
    "One row per reported figure.",
    (
        *_PROVENANCE,
        Column("paragraph", "string", "Paragraph of the concluding observations the figure was reported under."),
        Column("measure", "string", "Measure from measures.csv.", required=True),
        Column("value", "number", "The number as reported.", required=True),
        Column("value_raw", "string", "The number exactly as printed.", required=True),
        Column("bound", "string", "How the value bounds the truth.", allowed=BOUNDS),
        Column("unit", "string", "What is counted (measures.csv), or an ISO 4217 code."),
        Column("per", "string", "Denominator of a reported ratio; empty for a count."),
        Column("subject", "string", "Short text keeping figures of one measure apart."),
        Column("period_start", "integer", "First year the figure covers."),
        Column("period_end", "integer", "Last year the figure covers."),
        Column(
            "period_note", "string", "Fuzziness of the period as written.", allowed=("early", "late", "since", "as of")
        ),
        Column("reported_by", "string", "Who the text attributes the figure to.", allowed=REPORTERS),
        Column("chain", "string", "Id shared by the figures of one attrition chain."),
        Column("stage", "string", "The measure's attrition stage (measures.csv)."),
        Column("page", "integer", "Page of the source document."),
        Column("span_start", "integer", "Start offset of the evidence in the raw text."),
        Column("span_end", "integer", "End offset of the evidence in the raw text."),
        Column("evidence", "string", "The words the figure was read from, whitespace-normalised."),
        Column("method", "string", "How the row was obtained.", allowed=METHODS, required=True),
        Column("flag", "string", "Why the row needs a human look.", allowed=FLAGS),
        Column("source_url", "string", "Public source of a curated row."),
        Column("doc_symbol", "string", "Symbol of the document the figure was read from, where known."),
        Column("note", "string", "Why a curated value was inferred rather than read."),
    ),
)

SESSION_TRENDS = Table(
    "session_trends",
    "Per-session counts of the follow-up procedure (curated from annual reports and meeting records).",
    (
        Column("doc_id", "string", "Id of the curated file the row comes from.", required=True),
        Column("treaty", "string", "Committee code.", allowed=TREATIES, required=True),
        Column("session", "integer", "Committee session.", required=True),
        Column(
            "period_start", "date", "First day of the period counted (ISO 8601; year-month where only that is known)."
        ),
        Column("period_end", "date", "Last day of the period counted."),
        Column("measure", "string", "Measure from measures.csv.", required=True),
        Column("value", "number", "The count or share.", required=True),
        Column("unit", "string", "What is counted."),
        Column("doc_symbol", "string", "Symbol of the source document, where known."),
        Column("source_url", "string", "Public source of the row.", required=True),
        Column("note", "string", "Why a value was inferred rather than read."),
    ),
    key=("treaty", "session", "measure", "source_url"),
)

CONFLICTS = Table(
    "conflicts",
    "Where a curated row and an extracted row describe the same thing and disagree.",
    (
        Column("table", "string", "Table of the two rows.", required=True),
        Column("treaty", "string", "Committee code."),
        Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
        Column("cycle", "integer", "Reporting cycle."),
        Column("paragraph", "string", "Paragraph of the concluding observations."),
        Column("measure", "string", "Measure (figures) or empty (grades)."),
        Column("extracted", "string", "The extracted grade or value."),
        Column("curated", "string", "The curated grade or value."),
        Column("extracted_doc_id", "string", "Document of the extracted row."),
        Column("curated_source_url", "string", "Source of the curated row."),
    ),
)

RESIDUALS = Table(
    "residuals",
    "Numbers that look like figures but could not be classified.",
    (
        *_PROVENANCE,
        Column("paragraph", "string", "Paragraph the number stands under."),
        Column("value_raw", "string", "The number exactly as printed.", required=True),
        Column("reason", "string", "Why it is not a figure row.", required=True),
        Column("page", "integer", "Page of the source document."),
        Column("span_start", "integer", "Start offset of the context in the raw text."),
        Column("span_end", "integer", "End offset of the context in the raw text."),
        Column("evidence", "string", "The words around the number, whitespace-normalised."),
    ),
)

ATTRITION = Table(
    "attrition",
    "One row per step of an attrition chain.",
    (
        Column("doc_id", "string", "Document the chain's figures were read from (curated figures: the curated file)."),
        Column("chain", "string", "Chain id, unique within its document.", required=True),
        Column("iso3", "string", "ISO 3166-1 alpha-3 of the State party."),
        Column("cycle", "integer", "Reporting cycle."),
        Column("step", "integer", "Order of the step within its chain (1 = first)."),
        Column("from_measure", "string", "Measure at the start of the step.", required=True),
        Column("to_measure", "string", "Measure at the end of the step.", required=True),
        Column("from_stage", "string", "Stage of from_measure."),
        Column("to_stage", "string", "Stage of to_measure; an 'x' suffix marks an exit branch."),
        Column("is_exit", "boolean", "True where the step leaves the chain (closed, acquitted)."),
        Column("from_value", "number", "Count at the start of the step."),
        Column("to_value", "number", "Count at the end of the step."),
        Column("unit_from", "string", "Unit of from_value."),
        Column("unit_to", "string", "Unit of to_value."),
        Column("rate", "number", "to_value / from_value; empty where not comparable."),
        Column("ci_low", "number", "Lower bound of the interval for rate."),
        Column("ci_high", "number", "Upper bound of the interval for rate."),
        Column("ci_method", "string", "Interval method (statsmodels proportion_confint name)."),
        Column("comparable", "boolean", "False where the units differ or the counts cannot form a proportion."),
        Column("flag", "string", "Why the step needs a human look.", allowed=FLAGS),
    ),
    key=("doc_id", "chain", "step"),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (DOCUMENTS, FIGURES, GRADES, RESIDUALS, ATTRITION, SESSION_TRENDS, CONFLICTS)
}


def all_tables() -> dict[str, Table]:
    """The contract's tables and the derived ones (``schema_derived``), by name."""
    from torture_stats import schema_derived

    derived = (
        schema_derived.DENOMINATORS,
        schema_derived.RATES,
        schema_derived.STAFFING,
        schema_derived.GRADE_SCORES,
        schema_derived.RECOMMENDATION_SCORES,
    )
    return {**TABLES, **{t.name: t for t in derived}}


def get_table(name: str) -> Table:
    """Return the declaration of table *name*."""
    tables = all_tables()
    try:
        return tables[name]
    except KeyError:
        allowed = ", ".join(tables)
        raise SchemaError(f"unknown table {name!r}; allowed: {allowed}") from None


def empty_frame(table: str | Table) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    spec = get_table(table) if isinstance(table, str) else table
    return pd.DataFrame({c.name: pd.Series(dtype=PANDAS_DTYPES[c.type]) for c in spec.columns})


def conform(frame: pd.DataFrame, table: str | Table) -> pd.DataFrame:
    """Return *frame* with exactly the table's columns, in order, with its dtypes.

    Missing columns are added empty; extra columns raise, so that nothing is
    dropped without a trace.
    """
    spec = get_table(table) if isinstance(table, str) else table
    extra = [c for c in frame.columns if c not in spec.names]
    if extra:
        raise SchemaError(f"table {spec.name}: columns not in the contract: {', '.join(extra)}")
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        values = frame[col.name] if col.name in frame else pd.Series(pd.NA, index=frame.index)
        out[col.name] = _cast(values, col)
    return out.reset_index(drop=True)


def _cast(values: pd.Series, col: Column) -> pd.Series:
    dtype = PANDAS_DTYPES[col.type]
    if col.type == "integer":
        return pd.to_numeric(values, errors="raise").astype("Int64")
    if col.type == "number":
        return pd.to_numeric(values, errors="raise").astype("Float64")
    if col.type == "boolean":
        return values.astype("boolean")
    values = values.astype("object").where(values.notna(), None)
    values = values.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return values.astype(dtype).replace("", pd.NA)


def validate(frame: pd.DataFrame, table: str | Table) -> list[str]:
    """Check *frame* against its declaration; return one message per problem.

    Each message names the table, the column and the offending rows.
    """
    spec = get_table(table) if isinstance(table, str) else table
    problems: list[str] = []
    if list(frame.columns) != spec.names:
        problems.append(f"table {spec.name}: columns {list(frame.columns)} differ from the contract {spec.names}")
        return problems
    for col in spec.columns:
        series = frame[col.name]
        expected = PANDAS_DTYPES[col.type]
        if str(series.dtype) != expected:
            problems.append(f"table {spec.name}, column {col.name}: dtype {series.dtype}, expected {expected}")
            continue
        if col.required:
            missing = series.index[series.isna()].tolist()
            if missing:
                problems.append(f"table {spec.name}, column {col.name}: empty in rows {_rows(missing)}")
        if col.allowed is not None:
            bad = series.index[series.notna() & ~series.isin(col.allowed)].tolist()
            if bad:
                problems.append(
                    f"table {spec.name}, column {col.name}: values outside {list(col.allowed)} in rows {_rows(bad)}"
                )
    if spec.key:
        dup = frame.index[frame.duplicated(list(spec.key), keep=False)].tolist()
        if dup:
            problems.append(f"table {spec.name}, key {'+'.join(spec.key)}: duplicated in rows {_rows(dup)}")
    return problems


def _rows(index: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in index[:limit])
    return shown + (f" (+{len(index) - limit} more)" if len(index) > limit else "")
