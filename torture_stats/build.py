"""Raw → processed → figures: the whole pipeline in one function.

:func:`build` verifies every raw file against the manifest, reads and
extracts each document, validates the tables against their declarations,
writes them (CSV and Parquet, with ``datapackage.json`` and a data
dictionary) into a fresh folder that replaces ``data/processed`` only once it
is complete, and draws the report figures.

Documents are read and extracted one at a time by :func:`extract_document`,
in this process, in a pool of worker processes (``jobs``) or on a Dask
cluster (``engine="dask"``); the results come back in manifest order, so the
tables are the same byte for byte whichever runs them. Each result is kept in
a cache (``data/interim/extract-cache``) under the raw file's sha256 and a
fingerprint of the extractor (library version, vocabularies and code), so a
rebuild extracts only new or changed files. Texts are never all held at once:
workers read their own files and the rows are gathered table by table.
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from torture_stats import accounting, schema
from torture_stats.curated import CURATED_TABLES, conflicts, read_curated
from torture_stats.errors import DocumentError, SchemaError, TortureStatsError
from torture_stats.locking import exchange, one_build_at_a_time
from torture_stats.manifest import read_manifest, verify_raw
from torture_stats.normalise import attrition_steps
from torture_stats.paths import project_paths

log = logging.getLogger(__name__)

DOCUMENT_KINDS = ("followup_letter", "followup_reply", "concluding_observations", "list_of_issues", "annual_report")
TABLE_ORDER = (
    "documents", "figures", "grades", "residuals", "attrition", "session_trends", "conflicts",
    "denominators", "rates", "staffing", "grade_scores", "recommendation_scores",
)  # fmt: skip


#: documents handed to a worker at a time
CHUNK_SIZE = 32
#: fewer documents to extract than this are extracted in this process: starting workers would cost more
MIN_PARALLEL_DOCUMENTS = 64
ENGINES = ("process", "dask")
#: the modules whose code decides what extraction returns (part of the cache fingerprint)
_EXTRACTION_MODULES = ("documents", "extract", "readers", "sentences", "symbols", "textmap", "schema")


@dataclass(frozen=True)
class BuildReport:
    """What a build read, skipped and wrote.

    ``extracted`` documents were read and extracted in this build, ``cached``
    ones came from the extraction cache; ``seconds`` is the wall time.
    """

    documents: int
    skipped: tuple[tuple[str, str], ...]
    rows: dict
    processed: Path
    figures: tuple[Path, ...]
    extracted: int = 0
    cached: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: documents, figures, grades, skipped, how many came from the cache, time."""
        return (
            f"{self.documents} documents, {self.rows['figures']} figures, {self.rows['grades']} grades, "
            f"{len(self.skipped)} skipped ({self.extracted} extracted, {self.cached} from cache) "
            f"in {self.seconds:.1f} s"
        )


@one_build_at_a_time
def build(
    root: str | Path | None = None,
    *,
    figures: bool = True,
    jobs: int | None = 1,
    engine: str = "process",
    scheduler: str | None = None,
    cache: bool = True,
    progress: bool | None = False,
) -> BuildReport:
    """Rebuild ``data/processed`` (and ``reports/figures``) from ``data/raw``.

    Parameters
    ----------
    root : path, optional
        Project root; see :func:`torture_stats.paths.project_paths`.
    figures : bool
        Also draw the report figures.
    jobs : int or None
        Worker processes for reading and extracting documents; ``None`` for
        one per core, ``1`` (the default) to extract in this process. Small
        builds (fewer than ``MIN_PARALLEL_DOCUMENTS`` documents to extract)
        always run in this process.
    engine : {"process", "dask"}
        ``"dask"`` runs the same per-document function on a Dask cluster
        (``pip install torture_stats[dask]``): the one at *scheduler*, or a
        local cluster of *jobs* workers.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``), with
        ``engine="dask"``. Its workers are sent each file's bytes, so they
        need not see this machine's disk.
    cache : bool
        Reuse, and keep, each document's extraction in
        ``data/interim/extract-cache``. The tables are the same either way.
    progress : bool or None
        Show a progress bar on stderr; ``None`` shows it only on a terminal
        and not in CI (``CI=true``).

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
    ValueError
        *engine* or *jobs* is not one of the allowed values.

    Notes
    -----
    Worker processes are started with ``spawn``, which imports the calling
    script again: a script that calls ``build(jobs=2)`` needs the usual
    ``if __name__ == "__main__":`` guard (the command line and notebooks
    need nothing).
    """
    started = time.perf_counter()
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r}: allowed: {', '.join(map(repr, ENGINES))}")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs={jobs!r}: give a whole number of processes ≥ 1, or None for one per core")
    paths = project_paths(root)
    refused: list[tuple[str, str]] = []  # manifest rows pointing outside data/raw: never read
    manifest = verify_raw(paths.raw, refused=refused)
    for path, problem in refused:
        log.warning("skipped data/raw/%s: %s", path, problem)
    runner = _Runner(
        jobs=jobs or os.cpu_count() or 1,
        engine=engine,
        scheduler=scheduler,
        cache_dir=extraction_cache_dir(paths.root) if cache else None,
        progress=_show_progress(progress),
    )
    tables, skipped = _extract_all(paths.raw, manifest, runner)
    skipped = refused + skipped
    tables.update(normalised_tables(tables, paths.raw))
    problems = [p for name in TABLE_ORDER for p in schema.validate(tables[name], name)]
    accounts = accounting.build_report(read_manifest(paths.raw), tables, skipped, refused=[p for p, _ in refused])
    problems += [f"build report: {p}" for p in accounting.check_accounts(accounts, tables)]
    if problems:
        raise SchemaError("; ".join(problems))
    log.info("%s", accounting.summary(accounts))
    _write_processed(paths.processed, tables, manifest, extra={accounting.REPORT_NAME: accounting.report_csv(accounts)})
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
        extracted=runner.extracted,
        cached=runner.cached,
        seconds=time.perf_counter() - started,
    )
    log.info("built %s", report.summary())
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


