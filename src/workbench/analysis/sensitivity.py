"""How large a departure from parallel trends would overturn a difference-in-differences finding.

A pre-trend test that fails to reject is not proof of parallel trends: with few areas it has little
power. In the spirit of Rambachan and Roth's (2023) "honest DiD", this asks the question the other
way round. Suppose the pilot-minus-comparison gap drifts linearly by `delta` per period and keeps
drifting after the start. The two-way fixed-effects estimate (mean post-period gap minus mean
pre-period gap, with one start date) then moves by delta x L, where L, the lever, is the mean
post-period time minus the mean pre-period time. So:

- the *breakdown drift* is the smallest drift per period that would bring the confidence interval
  to zero: the interval's end nearest zero divided by L (0 when the interval already covers zero);
- the *observed drift* is the least-squares slope of the gap over the pre-periods, and carried
  forward it would move the estimate by observed drift x L.

The finding is fragile when the observed drift, carried forward, reaches the breakdown drift, and
comparability is "small in practice" only when it stays below half of it. Both are statements
about a linear drift; a bend in trends at the start is not something pre-period data can rule out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.analysis.results import Result
from workbench.errors import SpecificationError

SMALL_IN_PRACTICE = 0.5     # observed drift below this share of the breakdown drift counts as small


@dataclass(frozen=True)
class TrendSensitivity:
    """The drift in the pilot-comparison gap that would overturn a finding, against the drift seen before."""

    lever: float                  # mean post-period time minus mean pre-period time, in periods
    observed_drift: float         # slope of the pre-period gap per period (nan with fewer than 2 pre-periods)
    breakdown_drift: float        # smallest drift per period bringing the interval to zero (0 if it covers zero)
    estimate: float
    ci_low: float
    ci_high: float

    @property
    def carried_forward(self) -> float:
        """How far the observed pre-period drift, continued after the start, would move the estimate."""
        return self.observed_drift * self.lever

    @property
    def covers_zero(self) -> bool:
        """True when the interval already includes no effect (there is no finding to overturn)."""
        return self.ci_low <= 0.0 <= self.ci_high

    @property
    def same_direction(self) -> bool:
        """True when the pre-period drift runs the way that would explain the estimate."""
        return self.observed_drift * self.estimate > 0

    @property
    def overturned(self) -> bool:
        """True when the drift seen before the start, carried forward, would bring the interval to zero."""
        if self.covers_zero or math.isnan(self.observed_drift):
            return False
        return abs(self.observed_drift) >= abs(self.breakdown_drift)

    @property
    def small_in_practice(self) -> bool:
        """True when the pre-period drift is under half the drift that would overturn the finding.

        With an interval that covers zero, the drift is judged against the estimate itself: small
        when carried forward it moves the estimate by less than half its size (or less than half
        the interval's half-width when the estimate is near zero).
        """
        if math.isnan(self.observed_drift):
            return False
        if self.covers_zero:
            scale = max(abs(self.estimate), (self.ci_high - self.ci_low) / 2)
            return abs(self.carried_forward) < SMALL_IN_PRACTICE * scale
        return abs(self.observed_drift) < SMALL_IN_PRACTICE * abs(self.breakdown_drift)

    def sentence(self, unit: str = "", period: str = "year") -> str:
        """What it would take to overturn the finding, in words."""
        if math.isnan(self.observed_drift):
            return "There are too few periods before the start to see how the gap was moving."
        seen = (f"Before the start the gap between pilot and comparison areas moved by "
                f"{_num(self.observed_drift)}{unit} a {period}")
        if self.covers_zero:
            return (f"{seen}; continued, that drift alone would shift the estimate by "
                    f"{_num(self.carried_forward)}{unit}.")
        if self.overturned and self.same_direction:
            verdict = "enough, continued, to explain the difference found: it could be an artefact of diverging trends"
        elif self.overturned:
            verdict = ("as large as what it would take, though in the direction that would make the effect larger: "
                       "trends before the start were not parallel, so the size of the effect is uncertain")
        elif self.small_in_practice:
            verdict = "small next to what it would take"
        else:
            verdict = "not small next to what it would take, so the finding is fragile"
        return (f"The finding would disappear if the gap had kept drifting by {_num(abs(self.breakdown_drift))}{unit} "
                f"a {period} after the start. {seen}: {verdict}.")

    def to_dict(self) -> dict:
        """JSON-safe form (NaN becomes None)."""
        out = {"lever": self.lever, "observed_drift": self.observed_drift, "breakdown_drift": self.breakdown_drift,
               "carried_forward": self.carried_forward, "overturned": self.overturned,
               "small_in_practice": self.small_in_practice}
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def trend_sensitivity(result: Result) -> TrendSensitivity:
    """The trend sensitivity of a `did` result, from its group means (plot data) and headline interval."""
    frame = result.plot_data()
    needed = {"period", "pilot", "comparison", "post"}
    if result.design != "did" or not needed <= set(frame.columns):
        raise SpecificationError(f"trend sensitivity needs a 'did' result with pilot and comparison means by period; "
                                 f"got design '{result.design}'")
    return sensitivity_from_means(frame, result.main.estimate, result.main.ci_low, result.main.ci_high)


def sensitivity_from_means(frame: pd.DataFrame, estimate: float, ci_low: float, ci_high: float, *,
                           reference: str = "pre_mean") -> TrendSensitivity:
    """The same from a frame of period, pilot mean, comparison mean and post flag (one row a period).

    `reference` is what the estimate measures the post-period gap against: "pre_mean", the mean gap
    before the start (two-way fixed effects), or "last_pre", the gap in the period before the start
    (an event study's average, Callaway and Sant'Anna's ATT); it sets the lever.
    """
    t = frame["period"].to_numpy(dtype=float)
    post = frame["post"].to_numpy(dtype=bool)
    if not post.any() or post.all():
        raise SpecificationError("trend sensitivity needs periods both before and after the start")
    if reference not in ("pre_mean", "last_pre"):
        raise SpecificationError(f"reference must be 'pre_mean' or 'last_pre', not {reference!r}")
    base = t[~post].mean() if reference == "pre_mean" else t[~post].max()
    lever = float(t[post].mean() - base)
    drift = pre_period_drift(frame)
    nearest = 0.0 if ci_low <= 0.0 <= ci_high else (ci_high if ci_high < 0 else ci_low)
    return TrendSensitivity(lever, drift, nearest / lever, float(estimate), float(ci_low), float(ci_high))


def pre_period_drift(frame: pd.DataFrame) -> float:
    """Least-squares slope per period of the pilot-minus-comparison gap over the rows before the start
    (`post` False) of a group-means frame; NaN with fewer than two such periods. Computed without
    LAPACK, so it has the same bits on every machine."""
    pre = frame[~frame["post"].to_numpy(dtype=bool)]
    if len(pre) < 2:
        return math.nan
    t = pre["period"].to_numpy(dtype=float)
    gap = (pre["pilot"] - pre["comparison"]).to_numpy(dtype=float)
    t = t - t.mean()
    return float(np.add.reduce(t * (gap - gap.mean())) / np.add.reduce(t * t))


def _num(x: float) -> str:
    return f"{x:.3g}"
