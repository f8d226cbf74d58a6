"""A corpus of bad inputs, made here, through `torture-stats extract` and `torture-stats build`.

Each bad file must give one line naming it and its problem, no traceback,
within the per-document limits; the good files beside it are still read; the
exit status says that something was skipped. Nothing binary is committed:
every file is written by :func:`write_bad_corpus`.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, SEED
from test_readers import write_scanned_pdf, write_text_pdf

from torture_stats import readers
from torture_stats.manifest import MANIFEST_COLUMNS, sha256_of

SEED_TEXT = SEED.read_text(encoding="utf-8")
#: figures and grades the seed letter gives (tests/gold)
SEED_FIGURES, SEED_GRADES = 17, 5
#: seconds a document may take in these runs (the slowest good one takes under one)
TIMEOUT_S = 5
#: the most memory (resident set) one run over the whole corpus may take
MAX_RSS_BYTES = 1_500 * 2**20
#: a line of one mebibyte, without full stops or numbers
LONG_LINE = ("The delegation spoke at length about the reform of the prison service " * 15_000)[: 2**20]

#: good files: each gives the seed letter's figures (under its own doc_id)
GOOD = ("letter.txt", "letter-utf16.txt", "letter-cp1252.txt", "letter-controls-long-lines.txt")
#: bad files → what the one line about each must say
BAD = {
    "empty.txt": "empty file",
    "picture.pdf": "not a PDF (no %PDF- header)",
    "truncated.pdf": "truncated PDF",
    "locked.pdf": "encrypted PDF: decrypt it first",
    "scanned.pdf": "OCR is needed but Tesseract is not installed",
    "plain-text.docx": "not a .docx (not a zip archive)",
    "bomb.docx": "likely a zip bomb",
    "koi8r.txt": "text in an unknown encoding",
    "high-bytes.txt": "text in an unknown encoding",
    "utf32-no-bom.txt": "text in UTF-32 without a byte-order mark",
    "utf16-no-bom.txt": "text in UTF-16 without a byte-order mark",
    "control-characters.txt": "not plausible as UTF-8 text",
    "huge.txt": "refused: 100 MB, more than the 20 MB allowed",
    "numbers-only.txt": f"took more than {TIMEOUT_S} s",
    "the-same-letter-again.txt": "duplicate of",
}


def write_bad_corpus(folder: Path) -> Path:
    """Write the good and bad files of this module into *folder*."""
    folder.mkdir(parents=True, exist_ok=True)
    # not the seed's bytes, which a project built from this folder also holds
    (folder / "letter.txt").write_bytes(SEED.read_bytes() + b"\n")
    (folder / "letter-utf16.txt").write_bytes(SEED_TEXT.encode("utf-16"))
    (folder / "letter-cp1252.txt").write_bytes(SEED_TEXT.encode("cp1252"))
    lines = SEED_TEXT.split("\n")
    with_controls = "\n".join([*lines[:5], LONG_LINE, "\x07\x1b[0m", *lines[5:], LONG_LINE])
    (folder / "letter-controls-long-lines.txt").write_text(with_controls, encoding="utf-8")

    (folder / "empty.txt").write_bytes(b"")
    (folder / "picture.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    pdf = write_text_pdf(folder / "whole.pdf", ["Committee against Torture", "42 investigations were opened."])
    whole = pdf.read_bytes()
    pdf.unlink()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    _write_encrypted_pdf(whole, folder / "locked.pdf")
    write_scanned_pdf(folder / "scanned.pdf", "Committee against Torture")
    (folder / "plain-text.docx").write_text(SEED_TEXT, encoding="utf-8")
    with zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", b"<" * (readers.MAX_DOCX_UNZIPPED_BYTES + 1))
    (folder / "koi8r.txt").write_bytes(("Комитет против пыток получил 42 жалобы. " * 50).encode("koi8_r"))
    (folder / "high-bytes.txt").write_bytes(bytes((0xA0 + (i * 7919) % 96) for i in range(20_000)))
    (folder / "utf32-no-bom.txt").write_bytes(SEED_TEXT.encode("utf-32-le"))
    (folder / "utf16-no-bom.txt").write_bytes(SEED_TEXT.encode("utf-16-be"))
    (folder / "control-characters.txt").write_bytes(bytes(1 + (i * 13) % 31 for i in range(20_000)))
    with (folder / "huge.txt").open("w", encoding="utf-8") as huge:
        block = SEED_TEXT.encode("utf-8")
        huge.write((block * (2**20 // len(block) + 1))[: 2**20].decode("utf-8", "ignore") * 100)
    (folder / "numbers-only.txt").write_text("1 " * 200_000, encoding="utf-8")
    (folder / "the-same-letter-again.txt").write_bytes((folder / "letter.txt").read_bytes())
    return folder


def _write_encrypted_pdf(data: bytes, path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as out:
        writer.write(out)


def _environment() -> dict[str, str]:
    """No Tesseract on PATH (the interpreter is named by its full path), and the short time limit."""
    env = {k: v for k, v in os.environ.items() if k != "TORTURE_STATS_ROOT"}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's bin: python, no tesseract
    env["TORTURE_STATS_DOCUMENT_TIMEOUT_S"] = str(TIMEOUT_S)
    return env


class _Run:
    """``python -m torture_stats *args`` started now; :meth:`result` waits for it."""

    def __init__(self, args: list[str]) -> None:
        self.started = time.perf_counter()
        self.out, self.err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "torture_stats", *args], stdout=self.out, stderr=self.err, env=_environment()
        )

    def result(self) -> tuple[subprocess.CompletedProcess, float, int]:
        """The finished run, the seconds it took and its peak resident memory in bytes."""
        watchdog = threading.Timer(300, self.process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(self.process.pid, 0)  # this child's own peak memory
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - self.started
        self.process.returncode = os.waitstatus_to_exitcode(status)
        streams = []
        for stream in (self.out, self.err):
            stream.seek(0)
            streams.append(stream.read().decode("utf-8"))
            stream.close()
        result = subprocess.CompletedProcess(self.process.args, self.process.returncode, *streams)
        return result, seconds, usage.ru_maxrss * 1024


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory) -> Path:
    return write_bad_corpus(tmp_path_factory.mktemp("bad") / "letters")


@pytest.fixture(scope="module")
def runs(bad_corpus, bad_project) -> dict[str, tuple]:
    """`extract` on the corpus folder and `build` on the project, run side by side (each waits out a time limit)."""
    assert shutil.which("tesseract", path=_environment()["PATH"]) is None
    started = {
        "extract": _Run(["extract", "--table", "figures", str(bad_corpus)]),
        "build": _Run(["build", "--root", str(bad_project), "--no-figures"]),
    }
    return {name: run.result() for name, run in started.items()}


@pytest.fixture(scope="module")
def extracted(runs):
    return runs["extract"]


# --- through `torture-stats extract` on a folder --------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD))
def test_extract_names_each_bad_file_once_with_its_problem(extracted, bad_corpus, name):
    result, _, _ = extracted
    lines = [line for line in result.stderr.splitlines() if f"{bad_corpus / name}:" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"torture-stats: skipped {bad_corpus / name}: ")
    assert BAD[name] in lines[0]


def test_extract_reads_the_good_files_and_says_something_was_skipped(extracted, bad_corpus):
    result, seconds, peak = extracted
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    figures = pd.read_csv(io.StringIO(result.stdout))
    per_document = figures.groupby("doc_id").size()
    good_ids = {sha256_of(bad_corpus / name)[:12] for name in GOOD}
    assert set(per_document.index) == good_ids
    assert (per_document == SEED_FIGURES).all()
    files = len(GOOD) + len(BAD)
    summary = f"{len(GOOD)} of {files} file(s) read, {len(figures)} figures rows, {len(BAD)} skipped"
    assert summary in result.stderr
    # every line of stderr is about one file of the corpus, or the summary
    for line in result.stderr.splitlines():
        assert str(bad_corpus) in line or summary in line, line
    # one document waits out the time limit; all the others take seconds together
    assert seconds < TIMEOUT_S + 60
    assert peak < MAX_RSS_BYTES, f"peak memory {peak / 2**20:.0f} MB"


def test_warnings_for_files_read_with_care(extracted, bad_corpus):
    stderr = extracted[0].stderr
    assert f"{bad_corpus / 'letter-cp1252.txt'}: not UTF-8; read as cp1252" in stderr
    assert f"{bad_corpus / 'letter-controls-long-lines.txt'}: 2 control" in stderr


def test_a_huge_file_is_refused_before_it_is_read(bad_corpus):
    started = time.perf_counter()
    with pytest.raises(readers.DocumentError, match="100 MB"):
        readers.read_raw(bad_corpus / "huge.txt")
    assert time.perf_counter() - started < 0.5
    assert (bad_corpus / "huge.txt").stat().st_size == 100 * 2**20


def test_time_limit_stops_a_slow_document_in_process(bad_corpus):
    from torture_stats import read_document
    from torture_stats.extract import extract_tables

    started = time.perf_counter()
    with pytest.raises(readers.DocumentError, match=r"numbers-only\.txt: refused: .*more than 1 s"):
        with readers.time_limit(bad_corpus / "numbers-only.txt", 1):
            extract_tables(read_document(bad_corpus / "numbers-only.txt"))
    assert time.perf_counter() - started < 3
    # the timer is off again and the previous handler back
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# --- through `torture-stats build` on a project ---------------------------------------------------

OUTSIDE = "../outside.txt"


def add_to_manifest(raw: Path, paths: list[str]) -> None:
    """Give each path (relative to *raw*) a manifest row with its checksum."""
    with (raw / "sources.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        for path in paths:
            target = raw / path
            writer.writerow(
                dict.fromkeys(MANIFEST_COLUMNS, "")
                | {
                    "path": path,
                    "sha256": sha256_of(target),
                    "kind": "followup_letter",
                    "treaty": "CAT",
                    "producer": "tests/test_bad_inputs.py",
                    "title": f"bad input {Path(path).name}",
                    "date_accessed": "2026-11-29",
                    "licence_note": "written by the test",
                }
            )


@pytest.fixture(scope="module")
def bad_project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad-project")
    raw = root / "data" / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    folder = write_bad_corpus(raw / "documents" / "bad")
    (root / "data" / "outside.txt").write_text(SEED_TEXT, encoding="utf-8")
    names = sorted(p.name for p in folder.iterdir())
    add_to_manifest(raw, [f"documents/bad/{name}" for name in names] + [OUTSIDE])
    return root


@pytest.fixture(scope="module")
def built(runs):
    return runs["build"]


@pytest.mark.parametrize("name", sorted(BAD))
def test_build_names_each_bad_file_once_with_its_problem(built, name):
    result, _, _ = built
    lines = [line for line in result.stderr.splitlines() if f"documents/bad/{name}:" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"torture-stats: skipped data/raw/documents/bad/{name}: ")
    assert BAD[name] in lines[0]


def test_build_refuses_a_manifest_row_outside_raw_and_goes_on(built):
    result, _, _ = built
    lines = [line for line in result.stderr.splitlines() if OUTSIDE in line]
    assert len(lines) == 1, result.stderr
    assert "points outside data/raw" in lines[0]


def test_build_keeps_the_good_documents_and_accounts_for_every_file(built, bad_project):
    result, seconds, peak = built
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    processed = bad_project / "data" / "processed"
    figures = pd.read_csv(processed / "figures.csv")
    raw = bad_project / "data" / "raw"
    for name in (*GOOD, "../cat-kaz-4-followup-letter-2024-10-10.txt"):
        doc_id = sha256_of(raw / "documents" / "bad" / name)[:12]
        extracted = figures[(figures["doc_id"] == doc_id) & (figures["method"] == "pattern")]
        assert len(extracted) == SEED_FIGURES, name
    report = pd.read_csv(processed / "build_report.csv", keep_default_na=False)
    status = dict(zip(report["path"], report["status"], strict=True))
    for name in BAD:
        assert status[f"documents/bad/{name}"] == ("duplicate" if name == "the-same-letter-again.txt" else "skipped")
    assert status[OUTSIDE] == "skipped"
    for name in GOOD:
        assert status[f"documents/bad/{name}"] == "processed"
    # plain-text.docx holds the seed letter's bytes, but under another suffix: not a duplicate of it
    assert status["documents/cat-kaz-4-followup-letter-2024-10-10.txt"] == "processed"
    assert_accounts_add_up(bad_project)
    assert seconds < TIMEOUT_S + 90
    assert peak < MAX_RSS_BYTES, f"peak memory {peak / 2**20:.0f} MB"


def assert_accounts_add_up(root: Path) -> pd.DataFrame:
    """build_report.csv lists every manifest row once; files and rows add up to what was written."""
    from torture_stats.accounting import COUNTED_TABLES, STATUSES
    from torture_stats.manifest import read_manifest

    processed = root / "data" / "processed"
    report = pd.read_csv(processed / "build_report.csv", keep_default_na=False)
    assert sorted(report["path"]) == sorted(read_manifest(root / "data" / "raw")["path"])
    assert set(report["status"]) <= set(STATUSES)
    by_status = report["status"].value_counts()
    assert len(report) == sum(by_status.get(s, 0) for s in STATUSES)  # processed + curated + skipped + duplicate
    for name in COUNTED_TABLES:
        assert report[name].sum() == len(pd.read_csv(processed / f"{name}.csv")), name
    not_read = report[report["status"].isin(["skipped", "duplicate"])]
    assert (not_read["reason"] != "").all()
    assert (not_read[list(COUNTED_TABLES)] == 0).all().all()
    return report


def test_the_build_report_of_the_project_adds_up(built_project):
    report = assert_accounts_add_up(built_project)
    assert set(report["status"]) == {"processed", "curated"}
