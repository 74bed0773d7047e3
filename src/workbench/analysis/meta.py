"""Random-effects meta-analysis of pilots' estimates, and mixed-effects meta-regression.

Each row is one study (a pilot's own estimate and standard error). The model is
y_i = x_i'b + u_i + e_i with u_i ~ N(0, tau^2) and e_i ~ N(0, se_i^2), fitted by weighted least
squares with weights 1/(se_i^2 + tau^2), the conventions of R's metafor `rma()`:

- tau^2 by REML or by DerSimonian-Laird (its moment form with moderators). REML uses metafor's
  Fisher scoring (Hedges start, step-halving at the bound 0, tau^2 = 0 if that is likelier) but
  iterates until tau^2 moves by less than `reml_tolerance` (1e-10; metafor stops at 1e-5, so its
  printed 4th decimal can differ: pass reml_tolerance=1e-5 to reproduce it digit for digit).
  The SE of the REML tau^2 is sqrt(2 / tr(P P)) from the expected information (none for DL).
- Wald z tests and normal intervals, or Knapp-Hartung: covariance scaled by y'Py/(k-p), t with
  k-p degrees of freedom (F for the moderator test).
- Heterogeneity: Cochran's Q with its chi-squared p-value; I^2 = tau^2/(tau^2 + s^2) and
  H^2 = (tau^2 + s^2)/s^2 with the "typical" sampling variance s^2 = (k-p)/tr(P) at tau^2 = 0
  (these equal (Q-df)/Q and Q/df for DL). I^2 and R^2 are proportions (0.92 for 92%).
- Prediction interval for a new study's effect: pooled +/- crit * sqrt(SE^2 + tau^2), crit the
  normal quantile, or t with k-1 degrees of freedom under Knapp-Hartung (metafor's `predict`).
- With moderators, R^2 = (tau^2 - residual tau^2)/tau^2 (floored at 0), tau^2 from the model
  without moderators by the same method; QM is the Wald test that all moderator slopes are zero.

Layout: tidy() holds "pooled" (the random-effects average, the headline) and, with moderators,
"intercept" and one row per moderator. The studies themselves are rows of plot_data(), the
forest-plot frame, with the pooled row and its prediction interval at the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from workbench.analysis.panel_checks import require_columns, require_numeric
from workbench.analysis.registry import register
from workbench.analysis.results import Estimate, Result
from workbench.errors import SpecificationError

METHODS = {"reml": "REML", "dl": "DerSimonian-Laird"}
_MAX_ITER = 500


def fit_meta_analysis(data: pd.DataFrame, *, estimate: str, std_error: str, label: str | None = None,
                      method: str = "reml", moderators: Sequence[str] | str | None = None,
                      knapp_hartung: bool = False, reml_tolerance: float = 1e-10,
                      confidence: float = 0.95) -> Result:
    """Pool studies' `estimate`s (with `std_error`s) by random effects; optionally regress on `moderators`."""
    method = str(method).lower()
    if method not in METHODS:
        raise SpecificationError(f"method='{method}' is not known; use one of: {', '.join(METHODS)}")
    mods = [moderators] if isinstance(moderators, str) else list(moderators or [])
    y, v, labels, Z = _read_studies(data, estimate, std_error, label, mods)
    k = len(y)
    ones = np.ones((k, 1))
    options = {"method": method, "knapp_hartung": knapp_hartung, "reml_tolerance": reml_tolerance}
    pooled = fit_random_effects(y, v, ones, **options)
    estimates = [_estimate("pooled", pooled, 0, confidence)]
    diagnostics = _heterogeneity(pooled, k, confidence)
    plot = forest_frame(y, v, labels, pooled, confidence)
    if mods:
        reg = fit_random_effects(y, v, np.column_stack([ones, Z]), **options)
        estimates += [_estimate(term, reg, j, confidence) for j, term in enumerate(["intercept", *mods])]
        diagnostics |= _regression_diagnostics(reg, pooled["tau2"])
        plot["fitted"] = np.append(reg["X"] @ reg["b"], np.nan)
    spec = {"estimate": estimate, "std_error": std_error, "label": label, "method": method,
            "moderators": mods, "knapp_hartung": bool(knapp_hartung), "reml_tolerance": reml_tolerance}
    sample = {"n_obs": k, "n_studies": k, "n_units": k, "n_treated_units": float("nan"),
              "n_comparison_units": float("nan"), "studies": labels}
    return Result("meta_analysis", _describe(method, knapp_hartung, mods, k), tuple(estimates), spec,
                  sample, diagnostics, plot, confidence)


