"""Random-effects meta-analysis against published results (metafor, BCG trials), statsmodels and known truths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from workbench import analysis
from workbench.analysis import TIDY_COLUMNS
from workbench.analysis import meta  # noqa: F401  (registers "meta_analysis")
from workbench.errors import SpecificationError

# The BCG vaccine trials: dat.bcg (alias dat.colditz1994) in R's metafor/metadat packages.
# Source: Colditz, G. A., Brewer, T. F., Berkey, C. S., Wilson, M. E., Burdick, E., Fineberg, H. V.,
# & Mosteller, F. (1994). Efficacy of BCG vaccine in the prevention of tuberculosis: meta-analysis of
# the published literature. JAMA, 271, 698-702. Values as printed in metafor's README
# (github.com/wviechtb/metafor) and documented in its man/dat.colditz1994.Rd.
# Columns: author, year, tpos, tneg, cpos, cneg, ablat (TB+/TB- among vaccinated, then controls;
# absolute latitude in degrees).
BCG_ROWS = [
    ("Aronson", 1948, 4, 119, 11, 128, 44),
    ("Ferguson & Simes", 1949, 6, 300, 29, 274, 55),
    ("Rosenthal et al", 1960, 3, 228, 11, 209, 42),
    ("Hart & Sutherland", 1977, 62, 13536, 248, 12619, 52),
    ("Frimodt-Moller et al", 1973, 33, 5036, 47, 5761, 13),
    ("Stein & Aronson", 1953, 180, 1361, 372, 1079, 44),
    ("Vandiviere et al", 1973, 8, 2537, 10, 619, 19),
    ("TPT Madras", 1980, 505, 87886, 499, 87892, 13),
    ("Coetzee & Berjak", 1968, 29, 7470, 45, 7232, 27),
    ("Rosenthal et al", 1961, 17, 1699, 65, 1600, 42),
    ("Comstock et al", 1974, 186, 50448, 141, 27197, 18),
    ("Comstock & Webster", 1969, 5, 2493, 3, 2338, 33),
    ("Comstock et al", 1976, 27, 16886, 29, 17825, 33),
]
# metafor's escalc(measure="RR") output for the same rows (yi, vi), as printed in its README.
METAFOR_YI_VI = [(-0.8893, 0.3256), (-1.5854, 0.1946), (-1.3481, 0.4154), (-1.4416, 0.0200), (-0.2175, 0.0512),
                 (-0.7861, 0.0069), (-1.6209, 0.2230), (0.0120, 0.0040), (-0.4694, 0.0564), (-1.3713, 0.0730),
                 (-0.3394, 0.0124), (0.4459, 0.5325), (-0.0173, 0.0714)]
SPEC = dict(estimate="log_rr", std_error="se", label="area")


@pytest.fixture(scope="module")
def bcg() -> pd.DataFrame:
    """The 13 trials with their log risk ratios and standard errors (metafor's escalc, measure="RR")."""
    d = pd.DataFrame(BCG_ROWS, columns=["author", "year", "tpos", "tneg", "cpos", "cneg", "ablat"])
    n1, n2 = d["tpos"] + d["tneg"], d["cpos"] + d["cneg"]
    d["log_rr"] = np.log((d["tpos"] / n1) / (d["cpos"] / n2))
    d["se"] = np.sqrt(1 / d["tpos"] - 1 / n1 + 1 / d["cpos"] - 1 / n2)
    d["area"] = d["author"] + ", " + d["year"].astype(str)
    return d


def printed(value: float, expected: float, digits: int = 4) -> bool:
    """True when `value` rounds to what metafor printed with `digits` decimals."""
    return abs(value - expected) <= 0.5 * 10.0**-digits + 1e-12


def terms(result) -> dict:
    return {e.term: e for e in result.estimates}


def test_bcg_table_reproduces_metafors_log_risk_ratios(bcg):
    for (yi, vi), (_, row) in zip(METAFOR_YI_VI, bcg.iterrows()):
        assert printed(row["log_rr"], yi) and printed(row["se"] ** 2, vi)


def test_reml_random_effects_matches_metafor(bcg):
    # metafor: estimate -0.7145, se 0.1798, CI -1.0669 to -0.3622; tau^2 0.3132 (SE 0.1664),
    # I^2 92.22% (confint: 92.2214), H^2 12.86 (12.8558), Q(df = 12) = 152.2330
    r = analysis.fit("meta_analysis", bcg, **SPEC, method="reml")
    e, d = r.main, r.diagnostics
    assert e.term == "pooled"
    assert printed(e.estimate, -0.7145) and printed(e.std_error, 0.1798)
    assert printed(e.ci_low, -1.0669) and printed(e.ci_high, -0.3622)
    assert printed(e.estimate / e.std_error, -3.9744)
    assert printed(d["tau2"], 0.3132) and printed(d["tau2_se"], 0.1664) and printed(d["tau"], 0.5597)
    assert printed(100 * d["i2"], 92.2214) and printed(d["h2"], 12.8558) and printed(d["q"], 152.2330)
    assert d["q_df"] == 12 and d["q_p_value"] < 1e-4 and d["n_studies"] == 13


def test_knapp_hartung_and_prediction_interval_match_metafor(bcg):
    # metafor, test="knha": se 0.1808, t -3.9522, p 0.0019, CI -1.1084 to -0.3206;
    # predict(res, transf=exp, digits=2): pred 0.49, CI 0.33 to 0.73, PI 0.14 to 1.76
    r = analysis.fit("meta_analysis", bcg, **SPEC, knapp_hartung=True)
    e, d = r.main, r.diagnostics
    assert printed(e.std_error, 0.1808) and printed(e.p_value, 0.0019)
    assert printed(e.ci_low, -1.1084) and printed(e.ci_high, -0.3206)
    assert printed(np.exp(e.ci_low), 0.33, 2) and printed(np.exp(e.ci_high), 0.73, 2)
    assert printed(np.exp(d["prediction_low"]), 0.14, 2) and printed(np.exp(d["prediction_high"]), 1.76, 2)


def test_dersimonian_laird_matches_metafor(bcg):
    # metafor's own test against Stata metan: -0.7141, CI -1.0644 to -0.3638, z -3.9952, tau^2 0.3088, I^2 92.1173
    r = analysis.fit("meta_analysis", bcg, **SPEC, method="dl")
    e, d = r.main, r.diagnostics
    assert printed(e.estimate, -0.7141) and printed(e.ci_low, -1.0644) and printed(e.ci_high, -0.3638)
    assert printed(e.estimate / e.std_error, -3.9952)
    assert printed(d["tau2"], 0.3088) and printed(100 * d["i2"], 92.1173)


def test_dersimonian_laird_equals_statsmodels_to_machine_precision(bcg):
    from statsmodels.stats.meta_analysis import combine_effects

    peer = combine_effects(bcg["log_rr"].to_numpy(), bcg["se"].to_numpy() ** 2, method_re="dl")
    r = analysis.fit("meta_analysis", bcg, **SPEC, method="dl")
    e, d = r.main, r.diagnostics
    assert e.estimate == pytest.approx(peer.mean_effect_re, abs=1e-10)
    assert e.std_error == pytest.approx(peer.sd_eff_w_re, abs=1e-10)
    low, high = peer.conf_int(use_t=False)[1]
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high), abs=1e-10)
    assert d["tau2"] == pytest.approx(peer.tau2, abs=1e-10)
    assert d["q"] == pytest.approx(peer.q, abs=1e-10) and d["i2"] == pytest.approx(peer.i2, abs=1e-10)
    forest = r.plot_data()
    studies = forest[forest["kind"] == "study"]
    assert studies["weight"].to_numpy() == pytest.approx(100 * peer.weights_rel_re, abs=1e-10)
    hk = analysis.fit("meta_analysis", bcg, **SPEC, method="dl", knapp_hartung=True)
    assert hk.main.std_error == pytest.approx(peer.sd_eff_w_re_hksj, abs=1e-10)


