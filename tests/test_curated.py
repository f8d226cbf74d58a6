"""Curated raw tables: the checks that guard them, and their place in the build."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPO

from torture_stats import schema
from torture_stats.curated import check_curated, conflicts, read_curated
from torture_stats.errors import SchemaError
from torture_stats.tables import load

CURATED = REPO / "data" / "raw" / "curated"


@pytest.mark.parametrize("name", ["grades.csv", "figures.csv", "session_trends.csv"])
def test_every_curated_row_passes_its_checks(name):
    raw = pd.read_csv(CURATED / name, dtype="string", keep_default_na=False).replace("", pd.NA)
    assert check_curated(raw, name) == []
    table, frame = read_curated(CURATED / name, "0" * 12)
    assert schema.validate(frame, table) == []
    assert frame["source_url"].notna().all()


def test_a_malformed_url_or_symbol_is_named_with_its_lines(tmp_path):
    raw = pd.read_csv(CURATED / "grades.csv", dtype="string", keep_default_na=False)
    raw.loc[1, "source_url"] = "docstore.ohchr.org/no-scheme"
    raw.loc[3, "doc_symbol"] = "CAT/C/ZZZ/QPR/7"
    raw.loc[4, "grade"] = "Z9"
    bad = tmp_path / "grades.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(SchemaError) as caught:
        read_curated(bad, "0" * 12)
    message = str(caught.value)
    assert "grades.csv" in message
    assert "column source_url: missing or malformed URL in lines 3" in message
    assert "column doc_symbol: symbol does not parse in lines 5" in message
    assert "columns scheme, grade: pair not in grade_scales.csv in lines 6" in message


def test_excluded_research_rows_have_reasons():
    excluded = pd.read_csv(CURATED / "excluded.csv", dtype="string", keep_default_na=False)
    assert len(excluded) > 0
    assert (excluded["reason"].str.len() > 0).all()


def test_curated_rows_enter_the_build_marked_curated(built_project):
    grades = load("grades", built_project)
    curated = grades[grades["method"] == "curated"]
    assert len(curated) == len(pd.read_csv(CURATED / "grades.csv"))
    assert curated["source_url"].notna().all()
    assert set(grades.loc[grades["method"] == "pattern", "iso3"]) == {"KAZ"}


def test_a_disagreement_between_curated_and_extracted_is_reported():
    columns = {"treaty": "CAT", "iso3": "KAZ", "cycle": 4, "paragraph": "28"}
    grades = pd.DataFrame(
        [
            {**columns, "grade": "C", "scheme": "CAT-2015", "score": 0.25, "method": "pattern", "doc_id": "a"},
            {**columns, "grade": "partially_implemented", "scheme": "CAT-verbal", "score": 0.625,
             "method": "curated", "doc_id": "b", "source_url": "https://example.org/x"},
        ]
    )  # fmt: skip
    figures = schema.empty_frame("figures")
    found = conflicts(grades, figures)
    assert found[["table", "iso3", "paragraph"]].values.tolist() == [["grades", "KAZ", "28"]]
    assert found["extracted"].iloc[0] == "C (CAT-2015)"


def test_docs_sources_lists_every_source_and_is_current():
    from torture_stats.curated import source_list, sources_markdown

    raw = REPO / "data" / "raw"
    committed = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    assert committed == sources_markdown(raw), "regenerate docs/sources.md with curated.sources_markdown"
    listed = set(source_list(raw)["source_url"])
    for name in ("grades.csv", "figures.csv", "session_trends.csv", "denominators.csv"):
        table = pd.read_csv(CURATED / name, dtype="string", keep_default_na=False)
        assert set(table["source_url"]) - {""} <= listed
