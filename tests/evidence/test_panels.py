"""Outcome panels: pilots against every non-member authority, with overlaps flagged."""

from __future__ import annotations

import pytest

from workbench import evidence
from workbench.errors import SpecificationError


def test_panel_marks_pilots_post_and_treated(catalog):
    p = evidence.outcome_panel("whole_place_community_budgets", "neet_rate", catalog=catalog)
    assert len(p.pilot_areas) == 17 and len(p.comparison_areas) == 135
    row = p.data.query("area_code == 'E06000050' and period == 2012").iloc[0]
    assert row["pilot"] and row["post"] and row["treated"] == 1
    assert p.data.query("period < 2012")["treated"].sum() == 0
    assert "135 upper-tier authorities" in p.comparison_rule
    assert p.synthetic and len(p.digest) == 64


def test_overlap_with_another_initiative_is_reported(catalog):
    p = evidence.outcome_panel("total_place", "neet_rate", catalog=catalog)
    found = {o.initiative: o for o in evidence.overlaps(p, catalog)}
    assert set(found) == {"Whole-Place Community Budgets",
                          "Community Budgets for families with complex needs (first phase)",
                          "Neighbourhood Community Budgets", "City Deals, wave 1"}
    assert len(found["Whole-Place Community Budgets"].pilot_areas) == 10  # the Greater Manchester boroughs
    assert found["Neighbourhood Community Budgets"].smaller_than_member
    assert not found["Whole-Place Community Budgets"].smaller_than_member


def test_a_concurrent_programme_is_stated_not_counted_as_contamination(catalog):
    p = evidence.outcome_panel("total_place", "neet_rate", catalog=catalog)
    assert "Troubled Families Programme" not in {o.initiative for o in evidence.overlaps(p, catalog)}
    (tf,) = evidence.concurrent_programmes(p, catalog)
    assert tf.initiative == "Troubled Families Programme" and tf.n_areas == 152
    assert "2012" in tf.sentence() and "not a comparison" in tf.sentence()


@pytest.mark.parametrize("initiative, indicator, message", [
    ("nope", "neet_rate", "unknown initiative 'nope'"),
    ("total_place", "nope", "unknown indicator 'nope'"),
])
def test_unknown_names_are_errors(catalog, initiative, indicator, message):
    with pytest.raises(SpecificationError, match=message):
        evidence.outcome_panel(initiative, indicator, catalog=catalog)
