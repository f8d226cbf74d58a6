"""Builds that are killed, run twice at once, run on read-only raw data, or in other environments.

- A build killed with SIGKILL at any moment leaves ``data/processed`` whole:
  the previous tables, byte for byte, or the complete new ones.
- Two builds at once: the second waits for the first (``data/.build.lock``).
- ``data/raw`` is never written: checksums and modification times are the same after a build.
- The same outputs under another locale, time zone, hash seed and job count.
- No eval, no unpickling, no DTD, no unbounded decompression.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from test_bad_inputs import add_to_manifest

from torture_stats import readers, schema
from torture_stats.build import TABLE_ORDER, build
from torture_stats.errors import BuildLockedError, DocumentError
from torture_stats.locking import LOCK_PATH, build_lock, recover_processed
from torture_stats.tables import load

#: a letter of the test corpus, added to the raw data so that the next build writes other tables
NEW_LETTER = REPO / "tests" / "corpus" / "letters" / "arm_5_2020.txt"
#: seconds after the start of `torture-stats build` at which it is killed (a build takes about two)
KILL_AFTER_S = (0.3, 0.8, 1.2, 1.6)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_whole(root: Path) -> dict[str, str]:
    """Every table of ``data/processed`` loads and follows its declaration; the checksums are right."""
    processed = root / "data" / "processed"
    for name in TABLE_ORDER:
        assert schema.validate(load(name, root), name) == [], name
    package = json.loads((processed / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        payload = (processed / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(payload).hexdigest(), resource["path"]
    assert (processed / "build_report.csv").is_file()
    return _digests(processed)


def _add_new_letter(root: Path) -> None:
    raw = root / "data" / "raw"
    shutil.copy(NEW_LETTER, raw / "documents" / "arm-5-followup-letter.txt")
    add_to_manifest(raw, ["documents/arm-5-followup-letter.txt"])


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> dict:
    """A project built once (``old``), with a new letter added to its raw data; what building it gives (``new``)."""
    base = tmp_path_factory.mktemp("reliability")
    old = base / "old"
    shutil.copytree(REPO / "data" / "raw", old / "data" / "raw")
    build(old, figures=False)
    old_digests = assert_whole(old)
    _add_new_letter(old)
    done = base / "new"
    shutil.copytree(old, done)
    build(done, figures=False)
    new_digests = assert_whole(done)
    assert old_digests != new_digests
    return {"project": old, "old": old_digests, "new": new_digests}


@pytest.fixture
def old_project(states, tmp_path) -> Path:
    """A fresh copy of the built project whose next build would write new tables."""
    root = tmp_path / "project"
    shutil.copytree(states["project"], root)
    return root


def _start(args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], start_new_session=True, **kwargs)


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the process and every process it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


# --- killed builds -------------------------------------------------------------------------------


@pytest.mark.parametrize("after_s", KILL_AFTER_S)
def test_a_build_killed_after_a_while_leaves_processed_whole(states, old_project, after_s):
    process = _start(["-m", "torture_stats", "build", "--root", str(old_project), "--no-figures"])
    time.sleep(after_s)
    killed = process.poll() is None
    _kill(process)
    print(f"killed after {after_s} s: {'mid-build' if killed else 'after it had ended'}")
    assert assert_whole(old_project) in (states["old"], states["new"])
    # the next build tidies whatever the killed one left, and writes the new tables
    build(old_project, figures=False)
    assert assert_whole(old_project) == states["new"]
    assert not list((old_project / "data").glob(".processed-*"))


#: a build that stops at a named point, says "paused", and waits there for a file to appear
HOOKED_BUILD = """
import os, pathlib, sys, time
import torture_stats.build as b

root, point, go = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])

def pause():
    print("paused", flush=True)
    while not go.exists():
        time.sleep(0.02)

if point == "writing":
    close = b.TableWriter.close
    def slow_close(self):
        close(self)
        if self.csv_path.parent.name.startswith(".processed-") and self.name == "documents":
            pause()
    b.TableWriter.close = slow_close
elif point == "swapping":
    exchange = b.exchange
    def slow_exchange(a, c):
        pause()
        return exchange(a, c)
    b.exchange = slow_exchange
elif point == "between-renames":
    b.exchange = lambda a, c: False  # as on a system without an atomic exchange
    replace, swap_in, swapping = os.replace, b._swap_in, []
    def slow_replace(a, c):
        replace(a, c)
        if swapping:
            pause()
    def marked_swap_in(staging, target):
        swapping.append(True)
        return swap_in(staging, target)
    os.replace, b._swap_in = slow_replace, marked_swap_in
