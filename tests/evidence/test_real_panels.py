"""Real published series made into analysis panels: every choice made, checked against the files."""

from __future__ import annotations

import dataclasses

import pytest

from workbench import evidence
from workbench.errors import SpecificationError
from workbench.evidence.real_panels import real_outcome_panel

CUMBERLAND, WESTMORLAND = "E06000063", "E06000064"
BCP, DORSET_2019 = "E06000058", "E06000059"


@pytest.fixture(scope="module")
def total_place(catalog):
    return evidence.initiatives(catalog)["total_place"]


def areas_of(panel, pilot=True):
    return set(panel.data.loc[panel.data["pilot"] == pilot, "area_code"])


def test_the_claimant_count_window_stops_before_the_universal_credit_break(catalog):
    panel = evidence.outcome_panel("total_place", "claimant_count", dataset="claimant_count", catalog=catalog)
    assert panel.preparation.window == (2001, 2012)
    assert panel.data["period"].max() == 2012
    assert any("breaks in 2013" in n and "stops at 2012" in n for n in panel.preparation.notes)
    assert [b.first_affected.label for b in panel.preparation.breaks] == ["2013"]


def test_pilots_are_found_on_the_2023_footprint_from_the_2009_members(catalog):
    # The Dorset pilot's Dorset county, Bournemouth and Poole are exactly Dorset Council plus BCP in
    # 2023: both are wholly pilot land. Cumbria (not a pilot) is Cumberland plus Westmorland and Furness.
    panel = evidence.outcome_panel("total_place", "claimant_count", dataset="claimant_count", catalog=catalog)
    assert {BCP, DORSET_2019} <= areas_of(panel)
    assert {CUMBERLAND, WESTMORLAND} <= areas_of(panel, pilot=False)
    assert panel.footprint == "upper-tier local authorities as they stood on 1 April 2023"
    # one footprint throughout: every area has one row per period, every period the same areas
    counts = panel.data.groupby("area_code")["period"].nunique()
    assert counts.nunique() == 1 and counts.iloc[0] == 12
    assert len(areas_of(panel)) + len(areas_of(panel, pilot=False)) == panel.data["area_code"].nunique() == 153


def test_an_area_partly_inside_the_members_is_left_out_with_the_reason(catalog, total_place):
    poole_durham = dataclasses.replace(total_place, id="poole_durham", name="Poole and Durham", pilots=(
        dataclasses.replace(total_place.pilots[0], id="pd", name="Poole, Durham", members=("E06000029", "E06000047")),))
    data, prep = real_outcome_panel(poole_durham, "claimant_count", catalog["claimant_count"], catalog)
    assert BCP not in set(data["area_code"])          # Poole is part of BCP: neither pilot nor comparison
    assert "partly inside Poole and Durham's member authorities" in prep.dropped_areas[BCP]
    assert set(data.loc[data["pilot"], "area_code"]) == {"E06000047"}
    only_poole = dataclasses.replace(poole_durham, name="Poole alone", pilots=(
        dataclasses.replace(total_place.pilots[0], members=("E06000029",)),))
    with pytest.raises(SpecificationError, match="has no rows for the pilot areas of Poole alone"):
        real_outcome_panel(only_poole, "claimant_count", catalog["claimant_count"], catalog)


def test_pooled_periods_are_thinned_to_non_overlapping_ones_aligned_on_the_start(catalog):
    panel = evidence.outcome_panel("total_place", "preventable_cvd_mortality", dataset="preventable_cvd_mortality",
                                   catalog=catalog)
    labels = sorted(panel.data["period_label"].unique())
    assert labels == ["2001-03", "2004-06", "2007-09", "2010-12", "2013-15", "2016-18"]
    assert sorted(panel.data["period"].unique()) == [2001, 2004, 2007, 2010, 2013, 2016]
    assert panel.preparation.period_type == "pooled"
    assert any("overlap" in n for n in panel.preparation.notes)
    # the first post period starts exactly when Total Place's post period does
    assert panel.data.loc[panel.data["post"], "period"].min() == 2010


def test_the_window_ends_before_the_pandemic_and_can_be_moved(catalog):
    default = evidence.outcome_panel("total_place", "gdhi_per_head", dataset="household_income", catalog=catalog)
    assert default.data["period"].max() == 2019
    shorter = evidence.outcome_panel("total_place", "gdhi_per_head", dataset="household_income", catalog=catalog,
                                     last_period=2014)
    assert shorter.data["period"].max() == 2014 and shorter.preparation.window[1] == 2014


def test_a_publisher_error_is_excluded_with_its_reason_before_the_analysis(catalog):
    # children in care: the series starts in 2011, so Total Place (from 2010) has no pre-period,
    # which is refused in words; the value rule still runs on the whole series.
    with pytest.raises(SpecificationError, match=r"0 period\(s\) before Total Place began in 2010"):
        evidence.outcome_panel("total_place", "children_in_care", dataset="children_in_care", catalog=catalog)
    checked = evidence.check_plausible(evidence.load("children_in_care", catalog))
    assert ("E47000001", "2011") in set(zip(checked.flags["area_code"], checked.flags["period"]))