def fit_random_effects(y: np.ndarray, v: np.ndarray, X: np.ndarray, *, method: str = "reml",
                       knapp_hartung: bool = False, reml_tolerance: float = 1e-10) -> dict:
    """Estimate tau^2 (REML or DL) and the coefficients b of y = Xb + u + e; a dict of the pieces."""
    k, p = X.shape
    tau2 = tau2_reml(y, v, X, tolerance=reml_tolerance) if method == "reml" else tau2_dl(y, v, X)
    W = 1.0 / (v + tau2)
    vb = np.linalg.inv(X.T @ (X * W[:, None]))
    b = vb @ (X.T @ (W * y))
    P = _p_matrix(W, X)
    df = k - p
    scale = max(float(y @ P @ y), 0.0) / df if knapp_hartung else 1.0
    tau2_se = float(np.sqrt(2.0 / np.sum(P * P))) if method == "reml" else float("nan")
    return {"b": b, "vb": vb * scale, "tau2": float(tau2), "tau2_se": tau2_se, "X": X,
            "df": df if knapp_hartung else None, "q": _cochran_q(y, v, X), "s2": _typical_variance(v, X)}


def tau2_dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """DerSimonian-Laird: (Q - (k-p)) / tr(P) with fixed-effect weights, floored at 0."""
    P = _p_matrix(1.0 / v, X)
    k, p = X.shape
    return max(0.0, (float(y @ P @ y) - (k - p)) / float(np.trace(P)))


