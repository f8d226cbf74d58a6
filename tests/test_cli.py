"""The command line's extract on files and folders."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import pandas as pd
from conftest import SEED


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torture_stats", *args], capture_output=True, text=True, check=False)


def test_extract_figures_as_csv():
    result = run("extract", "--table", "figures", str(SEED))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 17
    assert {"measure", "value", "evidence", "span_start"} <= set(table.columns)


def test_extract_documents_as_json():
    result = run("extract", "--table", "documents", "--format", "json", str(SEED))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["co_symbol"] == "CAT/C/KAZ/CO/4"


def test_folder_with_bad_files_goes_on_and_says_what_it_skipped(tmp_path):
    shutil.copy(SEED, tmp_path / "letter.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "scan.pdf").write_bytes(b"\x00\x01binary")
    result = run("extract", "--table", "grades", str(tmp_path))
    assert result.returncode == 1
    assert len(pd.read_csv(io.StringIO(result.stdout))) == 5
    assert "empty.txt: empty file" in result.stderr
    assert "scan.pdf" in result.stderr
    assert "Traceback" not in result.stderr


def test_figures_and_residuals_on_a_folder_of_mixed_files(tmp_path):
    from corpus_eval import CORPUS

    shutil.copytree(CORPUS / "letters", tmp_path / "letters")
    shutil.copy(SEED, tmp_path / "seed.txt")
    (tmp_path / "notes.md").write_text("not a document\n", encoding="utf-8")
    figures = run("extract", "--table", "figures", str(tmp_path))
    residuals = run("extract", "--table", "residuals", str(tmp_path))
    assert figures.returncode == residuals.returncode == 1
    assert "notes.md: unsupported file type" in figures.stderr
    table = pd.read_csv(io.StringIO(figures.stdout))
    assert table["doc_id"].nunique() == 17
    assert len(table) >= 150
    assert len(pd.read_csv(io.StringIO(residuals.stdout))) == 1
