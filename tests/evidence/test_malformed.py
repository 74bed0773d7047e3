"""The malformed-input corpus (tests/fixtures/malformed/): each kind of bad file is refused by
`workbench ingest` with one line naming the file, row and column and what was expected, exit
code 2, no traceback, and nothing written under evidence/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.evidence.conftest import MALFORMED, snapshot
from workbench.cli import main

# file, extra CLI arguments, row, column (None: the file as a whole), what the message must say
CORPUS = [
    ("latin1.csv", [], 3, "area_name", "byte 0xe9 is not UTF-8"),
    ("utf16.csv", [], 1, None, "is UTF-16 text (expected UTF-8"),
    ("semicolon_decimal_comma.csv", [], 1, None, "separated by semicolons and decimal commas (expected commas"),
    ("tab_separated.csv", [], 1, None, "separated by tabs (expected commas"),
    ("decimal_comma.csv", [], 3, "value", "'110,5' has a decimal comma (expected a decimal point: 110.5)"),
    ("no_header.csv", [], 1, "area_code", "row 1 holds data, not column names"),
    ("duplicated_header.csv", [], 1, "value", "the header names this column twice"),
    ("misnamed_header.csv", [], 1, "area_code", "missing column: found 'area code', expected 'area_code'"),
    ("missing_column.csv", [], 1, "value", "missing column (expected area_code, period, value"),
    ("ragged_rows.csv", [], 4, "denominator", "8 cells where the header has 7"),
    ("non_numeric.csv", [], 3, "value", "'abc' is not a number or a known marker"),
    ("infinite_value.csv", [], 3, "value", "'1e400' is not a number"),
    ("duplicate_keys.csv", [], 4, "area_code", "duplicate row (E06000001, 2009, emergency_admissions) already on row 2"),
    ("unknown_area_code.csv", [], 3, "area_code", "unknown area code 'E06999999' (expected a code in the local-authority register"),
    ("not_an_area_code.csv", [], 3, "area_code", "'Middlesbrough' is not an area code (expected a GSS code"),
    ("retired_area_code.csv", [], 3, "area_code", "'E06000028' was retired after 31 March 2019 (Bournemouth; its successor is E06000058"),
    ("pre_2009_area_code.csv", [], 3, "area_code", "'09UC' was retired after 31 March 2009 (Mid Bedfordshire, a pre-2009 ONS code"),
    ("negative_rate.csv", [], 3, "value", "value -3.5 is negative (expected a count or rate of 0 or more)"),
    ("percent_over_100.csv", [], 3, "value", "112.5 is above 100 (expected a percentage from 0 to 100)"),
    ("numerator_above_denominator.csv", [], 3, "numerator", "numerator 150000 is above its denominator 140000"),
    ("empty.csv", [], None, None, "file is empty (expected a header row and rows of data)"),
    ("header_only.csv", [], 2, None, "no rows of data under the header (expected at least one row)"),
    ("html_error_page.csv", [], 1, None, "is an HTML or XML page, not a CSV file"),
    ("binary_junk.csv", [], 3, None, "is binary, not text (a NUL byte at byte 8"),
    ("excel_workbook.xlsx", [], None, None, "is a zip archive, such as an Excel (.xlsx) or OpenDocument workbook"),
    ("not_gzip.csv.gz", [], None, None, "ends in .gz but is not gzip-compressed"),
    ("too_large.csv", ["--max-bytes", "100"], None, None, "bytes, above the 100 bytes ingest loads whole"),
    ("mixed_period_types.csv", [], 3, "period", "period 2010/11 is financial where the other periods of "
                                                "emergency_admissions are calendar (expected one period type"),
    ("bad_period.csv", [], 3, "period", "period 'spring 2009' is not a year (2009)"),
    ("monthly_nomis.csv", ["--format", "nomis"], 2, "DATE_NAME", "period 'January 2013' is a single month"),
    ("wide_not_a_period.csv", ["--format", "wide", "--indicator", "neet_rate", "--name-column", "area_name"], 1, "notes", "column is not a period"),
]


def run(path: Path, catalog, *extra: str) -> int:
    return main(["ingest", str(path), "--as", "probe", "--catalog", str(catalog.path), *extra])


def test_the_corpus_has_at_least_twenty_kinds_and_every_fixture_is_used():
    used = {name for name, *_ in CORPUS} | {"many_problems.csv", "bom_is_fine.csv"}
    shipped = {p.name for p in MALFORMED.iterdir() if p.name != "README.md"}
    assert len(CORPUS) >= 20 and used == shipped


@pytest.mark.parametrize("name, extra, row, column, expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_file_is_one_line_naming_file_row_column_and_what_was_expected(
        name, extra, row, column, expected, shared_tree, capsys):
    before = snapshot(shared_tree.root)
    path = MALFORMED / name
    assert run(path, shared_tree, *extra) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    line = lines[0]
    assert line.startswith(f"workbench: error: {path}") and "Traceback" not in captured.err
    assert (f", row {row}" in line) == (row is not None), line
    if row is not None:
        assert f"{path}, row {row}" in line
    if column is not None:
        assert f"row {row}, column '{column}': " in line, line
    assert expected in line, line
    assert snapshot(shared_tree.root) == before
    assert captured.out == ""


def test_every_problem_is_found_and_the_first_twenty_shown(shared_tree, capsys):
    before = snapshot(shared_tree.root)
    path = MALFORMED / "many_problems.csv"
    assert run(path, shared_tree) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 21
    assert lines[0] == f"workbench: error: {path}, row 2, column 'value': 'n/a' is not a number or a known marker " \
                       "('*', 'c', 'x', '..', ':', '-', 'NA')"
    assert lines[19].startswith(f"{path}, row 21, column 'value': 'n/a'")
    assert lines[20] == "... and 5 more problems"
    assert snapshot(shared_tree.root) == before


def test_problems_of_different_kinds_are_all_reported(shared_tree, tmp_path, capsys):
    path = tmp_path / "several.csv"
    path.write_text("area_code,period,indicator,value,numerator,denominator\n"
                    "E06000001,2009,x,abc,,\n"            # not a number (the reader)
                    "E06999999,2009,x,1,,\n"              # unknown area (the panel check)
                    "E06000002,2009,x,1,,,\n"             # ragged (the table)
                    "E06000003,2009,x,5,10,2\n")          # numerator above denominator
    assert run(path, shared_tree) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 4
    for where in ("row 2, column 'value'", "row 3, column 'area_code'", "row 4, column 'denominator'",
                  "row 5, column 'numerator'"):
        assert where in err, err


def test_a_byte_order_mark_is_not_an_error(evidence_tree, capsys):
    assert run(MALFORMED / "bom_is_fine.csv", evidence_tree) == 0
    assert "ingested probe (new dataset): 2 rows" in capsys.readouterr().out