b.build(root, figures=False)
print("finished", flush=True)
"""


def _start_hooked(root: Path, point: str, go: Path) -> subprocess.Popen:
    process = _start(
        ["-c", HOOKED_BUILD, str(root), point, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(120, _kill, [process])
    watchdog.daemon = True
    watchdog.start()
    line = process.stdout.readline()
    assert line.strip() == "paused", process.stderr.read() if process.poll() is not None else line
    return process


@pytest.mark.parametrize("point", ["writing", "swapping"])
def test_a_build_killed_while_writing_or_swapping_leaves_the_previous_tables(states, old_project, tmp_path, point):
    process = _start_hooked(old_project, point, tmp_path / "go")
    _kill(process)
    assert assert_whole(old_project) == states["old"]


def test_a_build_killed_between_two_renames_is_put_right_by_the_next(states, old_project, tmp_path):
    # only where the system cannot exchange two folders atomically (not Linux)
    process = _start_hooked(old_project, "between-renames", tmp_path / "go")
    _kill(process)
    processed = old_project / "data" / "processed"
    assert not processed.exists()
    assert recover_processed(processed)
    assert assert_whole(old_project) == states["old"]


# --- two builds at once --------------------------------------------------------------------------


def test_a_second_build_waits_for_the_first(states, old_project, tmp_path):
    go = tmp_path / "go"
    first = _start_hooked(old_project, "writing", go)
    with (tmp_path / "second.err").open("w+", encoding="utf-8") as err:
        second = _start(["-m", "torture_stats", "build", "--root", str(old_project), "--no-figures"], stderr=err)
        try:
            deadline = time.monotonic() + 30
            while "waiting" not in (tmp_path / "second.err").read_text(encoding="utf-8"):
                assert second.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.5)
            assert second.poll() is None  # still waiting
            go.touch()
            assert first.wait(timeout=60) == 0
            assert second.wait(timeout=60) == 0
        finally:
            for process in (first, second):
                if process.poll() is None:
                    _kill(process)
        message = (tmp_path / "second.err").read_text(encoding="utf-8")
    lock = old_project / LOCK_PATH
    assert f"{lock}: another build (process {first.pid}) is running; waiting for it to end" in message
    assert assert_whole(old_project) == states["new"]


def test_a_build_that_cannot_get_the_lock_in_time_says_so(tmp_path):
    with build_lock(tmp_path), pytest.raises(BuildLockedError, match=r"\.build\.lock: another build .* after 0\.2 s"):
        with build_lock(tmp_path, wait_s=0.2):
            pass
    with build_lock(tmp_path, wait_s=0.2):  # released
        pass


# --- raw data is never written ---------------------------------------------------------------------


def _raw_state(raw: Path) -> dict[str, tuple]:
    state = {}
    for path in sorted(raw.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        state[path.relative_to(raw).as_posix()] = (digest, info.st_mtime_ns, info.st_size)
    return state


def _chmod_tree(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_the_build_never_writes_raw_data(project):
    raw = project / "data" / "raw"
    before = _raw_state(raw)
    _chmod_tree(raw, writable=False)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "torture_stats", "build", "--root", str(project), "--no-figures"],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        _chmod_tree(raw, writable=True)
    assert result.returncode == 0, result.stderr
    # as root (in CI) the modes stop nothing: what counts is that nothing changed
    assert _raw_state(raw) == before
    assert_whole(project)


# --- the same outputs everywhere -------------------------------------------------------------------


def _locales() -> list[str]:
    found = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.split()
    normal = {name.lower().replace("-", ""): name for name in found}
    other = normal.get("en_us.utf8") or normal.get("de_de.utf8") or normal.get("fr_fr.utf8") or "C"
    return ["C.UTF-8", other]


def test_the_same_outputs_under_another_locale_time_zone_hash_seed_and_job_count(project, tmp_path):
    first_locale, second_locale = _locales()
    variants = [
        {"LC_ALL": first_locale, "TZ": "UTC", "PYTHONHASHSEED": "0", "jobs": "1"},
        {"LC_ALL": second_locale, "TZ": "Asia/Kathmandu", "PYTHONHASHSEED": "4242", "jobs": "2"},
    ]
    builds = {}
    for number, variant in enumerate(variants):  # side by side
        root = tmp_path / f"variant-{number}"
        shutil.copytree(project, root)
        env = os.environ | {k: v for k, v in variant.items() if k != "jobs"}
        command = ["-m", "torture_stats", "build", "--root", str(root), "--no-cache", "--jobs", variant["jobs"]]
        builds[root] = _start(command, env=env, stderr=subprocess.PIPE, text=True)
    outputs = []
    for root, process in builds.items():
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        outputs.append((assert_whole(root), _digests(root / "reports" / "figures")))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][1]) >= 3


# --- safe parsing ----------------------------------------------------------------------------------

UNSAFE = re.compile(r"(?<![\w.])(?:eval|exec)\(|\bpickle\b|\bmarshal\b|\byaml\.load\(|\bshelve\b|\bdill\b")


def test_the_package_never_evaluates_or_unpickles():
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "torture_stats").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if UNSAFE.search(line)
    ]
    assert offenders == []


def _docx(path: Path, document_xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", document_xml)
    return path


BODY = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' + BODY.format("&lol2;")
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_docx_declaring_a_dtd_is_refused(tmp_path, encoding):
    xml = LAUGHS.replace('version="1.0"', f'version="1.0" encoding="{encoding}"').encode(encoding)
    path = _docx(tmp_path / "laughs.docx", xml)
    with pytest.raises(DocumentError, match=r"laughs\.docx: refused: word/document\.xml declares a DTD"):
        readers.read_raw(path)


def test_a_large_docx_member_is_refused_within_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_DOCX_UNZIPPED_BYTES", 10_000)
    xml = BODY.format("Committee against Torture. " * 2_000).encode()
    with pytest.raises(DocumentError, match=r"big\.docx: refused: decompresses to more than"):
        readers.read_raw(_docx(tmp_path / "big.docx", xml))
    # the same member whose zip headers claim 100 bytes: never more than the bound is unzipped
    lying = bytearray(_docx(tmp_path / "lying.docx", xml).read_bytes())
    local, central = lying.find(b"PK\x03\x04"), lying.find(b"PK\x01\x02")
    lying[local + 22 : local + 26] = (100).to_bytes(4, "little")
    lying[central + 24 : central + 28] = (100).to_bytes(4, "little")
    (tmp_path / "lying.docx").write_bytes(bytes(lying))
    with pytest.raises(DocumentError, match=r"lying\.docx: (refused|damaged)"):
        readers.read_raw(tmp_path / "lying.docx")
