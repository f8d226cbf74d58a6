"""The build does not hash an unchanged raw file again, and still sees every changed one."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from torture_stats import manifest as manifest_module
from torture_stats.build import build
from torture_stats.errors import ManifestError
from torture_stats.manifest import verify_raw

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows hashes every file: its ctime is the creation time")


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """The files read to compute a checksum."""
    calls: list[str] = []
    real = manifest_module.sha256_of

    def counting(path):
        calls.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(manifest_module, "sha256_of", counting)
    return calls


@pytest.fixture
def settled(monkeypatch):
    """Files written by the test count as settled at once (they are otherwise hashed until 2 s old)."""
    monkeypatch.setattr(manifest_module, "RECENT_SECONDS", 0.0)


def _listed(raw: Path) -> list[Path]:
    return [p for p in sorted(raw.rglob("*")) if p.is_file() and p.name != "sources.csv" and p.suffix != ".md"]


def test_an_unchanged_file_is_not_hashed_again(project, hashed, settled, tmp_path):
    raw, store = project / "data" / "raw", tmp_path / "known.json"
    verify_raw(raw, known=store)
    assert len(hashed) == len(_listed(raw)) > 1
    verify_raw(raw, known=store)
    assert len(hashed) == len(_listed(raw))
    assert sorted(json.loads(store.read_bytes())) == sorted(p.relative_to(raw).as_posix() for p in _listed(raw))


def test_a_change_that_keeps_size_and_modification_time_is_seen(project, hashed, settled, tmp_path):
    raw, store = project / "data" / "raw", tmp_path / "known.json"
    verify_raw(raw, known=store)
    letter = next((raw / "documents").glob("*.txt"))
    before = os.stat(letter)
    time.sleep(0.05)  # past the tick of the file system's clock
    data = bytearray(letter.read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    letter.write_bytes(bytes(data))
    os.utime(letter, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(letter)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns
    with pytest.raises(ManifestError, match=rf"{letter.name}: checksum .* differs"):
        verify_raw(raw, known=store)
    assert hashed[-1] == letter.name


def test_a_file_changed_just_now_is_not_remembered(project, hashed, tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "RECENT_SECONDS", 3600.0)  # however slowly the copy above was made
    raw, store = project / "data" / "raw", tmp_path / "known.json"
    verify_raw(raw, known=store)
    verify_raw(raw, known=store)
    assert len(hashed) == 2 * len(_listed(raw))
    assert not store.exists() or json.loads(store.read_bytes()) == {}


@pytest.mark.parametrize("damage", [b"{not json", b"[1, 2]", b'{"documents/x.txt": 3}'])
def test_a_damaged_store_is_an_empty_one(project, hashed, settled, tmp_path, damage):
    raw, store = project / "data" / "raw", tmp_path / "known.json"
    store.write_bytes(damage)
    verify_raw(raw, known=store)
    assert len(hashed) == len(_listed(raw))
    verify_raw(raw, known=store)
    assert len(hashed) == len(_listed(raw))


def test_a_wrong_remembered_checksum_is_never_trusted_over_a_changed_stat(project, settled, tmp_path):
    raw, store = project / "data" / "raw", tmp_path / "known.json"
    verify_raw(raw, known=store)
    known = json.loads(store.read_bytes())
    name = next(iter(known))
    known[name][0] += 1  # another size: the entry no longer describes the file
    known[name][-1] = "0" * 64
    store.write_text(json.dumps(known), encoding="utf-8")
    verify_raw(raw, known=store)
    assert json.loads(store.read_bytes())[name][-1] != "0" * 64


def test_the_build_keeps_the_store_only_with_its_cache(project, settled):
    build(project, figures=False, cache=False)
    assert not (project / "data" / "interim").exists()
    build(project, figures=False)
    store = project / "data" / "interim" / "raw-checksums.json"
    assert len(json.loads(store.read_bytes())) == len(_listed(project / "data" / "raw"))
