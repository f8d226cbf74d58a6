"""Raw → processed → figures: the whole pipeline in one function.

:func:`build` verifies every raw file against the manifest, then goes
through it in blocks of files (:mod:`torture_stats.blocks`): it reads and
extracts each document, derives the attrition, rates, staffing and grade
tables, validates every table against its declaration and appends the rows to
the CSV and Parquet files of a fresh folder. Once every block is written, the
folder gets ``datapackage.json``, a data dictionary and the build report and
replaces ``data/processed`` whole; then the report figures are drawn.

Documents are read and extracted one at a time by :func:`extract_document`,
in this process, in a pool of worker processes (``jobs``) or on a Dask
cluster (``engine="dask"``); the results come back in manifest order, so the
tables are the same byte for byte whichever runs them. Three caches under
``data/interim`` make rebuilds cheap: each raw file's checksum, kept while
its size, times and inode are unchanged; each document's extraction, keyed
by the raw file's sha256 and a fingerprint of the extractor (library
version, vocabularies and code); and each block's finished rows, keyed by
its files and everything else they depend on. Texts are never all held at
once, and neither are the tables: memory holds one block.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
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
from torture_stats.blocks import (
    Block,
    BlockCache,
    BlockResult,
    TableRows,
    TableWriter,
    context_key,
    file_digest,
    in_document_order,
    plan_blocks,
)
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
        Also draw the report figures (from the tables just written).
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
        Reuse, and keep, each raw file's checksum (while its size and times
        are unchanged), each document's extraction and each block's finished
        tables in ``data/interim``. The tables are the same either way.
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
    The manifest is processed in blocks of files (:mod:`torture_stats.blocks`):
    each block's rows are extracted, derived, validated and written before
    the next, so memory does not grow with the corpus, and finished blocks
    are cached, so a rebuild after one changed file recomputes one block.

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
    known = paths.root / "data" / "interim" / "raw-checksums.json" if cache else None
    manifest = verify_raw(paths.raw, refused=refused, known=known)
    for path, problem in refused:
        log.warning("skipped data/raw/%s: %s", path, problem)
    runner = _Runner(
        jobs=jobs or os.cpu_count() or 1,
        engine=engine,
        scheduler=scheduler,
        cache_dir=extraction_cache_dir(paths.root) if cache else None,
        progress=show_progress(progress),
    )
    context = _Context.read(paths.raw, manifest)
    block_cache = BlockCache(block_cache_dir(paths.root)) if cache else None
    paths.processed.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".processed-", dir=paths.processed.parent))
    staging.chmod(0o755)
    try:
        written = _write_blocks(staging, paths.raw, manifest, context, runner, block_cache)
        skipped = refused + written.skipped
        accounts = accounting.build_report(
            read_manifest(paths.raw), written.counts, skipped, refused=[p for p, _ in refused]
        )
        problems = written.problems + [f"build report: {p}" for p in accounting.check_accounts(accounts, written.rows)]
        if problems:
            raise SchemaError("; ".join(problems))
        log.info("%s", accounting.summary(accounts))
        _finish_processed(
            staging, paths.processed, manifest, extra={accounting.REPORT_NAME: accounting.report_csv(accounts)}
        )
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    drawn: tuple[Path, ...] = ()
    if figures:
        from torture_stats.report_figures import draw_report_figures

        drawn = tuple(draw_report_figures(_read_processed(paths.processed), paths.figures))
    report = BuildReport(
        documents=written.rows["documents"],
        skipped=tuple(skipped),
        rows=written.rows,
        processed=paths.processed,
        figures=drawn,
        extracted=runner.extracted,
        cached=runner.cached,
        seconds=time.perf_counter() - started,
    )
    log.info("built %s", report.summary())
    return report


def derived_tables(
    tables: dict[str, pd.DataFrame], denominators: pd.DataFrame, curated: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """The tables derived from figures and grades: attrition, conflicts, rates, staffing, grade scores.

    Each looks within one document only, so the tables of a block of
    documents are the rows of the whole corpus's tables for those documents.
    *curated* holds every curated ``grades`` and ``figures`` row, which the
    extracted rows are checked against (:func:`~torture_stats.curated.conflicts`).
    """
    from torture_stats.grading import grade_scores, recommendation_scores
    from torture_stats.rates import annual_rates, per_capita, staffing

    figures, grades, documents = tables["figures"], tables["grades"], tables["documents"]
    rates = pd.concat(
        [annual_rates(figures, documents), per_capita(figures, denominators, documents)], ignore_index=True
    )
    scores = grade_scores(grades)
    return {
        "attrition": attrition_steps(figures),
        "conflicts": conflicts(
            _concat([grades[grades["method"] != "curated"], curated["grades"]], "grades"),
            _concat([figures[figures["method"] != "curated"], curated["figures"]], "figures"),
        ),
        "rates": schema.conform(rates, "rates"),
        "staffing": staffing(figures, denominators, documents),
        "grade_scores": scores,
        "recommendation_scores": recommendation_scores(scores),
    }


def _concat(frames: list[pd.DataFrame], name: str) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return schema.empty_frame(name)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


#: the tables written a block at a time, and the column that names each row's document
BLOCK_TABLES = {
    "documents": "doc_id", "figures": "doc_id", "grades": "doc_id", "residuals": "doc_id",
    "attrition": "doc_id", "session_trends": "doc_id", "conflicts": "extracted_doc_id", "rates": "doc_id",
    "staffing": "doc_id", "grade_scores": "doc_id", "recommendation_scores": "doc_id",
}  # fmt: skip
_READ_TABLES = ("documents", "figures", "grades", "residuals", "session_trends")


@dataclass(frozen=True)
class _Context:
    """What every block needs besides its own files: the denominators, the curated rows, the cache key.

    ``curated_files`` holds each curated table file, read and checked once:
    its block takes its rows from here, and every block checks its extracted
    rows against the curated grades and figures (``curated``).
    """

    denominators: pd.DataFrame
    curated_files: dict[str, tuple[str, pd.DataFrame]]
    duplicates: dict[str, str]
    key: str

    @classmethod
    def read(cls, raw_dir: Path, manifest: pd.DataFrame) -> _Context:
        from torture_stats.rates import load_denominators

        denominators_path = raw_dir / "curated" / "denominators.csv"
        denominators = (
            load_denominators(denominators_path) if denominators_path.exists() else schema.empty_frame("denominators")
        )
        curated_rows = manifest[manifest["kind"] == "curated"]
        curated_files = {
            row.path: read_curated(raw_dir / row.path, row.sha256[:12])
            for row in curated_rows.itertuples(index=False)
            if Path(row.path).name in CURATED_TABLES
        }
        key = context_key(_extractor_fingerprint(), zip(curated_rows["path"], curated_rows["sha256"], strict=True))
        return cls(denominators, curated_files, accounting.duplicates(manifest), key)

    @property
    def curated(self) -> dict[str, pd.DataFrame]:
        """Every curated grades and figures row, by table."""
        return {
            name: _concat([frame for table, frame in self.curated_files.values() if table == name], name)
            for name in ("grades", "figures")
        }


@dataclass
class _Written:
    rows: dict[str, int]
    counts: dict[str, dict[str, int]]
    skipped: list[tuple[str, str]]
    problems: list[str]


def _write_blocks(
    staging: Path, raw_dir: Path, manifest: pd.DataFrame, context: _Context, runner: _Runner, cache: BlockCache | None
) -> _Written:
    """Compute (or take from the cache) every block's tables and write them into *staging*, block by block."""
    blocks = plan_blocks(manifest, context.duplicates, context.key)
    cached = {b.key for b in blocks if cache is not None and cache.has(b.key)}
    # a cached block's files are only counted: building 10^4 tasks (paths) for them cost a tenth of a rebuild
    documents = {b.key: sum(1 for row in b.rows if _is_read(row, context)) for b in blocks}
    curated = context.curated
    writers = {name: TableWriter(staging, name) for name in TABLE_ORDER}
    counts: dict[str, collections.Counter] = {name: collections.Counter() for name in accounting.COUNTED_TABLES}
    skipped: list[tuple[str, str]] = []
    problems: list[str] = []
    seen_doc_ids: set[str] = set()
    try:
        to_extract = [task for b in blocks if b.key not in cached for task in _tasks(b, raw_dir, context)]
        results = runner.run(to_extract, total=sum(documents.values()))
        for block in blocks:
            result = cache.read(block.key) if block.key in cached else None
            if result is not None:
                runner.took_from_cache(documents[block.key])
            else:
                if block.key in cached:  # damaged: extract (or take from the extraction cache) again
                    results = itertools.chain(runner.run(_tasks(block, raw_dir, context), total=0), results)
                result = _block_result(block, results, context, curated)
                if cache is not None and not result.problems and not result.transient:
                    cache.write(block.key, result)
            for name, rows in result.tables.items():
                writers[name].add(rows)
            for name in accounting.COUNTED_TABLES:
                counts[name].update(result.counts.get(name, {}))
            skipped += result.skipped
            problems += result.problems
            again = seen_doc_ids.intersection(result.doc_ids)
            if again:
                problems.append(f"table documents, column doc_id: {len(again)} documents repeat an earlier doc_id")
            seen_doc_ids.update(result.doc_ids)
        writers["denominators"].add(TableRows.from_frame(context.denominators, "denominators"))
        _close_all(writers.values())
    except BaseException:
        for writer in writers.values():
            writer.abandon()
        raise
    finally:
        runner.finish()
    if cache is not None and not problems:
        cache.keep_only(b.key for b in blocks)
    return _Written(
        rows={name: writers[name].rows for name in TABLE_ORDER},
        counts={name: dict(c) for name, c in counts.items()},
        skipped=skipped,
        problems=problems,
    )