def test_reml_meta_regression_on_latitude_matches_metafor_digit_for_digit(bcg):
    # metafor rma(yi, vi, mods = ~ ablat): tau^2 0.0764 (SE 0.0591), I^2 68.39%, H^2 3.16, R^2 75.62%,
    # QE(df = 11) = 30.7331, p 0.0012; QM(df = 1) = 16.3571; intrcpt 0.2515 (0.2491) CI -0.2368 to 0.7397,
    # ablat -0.0291 (0.0072) CI -0.0432 to -0.0150. metafor stops scoring when tau^2 moves < 1e-5.
    r = analysis.fit("meta_analysis", bcg, **SPEC, moderators=["ablat"], reml_tolerance=1e-5)
    t, d = terms(r), r.diagnostics
    assert [e.term for e in r.estimates] == ["pooled", "intercept", "ablat"]
    assert printed(t["intercept"].estimate, 0.2515) and printed(t["intercept"].std_error, 0.2491)
    assert printed(t["intercept"].ci_low, -0.2368) and printed(t["intercept"].ci_high, 0.7397)
    assert printed(t["intercept"].p_value, 0.3127)
    assert printed(t["ablat"].estimate, -0.0291) and printed(t["ablat"].std_error, 0.0072)
    assert printed(t["ablat"].ci_low, -0.0432) and printed(t["ablat"].ci_high, -0.0150)
    assert printed(d["tau2_residual"], 0.0764) and printed(d["tau2_residual_se"], 0.0591)
    assert printed(100 * d["i2_residual"], 68.39, 2) and printed(d["h2_residual"], 3.16, 2)
    assert printed(100 * d["r2"], 75.62, 2)
    assert printed(d["qe"], 30.7331) and printed(d["qe_p_value"], 0.0012) and d["qe_df"] == 11
    assert printed(d["qm"], 16.3571) and d["qm_df"] == 1 and d["qm_p_value"] < 1e-4
    assert printed(t["pooled"].estimate, -0.7145) and printed(d["tau2"], 0.3132)


