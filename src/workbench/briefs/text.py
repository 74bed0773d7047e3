"""Plain-language sentences generated from the numbers, with their uncertainty.

Wording is comparative, not causal: a difference-in-differences estimate says how far pilot
areas moved from the path their comparison areas suggest, and the brief says so in those terms.
"""

from __future__ import annotations

from workbench.analysis.results import Result
from workbench.evidence.panels import Indicator


def number(x: float) -> str:
    """A number rounded for reading: 3 significant figures, at most 2 decimals, thousands commas."""
    if x == 0:
        return "0"
    digits = max(0, min(2, 2 - int(f"{abs(x):e}".split("e")[1])))
    return f"{abs(x):,.{digits}f}" if x >= 0 else f"-{abs(x):,.{digits}f}"


def unit_phrase(ind: Indicator) -> str:
    """'percentage points' for percentages, else the register's unit (e.g. 'per 1000 residents')."""
    return "percentage points" if ind.unit.startswith("percent") else ind.unit


def clear_difference(result: Result) -> bool:
    """True when the confidence interval excludes zero."""
    e = result.main
    return e.ci_low > 0 or e.ci_high < 0


def direction(value: float) -> str:
    """'lower' or 'higher', by the sign of a difference."""
    return "lower" if value < 0 else "higher"


def headline(result: Result, ind: Indicator, initiative_name: str) -> str:
    """The finding, stated as a sentence that can stand as the brief's title."""
    e = result.main
    year = result.sample["first_post_period"]
    if clear_difference(result):
        return (f"The {ind.measure} in {initiative_name} pilot areas was {number(abs(e.estimate))} "
                f"{unit_phrase(ind)} {direction(e.estimate)} than the comparison areas' trend "
                f"suggests, from {year} onwards")
    return (f"No clear difference in the {ind.measure} between {initiative_name} pilot areas and "
            f"comparison areas from {year} onwards")


def estimate_sentence(result: Result, ind: Indicator) -> str:
    """The estimate and its interval in words and numbers."""
    e = result.main
    level = round(result.confidence * 100)
    low, high = e.ci_low, e.ci_high
    phrase = unit_phrase(ind)
    best = f"{number(abs(e.estimate))} {phrase} {direction(e.estimate)}"
    if clear_difference(result):
        span = (f"between {number(abs(high if e.estimate < 0 else low))} and "
                f"{number(abs(low if e.estimate < 0 else high))} {phrase} {direction(e.estimate)}")
    else:
        span = (f"anywhere from {number(abs(low))} {phrase} lower to {number(abs(high))} {phrase} higher")
    return (f"Our best estimate is that pilot areas were {best} than expected (estimate {e.estimate:+.2f}). "
            f"Allowing for chance variation, the difference is plausibly {span} "
            f"({level}% confidence interval {low:+.2f} to {high:+.2f}).")


def p_value_sentence(result: Result) -> str:
    """What the p-value says, without overstating it."""
    p = result.main.p_value
    shown = "less than 0.001" if p < 0.001 else f"{p:.3f}"
    if p < 0.05:
        return (f"A difference this large would be unlikely if the pilots' outcomes had followed the "
                f"comparison areas' trend (p-value {shown}).")
    return (f"A difference of this size could easily arise by chance if the pilots' outcomes had "
            f"followed the comparison areas' trend (p-value {shown}).")


def pre_trend_sentence(result: Result, ind: Indicator) -> str:
    """Whether pilot and comparison areas moved together before the initiative (descriptive)."""
    slope = result.diagnostics.get("pre_period_trend_gap")
    n = result.diagnostics.get("n_pre_periods", 0)
    if slope is None or slope != slope:
        return "There are too few periods before the initiative to compare earlier trends."
    effect = abs(result.main.estimate)
    drift = abs(slope) * n
    together = drift < max(0.5 * effect, 1e-12) if clear_difference(result) else drift < abs(result.main.std_error) * 2
    gap = f"{number(abs(slope))} {unit_phrase(ind)} a year"
    if together:
        return (f"In the {n} years before, pilot and comparison areas moved broadly in parallel (their gap "
                f"changed by {gap}), which supports using the comparison areas as the counterfactual.")
    return (f"In the {n} years before, the gap between pilot and comparison areas was already changing by "
            f"{gap}, so the comparison areas may not show what would have happened without the "
            "initiative; treat the estimate with caution.")
