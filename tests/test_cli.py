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


def _stderr_on_a_terminal(*args: str, ci: bool = False) -> tuple[int, str]:
    """Run the command line with stderr on a pseudo-terminal, as a person at a shell would; return its stderr."""
    import fcntl
    import os
    import pty
    import struct
    import termios
    import threading

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 rows, 100 columns
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "true"} if ci else {})
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal side was closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    process = subprocess.run(
        [sys.executable, "-m", "torture_stats", *args], stdout=subprocess.DEVNULL, stderr=terminal, env=env, timeout=600
    )
    os.close(terminal)
    reader.join(timeout=10)
    os.close(controller)
    return process.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_extract_over_many_files_shows_progress_on_a_terminal_only(tmp_path):
    for i in range(3):
        shutil.copy(SEED, tmp_path / f"letter-{i}.txt")
    code, shown = _stderr_on_a_terminal("extract", str(tmp_path))
    assert code == 1  # two copies of the same letter are skipped as duplicates
    assert "extracting" in shown and "3/3" in shown and "doc/s" in shown
    assert "1 of 3 file(s) read, 17 figures rows, 2 skipped" in shown
    _, in_ci = _stderr_on_a_terminal("extract", str(tmp_path), ci=True)
    assert "doc/s" not in in_ci and "1 of 3 file(s) read" in in_ci
    piped = run("extract", str(tmp_path))
    assert "doc/s" not in piped.stderr and "1 of 3 file(s) read" in piped.stderr


def test_build_shows_progress_on_a_terminal(project):
    code, shown = _stderr_on_a_terminal("build", "--root", str(project), "--no-figures")
    assert code == 0, shown
    assert "building" in shown and "doc/s" in shown
