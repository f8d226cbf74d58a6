"""What a build did with every raw file: ``data/processed/build_report.csv``.

Every file the manifest lists gets one row with its status and, where it was
not read, the reason:

- ``processed``: a document read and extracted;
- ``curated``: a curated table, checked and merged (or, for notes such as
  ``excluded.csv``, only listed among the documents);
- ``skipped``: not read, with the reason (the file could not be read, or its
  manifest row points outside ``data/raw``, or its kind is one the build does
  not read);
- ``duplicate``: the same bytes (sha256) and the same suffix (so the same
  reader) as a document listed before it, so not extracted twice. The same
  bytes under another suffix are not a duplicate: ``letter.docx`` holding
  plain text is refused, while ``letter.txt`` with those bytes is read.

Each row also counts the rows of the documents, figures, grades and residuals
tables that came from the file; summed, they are the tables' lengths, and
:func:`check_accounts` refuses a build where they are not: no row comes from
nowhere and no file is forgotten.
"""

from __future__ import annotations

import collections
import io
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

import pandas as pd

from torture_stats.errors import DocumentError

STATUSES = ("processed", "curated", "skipped", "duplicate")
COUNTED_TABLES = ("documents", "figures", "grades", "residuals")
REPORT_COLUMNS = ("path", "kind", "sha256", "status", "reason", *COUNTED_TABLES)
REPORT_NAME = "build_report.csv"


def refuse_duplicate(path: str, sha256: str, seen: dict[tuple[str, str], str]) -> None:
    """Raise when a document with the same bytes and suffix was met before; else remember this one.

    Parameters
    ----------
    path : str
        The file, relative to ``data/raw``.
    sha256 : str
        Its checksum (from the manifest, verified).
    seen : dict
        (sha256, suffix) → path of the documents met so far; updated.

    Raises
    ------
    DocumentError
        *seen* already holds *sha256* under another path.

    Examples
    --------
    >>> seen = {}
    >>> refuse_duplicate("documents/a.txt", "ab" * 32, seen)
    >>> refuse_duplicate("documents/b.txt", "ab" * 32, seen)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    torture_stats.errors.DocumentError: data/raw/documents/b.txt: duplicate of data/raw/documents/a.txt ...
    """
    first = seen.setdefault(duplicate_key(path, sha256), path)
    if first != path:
        raise DocumentError(f"data/raw/{path}", duplicate_problem(first, sha256))


def duplicate_problem(first: str, sha256: str) -> str:
    """The reason given for a duplicate of *first* (a path relative to ``data/raw``)."""
    return f"duplicate of data/raw/{first} (same sha256 {sha256[:12]}…); not extracted twice"


def duplicate_key(path: str, sha256: str) -> tuple[str, str]:
    """What two files must share to be duplicates: their bytes, and their suffix, which picks the reader."""
    return sha256, PurePosixPath(path).suffix.lower()


def duplicates(manifest: pd.DataFrame) -> dict[str, str]:
    """Document files that an earlier one (in path order) already is: path → that earlier path.

    See :func:`duplicate_key`; curated files are never duplicates.
    """
    documents = manifest[manifest["kind"] != "curated"].sort_values("path", kind="stable")
    paths, checksums = documents["path"].tolist(), documents["sha256"].tolist()
    # only bytes met twice can be duplicates: the suffix is looked at for those alone
    repeated = {sha256 for sha256, n in collections.Counter(checksums).items() if n > 1}
    first: dict[tuple[str, str], str] = {}
    found = {}
    for path, sha256 in zip(paths, checksums, strict=True):
        if sha256 not in repeated:
            continue
        original = first.setdefault(duplicate_key(path, sha256), path)
        if original != path:
            found[path] = original
    return found


