"""The synthetic demo panel: deterministic, as committed, shaped as promised, effects recoverable."""

from __future__ import annotations

import pytest

from workbench import analysis, evidence
from workbench.evidence import demo


def test_generator_is_deterministic_and_matches_the_committed_file(catalog):
    first = demo.to_csv_bytes(demo.generate(catalog))
    assert first == demo.to_csv_bytes(demo.generate(catalog))
    assert catalog["outcomes_demo"].path.read_bytes() == first


def test_another_seed_gives_another_panel(catalog):
    assert not demo.generate(catalog, seed=1).equals(demo.generate(catalog))


def test_panel_shape_covers_every_area_year_and_three_domains(catalog):
    panel = evidence.load("outcomes_demo", catalog)
    assert list(panel.columns) == demo.PANEL_COLUMNS
    assert panel["area_code"].nunique() == 152
    assert sorted(panel["period"].unique()) == list(range(2004, 2020))
    assert len(panel) == 152 * 16 * 3
    domains = evidence.load("indicators", catalog).set_index("indicator")["domain"]
    assert domains[panel["indicator"].unique()].nunique() == 3
    assert catalog["outcomes_demo"].synthetic is True


def test_planted_effects_are_recorded_in_the_catalogue(catalog):
    spec = demo.DemoSpec.from_catalog(catalog)
    assert spec.effect("total_place", "emergency_admissions") == -4.0
    assert spec.effect("whole_place_community_budgets", "neet_rate") == -1.0
    assert spec.effect("total_place", "recorded_crime_rate") == 0.0


@pytest.mark.parametrize("initiative, indicator", [
    ("total_place", "emergency_admissions"),
    ("whole_place_community_budgets", "neet_rate"),
])
def test_did_recovers_each_planted_effect_within_its_95_percent_interval(catalog, initiative, indicator):
    truth = demo.DemoSpec.from_catalog(catalog).effect(initiative, indicator)
    panel = evidence.outcome_panel(initiative, indicator, catalog=catalog)
    r = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period", treatment="treated")
    assert r.main.ci_low <= truth <= r.main.ci_high
    assert r.main.ci_high < 0  # and the planted reduction is detected


def test_crime_has_no_planted_effect_and_none_is_found_for_either_initiative(catalog):
    for initiative in ("total_place", "whole_place_community_budgets"):
        panel = evidence.outcome_panel(initiative, "recorded_crime_rate", catalog=catalog)
        r = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period", treatment="treated")
        assert r.main.ci_low <= 0 <= r.main.ci_high
