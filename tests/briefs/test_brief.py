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
