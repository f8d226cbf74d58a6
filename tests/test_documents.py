"""Reading documents: OCR repairs, symbols, names, metadata, and bad input."""

from __future__ import annotations

import pytest
from conftest import make_document

from torture_stats import read_document
from torture_stats.documents import parse_paragraph_refs
from torture_stats.errors import DocumentError
from torture_stats.symbols import parse_symbol, repair_symbol


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("CAT/C/IKAZICO/4", "CAT/C/KAZ/CO/4"),
        ("CAT/C/IPERICO/7", "CAT/C/PER/CO/7"),
        ("C AT/C/SR.1998", "CAT/C/SR.1998"),
        ("CAT/C/MEX/CO/5-6", "CAT/C/MEX/CO/5-6"),
    ],
)
def test_symbol_repair(damaged, repaired):
    assert repair_symbol(damaged) == repaired


def test_symbol_parts():
    symbol = parse_symbol("CAT/C/MEX/CO/5-6")
    assert (symbol.country, symbol.cycle, symbol.kind) == ("MEX", 6, "concluding_observations")
    assert parse_symbol("CAT/C/GBR/CO/6/Add.1").kind == "followup_reply"
    assert parse_symbol("CAT/C/XXQ/CO/1") is None


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("para. 28", ["28"]),
        ("para. 14 (a)", ["14(a)"]),
        ("paras. 41 (a), (d)-(f)", ["41(a)", "41(d)", "41(e)", "41(f)"]),
        ("paragraphs 12, 18 and 30", ["12", "18", "30"]),
        ("para. 24 (a) and (b)", ["24(a)", "24(b)"]),
    ],
)
def test_paragraph_refs(text, refs):
    assert parse_paragraph_refs(text) == refs


LETTER = """ Committee against Torture

REFERENCE: CAT/Follow-up - {name}
{date}

Excellency,

In my capacity as Rapporteur for follow-up, | write about the {report} of {name}.
At its 72" session, held from 8 November to 3 December 2021, the Committee adopted its
concluding observations ({symbol}) and asked for information on paragraphs 9 (), 17 and 25.
I thank you for your letter of 2 June 2023 ({reply}).

Detention conditions (para. 9 (b) of the concluding observations)

The plan for 20222026 is noted. The Committee regrets the lack of inves-
tigations into the events. (1/B1)

H.E. Ms. Example Person
Permanent Representative
Email: mission@example.org
 Complaints (para. 17 of the concluding observations)

The Committee welcomes the new complaints procedure.
C

Accept, Excellency, the assurances of my highest consideration.
Example Rapporteur
"""


def sample(**kwargs) -> str:
    values = {
        "name": "Bolivia (Plurinational State of)",
        "date": "21 September 2023",
        "report": "combined fifth and sixth periodic reports",
        "symbol": "CAT/C/IBOLICO/5-6",
        "reply": "CAT/C/BOL/FCO/5-6",
    } | kwargs
    return LETTER.format(**values)


def test_metadata_of_a_letter_with_ocr_damage():
    doc = make_document(sample())
    row = doc.to_row()
    assert row["state"] == "Bolivia" and row["iso3"] == "BOL"
    assert row["cycle"] == 6
    assert row["co_symbol"] == "CAT/C/BOL/CO/5-6"
    assert row["session"] == 72
    assert (row["session_start"], row["session_end"]) == ("2021-11-08", "2021-12-03")
    assert row["doc_date"] == "2023-09-21"
    assert (row["reply_symbol"], row["reply_date"]) == ("CAT/C/BOL/FCO/5-6", "2023-06-02")
    assert row["followup_paragraphs"] == "9(b) 17 25"


def test_cleaning_repairs_damage_and_drops_non_body_text():
    doc = make_document(sample())
    clean = doc.clean.text
    assert "I write about" in clean
    assert "72nd session" in clean
    assert "2022–2026" in clean
    assert "investigations into" in clean
    assert "Example Person" not in clean and "mission@example.org" not in clean
    assert "highest consideration" not in clean


