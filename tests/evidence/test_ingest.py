"""`workbench ingest`: a checked file becomes a catalogued dataset (or a new version), written atomically."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

from tests.evidence.conftest import ROOT, snapshot
from workbench import evidence
from workbench.cli import main
from workbench.errors import SpecificationError, WorkbenchError
from workbench.evidence import ingest
from workbench.evidence.catalog import Catalog, content_digest

LONG = "area_code,area_name,period,indicator,value,numerator,denominator\n"


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def reload(catalog: Catalog) -> Catalog:
    return Catalog.from_file(catalog.path)


def real_slice(relative: str, lines: int) -> str:
    text = gzip.decompress((ROOT / "evidence" / "raw" / relative).read_bytes()).decode("utf-8-sig")
    return "".join(text.splitlines(keepends=True)[:lines])


def test_a_new_id_gets_an_entry_written_by_code_and_loads(evidence_tree, tmp_path, capsys):
    path = write(tmp_path / "claims.csv", real_slice("ons_explore_local_statistics/claimant-count.csv.gz", 120))
    assert main(["ingest", str(path), "--as", "my_claims", "--format", "ons", "--catalog", str(evidence_tree.path),
                 "--licence", "Open Government Licence v3.0"]) == 0
    out = capsys.readouterr().out
    assert "ingested my_claims (new dataset): 119 rows, periods calendar, indicators claimant_count" in out
    assert "undocumented indicators" not in out          # claimant_count is described in the register
    entry = reload(evidence_tree)["my_claims"]
    assert entry.format == "ons_els" and entry.licence == "Open Government Licence v3.0" and not entry.synthetic
    assert entry.path == evidence_tree.root / "raw" / "ingested" / "my_claims" / "v1" / "claims.csv"
    assert entry.path.read_bytes() == path.read_bytes()                     # the file as received
    assert entry.extra["sha256"] == content_digest(path)
    assert entry.extra["period_type"] == "calendar"
    assert entry.extra["indicators_found"] == ["claimant_count"] and entry.extra["undocumented_indicators"] == []
    panel = evidence.load("my_claims", reload(evidence_tree))               # digest checked, read by its reader
    england = panel[panel["area_code"] == "E92000001"].set_index("period")["value"]
    assert england["2009"] == 3.8                                            # ONS's published England figure


def test_the_catalogue_keeps_its_comments_and_other_entries(evidence_tree, tmp_path):
    before = evidence_tree.path.read_text()
    path = write(tmp_path / "a.csv", LONG + "E06000001,Hartlepool,2009,emergency_admissions,100.0,9200,92000\n")
    ingest.ingest(path, "mine", "long", catalog=evidence_tree)
    after = evidence_tree.path.read_text()
    assert after.startswith(before.rstrip("\n")) and "\n  mine:\n" in after
    assert {e.id for e in reload(evidence_tree)} == {e.id for e in evidence_tree} | {"mine"}


def test_an_existing_id_gets_a_new_version_and_keeps_the_previous(evidence_tree, tmp_path):
    first = write(tmp_path / "a.csv", LONG + "E06000001,Hartlepool,2009,emergency_admissions,100.0,9200,92000\n")
    second = write(tmp_path / "b.csv", LONG + "E06000001,Hartlepool,2010,emergency_admissions,99.0,9108,92000\n")
    ingest.ingest(first, "mine", "long", catalog=evidence_tree)
    done = ingest.ingest(second, "mine", catalog=reload(evidence_tree))
    assert (done.version, done.new) == (2, False)
    entry = reload(evidence_tree)["mine"]
    assert entry.path.name == "b.csv" and entry.path.parent.name == "v2"
    versions = entry.extra["versions"]
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["path"] == "raw/ingested/mine/v1/a.csv"
    assert (evidence_tree.root / versions[0]["path"]).read_bytes() == first.read_bytes()  # kept
    assert evidence.load("mine", reload(evidence_tree))["period"].tolist() == ["2010"]


def test_a_new_version_must_be_the_same_series(evidence_tree, tmp_path):
    write_from = write(tmp_path / "a.csv", LONG + "E06000001,Hartlepool,2009,emergency_admissions,100.0,9200,92000\n")
    ingest.ingest(write_from, "mine", "long", catalog=evidence_tree)
    catalog = reload(evidence_tree)
    before = snapshot(catalog.root)
    financial = write(tmp_path / "f.csv", LONG + "E06000001,Hartlepool,2009/10,emergency_admissions,1,1,1000\n")
    with pytest.raises(ingest.IngestError, match=r"f.csv, row 2, column 'period': period type financial, "
                                                 r"where dataset 'mine' has calendar"):
        ingest.ingest(financial, "mine", catalog=catalog)
    with pytest.raises(WorkbenchError, match="dataset 'mine' is read as long; --format ons does not match it"):
        ingest.ingest(financial, "mine", "ons", catalog=catalog)
    assert snapshot(catalog.root) == before


def test_a_new_version_of_a_published_dataset_uses_its_reader_and_options(evidence_tree, tmp_path):
    path = write(tmp_path / "cic.csv", real_slice("fingertips/children_in_care.csv.gz", 30))
    done = ingest.ingest(path, "children_in_care", catalog=evidence_tree)
    entry = reload(evidence_tree)["children_in_care"]
    assert done.version == 2 and entry.extra["versions"][0]["sha256"].startswith("8b4d0151")
    assert entry.extra["publisher"].startswith("Office for Health Improvement")   # the rest of the entry kept
    assert set(evidence.load("children_in_care", reload(evidence_tree))["indicator"]) == {"children_in_care"}


def test_a_schema_dataset_takes_a_new_version_checked_against_its_schema(evidence_tree, tmp_path):
    good = write(tmp_path / "demo.csv", "area_code,period,indicator,value,numerator,denominator\n"
                                        "E06000001,2004,neet_rate,6.2500,50,800\n")
    assert ingest.ingest(good, "outcomes_demo", catalog=evidence_tree).version == 2
    bad = write(tmp_path / "bad.csv", "area_code,period,indicator,value,numerator,denominator\n"
                                      "E06000001,2004,neet_rate,6.2500,50,0\n")
    before = snapshot(evidence_tree.root)
    with pytest.raises(WorkbenchError, match="bad.csv, row 2, column 'denominator': denominator is 0"):
        ingest.ingest(bad, "outcomes_demo", catalog=reload(evidence_tree))
    assert snapshot(evidence_tree.root) == before


def test_quarantine_lets_the_good_rows_in_and_writes_the_bad_ones_with_a_reason(evidence_tree, tmp_path, capsys):
    path = write(tmp_path / "mixed.csv", LONG
                 + "E06000001,Hartlepool,2009,emergency_admissions,100.0,9200,92000\n"
                 + "E06000002,Middlesbrough,2009,emergency_admissions,abc,,\n"
                 + "E06999999,Nowhere,2009,emergency_admissions,1,,\n"
                 + "E06000003,Redcar and Cleveland,2009,emergency_admissions,90.0,12150,135000\n"
                 + "E06000004,Stockton-on-Tees,2009,emergency_admissions,5,10,2\n")
    bad = tmp_path / "out" / "bad_rows.csv"
    assert main(["ingest", str(path), "--as", "mine", "--quarantine", str(bad), "--catalog", str(evidence_tree.path)]) == 0
    assert "set aside 3 bad rows in" in capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(bad.read_text())))
    assert [(r["row"], r["area_code"]) for r in rows] == [("3", "E06000002"), ("4", "E06999999"), ("6", "E06000004")]
    assert rows[0]["reason"].startswith("column 'value': 'abc' is not a number")
    assert rows[1]["reason"].startswith("column 'area_code': unknown area code 'E06999999'")
    assert rows[2]["reason"].startswith("column 'numerator': numerator 10 is above its denominator 2")
    entry = reload(evidence_tree)["mine"]
    assert entry.extra["versions"][0]["rows_set_aside"] == 3
    assert sorted(evidence.load("mine", reload(evidence_tree))["area_code"]) == ["E06000001", "E06000003"]


def test_quarantine_cannot_rescue_a_file_that_is_wrong_as_a_whole(shared_tree, malformed, tmp_path):
    bad = tmp_path / "bad.csv"
    with pytest.raises(WorkbenchError, match="is UTF-16"):
        ingest.ingest(malformed / "utf16.csv", "mine", catalog=shared_tree, quarantine=bad)
    assert not bad.exists()


def test_suppression_markers_are_values_with_their_reason_not_errors(shared_tree):
    text = (LONG + "E06000001,Hartlepool,2009,x1,*,,\nE06000002,Middlesbrough,2009,x1,..,,\n"
            "E06000003,Redcar,2009,x1,c,,\nE06000004,Stockton,2009,x1,x,,\nE06000005,Darlington,2009,x1,:,,\n")
    panel = ingest.check(text.encode(), "long", catalog=shared_tree).panel
    assert panel["value"].isna().all() and set(panel["status"]) == {"suppressed"}
    assert panel.loc[0, "status_reason"].startswith("suppressed by the publisher (*)")
    assert panel.loc[2, "status_reason"].startswith("confidential (c)")


@pytest.mark.parametrize("label, period_type, kind, start, years", [
    ("2008/09", None, "financial", 2008, 1),
    ("2015/16", "academic", "academic", 2015, 1),
    ("2001-03", None, "pooled", 2001, 3),
    ("2009", None, "calendar", 2009, 1),
])
def test_period_labels_are_read_as_what_they_mean(shared_tree, label, period_type, kind, start, years):
    text = LONG + f"E06000001,Hartlepool,{label},x1,5.0,,\n"
    panel = ingest.check(text.encode(), "long", catalog=shared_tree, options={"period_type": period_type}).panel
    assert (panel.loc[0, "period_type"], panel.loc[0, "period_start"], panel.loc[0, "period_years"]) == (kind, start, years)


def test_academic_years_from_the_command_line_are_recorded(evidence_tree, tmp_path):
    path = write(tmp_path / "wide.csv", "code,name,2014/15,2015/16\nE06000001,Hartlepool,10.5,..\n")
    assert main(["ingest", str(path), "--as", "absence", "--format", "wide", "--indicator", "persistent_absence",
                 "--area-column", "code", "--name-column", "name", "--period-type", "academic",
                 "--catalog", str(evidence_tree.path)]) == 0
    entry = reload(evidence_tree)["absence"]
    assert entry.extra["period_type"] == "academic"
    assert entry.extra["reader_options"] == {"indicator": "persistent_absence", "area_column": "code",
                                             "name_column": "name", "period_type": "academic"}
    panel = evidence.load("absence", reload(evidence_tree)).set_index("period")
    assert panel.loc["2015/16", "status"] == "suppressed" and panel.loc["2014/15", "value"] == 10.5


def test_documented_indicators_are_not_marked(shared_tree):
    text = LONG + "E06000001,Hartlepool,2009,emergency_admissions,100.0,9200,92000\nE06000001,Hartlepool,2009,new_one,1,,\n"
    checked = ingest.check(text.encode(), "long", catalog=shared_tree)
    assert checked.indicators == ["emergency_admissions", "new_one"] and checked.undocumented == ["new_one"]


@pytest.mark.parametrize("header, layout", [
    ("areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes", "ons_els"),
    ("Indicator ID,Indicator Name,Area Code,Area Name,Time period,Value", "fingertips_api"),
    ("area_code,area_name,period,value,indicator,measure,unit,significance", "fingertips_extract"),
    ('"DATE_NAME","GEOGRAPHY_CODE","OBS_VALUE"', "nomis"),
    ("area_code,period,indicator,value", "long"),
])
def test_the_layout_is_told_from_the_header_when_no_format_is_given(header, layout):
    assert ingest.layout_of(None, header + "\n") == layout


def test_an_unusable_dataset_id_or_format_is_one_clear_error(shared_tree, tmp_path):
    path = write(tmp_path / "a.csv", LONG + "E06000001,Hartlepool,2009,x1,1,,\n")
    with pytest.raises(WorkbenchError, match="dataset id '../escape' must be lower case"):
        ingest.ingest(path, "../escape", catalog=shared_tree)
    with pytest.raises(WorkbenchError, match="unknown format 'xlsx'"):
        ingest.check(path, "xlsx", catalog=shared_tree)
    with pytest.raises(WorkbenchError, match="the long layout does not take measures"):
        ingest.check(path, "long", catalog=shared_tree, options={"measures": {"a": "value"}})


def test_a_failed_catalogue_write_leaves_no_data_file(evidence_tree, tmp_path, monkeypatch):
    path = write(tmp_path / "a.csv", LONG + "E06000001,Hartlepool,2009,x1,1,,\n")
    before = snapshot(evidence_tree.root)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ingest, "_write_entry", broken)
    with pytest.raises(OSError, match="disk full"):
        ingest.ingest(path, "mine", catalog=evidence_tree)
    assert snapshot(evidence_tree.root) == before


def test_replace_entry_swaps_one_block_and_keeps_the_comments_around_it():
    text = "datasets:\n  a:\n    title: A\n    path: a.csv\n\n  # about b\n  b:\n    title: B\n"
    out = ingest.replace_entry(text, "a", "  a:\n    title: new\n")
    assert out == "datasets:\n  a:\n    title: new\n\n  # about b\n  b:\n    title: B\n"
    assert ingest.replace_entry(text, "c", "  c:\n    title: C\n").endswith("    title: B\n\n  c:\n    title: C\n")


def test_an_initiative_whose_pilots_are_not_in_the_dataset_says_so_when_the_panel_is_built(evidence_tree, tmp_path):
    path = write(tmp_path / "few.csv", LONG + "".join(
        f"{code},,{year},emergency_admissions,100.0,1000,10000\n"
        for code in ("E06000001", "E06000002") for year in (2008, 2009, 2010)))
    ingest.ingest(path, "few_areas", catalog=evidence_tree)
    with pytest.raises(SpecificationError, match=r"dataset 'few_areas' has no rows for the pilot areas of Total Place: "
                                                 r"E\d{8}.* \(\d+ of \d+\)"):
        evidence.outcome_panel("total_place", "emergency_admissions", dataset="few_areas",
                               catalog=reload(evidence_tree))


def test_an_indicator_described_in_the_register_is_no_longer_undocumented(evidence_tree, tmp_path):
    path = write(tmp_path / "a.csv", LONG + "E06000001,Hartlepool,2009,claimant_rate,3.8,,\n")
    ingest.ingest(path, "mine", catalog=evidence_tree)
    catalog = reload(evidence_tree)
    assert catalog["mine"].extra["undocumented_indicators"] == ingest.undocumented("mine", catalog) == ["claimant_rate"]
    register = catalog.root / "registers" / "indicators.csv"
    with register.open("a", encoding="utf-8") as fh:   # the README's recipe: one row in the register
        fh.write("claimant_rate,Claimant rate,claimants as a share of residents aged 16-64,Economic regeneration,"
                 "percent of residents aged 16-64,100,lower,upper,ONS claimant count,\n")
    assert ingest.undocumented("mine", reload(evidence_tree)) == []


def test_ingests_running_at_once_keep_every_entry(evidence_tree, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    files = [write(tmp_path / f"f{i}.csv", LONG + f"E06000001,Hartlepool,{2000 + i},x{i},1,,\n") for i in range(6)]
    with ThreadPoolExecutor(3) as pool:
        done = list(pool.map(lambda item: ingest.ingest(item[1], f"set_{item[0]}", catalog=evidence_tree),
                             enumerate(files)))
    entries = reload(evidence_tree).entries
    assert {f"set_{i}" for i in range(6)} <= set(entries) and all(d.new for d in done)
    assert [entries[f"set_{i}"].extra["indicators_found"] for i in range(6)] == [[f"x{i}"] for i in range(6)]
