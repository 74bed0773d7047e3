"""The brief in-process: comparison group, rating and outcome table from real fits on the demo panel."""

from __future__ import annotations

import re

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
