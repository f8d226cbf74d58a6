"""The same per-document work on a Dask cluster gives the same tables as a serial build."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from torture_stats import build as build_module
from torture_stats.build import build

distributed = pytest.importorskip("distributed")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_dask_build_matches_the_serial_build(tmp_path, monkeypatch):
    from benchmarks.synth import write_corpus

    root = write_corpus(tmp_path / "serial", 8, seed=5)
    shutil.copytree(root, tmp_path / "dask")
    monkeypatch.setattr(build_module, "CHUNK_SIZE", 3)
    serial = build(root, figures=False, cache=False)
    # a cluster in this process (threads), reached by its address like a remote one: the bytes are sent
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster:
        address = cluster.scheduler_address
        on_dask = build(tmp_path / "dask", figures=False, cache=False, engine="dask", scheduler=address)
    assert on_dask.extracted == serial.extracted == 8
    assert _digests(tmp_path / "dask" / "data" / "processed") == _digests(root / "data" / "processed")
