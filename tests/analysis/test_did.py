"""Difference-in-differences against known answers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tests.known_truth import did_panel
from workbench import analysis
from workbench.analysis import TIDY_COLUMNS
from workbench.errors import DesignWarning, SpecificationError

SPEC = dict(outcome="y", unit="unit", time="year", treatment="post")


def test_noiseless_panel_recovers_the_planted_effect_exactly():
    r = analysis.fit("did", did_panel(noise=0.0, effect=2.5), **SPEC)
    assert r.main.estimate == pytest.approx(2.5, abs=1e-9)


def test_balanced_single_start_equals_the_two_by_two_difference_of_means():
    # With one start date in a balanced panel, TWFE is exactly the 2x2 DiD of group-period means.
    df = did_panel(noise=1.5, rho=0.4, seed=3)
    ever = df.groupby("unit")["post"].transform("max").astype(bool)
    late = df["year"] >= 2005
    m = df.groupby([ever, late])["y"].mean()
    two_by_two = (m[True, True] - m[True, False]) - (m[False, True] - m[False, False])
    assert analysis.fit("did", df, **SPEC).main.estimate == pytest.approx(two_by_two, abs=1e-10)


def test_standard_error_matches_the_cluster_sandwich_by_hand():
    df = did_panel(n_units=30, n_treated=8, noise=1.0, seed=11)
    r = analysis.fit("did", df, **SPEC)
    units = pd.Categorical(df["unit"])
    X = np.column_stack([df["post"], np.ones(len(df)),
                         pd.get_dummies(units, drop_first=True, dtype=float),
                         pd.get_dummies(df["year"], drop_first=True, dtype=float)]).astype(float)
    y = df["y"].to_numpy()
    bread = np.linalg.inv(X.T @ X)
    u = y - X @ (bread @ X.T @ y)
    meat = sum(np.outer(X[g].T @ u[g], X[g].T @ u[g]) for g in
               (units.codes == k for k in range(len(units.categories))))
    n, k, g = X.shape[0], X.shape[1], len(units.categories)
    v = bread @ meat @ bread * (g / (g - 1)) * ((n - 1) / (n - k))
    assert r.main.std_error == pytest.approx(np.sqrt(v[0, 0]), rel=1e-10)


def test_intervals_cover_the_truth_at_about_the_nominal_rate():
    hits = 0
    reps = 200
    for seed in range(reps):
        r = analysis.fit("did", did_panel(n_units=40, n_treated=10, rho=0.5, seed=seed, effect=1.0), **SPEC)
        hits += r.main.ci_low <= 1.0 <= r.main.ci_high
    assert 0.90 <= hits / reps <= 0.99, f"coverage {hits / reps:.3f}"


def test_null_effect_is_not_found_where_there_is_none():
    r = analysis.fit("did", did_panel(effect=0.0, noise=0.2, seed=5), **SPEC)
    assert r.main.ci_low < 0 < r.main.ci_high


def test_diverging_pre_trends_show_in_the_diagnostics():
    flat = analysis.fit("did", did_panel(noise=0.0, seed=1), **SPEC)
    diverging = analysis.fit("did", did_panel(noise=0.0, trend_gap=0.5, seed=1), **SPEC)
    assert flat.diagnostics["pre_period_trend_gap"] == pytest.approx(0.0, abs=1e-9)
    assert diverging.diagnostics["pre_period_trend_gap"] == pytest.approx(0.5, abs=1e-9)


def test_result_views_are_consistent():
    r = analysis.fit("did", did_panel(seed=2), **SPEC)
    tidy = r.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS
    assert tidy.loc[0, "estimate"] == r.main.estimate
    d = r.to_dict()
    assert d["estimates"][0]["estimate"] == r.main.estimate
    assert d["sample"]["n_treated_units"] == 15 and d["sample"]["first_post_period"] == 2005
    assert "treated" in r.summary() and f"{r.main.estimate:.4g}" in r.summary()
    plot = r.plot_data()
    assert set(plot["period"]) == set(range(2000, 2010))
    assert (plot["n_pilot"] == 15).all() and (plot["n_comparison"] == 45).all()


def test_registry_lists_did_and_rejects_unknown_designs():
    assert "did" in set(analysis.designs()["design"])
    with pytest.raises(SpecificationError, match="unknown design 'nope'; available: .*did"):
        analysis.fit("nope", did_panel(), **SPEC)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.drop(columns="y"), "outcome='y' is not a column"),
    (lambda d: d.assign(post=d["post"] * 2), "must hold only 0 and 1"),
    (lambda d: d.assign(post=np.where(d["unit"] == "u000", 1, d["post"])), "treated in the first period"),
    (lambda d: d.assign(post=0), "no unit is ever treated"),
    (lambda d: pd.concat([d, d.iloc[:1]]), "more than one row for unit=u000"),
    (lambda d: d.assign(y=d["y"].where(d.index != 3)), "missing or non-numeric"),
])
def test_specification_errors_say_what_to_change(change, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("did", change(did_panel()), **SPEC)


def test_estimate_and_clustered_error_equal_pyfixest_on_the_demo_panel(catalog):
    # pyfixest is a test-only peer; with its small-sample factor counting every fixed effect
    # (k_fixef="full") it uses our convention, and must agree to machine precision.
    pf = pytest.importorskip("pyfixest")
    from workbench import evidence

    panel = evidence.outcome_panel("total_place", "emergency_admissions", catalog=catalog)
    ours = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period", treatment="treated")
    peer = pf.feols("value ~ treated | area_code + period", data=panel.data, vcov={"CRV1": "area_code"},
                    ssc=pf.ssc(k_adj=True, k_fixef="full", G_adj=True))
    assert ours.main.estimate == pytest.approx(peer.coef()["treated"], abs=1e-6)
    assert ours.main.std_error == pytest.approx(peer.se()["treated"], abs=1e-6)


def test_strata_give_region_by_period_effects_equal_to_dummies_by_statsmodels():
    # Period effects within strata (e.g. region-by-period fixed effects) against OLS with a full-rank
    # set of dummies (each region's first year dropped), so that K = the number of columns = the rank.
    import statsmodels.api as sm

    df = did_panel(n_units=40, n_treated=10, noise=1.0, seed=21)
    df["region"] = df["unit"].map(lambda u: f"r{int(u[1:]) % 3}")
    r = analysis.fit("did", df, **SPEC, strata="region", inference="cluster", checks=False)
    X = pd.concat([df[["post"]].astype(float), pd.get_dummies(df["unit"], dtype=float),
                   pd.get_dummies(df["region"] + "_" + df["year"].astype(str), dtype=float)], axis=1)
    X = X.drop(columns=[f"r{k}_2000" for k in range(3)])
    assert np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
    peer = sm.OLS(df["y"].to_numpy(), X).fit(cov_type="cluster", cov_kwds={"groups": pd.Categorical(df["unit"]).codes})
    assert r.main.estimate == pytest.approx(peer.params["post"], abs=1e-9)
    assert r.main.std_error == pytest.approx(peer.bse["post"], rel=1e-9)
    assert "within region" in r.method and r.spec["strata"] == "region"


def test_strata_remove_shocks_shared_within_a_region():
    # Strong region-by-year shocks and treated units concentrated in one region: comparing within
    # regions recovers the planted effect exactly on an otherwise noiseless panel.
    df = did_panel(n_units=40, n_treated=10, noise=0.0, effect=1.5, seed=2)
    df["region"] = np.where(df["unit"] < "u005", "north", np.where(df["unit"] < "u020", "north", "south"))
    shocks = np.random.default_rng(0).normal(0, 3, (2, 10))
    df["y"] += shocks[(df["region"] == "south").astype(int), df["year"] - 2000]
    within = analysis.fit("did", df, **SPEC, strata="region", checks=False)
    across = analysis.fit("did", df, **SPEC, checks=False)
    assert within.main.estimate == pytest.approx(1.5, abs=1e-9)
    assert abs(across.main.estimate - 1.5) > 0.1
    # the chart's comparison line is taken within the pilots' region too, so it shows the same gap
    post = within.plot_data()[lambda f: f["post"]]
    assert (post["pilot"] - post["counterfactual"]).to_numpy() == pytest.approx(np.full(len(post), 1.5), abs=1e-9)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(region=np.where(d["unit"] < "u015", "a", "b")), "stratum region=a has treated units but no comparison"),
    (lambda d: d.assign(region=np.where(d["year"] < 2003, "a", "b")), "changes within unit"),
    (lambda d: d.drop(columns="region"), "strata='region' is not a column"),
])
def test_strata_errors_say_what_to_change(change, message):
    df = did_panel().assign(region="x")
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("did", change(df), **SPEC, strata="region")


def switching_panel(seed=0) -> pd.DataFrame:
    """Treated units on from 2005 and off again from 2008 (a treatment that is not absorbing)."""
    df = did_panel(seed=seed)
    return df.assign(post=np.where(df["year"] >= 2008, 0, df["post"]))


def test_a_treatment_that_switches_off_is_refused_with_the_reason_and_what_handles_it():
    with pytest.raises(SpecificationError) as error:
        analysis.fit("did", switching_panel(), **SPEC)
    message = str(error.value)
    assert "\n" not in message
    assert "treatment 'post' switches off for unit u000 (on in 2007, off in 2008)" in message
    assert "checks=False" in message and "stays on once started" in message


def test_with_checks_off_an_on_off_treatment_is_fitted_but_cannot_be_rated_sms3():
    df = switching_panel()
    r = analysis.fit("did", df, **SPEC, checks=False, inference="cluster")
    on = df.groupby("unit")["post"].transform("max").astype(bool)
    window = df["year"].between(2005, 2007)
    m = df.groupby([on, window])["y"].mean()  # balanced, one on-off window: TWFE is this 2x2 contrast
    assert r.main.estimate == pytest.approx((m[True, True] - m[True, False]) - (m[False, True] - m[False, False]),
                                            abs=1e-10)
    rating = analysis.rate(r)
    assert rating.sms == 2 and "S3" in rating.codes and "no pre-trend test" in rating.reasons[-1].detail


def test_staggered_cohorts_under_did_warn_naming_staggered_did_and_record_the_bacon_weight():
    # The case that slipped through: 2005 and 2008 cohorts fitted by plain two-way fixed effects.
    df = did_panel(seed=6)
    late = df["unit"].isin([f"u{i:03d}" for i in range(8)])
    df = df.assign(post=np.where(late, (df["year"] >= 2008).astype(int), df["post"]))
    with pytest.warns(DesignWarning, match=r"start in 2 different periods \(2005, 2008\).*'staggered_did'"):
        r = analysis.fit("did", df, **SPEC, inference="cluster", checks=False)
    assert r.diagnostics["staggered_cohorts"] == [2005, 2008]
    parts = analysis.bacon(df, **SPEC)
    already = parts.loc[parts["type"] == "later vs earlier treated", "weight"].sum()
    assert r.diagnostics["bacon_already_treated_control_weight"] == pytest.approx(already)
    assert 0 < already < 1


def test_a_single_start_gives_no_staggering_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DesignWarning)
        r = analysis.fit("did", did_panel(seed=2), **SPEC, inference="cluster", checks=False)
    assert "staggered_cohorts" not in r.diagnostics
