"""Raw → processed → figures: the whole pipeline in one function.

:func:`build` verifies every raw file against the manifest, reads and
extracts each document, validates the tables against their declarations,
writes them (CSV and Parquet, with ``datapackage.json`` and a data
dictionary) into a fresh folder that replaces ``data/processed`` only once it
is complete, and draws the report figures.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from torture_stats import schema
from torture_stats.curated import CURATED_TABLES, conflicts, read_curated
from torture_stats.documents import read_document
from torture_stats.errors import DocumentError, SchemaError
from torture_stats.extract import extract_document_row, extract_grades, extract_tables
from torture_stats.manifest import verify_raw
from torture_stats.normalise import attrition_steps
from torture_stats.paths import project_paths

log = logging.getLogger(__name__)

DOCUMENT_KINDS = ("followup_letter", "followup_reply", "concluding_observations", "list_of_issues", "annual_report")
TABLE_ORDER = (
    "documents", "figures", "grades", "residuals", "attrition", "session_trends", "conflicts",
    "denominators", "rates", "staffing", "grade_scores", "recommendation_scores",
)  # fmt: skip


@dataclass(frozen=True)
class BuildReport:
    """What a build read, skipped and wrote."""

    documents: int
    skipped: tuple[tuple[str, str], ...]
    rows: dict
    processed: Path
    figures: tuple[Path, ...]


def build(root: str | Path | None = None, *, figures: bool = True) -> BuildReport:
    """Rebuild ``data/processed`` (and ``reports/figures``) from ``data/raw``.

    Parameters
    ----------
    root : path, optional
        Project root; see :func:`torture_stats.paths.project_paths`.
    figures : bool
        Also draw the report figures.

    Returns
    -------
    BuildReport

    Raises
    ------
    ManifestError
        A raw file is missing from the manifest or differs from its checksum;
        nothing is written.
    SchemaError
        A table fails validation; nothing is written.
    """
    paths = project_paths(root)
    manifest = verify_raw(paths.raw)
    tables, skipped = _extract_all(paths.raw, manifest)
    tables.update(normalised_tables(tables, paths.raw))
    problems = [p for name in TABLE_ORDER for p in schema.validate(tables[name], name)]
    if problems:
        raise SchemaError("; ".join(problems))
    _write_processed(paths.processed, tables, manifest)
    written: tuple[Path, ...] = ()
    if figures:
        from torture_stats.report_figures import draw_report_figures

        written = tuple(draw_report_figures(tables, paths.figures))
    report = BuildReport(
        documents=len(tables["documents"]),
        skipped=tuple(skipped),
        rows={name: len(tables[name]) for name in TABLE_ORDER},
        processed=paths.processed,
        figures=written,
    )
    log.info(
        "built %s documents, %s figures, %s grades", report.documents, report.rows["figures"], report.rows["grades"]
    )
    return report


def normalised_tables(tables: dict[str, pd.DataFrame], raw_dir: Path) -> dict[str, pd.DataFrame]:
    """The tables derived from figures and grades: attrition, rates, staffing, grade scores."""
    from torture_stats.grading import grade_scores, recommendation_scores
    from torture_stats.rates import annual_rates, load_denominators, per_capita, staffing

    figures, grades, documents = tables["figures"], tables["grades"], tables["documents"]
    denominators_path = raw_dir / "curated" / "denominators.csv"
    denominators = (
        load_denominators(denominators_path) if denominators_path.exists() else schema.empty_frame("denominators")
    )
    rates = pd.concat(
        [annual_rates(figures, documents), per_capita(figures, denominators, documents)], ignore_index=True
    )
    return {
        "attrition": attrition_steps(figures),
        "conflicts": conflicts(grades, figures),
        "denominators": denominators,
        "rates": schema.conform(rates, "rates"),
        "staffing": staffing(figures, denominators, documents),
        "grade_scores": grade_scores(grades),
        "recommendation_scores": recommendation_scores(grades),
    }


def _extract_all(raw_dir: Path, manifest: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str]]]:
    parts: dict[str, list[pd.DataFrame]] = {
        "documents": [], "figures": [], "grades": [], "residuals": [], "session_trends": []
    }  # fmt: skip
    skipped: list[tuple[str, str]] = []
    for row in manifest.itertuples(index=False):
        path = raw_dir / row.path
        if row.kind == "curated":
            parts["documents"].append(_curated_document_row(row))
            if path.name in CURATED_TABLES:
                table, frame = read_curated(path, row.sha256[:12])
                parts[table].append(frame)
            continue
        if row.kind not in DOCUMENT_KINDS:
            continue
        try:
            doc = read_document(path, source=f"data/raw/{row.path}")
        except DocumentError as exc:
            log.error("%s", exc)
            skipped.append((row.path, exc.problem))
            continue
        figures, residuals = extract_tables(doc)
        parts["documents"].append(extract_document_row(doc))
        parts["figures"].append(figures)
        parts["grades"].append(extract_grades(doc))
        parts["residuals"].append(residuals)
    tables = {}
    for name, frames in parts.items():
        frames = [f for f in frames if not f.empty]
        combined = pd.concat(frames, ignore_index=True) if frames else schema.empty_frame(name)
        tables[name] = schema.conform(combined, name)
    return tables, skipped


def _curated_document_row(row) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{"doc_id": row.sha256[:12], "source": f"data/raw/{row.path}", "sha256": row.sha256, "kind": "curated"}]
    )
    return schema.conform(frame, "documents")


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="zstd")
    return buffer.getvalue()


def _write_processed(target: Path, tables: dict[str, pd.DataFrame], manifest: pd.DataFrame) -> None:
    """Write every file into a sibling folder, then swap it in whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".processed-", dir=target.parent))
    staging.chmod(0o755)
    try:
        files: dict[str, bytes] = {}
        for name in TABLE_ORDER:
            files[f"{name}.csv"] = _csv_bytes(tables[name])
            files[f"{name}.parquet"] = _parquet_bytes(tables[name])
        files["datapackage.json"] = _datapackage(files, manifest)
        files["data_dictionary.md"] = data_dictionary().encode("utf-8")
        for filename, payload in files.items():
            (staging / filename).write_bytes(payload)
        keep = target / ".gitkeep"
        if keep.exists():
            (staging / ".gitkeep").write_bytes(keep.read_bytes())
        _swap_in(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _swap_in(staging: Path, target: Path) -> None:
    retired = target.with_name(f".{target.name}-previous")
    if retired.exists():
        shutil.rmtree(retired)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    if retired.exists():
        shutil.rmtree(retired)


def _datapackage(files: dict[str, bytes], manifest: pd.DataFrame) -> bytes:
    from torture_stats import __version__

    resources = []
    for name in TABLE_ORDER:
        spec = schema.get_table(name)
        fields = [
            {"name": c.name, "type": c.type, "description": c.description}
            | ({"constraints": {"enum": list(c.allowed)}} if c.allowed else {})
            for c in spec.columns
        ]
        for fmt in ("csv", "parquet"):
            filename = f"{name}.{fmt}"
            resource = {
                "name": f"{name}-{fmt}",
                "path": filename,
                "format": fmt,
                "description": spec.description,
                "hash": "sha256:" + hashlib.sha256(files[filename]).hexdigest(),
                "bytes": len(files[filename]),
                "schema": {"fields": fields} | ({"primaryKey": list(spec.key)} if spec.key else {}),
            }
            if fmt == "csv":
                resource |= {"mediatype": "text/csv", "encoding": "utf-8"}
            resources.append(resource)
    sources = [
        {
            "path": f"data/raw/{r.path}",
            "title": r.title,
            "url": r.url or None,
            "sha256": r.sha256,
            "licence": r.licence_note,
        }
        for r in manifest.itertuples(index=False)
    ]
    package = {
        "name": "torture-stats-processed",
        "title": "torture_stats processed tables",
        "profile": "data-package",
        "version": __version__,
        "resources": resources,
        "sources": sources,
    }
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def data_dictionary() -> str:
    """The data dictionary, in Markdown, generated from :mod:`torture_stats.schema`."""
    lines = ["# Data dictionary", "", "Generated from `torture_stats/schema.py`; do not edit by hand.", ""]
    for name in TABLE_ORDER:
        spec = schema.get_table(name)
        lines += [f"## {name}", "", spec.description, ""]
        if spec.key:
            lines += [f"Key: `{', '.join(spec.key)}`", ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        for col in spec.columns:
            allowed = f" One of: {', '.join(f'`{a}`' for a in col.allowed)}." if col.allowed else ""
            lines.append(f"| {col.name} | {col.type} | {col.description}{allowed} |")
        lines.append("")
    return "\n".join(lines)