def test_sections_and_grades_in_two_forms():
    from torture_stats.extract import extract_grades

    grades = extract_grades(make_document(sample()))
    assert list(grades["paragraph"]) == ["9(b)", "17"]
    assert list(grades["grade"]) == ["B1", "C"]
    assert list(grades["grade_raw"]) == ["(1/B1)", "C"]
    assert list(grades["score"]) == [0.75, 0.25]


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Türkiye", "TUR"),
        ("State of Palestine", "PSE"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Republic of Moldova", "MDA"),
    ],
)
def test_un_style_state_names(name, iso3):
    doc = make_document(sample(name=name, symbol=f"CAT/C/{iso3}/CO/5-6", reply=f"CAT/C/{iso3}/FCO/5-6"))
    assert doc.meta["iso3"] == iso3


def test_unknown_state_name_fails_loudly():
    with pytest.raises(DocumentError, match="Atlantis"):
        make_document(sample(name="Atlantis", symbol="CAT/C/XXX/CO/1", reply="CAT/C/XXX/FCO/1"))


def test_bad_files_name_the_file_and_the_problem(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02 not text")
    unsupported = tmp_path / "letter.odt"
    unsupported.write_bytes(b"whatever")
    for path, problem in ((empty, "empty file"), (binary, "binary"), (unsupported, "unsupported file type")):
        with pytest.raises(DocumentError) as info:
            read_document(path)
        assert str(path) in str(info.value) and problem in str(info.value)


def test_cp1252_and_utf16_text_is_read(tmp_path):
    text = sample(name="Côte d'Ivoire", symbol="CAT/C/CIV/CO/1", reply="CAT/C/CIV/FCO/1")
    for encoding in ("cp1252", "utf-16"):
        path = tmp_path / f"letter-{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        assert read_document(path).meta["iso3"] == "CIV"


def test_reading_a_folder_goes_on_past_bad_files_and_lists_them(tmp_path):
    from torture_stats import read_documents

    (tmp_path / "good.txt").write_text(sample(), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "notes.odt").write_bytes(b"x")
    documents = read_documents(tmp_path)
    assert [d.meta["iso3"] for d in documents] == ["BOL"]
    assert sorted(reason for _, reason in documents.skipped)[0].startswith("empty file")
    assert len(documents.skipped) == 2
    html = documents._repr_html_()
    assert "1 document(s)" in html and "Skipped 2 file(s)" in html


def test_letter_without_sections_is_read_with_a_warning(caplog):
    text = (
        sample()
        .replace("(para. 9 (b) of the concluding observations)", "")
        .replace("(para. 17 of the concluding observations)", "")
    )
    doc = make_document(text, source="no-sections.txt")
    assert doc.sections == ()
    assert any("no-sections.txt: no recognisable sections" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("name", "iso3"),
    [("Trinidad and Tobago", "TTO"), ("Bosnia and Herzegovina", "BIH"), ("Antigua and Barbuda", "ATG")],
)
def test_state_names_with_and(name, iso3):
    doc = make_document(sample(name=name, symbol=f"CAT/C/{iso3}/CO/5-6", reply=f"CAT/C/{iso3}/FCO/5-6"))
    assert doc.meta["iso3"] == iso3


def test_state_short_name_is_the_first_row_of_its_code():
    from torture_stats import vocab
    from torture_stats.errors import VocabularyError

    table = vocab.states()
    for iso3 in table["iso3"]:
        assert vocab.state_short_name(iso3) == table.loc[table["iso3"] == iso3, "short_name"].iloc[0]
    for unknown in ("XXQ", "kaz", "", None):
        with pytest.raises(VocabularyError, match=f"unknown ISO3 code {unknown!r}: not in states.csv"):
            vocab.state_short_name(unknown)
