"""The checks ingest applies: a file's bytes (encoding, size, delimiter) and its panel (areas, values, periods)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from workbench.errors import DataValidationError
from workbench.evidence import checks
from workbench.evidence.checks import Columns, Geography, Problem


@pytest.fixture(scope="module")
def geography(catalog) -> Geography:
    return Geography.from_catalog(catalog)


def panel(*rows, **columns) -> pd.DataFrame:
    """A small long panel: rows of (area_code, period, period_type, period_start, value)."""
    frame = pd.DataFrame(rows, columns=["area_code", "period", "period_type", "period_start", "value"])
    frame["period_years"] = 1
    frame["indicator"] = columns.get("indicator", "x")
    frame["numerator"] = columns.get("numerator", np.nan)
    frame["denominator"] = columns.get("denominator", np.nan)
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


# --- bytes --------------------------------------------------------------------------------------

def test_a_byte_order_mark_is_dropped_not_refused():
    assert checks.decode("\ufeffa,b\n1,2\n".encode(), "f.csv") == "a,b\n1,2\n"


@pytest.mark.parametrize("raw, message", [
    (b"   \n", "f.csv: file is empty"),
    ("a,b\n1,2\n".encode("utf-16-le"), "f.csv, row 1: is UTF-16 text"),
    (b"a,b\n1,\x00\n", r"f.csv, row 2: is binary, not text \(a NUL byte at byte 6"),
    (b"code,name\nE1,Caf\xe9\n", "f.csv, row 2, column 'name': byte 0xe9 is not UTF-8"),
    (bytes(range(1, 32)) * 4, "f.csv, row 1: is binary, not text"),
    (b"a;b;c\n1,5;2;3\n", "f.csv, row 1: columns are separated by semicolons and decimal commas"),
])
def test_bytes_that_are_not_a_utf8_csv_are_one_clear_error(raw, message):
    with pytest.raises(DataValidationError, match=message):
        checks.decode(raw, "f.csv")


def test_the_size_limit_applies_to_the_file_and_to_its_uncompressed_content(tmp_path, monkeypatch):
    plain = tmp_path / "big.csv"
    plain.write_bytes(b"a,b\n" + b"1,2\n" * 100)
    with pytest.raises(DataValidationError, match=r"big.csv: the file is 404 bytes, above the 100 bytes"):
        checks.read_bytes(plain, limit=100)
    packed = tmp_path / "bomb.csv.gz"
    packed.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 10_000))
    assert packed.stat().st_size < 1000
    with pytest.raises(DataValidationError, match=r"bomb.csv.gz: the uncompressed file is 1,001 bytes, above the 1,000"):
        checks.read_bytes(packed, limit=1000)
    monkeypatch.setenv(checks.MAX_BYTES_ENV, "50")
    assert checks.max_bytes() == 50
    assert checks.read_bytes(packed, limit=10**6).startswith(b"a,b\n")


def test_a_missing_file_or_a_folder_is_one_clear_error(tmp_path):
    with pytest.raises(DataValidationError, match="nope.csv: file not found"):
        checks.read_bytes(tmp_path / "nope.csv")
    with pytest.raises(DataValidationError, match="is a folder"):
        checks.read_bytes(tmp_path)


# --- the panel ----------------------------------------------------------------------------------

def test_known_current_former_and_non_authority_codes_pass(geography):
    frame = panel(("E06000001", "2009", "calendar", 2009, 1.0),
                  ("E08000020", "2010", "calendar", 2010, 1.0),     # Gateshead's former code: an alias
                  ("E92000001", "2009", "calendar", 2009, 1.0),     # England
                  ("E12000001", "2009", "calendar", 2009, 1.0),     # North East
                  ("TLC", "2009", "calendar", 2009, 1.0),           # an ITL region
                  ("E06000028", "2018", "calendar", 2018, 1.0))     # Bournemouth while it existed
    assert checks.check_panel(frame, geography) == []


def test_retired_codes_are_refused_after_their_last_day_only(geography):
    frame = panel(("E06000028", "2019", "calendar", 2019, 1.0),     # January 2019: Bournemouth still there
                  ("E06000028", "2019/20", "financial", 2019, 1.0))  # April 2019: BCP by then
    frame["indicator"] = ["a", "b"]                                    # one period type per indicator
    (problem,) = checks.check_panel(frame, geography)
    assert problem.row == 3 and "retired after 31 March 2019" in problem.problem
    assert "its successor is E06000058" in problem.problem


def test_value_problems_name_the_files_own_columns(geography):
    frame = panel(("E06000001", "2009", "calendar", 2009, -1.0), ("E06000002", "2009", "calendar", 2009, 101.0),
                  indicator="share")
    frame.loc[1, ["numerator", "denominator"]] = [5, 4]
    found = checks.check_panel(frame, geography, Columns("areacd", "observation"), units={"share": "%"})
    assert [(p.row, p.column) for p in found] == [(2, "observation"), (3, "numerator"), (3, "observation")]
    assert "above 100" in found[2].problem and "numerator 5 is above its denominator 4" in found[1].problem


def test_percentages_above_100_are_fine_for_other_units(geography):
    frame = panel(("E06000001", "2009", "calendar", 2009, 250.0), indicator="rate")
    assert checks.check_panel(frame, geography, units={"rate": "per 10,000"}) == []


def test_problem_rows_join_the_reasons_of_a_row_and_skip_the_header():
    rows = checks.problem_rows([Problem(3, "value", "bad"), Problem(3, "area_code", "unknown"), Problem(1, "x", "header")])
    assert rows == {3: "column 'value': bad; column 'area_code': unknown"}
    assert Problem(4, None, "gone").line("f.csv") == "f.csv, row 4: gone"
