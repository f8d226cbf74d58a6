"""A parallel build, or one cut into other blocks, gives the same tables byte for byte as a serial one."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from torture_stats import build as build_module
from torture_stats import schema
from torture_stats.blocks import csv_header
from torture_stats.build import TABLE_ORDER, build

LETTERS = 24


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A project of synthetic letters, plus the repository's own raw data (the seed letter, curated tables)."""
    from conftest import REPO

    from benchmarks.synth import write_corpus

    root = write_corpus(tmp_path_factory.mktemp("synthetic"), LETTERS, seed=3)
    raw = root / "data" / "raw"
    ours = (REPO / "data" / "raw" / "sources.csv").read_text(encoding="utf-8").splitlines()
    with (raw / "sources.csv").open("a", encoding="utf-8") as manifest:
        manifest.write("\n".join(ours[1:]) + "\n")
    for folder in ("documents", "curated"):
        shutil.copytree(REPO / "data" / "raw" / folder, raw / folder, dirs_exist_ok=True)
    return root


def test_parallel_build_writes_the_same_bytes_as_a_serial_one(synthetic, tmp_path, monkeypatch):
    # small enough for CI: hand out the documents two at a time, to both workers
    monkeypatch.setattr(build_module, "MIN_PARALLEL_DOCUMENTS", 1)
    monkeypatch.setattr(build_module, "CHUNK_SIZE", 2)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    shutil.copytree(synthetic, serial)
    shutil.copytree(synthetic, parallel)
    one = build(serial, figures=False, jobs=1, cache=False)
    two = build(parallel, figures=False, jobs=2, cache=False)
    assert one.documents == two.documents
    assert one.extracted == two.extracted == LETTERS + 1  # and the seed letter
    assert one.rows["figures"] > LETTERS
    assert _digests(serial / "data" / "processed") == _digests(parallel / "data" / "processed")


def test_a_build_cut_into_small_blocks_writes_the_same_bytes_as_one_block(synthetic, tmp_path, monkeypatch):
    from torture_stats import blocks

    monkeypatch.setattr(blocks, "ROW_GROUP_ROWS", 7)  # Parquet row groups that straddle blocks
    digests = []
    for files_per_block, most in ((3, 5), (10**9, 10**9)):
        monkeypatch.setattr(blocks, "BLOCK_FILES", files_per_block)
        monkeypatch.setattr(blocks, "MAX_BLOCK_FILES", most)
        root = tmp_path / f"blocks-{files_per_block}"
        shutil.copytree(synthetic, root)
        manifest = build_module.read_manifest(root / "data" / "raw")
        planned = blocks.plan_blocks(manifest, {}, "")
        assert (len(planned) > 5) if most == 5 else (len(planned) == 1)
        build(root, figures=False)
        digests.append(_digests(root / "data" / "processed"))
    assert digests[0] == digests[1]


def test_results_come_back_in_manifest_order_whatever_finishes_first():
    finished = []

    class Done:
        def __init__(self, chunk):
            self.chunk = chunk

        def result(self):
            finished.append(self.chunk[0])
            return [{"n": n} for n in self.chunk]

    chunks = [[0, 1], [2, 3], [4]]
    assert [r["n"] for r in build_module._ordered(Done, chunks, window=2)] == [0, 1, 2, 3, 4]


def test_bad_jobs_and_engine_are_refused_by_name(project):
    with pytest.raises(ValueError, match="jobs=0"):
        build(project, jobs=0)
    with pytest.raises(ValueError, match="engine='spark'"):
        build(project, engine="spark")


@pytest.mark.parametrize("name", TABLE_ORDER)
def test_each_csv_header_is_the_one_pandas_writes(name):
    written = schema.empty_frame(name).to_csv(index=False, lineterminator="\n")
    assert csv_header(name) == written.encode("utf-8")
