"""Interrupted time series: segmented regression of one series with Newey-West errors.

Model, for periods t of one series (a single area, or the mean over the named units per period):

    y[t] = b0 + b1 * (t - start) + b2 * post[t] + b3 * (t - start) * post[t] + e[t],

post[t] = 1 from `start` on. b2 ("level_change") is the jump at `start`, b3 ("slope_change") the
change in slope per period, and "post_period_effect" the average over the post-periods of the
gap between the fitted post line and the pre-period line extended, b2 + b3 * mean(t - start),
with its standard error from the same covariance (a linear combination, so exact).
Centring time at `start` changes only the intercept, not b1, b2 or b3.

Errors: OLS with Newey-West HAC covariance (Bartlett kernel, statsmodels `cov_type="HAC"`),
maximum lag floor(4 (n/100)^(2/9)) unless given, small-sample factor n/(n-4), and t intervals
with n-4 degrees of freedom. HAC assumes the periods are equally spaced; the lags count rows.
In short, strongly autocorrelated series these intervals are too narrow: in simulations with
AR(1) errors (rho 0.5) a nominal 95% interval for the level change covered the truth 79% of the
time with 40 periods and 86% with 120 (1,000 series each); read them with that in mind.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from workbench.analysis.panel_checks import require_columns, require_numeric, require_unique_unit_time
from workbench.analysis.registry import register
from workbench.analysis.results import Estimate, Result
from workbench.errors import SpecificationError

MIN_PRE_PERIODS = 3
TERMS = ("level_change", "slope_change", "post_period_effect")


def default_maxlags(n_periods: int) -> int:
    """Newey and West's (1994) rule of thumb for the Bartlett lag window: floor(4 (n/100)^(2/9))."""
    return int(math.floor(4 * (n_periods / 100.0) ** (2.0 / 9.0)))


