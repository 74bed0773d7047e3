"""Trend sensitivity of DiD findings against panels with planted drifts and effects."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.known_truth import did_panel
from workbench import analysis
from workbench.analysis.sensitivity import sensitivity_from_means, trend_sensitivity
from workbench.errors import SpecificationError

SPEC = dict(outcome="y", unit="unit", time="year", treatment="post", draws=999)


def test_a_planted_drift_with_no_effect_moves_the_estimate_by_drift_times_lever():
    # Pilots drift by 0.3 a year from 2000, no effect. Periods 2000-2009, start 2005: the lever is
    # mean(2005..2009) - mean(2000..2004) = 5 years, so the estimate is about 0.3 x 5 = 1.5.
    df = did_panel(n_units=40, n_treated=10, effect=0.0, trend_gap=0.3, noise=0.05, seed=3)
    result = analysis.fit("did", df, **SPEC)
    s = trend_sensitivity(result)
    assert s.lever == 5.0
    assert result.main.estimate == pytest.approx(1.5, abs=0.05)
    assert s.observed_drift == pytest.approx(0.3, abs=0.02)
    assert s.carried_forward == pytest.approx(result.main.estimate, abs=0.1)
    assert s.overturned and s.same_direction and not s.small_in_practice
    assert "artefact of diverging trends" in s.sentence()


def test_parallel_trends_and_a_clear_effect_are_small_in_practice():
    df = did_panel(n_units=60, n_treated=15, effect=2.0, noise=0.3, seed=8)
    result = analysis.fit("did", df, **SPEC)
    s = trend_sensitivity(result)
    assert result.main.ci_low > 0
    assert s.breakdown_drift == result.main.ci_low / 5.0          # the interval end nearest zero, over the lever
    assert s.small_in_practice and not s.overturned
    assert "small next to what it would take" in s.sentence()


def test_the_whole_place_case_a_converging_gap_larger_than_the_estimate_is_not_parallel():
    # The case from the brief review: the pilots' gap shrank from 3.18 (2004) to 1.29 (2011), about
    # -0.27 a year, and the estimate is about -2. Carried over a lever of 6 years that drift (-1.6)
    # reaches the interval's end nearest zero, so the finding could be an artefact of the trend.
    years = list(range(2004, 2016))
    pilot_gap = {y: 3.18 - 0.27 * (y - 2004) for y in years}
    frame = pd.DataFrame({"period": years, "comparison": [50.0] * len(years),
                          "pilot": [50.0 + pilot_gap[y] for y in years], "post": [y >= 2012 for y in years]})
    s = sensitivity_from_means(frame, estimate=-2.03, ci_low=-2.9, ci_high=-1.2)
    assert s.lever == pytest.approx(2013.5 - 2007.5)
    assert s.observed_drift == pytest.approx(-0.27)
    assert s.breakdown_drift == pytest.approx(-0.2)
    assert s.overturned and not s.small_in_practice


def test_an_interval_covering_zero_has_nothing_to_overturn():
    frame = pd.DataFrame({"period": [1, 2, 3, 4], "pilot": [1.0, 1.1, 1.0, 1.2], "comparison": [0.0] * 4,
                          "post": [False, False, True, True]})
    s = sensitivity_from_means(frame, estimate=0.05, ci_low=-0.5, ci_high=0.6)
    assert s.breakdown_drift == 0.0 and s.covers_zero and not s.overturned
    assert s.observed_drift == pytest.approx(0.1)
    assert s.small_in_practice == (abs(0.1 * 2) < 0.5 * 0.55)


def test_one_pre_period_cannot_show_a_drift():
    frame = pd.DataFrame({"period": [1, 2, 3], "pilot": [1.0, 2.0, 2.0], "comparison": [0.0] * 3,
                          "post": [False, True, True]})
    s = sensitivity_from_means(frame, estimate=1.0, ci_low=0.5, ci_high=1.5)
    assert math.isnan(s.observed_drift) and not s.small_in_practice and not s.overturned
    assert s.to_dict()["observed_drift"] is None


def test_only_did_results_are_accepted():
    df = did_panel(n_units=20, n_treated=5, seed=1).assign(cohort=lambda d: d["unit"].lt("u005") * 2005)
    study = analysis.fit("event_study", df, outcome="y", unit="unit", time="year", cohort="cohort")
    with pytest.raises(SpecificationError, match="'did' result"):
        trend_sensitivity(study)
