"""Errors clustered by groups of units (cluster=): pyfixest, wildboottest and brute force agree."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tests.analysis.test_inference import _dummies_model, peers_rule_p_value
from tests.known_truth import did_panel
from workbench import analysis
from workbench.errors import SpecificationError

SPEC = dict(outcome="y", unit="unit", time="year", treatment="post")
SSC = dict(k_adj=True, k_fixef="full", G_adj=True)


def regional_panel(n_units=48, n_treated=12, n_regions=8, effect=0.5, seed=0) -> pd.DataFrame:
    """did_panel with each unit in one of `n_regions` regions and a shock shared within each region."""
    df = did_panel(n_units=n_units, n_treated=n_treated, effect=effect, seed=seed)
    codes = {u: f"r{i % n_regions}" for i, u in enumerate(sorted(df["unit"].unique()))}
    df["region"] = df["unit"].map(codes)
    shock = np.random.default_rng(seed + 7).normal(0, 0.7, (n_regions, df["year"].nunique()))
    df["y"] += shock[df["region"].str[1:].astype(int), df["year"] - df["year"].min()]
    return df


def test_did_clustered_by_region_equals_pyfixest():
    pf = pytest.importorskip("pyfixest")
    df = regional_panel()
    ours = analysis.fit("did", df, **SPEC, cluster="region", draws=999)
    peer = pf.feols("y ~ post | unit + year", data=df, vcov={"CRV1": "region"}, ssc=pf.ssc(**SSC))
    assert ours.main.estimate == pytest.approx(peer.coef()["post"], abs=1e-9)
    assert ours.main.std_error == pytest.approx(peer.se()["post"], abs=1e-9)
    assert ours.diagnostics["cluster_p_value"] == pytest.approx(peer.pvalue()["post"], abs=1e-9)
    assert "clustered by region (8 clusters; with only 8 clusters" in ours.method


def test_event_study_clustered_by_region_equals_pyfixest():
    pf = pytest.importorskip("pyfixest")
    df = regional_panel(seed=2)
    df["first"] = np.where(df.groupby("unit")["post"].transform("max") == 1, 2005, 0)
    ours = analysis.fit("event_study", df, outcome="y", unit="unit", time="year", cohort="first", cluster="region")
    peer = pf.feols("y ~ i(rel, ref=-1) | unit + year", vcov={"CRV1": "region"}, ssc=pf.ssc(**SSC),
                    data=df.assign(rel=np.where(df["first"] > 0, df["year"] - df["first"], -1)))
    se = peer.se()
    for e in ours.estimates[1:]:
        k = int(e.term.split("=")[1])
        name = next(n for n in se.index if float(n.split("::")[1].split("]")[0]) == k)
        assert e.std_error == pytest.approx(se[name], abs=1e-9)
    assert 0 <= ours.diagnostics["pre_trend_p_value"] <= 1


@pytest.mark.parametrize("seed", [0, 3])
def test_wild_bootstrap_by_region_equals_wildboottest_draws_under_the_peers_rule(seed):
    # 8 regions: all 256 sign vectors, one weight per region, enumerated by both.
    df = regional_panel(seed=seed)
    ours = analysis.fit("did", df, **SPEC, cluster="region", draws=9999)
    assert ours.diagnostics["wild_bootstrap_draws"] == 256
    assert ours.main.p_value == peers_rule_p_value(df, cluster="region")


def test_randomisation_with_region_clusters_equals_brute_force():
    # 8 units in 4 regions of 2, 2 treated: all 28 assignments refitted with dummies, errors by region.
    df = did_panel(n_units=8, n_treated=2, periods=range(2000, 2006), start=2003, effect=0.7, seed=12)
    df["region"] = df["unit"].map({u: f"r{i // 2}" for i, u in enumerate(sorted(df["unit"].unique()))})
    ours = analysis.fit("did", df, **SPEC, cluster="region", inference="randomisation", draws=9999)
    late = df["year"] >= 2003

    def abs_t(treated_units):
        d = df.assign(post=(df["unit"].isin(treated_units) & late).astype(int))
        fit = _dummies_model(d).fit(cov_type="cluster", cov_kwds={"groups": pd.Categorical(d["region"]).codes})
        return abs(fit.tvalues["treated"])

    observed = abs_t(["u000", "u001"])
    null = np.array([abs_t(list(c)) for c in combinations(sorted(df["unit"].unique()), 2)])
    assert ours.diagnostics["randomisation_draws"] == 28
    # the observed assignment counts as a tie exactly; elsewhere no two statistics are within 1e-9
    assert ours.main.p_value == pytest.approx((np.sum(null > observed + 1e-9) + 1) / 28, abs=1e-12)


def test_clusters_must_nest_the_units():
    df = regional_panel()
    moving = df.assign(region=np.where(df["year"] > 2005, "r0", df["region"]))
    with pytest.raises(SpecificationError, match="must nest the units"):
        analysis.fit("did", moving, **SPEC, cluster="region")
    with pytest.raises(SpecificationError, match="single value"):
        analysis.fit("did", df.assign(region="all"), **SPEC, cluster="region")
