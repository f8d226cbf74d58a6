"""The build: manifest checks, determinism, atomic replacement."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from torture_stats import schema
from torture_stats.build import TABLE_ORDER, build, indented_records
from torture_stats.errors import ManifestError
from torture_stats.tables import load


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_build_twice_gives_identical_bytes(project):
    build(project)
    first = (_digests(project / "data" / "processed"), _digests(project / "reports" / "figures"))
    build(project)
    second = (_digests(project / "data" / "processed"), _digests(project / "reports" / "figures"))
    assert first == second
    assert {f"{t}.{ext}" for t in TABLE_ORDER for ext in ("csv", "parquet")} <= set(first[0])
    from torture_stats.report_figures import REPORT_FIGURES

    assert {f"{name}.{ext}" for name in REPORT_FIGURES for ext in ("pdf", "svg", "png", "json")} <= set(first[1])


def test_processed_tables_follow_their_declaration(built_project):
    for name in TABLE_ORDER:
        frame = load(name, built_project)
        assert schema.validate(frame, name) == []
        from_csv = pd.read_csv(built_project / "data" / "processed" / f"{name}.csv")
        assert list(from_csv.columns) == schema.get_table(name).names
        assert len(from_csv) == len(frame)


def test_datapackage_lists_every_file_with_its_checksum(built_project):
    processed = built_project / "data" / "processed"
    package = json.loads((processed / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        payload = (processed / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(payload).hexdigest()
    assert {r["path"] for r in package["resources"]} == {f"{t}.{e}" for t in TABLE_ORDER for e in ("csv", "parquet")}
    assert all(s["sha256"] for s in package["sources"])


def test_modified_raw_file_stops_the_build_and_keeps_processed(project):
    build(project, figures=False)
    before = _digests(project / "data" / "processed")
    letter = next((project / "data" / "raw" / "documents").glob("*.txt"))
    letter.write_text(letter.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=letter.name):
        build(project, figures=False)
    assert _digests(project / "data" / "processed") == before


def test_raw_file_without_manifest_row_is_refused(project):
    extra = project / "data" / "raw" / "documents" / "unlisted.txt"
    extra.write_text("Committee against Torture\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"unlisted\.txt: no row"):
        build(project, figures=False)


def test_command_line_reports_a_modified_file_in_one_line(project):
    build(project, figures=False)
    before = _digests(project / "data" / "processed")
    letter = next((project / "data" / "raw" / "documents").glob("*.txt"))
    letter.write_bytes(letter.read_bytes().replace(b"337", b"338"))
    result = subprocess.run(
        [sys.executable, "-m", "torture_stats", "build", "--root", str(project), "--no-figures"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert letter.name in lines[0] and "checksum" in lines[0]
    assert "Traceback" not in result.stderr
    assert _digests(project / "data" / "processed") == before


def test_manifest_update_records_a_deliberate_revision(project):
    from torture_stats.manifest import update_checksums

    curated = project / "data" / "raw" / "curated" / "figures.csv"
    curated.write_text(curated.read_text(encoding="utf-8"), encoding="utf-8")
    assert update_checksums(project / "data" / "raw") == []
    curated.write_text(curated.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert update_checksums(project / "data" / "raw") == ["curated/figures.csv"]
    build(project, figures=False)


def test_build_on_every_corpus_document(project):
    """All 31 corpus documents as raw files: the build passes its own checks and loses no figure."""
    import pandas as pd
    from corpus_eval import CORPUS, HELD_OUT, expected

    from torture_stats.manifest import MANIFEST_COLUMNS, sha256_of

    raw = project / "data" / "raw"
    manifest = pd.read_csv(raw / "sources.csv", dtype="string", keep_default_na=False)
    rows, want = [], 0
    for corpus in (CORPUS, HELD_OUT):
        for file in expected("documents", corpus)["file"]:
            target = raw / "documents" / f"{corpus.name}-{file.replace('/', '-')}"
            target.write_bytes((corpus / file).read_bytes())
            row = dict.fromkeys(MANIFEST_COLUMNS, "")
            row |= {"path": target.relative_to(raw).as_posix(), "sha256": sha256_of(target), "kind": "followup_letter"}
            rows.append(row)
        want += len(expected("figures", corpus))
    pd.concat([manifest, pd.DataFrame(rows)]).to_csv(raw / "sources.csv", index=False, lineterminator="\n")
    report = build(project, figures=False)
    assert report.skipped == ()
    figures = load("figures", project)
    assert (figures["method"] == "pattern").sum() == want + 17
    for name in TABLE_ORDER:
        assert schema.validate(load(name, project), name) == []


@given(
    records=st.lists(
        st.dictionaries(
            st.text(max_size=5),
            st.one_of(
                st.none(),
                st.text(),
                st.integers(),
                st.floats(allow_nan=False),
                st.booleans(),
                st.lists(st.one_of(st.integers(), st.dictionaries(st.text(max_size=3), st.text(max_size=3)))),
            ),
            max_size=4,
        ),
        max_size=4,
    ),
    level=st.integers(0, 3),
)
def test_indented_records_read_as_json_dumps_writes_them(records, level):
    nested = records
    for _ in range(level):
        nested = {"k": nested}
    text = json.dumps(nested, indent=2, ensure_ascii=False)
    opening = "".join(f'{{\n{"  " * (d + 1)}"k": ' for d in range(level))
    closing = "".join(f"\n{'  ' * d}}}" for d in reversed(range(level)))
    assert text == opening + indented_records(records, level) + closing
