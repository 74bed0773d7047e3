"""Areas of 2009, 2019 and 2023 against the ONS reference tables; the register rebuilds exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from workbench import evidence
from workbench.errors import SpecificationError
from workbench.evidence import geography

RAW = Path(__file__).resolve().parents[2] / "evidence" / "raw" / "ons_geography"


def reference(name: str) -> list[dict]:
    with open(RAW / name, newline="") as fh:
        return list(csv.DictReader(fh))


def test_2009_has_the_152_upper_tier_authorities_with_ons_codes_and_names(catalog):
    got = evidence.areas(vintage=2009, catalog=catalog).set_index("code")
    assert len(got) == 152
    assert got["type"].value_counts().to_dict() == {
        "unitary": 56, "metropolitan_district": 36, "london_borough": 33, "county": 27}
    ref = {r["code_2013_2019"]: r for r in reference("upper_tier_2009.csv")}
    assert set(got.index) == set(ref)
    for code, r in ref.items():
        assert got.loc[code, "name"] == r["name"] and got.loc[code, "region_code"] == r["region_code"]
        if r["code_2009_2012"] != code:  # Northumberland and Gateshead, re-coded in 2013
            assert got.loc[code, "former_codes"] == r["code_2009_2012"]


def test_2023_has_the_153_upper_tier_authorities_with_ons_codes_and_names(catalog):
    got = evidence.areas(vintage=2023, tier="upper", catalog=catalog).set_index("code")
    assert len(got) == 153
    assert got["type"].value_counts().to_dict() == {
        "unitary": 63, "metropolitan_district": 36, "london_borough": 33, "county": 21}
    ref = {r["code"]: r for r in reference("upper_tier_2023.csv")}
    assert set(got.index) == set(ref)
    assert all(got.loc[c, "name"] == r["name"] for c, r in ref.items())


def test_2019_is_2009_with_dorset_bournemouth_and_poole_replaced(catalog):
    before = set(evidence.areas(2009, catalog=catalog)["code"])
    after = set(evidence.areas(2019, catalog=catalog)["code"])
    assert before - after == {"E10000009", "E06000028", "E06000029"}
    assert after - before == {"E06000058", "E06000059"}


@pytest.mark.parametrize("vintage, count, source", [(2009, 326, "lad_2011.csv"), (2023, 296, "lad_2023.csv")])
def test_lower_tier_districts_agree_with_the_ons_district_lookups(catalog, vintage, count, source):
    got = evidence.areas(vintage, tier="lower", catalog=catalog)
    rows = reference(source)
    code = "lad11cd" if vintage == 2009 else "lad23cd"
    # the 2011 lookup predates the 2012-13 re-codes; the register carries the latest code
    recoded = {r["lad11cd"]: r["lad18cd"] for r in rows} if vintage == 2009 else {}
    assert len(got) == count == len(rows)
    assert set(got["code"]) == {recoded.get(r[code], r[code]) for r in rows}
    parents = dict(zip(got["code"], got["upper_tier_code"]))
    assert all(parents[recoded.get(r[code], r[code])] == recoded.get(r["utla_cd"], r["utla_cd"]) for r in rows)


def test_lower_tier_2019_has_the_merged_suffolk_and_somerset_districts(catalog):
    got = evidence.areas(2019, tier="lower", catalog=catalog).set_index("code")
    assert len(got) == 317
    assert got.loc["E07000246", "upper_tier_code"] == "E10000027"  # Somerset West and Taunton, in Somerset
    assert "E07000190" not in got.index  # Taunton Deane, merged 2019


def test_the_committed_registers_are_what_the_builder_makes(catalog):
    for dataset, build in (("local_authorities", geography.build_register),
                           ("code_changes", geography.build_code_changes)):
        committed = catalog[dataset].path.read_bytes()
        assert committed == geography.to_csv_bytes(build(RAW)), f"rebuild {dataset} from raw/ons_geography"


def test_code_changes_say_which_kind_each_is(catalog):
    changes = evidence.code_changes(catalog)
    kind = {(r.old_code, r.new_code): r.kind for r in changes.itertuples()}
    assert kind[("E06000048", "E06000057")] == "recode"
    assert kind[("E10000021", "E06000061")] == kind[("E10000021", "E06000062")] == "split"
    assert kind[("E07000048", "E06000058")] == "transfer"
    assert kind[("E06000028", "E06000058")] == "merge"


@pytest.mark.parametrize("vintage, tier, message", [
    (2005, "upper", "before the register starts"),
    ("soon", "upper", "is not a year"),
    (2009, "middle", "tier 'middle' is not upper or lower"),
])
def test_bad_vintage_or_tier_is_one_clear_error(catalog, vintage, tier, message):
    with pytest.raises(SpecificationError, match=message):
        evidence.areas(vintage, tier, catalog=catalog)


def test_every_initiative_member_is_an_authority_in_force_when_the_initiative_started(catalog):
    for initiative in evidence.initiatives(catalog).values():
        in_force = set(evidence.areas(initiative.start, tier="upper", catalog=catalog)["code"])
        assert set(initiative.member_areas) <= in_force, initiative.id