def build_report(
    manifest: pd.DataFrame,
    counts: Mapping[str, Mapping[str, int]],
    skipped: Iterable[tuple[str, str]],
    refused: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per file of the manifest: its status, the reason, and the rows it gave.

    Parameters
    ----------
    manifest : DataFrame
        Every row of ``data/raw/sources.csv``, including any the build refused.
    counts : mapping
        For each of ``documents``, ``figures``, ``grades`` and ``residuals``,
        the rows written per ``doc_id`` (the first 12 characters of a file's
        sha256).
    skipped : iterable of (path, reason)
        The files the build did not read, paths relative to ``data/raw``.
    refused : iterable of str
        The paths among them that the build refused to look at (outside
        ``data/raw``): no file is a duplicate of one of them.

    Returns
    -------
    DataFrame
        Columns ``path, kind, sha256, status, reason, documents, figures,
        grades, residuals``, sorted by path. ``status`` is one of
        ``STATUSES``; ``reason`` is empty for processed files.
    """
    reasons = {path: reason for path, reason in skipped}
    refused = set(refused)
    dups = duplicates(manifest[~manifest["path"].isin(refused)])
    ordered = manifest.sort_values("path", kind="stable")
    columns: dict[str, list] = {name: [] for name in REPORT_COLUMNS}
    columns |= {name: ordered[name].tolist() for name in ("path", "kind", "sha256")}
    credited: set[str] = set()
    for path, kind, sha256 in zip(columns["path"], columns["kind"], columns["sha256"], strict=True):
        if path in dups:
            status = "duplicate"
            reason = reasons.get(path) or duplicate_problem(dups[path], sha256)
        elif path in reasons:
            status, reason = "skipped", reasons[path]
        elif kind == "curated":
            status, reason = "curated", ""
        else:
            status, reason = "processed", ""
        doc_id = sha256[:12]
        gave = status in ("processed", "curated") and doc_id not in credited
        if gave:
            credited.add(doc_id)
        columns["status"].append(status)
        columns["reason"].append(reason)
        for name in COUNTED_TABLES:
            columns[name].append(int(counts[name].get(doc_id, 0)) if gave else 0)
    return pd.DataFrame(columns, columns=list(REPORT_COLUMNS))


def check_accounts(report: pd.DataFrame, rows: Mapping[str, int]) -> list[str]:
    """Ways in which *report* fails to account for every file and every row; empty when it does.

    Every file has one known status, files = processed + curated + skipped +
    duplicate, every processed file gave exactly one documents row, files not
    read gave none, and each counted table has exactly as many *rows* (as
    written) as the files say they gave.
    """
    problems = []
    unknown = sorted(set(report["status"]) - set(STATUSES))
    if unknown:
        problems.append(f"unknown statuses {unknown}")
    if report["path"].duplicated().any():
        problems.append(f"files listed twice: {', '.join(report.loc[report['path'].duplicated(), 'path'])}")
    by_status = report["status"].value_counts()
    if sum(int(by_status.get(s, 0)) for s in STATUSES) != len(report):
        problems.append("files do not add up to processed + curated + skipped + duplicate")
    processed = report[report["status"] == "processed"]
    bad = processed.loc[processed["documents"] != 1, "path"]
    if len(bad):
        problems.append(f"processed files without exactly one documents row: {', '.join(bad)}")
    unread = report[report["status"].isin(["skipped", "duplicate"])]
    gave = unread.loc[unread[list(COUNTED_TABLES)].sum(axis=1) > 0, "path"]
    if len(gave):
        problems.append(f"files not read that gave rows: {', '.join(gave)}")
    for name in COUNTED_TABLES:
        counted, actual = int(report[name].sum()), rows[name]
        if counted != actual:
            problems.append(f"{name}: {actual} rows, of which the raw files account for {counted}")
    return problems


def summary(report: pd.DataFrame) -> str:
    """One line: files by status and rows by table.

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     [["a.txt", "followup_letter", "0" * 64, "processed", "", 1, 17, 5, 1]], columns=list(REPORT_COLUMNS)
    ... )
    >>> summary(frame)
    '1 raw files: 1 processed, 0 curated, 0 skipped, 0 duplicate; rows: 1 documents, 17 figures, 5 grades, 1 residuals'
    """
    by_status = report["status"].value_counts()
    files = ", ".join(f"{int(by_status.get(s, 0))} {s}" for s in STATUSES)
    rows = ", ".join(f"{int(report[name].sum())} {name}" for name in COUNTED_TABLES)
    return f"{len(report)} raw files: {files}; rows: {rows}"


def report_csv(report: pd.DataFrame) -> bytes:
    """The report as CSV bytes: UTF-8, ``\\n`` line ends, rows sorted by path, no timestamp."""
    buffer = io.StringIO()
    report.sort_values("path", kind="stable").to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")