def tau2_he(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """Hedges' moment estimator from the OLS residuals, floored at 0 (the REML starting value)."""
    k, p = X.shape
    M = np.eye(k) - X @ np.linalg.solve(X.T @ X, X.T)
    return max(0.0, (float(y @ M @ y) - float(np.sum(np.diag(M) * v))) / (k - p))


def tau2_reml(y: np.ndarray, v: np.ndarray, X: np.ndarray, *, tolerance: float = 1e-10) -> float:
    """REML tau^2 by metafor's Fisher scoring (Hedges start, step-halving at 0) until it moves < tolerance."""
    tau2 = tau2_he(y, v, X)
    for _ in range(_MAX_ITER):
        P = _p_matrix(1.0 / (v + tau2), X)
        Py = P @ y
        step = (float(Py @ Py) - float(np.trace(P))) / float(np.sum(P * P))
        while tau2 + step < 0 < tau2:
            step /= 2
        new = max(0.0, tau2 + step)
        if abs(new - tau2) <= tolerance:
            tau2 = new
            break
        tau2 = new
    else:  # no convergence: a bounded 1-D search of the restricted likelihood instead
        upper = 10.0 * (float(np.var(y)) + float(v.max()))
        tau2 = float(optimize.minimize_scalar(lambda t: -restricted_loglik(t, y, v, X), bounds=(0.0, upper),
                                              method="bounded", options={"xatol": 1e-12}).x)
    return 0.0 if restricted_loglik(0.0, y, v, X) > restricted_loglik(tau2, y, v, X) else tau2


def restricted_loglik(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """Restricted log-likelihood of tau^2 (up to a constant)."""
    W = 1.0 / (v + tau2)
    XtWX = X.T @ (X * W[:, None])
    P = _p_matrix(W, X)
    return -0.5 * (float(np.sum(np.log(v + tau2))) + float(np.linalg.slogdet(XtWX)[1]) + float(y @ P @ y))


def forest_frame(y: np.ndarray, v: np.ndarray, labels: list[str], fit: dict, confidence: float) -> pd.DataFrame:
    """Forest-plot rows: each study (normal CI, random-effects weight in percent), then the pooled row."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    se = np.sqrt(v)
    w = 1.0 / (v + fit["tau2"])
    studies = pd.DataFrame({"label": labels, "estimate": y, "std_error": se, "ci_low": y - z * se,
                            "ci_high": y + z * se, "weight": 100 * w / w.sum(), "kind": "study",
                            "pi_low": np.nan, "pi_high": np.nan})
    pooled = _estimate("pooled", fit, 0, confidence)
    pi_low, pi_high = prediction_interval(fit, confidence)
    row = pd.DataFrame([{"label": "pooled", "estimate": pooled.estimate, "std_error": pooled.std_error,
                         "ci_low": pooled.ci_low, "ci_high": pooled.ci_high, "weight": 100.0,
                         "kind": "pooled", "pi_low": pi_low, "pi_high": pi_high}])
    return pd.concat([studies, row], ignore_index=True)


def prediction_interval(fit: dict, confidence: float) -> tuple[float, float]:
    """Where a new study's true effect is expected: pooled +/- crit * sqrt(SE^2 + tau^2)."""
    crit = _critical(fit["df"], confidence)
    mu, var = float(fit["b"][0]), float(fit["vb"][0, 0]) + fit["tau2"]
    return mu - crit * np.sqrt(var), mu + crit * np.sqrt(var)


def _read_studies(data: pd.DataFrame, estimate: str, std_error: str, label: str | None,
                  mods: list[str]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    require_columns(data, estimate=estimate, std_error=std_error, label=label)
    for m in mods:
        require_columns(data, moderator=m)
    data = data.reset_index(drop=True)
    y = require_numeric(data, estimate, "estimate")
    se = require_numeric(data, std_error, "std_error")
    if (se <= 0).any():
        first = int(np.flatnonzero(se <= 0)[0])
        raise SpecificationError(f"std_error column '{std_error}' must be positive; row {first} has {se[first]}")
    if label is not None and data[label].isna().any():
        raise SpecificationError(f"label column '{label}' has missing values; give every study a label")
    labels = [str(x) for x in data[label]] if label is not None else [f"study {i + 1}" for i in range(len(y))]
    Z = np.column_stack([require_numeric(data, m, "moderator") for m in mods]) if mods else np.empty((len(y), 0))
    needed = 2 + len(mods) if mods else 2
    if len(y) < needed:
        what = f"{len(mods)} moderator(s) and tau^2" if mods else "a pooled estimate and tau^2"
        raise SpecificationError(f"{len(y)} studies are too few to estimate {what}; at least {needed} are needed")
    if mods and np.linalg.matrix_rank(np.column_stack([np.ones(len(y)), Z])) < 1 + len(mods):
        raise SpecificationError(f"moderators {mods} are constant or collinear across studies; drop one")
    return y, se**2, labels, Z


def _p_matrix(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """P = W - W X (X'WX)^-1 X'W for diagonal weights W (given as a vector)."""
    WX = X * W[:, None]
    return np.diag(W) - WX @ np.linalg.solve(X.T @ WX, WX.T)


def _cochran_q(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    P = _p_matrix(1.0 / v, X)
    return max(float(y @ P @ y), 0.0)


def _typical_variance(v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    return (k - p) / float(np.trace(_p_matrix(1.0 / v, X)))


def _critical(df: int | None, confidence: float) -> float:
    q = 0.5 + confidence / 2
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def _estimate(term: str, fit: dict, j: int, confidence: float) -> Estimate:
    est, se = float(fit["b"][j]), float(np.sqrt(fit["vb"][j, j]))
    crit = _critical(fit["df"], confidence)
    if se == 0.0:  # Knapp-Hartung with studies that agree exactly: no sampling error left to test
        return Estimate(term, est, se, est, est, float("nan"))
    z = abs(est / se)
    p = 2 * (stats.norm.sf(z) if fit["df"] is None else stats.t.sf(z, fit["df"]))
    return Estimate(term, est, se, est - crit * se, est + crit * se, float(p))


def _heterogeneity(fit: dict, k: int, confidence: float) -> dict:
    tau2, s2 = fit["tau2"], fit["s2"]
    pi_low, pi_high = prediction_interval(fit, confidence)
    return {"comparison_group": None, "n_studies": k, "tau2": tau2, "tau2_se": fit["tau2_se"],
            "tau": float(np.sqrt(tau2)), "i2": tau2 / (tau2 + s2), "h2": (tau2 + s2) / s2,
            "q": fit["q"], "q_df": k - 1, "q_p_value": float(stats.chi2.sf(fit["q"], k - 1)),
            "prediction_low": float(pi_low), "prediction_high": float(pi_high)}


def _regression_diagnostics(reg: dict, tau2_total: float) -> dict:
    k, p = reg["X"].shape
    b, vb = reg["b"][1:], reg["vb"][1:, 1:]
    qm = float(b @ np.linalg.solve(vb, b))
    m = p - 1
    if reg["df"] is None:
        qm_p = float(stats.chi2.sf(qm, m))
    else:
        qm, qm_p = qm / m, float(stats.f.sf(qm / m, m, reg["df"]))
    tau2, s2 = reg["tau2"], reg["s2"]
    r2 = max(0.0, (tau2_total - tau2) / tau2_total) if tau2_total > 0 else 0.0
    return {"tau2_residual": tau2, "tau2_residual_se": reg["tau2_se"], "i2_residual": tau2 / (tau2 + s2),
            "h2_residual": (tau2 + s2) / s2, "r2": r2, "qe": reg["q"], "qe_df": k - p,
            "qe_p_value": float(stats.chi2.sf(reg["q"], k - p)), "qm": qm, "qm_df": m,
            "qm_test": "chi2" if reg["df"] is None else "F", "qm_p_value": qm_p}


def _describe(method: str, knapp_hartung: bool, mods: list[str], k: int) -> str:
    name = METHODS[method]
    text = (f"Random-effects meta-analysis of {k} studies (inverse-variance weights 1/(SE^2 + tau^2), "
            f"tau^2 by {name}); ")
    text += ("Knapp-Hartung standard errors with t intervals on k-p degrees of freedom"
             if knapp_hartung else "Wald standard errors with normal (z) intervals")
    text += "; prediction interval from SE^2 + tau^2"
    if mods:
        text += (f"; mixed-effects meta-regression on {', '.join(mods)} with residual tau^2 by {name}, "
                 f"moderators tested jointly ({'F' if knapp_hartung else 'chi-squared'} QM test)")
    return text


register("meta_analysis", fit_meta_analysis,
         "Random-effects meta-analysis (REML or DerSimonian-Laird) of pilots' estimates, with meta-regression")
