"""Covariates for comparison groups: population and deprivation rolled up to upper-tier authorities."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import evidence
from workbench.errors import SpecificationError
from workbench.evidence.covariates import covariates, district_population, imd_edition_for

DORSET_BCP = {"dorset_bcp": ["E10000009", "E06000028", "E06000029"]}


def test_england_districts_sum_to_the_ons_total_and_the_upper_tier_keeps_it(catalog):
    assert district_population(2011, catalog)["value"].sum() == 53_107_169  # ONS mid-2011, England
    c = covariates(vintage=2009, year=2011, catalog=catalog)
    assert len(c) == 152 and c["population_year"].eq(2011).all()
    # Bournemouth, Poole and Dorset county cannot be rebuilt from 2021 districts (Christchurch moved)
    missing = set(c.loc[c["population"].isna(), "area_code"])
    assert missing == {"E06000028", "E06000029", "E10000009"}
    assert c.loc[c["area_code"] == "E06000028", "note"].iloc[0].startswith("population: no exact route")
    combined = covariates(vintage=2009, year=2011, combine=DORSET_BCP, catalog=catalog)
    assert len(combined) == 150 and combined["population"].sum() == 53_107_169
    assert combined.set_index("area_code").at["dorset_bcp", "region_code"] == "E12000009"


def test_county_populations_match_the_ons_district_to_county_lookup(catalog):
    lookup = evidence.load("lookup_lad_county_2021", catalog)
    pop = district_population(2020, catalog).set_index("area_code")["value"]
    expected = lookup[lookup["lad_21_code"].str.startswith("E")].assign(
        population=lambda t: t["lad_21_code"].map(pop)).groupby("county_ua_21_code")["population"].sum()
    c = covariates(vintage=2021, year=2020, catalog=catalog).set_index("area_code")
    assert set(c.index) == set(expected.index)
    assert (c["population"] == expected.reindex(c.index)).all()
    assert "E10000021" not in c.index  # Northamptonshire county was gone by 1 April 2021
    assert c.at["E10000016", "population_method"] == "sum"  # Kent from its 12 districts


def test_a_unitarys_imd_score_is_the_published_one_and_its_rank_follows(catalog):
    c = covariates(vintage=2019, year=2019, catalog=catalog).set_index("area_code")
    assert c.at["E06000001", "imd_score"] == pytest.approx(35.037)  # Hartlepool, IMD 2019 official summary
    assert c.at["E06000001", "imd_method"] == "same (imd2019_ltla19)"
    assert c["imd_rank"].min() == 1 and c["imd_rank"].max() == len(c)
    assert c.loc[c["imd_rank"] == 1, "imd_score"].iloc[0] == c["imd_score"].max()
    # for districts every value is the published one, so the ranks are the published file's ranks
    lower = covariates(vintage=2019, year=2019, tier="lower", catalog=catalog).set_index("area_code")
    published = evidence.load("imd2019_ltla19", catalog).set_index("ltla19_code")["Score"]
    assert len(lower) == len(published) == 317
    expected = published.rank(ascending=False, method="min").astype(int)
    assert (lower["imd_rank"].astype(int) == expected.reindex(lower.index)).all()


def test_a_countys_imd_is_the_population_weighted_mean_of_its_districts_and_says_so(catalog):
    c = covariates(vintage=2009, year=2011, catalog=catalog).set_index("area_code")
    assert c.at["E10000006", "imd_edition"] == 2010  # the latest edition by 2011
    districts = ["E07000026", "E07000027", "E07000028", "E07000029", "E07000030", "E07000031"]  # Cumbria
    imd = evidence.load("imd2010", catalog).set_index("ltla21_code")
    pop = district_population(2010, catalog).set_index("area_code")["value"]
    w = pop.reindex(districts).to_numpy()
    expected = np.average(imd.loc[districts, "Score"], weights=w)
    assert c.at["E10000006", "imd_score"] == pytest.approx(expected, rel=1e-12)
    assert c.at["E10000006", "imd_extent"] == pytest.approx(np.average(imd.loc[districts, "Extent"], weights=w))
    assert c.at["E10000006", "imd_method"] == "population_weighted (imd2010)"
    assert "population-weighted means of district summaries (approximate)" in c.at["E10000006", "note"]


def test_every_authority_of_2023_gets_deprivation_from_2019(catalog):
    c = covariates(vintage=2023, year=2019, catalog=catalog).set_index("area_code")
    assert len(c) == 153 and c["imd_score"].notna().all() and c["population"].notna().all()
    assert c.at["E06000060", "imd_method"] == "same (imd2019_ltla23)"  # Buckinghamshire


@pytest.mark.parametrize("year, edition", [(2003, 2004), (2004, 2004), (2009, 2007), (2011, 2010), (2020, 2019)])
def test_the_imd_edition_is_the_latest_published_by_the_year(year, edition):
    assert imd_edition_for(year) == edition


def test_years_outside_the_shipped_series_are_an_error(catalog):
    with pytest.raises(SpecificationError, match="no population estimates for 2022"):
        covariates(vintage=2019, year=2022, catalog=catalog)
    with pytest.raises(SpecificationError, match="IMD edition 2012 is not one of"):
        covariates(vintage=2019, year=2012, imd=2012, catalog=catalog)
