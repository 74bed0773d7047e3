"""Covariates in did and event_study: pyfixest's coefficients and errors, wildboottest's p-values, a planted confounder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.analysis.test_inference import peers_rule_p_value
from tests.known_truth import did_panel
from workbench import analysis
from workbench.errors import SpecificationError

SPEC = dict(outcome="y", unit="unit", time="year", treatment="post")
SSC = dict(k_adj=True, k_fixef="full", G_adj=True)


def confounded_panel(n_units=60, n_treated=15, effect=1.0, seed=0) -> pd.DataFrame:
    """A time-varying covariate x that rises in treated units after the start and moves y by 2 x."""
    df = did_panel(n_units=n_units, n_treated=n_treated, effect=0.0, noise=0.5, seed=seed)
    rng = np.random.default_rng(seed + 100)
    df["x"] = rng.normal(0, 1, len(df)) + 1.5 * df["post"]
    df["y"] = df["y"] + effect * df["post"] + 2.0 * df["x"]
    return df


def test_did_with_a_time_varying_covariate_equals_pyfixest():
    pf = pytest.importorskip("pyfixest")
    df = confounded_panel()
    ours = analysis.fit("did", df, **SPEC, covariates=["x"], draws=999)
    peer = pf.feols("y ~ post + x | unit + year", data=df, vcov={"CRV1": "unit"}, ssc=pf.ssc(**SSC))
    assert ours.main.estimate == pytest.approx(peer.coef()["post"], abs=1e-9)
    assert ours.main.std_error == pytest.approx(peer.se()["post"], abs=1e-9)
    assert ours.diagnostics["cluster_p_value"] == pytest.approx(peer.pvalue()["post"], abs=1e-9)
    assert "with covariates x" in ours.method and ours.spec["covariates"] == ["x"]


def test_a_confounding_covariate_biases_the_estimate_until_it_is_adjusted_for():
    df = confounded_panel(effect=1.0, seed=3)
    naive = analysis.fit("did", df, **SPEC, draws=999, checks=False)
    adjusted = analysis.fit("did", df, **SPEC, covariates=["x"], draws=999, checks=False)
    assert naive.main.ci_low > 3.0                       # 1 + 2 x 1.5: the covariate's shift taken as effect
    assert adjusted.main.ci_low < 1.0 < adjusted.main.ci_high


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_wild_bootstrap_with_a_covariate_follows_the_peers_rule_exactly(seed):
    # Ten clusters, every sign vector enumerated; the covariate is refitted in every draw by both.
    df = confounded_panel(n_units=10, n_treated=4, effect=0.6, seed=seed)
    ours = analysis.fit("did", df, **SPEC, covariates=["x"], draws=9999)
    assert ours.diagnostics["wild_bootstrap_draws"] == 1024
    assert ours.main.p_value == peers_rule_p_value(df, covariates=("x",))
    assert np.isnan(ours.diagnostics["randomisation_p_value"])      # not available with covariates


def test_event_study_with_a_covariate_equals_pyfixest():
    pf = pytest.importorskip("pyfixest")
    df = confounded_panel(seed=4)
    df["first"] = np.where(df.groupby("unit")["post"].transform("max") == 1, 2005, 0)
    ours = analysis.fit("event_study", df, outcome="y", unit="unit", time="year", cohort="first", covariates=["x"])
    df["rel"] = np.where(df["first"] > 0, df["year"] - df["first"], -1000)
    peer = pf.feols("y ~ i(rel, ref=-1) + x | unit + year", data=df.assign(rel=df["rel"].where(df["first"] > 0, -1)),
                    vcov={"CRV1": "unit"}, ssc=pf.ssc(**SSC))
    coefs = peer.coef()
    for e in ours.estimates[1:]:
        k = int(e.term.split("=")[1])
        name = next(n for n in coefs.index if n.startswith("rel::") and float(n.split("::")[1].split("]")[0]) == k)
        assert e.estimate == pytest.approx(coefs[name], abs=1e-9) and e.std_error == pytest.approx(peer.se()[name], abs=1e-9)
    assert "x" not in [e.term for e in ours.estimates]
    assert 0 <= ours.diagnostics["pre_trend_p_value"] <= 1


def test_randomisation_inference_is_refused_with_covariates():
    with pytest.raises(SpecificationError, match="not available with covariates"):
        analysis.fit("did", confounded_panel(), **SPEC, covariates=["x"], inference="randomisation")


def test_a_covariate_on_a_large_scale_is_not_mistaken_for_a_collinear_one():
    # population-sized covariates (about 1e6) beside 0/1 indicators: the rank check is relative to
    # each column's own scale, so the fit goes through and equals the fit on the rescaled covariate.
    df = confounded_panel(seed=6)
    big = analysis.fit("did", df.assign(x=df["x"] * 1e6 + 3e6), **SPEC, covariates=["x"], draws=99, checks=False)
    small = analysis.fit("did", df, **SPEC, covariates=["x"], draws=99, checks=False)
    assert big.main.estimate == pytest.approx(small.main.estimate, rel=1e-8)
    with pytest.raises(SpecificationError, match="collinear"):
        analysis.fit("did", df.assign(x2=2 * df["x"]), **SPEC, covariates=["x", "x2"], draws=99, checks=False)