def test_rates_from_districts_are_weighted_by_population_and_marked_approximate(catalog):
    # children in low-income families is published for districts only: counties are rebuilt
    panel = evidence.outcome_panel("total_place", "children_low_income", dataset="low_income_families",
                                   catalog=catalog)
    assert panel.preparation.approximate
    note = next(n for n in panel.preparation.notes if "weighting their rates by ONS mid-year population" in n)
    assert "Kent" in note and "Worcestershire" in note
    kent = panel.data[(panel.data["area_code"] == "E10000016") & (panel.data["period"] == 2010)]
    assert len(kent) == 1 and 10 < kent["value"].iloc[0] < 30


def test_persistent_absence_runs_on_the_2009_authorities_its_codes_name(catalog):
    panel = evidence.outcome_panel("total_place", "persistent_absence", dataset="persistent_absence", catalog=catalog)
    assert panel.footprint == "upper-tier local authorities as they stood on 1 April 2009"
    assert {"E10000009", "E06000028", "E06000029"} <= areas_of(panel)   # Dorset county, Bournemouth, Poole
    assert "E10000006" in areas_of(panel, pilot=False)  # Cumbria, as it stood then
    assert "E08000037" in areas_of(panel)               # Gateshead, published under its pre-2013 code too
    assert panel.data["period"].max() == 2014         # the (doubted) 2015/16 break is respected
    (absence,) = panel.preparation.breaks
    assert absence.doubt and "back-cast" in absence.doubt


def test_pilots_outside_a_dataset_are_named_in_words(catalog, total_place):
    # A pilot whose only member is a county: the low-income series has districts only, but they
    # roll up; the Isles of Scilly are not in every year, so a Scilly-only initiative has no pilots.
    scilly = dataclasses.replace(total_place, id="scilly", name="Scilly pilot", pilots=(
        dataclasses.replace(total_place.pilots[0], id="scilly", name="Scilly", members=("E06000053",)),))
    with pytest.raises(SpecificationError, match="has no rows for the pilot areas of Scilly pilot"):
        real_outcome_panel(scilly, "children_low_income", catalog["low_income_families"], catalog)


def test_the_dataset_carrying_an_indicator_is_found(catalog):
    assert evidence.dataset_for("gdhi_per_head", catalog) == "household_income"
    with pytest.raises(SpecificationError, match="is in 0 real datasets"):
        evidence.dataset_for("emergency_admissions", catalog)


def test_the_synthetic_demo_panel_is_unchanged_and_has_no_preparation(catalog):
    panel = evidence.outcome_panel("total_place", "emergency_admissions", catalog=catalog)
    assert panel.preparation is None and panel.synthetic
    assert len(panel.pilot_areas) == 31 and panel.data["period"].between(2004, 2019).all()


def test_one_pilot_is_compared_with_the_non_members_and_the_other_pilots_are_left_out(catalog):
    panel = evidence.outcome_panel("total_place", "gdhi_per_head", dataset="household_income", catalog=catalog,
                                   pilot="birmingham")
    assert panel.pilot_areas == ["E08000025"] and panel.initiative.name == "Total Place: Birmingham"
    whole = evidence.outcome_panel("total_place", "gdhi_per_head", dataset="household_income", catalog=catalog)
    assert set(panel.comparison_areas) == set(whole.comparison_areas)     # never another pilot's areas
    note = next(n for n in panel.preparation.notes if "in another pilot of the same initiative" in n)
    assert note.startswith(f"{len(whole.pilot_areas) - 1} area(s) left out")
    synthetic = evidence.outcome_panel("total_place", "neet_rate", catalog=catalog, pilot="dorset_poole_bournemouth")
    assert synthetic.pilot_areas == ["E06000028", "E06000029", "E10000009"]
    other_members = set(evidence.initiatives(catalog)["total_place"].member_areas) - set(synthetic.pilot_areas)
    assert len(other_members) == 28 and not set(synthetic.data["area_code"]) & other_members
    with pytest.raises(SpecificationError, match="Total Place has no pilot 'atlantis'"):
        evidence.outcome_panel("total_place", "neet_rate", catalog=catalog, pilot="atlantis")


def test_charts_and_tables_name_periods_as_their_publishers_do(catalog):
    pooled = evidence.outcome_panel("total_place", "preventable_cvd_mortality", dataset="preventable_cvd_mortality",
                                    catalog=catalog)
    assert pooled.time_label == "First year of the three-year period"
    assert pooled.period_labels[2010] == "2010-12" and pooled.period_labels[2001] == "2001-03"
    absence = evidence.outcome_panel("total_place", "persistent_absence", dataset="persistent_absence", catalog=catalog)
    assert absence.time_label == "Academic year starting" and absence.period_labels[2010] == "2010/11"
    claims = evidence.outcome_panel("total_place", "claimant_count", dataset="claimant_count", catalog=catalog)
    assert claims.time_label == "Year" and claims.period_labels is None
    demo = evidence.outcome_panel("total_place", "neet_rate", catalog=catalog)
    assert demo.time_label == "Financial year starting" and demo.period_labels is None
