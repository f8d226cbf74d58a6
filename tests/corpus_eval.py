"""Scoring the extractor on the test corpus (tests/corpus) against its expected answers.

Used by the tests and by ``benchmarks/``. Figures are matched on (file,
paragraph, measure, value); for matched rows the unit, bound and period are
compared too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from torture_stats import vocab
from torture_stats.documents import read_document
from torture_stats.extract import extract_grades, extract_tables

CORPUS = Path(__file__).resolve().parent / "corpus"
#: written by a team member who never saw the extractor, measured once before any rule was changed for it
HELD_OUT = Path(__file__).resolve().parent / "corpus_heldout"
DOCUMENT_FIELDS = (
    "kind", "treaty", "iso3", "cycle", "co_symbol", "session", "session_start", "session_end",
    "doc_date", "reply_symbol", "reply_date", "followup_paragraphs",
)  # fmt: skip
FIGURE_KEY = ("file", "paragraph", "measure", "value")
FIGURE_DETAIL = ("value_raw", "unit", "per", "bound", "period_start", "period_end", "period_note")


def expected(table: str, corpus: Path = CORPUS) -> pd.DataFrame:
    return pd.read_csv(corpus / "expected" / f"{table}.csv", dtype="string", keep_default_na=False)


@dataclass
class Extraction:
    corpus: Path = CORPUS
    documents: dict[str, dict] = field(default_factory=dict)
    figures: pd.DataFrame | None = None
    grades: pd.DataFrame | None = None
    residuals: pd.DataFrame | None = None


def extract_corpus(corpus: Path = CORPUS) -> Extraction:
    out = Extraction(corpus=corpus)
    figures, grades, residuals = [], [], []
    for file in expected("documents", corpus)["file"]:
        doc = read_document(corpus / file)
        out.documents[file] = doc.to_row()
        f, r = extract_tables(doc)
        figures.append(f.assign(file=file))
        residuals.append(r.assign(file=file))
        grades.append(extract_grades(doc).assign(file=file))
    out.figures = pd.concat(figures, ignore_index=True)
    out.grades = pd.concat(grades, ignore_index=True)
    out.residuals = pd.concat(residuals, ignore_index=True)
    return out


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def document_mismatches(run: Extraction) -> list[tuple[str, str, str, str]]:
    wrong = []
    for row in expected("documents", run.corpus).to_dict("records"):
        got = run.documents[row["file"]]
        for name in DOCUMENT_FIELDS:
            if _text(got.get(name)) != row[name]:
                wrong.append((row["file"], name, row[name], _text(got.get(name))))
        if vocab.state_iso3(row["state"]) != got.get("iso3"):
            wrong.append((row["file"], "state", row["state"], _text(got.get("state"))))
    return wrong


def grade_mismatches(run: Extraction) -> list[tuple]:
    exp = expected("grades", run.corpus)
    got = run.grades.assign(
        **{c: run.grades[c].map(_text) for c in ("paragraph", "grade", "scheme", "cycle", "assessed_on")}
    )
    exp_keys = Counter(map(tuple, exp[["file", "paragraph", "grade", "scheme", "cycle", "assessed_on"]].to_numpy()))
    got_keys = Counter(map(tuple, got[["file", "paragraph", "grade", "scheme", "cycle", "assessed_on"]].to_numpy()))
    missing = [("missing", *k) for k in (exp_keys - got_keys).elements()]
    extra = [("extra", *k) for k in (got_keys - exp_keys).elements()]
    return sorted(missing) + sorted(extra)


def match_counts(expected_keys: Counter, found_keys: Counter) -> dict:
    """Expected, extracted and matched counts with precision, recall and F1 of two multisets of keys."""
    matched = sum((expected_keys & found_keys).values())
    precision = matched / max(1, sum(found_keys.values()))
    recall = matched / max(1, sum(expected_keys.values()))
    return {
        "expected": sum(expected_keys.values()),
        "extracted": sum(found_keys.values()),
        "matched": matched,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def figure_scores(run: Extraction) -> dict:
    exp = expected("figures", run.corpus)
    exp["value"] = exp["value"].map(lambda v: _text(float(v)))
    got = run.figures.copy()
    got["value"] = got["value"].map(lambda v: _text(float(v)))
    got["paragraph"] = got["paragraph"].map(_text)
    exp_keys = Counter(map(tuple, exp[list(FIGURE_KEY)].to_numpy()))
    got_keys = Counter(map(tuple, got[list(FIGURE_KEY)].to_numpy()))
    counts = match_counts(exp_keys, got_keys)
    matched, precision, recall, f1 = (counts[k] for k in ("matched", "precision", "recall", "f1"))
    merged = exp.merge(got.drop_duplicates(list(FIGURE_KEY)), on=list(FIGURE_KEY), suffixes=("_exp", ""))
    detail_wrong = []
    for row in merged.to_dict("records"):
        for name in FIGURE_DETAIL:
            if _text(row[f"{name}_exp"]) != _text(row[name]):
                detail_wrong.append(
                    (
                        row["file"],
                        row["paragraph"],
                        row["measure"],
                        row["value"],
                        name,
                        row[f"{name}_exp"],
                        _text(row[name]),
                    )
                )
    detail_rows_ok = len(merged) - len({w[:4] for w in detail_wrong})
    reporter_wrong = [
        (r["file"], r["paragraph"], r["measure"], r["value"], r["reported_by_exp"], _text(r["reported_by"]))
        for r in merged.to_dict("records")
        if _text(r["reported_by_exp"]) != _text(r["reported_by"])
    ]
    return {
        "expected": sum(exp_keys.values()),
        "extracted": sum(got_keys.values()),
        "matched": matched,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "detail_accuracy": detail_rows_ok / max(1, len(merged)),
        "missing": sorted((exp_keys - got_keys).elements()),
        "extra": sorted((got_keys - exp_keys).elements()),
        "detail_wrong": detail_wrong,
        "reporter_wrong": reporter_wrong,
    }
