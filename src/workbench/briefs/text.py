"""Plain-language sentences generated from the numbers, with their uncertainty.

Wording is comparative, not causal: a difference-in-differences estimate says how far pilot
areas moved from the path their comparison areas suggest, and the brief says so in those terms.
"""

from __future__ import annotations

from workbench.analysis.results import Result
from workbench.analysis.sensitivity import available_trend_sensitivity
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
    """How pilot and comparison areas moved before the initiative: the formal test, and what it would take.

    A test that fails to reject is not proof of parallel trends; trends are called parallel only
    when the pre-period drift of the gap is small next to what would overturn the finding
    (`analysis.trend_sensitivity`, for designs that have pilot and comparison means by period).
    """
    d = result.diagnostics
    n = d.get("n_pre_periods", 0)
    p = d.get("pre_trend_p_value")
    if n < 2 or p is None or p != p:
        return "There are too few periods before the initiative to check that pilot and comparison areas moved together."
    trends = available_trend_sensitivity(result)
    what_it_takes = "" if trends is None else " " + trends.sentence(f" {unit_phrase(ind)}")
    before = _before(result, n)
    if p < 0.05:
        return (f"In the {before} before, pilot and comparison areas were already drifting apart: a joint "
                f"test of the yearly differences before the start rejects parallel trends (p-value {_p(p)}), so "
                "the comparison areas may not show what would have happened without the initiative; treat the "
                f"estimate with caution.{what_it_takes}")
    if trends is not None and trends.small_in_practice:
        return (f"In the {before} before, pilot and comparison areas moved broadly in parallel: a joint test of "
                f"the yearly differences before the start finds no clear divergence (p-value {p:.2f}), and the "
                f"gap's drift was small.{what_it_takes} A test that finds nothing cannot prove the trends would "
                "have stayed parallel.")
    return (f"A joint test of the differences in the {before} before the start finds no clear divergence "
            f"(p-value {p:.2f}), but that is not proof that pilot and comparison areas moved in parallel."
            f"{what_it_takes}")


def _before(result: Result, n: int) -> str:
    """'9 years', or '3 periods (9 years)' when each period spans several years (pooled rates)."""
    first, start = result.sample.get("first_period"), result.sample.get("first_post_period")
    try:
        years = int(start) - int(first)
    except (TypeError, ValueError):
        return f"{n} years"
    return f"{n} years" if years == n else f"{n} periods ({years} years)"


def inference_sentence(result: Result) -> str:
    """How the uncertainty was measured, and whether the methods agree (few pilot areas)."""
    d = result.diagnostics
    n = result.sample.get("n_treated_units")
    parts = [f"{name} p-value {_p(d[key])}" for name, key in
             (("wild cluster bootstrap", "wild_bootstrap_p_value"), ("randomisation", "randomisation_p_value"),
              ("conventional clustered", "cluster_p_value")) if key in d and d[key] == d[key]]
    if not parts:
        return "Uncertainty is measured as described under Design."
    few = f"With {n} pilot areas, conventional clustered errors can overstate certainty, so " if n and n < 10 else ""
    return (f"{few}{'t' if few else 'T'}he headline interval comes from a method that stays honest with few "
            f"pilot areas; the methods compared: {'; '.join(parts)}.")


def rating_sentence(rating) -> str:
    """The evidence rating in one sentence."""
    level = f"Maryland Scientific Methods Scale level {rating.sms}" if rating.sms else "not scoreable on the Maryland scale"
    return f"Strength of evidence: {rating.strength} out of 5 ({rating.label}); {level}."


def multiplicity_sentence(table) -> str:
    """What adjusting for many outcomes changes."""
    raw = int((table["p_value"] < 0.05).sum())
    adjusted = int((table["p_adjusted"] < 0.05).sum())
    return (f"{len(table)} outcomes were tested for this initiative. {raw} had a p-value below 0.05; after "
            f"adjusting for testing them all (Benjamini-Hochberg false discovery rate), {adjusted} still do.")


def _p(p: float) -> str:
    return "less than 0.001" if p < 0.001 else f"{p:.3f}"


def p_value_text(p: float) -> str:
    """A p-value for a table: three decimals, or '< 0.001'."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def real_data_sentence(panel) -> str:
    """One sentence naming real published data, its publisher, geography and window."""
    entry, prep = panel.dataset, panel.preparation
    publisher = entry.extra.get("publisher") or entry.source
    window = f", {prep.window[0]} to {prep.window[1]}" if prep is not None else ""
    approx = (" Some areas' values are population-weighted approximations built from their parts."
              if prep is not None and prep.approximate else "")
    cut = [b for b in (prep.breaks if prep is not None else ()) if b.first_affected.start > prep.window[1]]
    stops = (f" The window ends before the series breaks in {cut[0].first_affected.label}." if cut else "")
    return (f"These are real published statistics ({publisher}), compared on one geography "
            f"({panel.footprint}){window}.{stops}{approx}")
