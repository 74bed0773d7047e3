"""Callaway-Sant'Anna group-time effects with covariates: outcome regression, IPW, doubly robust.

For cell (g, t) with base period b, the sample is cohort g (D = 1) and its comparison units (D = 0).
The change dY = Y_t - Y_b of the comparison units is regressed (weighted least squares) on X: an
intercept (or, with strata, one dummy per stratum) and the covariates measured in the base period,
as R `did` does for panel data (its `panel2cs2` keeps the earlier period's covariates). Then

    ATT(g, t) = mean over D of w dY / mean of w D  -  mean over D of w X'beta / mean of w D,

DRDID's `reg_did_panel` ("reg"). "ipw" (`std_ipw_did_panel`) reweights the comparison units by the
odds of a logistic propensity score fitted on X (scores capped at 1 - 1e-6, comparison units with a
score of 0.995 or more trimmed, as R DRDID and csdid do); "dr" (`drdid_panel`, R did's default)
combines both. Each influence function adds the estimation effect of the regression and of the
propensity score, and is scaled by n / n_gt and placed among all n units as R's `compute.att_gt`
does, so that the aggregations, analytic standard errors and multiplier bootstrap of `staggered`
apply unchanged. Checked against R `did` 2.5.0 with `xformla = ~lpop` on mpdta and against csdid
(tests/analysis/test_staggered_covariates.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analysis import reproducible
from workbench.errors import SpecificationError

ESTIMATORS = ("dr", "ipw", "reg")
TRIM_LEVEL = 0.995          # comparison units with a propensity score at or above this are left out
PS_CAP = 1 - 1e-6


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


def adjusted_cells(Y: np.ndarray, X: np.ndarray, cohort: np.ndarray, w: np.ndarray,
                             periods: np.ndarray, cohorts: np.ndarray, control: str,
                             strata: np.ndarray | None = None, estimator: str = "reg"):
    """ATT(g,t) and influence functions (n x cells) by `estimator` ("reg", "ipw" or "dr") on covariates.

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
        att[k], psi = ESTIMATOR[estimator](Y[sample, t] - Y[sample, b], design, treated[sample].astype(float),
                                           w[sample])
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
    fitted, lin_ols = _comparison_regression(dy, x, d, w)
    w_treat = w * d
    eta_treat = np.add.reduce(w_treat * dy) / np.add.reduce(w_treat)
    eta_cont = np.add.reduce(w_treat * fitted) / np.add.reduce(w_treat)
    mean_w = np.add.reduce(w_treat) / len(d)
    m1 = np.add.reduce(w_treat[:, None] * x, axis=0) / len(d)
    inf_treat = (w_treat * dy - w_treat * eta_treat) / mean_w
    inf_control = (w_treat * fitted - w_treat * eta_cont + reproducible.matmul(lin_ols, m1)) / mean_w
    return float(eta_treat - eta_cont), inf_treat - inf_control


def _ipw_did(dy: np.ndarray, x: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """DRDID's std_ipw_did_panel: the normalised IPW ATT and its influence function."""
    ps, keep, lin_ps = _propensity(x, d, w)
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1 - d) / (1 - ps)
    eta_treat = np.add.reduce(w_treat * dy) / np.add.reduce(w_treat)
    eta_cont = np.add.reduce(w_cont * dy) / np.add.reduce(w_cont)
    n = len(d)
    inf_treat = (w_treat * dy - w_treat * eta_treat) / (np.add.reduce(w_treat) / n)
    m2 = np.add.reduce((w_cont * (dy - eta_cont))[:, None] * x, axis=0) / n
    inf_control = (w_cont * dy - w_cont * eta_cont + reproducible.matmul(lin_ps, m2)) / (np.add.reduce(w_cont) / n)
    return float(eta_treat - eta_cont), inf_treat - inf_control


def _dr_did(dy: np.ndarray, x: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """DRDID's drdid_panel: the doubly robust ATT (outcome regression and IPW) and its influence function."""
    mm = reproducible.matmul
    ps, keep, lin_ps = _propensity(x, d, w)
    fitted, lin_ols = _comparison_regression(dy, x, d, w)
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1 - d) / (1 - ps)
    resid = dy - fitted
    eta_treat = np.add.reduce(w_treat * resid) / np.add.reduce(w_treat)
    eta_cont = np.add.reduce(w_cont * resid) / np.add.reduce(w_cont)
    n = len(d)
    m1 = np.add.reduce(w_treat[:, None] * x, axis=0) / n
    inf_treat = (w_treat * resid - w_treat * eta_treat - mm(lin_ols, m1)) / (np.add.reduce(w_treat) / n)
    m2 = np.add.reduce((w_cont * (resid - eta_cont))[:, None] * x, axis=0) / n
    m3 = np.add.reduce(w_cont[:, None] * x, axis=0) / n
    inf_control = ((w_cont * resid - w_cont * eta_cont + mm(lin_ps, m2) - mm(lin_ols, m3))
                   / (np.add.reduce(w_cont) / n))
    return float(eta_treat - eta_cont), inf_treat - inf_control


def _comparison_regression(dy, x, d, w) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of dy on x among the comparison units: fitted values, and its
    asymptotic linear representation (one row per unit)."""
    mm = reproducible.matmul
    ols_w = w * (1.0 - d)
    xtwx = mm(x.T * ols_w, x)
    if not reproducible.cholesky(xtwx)[1].all():
        raise SpecificationError("the covariates are collinear (or constant) among the comparison units of a "
                                 "group-time cell; drop one of them")
    fitted = mm(x, reproducible.spd_solve(xtwx, mm(x.T * ols_w, dy)))
    return fitted, mm((ols_w * (dy - fitted))[:, None] * x, reproducible.spd_inverse(xtwx / len(d)))


def _propensity(x: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logistic propensity score of d on x (weighted maximum likelihood by Newton's method): the capped
    scores, which units are kept (comparison units under TRIM_LEVEL) and the score's asymptotic
    linear representation (one row per unit), with the information at the capped scores as R DRDID."""
    mm = reproducible.matmul
    gamma = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-mm(x, gamma)))
        information = mm(x.T * (w * p * (1 - p)), x)
        if not reproducible.cholesky(information)[1].all():
            raise SpecificationError("the propensity score cannot be fitted in a group-time cell: the covariates are "
                                     "collinear or separate the cohort from its comparison units perfectly")
        step = reproducible.spd_solve(information, mm(x.T, w * (d - p)))
        gamma = gamma + step
        if np.max(np.abs(step)) < 1e-12 * max(1.0, float(np.max(np.abs(gamma)))):
            break
    else:
        raise SpecificationError("the propensity score did not converge in a group-time cell (the covariates may "
                                 "separate the cohort from its comparison units); use estimator='reg'")
    ps = np.minimum(1.0 / (1.0 + np.exp(-mm(x, gamma))), PS_CAP)
    keep = np.where(d == 1, ps < 1.01, ps < TRIM_LEVEL).astype(float)
    hessian = reproducible.spd_inverse(mm(x.T * (w * ps * (1 - ps)), x)) * len(d)
    return ps, keep, mm((w * (d - ps))[:, None] * x, hessian)


ESTIMATOR = {"reg": _reg_did, "ipw": _ipw_did, "dr": _dr_did}
