"""Interrupted time series against known answers: planted effects, a hand-built sandwich, statsmodels."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench import analysis
from workbench.analysis import TIDY_COLUMNS
from workbench.analysis import its  # noqa: F401  (registers "its")
from workbench.errors import SpecificationError

SPEC = dict(outcome="y", time="year", start=2010)


def its_series(n: int = 40, n_pre: int = 20, level: float = 5.0, slope: float = -0.5, trend: float = 0.3,
               rho: float = 0.5, sd: float = 1.0, seed: int = 0, first: int = 1990) -> pd.DataFrame:
    """One series: 10 + trend*(t-start) + level*post + slope*(t-start)*post + AR(1) noise (stationary start)."""
    rng = np.random.default_rng(seed)
    year = np.arange(first, first + n)
    start = first + n_pre
    noise = np.zeros(n)
    if sd > 0:
        noise[0] = rng.normal(0, sd / np.sqrt(1 - rho**2))
        for i in range(1, n):
            noise[i] = rho * noise[i - 1] + rng.normal(0, sd)
    since, post = year - start, (year >= start).astype(float)
    y = 10 + trend * since + level * post + slope * since * post + noise
    return pd.DataFrame({"year": year, "y": y})


def test_noiseless_series_recovers_the_planted_level_and_slope_change_exactly():
    r = analysis.fit("its", its_series(sd=0.0), **SPEC)
    est = {e.term: e.estimate for e in r.estimates}
    assert r.main.term == "level_change"
    assert est["level_change"] == pytest.approx(5.0, abs=1e-9)
    assert est["slope_change"] == pytest.approx(-0.5, abs=1e-9)
    # average post-period gap: 5 - 0.5 * mean(0..19) = 0.25
    assert est["post_period_effect"] == pytest.approx(0.25, abs=1e-9)
    assert r.diagnostics["pre_trend_slope"] == pytest.approx(0.3, abs=1e-9)
    plot = r.plot_data()
    assert np.allclose(plot["fitted"], plot["observed"], atol=1e-9)
    assert np.allclose(plot["counterfactual"], 10 + 0.3 * (plot["period"] - 2010), atol=1e-9)


def test_level_change_interval_covers_the_truth_at_about_the_nominal_rate():
    # 120 periods (ten years of months), AR(1) errors with rho 0.5, 200 series: 0.865 here.
    # Newey-West intervals are known to run narrow with autocorrelated errors; over 1,000 series
    # the coverage is 0.86 at 120 periods and only 0.79 at 40 (see the module docstring).
    reps, hits = 200, 0
    for seed in range(reps):
        r = analysis.fit("its", its_series(n=120, n_pre=60, seed=seed), **SPEC | {"start": 2050})
        hits += r.main.ci_low <= 5.0 <= r.main.ci_high
    assert 0.85 <= hits / reps <= 0.99, f"coverage {hits / reps:.3f}"


@pytest.mark.parametrize("maxlags", [None, 0, 5])
def test_standard_errors_equal_a_newey_west_sandwich_by_hand(maxlags):
    df = its_series(n=40, seed=7)
    r = analysis.fit("its", df, **SPEC, maxlags=maxlags)
    n, lags = len(df), (3 if maxlags is None else maxlags)  # floor(4 * 0.4 ** (2/9)) = 3
    since = df["year"].to_numpy(float) - 2010
    post = (since >= 0).astype(float)
    X = np.column_stack([np.ones(n), since, post, since * post])
    bread = np.linalg.inv(X.T @ X)
    u = df["y"].to_numpy() - X @ (bread @ X.T @ df["y"].to_numpy())
    xu = X * u[:, None]
    meat = xu.T @ xu
    for lag in range(1, lags + 1):
        gamma = xu[lag:].T @ xu[:-lag]
        meat += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    V = bread @ meat @ bread * n / (n - 4)
    c_avg = np.array([0, 0, 1, since[post == 1].mean()])
    expected = [np.sqrt(V[2, 2]), np.sqrt(V[3, 3]), np.sqrt(c_avg @ V @ c_avg)]
    assert [e.std_error for e in r.estimates] == pytest.approx(expected, rel=1e-10)
    assert r.diagnostics["hac_maxlags"] == lags
    t_crit = stats.t.ppf(0.975, n - 4)
    assert r.main.ci_high - r.main.ci_low == pytest.approx(2 * t_crit * expected[0], rel=1e-12)


def test_estimates_and_errors_equal_statsmodels_hac_on_the_raw_time_scale():
    # An independent parameterisation (time not centred) fitted directly with statsmodels.
    import statsmodels.api as sm

    df = its_series(n=60, n_pre=25, seed=3, rho=0.3)
    r = analysis.fit("its", df, outcome="y", time="year", start=2015, maxlags=4)
    t = df["year"].to_numpy(float)
    post = (t >= 2015).astype(float)
    X = np.column_stack([np.ones_like(t), t, post, (t - 2015) * post])
    peer = sm.OLS(df["y"], X).fit(cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": True}, use_t=True)
    assert r.estimates[0].estimate == pytest.approx(peer.params.iloc[2], rel=1e-9)
    assert r.estimates[1].estimate == pytest.approx(peer.params.iloc[3], rel=1e-9)
    assert r.estimates[0].std_error == pytest.approx(peer.bse.iloc[2], rel=1e-8)
    assert r.estimates[0].p_value == pytest.approx(peer.pvalues.iloc[2], rel=1e-6)
    assert r.diagnostics["pre_trend_slope"] == pytest.approx(peer.params.iloc[1], rel=1e-9)


def test_several_units_are_averaged_per_period_and_recorded():
    base = its_series(seed=4)
    panel = pd.concat([base.assign(area=a, y=base["y"] + off) for a, off in (("a", -1.0), ("b", 0.0), ("c", 4.0))])
    r = analysis.fit("its", panel, **SPEC, unit="area")
    mean_series = panel.groupby("year", as_index=False)["y"].mean()
    direct = analysis.fit("its", mean_series, **SPEC)
    assert r.main.estimate == pytest.approx(direct.main.estimate, abs=1e-10)
    assert r.main.std_error == pytest.approx(direct.main.std_error, abs=1e-10)
    assert r.main.estimate == pytest.approx(analysis.fit("its", base, **SPEC).main.estimate, abs=1e-10)
    assert r.sample["n_units"] == 3 and r.sample["treated_units"] == ["a", "b", "c"]
    assert "mean over 3 units" in r.sample["series"] and "mean over 3 units" in r.method
    assert (r.plot_data()["n_units"] == 3).all()


def test_residual_diagnostics_see_autocorrelation_where_it_was_planted():
    from statsmodels.tsa.stattools import acf

    white = analysis.fit("its", its_series(n=200, n_pre=100, rho=0.0, seed=2), **SPEC | {"start": 2090})
    sticky = analysis.fit("its", its_series(n=200, n_pre=100, rho=0.8, seed=2), **SPEC | {"start": 2090})
    assert abs(white.diagnostics["residual_autocorrelation"]) < 0.15
    assert white.diagnostics["durbin_watson"] == pytest.approx(2.0, abs=0.3)
    assert sticky.diagnostics["residual_autocorrelation"] > 0.6
    assert sticky.diagnostics["ljung_box_p_value"] < 1e-6
    plot = sticky.plot_data()
    resid = (plot["observed"] - plot["fitted"]).to_numpy()
    assert sticky.diagnostics["residual_autocorrelation"] == pytest.approx(acf(resid, nlags=1)[1], rel=1e-10)


def test_result_views_are_consistent_and_json_safe():
    r = analysis.fit("its", its_series(seed=1), **SPEC)
    tidy = r.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS
    assert list(tidy["term"]) == ["level_change", "slope_change", "post_period_effect"]
    d = r.diagnostics
    assert d["comparison_group"] is False and (d["n_pre_periods"], d["n_post_periods"]) == (20, 20)
    assert {"residual_autocorrelation", "ljung_box_p_value", "pre_trend_slope"} <= set(d)
    assert r.sample["first_period"] == 1990 and r.sample["first_post_period"] == 2010
    plot = r.plot_data()
    assert list(plot.columns[:5]) == ["period", "observed", "fitted", "counterfactual", "post"]
    assert plot["post"].sum() == 20 and set(plot["period"]) == set(range(1990, 2030))
    assert "Newey-West" in r.method and "3 lags" in r.method
    assert "level_change" in r.summary()
    json.dumps(analysis.fit("its", its_series(sd=0.0), **SPEC).to_dict())  # NaN diagnostics become null


def test_registry_lists_its():
    assert "its" in set(analysis.designs()["design"])


@pytest.mark.parametrize("change, spec, message", [
    (lambda d: d, {"start": 1992}, "only 2 pre-periods"),
    (lambda d: d, {"start": 2030}, "outside the series"),
    (lambda d: d, {"start": 1990}, "outside the series"),
    (lambda d: d, {"start": "2010"}, "must be a number"),
    (lambda d: d, {"maxlags": 40}, "maxlags=40"),
    (lambda d: pd.concat([d, d.iloc[:1]]), {}, "more than one row for year=1990"),
    (lambda d: pd.concat([d.assign(a="x"), d.assign(a="x").iloc[:1]]), {"unit": "a"},
     "more than one row for a=x, year=1990"),
    (lambda d: d.assign(y=d["y"].where(d.index != 3)), {}, "missing or non-numeric"),
    (lambda d: d.drop(columns="y"), {}, "outcome='y' is not a column"),
])
def test_specification_errors_say_what_to_change(change, spec, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("its", change(its_series()), **SPEC | spec)