def _extract_all(raw_dir: Path, manifest: pd.DataFrame, runner: _Runner) -> tuple[dict[str, pd.DataFrame], list]:
    parts = {name: _TableParts(name) for name in ("documents", "figures", "grades", "residuals", "session_trends")}
    skipped: list[tuple[str, str]] = []
    copies = accounting.duplicates(manifest)  # the same bytes as a file before them: not extracted twice
    tasks = [
        _Task(raw_dir / row.path, f"data/raw/{row.path}", row.sha256)
        for row in manifest.itertuples(index=False)
        if row.kind in DOCUMENT_KINDS and row.path not in copies
    ]
    try:
        return _gather(raw_dir, manifest, runner.run(tasks), parts, skipped), skipped
    finally:
        runner.finish()


def _gather(
    raw_dir: Path, manifest: pd.DataFrame, results: Iterator[dict], parts: dict, skipped: list
) -> dict[str, pd.DataFrame]:
    copies = accounting.duplicates(manifest)
    for row in manifest.itertuples(index=False):
        path = raw_dir / row.path
        if row.kind == "curated":
            parts["documents"].add_rows([_curated_document_row(row)])
            if path.name in CURATED_TABLES:
                table, frame = read_curated(path, row.sha256[:12])
                parts[table].add_frame(frame)
            continue
        if row.kind not in DOCUMENT_KINDS:
            skipped.append((row.path, f"kind {row.kind!r} is not read by the build: {', '.join(DOCUMENT_KINDS)}"))
            log.warning("skipped data/raw/%s: %s", *skipped[-1])
            continue
        if row.path in copies:
            skipped.append((row.path, accounting.duplicate_problem(copies[row.path], row.sha256)))
            log.warning("skipped data/raw/%s: %s", *skipped[-1])
            continue
        result = next(results)
        if "skipped" in result:
            log.warning("skipped %s", DocumentError(f"data/raw/{row.path}", result["skipped"]))
            skipped.append((row.path, result["skipped"]))
            continue
        for name in ("documents", "figures", "grades", "residuals"):
            parts[name].add_rows(result[name])
    return {name: part.frame() for name, part in parts.items()}


# --- one document ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    path: Path
    source: str
    sha256: str
    data: bytes | None = None