def _close_all(writers: Iterable[TableWriter]) -> None:
    """Close every writer, in threads: Arrow encodes the last Parquet row groups without holding the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        closing = [pool.submit(writer.close) for writer in writers]
    for closed in closing:
        closed.result()
    # Arrow's allocator keeps what the writers freed, and the rest of the build needs none of it
    pa.default_memory_pool().release_unused()


def _is_read(row, context: _Context) -> bool:
    """Whether the build reads the file of manifest *row* as a document."""
    return row.kind in DOCUMENT_KINDS and row.path not in context.duplicates


def _tasks(block: Block, raw_dir: Path, context: _Context) -> list[_Task]:
    return [
        _Task(raw_dir / row.path, f"data/raw/{row.path}", row.sha256) for row in block.rows if _is_read(row, context)
    ]


def _block_result(
    block: Block, results: Iterator[dict], context: _Context, curated: dict[str, pd.DataFrame]
) -> BlockResult:
    """Read one block's rows (extraction results in order, curated files), derive, validate and order them."""
    parts = {name: _TableParts(name) for name in _READ_TABLES}
    skipped: list[tuple[str, str]] = []
    transient = False
    for row in block.rows:
        if row.kind == "curated":
            parts["documents"].add_rows([_curated_document_row(row)])
            if row.path in context.curated_files:
                table, frame = context.curated_files[row.path]
                parts[table].add_frame(frame)
            continue
        if row.kind not in DOCUMENT_KINDS:
            skipped.append((row.path, f"kind {row.kind!r} is not read by the build: {', '.join(DOCUMENT_KINDS)}"))
            log.warning("skipped data/raw/%s: %s", *skipped[-1])
            continue
        if row.path in context.duplicates:
            skipped.append((row.path, accounting.duplicate_problem(context.duplicates[row.path], row.sha256)))
            log.warning("skipped data/raw/%s: %s", *skipped[-1])
            continue
        result = next(results)
        if "skipped" in result:
            log.warning("skipped %s", DocumentError(f"data/raw/{row.path}", result["skipped"]))
            skipped.append((row.path, result["skipped"]))
            transient = transient or bool(result.get("transient"))
            continue
        for name in ("documents", "figures", "grades", "residuals"):
            parts[name].add_rows(result[name])
    tables = {name: part.frame() for name, part in parts.items()}
    tables.update(derived_tables(tables, context.denominators, curated))
    doc_ids = tables["documents"]["doc_id"].astype(str).tolist()
    positions = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    tables = {name: in_document_order(tables[name], column, positions) for name, column in BLOCK_TABLES.items()}
    problems = [p for name in BLOCK_TABLES for p in schema.validate(tables[name], name)]
    counts = {
        name: {str(k): int(v) for k, v in tables[name]["doc_id"].value_counts(sort=False).items()}
        for name in accounting.COUNTED_TABLES
    }
    return BlockResult(
        tables={name: TableRows.from_frame(frame, name) for name, frame in tables.items()},
        counts=counts,
        skipped=skipped,
        doc_ids=doc_ids,
        problems=problems,
        transient=transient,
    )


