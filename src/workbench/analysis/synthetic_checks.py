"""Checks that keep a synthetic control honest: interpolation, and treated units among the donors.

Interpolation. With at least as many donors as fit periods, weights on the simplex can often
reproduce any pre-period path exactly (Abadie 2021, "Using synthetic controls", section 7): the
pre-period RMSPE is then floating-point noise, a close fit shows nothing about comparability, and
the post/pre RMSPE ratio (the placebo statistic) divides by that noise. The same holds for any
placebo fitted exactly: its ratio is degenerate and the placebo rank loses its meaning. A fit
counts as exact when its RMSPE is below `EXACT_FIT` times the SD of that unit's fit-period outcome.

Treated donors. Units treated themselves (by the same or another initiative) carry their own
effects into the synthetic control and the placebo distribution; with a `treatment` column they
are left out of the donor pool by default, and the choice is recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.panel_checks import require_binary, require_columns, require_numeric
from workbench.errors import SpecificationError

EXACT_FIT = 1e-6
TREATED_DONORS = ("exclude", "keep")


def is_exact_fit(pre_rmspe: float, outcome: np.ndarray) -> bool:
    """Pre-period RMSPE indistinguishable from zero against the scale of the unit's own outcome."""
    scale = float(np.std(outcome, ddof=1)) if len(outcome) > 1 else 0.0
    scale = scale if scale > 0 else max(float(np.abs(outcome).mean()), 1.0)
    return pre_rmspe <= EXACT_FIT * scale


def interpolation(y_fit: pd.DataFrame, fits: list, placebos: list) -> dict[str, Any]:
    """Diagnostics when the synthetic control interpolates; empty when it does not.

    `y_fit` is the fit-period outcome (periods x units); `fits` and `placebos` have `unit`, `donors`
    and `pre_rmspe`. Interpolation: a treated unit fitted exactly by at least as many donors as fit
    periods, or any placebo fitted exactly (its post/pre RMSPE ratio is then degenerate).
    """
    n_periods = len(y_fit)
    exact = [f for f in fits if is_exact_fit(f.pre_rmspe, y_fit[f.unit].to_numpy())]
    treated = [f for f in exact if len(f.donors) >= n_periods]
    degenerate = sum(is_exact_fit(p.pre_rmspe, y_fit[p.unit].to_numpy()) for p in placebos)
    if not treated and not degenerate:
        return {}
    parts = []
    if treated:
        f = treated[0]
        parts.append(f"{len(f.donors)} donors for {n_periods} fit periods reproduce {f.unit}'s pre-period exactly "
                     f"(RMSPE {f.pre_rmspe:.2g}), so the close fit shows nothing about comparability")
    if degenerate:
        parts.append(f"{degenerate} of {len(placebos)} placebos are fitted exactly, so their post/pre RMSPE ratios "
                     "and the placebo p-value are degenerate")
    note = ("the synthetic control interpolates: " + "; ".join(parts)
            + "; use fewer donors (e.g. analysis.comparison.select(..., method='nearest')) or fewer, broader "
            "predictors")
    return {"interpolation": True, "interpolation_note": note, "n_placebos_exact_fit": int(degenerate)}


def other_treated_units(data: pd.DataFrame, unit: str, treatment: str | None, treated: list) -> list:
    """Units ever treated according to the 0/1 `treatment` column, other than the treated units."""
    if treatment is None:
        return []
    require_columns(data, treatment=treatment)
    on = require_binary(require_numeric(data, treatment, "treatment"), treatment)
    ever = pd.unique(data.loc[on, unit])
    return [u for u in ever if u not in set(treated)]


def check_treated_donors(treated_donors: str) -> None:
    """`treated_donors` must be "exclude" (the default) or "keep"."""
    if treated_donors not in TREATED_DONORS:
        raise SpecificationError(f"treated_donors must be 'exclude' or 'keep', not {treated_donors!r}")
