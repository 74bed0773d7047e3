"""The area and initiative registers against the reference facts."""

from __future__ import annotations

import csv
import datetime as dt

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
    assert list(table.columns) == ["initiative", "pilot", "area_code", "first_post_period", "role", "footprint"]
    assert table.query("initiative == 'total_place'")["area_code"].nunique() == 31
    assert set(table.query("initiative == 'troubled_families'")["role"]) == {"concurrent"}
    assert set(table.query("initiative == 'neighbourhood_community_budgets'")["footprint"]) == {"neighbourhood"}


def test_unknown_member_code_is_rejected_with_its_place(catalog, tmp_path):
    text = (catalog["initiatives"].path).read_text().replace("E08000025", "E08999999")
    bad = tmp_path / "initiatives.yaml"
    bad.write_text(text)
    from workbench.evidence.registers import read_initiatives
    with pytest.raises(evidence.loading.DataValidationError,
                       match=r"initiatives\[0\]\.pilots\[0\]\.members'?: unknown area code 'E08999999'"):
        read_initiatives(bad, set(evidence.area_aliases(catalog)))


def test_the_register_holds_every_initiative_with_its_counts(catalog):
    inis = evidence.initiatives(catalog)
    assert list(inis) == ["total_place", "whole_place_community_budgets", "community_budgets_first_phase",
                          "neighbourhood_community_budgets", "troubled_families", "city_deals_wave_1"]
    counts = {k: len(v.pilots) for k, v in inis.items()}
    assert counts == {"total_place": 13, "whole_place_community_budgets": 4, "community_budgets_first_phase": 16,
                      "neighbourhood_community_budgets": 12, "troubled_families": 1, "city_deals_wave_1": 8}
    # Troubled Families: every upper-tier authority of the area register (152 in 2012)
    assert set(inis["troubled_families"].member_areas) == set(evidence.load("areas", catalog)["area_code"])
    assert len(inis["troubled_families"].member_areas) == 152
    assert all(ini.sources and all(p.sources for p in ini.pilots) for ini in inis.values())


def test_community_budgets_first_phase_records_the_28_versus_31_councils_conflict(catalog):
    cb = evidence.initiatives(catalog)["community_budgets_first_phase"]
    assert cb.start.isoformat() == "2011-04-01" and cb.first_post_period == 2011
    assert len(cb.member_areas) == 28  # the named make-up: GM's 10, the Westminster-led 4, 14 single councils
    (conflict,) = cb.conflicts
    assert set(conflict.values) == {"28", "31"} and conflict.register_uses == "28"
    assert all(sources for _, sources in conflict.claims)
    assert "31" in conflict.sentence() and "28" in conflict.sentence()
    assert "E09000032" in cb.pilot_of("E09000033").members  # Wandsworth is in the Westminster-led group
    assert "E06000016" not in cb.member_areas  # Leicester City: unconfirmed, not counted


def test_neighbourhood_pilots_are_flagged_smaller_than_their_host_authority(catalog):
    ncb = evidence.initiatives(catalog)["neighbourhood_community_budgets"]
    assert all(p.smaller_than_member and len(p.members) == 1 for p in ncb.pilots)
    birmingham = [p.id for p in ncb.pilots if p.members == ("E08000025",)]
    assert birmingham == ["shard_end", "castle_vale", "balsall_heath"]  # one Birmingham bid, 3 neighbourhoods
    assert ncb.pilot_of("E10000016").id == "sherwood" and ncb.pilot_of("E10000016").districts == ("Tunbridge Wells",)
    assert {c.register_uses for c in ncb.conflicts} == {"12"}


def test_troubled_families_is_concurrent_and_city_deals_record_their_wider_areas(catalog):
    inis = evidence.initiatives(catalog)
    assert inis["troubled_families"].concurrent and not inis["total_place"].concurrent
    cd = inis["city_deals_wave_1"]
    assert cd.end is None and cd.period_text == "2012 onwards" and cd.first_post_period == 2013
    wider = {p.id for p in cd.pilots if p.footprint == "wider_area"}
    assert wider == {"greater_birmingham_solihull", "bristol_west_of_england", "leeds_city_region",
                     "liverpool_city_region", "sheffield_city_region"}
    assert cd.pilot_of("E06000018").name == "Nottingham"


def test_every_member_is_in_force_at_its_initiative_start(catalog):
    in_force = evidence.loading.upper_tier_in_force(catalog)
    for ini in evidence.initiatives(catalog).values():
        assert set(ini.member_areas) <= set(in_force(ini.start)), ini.id
    # the check has teeth: Dorset Council (2019) is not in force in 2012, County Durham (2009) is
    assert "E06000059" not in in_force(dt.date(2012, 4, 1)) and "E06000059" in in_force(dt.date(2019, 4, 1))
    assert "E06000047" in in_force(dt.date(2009, 4, 1))
    assert len(set(in_force(dt.date(2012, 4, 1)).values())) == 152


def _write_variant(catalog, tmp_path, old, new):
    text = catalog["initiatives"].path.read_text()
    assert old in text
    bad = tmp_path / "initiatives.yaml"
    bad.write_text(text.replace(old, new, 1))
    return bad


@pytest.mark.parametrize("old, new, message", [
    ("    first_post_period: 2011\n", "    first_post_period: 2012\n",
     "first_post_period 2012 is not the first financial year beginning on or after the start 2011-04-01"),
    ("    role: concurrent\n", "    role: background\n", "role 'background' is not one of pilot, concurrent"),
    ("        footprint: neighbourhood\n", "        footprint: street\n", "footprint 'street' is not one of"),
    ('        register_uses: "28"', '        register_uses: "30"', "register_uses '30' is not one of the claims"),
    ("members: [E06000030]", "members: [E06000059]",
     "member\\(s\\) E06000059 not an upper-tier authority in force on the initiative's start 2011-04-01"),
])
def test_schema_checks_on_the_new_fields(catalog, tmp_path, old, new, message):
    from workbench.evidence.registers import read_initiatives
    bad = _write_variant(catalog, tmp_path, old, new)
    aliases = evidence.area_aliases(catalog)
    aliases["E06000059"] = "E06000059"  # Dorset Council is known (2019), but not in force in 2011
    with pytest.raises(evidence.loading.DataValidationError, match=message):
        read_initiatives(bad, aliases, evidence.loading.upper_tier_in_force(catalog))
