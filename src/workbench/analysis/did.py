"""Difference-in-differences with two-way fixed effects and area-clustered standard errors.

Model: y[i, t] = a[i] + g[t] + beta * D[i, t] + e[i, t], fitted by (weighted) least squares with
unit and period dummies (statsmodels). Standard errors are clustered by unit with statsmodels'
CR1 small-sample factor G/(G-1) * (N-1)/(N-K), K counting every dummy, and intervals use a t
distribution with G-1 degrees of freedom, the convention of Stata's `regress, vce(cluster)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from workbench.analysis.panel_checks import (
    check_did_design, require_binary, require_columns, require_numeric, require_unique_unit_time,
)
from workbench.analysis.registry import register
from workbench.analysis.results import Estimate, Result

METHOD = ("Two-way fixed effects difference-in-differences (unit and period fixed effects, OLS); "
          "standard errors clustered by unit (CR1, G/(G-1)(N-1)/(N-K)); t with G-1 degrees of freedom")


def fit_did(data: pd.DataFrame, *, outcome: str, unit: str, time: str, treatment: str,
            weights: str | None = None, confidence: float = 0.95) -> Result:
    """Estimate the average effect of `treatment` (0/1) on `outcome` in a long panel."""
    require_columns(data, outcome=outcome, unit=unit, time=time, treatment=treatment, weights=weights)
    data = data.reset_index(drop=True)
    y = require_numeric(data, outcome, "outcome")
    d = require_binary(require_numeric(data, treatment, "treatment"), treatment)
    require_unique_unit_time(data, unit, time)
    check_did_design(data, unit, time, d)
    w = None if weights is None else require_numeric(data, weights, "weights")

    units = pd.Categorical(data[unit])
    periods = pd.Categorical(data[time])
    design = np.column_stack([
        d.astype(float),
        np.ones(len(data)),
        pd.get_dummies(units, drop_first=True, dtype=float).to_numpy(),
        pd.get_dummies(periods, drop_first=True, dtype=float).to_numpy(),
    ])
    model = sm.WLS(y, design, weights=w) if w is not None else sm.OLS(y, design)
    groups = units.codes
    fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    n_clusters = len(units.categories)
    beta, se = float(fitted.params[0]), float(fitted.bse[0])
    t_crit = stats.t.ppf(0.5 + confidence / 2, n_clusters - 1)
    p_value = float(2 * stats.t.sf(abs(beta / se), n_clusters - 1))
    estimate = Estimate("treated", beta, se, beta - t_crit * se, beta + t_crit * se, p_value)

    ever = pd.Series(d, index=data.index).groupby(data[unit]).transform("max").to_numpy(bool)
    treated_units = sorted(map(str, data.loc[ever, unit].unique()))
    control_units = sorted(map(str, data.loc[~ever, unit].unique()))
    first_post = data.loc[d, time].min()
    sample = {
        "n_obs": int(len(data)),
        "n_units": int(n_clusters),
        "n_treated_units": len(treated_units),
        "n_comparison_units": len(control_units),
        "first_period": _scalar(data[time].min()),
        "last_period": _scalar(data[time].max()),
        "first_post_period": _scalar(first_post),
        "treated_units": treated_units,
        "comparison_units": control_units,
    }
    plot = group_means(data, outcome, unit, time, ever, first_post)
    diagnostics = {"pre_period_trend_gap": pre_trend_gap(plot, first_post),
                   "n_pre_periods": int((plot["period"] < first_post).sum())}
    spec = {"outcome": outcome, "unit": unit, "time": time, "treatment": treatment, "weights": weights}
    return Result("did", METHOD, (estimate,), spec, sample, diagnostics, plot, confidence)


def group_means(data: pd.DataFrame, outcome: str, unit: str, time: str, ever: np.ndarray,
                first_post) -> pd.DataFrame:
    """Mean outcome per period for pilot and comparison units, and the DiD counterfactual.

    The counterfactual for the pilot group is the comparison mean plus the pilot-comparison gap
    averaged over the pre-periods: the parallel-trends path the DiD estimate is measured against.
    """
    frame = pd.DataFrame({"period": data[time].to_numpy(), "y": pd.to_numeric(data[outcome]).to_numpy(),
                          "group": np.where(ever, "pilot", "comparison")})
    means = frame.groupby(["period", "group"], sort=True)["y"].agg(["mean", "size"]).unstack("group")
    pre = means.index < first_post
    gap = (means[("mean", "pilot")] - means[("mean", "comparison")])[pre].mean()
    out = pd.DataFrame({
        "period": means.index.to_numpy(),
        "pilot": means[("mean", "pilot")].to_numpy(),
        "comparison": means[("mean", "comparison")].to_numpy(),
        "counterfactual": (means[("mean", "comparison")] + gap).to_numpy(),
        "n_pilot": means[("size", "pilot")].to_numpy(dtype=int),
        "n_comparison": means[("size", "comparison")].to_numpy(dtype=int),
        "post": ~pre,
    })
    return out


def pre_trend_gap(plot: pd.DataFrame, first_post) -> float:
    """Slope per period of the pilot-minus-comparison gap over the pre-periods (0 if parallel)."""
    pre = plot[plot["period"] < first_post]
    if len(pre) < 2:
        return float("nan")
    slope = np.polyfit(pre["period"].astype(float), (pre["pilot"] - pre["comparison"]).to_numpy(), 1)[0]
    return float(slope)


def _scalar(value):
    return value.item() if hasattr(value, "item") else value


register("did", fit_did, "Difference-in-differences, two-way fixed effects, errors clustered by unit")
