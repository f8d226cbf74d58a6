"""The per-State HTML report: numbers with their evidence, self-contained, opens in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from torture_stats.report import StateReportError, check_state, load_report_tables, state_report
from torture_stats.tables import load

CHROMIUM = Path("/usr/bin/chromium")
SEED_DOC = "40412291558c"


@pytest.fixture(scope="module")
def kaz_page(built_project, tmp_path_factory) -> tuple[Path, str]:
    path = state_report("KAZ", root=built_project, output=tmp_path_factory.mktemp("report") / "KAZ.html")
    return path, path.read_text(encoding="utf-8")


def test_report_holds_the_states_numbers_and_their_evidence(kaz_page, built_project):
    _, page = kaz_page
    assert page.startswith("<!DOCTYPE html>") and "Kazakhstan (KAZ)" in page
    figures = load("figures", built_project)
    kaz = figures[figures["iso3"] == "KAZ"]
    for row in kaz.itertuples(index=False):
        assert f">{row.value_raw}<sup>" in page, f"{row.measure} {row.value_raw} is shown and linked"
    for words in kaz["evidence"].dropna():
        assert words in page, "the words each figure was read from are quoted"
    assert "58.6" in page and "30,000 (2020)" in page, "prisoners per doctor and its denominator"
    assert "89.0%" in page and "85.2%–91.9%" in page, "a rate and its interval"
    assert "no rate: persons cannot be a share of cases" in page
    assert f"doc {SEED_DOC}" in page and "(2/B2)" in page, "a grade quoted from the letter"


def test_every_number_links_to_a_note(kaz_page):
    _, page = kaz_page
    links = re.findall(r'<a class="num" href="#note-(\d+)" title="([^"]+)">', page)
    notes = set(re.findall(r'<li id="note-(\d+)">', page))
    assert links and {n for n, _ in links} <= notes, "every link has its note"
    assert all(title.strip() for _, title in links), "every link has a tooltip"


def test_report_is_self_contained(kaz_page, built_project):
    _, page = kaz_page
    tables = load_report_tables(built_project)
    curated = set()
    for name, column in (("grades", "source_url"), ("figures", "source_url"), ("denominators", "source_url")):
        curated |= set(tables[name][column].dropna())
    external = re.findall(r'(?:src|href)\s*=\s*"(https?:[^"]*)"', page)
    assert external, "curated rows link to their public source"
    assert {html_unescape(u) for u in external} <= curated
    assert not re.search(r"(?:src|href)\s*=\s*['\"]//", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert set(re.findall(r"url\(\s*(.)", page)) <= {"#"}, "SVG references stay inside the page"
    assert page.count("<svg") >= 4, "charts are inline SVG"


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_unknown_or_empty_state_is_one_line_naming_it(built_project):
    tables = load_report_tables(built_project)
    with pytest.raises(StateReportError, match="iso3='XYZ'"):
        check_state("XYZ", tables)
    # a real State that no table mentions
    from torture_stats import vocab

    mentioned = set().union(*(set(frame["iso3"].dropna()) for frame in tables.values() if "iso3" in frame))
    state = next(row for row in vocab.states().itertuples(index=False) if row.iso3 not in mentioned)
    with pytest.raises(StateReportError, match=rf"iso3='{state.iso3}' \({re.escape(state.short_name)}\) has no"):
        check_state(state.iso3, tables)
    with pytest.raises(StateReportError, match="iso3='K1'"):
        check_state("K1", tables)
    assert check_state("kaz", tables) == "KAZ"
    for code in ("XYZ", state.iso3):
        result = subprocess.run(
            [sys.executable, "-m", "torture_stats", "report", code, "--root", str(built_project)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and code in lines[0] and "Traceback" not in result.stderr


def test_command_line_writes_the_default_path(built_project):
    result = subprocess.run(
        [sys.executable, "-m", "torture_stats", "report", "FRA", "--root", str(built_project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    path = built_project / "reports" / "state" / "FRA.html"
    assert path.is_file() and f"wrote {path}" in result.stdout
    assert "France (FRA)" in path.read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_report_opens_in_headless_chromium(kaz_page, tmp_path):
    from PIL import Image

    path, _ = kaz_page
    shot = tmp_path / "out.png"
    profile = tmp_path / "profile"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        path.resolve().as_uri(),
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert shot.is_file()
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2000)
    colours = image.resize((120, 200)).getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 50, "the page rendered text and charts, not a blank page"
