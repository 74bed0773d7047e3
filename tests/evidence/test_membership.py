"""Initiative members at the 2009, 2019 and 2023 vintages of local-government geography."""

from __future__ import annotations

import pytest

from workbench import evidence
from workbench.errors import SpecificationError


def test_dorset_poole_and_bournemouth_in_2019_are_dorset_council_and_bcp(catalog):
    m = evidence.members("total_place", vintage=2019, catalog=catalog)
    dpb = m[m["pilot"] == "dorset_poole_bournemouth"].set_index("area_code")
    assert set(dpb.index) == {"E06000058", "E06000059"}
    assert set(dpb.at["E06000058", "register_codes"].split(";")) == {"E06000028", "E06000029"}
    assert dpb.at["E06000058", "name"] == "Bournemouth, Christchurch and Poole"
    assert dpb.at["E06000059", "register_codes"] == "E10000009"
    assert "Christchurch" in dpb.at["E06000059", "change"]  # the approximate county -> unitary mapping is said
    assert dpb["within_footprint"].all()  # Christchurch came from Dorset county, itself a member
    # nothing changed for the other pilots between the register and 2019
    assert (m.loc[m["pilot"] != "dorset_poole_bournemouth", "change"] == "").all()
    assert len(m) == 31 - 1  # Bournemouth and Poole became one authority


def test_northamptonshire_in_2023_is_north_and_west_northamptonshire(catalog):
    m = evidence.members("troubled_families", vintage=2023, catalog=catalog)
    northants = m[m["register_codes"] == "E10000021"].set_index("area_code")
    assert set(northants.index) == {"E06000061", "E06000062"}
    assert all("split" in c for c in northants["change"])
    cumbria = m[m["register_codes"] == "E10000006"]
    assert set(cumbria["area_code"]) == {"E06000063", "E06000064"}
    assert len(m) == 153 and set(m["area_code"]) == set(evidence.areas(2023, catalog=catalog)["code"])
    assert set(m["role"]) == {"concurrent"}


def test_the_2009_vintage_uses_the_codes_in_use_before_the_2013_recodes(catalog):
    m = evidence.members("total_place", vintage=2009, catalog=catalog)
    gateshead = m[m["register_codes"] == "E08000037"].iloc[0]
    assert gateshead["area_code"] == "E08000020" and gateshead["name"] == "Gateshead"
    assert "re-coded" in gateshead["change"]
    tf = evidence.members("troubled_families", vintage=2009, catalog=catalog)
    assert "E06000048" in set(tf["area_code"]) and "E06000057" not in set(tf["area_code"])  # Northumberland


def test_a_neighbourhood_pilot_keeps_its_footprint_and_a_successor_with_non_members_is_flagged(catalog):
    ncb = evidence.members("neighbourhood_community_budgets", vintage=2023, catalog=catalog)
    assert set(ncb["footprint"]) == {"neighbourhood"}
    assert ncb.loc[ncb["pilot"] == "haverhill", "area_code"].tolist() == ["E10000029"]  # Suffolk unchanged
    cb = evidence.members("community_budgets_first_phase", vintage=2019, catalog=catalog)
    assert cb["within_footprint"].all() and len(cb) == 28
    # a pilot of Bournemouth alone would not cover BCP: Poole and Christchurch (from Dorset) were not in it
    import pandas as pd

    from workbench.evidence.membership import _Resolver
    resolver = _Resolver(evidence.geography.authority_register(catalog).set_index("code"),
                         evidence.code_changes(catalog), pd.Timestamp("2019-04-01"))
    assert not resolver.within("E06000058", {"E06000028"})
    assert resolver.within("E06000058", {"E06000028", "E06000029", "E10000009"})


def test_unknown_initiative_is_an_error(catalog):
    with pytest.raises(SpecificationError, match="unknown initiative 'nope'"):
        evidence.members("nope", catalog=catalog)
