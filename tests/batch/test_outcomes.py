"""fit_outcome's designs: each registered outcome design gets its own keyword arguments, through the store."""

from __future__ import annotations

import math

import pytest

from workbench.analysis import comparison as comparisons
from workbench.batch import outcomes, store
from workbench.errors import SpecificationError
from tests.known_truth import outcome_panel

TRUTH = -3.0


@pytest.fixture(scope="module")
def panel():
    return outcome_panel(effect=TRUTH)


def chosen(panel, method="all"):
    return comparisons.select(panel.data, unit="area_code", time="period", outcome="value",
                              treated=panel.pilot_areas, start=panel.initiative.first_post_period, method=method)


@pytest.mark.parametrize("design", ["did", "event_study", "staggered_did"])
def test_designs_that_compare_within_strata_get_the_treatment_column_and_the_strata(panel, design):
    call = outcomes.design_call(design, panel, chosen(panel), "region_code")
    assert call.spec == {"outcome": "value", "unit": "area_code", "time": "period", "treatment": "treated",
                         "strata": "region_code"}
    assert call.comparison is not None and len(call.data) == len(panel.data)


def test_synthetic_control_gets_the_pilot_areas_the_start_and_no_strata(panel):
    call = outcomes.design_call("synthetic_control", panel, chosen(panel), "region_code")
    assert call.spec["treated_unit"] == panel.pilot_areas == [f"E{i:08d}" for i in range(6)]
    assert call.spec["start"] == 2006 and call.spec["treatment"] == "treated"
    assert call.spec["method"] == "plain" and "strata" not in call.spec


def test_its_gets_the_pilot_areas_alone_and_no_comparison_group(panel):
    call = outcomes.design_call("its", panel, chosen(panel), "region_code")
    assert call.comparison is None
    assert sorted(call.data["area_code"].unique()) == panel.pilot_areas
    assert call.spec == {"outcome": "value", "unit": "area_code", "time": "period", "start": 2006}


def test_an_unknown_design_and_a_design_for_other_data_are_refused_by_name(panel):
    with pytest.raises(SpecificationError, match="unknown design 'diff'"):
        outcomes.design_call("diff", panel, chosen(panel))
    with pytest.raises(SpecificationError, match="'meta_analysis' cannot be fitted to an outcome panel"):
        outcomes.design_call("meta_analysis", panel, chosen(panel))


@pytest.mark.parametrize("design", sorted(outcomes.DESIGN_ARGUMENTS))
def test_every_design_fits_the_planted_panel_through_the_store(panel, design, monkeypatch):
    seen = []
    real = store.fit
    monkeypatch.setattr(store, "fit", lambda name, data, **kw: seen.append(name) or real(name, data, **kw))
    result = outcomes.fit_panel(panel, design=design).result
    assert seen == [design] and result.design == design
    assert result.estimates and math.isfinite(result.main.estimate)


def test_fit_options_reach_the_estimator_and_override_the_design_s_own(panel):
    result = outcomes.fit_panel(panel, design="synthetic_control", fit_options={"placebo": False}).result
    assert result.spec["placebo"] is False and math.isnan(result.main.p_value)
    did = outcomes.fit_panel(panel, compare_within=None, fit_options={"draws": 99}).result
    assert did.spec["draws"] == 99 and did.spec["strata"] is None