def fit_its(data: pd.DataFrame, *, outcome: str, time: str, start, unit: str | None = None,
            maxlags: int | None = None, confidence: float = 0.95) -> Result:
    """Segmented regression of `outcome` on `time` with a level and slope change at `start`."""
    if isinstance(start, (bool, np.bool_)) or not isinstance(start, (int, float, np.integer, np.floating)):
        raise SpecificationError(f"start={start!r} must be a number on the scale of the {time} column")
    series, units = build_series(data, outcome=outcome, time=time, unit=unit)
    period = series["period"].to_numpy()
    post = period >= start
    _check_design(period, post, start, time)
    n = len(series)
    lags = default_maxlags(n) if maxlags is None else int(maxlags)
    if not 0 <= lags < n:
        raise SpecificationError(f"maxlags={maxlags} must be a whole number from 0 to {n - 1} for {n} periods")

    X = design_matrix(period, start)
    y = series["observed"].to_numpy(float)
    fitted = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True},
                              use_t=True)
    params, cov, df_resid = np.asarray(fitted.params), np.asarray(fitted.cov_params()), n - X.shape[1]
    contrasts = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 1, float(np.mean(period[post] - start))]])
    estimates = tuple(_t_estimate(term, c, params, cov, df_resid, confidence)
                      for term, c in zip(TERMS, contrasts))

    resid = y - X @ params
    plot = series.assign(fitted=X @ params, counterfactual=X[:, :2] @ params[:2], post=post)
    plot = plot[["period", "observed", "fitted", "counterfactual", "post", "n_units"]]
    diagnostics = {
        "comparison_group": False,
        "n_pre_periods": int((~post).sum()),
        "n_post_periods": int(post.sum()),
        "pre_trend_slope": float(params[1]),
        **residual_diagnostics(resid, y, lags=min(10, max(1, n // 5))),
        "hac_maxlags": lags,
    }
    sample = _sample(series, units, unit, post)
    spec = {"outcome": outcome, "time": time, "start": _scalar(start), "unit": unit, "maxlags": maxlags}
    method = (f"Interrupted time series: segmented OLS regression of {sample['series']} on time, "
              f"with a level and slope change from {_scalar(start)}; Newey-West HAC standard errors "
              f"(Bartlett kernel, {lags} lags{' by floor(4(n/100)^(2/9))' if maxlags is None else ''}, "
              f"small-sample factor n/(n-k)); t intervals with n-k = {df_resid} degrees of freedom; "
              "no comparison series")
    return Result("its", method, estimates, spec, sample, diagnostics, plot.reset_index(drop=True),
                  confidence)


def build_series(data: pd.DataFrame, *, outcome: str, time: str,
                 unit: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per period: the outcome (or its mean over units) and how many units it covers."""
    require_columns(data, outcome=outcome, time=time, unit=unit)
    data = data.reset_index(drop=True)
    y = require_numeric(data, outcome, "outcome")
    t = require_numeric(data, time, "time")
    if np.all(t == np.round(t)):
        t = t.astype(np.int64)
    if unit is None:
        dup = pd.Series(t).duplicated()
        if dup.any():
            raise SpecificationError(
                f"more than one row for {time}={_scalar(t[dup.to_numpy()][0])}; give unit=... to average "
                "several units per period, or keep one row per period"
            )
        frame = pd.DataFrame({"period": t, "observed": y, "n_units": 1})
        return frame.sort_values("period").reset_index(drop=True), []
    require_unique_unit_time(data, unit, time)
    frame = pd.DataFrame({"period": t, "y": y, "unit": data[unit].to_numpy()})
    series = frame.groupby("period", sort=True).agg(observed=("y", "mean"), n_units=("unit", "nunique"))
    return series.reset_index(), sorted(map(str, frame["unit"].unique()))


def design_matrix(period: np.ndarray, start) -> np.ndarray:
    """Columns: intercept, time since start, post indicator, time since start after start."""
    since = period.astype(float) - float(start)
    post = (period >= start).astype(float)
    return np.column_stack([np.ones_like(since), since, post, since * post])


def lag1_autocorrelation(resid: np.ndarray) -> float:
    """First-order autocorrelation of the residuals: sum r[t] r[t-1] / sum r[t]^2 (demeaned)."""
    r = resid - resid.mean()
    return float(r[1:] @ r[:-1] / (r @ r))


def residual_diagnostics(resid: np.ndarray, y: np.ndarray, *, lags: int) -> dict:
    """Lag-1 autocorrelation, Ljung-Box p-value at `lags` and Durbin-Watson (NaN for an exact fit)."""
    centred = y - y.mean()
    if float(resid @ resid) <= 1e-20 * max(float(centred @ centred), 1e-300):
        nan = float("nan")
        return {"residual_autocorrelation": nan, "ljung_box_p_value": nan, "ljung_box_lags": lags,
                "durbin_watson": nan}
    lb = acorr_ljungbox(resid, lags=[lags])
    return {"residual_autocorrelation": lag1_autocorrelation(resid),
            "ljung_box_p_value": float(lb["lb_pvalue"].iloc[0]), "ljung_box_lags": lags,
            "durbin_watson": float(durbin_watson(resid))}


def _t_estimate(term: str, c: np.ndarray, params: np.ndarray, cov: np.ndarray, df: int,
                confidence: float) -> Estimate:
    est = float(c @ params)
    se = float(math.sqrt(max(float(c @ cov @ c), 0.0)))
    crit = stats.t.ppf(0.5 + confidence / 2, df)
    p = float(2 * stats.t.sf(abs(est / se), df)) if se > 0 else float("nan")
    return Estimate(term, est, se, est - crit * se, est + crit * se, p)


def _check_design(period: np.ndarray, post: np.ndarray, start, time: str) -> None:
    first, last = _scalar(period.min()), _scalar(period.max())
    if not period.min() < start <= period.max():
        raise SpecificationError(
            f"start={_scalar(start)} is outside the series ({time} {first} to {last}); it must be after "
            "the first period and no later than the last"
        )
    n_pre, n_post = int((~post).sum()), int(post.sum())
    if n_pre < MIN_PRE_PERIODS:
        raise SpecificationError(
            f"only {n_pre} pre-periods before start={_scalar(start)}; at least {MIN_PRE_PERIODS} are needed "
            "to fit the pre-period line: extend the series back or move start later"
        )
    if n_post < 1:
        raise SpecificationError(f"no post-period from start={_scalar(start)}; move start earlier")
    if len(period) - 4 < 1:
        raise SpecificationError(f"{len(period)} periods leave no degrees of freedom for 4 coefficients")


def _sample(series: pd.DataFrame, units: list[str], unit: str | None, post: np.ndarray) -> dict:
    n_units = max(len(units), 1)
    described = (f"the mean over {len(units)} units of {unit} per period" if units
                 else "a single series")
    return {
        "n_obs": int(len(series)),
        "n_units": n_units,
        "n_treated_units": n_units,
        "n_comparison_units": 0,
        "first_period": _scalar(series["period"].min()),
        "last_period": _scalar(series["period"].max()),
        "first_post_period": _scalar(series.loc[post, "period"].min()),
        "series": described,
        "units_per_period_min": int(series["n_units"].min()),
        "units_per_period_max": int(series["n_units"].max()),
        "treated_units": units,
        "comparison_units": [],
    }


def _scalar(value):
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


register("its", fit_its, "Interrupted time series, segmented regression with Newey-West (HAC) errors")
