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


def outcome_panel(n_units: int = 30, n_treated: int = 6, periods: range = range(2001, 2011), start: int = 2006,
                  effect: float = -3.0, noise: float = 0.5, seed: int = 7):
    """A small OutcomePanel (the type `evidence.outcome_panel` returns) with a constant effect planted.

    y = area level + 0.5 per period + `effect` for pilot areas from `start` + normal noise (sd `noise`).
    The first `n_treated` areas are the pilots, one in each of three regions in turn, each region
    with its own comparison areas. Pilot levels lie inside the comparison areas' range (so a blend
    of comparison areas can track each pilot), and the common trend is a straight line (so the
    pilots' own pre-period line extended is their path without the initiative).
    """
    import datetime as dt
    from pathlib import Path

    from workbench.evidence.catalog import DatasetEntry
    from workbench.evidence.panels import Indicator, OutcomePanel
    from workbench.evidence.real_panels import Preparation
    from workbench.evidence.registers import Initiative, Pilot

    rng = np.random.default_rng(seed)
    periods = np.asarray(list(periods))
    pilot = np.arange(n_units) < n_treated
    level = np.where(pilot, rng.uniform(9.0, 11.0, n_units), rng.uniform(5.0, 15.0, n_units))
    post = periods >= start
    y = (level[:, None] + 0.5 * (periods - periods[0])[None, :] + effect * (pilot[:, None] & post[None, :])
         + rng.normal(0.0, noise, (n_units, len(periods))))
    codes = [f"E{i:08d}" for i in range(n_units)]
    data = pd.DataFrame({
        "area_code": np.repeat(codes, len(periods)),
        "area_name": np.repeat([f"Area {i}" for i in range(n_units)], len(periods)),
        "region_code": np.repeat([f"R{i % 3}" for i in range(n_units)], len(periods)),
        "period": np.tile(periods, n_units).astype("int64"),
        "value": y.ravel(),
        "numerator": np.nan, "denominator": np.nan,
        "pilot": np.repeat(pilot, len(periods)),
        "post": np.tile(post, n_units),
    })
    data["treated"] = data["pilot"] & data["post"]
    initiative = Initiative("planted", "Planted initiative", dt.date(start, 4, 1), None, start, (), "", "", (),
                            (Pilot("planted_pilots", "Planted pilots", tuple(codes[:n_treated]), (), (), "", ()),))
    indicator = Indicator("planted_rate", "Planted rate", "rate", "test", "per 1,000", 1.0, "lower", "")
    entry = DatasetEntry("planted", "Planted panel", Path("planted.csv"), "csv", True, "CC0", "tests")
    preparation = Preparation("test areas", "annual", (int(periods[0]), int(periods[-1])), (), pd.DataFrame(),
                              pd.DataFrame())
    return OutcomePanel(data, initiative, indicator, entry, "0" * 64, "all other test areas", preparation)
