"""Difference-in-differences with two-way fixed effects, and inference for few treated areas.

Model: y[i, t] = a[i] + g[t] + beta * D[i, t] + e[i, t], fitted by (weighted) least squares with
unit and period effects swept out (`twfe.fit_within`; identical to OLS with dummies). Three kinds
of inference, all reported, one chosen for the headline interval and p-value:

- "cluster": CR1 standard errors clustered by unit (G/(G-1)(N-1)/(N-K), K counting every fixed
  effect), t with G-1 degrees of freedom; the convention of Stata's `regress, vce(cluster)`.
- "wild_bootstrap" (the default): wild cluster restricted bootstrap of the CR1 t statistic,
  Rademacher weights (enumerated when there are few clusters), interval by test inversion.
- "randomisation": permutation of treatment paths across units, studentised statistic.

The standard error shown is always the CR1 one; with few treated units the bootstrap and
randomisation p-values are the honest ones (MacKinnon and Webb 2017; Young 2019).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analysis.bacon import bacon
from workbench.analysis.event_study import fit_event_study
from workbench.analysis.inference import randomisation_test, wild_cluster_bootstrap
from workbench.analysis.panel_checks import (
    check_did_design, cluster_groups, cluster_text, is_balanced, period_effects, plain, require_absorbing,
    require_binary, require_columns, require_numeric, require_unique_unit_time,
)
from workbench.analysis.registry import register
from workbench.analysis.results import Estimate, Result
from workbench.analysis.sensitivity import pre_period_drift
from workbench.analysis.twfe import fit_within
from workbench.errors import DesignWarning, SpecificationError

INFERENCE = ("wild_bootstrap", "cluster", "randomisation")
_METHOD = "Two-way fixed effects difference-in-differences (unit and period fixed effects, least squares); "
_INFERENCE_TEXT = {
    "cluster": "interval and p-value from errors clustered by unit (CR1), t with G-1 degrees of freedom",
    "wild_bootstrap": "interval and p-value from a wild cluster restricted bootstrap ({draws} Rademacher "
                      "draws{exact}) of the CR1 t statistic, interval by test inversion; standard error CR1",
    "randomisation": "p-value from randomisation inference ({draws} reassignments of treatment paths{exact}, "
                     "studentised); interval and standard error CR1 clustered by unit",
}


def fit_did(data: pd.DataFrame, *, outcome: str, unit: str, time: str, treatment: str,
            weights: str | None = None, strata: str | None = None, inference: str = "wild_bootstrap",
            draws: int = 9999, seed: int = 20100324, checks: bool = True, confidence: float = 0.95,
            covariates: list[str] | None = None, cluster: str | None = None) -> Result:
    """Estimate the average effect of `treatment` (0/1) on `outcome` in a long panel.

    `inference` picks the headline interval and p-value ("wild_bootstrap", "cluster" or
    "randomisation"); with `checks` (the default) all three are computed and kept in `diagnostics`.
    `draws` bootstrap draws and reassignments, seeded by `seed`. With `strata` (a column constant
    within unit, e.g. region) the period effects are estimated within each stratum, so pilot units
    are compared only with comparison units of their own stratum (region-by-period fixed effects).
    `covariates` (numeric columns, which may vary over time, as pyfixest's formula terms) enter the
    regression beside the treatment; the wild bootstrap refits them in every draw; randomisation
    inference is not available with covariates. `cluster` names a column that nests the units (e.g.
    region) to cluster the errors, the bootstrap weights and the randomisation statistic by.

    With `checks`, a treatment that switches off is refused (the pre-trend check is an event study on
    each unit's first treated period); `checks=False` fits such an on/off indicator, without that
    check. Treated units starting in different periods (staggered adoption) give a `DesignWarning`
    naming `staggered_did`, and the diagnostics record the cohorts and the weight two-way fixed
    effects puts on comparisons with already-treated units (`analysis.bacon`).
    """
    if inference not in INFERENCE:
        raise SpecificationError(f"inference='{inference}' is not known; use one of: {', '.join(INFERENCE)}")
    require_columns(data, outcome=outcome, unit=unit, time=time, treatment=treatment, weights=weights)
    data = data.sort_values([unit, time], kind="stable").reset_index(drop=True)
    y = require_numeric(data, outcome, "outcome")
    d = require_binary(require_numeric(data, treatment, "treatment"), treatment)
    require_unique_unit_time(data, unit, time)
    check_did_design(data, unit, time, d)
    if checks:
        require_absorbing(data, unit, time, d, treatment, "did's pre-trend check (an event study on the first "
                                                          "treated period)")
    w = None if weights is None else require_numeric(data, weights, "weights")
    covariates = list(covariates or [])
    if covariates and inference == "randomisation":
        raise SpecificationError("randomisation inference is not available with covariates; "
                                 "use inference='wild_bootstrap'")
    z = [require_numeric(data, c, "covariate") for c in covariates]

    ever = pd.Series(d, index=data.index).groupby(data[unit]).transform("max").to_numpy(bool)
    units, periods = pd.Categorical(data[unit]), period_effects(data, unit, time, strata, ever)
    fit = fit_within(y, np.column_stack([d.astype(float), *z]), units, periods, w,
                     cluster_groups(data, unit, cluster))
    beta, se = float(fit.coef[0]), float(fit.std_errors[0])
    t_crit = stats.t.ppf(0.5 + confidence / 2, fit.df)
    conventional = Estimate("treated", beta, se, beta - t_crit * se, beta + t_crit * se,
                       float(2 * stats.t.sf(abs(beta / se), fit.df)))
    boot, ri = _robust_inference(data, fit, d, w, unit, time, strata, inference, checks, draws, seed, confidence)
    headline = {
        "cluster": lambda: conventional,
        "wild_bootstrap": lambda: Estimate("treated", beta, se, boot.ci_low, boot.ci_high, boot.p_value),
        "randomisation": lambda: Estimate("treated", beta, se, conventional.ci_low, conventional.ci_high, ri.p_value),
    }[inference]()

    first_post = data.loc[d, time].min()
    sample = _sample(data, unit, time, ever, first_post, fit.n_units)
    plot = group_means(data, outcome, unit, time, ever, first_post, strata)
    diagnostics = {
        "comparison_group": True,
        "pre_period_trend_gap": pre_period_drift(plot),
        "n_pre_periods": int((plot["period"] < first_post).sum()),
        "cluster_p_value": conventional.p_value,
        "cluster_ci": [conventional.ci_low, conventional.ci_high],
        "wild_bootstrap_p_value": boot.p_value if boot else math.nan,
        "wild_bootstrap_ci": [boot.ci_low, boot.ci_high] if boot else [math.nan, math.nan],
        "wild_bootstrap_draws": boot.draws if boot else 0,
        "randomisation_p_value": ri.p_value if ri else math.nan,
        "randomisation_draws": ri.draws if ri else 0,
        **(_pre_trend_test(data, outcome, unit, time, d, weights, strata, covariates, cluster) if checks else {}),
        **_staggered_timing(data, outcome, unit, time, treatment, d, weights, strata),
    }
    used = {"cluster": None, "wild_bootstrap": boot, "randomisation": ri}[inference]
    design = _METHOD if strata is None else _METHOD.replace("period fixed effects", f"period fixed effects within {strata}")
    if covariates:
        design = design.replace("least squares); ", f"least squares) with covariates {', '.join(covariates)}; ")
    inference_text = _INFERENCE_TEXT[inference]
    if cluster:
        inference_text = inference_text.replace("clustered by unit", cluster_text(cluster, fit.n_clusters))
        inference_text = inference_text.replace("CR1 t statistic",
                                                f"CR1 t statistic {cluster_text(cluster, fit.n_clusters)}")
    method = design + inference_text.format(
        draws=used.draws if used else 0, exact=", all enumerated" if used and used.enumerated else "")
    spec = {"outcome": outcome, "unit": unit, "time": time, "treatment": treatment, "weights": weights,
            "strata": strata, "inference": inference, "draws": draws, "seed": seed, "checks": checks,
            "covariates": covariates, "cluster": cluster}
    return Result("did", method, (headline,), spec, sample, diagnostics, plot, confidence)


def _robust_inference(data, fit, d, w, unit, time, strata, inference, checks, draws, seed, confidence):
    """The wild cluster bootstrap and randomisation tests asked for (None where not run or not possible)."""
    n_times = data[time].nunique()
    balanced = is_balanced(data, unit, time)
    if inference == "randomisation" and not (balanced and w is None):
        raise SpecificationError("randomisation inference needs a balanced panel without weights; "
                                 "use inference='wild_bootstrap'")
    boot = (wild_cluster_bootstrap(fit, draws=draws, confidence=confidence, seed=seed)
            if checks or inference == "wild_bootstrap" else None)
    strata_codes = data[strata].to_numpy()[::n_times] if strata is not None and balanced else None
    one_regressor = fit.x.shape[1] == 1                   # no covariates: reassigning paths is a row permutation
    ri = (randomisation_test(fit, d, n_times, draws=draws, seed=seed, strata=strata_codes)
          if (checks or inference == "randomisation") and balanced and w is None and one_regressor else None)
    return boot, ri


def _pre_trend_test(data: pd.DataFrame, outcome: str, unit: str, time: str, d: np.ndarray,
                    weights: str | None, strata: str | None, covariates: list[str], cluster: str | None) -> dict:
    """The event study's joint test that the leads are zero (the treatment stays on once started)."""
    first = data[time].where(pd.Series(d, index=data.index)).groupby(data[unit]).transform("min")
    study = fit_event_study(data.assign(_cohort=first.fillna(0)), outcome=outcome, unit=unit, time=time,
                            cohort="_cohort", weights=weights, strata=strata, covariates=covariates, cluster=cluster)
    return {k: study.diagnostics[k] for k in ("pre_trend_statistic", "pre_trend_df", "pre_trend_p_value",
                                                "pre_trend_test")}


def _staggered_timing(data: pd.DataFrame, outcome: str, unit: str, time: str, treatment: str, d: np.ndarray,
                      weights: str | None, strata: str | None) -> dict:
    """Warn when treated units start in different periods; record the cohorts and the Bacon weight.

    The weight is the share of the two-way fixed-effects estimate that comes from comparing later-
    treated units with already-treated ones (Goodman-Bacon 2021), where the decomposition applies:
    a balanced panel, no weights or strata, a treatment that stays on (NaN otherwise).
    """
    on = pd.Series(d, index=data.index)
    cohorts = sorted(plain(c) for c in data[time].where(on).groupby(data[unit]).min().dropna().unique())
    if len(cohorts) < 2:
        return {}
    warnings.warn(DesignWarning(
        f"treated units start in {len(cohorts)} different periods ({', '.join(map(str, cohorts))}): two-way fixed "
        "effects then also compares later-treated units with already-treated ones and can be biased when "
        "effects change over time; fit design 'staggered_did' (Callaway and Sant'Anna), and see "
        "analysis.bacon(...) for the comparisons this estimate averages"), stacklevel=3)
    share = math.nan
    if weights is None and strata is None and is_balanced(data, unit, time) and \
            (on.groupby(data[unit]).diff().fillna(0) >= 0).all():
        parts = bacon(data, outcome=outcome, unit=unit, time=time, treatment=treatment)
        share = float(parts.loc[parts["type"] == "later vs earlier treated", "weight"].sum())
    return {"staggered_cohorts": cohorts, "bacon_already_treated_control_weight": share}


def _sample(data: pd.DataFrame, unit: str, time: str, ever: np.ndarray, first_post, n_units: int) -> dict:
    treated_units = sorted(map(str, data.loc[ever, unit].unique()))
    control_units = sorted(map(str, data.loc[~ever, unit].unique()))
    return {
        "n_obs": int(len(data)),
        "n_units": int(n_units),
        "n_treated_units": len(treated_units),
        "n_comparison_units": len(control_units),
        "first_period": _scalar(data[time].min()),
        "last_period": _scalar(data[time].max()),
        "first_post_period": _scalar(first_post),
        "treated_units": treated_units,
        "comparison_units": control_units,
    }


def group_means(data: pd.DataFrame, outcome: str, unit: str, time: str, ever: np.ndarray,
                first_post, strata: str | None = None) -> pd.DataFrame:
    """Mean outcome per period for pilot and comparison units, and the DiD counterfactual.

    The counterfactual for the pilot group is the comparison mean plus the pilot-comparison gap
    averaged over the pre-periods: the parallel-trends path the DiD estimate is measured against.
    With `strata` the comparison mean is taken within each stratum and weighted by the pilots'
    shares of units in the strata, so that the chart compares like with like, as the estimate does.
    """
    frame = pd.DataFrame({"period": data[time].to_numpy(), "y": pd.to_numeric(data[outcome]).to_numpy(),
                          "group": np.where(ever, "pilot", "comparison"),
                          "stratum": data[strata].to_numpy() if strata else 0, "unit": data[unit].to_numpy()})
    means = frame.groupby(["period", "group"], sort=True)["y"].agg(["mean", "size"]).unstack("group")
    comparison = means[("mean", "comparison")]
    if strata:
        shares = frame[frame["group"] == "pilot"].groupby("stratum")["unit"].nunique()
        by_stratum = frame[frame["group"] == "comparison"].groupby(["period", "stratum"])["y"].mean().unstack()
        comparison = (by_stratum[shares.index] * (shares / shares.sum())).sum(axis=1).reindex(means.index)
    pre = means.index < first_post
    gap = (means[("mean", "pilot")] - comparison)[pre].mean()
    out = pd.DataFrame({
        "period": means.index.to_numpy(),
        "pilot": means[("mean", "pilot")].to_numpy(),
        "comparison": comparison.to_numpy(),
        "counterfactual": (comparison + gap).to_numpy(),
        "n_pilot": means[("size", "pilot")].to_numpy(dtype=int),
        "n_comparison": means[("size", "comparison")].to_numpy(dtype=int),
        "post": ~pre,
    })
    return out


def _scalar(value):
    return value.item() if hasattr(value, "item") else value


register("did", fit_did, "Difference-in-differences, two-way fixed effects; wild cluster bootstrap and randomisation inference")
