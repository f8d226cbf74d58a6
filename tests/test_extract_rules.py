"""Extraction rules on tiny documents written for these tests."""

from __future__ import annotations

import pytest
from conftest import make_document

from torture_stats.extract import extract_figures, extract_residuals, parse_number

HEADER = (
    "Committee against Torture\n\nREFERENCE: CAT/Follow-up - Georgia\n3 March 2025\n\nExcellency,\n\n"
    "I write about the follow-up to the third periodic report of Georgia. The concluding observations "
    "(CAT/C/GEO/CO/3) asked for information on paragraphs 12 and 20.\n\n"
)


def letter(body: str, heading: str = "Investigations into abuse (para. 12 of the concluding observations)") -> str:
    return f"{HEADER}{heading}\n\n{body}\n"


def figures_of(body: str, **kwargs):
    return extract_figures(make_document(letter(body, **kwargs)))


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("3,500", 3500),
        ("1 204", 1204),
        ("1\u00a0204", 1204),
        ("1\u202f204", 1204),
        ("four", 4),
        ("twelve", 12),
        ("forty-two", 42),
        ("2.5 million", 2_500_000),
        ("two hundred", 200),
    ],
)
def test_parse_number(written, value):
    assert parse_number(written) == value


@pytest.mark.parametrize(
    ("phrase", "value", "bound"),
    [
        ("more than 200 complaints", 200, "at_least"),
        ("over 90 complaints", 90, "at_least"),
        ("fewer than 10 complaints", 10, "at_most"),
        ("up to 15 complaints", 15, "at_most"),
        ("about 60 complaints", 60, "approx"),
        ("approximately 700 complaints", 700, "approx"),
        ("some 40 complaints", 40, "approx"),
        ("a figure of 1 204 complaints", 1204, "exact"),
    ],
)
def test_bounds(phrase, value, bound):
    rows = figures_of(f"The State party registered {phrase} in 2021.")
    assert list(rows["measure"]) == ["complaints_received"]
    assert rows["value"].iloc[0] == value
    assert rows["bound"].iloc[0] == bound
    assert rows["value_raw"].iloc[0] not in ("more", "over", "about")


def test_number_words_and_units_differ_between_cases_and_persons():
    rows = figures_of(
        "According to the reply, of 90 criminal investigations opened in 2020, twelve cases were sent to court "
        "and nine officers were convicted."
    )
    assert list(rows["measure"]) == ["investigations_opened", "cases_sent_to_court", "convictions"]
    assert list(rows["value"]) == [90, 12, 9]
    assert list(rows["unit"]) == ["cases", "cases", "persons"]
    assert list(rows["value_raw"]) == ["90", "twelve", "nine"]
    assert rows["chain"].nunique() == 1 and rows["chain"].notna().all()


def test_years_articles_laws_durations_sessions_are_not_figures():
    doc = make_document(
        letter(
            "At its 81st session the Committee recalled article 2 and articles 12 and 13 of the Convention, "
            "Law No. 94/2017 and the rule that detainees must see a lawyer within 48 hours, as stated in "
            "paragraphs 14, 18 and 22 of the 2019 edition 3 guidance issued on 4 May 2021."
        )
    )
    assert extract_figures(doc).empty
    assert extract_residuals(doc).empty


def test_unclassified_number_goes_to_residuals_with_a_reason():
    doc = make_document(letter("The State party mentions 57 measures of an unspecified kind."))
    assert extract_figures(doc).empty
    residuals = extract_residuals(doc)
    assert list(residuals["value_raw"]) == ["57"]
    assert residuals["reason"].iloc[0]


@pytest.mark.parametrize(
    ("sentence", "start", "end", "note"),
    [
        ("In 2020, 45 complaints were registered.", 2020, 2020, None),
        ("From 2019 to early 2024, 45 complaints were registered.", 2019, 2024, "early"),
        ("Between 2017 and 2019 the authorities registered 45 complaints.", 2017, 2019, None),
        ("Since 2021 the authorities registered 45 complaints.", 2021, None, "since"),
        ("The authorities registered 45 complaints from 2021 to 2023.", 2021, 2023, None),
        ("At the end of 2019 there were 45 complaints pending review.", 2019, 2019, "as of"),
        ("The authorities registered 45 complaints.", None, None, None),
    ],
)
def test_periods(sentence, start, end, note):
    rows = figures_of(sentence)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (None if row["period_start"] is None or str(row["period_start"]) == "<NA>" else row["period_start"]) == start
    assert (None if str(row["period_end"]) == "<NA>" else row["period_end"]) == end
    assert (None if str(row["period_note"]) == "<NA>" else row["period_note"]) == note


def test_year_in_heading_is_the_period_when_the_sentence_has_none():
    rows = figures_of(
        "Out of 80 pretrial investigations, 60 cases were closed.", heading="Protests of March 2021 (para. 12)"
    )
    assert list(rows["period_start"]) == [2021, 2021]


@pytest.mark.parametrize(
    ("sentence", "reporter"),
    [
        ("The State party reports 45 complaints.", "state_party"),
        ("According to the follow-up reply, 45 complaints were registered.", "state_party"),
        ("The Committee notes the 45 complaints registered.", "state_party"),
        ("Reportedly, 45 complaints were registered.", "other_sources"),
        ("The Committee has received reports that 45 complaints were registered.", "other_sources"),
        ("Civil society organizations counted 45 complaints.", "other_sources"),
        ("Overall, 45 complaints were registered.", None),
    ],
)
def test_reported_by(sentence, reporter):
    rows = figures_of(sentence)
    value = rows["reported_by"].iloc[0]
    assert (None if str(value) == "<NA>" else value) == reporter


def test_ratio_percent_and_currency():
    rows = figures_of(
        "The reply mentions one psychiatrist per region, an occupancy rate of 102 per cent, "
        "and compensation of EUR 14,000 paid to victims."
    )
    by_measure = rows.set_index("measure")
    assert by_measure.loc["psychiatrists", "per"] == "region"
    assert by_measure.loc["prison_occupancy", "value"] == 102
    assert by_measure.loc["prison_occupancy", "unit"] == "percent"
    assert by_measure.loc["compensation_amount", "value"] == 14000
    assert by_measure.loc["compensation_amount", "unit"] == "EUR"


def test_elliptical_figure_takes_the_measure_it_continues():
    rows = figures_of("The State party reported 20 convictions for torture and three for abuse of office.")
    assert list(rows["measure"]) == ["convictions", "convictions"]
    assert list(rows["value"]) == [20, 3]
    assert list(rows["subject"]) == ["for torture", "for abuse of office"]


def test_subset_is_a_second_row_with_its_own_subject():
    rows = figures_of("The State party reports that 38 officers were disciplined, of whom 5 were dismissed.")
    assert list(rows["measure"]) == ["disciplinary_sanctions", "disciplinary_sanctions"]
    assert list(rows["value"]) == [38, 5]


def test_spans_point_into_the_raw_text_after_cleaning():
    text = letter("The State party reports 1,352 medical per-\nsonnel and 512 doc-\ntors in 2022.")
    doc = make_document(text)
    rows = extract_figures(doc)
    assert list(rows["measure"]) == ["medical_staff", "doctors"]
    for row in rows.itertuples():
        assert row.value_raw in text[row.span_start : row.span_end]
