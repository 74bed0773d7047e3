"""Panels with a planted answer, for testing estimators against the truth, not their own output."""

from __future__ import annotations

import numpy as np
import pandas as pd


def did_panel(n_units: int = 60, n_treated: int = 15, periods: range = range(2000, 2010),
              start: int = 2005, effect: float = 2.0, noise: float = 1.0, rho: float = 0.0,
              trend_gap: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Unit and period effects, a constant effect for treated units from `start`, AR(1) noise.

    `trend_gap` adds a diverging linear trend to treated units (a parallel-trends violation).
    """
    rng = np.random.default_rng(seed)
    periods = np.asarray(list(periods))
    unit_fe = rng.normal(10, 3, n_units)
    time_fe = np.cumsum(rng.normal(0.3, 0.5, len(periods)))
    treated_unit = np.arange(n_units) < n_treated
    e = np.zeros((n_units, len(periods)))
    e[:, 0] = rng.normal(0, noise, n_units)
    for j in range(1, len(periods)):
        e[:, j] = rho * e[:, j - 1] + rng.normal(0, noise, n_units)
    post = periods >= start
    treated = treated_unit[:, None] & post[None, :]
    y = (unit_fe[:, None] + time_fe[None, :] + effect * treated + e
         + trend_gap * treated_unit[:, None] * (periods - periods[0])[None, :])
    return pd.DataFrame({
        "unit": np.repeat([f"u{i:03d}" for i in range(n_units)], len(periods)),
        "year": np.tile(periods, n_units),
        "y": y.ravel(),
        "post": treated.ravel().astype(int),
    })
