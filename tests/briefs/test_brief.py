"""The brief in-process: comparison group, rating and outcome table from real fits on the demo panel."""

from __future__ import annotations

import re

import pytest

from workbench import analysis, briefs, evidence


def test_nearest_neighbour_brief_names_the_method_the_comparators_and_the_exclusions(catalog):
    panel = evidence.outcome_panel("total_place", "emergency_admissions", catalog=catalog)
    group = analysis.comparison.select(
        panel.data, unit="area_code", time="period", outcome="value", treated=panel.pilot_areas, start=2010,
        method="nearest", k=3, exclude={"E06000049": "created 01 April 2009; not harmonised"})
    spec = dict(outcome="value", unit="area_code", time="period", treatment="treated", checks=False)
    result = analysis.fit("did", panel.data, comparison=group, **spec)
    brief = briefs.OutcomeBrief.build(panel, result, catalog=catalog, outcomes={"emergency_admissions": result})
    page = brief._repr_html_()
    assert f"compares 31 pilot authorities with {len(group.units)} comparison authorities chosen as 3 nearest" in page
    assert f"<summary>The {len(group.units)} comparison authorities</summary>" in page
    assert "Cheshire East: created 01 April 2009; not harmonised" in page
    assert re.search(r"Strength of evidence: \d out of 5", page)
    assert brief.record()["rating"]["sms"] in (2, 3)
    assert brief.record()["p_adjusted"] == result.main.p_value      # one outcome: nothing to adjust


def test_a_real_data_brief_names_its_publisher_geography_and_every_preparation_choice(catalog):
    from workbench.batch import outcomes

    fitted = outcomes.fit_outcome("total_place", "claimant_count", dataset="claimant_count")
    brief = briefs.OutcomeBrief.build(fitted.panel, fitted.result, catalog=catalog,
                                      not_analysed={"children_in_care": "no period before 2010"},
                                      outcomes={"claimant_count": fitted.result})
    page = brief._repr_html_()
    assert "Real published data." in page and "synthetic-banner" not in page
    assert "Office for National Statistics" in page and "Open Government Licence" in page
    assert "upper-tier local authorities as they stood on 1 April 2023" in page
    assert "the window stops at 2012, before the break" in page           # Universal Credit, 2013
    assert "The publisher&rsquo;s caveats" in page and "second Thursday" in page
    assert "Children in care: no period before 2010" in page
    assert any(p.startswith("These are real published statistics") and "ends before the series breaks in 2013" in p
               for p in brief.key_points())
    record = brief.record()
    assert record["synthetic"] is False and record["dataset"] == "claimant_count" and record["window"] == [2001, 2012]


def test_the_synthetic_brief_still_says_synthetic_and_has_no_preparation(catalog):
    panel = evidence.outcome_panel("total_place", "neet_rate", catalog=catalog)
    result = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period",
                          treatment="treated", checks=False)
    page = briefs.OutcomeBrief.build(panel, result, catalog=catalog)._repr_html_()
    assert "synthetic-banner" in page and "Real published data" not in page
    assert "SYNTHETIC: generated, not evidence" in page


def test_brief_states_concurrent_programmes_neighbourhood_pilots_and_source_conflicts(catalog):
    panel = evidence.outcome_panel("community_budgets_first_phase", "neet_rate", catalog=catalog)
    spec = dict(outcome="value", unit="area_code", time="period", treatment="treated", checks=False)
    result = analysis.fit("did", panel.data, **spec)
    brief = briefs.OutcomeBrief.build(panel, result, catalog=catalog)
    page = brief._repr_html_()
    # Troubled Families is stated as concurrent, never listed as an overlap or counted as contamination
    assert "Troubled Families Programme ran in every upper-tier authority from 2012" in page
    assert "Troubled Families Programme" not in {o.initiative for o in brief.overlaps}
    assert "as neighbourhood pilots, much smaller than the authorities they sit in" in page
    assert "Sources disagree on the number of member councils" in page and "This register uses 28" in page
    assert "ran from April 2011 to March 2013" in page


def test_the_record_carries_the_pilots_level_in_the_last_period_before_the_start(catalog):
    panel = evidence.outcome_panel("total_place", "neet_rate", catalog=catalog)
    result = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period",
                          treatment="treated", checks=False)
    record = briefs.OutcomeBrief.build(panel, result, catalog=catalog).record()
    last_before = result.sample["first_post_period"] - 1
    pilots = panel.data[panel.data["area_code"].isin(panel.pilot_areas) & (panel.data["period"] == last_before)]
    assert record["baseline_period"] == last_before
    assert record["baseline"] == pytest.approx(pilots["value"].mean(), rel=1e-9)
