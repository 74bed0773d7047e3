"""The area and initiative registers against the reference facts."""

from __future__ import annotations

import csv

import pytest

from workbench import evidence


def test_area_register_has_the_152_upper_tier_authorities_of_2009_2019(catalog):
    areas = evidence.load("areas", catalog)
    assert len(areas) == 152
    assert areas["type"].value_counts().to_dict() == {
        "unitary": 56, "metropolitan_district": 36, "london_borough": 33, "county": 27}
    assert areas["area_code"].is_unique


def test_area_codes_and_names_agree_with_the_ons_reference(catalog, reference_data):
    with open(reference_data / "upper_tier_2009.csv", newline="") as fh:
        ref = {r["code_2013_2019"]: r for r in csv.DictReader(fh)}
    areas = evidence.load("areas", catalog).set_index("area_code")
    assert set(areas.index) == set(ref)
    for code, row in areas.iterrows():
        assert row["name"] == ref[code]["name"]
        assert row["region_code"] == ref[code]["region_code"]


def test_former_codes_are_aliases_of_the_current_code(catalog):
    aliases = evidence.area_aliases(catalog)
    assert aliases["E08000020"] == "E08000037"  # Gateshead, re-coded 2013
    assert aliases["E06000048"] == "E06000057"  # Northumberland, re-coded 2013


def test_initiative_register_has_the_13_total_place_and_4_whole_place_pilots(catalog):
    inis = evidence.initiatives(catalog)
    tp, wp = inis["total_place"], inis["whole_place_community_budgets"]
    assert len(tp.pilots) == 13 and len(wp.pilots) == 4
    assert tp.first_post_period == 2010 and wp.first_post_period == 2012
    assert all(p.sources for p in tp.pilots + wp.pilots) and tp.sources and wp.sources
    # spot checks from DOMAIN.md section 10
    assert set(wp.pilot_of("E09000033").members) == {"E09000013", "E09000020", "E09000033"}  # Tri-borough
    assert "E09000032" not in wp.member_areas  # Wandsworth is not in the Whole-Place pilot
    assert len(tp.pilot_of("E08000003").members) == 11  # Manchester City Region incl. Warrington
    assert tp.pilot_of("E08000037").name.startswith("South Tyneside")  # Gateshead, current code


def test_memberships_table_is_what_load_returns(catalog):
    table = evidence.load("initiatives", catalog)
    assert list(table.columns) == ["initiative", "pilot", "area_code", "first_post_period"]
    assert table.query("initiative == 'total_place'")["area_code"].nunique() == 31


def test_unknown_member_code_is_rejected_with_its_place(catalog, tmp_path):
    text = (catalog["initiatives"].path).read_text().replace("E08000025", "E08999999")
    bad = tmp_path / "initiatives.yaml"
    bad.write_text(text)
    from workbench.evidence.registers import read_initiatives
    with pytest.raises(evidence.loading.DataValidationError,
                       match=r"initiatives\[0\]\.pilots\[0\]\.members'?: unknown area code 'E08999999'"):
        read_initiatives(bad, set(evidence.area_aliases(catalog)))