def extract_document(path: str | Path, source: str, data: bytes | None = None) -> dict:
    """Read and extract one document: the per-document work of a build.

    Parameters
    ----------
    path : path
        The raw file (its suffix picks the reader).
    source : str
        What to record as the document's ``source``.
    data : bytes, optional
        The file's bytes, when they were read elsewhere (a Dask worker on
        another machine); by default the file is read from *path*.

    Returns
    -------
    dict
        ``{"documents": [row], "figures": [...], "grades": [...],
        "residuals": [...]}``, each a list of rows (dicts of plain values),
        or ``{"skipped": reason}`` for a file that cannot be read.
    """
    from torture_stats import readers
    from torture_stats.documents import document_from_text
    from torture_stats.extract import extract_records, grade_records

    path = Path(path)
    try:
        # the size limits of readers.read_raw apply to bytes read elsewhere too; the time limit to all the work
        with readers.time_limit(path):
            raw = readers.read_raw(path, data)
            doc = document_from_text(raw.text, sha256=raw.sha256, source=source, page_starts=raw.page_starts)
            figures, residuals = extract_records(doc)
            grades = grade_records(doc)
    except readers.DocumentTimeoutError as exc:
        # depends on the machine and its load, not only on the file: never cached
        return {"skipped": exc.problem, "transient": True}
    except DocumentError as exc:
        return {"skipped": exc.problem}
    return {"documents": [doc.to_row()], "figures": figures, "grades": grades, "residuals": residuals}


def _extract_chunk(tasks: list[_Task]) -> list[dict]:
    return [extract_document(t.path, t.source, t.data) for t in tasks]


# --- the extraction cache ------------------------------------------------------------------------


def extraction_cache_dir(root: str | Path | None = None) -> Path:
    """The folder of cached extractions for the current extractor (one file per raw file's sha256).

    Its name is a fingerprint of the library version, the vocabularies and
    the extraction code, so that changing any of them starts a fresh cache.
    """
    return project_paths(root).root / "data" / "interim" / "extract-cache" / _extractor_fingerprint()


_fingerprint: str | None = None


