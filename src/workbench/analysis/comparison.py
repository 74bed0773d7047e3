"""Comparison groups: every eligible non-pilot area, or statistical nearest neighbours.

Eligible comparators are the units that are not treated and not excluded (members of the same
initiative are treated by definition; callers add others, such as areas reorganised within the
panel whose series are not harmonised, each with a reason). Nearest neighbours are chosen by
Mahalanobis distance on pre-period features: the outcome's pre-period mean and linear trend, and
the pre-period mean of any covariates; each treated unit takes its `k` nearest eligible units, and
the comparison group is their union (with replacement across treated units, as in
nearest-neighbour matching). The choice and the full list are part of the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.panel_checks import require_columns, require_numeric
from workbench.errors import SpecificationError

METHODS = ("all", "nearest")


@dataclass(frozen=True)
class ComparisonGroup:
    """Which units are compared with the treated ones, how they were chosen, and who was left out."""

    method: str
    treated: tuple[str, ...]
    units: tuple[str, ...]
    excluded: dict[str, str]
    table: pd.DataFrame          # unit, role, distance, matched_to, reason

    def restrict(self, data: pd.DataFrame, unit: str) -> pd.DataFrame:
        """The rows of `data` for the treated units and this comparison group only."""
        keep = set(self.treated) | set(self.units)
        return data[data[unit].astype(str).isin(keep)].reset_index(drop=True)

    def describe(self) -> dict[str, Any]:
        """JSON-safe summary for a result's sample and a brief's method section."""
        return {"comparison_method": self.method, "comparison_units": list(self.units),
                "n_comparison_units": len(self.units), "excluded_units": dict(self.excluded)}


def select(data: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: list[str], start,
           method: str = "all", k: int = 5, covariates: list[str] | None = None,
           exclude: dict[str, str] | None = None) -> ComparisonGroup:
    """Choose the comparison units for `treated` units starting at `start` (see the module docstring)."""
    if method not in METHODS:
        raise SpecificationError(f"comparison method '{method}' is not known; use one of: {', '.join(METHODS)}")
    require_columns(data, unit=unit, time=time, outcome=outcome)
    for column in covariates or []:
        require_columns(data, covariate=column)
    units = data[unit].astype(str)
    treated = sorted(set(map(str, treated)))
    missing = sorted(set(treated) - set(units))
    if missing:
        raise SpecificationError(f"treated unit {missing[0]} is not in the data")
    excluded = {str(u): reason for u, reason in (exclude or {}).items() if str(u) not in treated}
    eligible = sorted(set(units) - set(treated) - set(excluded))
    if not eligible:
        raise SpecificationError("no eligible comparison units remain after the exclusions")
    if method == "all":
        table = _table(treated, eligible, excluded, distances=None)
        return ComparisonGroup("all eligible areas", tuple(treated), tuple(eligible), excluded, table)
    if k < 1 or k > len(eligible):
        raise SpecificationError(f"k={k} nearest neighbours asked for, but {len(eligible)} eligible units exist")
    features = _pre_period_features(data.assign(**{unit: units}), unit, time, outcome, start, covariates or [])
    distances = _mahalanobis(features, treated, eligible)
    chosen: dict[str, list[str]] = {}
    for t in treated:
        for c in distances.loc[t].nsmallest(k).index:
            chosen.setdefault(c, []).append(t)
    table = _table(treated, eligible, excluded, distances, chosen)
    label = f"{k} nearest neighbours per pilot area (Mahalanobis distance on pre-period " \
            f"{', '.join(['outcome level', 'outcome trend', *(covariates or [])])})"
    return ComparisonGroup(label, tuple(treated), tuple(sorted(chosen)), excluded, table)


def _pre_period_features(data: pd.DataFrame, unit: str, time: str, outcome: str, start,
                         covariates: list[str]) -> pd.DataFrame:
    pre = data[data[time] < start]
    if pre[time].nunique() < 2:
        raise SpecificationError(f"nearest neighbours need at least 2 periods before {start}; the data has "
                                 f"{pre[time].nunique()}")
    y = pd.Series(require_numeric(pre, outcome, "outcome"), index=pre.index)
    t = pd.to_numeric(pre[time]).astype(float)
    grouped = pd.DataFrame({"u": pre[unit], "y": y, "t": t}).groupby("u")
    level = grouped["y"].mean()
    trend = grouped.apply(lambda g: np.polyfit(g["t"], g["y"], 1)[0] if len(g) > 1 else np.nan,
                          include_groups=False)
    features = pd.DataFrame({"outcome_level": level, "outcome_trend": trend})
    for column in covariates:
        values = pd.Series(require_numeric(pre, column, "covariate"), index=pre.index)
        features[column] = values.groupby(pre[unit]).mean()
    return features


def _mahalanobis(features: pd.DataFrame, treated: list[str], eligible: list[str]) -> pd.DataFrame:
    pool = features.loc[treated + eligible]
    if pool.isna().any().any():
        bad = pool[pool.isna().any(axis=1)].index[0]
        raise SpecificationError(f"unit {bad} lacks pre-period data for the matching features")
    inverse = np.linalg.pinv(np.cov(pool.to_numpy(), rowvar=False))
    a = features.loc[treated].to_numpy()
    b = features.loc[eligible].to_numpy()
    diff = a[:, None, :] - b[None, :, :]
    d2 = np.einsum("ijk,kl,ijl->ij", diff, inverse, diff)
    return pd.DataFrame(np.sqrt(np.clip(d2, 0, None)), index=treated, columns=eligible)


def _table(treated, eligible, excluded, distances, chosen=None) -> pd.DataFrame:
    rows = [{"unit": t, "role": "treated", "distance": np.nan, "matched_to": "", "reason": ""} for t in treated]
    for c in eligible:
        picked = chosen is None or c in chosen
        rows.append({
            "unit": c, "role": "comparison" if picked else "not chosen",
            "distance": float(distances[c].min()) if distances is not None else np.nan,
            "matched_to": ", ".join(chosen.get(c, [])) if chosen else "",
            "reason": "" if picked else "not among the nearest neighbours",
        })
    rows += [{"unit": u, "role": "excluded", "distance": np.nan, "matched_to": "", "reason": r}
             for u, r in sorted(excluded.items())]
    return pd.DataFrame(rows)
