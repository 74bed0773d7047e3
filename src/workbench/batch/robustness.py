"""Does the answer change? A brief's question asked again with other comparison groups and designs.

A brief answers one question (an initiative and an outcome indicator) with one headline fit
(:func:`workbench.batch.outcomes.fit_outcome`). :func:`alternatives` fits the same question in
the other reasonable ways, one change at a time, so a reader can see whether the answer rests on
one choice:

- the comparison geography: within the pilots' own regions, or across all of England (only for
  the designs that compare within regions: did, event_study, staggered_did);
- the comparison group: the most similar authorities for each pilot, or every eligible authority
  (not for the interrupted time series, which has no comparison group);
- the design: each registered outcome design other than the headline's own, with the headline's
  comparison group.

Each alternative is an :class:`Alternative` with a label in plain words; one that cannot be
fitted carries the one-line reason (a :class:`~workbench.errors.WorkbenchError`), never an
exception, so a brief can say "not possible here, because ...". :func:`agrees` says in words
whether an alternative's headline estimate points the same way as the brief's and whether each
is clear of zero; :func:`headline_estimate` picks the term to compare for each design.

Speed: every fit goes through :func:`workbench.batch.store.fit` (computed once per batch build).
The designs keep their own defaults (did: 9,999 wild bootstrap draws; event study: 999 bootstrap
draws for the pre-trend test; staggered: 999 multiplier draws; synthetic control: the plain method
with every placebo, see :mod:`workbench.batch.outcomes`). The six alternatives to a did headline
took 0.8 to 1.3 s together on a 2-core machine with another job running (Total Place claimant
count; the demo's Whole-Place Community Budgets emergency admissions), the two did refits about
0.25 s each and the synthetic control 0.15 s. So no draws are cut: that would make an
alternative's interval and p-value coarser than the headline's to save a few tenths of a second.

    from workbench.batch import outcomes, robustness
    fitted = outcomes.fit_outcome("total_place", "claimant_count", dataset="claimant_count")
    headline = robustness.headline_estimate(fitted.result)
    for alt in robustness.alternatives("total_place", "claimant_count", dataset="claimant_count"):
        print(alt.label, "-", alt.reason or robustness.agrees(headline, alt.estimate))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from workbench import evidence
from workbench.analysis.report import is_clear, report
from workbench.analysis.results import Estimate, Result
from workbench.batch import outcomes
from workbench.errors import WorkbenchError
from workbench.evidence.panels import OutcomePanel

COMPARISON_GROUP, DESIGN = "comparison group", "design"

DESIGN_LABELS = {
    "did": "Difference-in-differences (the pilots' change against the comparison group's change)",
    "event_study": "Event study (each year's gap, averaged after the start)",
    "staggered_did": "Staggered difference-in-differences (Callaway and Sant'Anna)",
    "synthetic_control": "Synthetic control (a weighted blend of authorities that tracked each pilot before the start)",
    "its": "The pilots' own trend before the start, without a comparison group (interrupted time series)",
}

# Words for a stratum column in a label (a column not listed is named by its words).
STRATA_WORDS = {"region_code": "region"}

SAME_BOTH_CLEAR = "same direction, both clear"
SAME_HEADLINE_CLEAR = "same direction, clear in the headline only"
SAME_OTHER_CLEAR = "same direction, clear in this one only"
SAME_NEITHER_CLEAR = "same direction, neither clear"
OPPOSITE_BOTH_CLEAR = "opposite direction, both clear"
OPPOSITE = "opposite direction, not both clear"
NOT_COMPARABLE = "cannot be compared (an estimate is missing)"


@dataclass(frozen=True)
class Alternative:
    """The brief's question fitted one other way: what changed, how, and the result or why there is none.

    `label`: the change in plain words. `changes`: "comparison group" or "design". `design`: the
    registered design. `options`: the keyword arguments of `fit_outcome` used. `result`: the fit,
    or None with `reason`, one line saying why it could not be fitted.
    """

    label: str
    changes: str
    design: str
    options: dict[str, Any]
    result: Result | None
    reason: str | None = None

    @property
    def estimate(self) -> Estimate | None:
        """The headline estimate of the result (`headline_estimate`), None when it could not be fitted."""
        return None if self.result is None else headline_estimate(self.result)


@dataclass(frozen=True)
class Plan:
    """One alternative to fit: its label, what it changes, and the keyword arguments of `fit_outcome`."""

    label: str
    changes: str
    options: dict[str, Any]


def headline_estimate(result: Result) -> Estimate:
    """The term to compare across designs, as the design's brief contract (`analysis.report`) names it.

    did: "treated"; event_study: "post_average" (the event-time effects averaged over the
    post-periods); staggered_did: "ATT" (the simple aggregation); synthetic_control: "average"
    over the pilot areas (or the one area's term); its: "post_period_effect", not the level change.
    """
    return report(result).headline


def plan(*, design: str = "did", comparison_method: str = "all", neighbours: int = 5,
         compare_within: str | None = "region_code", last_period: int | None = None,
         pilot: str | None = None) -> list[Plan]:
    """The alternatives to a headline fit with these options, in the order a brief shows them."""
    headline = {"design": design, "comparison_method": comparison_method, "neighbours": neighbours,
                "compare_within": compare_within, "last_period": last_period, "pilot": pilot}
    plans = []
    if design in outcomes.COMPARES_WITHIN:
        other = None if compare_within else "region_code"
        plans.append(Plan(_geography_label(compare_within, other), COMPARISON_GROUP,
                          {**headline, "compare_within": other}))
    if design not in outcomes.NO_COMPARISON_GROUP:
        other = "nearest" if comparison_method == "all" else "all"
        plans.append(Plan(_group_label(other, neighbours), COMPARISON_GROUP, {**headline, "comparison_method": other}))
    plans += [Plan(DESIGN_LABELS[d], DESIGN, {**headline, "design": d}) for d in DESIGN_LABELS if d != design]
    return plans


def alternatives(initiative: str, indicator: str, *, dataset: str, design: str = "did",
                 comparison_method: str = "all", neighbours: int = 5, compare_within: str | None = "region_code",
                 last_period: int | None = None, pilot: str | None = None) -> list[Alternative]:
    """Fit every alternative to the headline `fit_outcome(initiative, indicator, ...)` with these options.

    The panel is built once (an error building it propagates: the headline could not be fitted
    either). An alternative that raises a WorkbenchError gets its message as `reason`.
    """
    panel = evidence.outcome_panel(initiative, indicator, dataset=dataset, last_period=last_period, pilot=pilot)
    return alternatives_for(panel, design=design, comparison_method=comparison_method, neighbours=neighbours,
                            compare_within=compare_within, last_period=last_period, pilot=pilot)


def alternatives_for(panel: OutcomePanel, *, design: str = "did", comparison_method: str = "all",
                     neighbours: int = 5, compare_within: str | None = "region_code",
                     last_period: int | None = None, pilot: str | None = None) -> list[Alternative]:
    """`alternatives` on an outcome panel already built; `last_period` and `pilot` (those the panel was
    built with) are only recorded in each alternative's options."""
    return [fit_alternative(panel, p) for p in plan(design=design, comparison_method=comparison_method,
                                                    neighbours=neighbours, compare_within=compare_within,
                                                    last_period=last_period, pilot=pilot)]


def fit_alternative(panel: OutcomePanel, planned: Plan) -> Alternative:
    """Fit one planned alternative on `panel`; a WorkbenchError becomes the alternative's reason."""
    o = planned.options
    try:
        fitted = outcomes.fit_panel(panel, design=o["design"], comparison_method=o["comparison_method"],
                                    neighbours=o["neighbours"], compare_within=o["compare_within"])
    except WorkbenchError as exc:
        return Alternative(planned.label, planned.changes, o["design"], dict(o), None, _one_line(exc))
    return Alternative(planned.label, planned.changes, o["design"], dict(o), fitted.result)


def agrees(headline: Estimate, other: Estimate | None, level: float = 0.95) -> str:
    """Does `other` tell the same story as `headline`? One of the verdicts below, in plain words.

    Direction is the sign of the estimate (a zero estimate has none, so it is "opposite");
    clear is :func:`is_clear` at `level`. Verdicts: "same direction, both clear"; "same direction,
    clear in the headline only"; "same direction, clear in this one only"; "same direction,
    neither clear"; "opposite direction, both clear" (the two designs contradict each other);
    "opposite direction, not both clear"; "cannot be compared (an estimate is missing)".
    """
    if other is None or not (math.isfinite(headline.estimate) and math.isfinite(other.estimate)):
        return NOT_COMPARABLE
    clear = (is_clear(headline, level), is_clear(other, level))
    if headline.estimate * other.estimate > 0:
        return {(True, True): SAME_BOTH_CLEAR, (True, False): SAME_HEADLINE_CLEAR,
                (False, True): SAME_OTHER_CLEAR, (False, False): SAME_NEITHER_CLEAR}[clear]
    return OPPOSITE_BOTH_CLEAR if all(clear) else OPPOSITE


def _geography_label(current: str | None, other: str | None) -> str:
    if other is None:
        return f"Compared with all of England, not only the pilots' own {_strata_words(current)}"
    return f"Compared only with authorities in the pilots' own {_strata_words(other)}"


def _strata_words(column: str) -> str:
    """'regions' for region_code; another column by its own words, in the plural."""
    word = STRATA_WORDS.get(column, column.replace("_", " "))
    return word if word.endswith("s") else word + "s"


def _group_label(method: str, neighbours: int) -> str:
    if method == "nearest":
        return f"Compared with the {neighbours} most similar authorities for each pilot"
    return f"Compared with all eligible authorities, not only the {neighbours} most similar to each pilot"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
