"""Plain-language sentences generated from the numbers, with their uncertainty.

Every sentence reads a design's `DesignReport` (never an estimator's internals), so the same words
serve a difference-in-differences, an event study, a staggered DiD, a synthetic control or an
interrupted time series. The wording follows three rules, each tested (tests/briefs/test_text.py):

- **causal verbs only where the design carries them**: "Total Place reduced ..." only when the
  rating reached Maryland SMS 3 (a comparison group whose comparability the checks support);
  otherwise associational words: "... was 6% lower in pilot areas than comparison areas suggest";
- **a null result says what it rules out**: the interval's ends, as the largest fall and rise the
  data are compatible with;
- **intervals allow for chance only**: they say nothing about bias in the comparison, and say so.
"""

from __future__ import annotations

import math

from workbench.analysis.report import DesignReport
from workbench.evidence.panels import Indicator

HEADLINE_WORDS = 20     # the finding's headline is at most this many words
CAUSAL_VERBS = ("reduced", "increased", "raised", "lowered", "cut", "caused", "led to")


def number(x: float) -> str:
    """A number rounded for reading: 3 significant figures, at most 2 decimals, thousands commas."""
    if x is None or not math.isfinite(x):
        return "not available"
    if x == 0:
        return "0"
    digits = max(0, min(2, 2 - int(f"{abs(x):e}".split("e")[1])))
    return f"{abs(x):,.{digits}f}" if x >= 0 else f"-{abs(x):,.{digits}f}"


def unit_phrase(ind: Indicator) -> str:
    """'percentage points' for percentages, else the register's unit (e.g. 'per 1000 residents')."""
    return "percentage points" if ind.unit.startswith("percent") else ind.unit


def direction(value: float) -> str:
    """'lower' or 'higher', by the sign of a difference."""
    return "lower" if value < 0 else "higher"


def relative(rep: DesignReport, value: float | None = None) -> float | None:
    """`value` (default the headline estimate) as a share of the pilots' level before the start, or None."""
    base = rep.baseline
    value = rep.headline.estimate if value is None else value
    if base is None or not base[0] or not math.isfinite(value):
        return None
    return value / abs(base[0])


def percent(share: float | None) -> str:
    """A share as a percentage for reading: '6%', '0.4%', '<0.1%'."""
    if share is None:
        return ""
    x = abs(share) * 100
    if x < 0.1:
        return "less than 0.1%"
    return f"{x:.0f}%" if x >= 9.5 else f"{x:.1f}%".replace(".0%", "%")


def size_words(rep: DesignReport, ind: Indicator, value: float | None = None) -> str:
    """'2.03 per 1,000 residents (2% of the 2011 level)': a difference with its size against the baseline."""
    value = rep.headline.estimate if value is None else value
    share = relative(rep, value)
    base = rep.baseline
    tail = f" ({percent(share)} of the {base[1]} level)" if share is not None else ""
    return f"{number(abs(value))} {unit_phrase(ind)}{tail}"


def headline(rep: DesignReport, ind: Indicator, initiative_name: str, causal: bool = False) -> str:
    """The finding in at most HEADLINE_WORDS words, with its size relative to the pilots' baseline.

    `causal` (the rating reached SMS 3) allows a causal verb; otherwise the words compare. The first
    wording that fits is used; the shortest leave out the initiative (a long pilot name), which the
    kicker above the headline names.
    """
    e = rep.headline
    year, name = rep.first_post_period, ind.name
    share = relative(rep)
    rel = percent(share) if share is not None else f"{number(abs(e.estimate))} {unit_phrase(ind)}"
    which = "lower" if e.estimate < 0 else "higher"
    against = "than comparison areas suggest" if rep.diagnostics.comparison_group else "than their earlier trend suggests"
    if rep.clear and causal:
        verb = "reduced" if e.estimate < 0 else "increased"
        candidates = [f"{initiative_name} {verb} {name.lower()} in its pilot areas by {rel}, from {year} onwards",
                      f"{initiative_name} {verb} {name.lower()} by {rel} from {year}",
                      f"{name}: {initiative_name} {verb} it by {rel}",
                      f"{name}: {verb} by {rel} from {year}"]
    elif rep.clear:
        candidates = [f"{name}: {rel} {which} in {initiative_name} pilot areas {against}, from {year} onwards",
                      f"{name}: {rel} {which} in {initiative_name} pilot areas {against}, from {year}",
                      f"{name}: {rel} {which} in {initiative_name} pilot areas from {year}",
                      f"{name} in {initiative_name}: {rel} {which} from {year}",
                      f"{name}: {rel} {which} {against}, from {year}",
                      f"{name}: {rel} {which} from {year}"]
    else:
        candidates = [f"No clear difference in {name.lower()} in {initiative_name} pilot areas from {year}; "
                      f"best estimate {rel} {which}",
                      f"{name}: no clear difference in {initiative_name} pilot areas from {year}; estimate {rel} {which}",
                      f"{name} in {initiative_name}: no clear difference; estimate {rel} {which}",
                      f"{name}: no clear difference; estimate {rel} {which}"]
    return next((c for c in candidates if words(c) <= HEADLINE_WORDS), _clip(candidates[-1]))


