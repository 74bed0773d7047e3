"""The brief contract: every design reports its headline, series, yearly effects and typed diagnostics.

Checked against a known answer: a panel with an effect of -3 planted from 2006 (tests/known_truth.py),
fitted by every design through the batch's own `fit_panel`.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.known_truth import outcome_panel
from workbench.analysis.report import DESIGN_NAMES, Diagnostics, report
from workbench.analysis.results import Estimate, Result
from workbench.batch.outcomes import fit_panel

TRUTH = -3.0
DESIGNS = ["did", "event_study", "staggered_did", "synthetic_control", "its"]


@pytest.fixture(scope="module")
def planted():
    panel = outcome_panel(effect=TRUTH)
    return panel, {d: fit_panel(panel, design=d).result for d in DESIGNS}


@pytest.mark.parametrize("design", DESIGNS)
def test_every_design_reports_the_planted_effect_with_its_start_and_sample(planted, design):
    panel, fits = planted
    rep = report(fits[design], panel.data)
    e = rep.headline
    assert rep.design == design and rep.design_name == DESIGN_NAMES[design]
    assert rep.first_post_period == 2006 and rep.n_treated == 6
    assert e.estimate < 0 and rep.clear
    if rep.has_interval:
        assert e.ci_low < TRUTH < e.ci_high
    else:                                                   # synthetic control: placebo inference in words
        assert design == "synthetic_control" and "placebo" in rep.inference and e.p_value < 0.05
    assert isinstance(rep.diagnostics, Diagnostics) and rep.diagnostics.n_pre_periods >= 4


@pytest.mark.parametrize("design", DESIGNS)
def test_every_design_gives_the_pilots_series_and_the_path_they_are_set_against(planted, design):
    panel, fits = planted
    rep = report(fits[design], panel.data)
    s = rep.series
    assert list(s["period"]) == list(range(2001, 2011)) and s["pilot"].notna().all()
    pilots = panel.data[panel.data["area_code"].isin(panel.pilot_areas)].groupby("period")["value"].mean()
    assert s.set_index("period")["pilot"].to_numpy() == pytest.approx(pilots.to_numpy(), rel=1e-9)
    path = s["counterfactual"].fillna(s["comparison"])[s["post"].astype(bool)]
    gap = (s["pilot"][s["post"].astype(bool)] - path).mean()
    assert gap == pytest.approx(TRUTH, abs=1.0)            # the pilots sit about 3 below their path
    base = rep.baseline
    assert base == (pytest.approx(pilots.loc[2005], rel=1e-9), 2005)
    assert (rep.diagnostics.comparison_group, s["comparison"].notna().any()) == (design != "its",) * 2


@pytest.mark.parametrize("design, with_intervals", [("did", False), ("event_study", True), ("staggered_did", True),
                                                    ("synthetic_control", False), ("its", False)])
def test_yearly_effects_carry_intervals_only_where_the_design_has_them(planted, design, with_intervals):
    panel, fits = planted
    rep = report(fits[design], panel.data)
    assert rep.yearly_with_intervals == with_intervals
    if design != "did":
        post = rep.effects[rep.effects["post"].astype(bool)]
        assert set(post["period"]) == set(range(2006, 2011))
        assert post["estimate"].mean() == pytest.approx(TRUTH, abs=1.0)
    if with_intervals:
        covered = ((post["ci_low"] < TRUTH) & (TRUTH < post["ci_high"])).mean()
        assert covered >= 0.8


def test_trend_sensitivity_is_measured_for_every_design_with_comparison_means_and_an_interval(planted):
    panel, fits = planted
    measured = {d: report(fits[d], panel.data).diagnostics.trends is not None for d in DESIGNS}
    assert measured == {"did": True, "event_study": True, "staggered_did": True, "synthetic_control": False,
                        "its": False}
    # the event study's average is measured against the period before the start, not the pre-period mean
    did, event = (report(fits[d], panel.data).diagnostics.trends for d in ("did", "event_study"))
    assert did.lever == pytest.approx(5.0) and event.lever == pytest.approx(3.0)   # 2008 - mean(2001..05), 2008 - 2005


def test_a_result_without_chart_data_or_counts_still_reports_what_it_has():
    r = Result("meta_analysis", "m", (Estimate("pooled", 0.1, 0.1, -0.1, 0.3, 0.4),), {}, {"n_treated_units": math.nan},
               {"comparison_group": True})
    rep = report(r)
    assert rep.n_treated is None and rep.series.empty and rep.effects.empty and rep.baseline is None
    assert rep.headline.term == "pooled" and not rep.clear
    assert pd.isna(rep.diagnostics.pre_trend_p_value) and not rep.diagnostics.pre_trend_tested
