"""Event study against planted dynamic effects, pyfixest, and a parallel-trends violation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.known_truth import did_panel
from workbench import analysis
from workbench.errors import SpecificationError

SPEC = dict(outcome="y", unit="unit", time="year", cohort="first")


def staggered_panel(effect=lambda e: 1.0 + 0.5 * e, noise=1.0, trend_gap=0.0, seed=0,
                    cohorts=(2004, 2006, 2007), per_cohort=10, never=30) -> pd.DataFrame:
    """Cohorts starting in different years plus never-treated units; effect by event time e >= 0.

    `trend_gap` gives every treated unit a linear trend of its own (a parallel-trends violation).
    """
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2010)
    first = np.repeat([*cohorts, 0], [per_cohort] * len(cohorts) + [never])
    n = len(first)
    e = years[None, :] - first[:, None]
    treated = (first[:, None] > 0) & (e >= 0)
    y = (rng.normal(10, 3, n)[:, None] + np.cumsum(rng.normal(0.3, 0.5, len(years)))[None, :]
         + np.where(treated, np.vectorize(effect)(np.where(treated, e, 0)), 0.0)
         + trend_gap * (first > 0)[:, None] * (years - years[0])[None, :]
         + rng.normal(0, noise, (n, len(years))))
    return pd.DataFrame({"unit": np.repeat([f"u{i:03d}" for i in range(n)], len(years)),
                         "year": np.tile(years, n), "first": np.repeat(first, len(years)), "y": y.ravel()})


def test_noiseless_panel_recovers_every_planted_dynamic_effect():
    # One start date (so no mixing across cohorts): leads exactly 0, lags exactly 1 + 0.5 e.
    r = analysis.fit("event_study", staggered_panel(noise=0.0, cohorts=(2005,)), **SPEC)
    table = r.tidy().set_index("term")
    for k in range(-5, 5):
        if k != -1:
            truth = 1.0 + 0.5 * k if k >= 0 else 0.0
            assert table.loc[f"e={k}", "estimate"] == pytest.approx(truth, abs=1e-9)
    assert r.main.term == "post_average"
    assert r.main.estimate == pytest.approx(np.mean([1.0 + 0.5 * k for k in range(5)]), abs=1e-9)


def test_coefficients_errors_and_joint_test_equal_pyfixest():
    pf = pytest.importorskip("pyfixest")
    df = staggered_panel(seed=3)
    ours = analysis.fit("event_study", df, **SPEC)
    rel = np.where(df["first"] > 0, df["year"] - df["first"], -1000)
    peer = pf.feols("y ~ i(rel, ref=-1) | unit + year", data=df.assign(rel=rel), vcov={"CRV1": "unit"},
                    ssc=pf.ssc(k_adj=True, k_fixef="full", G_adj=True))
    tidy = ours.tidy().set_index("term")
    names = {name: int(float(name.split("::")[1].rstrip("]"))) for name in peer.coef().index}
    names = {name: k for name, k in names.items() if k != -1000}
    assert len(names) == len(tidy) - 1
    for name, k in names.items():
        assert tidy.loc[f"e={k}", "estimate"] == pytest.approx(peer.coef()[name], abs=1e-8)
        assert tidy.loc[f"e={k}", "std_error"] == pytest.approx(peer.se()[name], abs=1e-8)
    # Joint Wald test of the leads from pyfixest's covariance, computed here by hand.
    leads = [name for name, k in names.items() if k <= -2]
    b = peer.coef()[leads].to_numpy()
    v = pd.DataFrame(peer._vcov, index=peer.coef().index, columns=peer.coef().index).loc[leads, leads].to_numpy()
    assert ours.diagnostics["pre_trend_statistic"] == pytest.approx(b @ np.linalg.solve(v, b), rel=1e-8)
    assert ours.diagnostics["pre_trend_df"] == [len(leads)]
    assert "bootstrap" in ours.diagnostics["pre_trend_test"]


def test_unbalanced_panels_fall_back_to_hotellings_small_sample_reference():
    df = staggered_panel(seed=3).iloc[1:]
    r = analysis.fit("event_study", df, **SPEC)
    q = len([k for k in r.sample["event_times"] if k <= -2])
    m = r.sample["n_treated_units"]
    assert r.diagnostics["pre_trend_df"] == [q, m - q]
    assert "Hotelling" in r.diagnostics["pre_trend_test"]


def test_pre_trend_test_flags_a_diverging_cohort_and_passes_a_parallel_one():
    parallel = analysis.fit("event_study", staggered_panel(seed=8), **SPEC)
    diverging = analysis.fit("event_study", staggered_panel(seed=8, trend_gap=0.5), **SPEC)
    assert parallel.diagnostics["pre_trend_p_value"] > 0.05
    # no draw is as extreme: the peers' rule (strictly greater, over the 999 draws) gives 0 / 999
    assert diverging.diagnostics["pre_trend_p_value"] == 0.0


def test_window_bins_the_end_points_and_plot_data_has_the_reference_period():
    r = analysis.fit("event_study", staggered_panel(seed=1), **SPEC, window=(-3, 2))
    assert r.sample["event_times"] == [-3, -2, 0, 1, 2]
    plot = r.plot_data()
    assert list(plot["event_time"]) == [-3, -2, -1, 0, 1, 2]
    ref = plot.set_index("event_time").loc[-1]
    assert ref["reference"] and ref["estimate"] == 0.0
    assert list(plot["post"]) == [False, False, False, True, True, True]
    assert r.sample["cohorts"] == {"2004": 10, "2006": 10, "2007": 10}


def test_single_start_panel_from_the_did_generator_matches_did_on_the_post_average():
    # With one start date and a constant effect, the post average is an unbiased DiD too: both
    # must be near the planted 2.0 on a low-noise panel.
    df = did_panel(noise=0.1, seed=4)
    df["first"] = np.where(df.groupby("unit")["post"].transform("max") == 1, 2005, 0)
    r = analysis.fit("event_study", df, **SPEC)
    assert r.main.estimate == pytest.approx(2.0, abs=0.1)
    assert r.main.ci_low < 2.0 < r.main.ci_high


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(first=2004), "no never-treated units"),
    (lambda d: d.assign(first=0), "no unit is ever treated"),
    (lambda d: d.assign(first=np.where(d["unit"] == "u000", 2000, d["first"])), "treated from the first period"),
    (lambda d: d.assign(first=np.where((d["unit"] == "u000") & (d["year"] == 2001), 2005, d["first"])),
     "changes within unit u000"),
    (lambda d: d.drop(columns="first"), "cohort='first' is not a column"),
])
def test_specification_errors_say_what_to_change(change, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("event_study", change(staggered_panel(seed=2)), **SPEC)


def test_strata_give_the_same_coefficients_as_pyfixest_with_region_by_year_effects():
    pf = pytest.importorskip("pyfixest")
    df = staggered_panel(seed=5)
    df["region"] = df["unit"].map(lambda u: f"r{int(u[1:]) % 3}")
    ours = analysis.fit("event_study", df, **SPEC, strata="region")
    assert "bootstrap" in ours.diagnostics["pre_trend_test"]     # balanced in units and years, strata or not
    rel = np.where(df["first"] > 0, df["year"] - df["first"], -1000)
    peer = pf.feols("y ~ i(rel, ref=-1) | unit + region^year", data=df.assign(rel=rel), vcov={"CRV1": "unit"})
    tidy = ours.tidy().set_index("term")
    for name, value in peer.coef().items():
        k = int(float(name.split("::")[1].rstrip("]")))
        if k != -1000:
            assert tidy.loc[f"e={k}", "estimate"] == pytest.approx(value, abs=1e-8)


@pytest.mark.slow
def test_pre_trend_test_keeps_its_size_with_few_treated_units():
    # 12 treated units, 7 leads, no pre-trend: at most 8% rejections at 5% over 200 panels (the
    # usual F(q, G-1) reference rejected 19% of the time on these panels).
    reps, rejections = 200, 0
    for seed in range(reps):
        df = staggered_panel(seed=seed, cohorts=(2008,), per_cohort=12, never=80)
        r = analysis.fit("event_study", df, **SPEC)
        rejections += r.diagnostics["pre_trend_p_value"] < 0.05
    print(f"event-study pre-trend test, rejection at 5% with 12 treated units: {rejections / reps:.3f}")
    assert rejections / reps <= 0.08


def _with_treatment(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(on=((df["first"] > 0) & (df["year"] >= df["first"])).astype(int))


def test_a_treatment_column_gives_the_same_fit_as_the_cohort_column():
    df = _with_treatment(staggered_panel(seed=4))
    by_cohort = analysis.fit("event_study", df, **SPEC)
    by_treatment = analysis.fit("event_study", df, outcome="y", unit="unit", time="year", treatment="on")
    pd.testing.assert_frame_equal(by_cohort.tidy(), by_treatment.tidy())
    assert by_treatment.spec["treatment"] == "on" and by_treatment.spec["cohort"] is None


def test_a_treatment_that_switches_off_is_refused_naming_the_design_that_fits_it():
    df = _with_treatment(staggered_panel(seed=4))
    df.loc[(df["first"] == 2004) & (df["year"] == 2009), "on"] = 0
    with pytest.raises(SpecificationError, match=r"switches off for unit u000 \(on in 2008, off in 2009\): "
                                                 r"event_study assumes .*design 'did' with checks=False"):
        analysis.fit("event_study", df, outcome="y", unit="unit", time="year", treatment="on")
    with pytest.raises(SpecificationError, match="exactly one of cohort= .* or treatment="):
        analysis.fit("event_study", df, **SPEC, treatment="on")


def test_event_time_counts_the_panels_own_periods_when_they_step_by_three_years():
    # Non-overlapping three-year pooled periods indexed by their first year (2001, 2004, ...): the
    # period before the start is event time -1, and every estimate equals the same panel's with its
    # periods numbered 0, 1, 2, ...: the planted effects (1 + 0.5 e) come back exactly.
    annual = staggered_panel(noise=0.0, cohorts=(2005,))
    steps = annual.assign(year=2001 + 3 * (annual["year"] - 2000),
                          first=np.where(annual["first"] > 0, 2001 + 3 * (annual["first"] - 2000), 0))
    r_annual = analysis.fit("event_study", annual, **SPEC)
    r_steps = analysis.fit("event_study", steps, **SPEC)
    assert r_steps.sample["event_times"] == r_annual.sample["event_times"]
    np.testing.assert_allclose(r_steps.tidy()["estimate"], r_annual.tidy()["estimate"], atol=1e-9)
    lags = r_steps.tidy().set_index("term")
    assert lags.loc["e=2", "estimate"] == pytest.approx(2.0)