def words(text: str) -> int:
    """The number of words in a sentence (as a reader counts them)."""
    return len(text.split())


def _clip(text: str) -> str:
    parts = text.split()
    return " ".join(parts[:HEADLINE_WORDS - 1] + ["..."]) if len(parts) > HEADLINE_WORDS else text


def estimate_sentence(rep: DesignReport, ind: Indicator) -> str:
    """The estimate and its interval in words and numbers, the interval described as allowing for chance only."""
    e = rep.headline
    level = round(rep.confidence * 100)
    phrase = unit_phrase(ind)
    against = "the comparison areas suggest" if rep.diagnostics.comparison_group else "their earlier trend suggests"
    best = f"Our best estimate is that pilot areas were {size_words(rep, ind)} {direction(e.estimate)} than {against}"
    if not rep.has_interval:
        return f"{best} (estimate {e.estimate:+.2f}). This design gives no confidence interval; its uncertainty comes from {rep.inference}."
    low, high = e.ci_low, e.ci_high
    if rep.clear:
        near, far = (high, low) if e.estimate < 0 else (low, high)
        span = f"between {number(abs(near))} and {number(abs(far))} {phrase} {direction(e.estimate)}"
    else:
        span = f"anywhere from {number(abs(low))} {phrase} lower to {number(abs(high))} {phrase} higher"
    return (f"{best} (estimate {e.estimate:+.2f}). Allowing for chance only (not for any bias in the comparison), "
            f"the difference is plausibly {span} ({level}% confidence interval {low:+.2f} to {high:+.2f}).")


def rules_out_sentence(rep: DesignReport, ind: Indicator) -> str:
    """For a result that is not clear: which effects the interval rules out (empty for a clear one)."""
    e = rep.headline
    if rep.clear or not rep.has_interval:
        return ""
    fall, rise = abs(min(e.ci_low, 0.0)), max(e.ci_high, 0.0)
    return (f"No clear difference is not proof of no effect, but allowing for chance it rules out a fall of more than "
            f"{size_words(rep, ind, -fall)} and a rise of more than {size_words(rep, ind, rise)}.")


def p_value_sentence(rep: DesignReport) -> str:
    """What the p-value says, without overstating it."""
    p = rep.headline.p_value
    if p is None or not math.isfinite(p):
        return ""
    against = "the comparison areas'" if rep.diagnostics.comparison_group else "their own earlier"
    if p < 0.05:
        return (f"A difference this large would be unlikely if the pilots' outcomes had followed {against} trend "
                f"(p-value {_p(p)}).")
    return (f"A difference of this size could easily arise by chance if the pilots' outcomes had followed {against} "
            f"trend (p-value {_p(p)}).")


