"""Publisher errors are caught, not copied: numbered rules that flag implausible values.

Each rule looks at one area's series of one indicator and names the values it flags with its
reason. A flagged value is excluded (``value`` NaN, ``status`` "excluded", the reason in
``status_reason``) and listed in the result's ``flags`` with the value as published.

Rule P1 (a slipped decimal point or a wrong unit): a positive value that is at least
``factor`` times larger or smaller than each of its neighbours in time (the one neighbour at
either end of the series) *and* than the median of the area's other values. Greater
Manchester's children-in-care rate is 8.7 in 2011 against 81.9 in 2012 and 80-odd after: P1.
A real shock moves the next years too (the claimant count of 2020 stays high in 2021), so it
is not flagged; a zero in a tiny area (the Isles of Scilly) is not a slipped decimal point.

    from workbench import evidence
    checked = evidence.check_plausible(evidence.load("children_in_care"))
    checked.flags        # area_code, period, indicator, published_value, rule, reason
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.errors import SpecificationError

FACTOR = 5.0
MIN_VALUES = 3
FLAG_COLUMNS = ["area_code", "period", "indicator", "published_value", "rule", "reason"]


@dataclass(frozen=True, repr=False)
class Checked:
    """A panel after the plausibility rules: flagged values excluded, each with its reason."""

    data: pd.DataFrame
    flags: pd.DataFrame

    def __repr__(self) -> str:
        return f"Checked({len(self.data)} rows, {len(self.flags)} value(s) excluded by rule)"


def check_plausible(panel: pd.DataFrame, factor: float = FACTOR) -> Checked:
    """Apply rule P1 to every area and indicator of a long panel; return the panel and the flags.

    Series are ordered by ``period_start`` (then ``period``); series with fewer than
    ``MIN_VALUES`` values are not judged.
    """
    if factor <= 1:
        raise SpecificationError(f"factor {factor} must be greater than 1")
    missing = [c for c in ("area_code", "period", "indicator", "value") if c not in panel]
    if missing:
        raise SpecificationError(f"check_plausible needs the columns {', '.join(missing)}")
    data = panel.copy()
    order = ["period_start", "period"] if "period_start" in data else ["period"]
    flagged: list[tuple] = []
    present = data[data["value"].notna()]
    for (area, indicator), series in present.sort_values(order).groupby(["area_code", "indicator"], sort=False):
        for index, reason in _rule_p1(series, factor):
            flagged.append((index, area, series.at[index, "period"], indicator, series.at[index, "value"], reason))
    if not flagged:
        return Checked(data, pd.DataFrame(columns=FLAG_COLUMNS))
    idx = [f[0] for f in flagged]
    for column, default in (("status", ""), ("status_reason", "")):
        if column not in data:
            data[column] = default
    data.loc[idx, "value"] = np.nan
    data.loc[idx, "status"] = "excluded"
    data.loc[idx, "status_reason"] = [f"P1: {f[5]}" for f in flagged]
    flags = pd.DataFrame([f[1:5] + ("P1", f[5]) for f in flagged], columns=FLAG_COLUMNS)
    return Checked(data, flags)


def _rule_p1(series: pd.DataFrame, factor: float):
    """Yield (row index, reason) for each value far from its neighbours and its area's median."""
    values = series["value"].to_numpy(dtype=float)
    if len(values) < MIN_VALUES:
        return
    for i, v in enumerate(values):
        if v <= 0:
            continue
        neighbours = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
        others = np.delete(values, i)
        median = float(np.median(others))
        refs = [*neighbours, median]
        if any(r <= 0 for r in refs):
            continue
        ratios = [v / r for r in refs]
        if all(q >= factor for q in ratios) or all(q <= 1 / factor for q in ratios):
            times = min(ratios) if ratios[0] > 1 else 1 / max(ratios)
            direction = "larger" if ratios[0] > 1 else "smaller"
            yield series.index[i], (f"published {v:g} is at least {times:.1f} times {direction} than its neighbours "
                                    f"and the area's median ({median:g}); a slipped decimal point or wrong unit?")
