"""Each rule of the evidence rating, and the rating of real fits with known flaws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.known_truth import did_panel
from workbench import analysis, evidence
from workbench.analysis.rating import rate
from workbench.analysis.results import Estimate, Result
from workbench.errors import DesignWarning

GOOD = {"comparison_group": True, "n_pre_periods": 6, "pre_trend_p_value": 0.6,
        "cluster_p_value": 0.001, "wild_bootstrap_p_value": 0.002, "randomisation_p_value": 0.003}


def result(design="did", n_treated=20, **diagnostics) -> Result:
    e = Estimate("treated", 1.0, 0.2, 0.6, 1.4, 0.001)
    return Result(design, "test", (e,), {}, {"n_treated_units": n_treated}, {**GOOD, **diagnostics})


def test_s1_a_comparison_group_design_with_good_diagnostics_is_sms3_and_strong():
    r = rate(result())
    assert (r.sms, r.strength, r.label) == (3, 3, "moderate")
    assert r.codes == ("S1", "P1", "C1")


def test_c1_one_observational_study_is_capped_at_moderate():
    r = rate(result())                      # SMS 3 with comparability credit would be 4 without the cap
    assert r.strength == 3 and "C1" in r.codes
    assert "at most moderate" in r.reasons[-1].sentence
    assert "C1" not in rate(result(n_pre_periods=3)).codes     # 3 without the credit: the cap does not bind


def test_reasons_are_plain_sentences_and_the_codes_stay_in_the_annex():
    import re

    for r in (rate(result()), rate(result(n_treated=1, pre_trend_p_value=0.01), contamination=0.3,
                                   pilot_contamination=0.5), rate(result("its", comparison_group=False))):
        for reason in r.reasons:
            assert not re.search(r"\b[SPC]\d\b|SMS|p =", reason.sentence), reason.sentence
            assert reason.sentence.endswith(".") and reason.annex().startswith(reason.code + ": ")
        assert r.to_dict()["reasons"] == [x.sentence for x in r.reasons]
        assert [x["code"] for x in r.to_dict()["rules"]] == list(r.codes)


@pytest.mark.parametrize("design", ["did", "event_study", "staggered_did", "synthetic_control"])
def test_s1_every_comparison_design_starts_at_sms3(design):
    assert rate(result(design, pre_rmspe_to_sd=0.1)).sms == 3


def test_s1_no_comparison_group_can_never_reach_sms3():
    its = rate(result("its", comparison_group=False, pre_trend_p_value=0.9, n_pre_periods=20))
    assert its.sms == 2 and its.strength <= 3
    assert rate(result("did", comparison_group=False)).sms == 2


def test_s2_failed_pre_trends_lower_the_level():
    r = rate(result(pre_trend_p_value=0.01))
    assert r.sms == 2 and r.strength == 2 and "S2" in r.codes


def test_s3_a_single_pre_period_cannot_show_comparability():
    r = rate(result(n_pre_periods=1, pre_trend_p_value=math.nan))
    assert r.sms == 2 and "S3" in r.codes


def test_s3_no_pre_trend_test_that_could_be_run_cannot_show_comparability():
    r = rate(result(pre_trend_p_value=math.nan))
    assert r.sms == 2 and "S3" in r.codes and "No check" in r.reasons[-1].sentence
    assert rate(result("synthetic_control", pre_trend_p_value=math.nan, pre_rmspe_to_sd=0.1)).sms == 3


def test_s4_poor_synthetic_control_fit_lowers_the_level():
    assert rate(result("synthetic_control", pre_rmspe_to_sd=0.8)).sms == 2
    good = rate(result("synthetic_control", pre_rmspe_to_sd=0.2))
    assert (good.sms, good.strength) == (3, 3) and "P1" in good.codes


def test_p1_needs_four_pre_periods_and_a_clear_pre_trend_test():
    assert "P1" in rate(result()).codes
    for r in (rate(result(n_pre_periods=3)), rate(result(pre_trend_p_value=0.07)),
              rate(result("synthetic_control", pre_rmspe_to_sd=0.4))):
        assert "P1" not in r.codes and r.strength == 3


def test_p2_few_treated_units_lower_the_strength():
    # penalties are shown from a base of 3 without the comparability credit (3 pre-periods), where the
    # cap does not hide them
    r = rate(result(n_treated=4, n_pre_periods=3))
    assert r.strength == 2 and any("only 4 pilot areas" in x.sentence for x in r.reasons)
    assert rate(result(n_treated=4)).strength == 3          # 3 + 1 (credit) - 1


def test_p3_significance_that_depends_on_the_inference_method_lowers_the_strength():
    r = rate(result(cluster_p_value=0.01, wild_bootstrap_p_value=0.2, n_pre_periods=3))
    assert r.strength == 2 and "P3" in r.codes
    agree = rate(result(cluster_p_value=0.3, wild_bootstrap_p_value=0.4, randomisation_p_value=0.5, n_pre_periods=3))
    assert agree.strength == 3 and "P3" not in agree.codes


def test_p4_contaminated_comparison_group_lowers_the_strength():
    assert rate(result(n_pre_periods=3), contamination=0.25).strength == 2
    assert rate(result(n_pre_periods=3), contamination=0.05).strength == 3


def test_strength_is_clamped_between_zero_and_one_above_the_sms_level():
    worst = rate(result("its", comparison_group=False, n_treated=1, n_pre_periods=1,
                        cluster_p_value=0.01, wild_bootstrap_p_value=0.5), contamination=0.5)
    assert worst.strength == 0 and worst.label == "no usable evidence"
    assert rate(result("meta_analysis")).sms is None


def test_real_fits_a_diverging_pilot_group_is_rated_below_a_parallel_one():
    spec = dict(outcome="y", unit="unit", time="year", treatment="post")
    parallel = rate(analysis.fit("did", did_panel(seed=4), **spec))
    diverging = rate(analysis.fit("did", did_panel(seed=4, trend_gap=0.8, noise=0.5), **spec))
    assert parallel.sms == 3 and diverging.sms == 2
    assert diverging.strength < parallel.strength
    assert rate(analysis.fit("did", did_panel(n_treated=4, seed=4), **spec)).to_dict()["reasons"]


def _with_means(r: Result, drift: float) -> Result:
    """r with group means 2004-2015 (start 2010) whose pre-period gap moves by `drift` a year."""
    import dataclasses

    import pandas as pd

    years = list(range(2004, 2016))
    frame = pd.DataFrame({"period": years, "comparison": 50.0, "pilot": [52.0 + drift * (y - 2004) for y in years],
                          "post": [y >= 2010 for y in years]})
    return dataclasses.replace(r, plot_frame=frame)


def test_s6_a_pre_period_drift_that_would_overturn_the_finding_lowers_the_level():
    # Estimate 1.0 (0.6 to 1.4), lever 6 years: a drift of 0.6 / 6 = 0.1 a year brings the interval to 0.
    # The pre-trend test does not reject (p = 0.6), yet the gap drifted by 0.12 a year: SMS 2, no P1.
    r = rate(_with_means(result(), drift=0.12))
    assert r.sms == 2 and "S6" in r.codes
    assert not "P1" in r.codes


def test_p1_needs_a_drift_small_in_practice_not_only_a_test_that_does_not_reject():
    small = rate(_with_means(result(), drift=0.02))      # under half of 0.1 a year
    middling = rate(_with_means(result(), drift=0.07))   # not small, not enough to overturn
    assert (small.sms, small.strength) == (3, 3) and "P1" in small.codes
    assert (middling.sms, middling.strength) == (3, 3) and not "P1" in middling.codes


@pytest.mark.parametrize("seed", range(4))
def test_a_planted_drift_the_pre_trend_test_misses_lowers_the_rating_of_a_real_fit(seed):
    # The Whole-Place emergency-admissions case, planted: 10 pilots of 40 drift 0.15 a year away from
    # the comparison units all along and there is no effect, so the whole "effect" is the drift. With
    # noise 1 the joint pre-trend test has too little power to reject, yet the drift seen before the
    # start, carried forward, explains the finding: no SMS 3 and no comparability credit.
    spec = dict(outcome="y", unit="unit", time="year", treatment="post", draws=499)
    drifting = analysis.fit("did", did_panel(n_units=40, n_treated=10, effect=0.0, trend_gap=0.15, seed=seed), **spec)
    parallel = analysis.fit("did", did_panel(n_units=40, n_treated=10, effect=2.0, seed=seed), **spec)
    assert drifting.diagnostics["pre_trend_p_value"] >= 0.05 and drifting.main.ci_low > 0
    r = rate(drifting)
    assert r.sms == 2 and "S6" in r.codes
    assert not "P1" in r.codes
    assert rate(parallel).sms == 3 and rate(parallel).strength > r.strength


def test_p6_contaminated_pilots_lower_the_strength_as_much_as_a_contaminated_comparison_group():
    clean = rate(result(n_pre_periods=3))
    pilots = rate(result(n_pre_periods=3), pilot_contamination=10 / 31)   # Total Place: 10 of 31 pilots in Whole-Place
    both = rate(result(n_pre_periods=3), contamination=0.25, pilot_contamination=10 / 31)
    assert pilots.strength == clean.strength - 1 == rate(result(n_pre_periods=3), contamination=0.25).strength
    assert both.strength == clean.strength - 2
    assert any(x.code == "P6" and x.sentence.startswith("32% of the pilot areas") for x in pilots.reasons)
    assert rate(result(n_pre_periods=3), pilot_contamination=0.05).strength == clean.strength


def test_s5_an_interpolating_synthetic_control_is_lowered_and_earns_no_credit_for_its_fit():
    r = rate(result("synthetic_control", pre_rmspe_to_sd=2e-14, interpolation=True))
    assert (r.sms, r.strength) == (2, 2)
    assert "S5" in r.codes and not "P1" in r.codes
    assert rate(result("synthetic_control", pre_rmspe_to_sd=0.1, interpolation=False)).sms == 3


def test_real_fits_the_exact_synthetic_control_of_kent_from_121_donors_is_not_rated_sms3():
    # The case that slipped through: 6 pre-periods, 121 donors, RMSPE about 1e-14, rated "+1 close fit".
    panel = evidence.outcome_panel("total_place", "emergency_admissions")
    donors = sorted(set(panel.data.loc[~panel.data["pilot"], "area_code"]))
    r = analysis.fit("synthetic_control", panel.data, outcome="value", unit="area_code", time="period",
                     treated_unit="E10000016", start=2010, treatment="treated")
    assert r.sample["comparison_units"] == donors and len(donors) == 121
    rating = rate(r)
    assert rating.sms == 2 and "S5" in rating.codes
    assert not "P1" in rating.codes


def test_p5_two_way_fixed_effects_on_staggered_starts_lowers_the_strength():
    r = rate(result(staggered_cohorts=[2005, 2008], bacon_already_treated_control_weight=0.23, n_pre_periods=3))
    assert r.strength == 2
    assert any(x.code == "P5" and "2 different years" in x.sentence and "23% of its weight" in x.detail
               and "staggered_did" in x.detail for x in r.reasons)
    assert "P5" not in rate(result("staggered_did", staggered_cohorts=[2005, 2008])).codes  # the design that fits


def test_real_fits_did_on_2005_and_2008_cohorts_names_the_staggering_in_its_rating():
    df = did_panel(seed=6)
    df["post"] = np.where(df["unit"].isin([f"u{i:03d}" for i in range(8)]), (df["year"] >= 2008).astype(int),
                          df["post"])
    with pytest.warns(DesignWarning):
        fitted = analysis.fit("did", df, outcome="y", unit="unit", time="year", treatment="post", draws=199)
    assert "P5" in rate(fitted).codes
