"""Staggered DiD (Callaway and Sant'Anna) against R did 2.5.0, csdid 0.4.3 and planted effects.

Within-strata comparisons are checked against csdid with the stratum dummies as covariates.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from workbench import analysis
from workbench.analysis import TIDY_COLUMNS
from workbench.analysis import staggered  # registers "staggered_did"
from workbench.errors import SpecificationError

MPDTA = dict(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")
SIM = dict(outcome="y", unit="unit", time="year", cohort="first")
CONTROLS = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}


def staggered_panel(n_units=150, periods=range(2000, 2010), cohorts=(2003, 2005, 2007), never_share=0.4,
                    noise=1.0, slope=0.5, diverging_cohort=None, trend_gap=0.0, seed=0) -> pd.DataFrame:
    """Units in cohorts (0 = never treated) with unit and period effects and a planted dynamic effect.

    The effect is 1 + slope * e at event time e >= 0 and nothing before. `diverging_cohort` gets an
    extra trend of `trend_gap` per period before its treatment (a broken parallel-trends assumption).
    Unit ids rise with the cohort (never-treated first), and each unit has a positive weight `w`.
    """
    rng = np.random.default_rng(seed)
    periods = np.asarray(periods)
    n_never = int(round(n_units * never_share))
    first = np.sort(np.r_[np.zeros(n_never, dtype=int), rng.choice(cohorts, n_units - n_never)])
    e = periods[None, :] - first[:, None]
    treated = first[:, None] > 0
    y = (rng.normal(0, 2, n_units)[:, None] + rng.normal(0, 1, len(periods))[None, :]
         + np.where(treated & (e >= 0), 1 + slope * e, 0.0) + rng.normal(0, noise, e.shape))
    if diverging_cohort is not None:
        y += np.where((first[:, None] == diverging_cohort) & (e < 0), trend_gap * (periods - periods[0]), 0.0)
    return pd.DataFrame({"unit": np.repeat(np.arange(1, n_units + 1), len(periods)),
                         "year": np.tile(periods, n_units), "first": np.repeat(first, len(periods)),
                         "y": y.ravel(), "w": np.repeat(rng.uniform(0.5, 2.0, n_units), len(periods))})


@pytest.fixture(scope="module")
def mpdta(reference_data):
    return pd.read_csv(reference_data / "mpdta.csv")


@pytest.fixture(scope="module")
def ref_attgt(reference_data):
    return pd.read_csv(reference_data / "ref_attgt_R.csv")


# ----------------------------------------------------------------------------- published R did output

@pytest.mark.parametrize("scenario, control", [
    ("mpdta_nev_dr", "never_treated"),
    ("mpdta_nev_ipw", "never_treated"),  # without covariates IPW, DR and our difference of means agree
    ("mpdta_nyt_dr", "not_yet_treated"),
])
def test_every_group_time_effect_and_analytic_se_equals_r_did(mpdta, ref_attgt, scenario, control):
    ref = ref_attgt[ref_attgt["scenario"] == scenario]
    gt = analysis.fit("staggered_did", mpdta, control=control, n_boot=0, **MPDTA).group_time
    both = ref.merge(gt, left_on=["group", "t"], right_on=["group", "time"], validate="one_to_one")
    assert len(both) == len(ref) == len(gt) == 12
    np.testing.assert_allclose(both["att_y"], both["att_x"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(both["std_error"], both["se"], rtol=0, atol=1e-9)


def test_aggregations_equal_the_published_r_did_numbers(mpdta):
    fit = lambda agg: analysis.fit("staggered_did", mpdta, aggregation=agg, n_boot=0, **MPDTA)  # noqa: E731
    published = {"simple": (-0.0399513, 0.0120340), "dynamic": (-0.0772398, 0.0199650),
                 "group": (-0.0310183, 0.0124461)}
    for agg, (att, se) in published.items():
        r = fit(agg)
        assert r.main.term == "ATT"
        assert r.main.estimate == pytest.approx(att, abs=5e-8)
        assert r.main.std_error == pytest.approx(se, abs=5e-8)
    gt = fit("simple").group_time.set_index(["group", "time"])["att"]
    assert gt[2004, 2004] == pytest.approx(-0.0105032, abs=5e-8)
    assert gt[2004, 2006] == pytest.approx(-0.1372587, abs=5e-8)
    assert gt[2007, 2007] == pytest.approx(-0.0260544, abs=5e-8)


# ----------------------------------------------------------------------------- csdid 0.4.3 (R did port)

def _csdid(df, spec, control, weights=None, xformla=None, est_method="dr"):
    from csdid.att_gt import ATTgt

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model = ATTgt(yname=spec["outcome"], tname=spec["time"], idname=spec["unit"], gname=spec["cohort"],
                      data=df, control_group=CONTROLS[control], weights_name=weights, xformla=xformla)
        model.fit(est_method=est_method, bstrap=False)
        aggs = {}
        for ours, theirs in [("simple", "simple"), ("dynamic", "dynamic"), ("group", "group"),
                             ("calendar", "calendar")]:
            model.aggte(typec=theirs, bstrap=False, cband=False)
            aggs[ours] = model.atte
    return model, aggs


def _assert_equal_to_csdid(ours, model, aggs):
    np.testing.assert_allclose(ours.group_time["att"], model.results["att"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.group_time["std_error"], model.results["se"], rtol=0, atol=1e-9)
    for kind, peer in aggs.items():
        table = ours.aggregate(kind)
        estimate = np.r_[peer["overall_att"], [] if kind == "simple" else peer["att_egt"]]
        se = np.r_[peer["overall_se"], [] if kind == "simple" else np.ravel(peer["se_egt"])]
        np.testing.assert_allclose(table["estimate"], estimate, rtol=0, atol=1e-9, err_msg=kind)
        np.testing.assert_allclose(table["std_error"], se, rtol=0, atol=1e-9, err_msg=kind)
    assert ours.diagnostics["wald_pre_test_statistic"] == pytest.approx(model.MP["W"], abs=1e-8)
    assert ours.diagnostics["wald_pre_test_p_value"] == pytest.approx(model.MP["Wpval"], abs=1e-5)  # R rounds


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_effects_aggregations_and_pre_test_equal_csdid_on_mpdta(mpdta, control):
    pytest.importorskip("csdid")
    ours = analysis.fit("staggered_did", mpdta, control=control, n_boot=0, **MPDTA)
    _assert_equal_to_csdid(ours, *_csdid(mpdta, MPDTA, control))


@pytest.mark.parametrize("control, weights", [("never_treated", None), ("not_yet_treated", None),
                                              ("never_treated", "w"), ("not_yet_treated", "w")])
def test_effects_aggregations_and_pre_test_equal_csdid_on_a_synthetic_panel(control, weights):
    pytest.importorskip("csdid")
    df = staggered_panel(n_units=120, periods=range(2000, 2008), cohorts=(2002, 2004, 2005), seed=4)
    ours = analysis.fit("staggered_did", df, control=control, weights=weights, n_boot=0, **SIM)
    _assert_equal_to_csdid(ours, *_csdid(df, SIM, control, weights))


def test_without_never_treated_units_the_last_cohort_is_only_a_comparison_as_in_csdid():
    pytest.importorskip("csdid")
    df = staggered_panel(n_units=90, never_share=0.0, seed=8)
    ours = analysis.fit("staggered_did", df, control="not_yet_treated", n_boot=0, **SIM)
    assert ours.sample["comparison_only_cohort"] == 2007
    assert ours.sample["dropped_periods"] == [2007, 2008, 2009]
    assert set(ours.group_time["group"]) == {2003, 2005}
    _assert_equal_to_csdid(ours, *_csdid(df, SIM, "not_yet_treated"))


# ----------------------------------------------------------------------------- planted effects

def _assert_planted_dynamic_effects(r):
    """Every ATT(g,t) and event-time effect equals the planted 1 + 0.5 e (0 before the start)."""
    gt = r.group_time
    truth = np.where(gt["post"], 1 + 0.5 * gt["event_time"], 0.0)
    np.testing.assert_allclose(gt["att"], truth, rtol=0, atol=1e-10)
    dynamic = r.aggregate("dynamic").iloc[1:]
    np.testing.assert_allclose(dynamic["estimate"], np.where(dynamic["event_time"] >= 0,
                                                             1 + 0.5 * dynamic["event_time"], 0), atol=1e-10)


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_noiseless_panel_recovers_every_planted_effect_exactly(control):
    df = staggered_panel(noise=0.0, seed=1)
    r = analysis.fit("staggered_did", df, control=control, n_boot=0, **SIM)
    gt = r.group_time
    _assert_planted_dynamic_effects(r)
    # cohort g is observed for e = 0 .. 2009 - g, so its mean effect is 1 + 0.5 * (2009 - g) / 2
    groups = r.aggregate("group").iloc[1:]
    np.testing.assert_allclose(groups["estimate"], 1 + 0.25 * (2009 - groups["group"]), atol=1e-10)
    size = df.drop_duplicates("unit").groupby("first").size()
    cells = gt[gt["post"]]
    simple = np.average(cells["att"], weights=size[cells["group"]].to_numpy())
    assert r.main.estimate == pytest.approx(simple, abs=1e-10)
    # no sampling variation in any cell (R did reports such standard errors as NA); the simple ATT
    # keeps the variation of the estimated cohort shares, as cohorts' effects differ
    assert gt["std_error"].isna().all() and r.aggregate("dynamic").iloc[1:]["std_error"].isna().all()
    assert r.main.std_error > 0


def test_a_diverging_pre_trend_is_flagged_and_a_parallel_one_is_not():
    parallel = analysis.fit("staggered_did", staggered_panel(seed=3), n_boot=0, **SIM)
    diverging = analysis.fit("staggered_did", staggered_panel(seed=3, diverging_cohort=2007, trend_gap=0.25),
                             n_boot=0, **SIM)
    assert parallel.diagnostics["pre_trend_p_value"] > 0.2
    assert diverging.diagnostics["pre_trend_p_value"] < 1e-3 and diverging.diagnostics["wald_pre_test_p_value"] < 1e-6
    assert parallel.diagnostics["wald_pre_test_df"] == diverging.diagnostics["wald_pre_test_df"] == 2 + 4 + 6
    assert parallel.diagnostics["wald_pre_test_p_value"] > 0.05
    assert parallel.diagnostics["n_pre_periods"] == 3


def test_intervals_cover_the_planted_effects():
    r = analysis.fit("staggered_did", staggered_panel(n_units=400, seed=6), aggregation="dynamic", **SIM)
    plot = r.plot_data()
    truth = np.where(plot["post"], 1 + 0.5 * plot["event_time"], 0.0)
    assert ((plot["band_low"] <= truth) & (truth <= plot["band_high"])).all()
    assert ((plot["ci_low"] <= truth) & (truth <= plot["ci_high"])).mean() >= 0.8


def test_cohorts_after_the_panel_count_as_never_treated_as_in_r_did():
    df = staggered_panel(seed=2)
    late = df.assign(first=np.where(df["unit"] <= 20, 2015, df["first"]))  # ids 1..20 are never treated
    r_late = analysis.fit("staggered_did", late, n_boot=0, **SIM)
    r_zero = analysis.fit("staggered_did", df, n_boot=0, **SIM)
    assert r_late.sample["cohorts_after_panel"] == [2015]
    pd.testing.assert_frame_equal(r_late.group_time, r_zero.group_time)


# ----------------------------------------------------------------------------- bootstrap

def test_bootstrap_errors_are_close_to_analytic_and_the_uniform_band_is_wider(mpdta):
    r = analysis.fit("staggered_did", mpdta, n_boot=999, seed=11, **MPDTA)
    frames = [r.group_time.rename(columns={"att": "estimate"})]
    frames += [r.aggregate(kind) for kind in ("simple", "dynamic", "group", "calendar")]
    # R's IQR-based bootstrap SE runs 1-8% above the analytic one on mpdta (the draws' own standard
    # deviation matches it to 1%) and varies by about 4% between seeds at B = 999 (measured over 40 seeds)
    ratio = pd.concat([frame["boot_std_error"] / frame["std_error"] for frame in frames])
    assert len(ratio) == 12 + 1 + 8 + 4 + 5
    assert ratio.between(0.85, 1.2).all(), ratio
    assert abs(ratio.mean() - 1) < 0.1
    gt = r.group_time
    assert ((gt["band_low"] < gt["ci_low"]) & (gt["band_high"] > gt["ci_high"])).all()
    assert 2.3 < r.diagnostics["uniform_critical_value"] < 3.3  # 12 correlated cells, 95%
    again = analysis.fit("staggered_did", mpdta, n_boot=999, seed=11, **MPDTA)
    other = analysis.fit("staggered_did", mpdta, n_boot=999, seed=12, **MPDTA)
    pd.testing.assert_frame_equal(again.group_time, gt)
    assert not np.allclose(other.group_time["boot_std_error"], gt["boot_std_error"])


def test_fast_bootstrap_equals_r_mboot_applied_to_the_influence_functions():
    # R's mboot: draws of mean(v_i psi_i) with Rademacher v_i; SE = IQR / (z75 - z25) with type-1
    # quantiles; band critical value = type-1 quantile of max_k |draw_k / SE_k|. Units of this panel
    # are already in cohort order, so the rows of the influence functions match the fit's draws.
    df = staggered_panel(n_units=200, seed=5)
    r = analysis.fit("staggered_did", df, control="not_yet_treated", n_boot=499, seed=3, **SIM)
    Y = df.pivot(index="unit", columns="year", values="y").to_numpy()
    first = df.drop_duplicates("unit")["first"].to_numpy().astype(float)
    cells = staggered.group_time_effects(Y, first, np.ones(len(first)), np.arange(2000, 2010),
                                         np.array([2003, 2005, 2007]), "not_yet_treated")
    draws = staggered.multiplier_bootstrap(cells.inf, 499, seed=3)
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    se = (q75 - q25) / (2 * 0.6744897501960817)
    np.testing.assert_allclose(r.group_time["boot_std_error"], se, rtol=1e-10)
    sup = np.max(np.abs(draws / se), axis=1)
    crit = np.quantile(sup, 0.95, method="inverted_cdf")
    assert r.diagnostics["uniform_critical_value"] == pytest.approx(crit, rel=1e-10)


# ----------------------------------------------------------------------------- result and errors

def test_result_views_are_consistent(mpdta):
    r = analysis.fit("staggered_did", mpdta, aggregation="dynamic", n_boot=99, **MPDTA)
    tidy = r.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS
    assert list(tidy["term"]) == ["ATT", "e=-3", "e=-2", "e=-1", "e=0", "e=1", "e=2", "e=3"]
    assert list(analysis.fit("staggered_did", mpdta, aggregation="group", n_boot=0, **MPDTA).tidy()["term"]) == [
        "ATT", "g=2004", "g=2006", "g=2007"]
    assert r.sample["n_units"] == 500 and r.sample["n_obs"] == 2500
    assert r.sample["n_treated_units"] == 191 and r.sample["n_comparison_units"] == 309
    assert r.sample["cohorts"] == {"2004": 20, "2006": 40, "2007": 131}
    assert r.diagnostics["comparison_group"] is True and r.diagnostics["n_cohorts"] == 3
    assert r.diagnostics["control"] == "never_treated"
    plot = r.plot_data()
    assert list(plot.columns) == ["event_time", "att", "ci_low", "ci_high", "band_low", "band_high", "post"]
    assert list(plot["event_time"]) == [-3, -2, -1, 0, 1, 2, 3] and plot["post"].sum() == 4
    d = json.loads(json.dumps(r.to_dict()))
    assert d["estimates"][0]["estimate"] == r.main.estimate and len(d["group_time"]) == 12
    assert set(d["aggregations"]) == {"simple", "dynamic", "group", "calendar"}
    assert "ATT" in r.summary() and "never-treated" in r.method
    assert "staggered_did" in set(analysis.designs()["design"])
    with pytest.raises(SpecificationError, match="unknown aggregation 'weekly'"):
        r.aggregate("weekly")


def _drop_first_row(d):
    return d.iloc[1:]


@pytest.mark.parametrize("change, spec, message", [
    (lambda d: d.drop(columns="y"), {}, "outcome='y' is not a column"),
    (_drop_first_row, {}, "the panel is unbalanced: unit=1 has 9 of 10 periods"),
    (lambda d: pd.concat([d, d.iloc[:1]]), {}, "more than one row for unit=1"),
    (lambda d: d.assign(y=d["y"].where(d.index != 3)), {}, "missing or non-numeric"),
    (lambda d: d.assign(unit=d["unit"].where(d["unit"] != 7)), {}, "unit column 'unit' has 10 missing values"),
    (lambda d: d.assign(first=np.where((d["unit"] == 150) & (d["year"] == 2009), 2002, d["first"])), {},
     "must hold one value per unit"),
    (lambda d: d.assign(first=np.where(d["unit"] == 150, 2004.5, d["first"])), {}, "not a period of the panel"),
    (lambda d: d.assign(first=np.where(d["unit"] == 150, 1998, d["first"])), {}, "before the panel starts"),
    (lambda d: d.assign(first=np.where(d["unit"] == 150, 2000, d["first"])), {}, "treated in the first period"),
    (lambda d: d.assign(first=0), {}, "no unit is ever treated"),
    (lambda d: d.assign(first=np.where(d["first"] == 0, 2005, d["first"])), {}, "no never-treated units"),
    (lambda d: d, {"control": "everyone"}, "control='everyone' is not known"),
    (lambda d: d, {"aggregation": "weekly"}, "aggregation='weekly' is not known"),
    (lambda d: d, {"n_boot": -1}, "n_boot must be a whole number"),
    (lambda d: d.assign(w=d["w"] * (d["year"] - 1999)), {"weights": "w"}, "must hold one value per unit"),
    (lambda d: d.assign(w=0.0), {"weights": "w"}, "must be positive"),
])
def test_specification_errors_say_what_to_change(change, spec, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("staggered_did", change(staggered_panel()), **{**SIM, **spec})


# ----------------------------------------------------------------------------- comparisons within strata

def regional_panel(n_regions=5, per_region=30, periods=range(2000, 2010), cohorts=(2003, 2005, 2007),
                   slope=0.5, shock_sd=3.0, noise=0.0, seed=0) -> pd.DataFrame:
    """Units in regions with region-by-period shocks and a planted effect 1 + slope * e at e >= 0.

    The treated share rises from 20% in the first region to 80% in the last, and every region has
    never-treated units and units of every cohort: comparisons across regions carry the shocks,
    comparisons within a region remove them exactly. `noise` adds unit-by-period noise.
    """
    rng = np.random.default_rng(seed)
    periods = np.asarray(periods)
    n = n_regions * per_region
    region = np.repeat(np.arange(n_regions), per_region)
    n_treated = np.round(per_region * np.linspace(0.2, 0.8, n_regions)).astype(int)
    first = np.concatenate([np.r_[np.zeros(per_region - k, dtype=int), np.resize(rng.permutation(cohorts), k)]
                            for k in n_treated])
    e = periods[None, :] - first[:, None]
    y = (rng.normal(0, 2, n)[:, None] + rng.normal(0, shock_sd, (n_regions, len(periods)))[region]
         + np.where((first[:, None] > 0) & (e >= 0), 1 + slope * e, 0.0) + rng.normal(0, noise, e.shape))
    return pd.DataFrame({"unit": np.repeat(np.arange(1, n + 1), len(periods)), "year": np.tile(periods, n),
                         "first": np.repeat(first, len(periods)), "region": np.repeat([f"R{r}" for r in region],
                                                                                      len(periods)),
                         "y": y.ravel(), "w": np.repeat(rng.uniform(0.5, 2.0, n), len(periods))})


@pytest.mark.parametrize("control, est_method", [("never_treated", "reg"), ("not_yet_treated", "reg"),
                                                 ("never_treated", "dr"), ("not_yet_treated", "ipw")])
def test_within_strata_effects_equal_csdid_with_stratum_dummies_on_mpdta(mpdta, control, est_method):
    # csdid (R did's port) with the stratum dummies as covariates: the outcome regression on saturated
    # dummies predicts each stratum's comparison mean; DR and IPW with saturated dummies coincide with it
    pytest.importorskip("csdid")
    df = mpdta.assign(stratum=mpdta["countyreal"] % 3)
    counts = df.drop_duplicates("countyreal").groupby(["first.treat", "stratum"]).size().unstack()
    assert counts.shape == (4, 3) and (counts > 0).all().all()  # every cohort in every stratum
    ours = analysis.fit("staggered_did", df, control=control, strata="stratum", n_boot=0, **MPDTA)
    peer = _csdid(df, MPDTA, control, xformla="lemp ~ C(stratum)", est_method=est_method)
    _assert_equal_to_csdid(ours, *peer)
    # the strata matter here: the effects differ from the unstratified ones
    plain = analysis.fit("staggered_did", mpdta, control=control, n_boot=0, **MPDTA)
    assert np.abs(ours.group_time["att"] - plain.group_time["att"]).max() > 1e-3


@pytest.mark.parametrize("control, weights", [("never_treated", None), ("not_yet_treated", None),
                                              ("never_treated", "w"), ("not_yet_treated", "w")])
def test_within_strata_effects_equal_csdid_with_stratum_dummies_on_a_synthetic_panel(control, weights):
    pytest.importorskip("csdid")
    df = regional_panel(n_regions=4, per_region=25, periods=range(2000, 2008), cohorts=(2002, 2004, 2005),
                        shock_sd=1.0, noise=1.0, seed=7)
    ours = analysis.fit("staggered_did", df, control=control, weights=weights, strata="region", n_boot=0, **SIM)
    _assert_equal_to_csdid(ours, *_csdid(df, SIM, control, weights, xformla="y ~ C(region)", est_method="reg"))


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_within_strata_comparisons_remove_regional_shocks_exactly(control):
    df = regional_panel(shock_sd=3.0, noise=0.0, seed=2)  # the regional shocks are the only noise
    r = analysis.fit("staggered_did", df, control=control, strata="region", n_boot=0, **SIM)
    gt = r.group_time
    _assert_planted_dynamic_effects(r)
    assert gt["std_error"].isna().all()  # no sampling variation left in any cell
    across = analysis.fit("staggered_did", df, control=control, n_boot=0, **SIM).group_time
    truth = np.where(across["post"], 1 + 0.5 * across["event_time"], 0.0)
    assert np.abs(across["att"] - truth).max() > 1.0  # compared across England the shocks leak in
    # the record says what was done
    assert r.spec["strata"] == "region" and "compared within region" in r.method
    assert r.sample["n_strata"] == 5
    assert r.sample["strata"]["R0"] == {"treated": 6, "never_treated": 24}
    assert r.sample["strata"]["R4"] == {"treated": 24, "never_treated": 6}
    assert json.loads(json.dumps(r.to_dict()))["sample"]["strata"]["R2"] == {"treated": 15, "never_treated": 15}


def test_within_strata_fast_bootstrap_equals_r_mboot_applied_to_the_influence_functions():
    # the fit orders units by cohort, then stratum, then id; build the influence functions in that order
    df = regional_panel(noise=1.0, shock_sd=1.0, seed=9)
    r = analysis.fit("staggered_did", df, control="not_yet_treated", strata="region", n_boot=499, seed=3, **SIM)
    units = df.drop_duplicates("unit").sort_values(["first", "region", "unit"])
    Y = df.pivot(index="unit", columns="year", values="y").loc[units["unit"]].to_numpy()
    cells = staggered.group_time_effects(Y, units["first"].to_numpy(float), np.ones(len(units)),
                                         np.arange(2000, 2010), np.array([2003, 2005, 2007]), "not_yet_treated",
                                         units["region"].to_numpy())
    np.testing.assert_allclose(r.group_time["std_error"], np.sqrt((cells.inf ** 2).sum(axis=0)) / len(units),
                               rtol=1e-12)
    draws = staggered.multiplier_bootstrap(cells.inf, 499, seed=3)
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    np.testing.assert_allclose(r.group_time["boot_std_error"], (q75 - q25) / (2 * 0.6744897501960817), rtol=1e-10)


@pytest.mark.slow
def test_within_strata_intervals_cover_the_planted_effect_90_to_99_percent_of_the_time():
    # 200 panels of 8 regions x 40 units, region-by-period shocks as large as the unit noise, effect 1
    hits = {"within": 0, "across": 0}
    for seed in range(200):
        df = regional_panel(n_regions=8, per_region=40, slope=0.0, shock_sd=1.0, noise=1.0, seed=1000 + seed)
        for name, strata in [("within", "region"), ("across", None)]:
            att = analysis.fit("staggered_did", df, strata=strata, n_boot=0, **SIM).main
            hits[name] += att.ci_low <= 1.0 <= att.ci_high
    rates = {name: n / 200 for name, n in hits.items()}
    print(f"coverage of the 95% interval of the simple ATT over 200 regional-shock panels: {rates}")
    assert 0.90 <= rates["within"] <= 0.99, rates
    assert rates["across"] < 0.85, rates  # the panels do have the problem that strata solve


@pytest.mark.parametrize("change, spec, message", [
    (lambda d: d, {"strata": "county"}, "strata='county' is not a column"),
    (lambda d: d.assign(region=np.where(d["year"] == 2009, "R9", d["region"])), {"strata": "region"},
     r"column 'region' must hold one value per unit \(a stratum\)"),
    (lambda d: d.assign(region=d["region"].where(d["unit"] != 3)), {"strata": "region"},
     "strata column 'region' has 10 missing values"),
    (lambda d: d.assign(first=np.where((d["region"] == "R2") & (d["first"] == 0), 2005, d["first"])),
     {"strata": "region"}, "region=R2 has units of cohort 2003 but no never-treated units to compare them with "
                           "in period 2001; drop that stratum"),
    (lambda d: d.assign(first=np.where((d["region"] == "R2") & (d["first"] == 0), 2005, d["first"])),
     {"strata": "region", "control": "not_yet_treated"},
     "region=R2 has units of cohort 2003 but no not-yet-treated units to compare them with in period 2007"),
])
def test_strata_specification_errors_say_what_to_change(change, spec, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("staggered_did", change(regional_panel()), **{**SIM, **spec})


def _with_treatment(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(on=((df["first"] > 0) & (df["year"] >= df["first"])).astype(int))


def test_a_treatment_column_gives_the_same_effects_as_the_cohort_column():
    df = _with_treatment(staggered_panel(seed=2))
    spec = {k: v for k, v in SIM.items() if k != "cohort"}
    by_cohort = analysis.fit("staggered_did", df, **SIM, n_boot=0)
    by_treatment = analysis.fit("staggered_did", df, **spec, treatment="on", n_boot=0)
    pd.testing.assert_frame_equal(by_cohort.group_time, by_treatment.group_time)
    pd.testing.assert_frame_equal(by_cohort.tidy(), by_treatment.tidy())


def test_a_treatment_that_switches_off_is_refused_naming_the_design_that_fits_it():
    df = _with_treatment(staggered_panel(seed=2))
    unit = df.loc[df["first"] == 2003, "unit"].iloc[0]
    df.loc[(df["unit"] == unit) & (df["year"] >= 2006), "on"] = 0
    spec = {k: v for k, v in SIM.items() if k != "cohort"}
    with pytest.raises(SpecificationError) as error:
        analysis.fit("staggered_did", df, **spec, treatment="on", n_boot=0)
    assert str(error.value) == (
        f"treatment 'on' switches off for unit {unit} (on in 2005, off in 2006): staggered_did assumes a treatment "
        "that stays on once started; for a treatment that switches on and off fit design 'did' with checks=False "
        "(two-way fixed effects on the indicator, no pre-trend test)")