def _read_processed(processed: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(processed / f"{name}.parquet") for name in TABLE_ORDER}


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


def block_cache_dir(root: str | Path | None = None) -> Path:
    """The folder of finished blocks (:class:`~torture_stats.blocks.BlockCache`)."""
    return project_paths(root).root / "data" / "interim" / "block-cache"


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


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a progress bar: *progress* if given, else only on a terminal and not in CI."""
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
    _pruned: bool = field(default=False, repr=False)

    def took_from_cache(self, documents: int) -> None:
        """Count *documents* whose block's finished tables came from the block cache."""
        self.cached += documents
        if self._bar is not None:
            self._bar.update(documents)

    def run(self, tasks: list[_Task], total: int | None = None) -> Iterator[dict]:
        """Results of *tasks*, in their order; the progress bar counts to *total* (default: the tasks)."""
        if self.cache_dir is not None and not self._pruned:
            _prune_other_caches(self.cache_dir)
            self._pruned = True
        cached = {}
        if self.cache_dir is not None:
            for index, task in enumerate(tasks):
                if _cache_path(self.cache_dir, task.sha256).is_file():
                    cached[index] = task
        pending = [task for index, task in enumerate(tasks) if index not in cached]
        total = len(tasks) if total is None else total
        if self.progress and total and self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="doc", desc="building", mininterval=0.5, file=sys.stderr)
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


