"""Annual rates, per-capita rates, denominators and staffing, checked against closed formulas."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from torture_stats import schema
from torture_stats.errors import SchemaError, TortureStatsError
from torture_stats.rates import annual_rates, load_denominators, per_capita, staffing
from torture_stats.schema_derived import DENOMINATORS, RATES, STAFFING

# Kazakhstan, para. 28 of the 2024 follow-up letter
MEDICAL_STAFF, DOCTORS, NURSES, JUNIOR = 1352, 512, 710, 130
# Kazakhstan prison population (data/raw/curated/denominators.csv)
PRISONERS_2018, PRISONERS_2020 = 30798, 30000
SOURCE_2018 = "https://astanatimes.com/2019/05/kazakhstan-reduces-its-prison-population-according-to-icpr-ranking/"
SOURCE_2020 = "https://zonakz.net/2020/10/19/okolo-30-tys-kazaxstancev-sidyat-v-tyurmax-mvd/"
# para. 24(a): 450 investigations "from 2019 to early 2024"; para. 24(a): 3,500 internal investigations since 2021
INVESTIGATED, FIRST_YEAR, LAST_YEAR = 450, 2019, 2024
INTERNAL, SINCE = 3500, 2021
LETTER_DATE = "2024-10-10"


def denominators() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": ["KAZ", "KAZ"],
            "measure": ["prison_population"] * 2,
            "value": [PRISONERS_2018, PRISONERS_2020],
            "year": [2018, 2020],
            "source_url": [SOURCE_2018, SOURCE_2020],
        }
    )


def documents() -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ["kaz4"], "doc_date": [LETTER_DATE], "reply_date": ["2024-05-13"]})


def staff(year: int = 2021, total: float = MEDICAL_STAFF) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": "kaz4",
            "iso3": "KAZ",
            "cycle": 4,
            "measure": ["medical_staff", "doctors", "nurses", "junior_medical_staff", "psychologists"],
            "value": [total, DOCTORS, NURSES, JUNIOR, 1.0],
            "unit": "persons",
            "per": [None, None, None, None, "institution"],
            "period_start": year,
            "period_end": year,
        }
    )


def figure(value, start, end, note=None, measure="investigations_opened", unit="cases") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["kaz4"],
            "iso3": ["KAZ"],
            "cycle": [4],
            "measure": [measure],
            "value": [value],
            "unit": [unit],
            "period_start": pd.array([start], dtype="Int64"),
            "period_end": pd.array([end], dtype="Int64"),
            "period_note": [note],
        }
    )


# --- annual rates -----------------------------------------------------------------------------


def test_exact_period_gives_a_point_rate():
    row = annual_rates(figure(337, 2022, 2022)).iloc[0]
    assert row["divisor"] == "years" and row["divisor_value"] == 1
    assert row["rate"] == row["rate_low"] == row["rate_high"] == 337
    two_years = annual_rates(figure(10, 2020, 2021)).iloc[0]
    assert two_years["rate"] == pytest.approx(10 / 2)


def test_fuzzy_end_gives_a_range_of_years_and_rates_not_a_point():
    row = annual_rates(figure(INVESTIGATED, FIRST_YEAR, LAST_YEAR, "early")).iloc[0]
    years = LAST_YEAR - FIRST_YEAR + 1  # 6 calendar years touched
    assert (row["divisor_low"], row["divisor_high"]) == (years - 1, years)
    assert pd.isna(row["rate"]) and pd.isna(row["divisor_value"])
    assert row["rate_low"] == pytest.approx(INVESTIGATED / years)  # 75
    assert row["rate_high"] == pytest.approx(INVESTIGATED / (years - 1))  # 90
    assert row["flag"] == "ambiguous_period"
    assert row["period_end_basis"] == "stated"


def test_fuzzy_single_year_has_no_upper_bound():
    row = annual_rates(figure(12, 2022, 2022, "late")).iloc[0]
    assert row["rate_low"] == 12 and pd.isna(row["rate_high"])
    assert "no upper bound" in row["note"]


def test_since_ends_in_the_year_of_doc_date_and_says_so():
    row = annual_rates(figure(INTERNAL, SINCE, None, "since", "internal_investigations"), documents()).iloc[0]
    doc_year = int(LETTER_DATE[:4])
    years = doc_year - SINCE + 1  # 2021-2024: four calendar years, the last one partly
    assert row["period_end"] == doc_year and row["period_end_basis"] == "doc_date"
    assert row["flag"] == "open_period"
    assert (row["divisor_low"], row["divisor_high"]) == (years - 1, years)
    assert row["rate_low"] == pytest.approx(INTERNAL / years)
    assert row["rate_high"] == pytest.approx(INTERNAL / (years - 1))


def test_since_without_a_document_date_has_no_rate():
    row = annual_rates(figure(INTERNAL, SINCE, None, "since", "internal_investigations")).iloc[0]
    assert row["flag"] == "no_period" and pd.isna(row["rate_low"])


def test_stocks_ratios_and_undated_counts_get_a_reason_not_a_rate():
    out = annual_rates(pd.concat([staff(), figure(5, None, None)], ignore_index=True))
    assert out["rate_low"].isna().all()
    assert out["flag"].tolist() == ["not_a_flow"] * 4 + ["ratio_not_count", "no_period"]
    assert out["note"].notna().all()


def test_rates_follow_their_declaration_and_do_not_touch_the_input():
    figs = figure(INVESTIGATED, FIRST_YEAR, LAST_YEAR, "early")
    before = figs.copy()
    out = annual_rates(figs, documents())
    pd.testing.assert_frame_equal(figs, before)
    assert schema.validate(out, RATES) == []


def test_a_missing_column_is_named():
    with pytest.raises(SchemaError, match="value"):
        annual_rates(pd.DataFrame({"measure": ["convictions"]}))


# --- per capita -------------------------------------------------------------------------------


def test_per_1000_prisoners_names_the_denominator_year_and_source():
    out = per_capita(figure(16, 2019, 2020, measure="convictions", unit="persons"), denominators())
    row = out.iloc[0]
    assert row["rate_unit"] == "per_1000_prisoners" and row["divisor"] == "prisoners"
    assert row["rate"] == pytest.approx(16 * 1000 / PRISONERS_2020)
    assert (row["divisor_year"], row["divisor_source"], row["year_gap"]) == (2020, SOURCE_2020, 0)
    assert "not annualised" in row["note"]
    assert schema.validate(out, RATES) == []


def test_a_denominator_more_than_two_years_away_is_flagged_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="torture_stats.rates"):
        row = per_capita(figure(4, 2023, 2023), denominators()).iloc[0]
    assert row["flag"] == "distant_denominator" and row["year_gap"] == 2020 - 2023
    assert row["rate"] == pytest.approx(4 * 1000 / PRISONERS_2020)
    assert row["note"].endswith("(3 years apart)")
    assert "1 per-capita rates use a prison population more than 2 years" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="torture_stats.rates"):
        near = per_capita(figure(4, 2022, 2022), denominators()).iloc[0]
    assert pd.isna(near["flag"]) and not caplog.records


def test_equally_distant_denominators_take_the_earlier_year():
    row = per_capita(figure(4, 2019, 2019), denominators()).iloc[0]
    assert row["divisor_year"] == 2018 and row["divisor_value"] == PRISONERS_2018


def test_a_state_without_denominator_keeps_its_row():
    figs = figure(4, 2019, 2019).assign(iso3="UZX")
    row = per_capita(figs, denominators()).iloc[0]
    assert row["flag"] == "no_denominator" and pd.isna(row["rate"])


def test_undated_figures_take_the_year_of_the_reply():
    figs = staff().assign(period_start=None, period_end=None)
    row = per_capita(figs, denominators(), documents()).iloc[1]
    assert (row["figure_year"], row["figure_year_basis"]) == (2024, "reply_date")


def test_bad_max_year_gap_is_refused():
    with pytest.raises(TortureStatsError, match="max_year_gap=-1"):
        per_capita(figure(4, 2019, 2019), denominators(), max_year_gap=-1)


# --- denominators -----------------------------------------------------------------------------


def test_load_denominators_reads_the_curated_table():
    den = load_denominators()
    assert schema.validate(den, DENOMINATORS) == []
    kaz = den[(den["iso3"] == "KAZ") & (den["year"] == 2020)].iloc[0]
    assert kaz["value"] == PRISONERS_2020 and kaz["source_url"] == SOURCE_2020


def test_load_denominators_names_a_missing_file(tmp_path):
    with pytest.raises(TortureStatsError, match="no such file"):
        load_denominators(tmp_path / "nope.csv")


# --- staffing ---------------------------------------------------------------------------------


def test_categories_add_up_to_the_stated_total_and_shares_follow():
    out = staffing(staff(), denominators())
    counts = out[out["per"].isna()].set_index("measure")
    assert counts.loc["doctors", "categories_sum"] == DOCTORS + NURSES + JUNIOR == MEDICAL_STAFF
    assert counts["has_consistent_total"].all()
    assert counts.loc["doctors", "share_pct"] == pytest.approx(DOCTORS / MEDICAL_STAFF * 100)
    assert counts.loc["nurses", "share_pct"] == pytest.approx(NURSES / MEDICAL_STAFF * 100)
    assert counts["share_pct"].sum() == pytest.approx(100)
    assert schema.validate(out, STAFFING) == []


def test_staffing_ratios_to_prisoners_name_their_denominator():
    out = staffing(staff(year=2020), denominators()).set_index("measure")
    assert out.loc["doctors", "prisoners_per_staff"] == pytest.approx(PRISONERS_2020 / DOCTORS)
    assert out.loc["doctors", "per_1000_prisoners"] == pytest.approx(DOCTORS * 1000 / PRISONERS_2020)
    counts = out[out["per"].isna()]
    assert (counts["prisoners_year"] == 2020).all() and (counts["prisoners_source"] == SOURCE_2020).all()


def test_a_ratio_per_institution_stays_a_ratio():
    row = staffing(staff(), denominators()).set_index("measure").loc["psychologists"]
    assert row["per"] == "institution" and row["value"] == 1
    assert pd.isna(row["share_pct"]) and pd.isna(row["per_1000_prisoners"]) and pd.isna(row["prisoners_per_staff"])
    assert row["flag"] == "ratio_not_count"


def test_categories_that_do_not_add_up_are_flagged_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="torture_stats.rates"):
        out = staffing(staff(year=2020, total=1400), denominators())
    counts = out[out["per"].isna()]
    assert (counts["flag"] == "sum_mismatch").all()
    assert not counts["has_consistent_total"].any()
    assert "add up to 1352" in caplog.text


def test_without_a_stated_total_the_sum_of_categories_is_the_base():
    figs = staff(year=2020).query("measure != 'medical_staff'")
    out = staffing(figs, denominators()).set_index("measure")
    assert out.loc["doctors", "total_basis"] == "sum_of_categories"
    assert out.loc["doctors", "share_pct"] == pytest.approx(DOCTORS / (DOCTORS + NURSES + JUNIOR) * 100)
    assert pd.isna(out.loc["doctors", "has_consistent_total"])


def test_staffing_does_not_touch_its_input():
    figs, den = staff(), denominators()
    before_figs, before_den = figs.copy(), den.copy()
    staffing(figs, den)
    pd.testing.assert_frame_equal(figs, before_figs)
    pd.testing.assert_frame_equal(den, before_den)
