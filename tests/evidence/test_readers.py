"""Readers of publishers' layouts: slices of the real files and hand-made edge cases.

Expected values are the publishers' own headline figures (the team reference folder's realdata/README.md),
never the reader's output.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import CatalogError, DataValidationError, WorkbenchError
from workbench.evidence import readers

RAW = Path(__file__).resolve().parents[2] / "evidence" / "raw"
ELS_HEADER = "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes"


def real_slice(relative: str, lines: int | None = None) -> str:
    """The first `lines` lines (header included) of a shipped file, as text."""
    text = gzip.decompress((RAW / relative).read_bytes()).decode("utf-8-sig")
    return text if lines is None else "".join(text.splitlines(keepends=True)[:lines])


def row(panel, **where):
    hit = panel
    for column, value in where.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return hit.iloc[0]


# --- the registry -------------------------------------------------------------------------------

def test_registry_knows_the_layouts_and_names_them_when_asked_for_another():
    assert {"ons_els", "fingertips_extract", "fingertips_api", "wide", "nomis", "ons_population_ages"} <= set(readers.names())
    assert readers.get("wide") is readers.read_wide
    with pytest.raises(CatalogError, match="no reader for the layout 'stat_xplore'.*known: fingertips_api"):
        readers.get("stat_xplore")


def test_register_adds_a_reader():
    readers.register("test_only", readers.read_wide)
    try:
        assert readers.get("test_only") is readers.read_wide
    finally:
        readers._READERS.pop("test_only")


# --- ONS Explore Local Statistics ---------------------------------------------------------------

def test_ons_claimant_count_matches_the_published_england_figures():
    panel = readers.read("ons_els", RAW / "ons_explore_local_statistics" / "claimant-count.csv.gz",
                         indicators={"Claimant Count": "claimant_count"})
    england = panel[panel["area_code"] == "E92000001"].set_index("period")["value"]
    assert (england["2001"], england["2009"], england["2020"]) == (2.5, 3.8, 5.4)
    assert set(panel["period_type"]) == {"calendar"} and set(panel["indicator"]) == {"claimant_count"}
    assert panel.columns[:len(readers.PANEL_COLUMNS)].tolist() == readers.PANEL_COLUMNS


def test_ons_slice_byte_order_mark_unsorted_rows_and_obsolete_codes():
    text = "\ufeff" + real_slice("ons_explore_local_statistics/claimant-count.csv.gz", 60)
    barnsley = ("E08000016,Barnsley,Local Authority District,Claimant Count,2009-01-01/P1Y,4.9,Percentage,%,,,,"
                "Obsolete code since 2025 (replaced by E08000038 Barnsley)\r\n")
    panel = readers.read_ons_els(text + barnsley, "claimant-count.csv")
    uk = panel[panel["area_code"] == "K02000001"]
    assert uk["period"].iloc[0] == "2001" and uk["period"].iloc[1] == "2025"  # kept in file order
    assert len(uk) == 25 and uk["period_start"].min() == 2001
    assert panel.attrs["obsolete_codes"]["E08000016"]["replaced_by"] == ["E08000038"]
    assert panel["source_row"].iloc[0] == 2


def test_ons_pooled_periods_and_interval_bounds():
    panel = readers.read_ons_els(real_slice(
        "ons_explore_local_statistics/preventable-cardiovascular-mortality-england.csv.gz", 40))
    first = row(panel, area_code="E92000001", period="2001-03")
    assert round(first["value"], 1) == 60.8 and first["period_type"] == "pooled" and first["period_years"] == 3
    assert first["lci_95"] < first["value"] < first["uci_95"]
    assert round(row(panel, area_code="E92000001", period="2022-24")["value"], 1) == 30.2


def test_ons_academic_years():
    panel = readers.read_ons_els(real_slice("ons_explore_local_statistics/persistent-absences-for-all-pupils.csv.gz", 30))
    assert set(panel["period_type"]) == {"academic"}
    assert "2010/11" in set(panel["period"]) and "2019/20" not in set(panel["period"])


def test_ons_status_codes_are_suppressed_unreliable_or_combined_never_errors():
    text = "\n".join([
        ELS_HEADER,
        "E06000001,Hartlepool,x,Claimant Count,2009-01-01/P1Y,,Percentage,%,,,x,",
        "E06000002,Middlesbrough,x,Claimant Count,2009-01-01/P1Y,61.2,Percentage,%,55,67,u,small sample",
        "E09000012,Hackney,x,Claimant Count,2009-01-01/P1Y,40.1,Percentage,%,,,Value for Hackney and City of London combined,",
        "E06000003,Redcar,x,Claimant Count,2009-01-01/P1Y,..,Percentage,%,,,,",
    ])
    panel = readers.read_ons_els(text, "t.csv").set_index("area_code")
    assert np.isnan(panel.loc["E06000001", "value"]) and panel.loc["E06000001", "status"] == "suppressed"
    assert panel.loc["E06000002", "value"] == 61.2 and panel.loc["E06000002", "status"] == "unreliable"
    assert panel.loc["E09000012", "status"] == "combined"
    assert "Hackney and City of London" in panel.loc["E09000012", "status_reason"]
    assert panel.loc["E06000003", "status"] == "suppressed" and "(..)" in panel.loc["E06000003", "status_reason"]


# --- Fingertips ---------------------------------------------------------------------------------

def test_fingertips_low_income_families_matches_the_published_england_figures():
    panel = readers.read("fingertips_extract", RAW / "fingertips" / "low_income_families.csv.gz")
    england = panel[panel["area_code"] == "E92000001"].set_index("period")["value"]
    assert (england["2006"], england["2016"]) == (21.8, 17.0)
    assert set(panel["period_type"]) == {"calendar"}


def test_fingertips_slice_reads_the_rows_as_published():
    panel = readers.read_fingertips_extract(real_slice("fingertips/children_in_care.csv.gz", 12), "children_in_care.csv")
    assert len(panel) == 11
    greater_manchester = panel[panel["area_code"] == "E47000001"].set_index("period")["value"]
    assert (greater_manchester["2011"], greater_manchester["2012"]) == (8.7, 81.9)  # the publisher's error, as published


def test_fingertips_periods_markers_and_pooled_labels():
    text = "\n".join([
        "area_code,area_name,period,value,indicator,measure,unit,significance",
        "E06000001,Hartlepool,2008/09,690,Alcohol,rate,Persons,Worse",
        "E06000001,Hartlepool,2009/10,NA,Alcohol,rate,Persons,Not compared",
        "E06000001,Hartlepool,2001-03,118.6,Alcohol,rate,Persons,Worse",
        "E06000001,Hartlepool,2010/11,*,Alcohol,rate,Persons,Not compared",
        "E06000001,Hartlepool,2011/12,c,Alcohol,rate,Persons,Not compared",
        "E06000001,Hartlepool,2012/13,:,Alcohol,rate,Persons,Not compared",
        "E06000001,Hartlepool,2013/14,x,Alcohol,rate,Persons,Not compared",
    ])
    panel = readers.read_fingertips_extract(text, "t.csv").set_index("period")
    assert panel.loc["2008/09", "period_type"] == "financial" and panel.loc["2008/09", "value"] == 690
    assert panel.loc["2009/10", "status"] == "missing"
    assert panel.loc["2001-03", "period_type"] == "pooled"
    assert panel.loc[["2010/11", "2011/12", "2012/13", "2013/14"], "status"].eq("suppressed").all()
    assert panel.loc[["2010/11", "2011/12", "2012/13", "2013/14"], "value"].isna().all()
    academic = readers.read_fingertips_extract(text, "t.csv", period_type="academic")
    assert academic.loc[academic["period"] == "2008/09", "period_type"].item() == "academic"


def test_fingertips_api_csv_keeps_counts_denominators_and_intervals():
    header = ("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
              "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
              "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
              "Compared to England value or percentiles,Compared to Region value or percentiles,"
              "Time period Sortable,New data,Compared to goal")
    line = ("90803,Children in care,E12000002,North West,E08000003,Manchester,UA,Persons,<18 yrs,,,2012,"
            "81.9,80.1,83.7,,,1002,122344,,,,,20120000,,")
    panel = readers.read_fingertips_api(header + "\n" + line, "api.csv", indicators={"Children in care": "children_in_care"})
    got = panel.iloc[0]
    assert (got["numerator"], got["denominator"], got["lci_95"], got["indicator"]) == (1002, 122344, 80.1, "children_in_care")


def test_fingertips_api_keeps_persons_of_all_categories_and_counts_the_breakdowns():
    header = "Indicator Name,Area Code,Area Name,Sex,Category Type,Category,Time period,Value"
    rows = ["Alcohol admissions,E08000003,Manchester,Persons,,,2012/13,900",
            "Alcohol admissions,E08000003,Manchester,Male,,,2012/13,1200",
            "Alcohol admissions,E92000001,England,Persons,Deprivation deciles,Most deprived,2012/13,1000",
            "Alcohol admissions,E92000001,England,Persons,,,2012/13,640"]
    panel = readers.read_fingertips_api("\n".join([header, *rows]), "api.csv")
    assert panel[["area_code", "value", "source_row"]].values.tolist() == [["E08000003", 900.0, 2], ["E92000001", 640.0, 5]]
    assert panel.attrs["breakdown_rows"] == 2 and set(panel["period_type"]) == {"financial"}


# --- wide tables --------------------------------------------------------------------------------

def test_wide_table_becomes_the_long_panel():
    text = "code,name,2008/09,2009/10,2010/11\nE06000001,Hartlepool,1.5,..,2.5\nE06000002,Middlesbrough,3,4,c\n"
    panel = readers.read_wide(text, "w.csv", indicator="rate", area_column="code", name_column="name")
    assert len(panel) == 6 and set(panel["period_type"]) == {"financial"}
    got = panel.set_index(["area_code", "period"])
    assert got.loc[("E06000002", "2009/10"), "value"] == 4
    assert got.loc[("E06000001", "2009/10"), "status"] == "suppressed"
    assert got.loc[("E06000002", "2010/11"), "status"] == "suppressed"
    assert got.loc[("E06000002", "2009/10"), "source_row"] == 3


def test_wide_table_with_a_column_that_is_no_period_names_it():
    with pytest.raises(DataValidationError, match=r"row 1, column 'total': column is not a period"):
        readers.read_wide("code,2009,total\nE06000001,1,2\n", "w.csv", area_column="code")


def test_wide_table_bad_cell_names_row_and_period_column():
    with pytest.raises(DataValidationError, match=r"w.csv, row 3, column '2010': 'abc' is not a number"):
        readers.read_wide("code,2009,2010\nE06000001,1,2\nE06000002,3,abc\n", "w.csv", area_column="code")


# --- Nomis ---------------------------------------------------------------------------------------

NOMIS = """"DATE_NAME","GEOGRAPHY_NAME","GEOGRAPHY_CODE","MEASURE_NAME","OBS_VALUE"
"Jan 2012-Dec 2012","Trafford","E08000009","Claimant count",3000
"Jan 2012-Dec 2012","Trafford","E08000009","Claimants as a proportion of residents aged 16-64",2.1
"Jan 2013-Dec 2013","Trafford","E08000009","Claimant count",2500
"Jan 2013-Dec 2013","Trafford","E08000009","Claimants as a proportion of residents aged 16-64",1.8
"""
NOMIS_ROLES = {"Claimant count": "numerator", "Claimants as a proportion of residents aged 16-64": "value"}


def test_nomis_measures_become_value_and_numerator_of_one_row():
    panel = readers.read_nomis(NOMIS, "nomis.csv", indicator="claimant_count", measures=NOMIS_ROLES)
    assert panel[["period", "value", "numerator"]].values.tolist() == [["2012", 2.1, 3000.0], ["2013", 1.8, 2500.0]]
    assert set(panel["period_type"]) == {"calendar"} and panel["source_row"].tolist() == [3, 5]


def test_nomis_status_and_single_measure():
    text = ('"DATE_NAME","GEOGRAPHY_CODE","OBS_VALUE","OBS_STATUS"\n"Apr 2012-Mar 2013","E08000009",71.5,"A"\n'
            '"Apr 2013-Mar 2014","E08000009",,"Q"\n')
    panel = readers.read_nomis(text, "aps.csv", indicator="employment_rate").set_index("period")
    assert panel.loc["2012/13", "value"] == 71.5 and panel.loc["2012/13", "period_type"] == "financial"
    assert panel.loc["2013/14", "status"] == "suppressed" and panel.loc["2013/14", "status_reason"] == "Nomis status Q"


@pytest.mark.parametrize("text, options, message", [
    (NOMIS, {}, r"row 2, column 'MEASURE_NAME': measure 'Claimant count' has no role"),
    (NOMIS.replace("Jan 2013-Dec 2013", "January 2013"), {"measures": NOMIS_ROLES},
     r"row 4, column 'DATE_NAME': period 'January 2013' is a single month"),
    (NOMIS.replace("Jan 2013-Dec 2013", "Jan 2012-Dec 2012"), {"measures": NOMIS_ROLES},
     r"row 4, column 'DATE_NAME': a second numerator for E08000009 in 2012"),
])
def test_nomis_problems_name_row_and_column(text, options, message):
    with pytest.raises(DataValidationError, match=message):
        readers.read_nomis(text, "nomis.csv", **options)


# --- the population file ------------------------------------------------------------------------

def test_population_districts_sum_to_englands_published_total():
    panel = readers.read("ons_population_ages", RAW / "ons_population" / "la_pop_estimates.csv.gz")
    total = panel[(panel["indicator"] == "population") & (panel["period"] == "2011")
                  & panel["area_code"].str[:3].isin(["E06", "E07", "E08", "E09"])]
    assert total["value"].sum() == 53_107_169
    assert row(panel, indicator="population", area_code="E08000003", period="2019")["value"] == 552_858
    early = panel[(panel["period"] == "1999") & (panel["indicator"] == "population")
                  & panel["area_code"].str.startswith("E")]
    assert early["status"].eq("incomplete").all()


# --- malformed input: one line naming file, row and column --------------------------------------

@pytest.mark.parametrize("text, message", [
    ("", "file is empty"),
    ("<!DOCTYPE html><html><body>Service unavailable</body></html>", "row 1: is an HTML or XML page"),
    ("areacd,areanm\nE06000001,Hartlepool\n", "row 1, column 'indicator': missing column"),
    (ELS_HEADER + "\nE06000001,Hartlepool,x,CC,2009-01-01/P1Y,4.9,%,%,,\n", "row 2, column 'uci_95': 10 cells where the header has 12"),
    (ELS_HEADER + "\nE06000001,Hartlepool,x,CC,2009-01-01/P1Y,4,9,%,%,,,,\n", "row 2, column 'notes': 13 cells"),
    (ELS_HEADER + "\nE06000001,Hartlepool,x,CC,2009-01-01/P1Y,abc,%,%,,,,\n", "row 2, column 'observation': 'abc' is not a number"),
    (ELS_HEADER + "\nE06000001,Hartlepool,x,CC,2009-08,4.9,%,%,,,,\n", "row 2, column 'period': pooled period '2009-08'"),
    (ELS_HEADER + "\nE06000001,Hartlepool,x,CC,2009,1,%,%,,,,\nE06000002,M,x,CC,2009,nope,%,%,,,,\nE06000003,R,x,CC,2009,bad,%,%,,,,\n",
     r"row 3, column 'observation': 'nope' is not a number .*also row 4 'observation': 'bad'"),
])
def test_malformed_ons_files_are_one_clear_error(text, message):
    with pytest.raises(DataValidationError, match=message):
        readers.read_ons_els(text, "bad.csv")


def test_files_that_cannot_be_read_are_one_clear_error(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        readers.read("ons_els", tmp_path / "missing.csv")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((ELS_HEADER + "\nE06000001,Hartlepool \xe9,x,CC,2009,1,%,%,,,,\n").encode("latin-1"))
    with pytest.raises(DataValidationError, match="latin1.csv: not UTF-8 text"):
        readers.read("ons_els", latin)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"\x1f\x8b\x08 not really gzip")
    with pytest.raises(DataValidationError, match="broken.csv.gz: not a readable gzip file"):
        readers.read("ons_els", broken)


# --- robustness: random and mutated input raises only the workbench's own error -----------------

LAYOUT_SAMPLES = {
    "ons_els": ("ons_explore_local_statistics/claimant-count.csv.gz", {}),
    "fingertips_extract": ("fingertips/children_in_care.csv.gz", {}),
    "ons_population_ages": ("ons_population/la_pop_estimates.csv.gz", {}),
    "nomis": (None, {"measures": NOMIS_ROLES}),
    "wide": (None, {"area_column": "code"}),
}
WIDE = "code,name,2008/09,2009/10\nE06000001,Hartlepool,1.5,..\nE06000002,Middlesbrough,3,4\n"


def sample(layout: str) -> str:
    relative, _ = LAYOUT_SAMPLES[layout]
    if relative is None:
        return NOMIS if layout == "nomis" else WIDE
    return real_slice(relative, 8)


def mutate(text: str, rng: np.random.Generator) -> str:
    chars = list(text)
    for _ in range(int(rng.integers(1, 6))):
        pos = int(rng.integers(0, max(1, len(chars))))
        action = rng.integers(0, 4)
        if action == 0 and chars:
            del chars[pos:pos + int(rng.integers(1, 20))]
        elif action == 1:
            chars.insert(pos, str(rng.choice([",", '"', "\n", "\r", ";", "\t", "\x00", "é", "NA", "..", "1e400", "-"])))
        elif action == 2 and chars:
            chars[pos] = chr(int(rng.integers(32, 127)))
        else:
            chars.insert(pos, "".join(chr(int(c)) for c in rng.integers(0, 0x2FF, size=int(rng.integers(1, 8)))))
    return "".join(chars)


@pytest.mark.parametrize("layout", sorted(LAYOUT_SAMPLES))
def test_mutated_files_give_a_panel_or_the_workbenchs_own_error(layout):
    rng = np.random.default_rng(20100324)
    _, options = LAYOUT_SAMPLES[layout]
    runs = int(os.environ.get("WORKBENCH_FUZZ_RUNS", "150"))
    for _ in range(runs if layout != "ons_population_ages" else max(1, runs // 5)):  # 95 columns: slow
        text = mutate(sample(layout), rng)
        try:
            panel = readers.get(layout)(text, name="fuzz.csv", **options)
        except WorkbenchError as exc:
            assert "\n" not in str(exc), str(exc)  # one line, whatever the input
            continue
        assert list(panel.columns[:len(readers.PANEL_COLUMNS)]) == readers.PANEL_COLUMNS


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_random_bytes_give_only_the_workbenchs_own_error(tmp_path, suffix):
    rng = np.random.default_rng(7)
    path = tmp_path / f"random{suffix}"
    for size in (0, 1, 2, 10, 100, 1000):
        path.write_bytes(rng.bytes(size))
        for layout in readers.names():
            try:
                readers.read(layout, path)
            except WorkbenchError:
                pass
            except TypeError:
                pass  # layouts that need options (wide without an area column) are not under test here


@pytest.mark.parametrize("text, message", [
    ("area_code,area_name,period,value,indicator\nE06000001,H,2009,1,x\nE06000002,M,2009,2,x\nE06000001,H,2009,3,x\n",
     r"row 4, column 'area_code': duplicate row \(E06000001, 2009, x\) already on row 2"),
    ("area_code,area_name,period,value,indicator\n,H,2009,1,x\n", r"row 2, column 'area_code': empty area code"),
    ("area_code,area_name,period,value,value,indicator\nE06000001,H,2009,1,2,x\n",
     r"row 1, column 'value': the header names this column twice"),
])
def test_keys_and_headers_are_checked(text, message):
    with pytest.raises(DataValidationError, match=message):
        readers.read_fingertips_extract(text, "f.csv")


def test_a_wide_table_with_an_area_twice_names_both_rows():
    with pytest.raises(DataValidationError, match=r"row 3, column 'area_code': duplicate row \(E06000001, 2009, "
                                                  r"rate\) already on row 2"):
        readers.read_wide("code,2009,2010\nE06000001,1,2\nE06000001,3,4\n", "w.csv", indicator="rate", area_column="code")
