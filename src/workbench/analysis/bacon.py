"""Goodman-Bacon (2021) decomposition: the 2x2 comparisons that two-way fixed effects averages.

With staggered adoption, the TWFE difference-in-differences coefficient (`did` without strata or
weights) on a balanced panel is exactly a weighted average of simple 2x2 DiDs between timing groups
(cohorts, by first treated period; Goodman-Bacon 2021, Theorem 1):

- "treated vs never treated": cohort k against the never-treated units, over every period;
- "earlier vs later treated": cohort k against a later cohort l before l starts (l not yet treated);
- "later vs earlier treated": cohort l against the earlier cohort k after k started (k already
  treated: biased if k's effect changes over time, the comparison `staggered_did` never makes).

Each weight is the 2x2's share of the observations squared times the variance of its two-way
demeaned treatment, over the variance of the whole panel's, e.g. for k against the never-treated
U: (n_k + n_U)^2 n_kU (1 - n_kU) D_k (1 - D_k) / V(D), with n the shares of units, n_kU =
n_k / (n_k + n_U) and D_k the share of periods in which k is treated. The weights sum to 1.

    from workbench import analysis
    parts = analysis.bacon(df, outcome="y", unit="area", time="year", treatment="treated")
    parts.groupby("type")[["weight"]].sum()
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analysis.panel_checks import (
    is_balanced, plain, require_absorbing, require_binary, require_columns, require_numeric, require_unique_unit_time,
)
from workbench.errors import SpecificationError

COLUMNS = ["type", "treated", "control", "estimate", "weight"]
NEVER = 0  # the control label of the never-treated units (the cohort convention of staggered_did)


def bacon(data: pd.DataFrame, *, outcome: str, unit: str, time: str, treatment: str) -> pd.DataFrame:
    """The 2x2 comparisons behind the two-way fixed-effects DiD estimate, with their weights.

    One row per comparison: `type` (see the module note), `treated` and `control` (first treated
    period of each timing group; control 0 for the never-treated), `estimate` (the 2x2 DiD of group
    means) and `weight`. `(parts.weight * parts.estimate).sum()` equals the coefficient of design
    'did' (no strata, no weights) on the same data. Needs a balanced panel and a 0/1 treatment that
    stays on once started, with no unit treated in the first period.
    """
    require_columns(data, outcome=outcome, unit=unit, time=time, treatment=treatment)
    data = data.sort_values([unit, time], kind="stable").reset_index(drop=True)
    y = require_numeric(data, outcome, "outcome")
    d = require_binary(require_numeric(data, treatment, "treatment"), treatment)
    require_unique_unit_time(data, unit, time)
    if not is_balanced(data, unit, time):
        raise SpecificationError("the Bacon decomposition needs a balanced panel (every unit in every period); "
                                 "drop incomplete units first")
    require_absorbing(data, unit, time, d, treatment, "the Bacon decomposition")
    periods = np.sort(pd.unique(data[time]))
    n_units, n_periods = data[unit].nunique(), len(periods)
    Y, D = y.reshape(n_units, n_periods), d.reshape(n_units, n_periods)
    start = np.where(D.any(axis=1), D.argmax(axis=1), n_periods)  # first treated column; n_periods if never
    _check_groups(start, n_periods, data[unit].to_numpy()[::n_periods], periods)
    groups = np.unique(start)
    share = {g: float(np.mean(start == g)) for g in groups}
    mean = {g: Y[start == g].mean(axis=0) for g in groups}
    Dd = D - D.mean(axis=1, keepdims=True) - D.mean(axis=0, keepdims=True) + D.mean()
    variance = float(np.mean(Dd * Dd))

    def two_by_two(kind: str, g: int, c: int, lo: int, hi: int) -> dict:
        post = np.arange(lo, hi) >= g
        diff = mean[g][lo:hi] - mean[c][lo:hi]
        n_gc = share[g] / (share[g] + share[c])
        obs = (share[g] + share[c]) * (hi - lo) / n_periods
        weight = obs ** 2 * n_gc * (1 - n_gc) * post.mean() * (1 - post.mean()) / variance
        label = NEVER if c == n_periods else plain(periods[c])
        return {"type": kind, "treated": plain(periods[g]), "control": label,
                "estimate": float(diff[post].mean() - diff[~post].mean()), "weight": float(weight)}

    treated = [g for g in groups if g < n_periods]
    rows = [two_by_two("treated vs never treated", k, n_periods, 0, n_periods)
            for k in treated if n_periods in share]
    for i, k in enumerate(treated):
        for l in treated[i + 1:]:
            rows.append(two_by_two("earlier vs later treated", k, l, 0, l))
            rows.append(two_by_two("later vs earlier treated", l, k, k, n_periods))
    return pd.DataFrame(rows, columns=COLUMNS)


def _check_groups(start: np.ndarray, n_periods: int, units: np.ndarray, periods: np.ndarray) -> None:
    if (start == 0).any():
        raise SpecificationError(f"unit {units[np.flatnonzero(start == 0)[0]]} is treated in the first period "
                                 f"({plain(periods[0])}), so it has no pre-period; drop it or extend the panel")
    if not (start < n_periods).any():
        raise SpecificationError("no unit is ever treated; check the treatment column")
    if len(np.unique(start)) < 2:
        raise SpecificationError("every unit starts treatment in the same period and none is never treated: "
                                 "there is no comparison to decompose")