def _finish_processed(staging: Path, target: Path, manifest: pd.DataFrame, extra: dict[str, bytes]) -> None:
    """Add the data package, the data dictionary and the *extra* files to *staging*, then swap it in whole."""
    digests = {
        f"{name}.{fmt}": file_digest(staging / f"{name}.{fmt}") for name in TABLE_ORDER for fmt in ("csv", "parquet")
    }
    files = {
        "datapackage.json": _datapackage(digests, manifest),
        "data_dictionary.md": data_dictionary().encode("utf-8"),
    }
    for filename, payload in (files | extra).items():
        (staging / filename).write_bytes(payload)
    keep = target / ".gitkeep"
    if keep.exists():
        (staging / ".gitkeep").write_bytes(keep.read_bytes())
    _swap_in(staging, target)


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


def _datapackage(digests: dict[str, tuple[str, int]], manifest: pd.DataFrame) -> bytes:
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
                "hash": "sha256:" + digests[filename][0],
                "bytes": digests[filename][1],
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
    }
    # the same text as json.dumps(package | {"sources": sources}, indent=2): Python's encoder is slow with an
    # indent, and a manifest of 10^4 files made this a twentieth of a rebuild after one change
    head = json.dumps(package, indent=2, ensure_ascii=False).removesuffix("\n}")
    return f'{head},\n  "sources": {indented_records(sources, level=1)}\n}}\n'.encode()


def indented_records(records: list[dict], level: int) -> str:
    """``json.dumps(records, indent=2, ensure_ascii=False)`` as it reads *level* levels deep in a document.

    Several times faster for records of strings and None; any other value
    is left to :func:`json.dumps`. Keys must be strings.
    """
    if not records:
        return "[]"
    outer, inner = "\n" + "  " * (level + 1), "\n" + "  " * (level + 2)
    encode = json.encoder.encode_basestring  # type: ignore[attr-defined]

    def value(v) -> str:
        if isinstance(v, str):
            return encode(v)
        return "null" if v is None else json.dumps(v, indent=2, ensure_ascii=False).replace("\n", inner)

    items = [
        "{" + ",".join(f"{inner}{encode(k)}: {value(v)}" for k, v in record.items()) + outer + "}" if record else "{}"
        for record in records
    ]
    return "[" + outer + ("," + outer).join(items) + outer[:-2] + "]"


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
