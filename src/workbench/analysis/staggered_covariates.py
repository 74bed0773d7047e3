"""Callaway-Sant'Anna group-time effects with covariates: the outcome-regression estimator.

For cell (g, t) with base period b, the sample is cohort g (D = 1) and its comparison units (D = 0).
The change dY = Y_t - Y_b of the comparison units is regressed (weighted least squares) on X: an
intercept (or, with strata, one dummy per stratum) and the covariates measured in the base period,
as R `did` does for panel data (its `panel2cs2` keeps the earlier period's covariates). Then

    ATT(g, t) = mean over D of w dY / mean of w D  -  mean over D of w X'beta / mean of w D,

DRDID's `reg_did_panel`. Its influence function adds the estimation effect of beta (the `lin.ols`
term), and is scaled by n / n_gt and placed among all n units as R's `compute.att_gt` does, so that
the aggregations, analytic standard errors and multiplier bootstrap of `staggered` apply unchanged.
Checked against R `did` 2.5.0 with `xformla = ~lpop` on mpdta (tests/analysis/test_staggered_covariates.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analysis import reproducible
from workbench.errors import SpecificationError

ESTIMATORS = ("reg",)


def covariate_array(data: pd.DataFrame, unit: str, time: str, covariates: list[str], units: pd.Index,
                    periods: np.ndarray) -> np.ndarray:
    """Covariates as a units x periods x k array, in the panel's unit and period order."""
    layers = []
    for name in covariates:
        if name not in data.columns:
            raise SpecificationError(f"covariate '{name}' is not a column of the data")
        values = pd.to_numeric(data[name], errors="coerce")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise SpecificationError(f"covariate '{name}' has a missing or non-numeric value for {unit}="
                                     f"{data[unit].iloc[row]}, {time}={data[time].iloc[row]}; fill or drop it")
        wide = values.groupby([data[unit], pd.to_numeric(data[time])]).first().unstack()
        layers.append(wide.reindex(index=units, columns=periods).to_numpy(dtype=float))
    return np.stack(layers, axis=2)


def outcome_regression_cells(Y: np.ndarray, X: np.ndarray, cohort: np.ndarray, w: np.ndarray,
                             periods: np.ndarray, cohorts: np.ndarray, control: str,
                             strata: np.ndarray | None = None):
    """ATT(g,t) and influence functions (n x cells) by outcome regression on covariates.

    Returns (group, time, base period, tj, bj, att, inf, n_treated, n_comparison) arrays, cells
    ordered cohort by cohort and period by period as `staggered.group_time_effects` orders them.
    """
    n, n_periods = Y.shape
    start = np.searchsorted(periods, cohorts)
    gi, tj = np.meshgrid(np.arange(len(cohorts)), np.arange(1, n_periods), indexing="ij")
    gi, tj = gi.ravel(), tj.ravel()
    bj = np.where(tj < start[gi], tj - 1, start[gi] - 1)
    labels = np.unique(np.zeros(n) if strata is None else np.asarray(strata), return_inverse=True)[1].ravel()
    att = np.empty(len(gi))
    inf = np.zeros((n, len(gi)))
    n_treated, n_comparison = np.empty(len(gi), dtype=int), np.empty(len(gi), dtype=int)
    for k, (g, t, b) in enumerate(zip(cohorts[gi], tj, bj)):
        treated = cohort == g
        comparison = (cohort == 0) | ((cohort > periods[t]) & ~treated if control == "not_yet_treated" else False)
        sample = treated | comparison
        design = _design(X[sample, b, :], labels[sample], comparison[sample], g, periods[t])
        att[k], psi = _reg_did(Y[sample, t] - Y[sample, b], design, treated[sample].astype(float), w[sample])
        inf[sample, k] = n / sample.sum() * psi
        n_treated[k], n_comparison[k] = int(treated.sum()), int(comparison.sum())
    return cohorts[gi], periods[tj], periods[bj], tj, bj, att, inf, n_treated, n_comparison


def _design(x: np.ndarray, labels: np.ndarray, comparison: np.ndarray, g, t) -> np.ndarray:
    """[intercept or stratum dummies | covariates] for one cell's sample."""
    present = np.unique(labels)
    if len(present) == 1:
        return np.column_stack([np.ones(len(x)), x])
    dummies = (labels[:, None] == present[None, :]).astype(float)
    empty = present[~(dummies[comparison].sum(axis=0) > 0)]
    if len(empty):
        raise SpecificationError(f"a stratum has units of cohort {g} but no comparison units in period {t}; "
                                 "drop that stratum or fit without strata")
    return np.column_stack([dummies, x])


def _reg_did(dy: np.ndarray, x: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """DRDID's reg_did_panel: the outcome-regression ATT and its influence function (one per unit)."""
    mm = reproducible.matmul
    ols_w = w * (1.0 - d)
    xtwx = mm(x.T * ols_w, x)
    if not reproducible.cholesky(xtwx)[1].all():
        raise SpecificationError("the covariates are collinear (or constant) among the comparison units of a "
                                 "group-time cell; drop one of them")
    beta = reproducible.spd_solve(xtwx, mm(x.T * ols_w, dy))
    fitted = mm(x, beta)
    w_treat = w * d
    eta_treat = np.add.reduce(w_treat * dy) / np.add.reduce(w_treat)
    eta_cont = np.add.reduce(w_treat * fitted) / np.add.reduce(w_treat)
    mean_w = np.add.reduce(w_treat) / len(d)
    inf_treat = (w_treat * dy - w_treat * eta_treat) / mean_w
    bread = reproducible.spd_inverse(xtwx / len(d))
    lin_ols = mm((ols_w * (dy - fitted))[:, None] * x, bread)
    m1 = np.add.reduce(w_treat[:, None] * x, axis=0) / len(d)
    inf_control = (w_treat * fitted - w_treat * eta_cont + mm(lin_ols, m1)) / mean_w
    return float(eta_treat - eta_cont), inf_treat - inf_control
