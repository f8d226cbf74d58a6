"""Documents in blocks: how a build cuts the manifest, caches each block's tables and writes the files.

A build reads the manifest in path order and cuts it into blocks of about
``BLOCK_FILES`` files. A block ends after a file whose path hashes to a
multiple of ``BLOCK_FILES`` (or when it reaches ``MAX_BLOCK_FILES``), so
adding or removing a file changes the block it falls in, not the blocks after
it. Every table of a block, extracted or derived, only ever looks within one
document (or at the curated tables and denominators, which are the same for
every block), so the build computes, validates and writes one block at a time
and never holds a whole large table.

Rows are put in document order within each block (:func:`in_document_order`),
so the files come out the same whatever the block boundaries: manifest order
of documents, then each table's own order within a document.

A finished block is cached (:class:`BlockCache`) under a key made of its
files' paths, kinds and checksums and of everything else its tables depend on
(:func:`context_key`); a rebuild after one file changed recomputes that one
block and copies the others' finished rows.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from torture_stats import schema

#: files per block, on average
BLOCK_FILES = 128
#: no block holds more files than this
MAX_BLOCK_FILES = 512
#: rows per Parquet row group: the files do not depend on where blocks end
ROW_GROUP_ROWS = 131_072
#: modules whose code decides a block's finished rows, beyond extraction (part of the cache key)
DERIVING_MODULES = (
    "accounting",
    "blocks",
    "build",
    "curated",
    "grading",
    "normalise",
    "rates",
    "schema_derived",
    "vocab",
)


# --- cutting the manifest --------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Consecutive manifest rows, and the key of the tables they give."""

    rows: tuple
    key: str


def ends_block(path: str) -> bool:
    """Whether a block ends after *path*: decided by the path alone, so insertions move no other boundary."""
    return int(hashlib.sha256(path.encode("utf-8")).hexdigest()[:8], 16) % BLOCK_FILES == 0


def plan_blocks(manifest: pd.DataFrame, duplicates: Mapping[str, str], context: str) -> list[Block]:
    """The manifest, in order, cut into blocks, each with its cache key.

    A block's key covers its rows' paths, kinds and checksums, which earlier
    file each duplicate repeats, and *context* (:func:`context_key`).
    """
    blocks, rows = [], []
    for row in manifest.itertuples(index=False):
        rows.append(row)
        if ends_block(row.path) or len(rows) >= MAX_BLOCK_FILES:
            blocks.append(_block(rows, duplicates, context))
            rows = []
    if rows:
        blocks.append(_block(rows, duplicates, context))
    return blocks


def _block(rows: list, duplicates: Mapping[str, str], context: str) -> Block:
    digest = hashlib.sha256(context.encode())
    for row in rows:
        digest.update("\0".join((row.path, row.kind, row.sha256, duplicates.get(row.path, ""))).encode() + b"\n")
    return Block(tuple(rows), digest.hexdigest())


def context_key(extractor: str, curated: Iterable[tuple[str, str]]) -> str:
    """What every block's tables depend on besides its own files.

    The extractor's fingerprint, the code of :data:`DERIVING_MODULES`, the
    versions of the libraries that write the files, and the curated files
    (path and sha256): they are merged into every block's conflicts and the
    denominators into its rates.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(extractor.encode())
    for name in DERIVING_MODULES:
        module = importlib.import_module(f"torture_stats.{name}")
        digest.update(name.encode() + b"\0" + Path(module.__file__).read_bytes())
    for library in ("pandas", "numpy", "pyarrow", "scipy", "statsmodels"):
        digest.update(f"{library} {version(library)}\n".encode())
    for path, sha256 in sorted(curated):
        digest.update(f"{path}\0{sha256}\n".encode())
    return digest.hexdigest()


# --- one block's rows ----------------------------------------------------------------------------


def in_document_order(frame: pd.DataFrame, column: str, positions: Mapping[str, int]) -> pd.DataFrame:
    """*frame* stably sorted by the position of each row's document (*column*); rows of no document last."""
    if len(frame) < 2 or column not in frame.columns:
        return frame
    order = frame[column].map(positions).astype("float64").fillna(len(positions)).to_numpy()
    if (np.diff(order) >= 0).all():
        return frame
    return frame.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


@dataclass
class TableRows:
    """One table's rows from one block, ready to write: CSV lines and an Arrow table."""

    csv: bytes | object  # or a pyarrow.Buffer mapped from a cached block: any buffer a file can write
    arrow: object  # pyarrow.Table

    @property
    def rows(self) -> int:
        return self.arrow.num_rows

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str) -> TableRows:
        import pyarrow as pa

        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, lineterminator="\n")
        arrow = pa.Table.from_pandas(frame, schema=arrow_schema(name), preserve_index=False)
        return cls(buffer.getvalue().encode("utf-8"), arrow)


_ARROW_SCHEMAS: dict[str, object] = {}


def arrow_schema(name: str):
    """The Arrow schema of table *name*, from its declaration (the same for every block, even an empty one)."""
    if name not in _ARROW_SCHEMAS:
        import pyarrow as pa

        _ARROW_SCHEMAS[name] = pa.Schema.from_pandas(schema.empty_frame(name), preserve_index=False)
    return _ARROW_SCHEMAS[name]


