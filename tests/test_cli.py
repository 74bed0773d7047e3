"""The CLI: malformed inputs give one line naming file, row and column, exit 2, and write nothing."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

HEADER = "area_code,period,indicator,value,numerator,denominator"
GOOD_ROWS = [
    "E06000001,2004,neet_rate,6.2500,50,800",
    "E06000001,2005,neet_rate,5.0000,40,800",
    "E08000020,2006,neet_rate,10.0000,100,1000",   # Gateshead's former code: an accepted alias
    "E06000002,2004,emergency_admissions,100.0000,2000,20000",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "panel.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_valid_file_passes(tmp_path, capsys):
    path = write(tmp_path, GOOD_ROWS)
    assert main(["validate", str(path), "--as", "outcomes_demo"]) == 0
    assert "ok:" in capsys.readouterr().out


def test_every_catalogued_dataset_validates(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "outcomes_demo [synthetic]" in out and "areas" in out


CASES = {
    "missing column": (
        lambda: (GOOD_ROWS, HEADER.replace(",denominator", "")),
        "row 1, column 'denominator': missing column"),
    "unknown area code": (
        lambda: (GOOD_ROWS[:1] + ["E06099999,2005,neet_rate,5.0000,40,800"], HEADER),
        "row 3, column 'area_code': unknown code 'E06099999' (not in the 'areas' register)"),
    "non-numeric value": (
        lambda: (GOOD_ROWS[:2] + ["E06000003,2004,neet_rate,abc,40,800"], HEADER),
        "row 4, column 'value': 'abc' is not a number"),
    "duplicate area-period": (
        lambda: (GOOD_ROWS + ["E06000001,2005,neet_rate,5.0000,40,800"], HEADER),
        "row 6, column 'indicator': duplicate key (area_code=E06000001, period=2005, indicator=neet_rate) "
        "already on row 3"),
    "rate inconsistent with its counts": (
        lambda: (["E06000001,2004,neet_rate,9.9000,50,800"], HEADER),
        "row 2, column 'value': value 9.9 is not numerator / denominator x 100 = 6.2500"),
    "empty required cell": (
        lambda: (["E06000001,,neet_rate,6.2500,50,800"], HEADER),
        "row 2, column 'period': empty cell where a value is required"),
}


@pytest.mark.parametrize("case", CASES)
def test_malformed_input_gives_one_line_and_writes_nothing(tmp_path, capsys, case):
    make, expected = CASES[case]
    rows, header = make()
    path = write(tmp_path, rows, header)
    before = snapshot(tmp_path)
    code = main(["validate", str(path), "--as", "outcomes_demo"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert err == f"workbench: error: {path}, {expected}\n"
    assert snapshot(tmp_path) == before


def test_real_process_prints_no_traceback_and_exits_2(tmp_path):
    path = write(tmp_path, GOOD_ROWS[:1] + ["E06000001,2005,neet_rate,abc,40,800"])
    proc = subprocess.run([sys.executable, "-m", "workbench.cli", "validate", str(path), "--as", "outcomes_demo"],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "WORKBENCH_CATALOG": str(Path(__file__).parents[1] / "evidence/catalog.yaml")})
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"workbench: error: {path}, row 3, column 'value': 'abc' is not a number"]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel.csv"]


def test_debug_shows_the_traceback(tmp_path):
    path = write(tmp_path, ["E06000001,2004,neet_rate,abc,50,800"])
    with pytest.raises(Exception, match="is not a number"):
        main(["--debug", "validate", str(path), "--as", "outcomes_demo"])


def test_validate_file_without_a_schema_is_a_usage_error(tmp_path, capsys):
    path = write(tmp_path, GOOD_ROWS)
    assert main(["validate", str(path)]) == 2
    assert "needs --as DATASET_ID" in capsys.readouterr().err


def test_unknown_dataset_names_the_known_ones(tmp_path, capsys):
    path = write(tmp_path, GOOD_ROWS)
    assert main(["validate", str(path), "--as", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no dataset 'nope' in the catalogue (known: areas, " in err
    assert all(name in err for name in ("indicators", "initiatives", "outcomes_demo", "claimant_count"))


def test_demo_data_check_passes_on_the_committed_panel(capsys):
    assert main(["demo-data", "--check"]) == 0


def test_a_new_version_of_a_published_file_is_checked_with_its_publishers_reader(tmp_path, capsys):
    original = Path(__file__).parents[1] / "evidence/raw/ons_explore_local_statistics/claimant-count.csv.gz"
    lines = gzip.decompress(original.read_bytes()).decode("utf-8-sig").splitlines(keepends=True)
    good = tmp_path / "claimant-count.csv"
    good.write_text("".join(lines[:40]), encoding="utf-8-sig")
    assert main(["validate", str(good), "--as", "claimant_count"]) == 0
    assert "is a valid 'claimant_count' dataset (39 rows)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + lines[1].replace(",2.6,", ",2.6%,"), encoding="utf-8")
    assert main(["validate", str(bad), "--as", "claimant_count"]) == 2
    assert "bad.csv, row 2, column 'observation': '2.6%' is not a number" in capsys.readouterr().err
