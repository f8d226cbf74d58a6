"""A rebuild extracts only the raw files that changed, and gives the same tables as a fresh build."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from torture_stats import build as build_module
from torture_stats.build import block_cache_dir, build, extraction_cache_dir
from torture_stats.manifest import update_checksums

LETTERS = 12


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def letters(tmp_path) -> Path:
    from benchmarks.synth import write_corpus

    return write_corpus(tmp_path / "project", LETTERS, seed=11)


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """The sources of the documents extracted (not taken from the cache)."""
    calls: list[str] = []
    real = build_module.extract_document

    def counting(path, source, data=None):
        calls.append(source)
        return real(path, source, data)

    monkeypatch.setattr(build_module, "extract_document", counting)
    return calls


def test_rebuild_after_one_change_extracts_only_that_file(letters, counted, tmp_path):
    first = build(letters, figures=False)
    assert (first.extracted, first.cached) == (LETTERS, 0)
    assert len(counted) == LETTERS

    again = build(letters, figures=False)
    assert (again.extracted, again.cached) == (0, LETTERS)
    assert len(counted) == LETTERS

    changed = sorted((letters / "data" / "raw" / "documents").rglob("*.txt"))[3]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("(", "\n\nThe Committee adds one remark.\n\n(", 1), encoding="utf-8")
    update_checksums(letters / "data" / "raw")
    rebuilt = build(letters, figures=False)
    assert (rebuilt.extracted, rebuilt.cached) == (1, LETTERS - 1)
    assert counted[-1].endswith(changed.name)

    fresh = tmp_path / "fresh"
    shutil.copytree(letters / "data" / "raw", fresh / "data" / "raw")
    build(fresh, figures=False, cache=False)
    assert _digests(letters / "data" / "processed") == _digests(fresh / "data" / "processed")
    assert not (fresh / "data" / "interim").exists()


def test_cache_entries_are_json_keyed_by_sha256(letters):
    build(letters, figures=False)
    cache = extraction_cache_dir(letters)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == LETTERS
    entry = json.loads(entries[0].read_text(encoding="utf-8"))
    assert set(entry) == {"documents", "figures", "grades", "residuals"}
    assert entries[0].stem == entry["documents"][0]["sha256"]


def test_a_new_extractor_fingerprint_starts_a_new_cache(letters, counted, monkeypatch):
    build(letters, figures=False)
    old = extraction_cache_dir(letters)
    monkeypatch.setattr(build_module, "_fingerprint", "0" * 16)
    report = build(letters, figures=False)
    assert report.extracted == LETTERS
    assert not old.exists()  # a stale cache can never be used again: it is removed


def test_a_damaged_cache_entry_is_extracted_again(letters):
    build(letters, figures=False)
    before = _digests(letters / "data" / "processed")
    entry = next(extraction_cache_dir(letters).rglob("*.json"))
    entry.write_text("{not json", encoding="utf-8")
    shutil.rmtree(block_cache_dir(letters))  # else the finished block is used and the entry never read
    report = build(letters, figures=False)
    assert (report.extracted, report.cached) == (1, LETTERS - 1)
    assert _digests(letters / "data" / "processed") == before


def _truncate(entry: Path) -> None:
    (entry / "tables.bin").write_bytes((entry / "tables.bin").read_bytes()[:100])


def _misplace(entry: Path) -> None:
    meta = json.loads((entry / "meta.json").read_bytes())
    meta["tables"]["figures"][1] += 8  # the Arrow rows said to start inside them
    (entry / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


@pytest.mark.parametrize(
    "damage",
    [_truncate, _misplace, lambda entry: (entry / "tables.bin").unlink(), lambda e: (e / "meta.json").write_text("[")],
    ids=["truncated", "misplaced", "tables missing", "meta not an object"],
)
def test_a_damaged_block_is_computed_again_from_the_extraction_cache(letters, counted, damage):
    build(letters, figures=False)
    before = _digests(letters / "data" / "processed")
    damage(next(block_cache_dir(letters).rglob("tables.bin")).parent)
    report = build(letters, figures=False)
    assert len(counted) == LETTERS  # nothing extracted again: the documents' entries were intact
    assert report.documents == LETTERS
    assert _digests(letters / "data" / "processed") == before


def test_only_the_block_of_a_changed_file_is_computed_again(tmp_path, monkeypatch):
    from benchmarks.synth import write_corpus
    from torture_stats import blocks

    monkeypatch.setattr(blocks, "BLOCK_FILES", 4)  # a dozen letters in several blocks
    root = write_corpus(tmp_path / "project", LETTERS, seed=3)
    computed: list[int] = []
    real = build_module._block_result

    def counting(block, *args):
        computed.append(len(block.rows))
        return real(block, *args)

    monkeypatch.setattr(build_module, "_block_result", counting)
    build(root, figures=False)
    first = list(computed)
    assert len(first) > 1 and sum(first) == LETTERS
    changed = sorted((root / "data" / "raw" / "documents").rglob("*.txt"))[5]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more remark.\n", encoding="utf-8")
    update_checksums(root / "data" / "raw")
    computed.clear()
    build(root, figures=False)
    assert len(computed) == 1 and computed[0] < LETTERS