def pre_trend_sentence(rep: DesignReport, ind: Indicator, overturn: bool = True) -> str:
    """How pilot and comparison areas moved before the start: the formal check, and what it would take.

    A test that fails to reject is not proof of parallel trends; trends are called parallel only when
    the gap's pre-period drift is small next to what would overturn the finding. `overturn=False`
    leaves out what it would take to overturn the finding (where the page says it already).
    """
    d = rep.diagnostics
    if not d.comparison_group:
        return ("There is no comparison group: the pilots are set against their own trend before the start, so any "
                "other change from that year on would look like an effect.")
    if rep.design == "synthetic_control":
        fit = d.pre_fit_rmspe_to_sd
        if d.interpolation:
            return ("The blend of comparison areas matched the pilots before the start exactly, but only because it had "
                    "more areas to mix than years to match: the match shows nothing about whether they are alike.")
        if math.isnan(fit):
            return "How closely the blend of comparison areas tracked the pilots before the start is not recorded."
        return (f"Before the start the blend of comparison areas tracked the pilots to within {fit:.2f} of the "
                "outcome's usual spread between years" + (", a close fit." if fit <= 0.25 else ", not a close fit."))
    n, p = d.n_pre_periods, d.pre_trend_p_value
    if n < 2 or not d.pre_trend_tested:
        return "There are too few periods before the initiative to check that pilot and comparison areas moved together."
    trends = d.trends
    what_it_takes = "" if trends is None or not overturn else " " + trends.sentence(f" {unit_phrase(ind)}")
    before = _before(rep, n)
    if p < 0.05:
        return (f"In the {before} before, pilot and comparison areas were already drifting apart: a joint test of the "
                f"differences before the start rejects parallel trends (p-value {_p(p)}), so the comparison areas may "
                f"not show what would have happened without the initiative.{what_it_takes}")
    if trends is not None and trends.small_in_practice:
        return (f"In the {before} before, pilot and comparison areas moved broadly in parallel: a joint test finds no "
                f"clear divergence (p-value {p:.2f}), and the gap's drift was small.{what_it_takes} A test that finds "
                "nothing cannot prove the trends would have stayed parallel.")
    return (f"A joint test of the differences in the {before} before the start finds no clear divergence (p-value "
            f"{p:.2f}), but that is not proof that pilot and comparison areas moved in parallel.{what_it_takes}")


def overturn_sentence(rep: DesignReport, ind: Indicator) -> str:
    """What it would take to overturn the finding, in one sentence (empty where it cannot be measured)."""
    trends = rep.diagnostics.trends
    return "" if trends is None else trends.sentence(f" {unit_phrase(ind)}")


def _before(rep: DesignReport, n: int) -> str:
    """'9 years', or '3 periods (9 years)' when each period spans several years (pooled rates)."""
    try:
        years = int(rep.first_post_period) - int(rep.first_period)
    except (TypeError, ValueError):
        return f"{n} years"
    return f"{n} years" if years == n else f"{n} periods ({years} years)"


def inference_sentence(rep: DesignReport) -> str:
    """How the uncertainty was measured, and whether the methods agree (few pilot areas)."""
    d = rep.diagnostics
    parts = [f"{name} p-value {_p(p)}" for name, p in
             (("wild cluster bootstrap", d.wild_bootstrap_p_value), ("randomisation", d.randomisation_p_value),
              ("conventional clustered", d.cluster_p_value)) if not math.isnan(p)]
    head = f"Uncertainty comes from {rep.inference}."
    return head if not parts or rep.design == "synthetic_control" else f"{head} The methods compared: {'; '.join(parts)}."


def rating_sentence(rating, said: tuple[str, ...] = ()) -> str:
    """The evidence rating in one sentence, with the reason that weighs most against it (other than the
    rules in `said`, whose point the page already makes)."""
    against = [r for r in rating.reasons if r.code[0] in "SPC" and r.code not in ("S1", "P1", *said)]
    why = f" {against[0].sentence}" if against else ""
    return f"Strength of evidence: {rating.strength} of 5 padlocks ({rating.label}).{why}"


def multiplicity_sentence(table) -> str:
    """What adjusting for many outcomes changes."""
    raw = int((table["p_value"] < 0.05).sum())
    adjusted = int((table["p_adjusted"] < 0.05).sum())
    return (f"{len(table)} outcomes were tested for this initiative. {raw} had a p-value below 0.05; after "
            f"adjusting for testing them all (Benjamini-Hochberg false discovery rate), {adjusted} still do.")


def _p(p: float) -> str:
    return "less than 0.001" if p < 0.001 else f"{p:.3f}"


def p_value_text(p: float) -> str:
    """A p-value for a table: three decimals, or '< 0.001' ('n/a' when there is none)."""
    if p is None or not math.isfinite(p):
        return "n/a"
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