@dataclass
class BlockResult:
    """What one block gave: its tables' rows and the accounts of its files.

    ``counts`` holds, for the tables that the build report counts, the rows
    each ``doc_id`` gave; ``skipped`` the files not read, with the reason.
    """

    tables: dict[str, TableRows]
    counts: dict[str, dict[str, int]]
    skipped: list[tuple[str, str]]
    doc_ids: list[str]
    problems: list[str] = field(default_factory=list)
    transient: bool = False  # a file timed out: depends on the machine's load, so never cached

    def meta(self) -> dict:
        """What a cache entry keeps besides the tables."""
        return {
            "counts": self.counts,
            "skipped": [list(s) for s in self.skipped],
            "doc_ids": self.doc_ids,
        }


# --- the cache of finished blocks --------------------------------------------------------------


class BlockCache:
    """Finished blocks, one folder each: ``tables.bin`` and ``meta.json``.

    ``tables.bin`` holds each table's CSV lines and its rows as an Arrow IPC
    stream, one after the other; ``meta.json`` says where each starts and ends.
    One file per block, not two per table: a rebuild reads every cached block,
    and opening ten thousand small files cost more than reading them.

    Entries that the current build did not use are removed when it ends
    (:meth:`keep_only`), so the cache holds one corpus's blocks.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def has(self, key: str) -> bool:
        return (self._entry(key) / "meta.json").is_file()

    def read(self, key: str) -> BlockResult | None:
        """The block of *key*, or None when it is missing or damaged."""
        import pyarrow as pa

        entry = self._entry(key)
        try:
            meta = json.loads((entry / "meta.json").read_bytes())
            # mapped, not read: the rows are only passed on to the files, and most never need copying
            with pa.memory_map(str(entry / "tables.bin")) as mapped:
                buffer = mapped.read_buffer()
            if buffer.size != meta["size"]:
                return None
            tables = {}
            for name, (csv_start, arrow_start, end) in meta["tables"].items():
                arrow = pa.ipc.open_stream(buffer.slice(arrow_start, end - arrow_start)).read_all()
                if not arrow.schema.equals(arrow_schema(name), check_metadata=True):
                    return None
                tables[name] = TableRows(buffer.slice(csv_start, arrow_start - csv_start), arrow)
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowInvalid):
            return None
        skipped = [(path, reason) for path, reason in meta["skipped"]]
        return BlockResult(tables, meta["counts"], skipped, meta["doc_ids"])

    def write(self, key: str, result: BlockResult) -> None:
        """Keep *result* under *key*; written aside and renamed, so a half-written entry is never read."""
        import pyarrow as pa

        entry = self._entry(key)
        if entry.exists():
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_name(f".{key}.{os.getpid()}")
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        places: dict[str, list[int]] = {}
        with (temporary / "tables.bin").open("wb") as out:
            for name, rows in result.tables.items():
                csv_start = out.tell()
                out.write(rows.csv)
                arrow_start = out.tell()
                with pa.ipc.new_stream(out, rows.arrow.schema) as stream:
                    stream.write_table(rows.arrow)
                places[name] = [csv_start, arrow_start, out.tell()]
            size = out.tell()
        meta = result.meta() | {"tables": places, "size": size}
        (temporary / "meta.json").write_text(json.dumps(meta, separators=(",", ":")), encoding="utf-8")
        try:
            os.replace(temporary, entry)
        except OSError:  # another build wrote it first
            shutil.rmtree(temporary, ignore_errors=True)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Remove every entry but those of *keys*."""
        keep = set(keys)
        if not self.folder.is_dir():
            return
        for bucket in self.folder.iterdir():
            for entry in bucket.iterdir() if bucket.is_dir() else ():
                if entry.name not in keep:
                    shutil.rmtree(entry, ignore_errors=True)


# --- writing the files -----------------------------------------------------------------------------


def csv_header(name: str) -> bytes:
    """The header line of table *name*'s CSV file, as pandas writes it (the csv module's quoting)."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(schema.get_table(name).names)
    return line.getvalue().encode("utf-8")


class TableWriter:
    """One table's ``NAME.csv`` and ``NAME.parquet``, written a block at a time.

    The CSV is the header and then every block's lines; the Parquet file has
    row groups of ``ROW_GROUP_ROWS`` rows whatever the blocks, so both files
    are the same however the rows were cut.
    """

    def __init__(self, folder: Path, name: str) -> None:
        import pyarrow.parquet as pq

        self.name = name
        self.rows = 0
        self.csv_path = folder / f"{name}.csv"
        self.parquet_path = folder / f"{name}.parquet"
        self._csv = self.csv_path.open("wb")
        self._csv.write(csv_header(name))
        self._parquet = pq.ParquetWriter(self.parquet_path, arrow_schema(name), compression="zstd")
        self._pending: list = []
        self._pending_rows = 0

    def add(self, rows: TableRows) -> None:
        self._csv.write(rows.csv)
        self.rows += rows.rows
        if rows.rows:
            self._pending.append(rows.arrow)
            self._pending_rows += rows.rows
            if self._pending_rows >= ROW_GROUP_ROWS:
                self._write_groups(final=False)

    def _write_groups(self, final: bool) -> None:
        import pyarrow as pa

        table = pa.concat_tables(self._pending)
        whole = table.num_rows if final else table.num_rows - table.num_rows % ROW_GROUP_ROWS
        for start in range(0, whole, ROW_GROUP_ROWS):
            self._parquet.write_table(table.slice(start, min(ROW_GROUP_ROWS, whole - start)))
        rest = table.slice(whole)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows

    def close(self) -> None:
        if self._pending:
            self._write_groups(final=True)
        self._parquet.close()
        self._csv.close()

    def abandon(self) -> None:
        """Close the files without finishing them (the build failed; the folder is thrown away)."""
        self._pending = []
        for handle in (self._parquet, self._csv):
            try:
                handle.close()
            except Exception:
                pass


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