def test_knapp_hartung_meta_regression_matches_metafor(bcg):
    # metafor README, test="knha": F(1, 11) = 12.5905, p 0.0046; intrcpt 0.2515 (0.2839) CI -0.3735 to 0.8764;
    # ablat -0.0291 (0.0082) t -3.5483, CI -0.0472 to -0.0111
    r = analysis.fit("meta_analysis", bcg, **SPEC, moderators="ablat", knapp_hartung=True, reml_tolerance=1e-5)
    t, d = terms(r), r.diagnostics
    assert printed(t["intercept"].std_error, 0.2839) and printed(t["intercept"].ci_low, -0.3735)
    assert printed(t["intercept"].ci_high, 0.8764) and printed(t["intercept"].p_value, 0.3948)
    assert printed(t["ablat"].std_error, 0.0082) and printed(t["ablat"].estimate / t["ablat"].std_error, -3.5483)
    assert printed(t["ablat"].ci_low, -0.0472) and printed(t["ablat"].ci_high, -0.0111)
    assert d["qm_test"] == "F" and printed(d["qm"], 12.5905) and printed(d["qm_p_value"], 0.0046)


def test_fully_converged_reml_is_the_restricted_likelihood_maximum(bcg):
    # By default REML iterates to 1e-10, which lands 5e-5 from metafor's stopping point and higher on
    # the restricted likelihood; an independent bounded optimiser (scipy) finds the same maximum.
    y, v = bcg["log_rr"].to_numpy(), bcg["se"].to_numpy() ** 2
    X = np.column_stack([np.ones(len(y)), bcg["ablat"].to_numpy(float)])
    r = analysis.fit("meta_analysis", bcg, **SPEC, moderators=["ablat"])
    tau2 = r.diagnostics["tau2_residual"]
    peak = optimize.minimize_scalar(lambda t: -meta.restricted_loglik(t, y, v, X), bounds=(0, 1),
                                    method="bounded", options={"xatol": 1e-12}).x
    assert tau2 == pytest.approx(peak, abs=1e-7)
    assert abs(tau2 - 0.0764) < 1e-4
    metafor_stop = meta.tau2_reml(y, v, X, tolerance=1e-5)
    assert meta.restricted_loglik(tau2, y, v, X) >= meta.restricted_loglik(metafor_stop, y, v, X)


@pytest.mark.parametrize("method", ["reml", "dl"])
def test_identical_studies_show_no_heterogeneity(method):
    se = np.array([0.1, 0.2, 0.15, 0.3, 0.25])
    df = pd.DataFrame({"est": 0.3, "se": se})
    r = analysis.fit("meta_analysis", df, estimate="est", std_error="se", method=method)
    assert r.main.estimate == pytest.approx(0.3, abs=1e-12)
    assert r.main.std_error == pytest.approx(1 / np.sqrt(np.sum(1 / se**2)), rel=1e-12)
    d = r.diagnostics
    assert d["tau2"] == 0.0 and d["i2"] == 0.0 and d["q"] == pytest.approx(0.0, abs=1e-12)
    assert d["q_p_value"] == pytest.approx(1.0)
    assert r.sample["studies"] == [f"study {i}" for i in range(1, 6)]


