"""Wild cluster bootstrap and randomisation inference against independent answers."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tests.known_truth import did_panel
from workbench import analysis

SPEC = dict(outcome="y", unit="unit", time="year", treatment="post")


def _dummies_model(df: pd.DataFrame, outcome: str = "y"):
    X = pd.concat([df[["post"]].astype(float).rename(columns={"post": "treated"}),
                   pd.get_dummies(df["unit"], prefix="u", drop_first=True, dtype=float),
                   pd.get_dummies(df["year"], prefix="t", drop_first=True, dtype=float)], axis=1)
    return sm.OLS(df[outcome].to_numpy(), sm.add_constant(X))


def _wildboottest_draws(df: pd.DataFrame, cluster: str = "unit", covariates: tuple[str, ...] = ()):
    """wildboottest's own bootstrap statistics: (|t*| per draw, |t|, weights draws x clusters, its p).

    The model has the treatment, unit and year dummies and `covariates`; errors and bootstrap
    weights are clustered by `cluster`.
    """
    from wildboottest.wildboottest import WildboottestCL

    model = _dummies_model(df)
    exog = np.column_stack([model.exog, *[df[c].to_numpy(dtype=float) for c in covariates]])
    boot = WildboottestCL(X=exog, Y=model.endog, cluster=pd.Categorical(df[cluster]).codes,
                          R=np.eye(exog.shape[1])[1], B=9999, seed=1)
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type="rademacher")
    for step in (boot.get_numer, boot.get_denom, boot.get_tboot, boot.get_vcov, boot.get_tstat, boot.get_pvalue):
        step()
    return np.abs(np.ravel(boot.t_boot)), abs(float(np.ravel(boot.t_stat)[0])), np.asarray(boot.v).T, boot.pvalue


def peers_rule_p_value(df: pd.DataFrame, cluster: str = "unit", covariates: tuple[str, ...] = ()) -> float:
    """wildboottest's draws counted by the peers' rule, the identity and sign-flipped draws never counted."""
    t_star, t_obs, v, _ = _wildboottest_draws(df, cluster, covariates)
    identity = np.all(v == v[:, :1], axis=1)
    return float(np.sum(t_star[~identity] > t_obs) / len(v))


@pytest.mark.parametrize("effect, seed", [(0.0, 4), (0.8, 7), (1.5, 9), (1.0, 3)])
def test_wild_bootstrap_p_value_follows_the_peers_rule_with_exact_ties(effect, seed):
    # Ten clusters: 2^10 = 1024 sign vectors, fewer than the draws asked for, so both enumerate every
    # Rademacher vector. The peers' rule (boottest, WildBootTests.jl, fwildclusterboot, wildboottest)
    # counts draws with |t*| strictly greater than |t|. The identity and sign-flipped vectors give back
    # the sample, so their |t*| equals |t| exactly and they never count; wildboottest computes them by
    # another route than |t| and decides them by rounding (see the next test). Every other draw must
    # be decided as wildboottest decides it.
    df = did_panel(n_units=10, n_treated=4, effect=effect, noise=1.0, seed=seed)
    ours = analysis.fit("did", df, **SPEC, draws=9999)
    t_star, t_obs, v, _ = _wildboottest_draws(df)
    identity = np.all(v == v[:, :1], axis=1)
    assert ours.diagnostics["wild_bootstrap_draws"] == len(v) == 1024 and identity.sum() == 2
    assert "all enumerated" in ours.method
    assert ours.main.p_value == np.sum(t_star[~identity] > t_obs) / 1024


def test_wildboottest_decides_the_exact_ties_by_rounding():
    # Shown, not hidden: on these panels wildboottest's own p-value counts the identity draws on some
    # panels and not on others (their |t*| lands an ulp or two above or below |t|), so its p-value moves
    # by 2/1024 with the last bits of a BLAS product. Ours never counts them.
    counted = []
    for effect, seed in [(0.0, 4), (0.8, 7), (1.5, 9), (1.0, 3), (0.5, 11), (0.3, 21)]:
        df = did_panel(n_units=10, n_treated=4, effect=effect, noise=1.0, seed=seed)
        t_star, t_obs, v, peer_p = _wildboottest_draws(df)
        identity = np.all(v == v[:, :1], axis=1)
        ours = analysis.fit("did", df, **SPEC, draws=9999).main.p_value
        assert np.all(np.abs(t_star[identity] - t_obs) <= 1e-12 * t_obs)      # ties in exact arithmetic
        assert peer_p * 1024 - ours * 1024 == np.sum(t_star[identity] > t_obs)  # the only difference
        counted.append(int(np.sum(t_star[identity] > t_obs)))
    print(f"identity draws wildboottest counted, per panel: {counted}")


def test_wild_bootstrap_interval_is_the_set_of_values_the_test_does_not_reject():
    # Shift the outcome by b0 * treatment: testing b = 0 on the shifted data is testing b = b0.
    wbt = pytest.importorskip("wildboottest.wildboottest")
    df = did_panel(n_units=10, n_treated=4, effect=1.0, noise=1.0, seed=3)
    r = analysis.fit("did", df, **SPEC, draws=9999)
    low, high = r.main.ci_low, r.main.ci_high
    assert low < r.main.estimate < high

    def p_at(b0):
        shifted = df.assign(y=df["y"] - b0 * df["post"])
        out = wbt.wildboottest(_dummies_model(shifted), param="treated",
                               cluster=pd.Categorical(df["unit"]).codes, B=9999, show=False)
        return float(out["p-value"].iloc[0])

    width = high - low
    assert p_at(low + 0.01 * width) > 0.05 and p_at(high - 0.01 * width) > 0.05
    assert p_at(low - 0.01 * width) <= 0.05 and p_at(high + 0.01 * width) <= 0.05


def test_randomisation_p_value_equals_brute_force_over_every_assignment():
    # 8 units, 2 treated: all 28 assignments of the treated path, each refitted with dummies and
    # clustered errors by statsmodels; p = share with |t| at least the observed one.
    df = did_panel(n_units=8, n_treated=2, periods=range(2000, 2006), start=2003, effect=0.7, seed=12)
    ours = analysis.fit("did", df, **SPEC, inference="randomisation", draws=9999)
    units = sorted(df["unit"].unique())
    late = df["year"] >= 2003

    def abs_t(treated_units):
        d = df.assign(post=(df["unit"].isin(treated_units) & late).astype(int))
        fit = _dummies_model(d).fit(cov_type="cluster", cov_kwds={"groups": pd.Categorical(d["unit"]).codes})
        return abs(fit.tvalues["treated"])

    observed = abs_t(["u000", "u001"])
    null = [abs_t(list(c)) for c in combinations(units, 2)]
    expected = np.mean([t >= observed - 1e-9 for t in null])
    assert ours.diagnostics["randomisation_draws"] == 28
    assert ours.main.p_value == pytest.approx(expected, abs=1e-12)


def test_randomisation_p_value_is_never_zero_with_sampled_reassignments():
    df = did_panel(n_units=60, n_treated=15, effect=20.0, noise=0.5, seed=1)
    r = analysis.fit("did", df, **SPEC, inference="randomisation", draws=999)
    assert r.main.p_value == pytest.approx(1 / 1000)


def test_randomisation_needs_a_balanced_unweighted_panel():
    from workbench.errors import SpecificationError

    df = did_panel(seed=2).iloc[1:]
    with pytest.raises(SpecificationError, match="balanced panel"):
        analysis.fit("did", df, **SPEC, inference="randomisation")
    assert np.isnan(analysis.fit("did", df, **SPEC).diagnostics["randomisation_p_value"])


def test_same_seed_same_answers_and_draws_are_reported():
    df = did_panel(n_units=40, n_treated=4, seed=5)
    a = analysis.fit("did", df, **SPEC, seed=1)
    b = analysis.fit("did", df, **SPEC, seed=1)
    assert a.to_dict() == b.to_dict()
    assert a.diagnostics["wild_bootstrap_draws"] == 9999 and "9999 Rademacher draws" in a.method


@pytest.mark.slow
def test_with_four_treated_units_bootstrap_and_randomisation_hold_their_size():
    # Few treated clusters (4 of 40), no effect, heteroskedastic AR(1) noise. Conventional CR1
    # t-tests are known to over-reject here (MacKinnon and Webb 2017); the wild bootstrap and the
    # randomisation test must stay near 5%.
    reps, rejections = 200, {"cluster": 0, "wild_bootstrap": 0, "randomisation": 0}
    for seed in range(reps):
        r = analysis.fit("did", did_panel(n_units=40, n_treated=4, effect=0.0, rho=0.5, seed=seed),
                         **SPEC, draws=999, seed=seed)
        for kind in rejections:
            rejections[kind] += r.diagnostics[f"{kind}_p_value"] < 0.05
    rates = {k: v / reps for k, v in rejections.items()}
    print(f"rejection rates at 5% with 4 treated of 40: {rates}")
    assert rates["wild_bootstrap"] <= 0.08 and rates["randomisation"] <= 0.08
    assert rates["cluster"] >= rates["randomisation"]


def test_randomisation_within_strata_matches_brute_force_over_within_stratum_assignments():
    # 8 units in 2 regions of 4, one treated unit per region: 16 assignments that keep one treated
    # unit in each region. Each is refitted with unit and region-by-year dummies (statsmodels); our
    # sampled within-strata permutations must give the same p-value up to Monte Carlo error.
    df = did_panel(n_units=8, n_treated=0, periods=range(2000, 2006), start=2003, seed=5)
    df["region"] = np.where(df["unit"] < "u004", "north", "south")
    treated = ["u000", "u004"]
    late = df["year"] >= 2003
    df["post"] = (df["unit"].isin(treated) & late).astype(int)
    df["y"] += 0.6 * df["post"]
    ours = analysis.fit("did", df, **SPEC, strata="region", inference="randomisation", draws=20000)

    def abs_t(units):
        d = df.assign(post=(df["unit"].isin(units) & late).astype(int))
        X = pd.concat([d[["post"]].astype(float), pd.get_dummies(d["unit"], dtype=float),
                       pd.get_dummies(d["region"] + d["year"].astype(str), dtype=float)
                       .drop(columns=["north2000", "south2000"])], axis=1)
        fit = sm.OLS(d["y"].to_numpy(), X).fit(cov_type="cluster", cov_kwds={"groups": pd.Categorical(d["unit"]).codes})
        return abs(fit.tvalues["post"])

    observed = abs_t(treated)
    null = [abs_t([a, b]) for a in ("u000", "u001", "u002", "u003") for b in ("u004", "u005", "u006", "u007")]
    expected = np.mean([t >= observed - 1e-9 for t in null])
    assert ours.main.p_value == pytest.approx(expected, abs=0.015)


def test_the_draws_that_reproduce_the_sample_are_recognised_from_the_weights():
    from workbench.analysis.inference import exceeding, reproduces_sample

    v = np.array([[1, 1, 1], [-1, -1, -1], [1, -1, 1], [1, 1, -1], [np.sqrt(1.5)] * 3])
    assert reproduces_sample(v).tolist() == [True, True, False, False, False]
    # a cluster whose data the fixed effects absorb (a unit alone in its stratum) does not matter
    assert reproduces_sample(v, live=np.array([True, True, False])).tolist() == [True, True, False, True, False]
    stats, ties = np.array([2.0, 2.0, 3.0, 1.0, 2.0]), np.array([True, True, False, False, False])
    assert exceeding(stats, 2.0, ties, strict=True) == 1      # only 3.0: ties never count, 2.0 is not > 2.0
    assert exceeding(stats, 2.0, ties, strict=False) == 4     # the two exact ties, 3.0 and the other 2.0