def _extractor_fingerprint() -> str:
    global _fingerprint
    if _fingerprint is None:
        import importlib

        from torture_stats import __version__

        digest = hashlib.sha256(__version__.encode())
        vocab_dir = Path(__file__).with_name("vocab")
        for path in sorted(vocab_dir.glob("*.csv")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        for name in _EXTRACTION_MODULES:
            module = importlib.import_module(f"torture_stats.{name}")
            digest.update(name.encode() + b"\0" + Path(module.__file__).read_bytes())
        _fingerprint = digest.hexdigest()[:16]
    return _fingerprint


def _cache_path(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / sha256[:2] / f"{sha256}.json"


def _read_cached(cache_dir: Path, task: _Task) -> dict | None:
    try:
        result = json.loads(_cache_path(cache_dir, task.sha256).read_bytes())
    except (OSError, ValueError):
        return None
    if result.get("documents"):
        result["documents"][0]["source"] = task.source  # the same bytes may sit at another path
    return result


def _write_cached(cache_dir: Path, sha256: str, result: dict) -> None:
    target = _cache_path(cache_dir, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    temporary.write_text(json.dumps(result, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, target)


def _prune_other_caches(cache_dir: Path) -> None:
    """Remove the caches of other extractor fingerprints: their entries can never be used again."""
    for folder in cache_dir.parent.iterdir() if cache_dir.parent.is_dir() else ():
        if folder.is_dir() and folder != cache_dir:
            shutil.rmtree(folder, ignore_errors=True)


# --- running the per-document work ------------------------------------------------------------


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    in_ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    return sys.stderr.isatty() and not in_ci


@dataclass
class _Runner:
    """Extracts documents from the cache, in this process, in a process pool or on Dask, in order."""

    jobs: int
    engine: str
    scheduler: str | None
    cache_dir: Path | None
    progress: bool
    extracted: int = 0
    cached: int = 0
    _bar: object = field(default=None, repr=False)
    _close: list = field(default_factory=list, repr=False)

    def run(self, tasks: list[_Task]) -> Iterator[dict]:
        """Results of *tasks*, in their order."""
        if self.cache_dir is not None:
            _prune_other_caches(self.cache_dir)
        cached = {}
        if self.cache_dir is not None:
            for index, task in enumerate(tasks):
                if _cache_path(self.cache_dir, task.sha256).is_file():
                    cached[index] = task
        pending = [task for index, task in enumerate(tasks) if index not in cached]
        if self.progress and tasks:
            from tqdm import tqdm

            self._bar = tqdm(total=len(tasks), unit="doc", desc="extracting", mininterval=0.5, file=sys.stderr)
        fresh = self._fresh(pending)
        return self._in_order(tasks, cached, fresh)

    def _in_order(self, tasks: list[_Task], cached: dict[int, _Task], fresh: Iterator[dict]) -> Iterator[dict]:
        for index, task in enumerate(tasks):
            result = _read_cached(self.cache_dir, task) if index in cached else None
            if result is None:
                result = next(fresh) if index not in cached else extract_document(task.path, task.source)
                self.extracted += 1
                if self.cache_dir is not None and not result.get("transient"):
                    _write_cached(self.cache_dir, task.sha256, result)
            else:
                self.cached += 1
            if self._bar is not None:
                self._bar.update(1)
            yield result

    def _fresh(self, pending: list[_Task]) -> Iterator[dict]:
        if not pending:
            return iter(())
        if self.engine == "dask":
            return self._dask(pending)
        if self.jobs > 1 and len(pending) >= MIN_PARALLEL_DOCUMENTS:
            return self._pool(pending)
        return (extract_document(t.path, t.source) for t in pending)

    def _pool(self, pending: list[_Task]) -> Iterator[dict]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked copy of a process with library threads (pyarrow) can deadlock
        pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"))
        self._close.append(lambda: pool.shutdown(cancel_futures=True))
        log.info("extracting %s documents in %s processes", len(pending), self.jobs)
        return _ordered(lambda chunk: pool.submit(_extract_chunk, chunk), _chunks(pending), window=4 * self.jobs)

    def _dask(self, pending: list[_Task]) -> Iterator[dict]:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise TortureStatsError(
                "engine 'dask' needs Dask's distributed scheduler: pip install 'torture_stats[dask]'"
            ) from None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
            self._close.append(cluster.close)
        self._close.insert(0, client.close)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        log.info("extracting %s documents on Dask (%s, %s workers)", len(pending), client.scheduler.address, workers)
        remote = self.scheduler is not None

        def submit(chunk: list[_Task]):
            if remote:  # a remote worker may not see this disk: send the bytes
                chunk = [_Task(t.path, t.source, t.sha256, t.path.read_bytes()) for t in chunk]
            return client.submit(_extract_chunk, chunk, pure=False)

        return _ordered(submit, _chunks(pending), window=4 * workers)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
        for close in self._close:
            close()
        self._close.clear()


def _chunks(tasks: list[_Task]) -> Iterator[list[_Task]]:
    for start in range(0, len(tasks), CHUNK_SIZE):
        yield tasks[start : start + CHUNK_SIZE]


def _ordered(submit: Callable, chunks: Iterable[list[_Task]], window: int) -> Iterator[dict]:
    """Results of every chunk, in order, with at most *window* chunks submitted and not yet consumed."""
    queue: collections.deque = collections.deque()
    chunks = iter(chunks)
    for chunk in chunks:
        queue.append(submit(chunk))
        if len(queue) >= window:
            break
    while queue:
        results = queue.popleft().result()
        next_chunk = next(chunks, None)
        if next_chunk is not None:
            queue.append(submit(next_chunk))
        yield from results


class _TableParts:
    """Rows of one table, gathered from many documents a block at a time, then one frame."""

    BLOCK_ROWS = 20_000

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict] = []
        self.frames: list[pd.DataFrame] = []

    def add_rows(self, rows: list[dict]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.BLOCK_ROWS:
            self._flush()

    def add_frame(self, frame: pd.DataFrame) -> None:
        self._flush()
        self.frames.append(frame)

    def _flush(self) -> None:
        if self.rows:
            self.frames.append(schema.conform(pd.DataFrame(self.rows), self.name))
            self.rows = []

    def frame(self) -> pd.DataFrame:
        """The table: every block and frame added, in order.

        Each part is already conformed (blocks here, curated frames by
        :func:`~torture_stats.curated.read_curated`), so they are only
        concatenated: conforming the whole table again would turn every
        string into a Python object at once, gigabytes for 10^6 rows.
        """
        self._flush()
        frames = [f for f in self.frames if not f.empty]
        self.frames = []
        if not frames:
            return schema.empty_frame(self.name)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def _curated_document_row(row) -> dict:
    return {"doc_id": row.sha256[:12], "source": f"data/raw/{row.path}", "sha256": row.sha256, "kind": "curated"}


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="zstd")
    return buffer.getvalue()


def _write_processed(
    target: Path, tables: dict[str, pd.DataFrame], manifest: pd.DataFrame, extra: dict[str, bytes] | None = None
) -> None:
    """Write every file (and the *extra* ones, by name) into a sibling folder, then swap it in whole."""
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
        files.update(extra or {})
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
    if target.exists() and exchange(staging, target):
        shutil.rmtree(staging)  # it now holds the previous tables
        return
    # without an atomic exchange, a build killed between the two renames leaves the previous tables in
    # .processed-previous; locking.recover_processed puts them back before the next build
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