def test_moderator_explaining_everything_is_recovered_exactly():
    partners = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    df = pd.DataFrame({"est": 0.5 - 0.2 * partners, "se": np.linspace(0.05, 0.12, 8), "sectors": partners})
    r = analysis.fit("meta_analysis", df, estimate="est", std_error="se", moderators=["sectors"])
    t, d = terms(r), r.diagnostics
    assert t["intercept"].estimate == pytest.approx(0.5, abs=1e-10)
    assert t["sectors"].estimate == pytest.approx(-0.2, abs=1e-10)
    assert d["tau2_residual"] == 0.0 and d["r2"] == 1.0 and d["tau2"] > 0.1
    assert r.plot_data()["fitted"].iloc[:8].to_numpy() == pytest.approx(df["est"].to_numpy(), abs=1e-10)


def test_planted_heterogeneity_is_recovered_from_many_studies():
    rng = np.random.default_rng(12)
    k, mu, tau2 = 400, 0.2, 0.04
    se = rng.uniform(0.1, 0.3, k)
    df = pd.DataFrame({"est": mu + rng.normal(0, np.sqrt(tau2), k) + rng.normal(0, se), "se": se})
    r = analysis.fit("meta_analysis", df, estimate="est", std_error="se")
    d = r.diagnostics
    assert abs(d["tau2"] - tau2) < 3 * d["tau2_se"]
    assert abs(r.main.estimate - mu) < 3 * r.main.std_error


def test_forest_frame_and_result_views(bcg):
    r = analysis.fit("meta_analysis", bcg, **SPEC, moderators=["ablat"])
    forest = r.plot_data()
    assert list(forest.columns) == ["label", "estimate", "std_error", "ci_low", "ci_high", "weight", "kind",
                                    "pi_low", "pi_high", "fitted"]
    studies, pooled = forest[forest["kind"] == "study"], forest[forest["kind"] == "pooled"]
    assert len(studies) == 13 and len(pooled) == 1 and forest["kind"].iloc[-1] == "pooled"
    assert studies["weight"].sum() == pytest.approx(100.0)
    assert studies["label"].iloc[0] == "Aronson, 1948"
    first = studies.iloc[0]
    assert first["ci_low"] == pytest.approx(first["estimate"] - 1.959963984540054 * first["std_error"], rel=1e-12)
    assert pooled["pi_low"].iloc[0] == r.diagnostics["prediction_low"] < pooled["ci_low"].iloc[0]
    assert list(r.tidy().columns) == TIDY_COLUMNS and r.tidy()["term"].tolist() == ["pooled", "intercept", "ablat"]
    d = r.diagnostics
    assert d["comparison_group"] is None
    assert {"tau2", "i2", "q", "q_p_value", "n_studies", "tau2_residual", "r2", "qm", "qm_p_value"} <= set(d)
    payload = json.loads(json.dumps(r.to_dict()))
    assert payload["sample"]["n_treated_units"] is None and payload["spec"]["moderators"] == ["ablat"]
    assert "REML" in r.method and "ablat" in r.method and "pooled" in r.summary()


def test_registry_lists_meta_analysis():
    assert "meta_analysis" in set(analysis.designs()["design"])


@pytest.mark.parametrize("change, spec, message", [
    (lambda d: d.iloc[:1], {}, "1 studies are too few"),
    (lambda d: d.iloc[:2], {"moderators": ["ablat"]}, "at least 3 are needed"),
    (lambda d: d.assign(se=d["se"].where(d.index != 2, 0.0)), {}, "must be positive; row 2"),
    (lambda d: d.assign(log_rr=d["log_rr"].where(d.index != 4)), {}, "missing or non-numeric"),
    (lambda d: d.assign(area=d["area"].where(d.index != 4)), {}, "label column 'area' has missing"),
    (lambda d: d, {"method": "pm"}, "method='pm' is not known"),
    (lambda d: d.assign(const=1.0), {"moderators": ["const"]}, "constant or collinear"),
    (lambda d: d, {"moderators": ["partners"]}, "moderator='partners' is not a column"),
])
def test_specification_errors_say_what_to_change(bcg, change, spec, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("meta_analysis", change(bcg), **SPEC | spec)
