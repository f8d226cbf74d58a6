"""Curated raw tables (``data/raw/curated/``): checked, then shaped like the extracted ones.

Curated rows carry facts copied by hand from public documents, each with its
``source_url``. They enter the processed tables with ``method = "curated"``;
where one describes the same thing as an extracted row, both are kept and the
disagreement is listed in the ``conflicts`` table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from torture_stats import schema, vocab
from torture_stats.errors import SchemaError
from torture_stats.symbols import parse_symbol

_URL = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#]\S*)?$")
#: curated file name → processed table it feeds
CURATED_TABLES = {"grades.csv": "grades", "figures.csv": "figures", "session_trends.csv": "session_trends"}


def read_curated(path: Path, doc_id: str) -> tuple[str, pd.DataFrame]:
    """Check a curated file and return ``(table name, rows in that table's shape)``.

    Raises
    ------
    SchemaError
        A check failed; the message names the file, the column and the rows.
    """
    table = CURATED_TABLES[path.name]
    raw = pd.read_csv(path, dtype="string", keep_default_na=False).replace("", pd.NA)
    problems = check_curated(raw, path.name)
    if problems:
        raise SchemaError(f"data/raw/curated/{path.name}: " + "; ".join(problems))
    shape = {"grades": _grades, "figures": _figures, "session_trends": _session_trends}[table]
    return table, schema.conform(shape(raw, doc_id), table)


def check_curated(raw: pd.DataFrame, name: str) -> list[str]:
    """Problems in a curated table: malformed URLs, unparsable symbols, unknown vocabulary."""
    problems = []

    def rows(mask: pd.Series) -> str:
        index = [str(i + 2) for i in raw.index[mask.fillna(False).astype(bool)]]
        return ", ".join(index[:10]) + (f" (+{len(index) - 10} more)" if len(index) > 10 else "")

    bad_url = ~raw["source_url"].fillna("").map(lambda u: bool(_URL.match(u)))
    if bad_url.any():
        problems.append(f"column source_url: missing or malformed URL in lines {rows(bad_url)}")
    for column in [c for c in raw.columns if c.endswith("symbol")]:
        bad = raw[column].notna() & raw[column].fillna("").map(lambda s: parse_symbol(s) is None)
        if bad.any():
            problems.append(f"column {column}: symbol does not parse in lines {rows(bad)}")
    vocabularies = {"measure": (vocab.measures, "not in measures.csv"), "iso3": (vocab.states, "unknown code")}
    for column, (table, problem) in vocabularies.items():
        if column in raw:
            bad = ~raw[column].isin(set(table()[column]))
            if bad.any():
                problems.append(f"column {column}: {problem} in lines {rows(bad)}")
    if "scheme" in raw:
        scales = vocab.grade_scales()
        pairs = set(zip(scales["scheme"], scales["grade"], strict=True))
        bad = ~pd.Series([(s, g) in pairs for s, g in zip(raw["scheme"], raw["grade"], strict=True)], index=raw.index)
        if bad.any():
            problems.append(f"columns scheme, grade: pair not in grade_scales.csv in lines {rows(bad)}")
    return problems


def _grades(raw: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    out = raw[["treaty", "iso3", "cycle", "paragraph", "topic", "grade", "grade_raw", "scheme", "assessed_on"]].copy()
    out["score"] = [vocab.grade_score(s, g) for s, g in zip(raw["scheme"], raw["grade"], strict=True)]
    return out.assign(
        doc_id=doc_id, method="curated", source_url=raw["source_url"], doc_symbol=raw["doc_symbol"], note=raw["note"]
    )


def _figures(raw: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    columns = [c for c in schema.FIGURES.names if c in raw.columns]
    out = raw[columns].copy()
    out["stage"] = raw["measure"].map(lambda m: vocab.measure_info(m)["stage"])
    return out.assign(doc_id=doc_id, method="curated")


def _session_trends(raw: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    columns = [c for c in schema.SESSION_TRENDS.names if c in raw.columns]
    return raw[columns].assign(doc_id=doc_id)


def conflicts(grades: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Curated and extracted rows that describe the same thing and disagree.

    Grades are the same thing when treaty, State, cycle and paragraph agree;
    figures when, in addition, measure and subject agree.
    """
    rows = []
    key = ["treaty", "iso3", "cycle", "paragraph"]
    extracted, curated = grades[grades["method"] != "curated"], grades[grades["method"] == "curated"]
    for _, pair in extracted.merge(curated, on=key, suffixes=("_x", "_c")).iterrows():
        if pair["grade_x"] != pair["grade_c"] and pair["score_x"] != pair["score_c"]:
            rows.append(
                {"table": "grades", **{k: pair[k] for k in key}, "extracted": f"{pair['grade_x']} ({pair['scheme_x']})",
                 "curated": f"{pair['grade_c']} ({pair['scheme_c']})", "extracted_doc_id": pair["doc_id_x"],
                 "curated_source_url": pair["source_url_c"]}
            )  # fmt: skip
    fkey = [*key, "measure", "subject"]
    extracted, curated = figures[figures["method"] != "curated"], figures[figures["method"] == "curated"]
    for _, pair in extracted.merge(curated, on=fkey, suffixes=("_x", "_c")).iterrows():
        if pair["value_x"] != pair["value_c"]:
            rows.append(
                {"table": "figures", **{k: pair[k] for k in fkey if k != "subject"}, "extracted": str(pair["value_x"]),
                 "curated": str(pair["value_c"]), "extracted_doc_id": pair["doc_id_x"],
                 "curated_source_url": pair["source_url_c"]}
            )  # fmt: skip
    frame = pd.DataFrame(rows) if rows else schema.empty_frame("conflicts")
    return schema.conform(frame, "conflicts")


#: hosts that publish the United Nations' own documents and press material
UN_HOSTS = ("ohchr.org", "ungeneva.org", "un.org", "undocs.org", "un-icc.cloud")
UN_LICENCE = "United Nations document or press material: public; facts and figures cited, no text reused"
OTHER_LICENCE = "third-party web page: facts and figures only, cited; no text reused"


def source_list(raw_dir: Path) -> pd.DataFrame:
    """Every source URL behind the curated tables, with what it supports.

    Parameters
    ----------
    raw_dir : Path
        ``data/raw`` of the project.

    Returns
    -------
    DataFrame
        One row per URL, sorted: ``source_url``, ``host``, ``tables`` (curated
        files that cite it), ``rows`` (how many rows), ``doc_symbols`` (symbols
        of the documents it carries, where known), ``licence_note``,
        ``accessed`` (the curated files' access date in ``sources.csv``).
    """
    from urllib.parse import urlparse

    from torture_stats.manifest import read_manifest

    manifest = read_manifest(raw_dir).set_index("path")
    frames = []
    for name in ("grades.csv", "figures.csv", "session_trends.csv", "denominators.csv"):
        path = raw_dir / "curated" / name
        if not path.exists():
            continue
        table = pd.read_csv(path, dtype="string", keep_default_na=False)
        symbols = table["doc_symbol"] if "doc_symbol" in table else pd.Series("", index=table.index)
        accessed = manifest.loc[f"curated/{name}", "date_accessed"] if f"curated/{name}" in manifest.index else ""
        frames.append(
            pd.DataFrame(
                {"source_url": table["source_url"], "table": name, "doc_symbol": symbols, "accessed": accessed}
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["source_url"] != ""]
    out = []
    for url, group in rows.groupby("source_url", sort=True):
        host = urlparse(url).netloc.removeprefix("www.")
        is_un = any(host == h or host.endswith("." + h) for h in UN_HOSTS)
        out.append(
            {
                "source_url": url,
                "host": host,
                "tables": " ".join(sorted(group["table"].unique())),
                "rows": len(group),
                "doc_symbols": " ".join(sorted(s for s in group["doc_symbol"].unique() if s)),
                "licence_note": UN_LICENCE if is_un else OTHER_LICENCE,
                "accessed": " ".join(sorted(a for a in group["accessed"].unique() if a)),
            }
        )
    return pd.DataFrame(out)


def sources_markdown(raw_dir: Path) -> str:
    """``docs/sources.md``: every source behind the data, generated from ``data/raw``."""
    sources = source_list(raw_dir)
    lines = [
        "# Sources of the curated data",
        "",
        "Generated by `torture_stats.curated.sources_markdown` from `data/raw`; do not edit by hand",
        "(`tests/test_curated.py` checks that it is current).",
        "",
        f"{len(sources)} sources behind {int(sources['rows'].sum())} curated rows.",
        "",
        "| source | documents | used in | rows | licence note | accessed |",
        "|---|---|---|---:|---|---|",
    ]
    for row in sources.itertuples(index=False):
        cells = (f"<{row.source_url}>", row.doc_symbols, row.tables, str(row.rows), row.licence_note, row.accessed)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
