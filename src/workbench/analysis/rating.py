"""Evidence rating: from a result's design and diagnostics to a Maryland SMS level and a 0-5 strength.

The Maryland Scientific Methods Scale (What Works Growth's scoring guide) rates the design:
level 3 needs outcomes before and after, a comparison group giving the counterfactual, and evidence
that the groups are comparable; level 2 is a before-and-after comparison with controls for wider
changes (or a comparison without before-and-after); levels 4 and 5 need as-if-random or random
allocation, which no design here has. The 0-5 strength then weighs how well this particular analysis
meets its design's assumptions. Every rule below has a test (tests/analysis/test_rating.py).

SMS rules
  S1  design with a comparison group and before/after data (did, event study, staggered DiD,
      synthetic control): SMS 3; interrupted time series (before/after, trend-adjusted): SMS 2;
      no comparison group can never reach SMS 3.
  S2  a failed pre-trend test (p < 0.05) lowers SMS 3 to 2: comparability is contradicted.
  S3  fewer than 2 pre-periods, or no pre-trend test that could be run (e.g. every cohort too small
      for its number of pre-period cells), lowers SMS 3 to 2: comparability cannot be shown.
  S4  a poor synthetic-control pre-period fit (RMSPE above half the treated unit's pre-period SD)
      lowers SMS 3 to 2.
  S5  a synthetic control that interpolates (diagnostics "interpolation": an exact pre-period fit
      from at least as many donors as fit periods, or placebos fitted exactly, which makes their
      post/pre RMSPE ratios degenerate) lowers SMS 3 to 2 and never earns P1's credit for a close
      fit: an exact fit is what interpolation gives whatever the comparability.
  S6  (did) the pilot-comparison gap's drift before the start, carried forward, would bring the
      interval to zero (`sensitivity.trend_sensitivity`): lowers SMS 3 to 2 whatever the pre-trend
      test says, because a test that fails to reject is not proof of parallel trends.
Strength rules (start at the SMS level, 0 if not scoreable; clamp to 0..SMS+1, so 5 needs SMS 4+)
  P1  +1 when comparability is well evidenced: SMS 3, at least 4 pre-periods, and a pre-trend test
      with p >= 0.10 (or a synthetic control fit within a quarter of the pre-period SD); for did also
      a pre-period drift that is small in practice (under half of what would overturn the finding).
  P2  -1 with fewer than 5 treated units: the finding rests on very few places.
  P3  -1 when significance depends on the inference method (conventional clustered p < 0.05 but
      the wild bootstrap or randomisation p >= 0.05, or the reverse).
  P4  -1 when more than 10% of comparison units are in another initiative (contamination).
  P5  -1 when two-way fixed effects (did) is fitted to staggered starts (diagnostics
      "staggered_cohorts"): part of the estimate compares later-treated units with already-treated
      ones (Goodman-Bacon 2021), biased when effects change over time; staggered_did avoids it.
  P6  -1 when more than 10% of pilot units were also in another initiative that started during the
      post-period: the difference found may be the other initiative's (contamination of the pilots
      weighs as much as contamination of the comparison group).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from workbench.analysis.results import Result
from workbench.analysis.sensitivity import available_trend_sensitivity

WITH_COMPARISON = {"did", "event_study", "staggered_did", "synthetic_control"}
WITHOUT_COMPARISON = {"its"}
STRENGTH_LABELS = {0: "no usable evidence", 1: "very weak", 2: "weak", 3: "moderate", 4: "strong",
                   5: "very strong"}
SMS_LABELS = {
    1: "SMS 1: a simple before-and-after or cross-sectional comparison",
    2: "SMS 2: a before-and-after or a pilot-versus-comparison contrast, without evidence that the comparison is like-for-like",
    3: "SMS 3: before-and-after outcomes against a comparison group shown to be comparable",
}


@dataclass(frozen=True)
class EvidenceRating:
    """A design level (Maryland SMS), a 0-5 strength, and the reasons for both."""

    sms: int | None
    strength: int
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        """The strength in words ("moderate", ...)."""
        return STRENGTH_LABELS[self.strength]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for briefs and manifests."""
        return {"sms": self.sms, "sms_label": SMS_LABELS.get(self.sms, "not scoreable on the SMS"),
                "strength": self.strength, "label": self.label, "reasons": list(self.reasons)}


def rate(result: Result, *, contamination: float | None = None,
         pilot_contamination: float | None = None) -> EvidenceRating:
    """Rate `result`; `contamination` is the share of comparison units in another initiative,
    `pilot_contamination` the share of pilot units in another initiative that began during the post-period."""
    d = result.diagnostics
    reasons: list[str] = []
    sms = _design_level(result.design, d, reasons)
    trends = available_trend_sensitivity(result)
    if sms == 3:
        sms = _comparability(result.design, d, reasons)
    if sms == 3 and trends is not None and trends.overturned:
        sms = 2
        reasons.append(f"S6: before the start the pilot-comparison gap drifted by {trends.observed_drift:.3g} a "
                       f"period; carried forward that would bring the interval to zero, so the comparison "
                       "areas may not show what would have happened; lowered to SMS 2")
    strength = sms or 0
    if sms == 3 and _well_evidenced(result.design, d) and (trends is None or trends.small_in_practice):
        strength += 1
        reasons.append("P1 +1: comparability well evidenced (at least 4 pre-periods, and no sign of diverging "
                       "pre-trends with a pre-period drift small next to the finding, or a close pre-period fit)")
    n_treated = result.sample.get("n_treated_units")
    if n_treated is not None and n_treated < 5:
        strength -= 1
        reasons.append(f"P2 -1: only {n_treated} treated unit{'s' if n_treated != 1 else ''}; the finding rests on very few places")
    if _inference_disagrees(d):
        strength -= 1
        reasons.append("P3 -1: whether the effect is statistically clear depends on the inference method "
                       f"(clustered p = {d['cluster_p_value']:.3g}, wild bootstrap p = "
                       f"{d.get('wild_bootstrap_p_value', math.nan):.3g}, randomisation p = "
                       f"{d.get('randomisation_p_value', math.nan):.3g})")
    if contamination is not None and contamination > 0.10:
        strength -= 1
        reasons.append(f"P4 -1: {contamination:.0%} of comparison units are in another initiative (contamination)")
    if result.design == "did" and len(d.get("staggered_cohorts") or ()) > 1:
        strength -= 1
        share = d.get("bacon_already_treated_control_weight", math.nan)
        weight = "" if share is None or math.isnan(share) else f"; {share:.0%} of its weight"
        reasons.append(f"P5 -1: treated units start in {len(d['staggered_cohorts'])} different periods, so two-way "
                       f"fixed effects also compares later-treated with already-treated units{weight}; "
                       "design 'staggered_did' avoids those comparisons")
    if pilot_contamination is not None and pilot_contamination > 0.10:
        strength -= 1
        reasons.append(f"P6 -1: {pilot_contamination:.0%} of pilot units were also in another initiative during "
                       "the post-period, so the difference may be partly that initiative's")
    ceiling = (sms or 0) + 1
    return EvidenceRating(sms, max(0, min(strength, ceiling, 5)), tuple(reasons))


def _design_level(design: str, d: dict, reasons: list[str]) -> int | None:
    if design in WITH_COMPARISON and d.get("comparison_group", True):
        reasons.append("S1: before-and-after outcomes against a comparison group (SMS 3 design)")
        return 3
    if design in WITHOUT_COMPARISON or d.get("comparison_group") is False:
        reasons.append("S1: no comparison group; a before-and-after comparison adjusted for the prior trend "
                       "(SMS 2 at most)")
        return 2
    reasons.append(f"S1: design '{design}' is not scored on the SMS here")
    return None


def _comparability(design: str, d: dict, reasons: list[str]) -> int:
    p = d.get("pre_trend_p_value", math.nan)
    if p is not None and not math.isnan(p) and p < 0.05:
        reasons.append(f"S2: pre-period trends differ (joint test p = {p:.3g}); lowered to SMS 2")
        return 2
    if d.get("n_pre_periods", 0) < 2:
        reasons.append("S3: fewer than 2 pre-periods, so comparability cannot be shown; lowered to SMS 2")
        return 2
    if design != "synthetic_control" and (p is None or math.isnan(p)):
        reasons.append("S3: no pre-trend test could be run, so comparability cannot be shown; lowered to SMS 2")
        return 2
    fit = d.get("pre_rmspe_to_sd")
    if design == "synthetic_control" and fit is not None and fit > 0.5:
        reasons.append(f"S4: poor pre-period fit (RMSPE {fit:.2f} x the pre-period SD); lowered to SMS 2")
        return 2
    if design == "synthetic_control" and d.get("interpolation"):
        reasons.append("S5: the synthetic control interpolates (an exact pre-period fit from as many donors as "
                       "pre-periods, or placebos fitted exactly), so its fit shows nothing about comparability and "
                       "the placebo p-value is degenerate; lowered to SMS 2")
        return 2
    return 3


def _well_evidenced(design: str, d: dict) -> bool:
    if d.get("n_pre_periods", 0) < 4:
        return False
    if design == "synthetic_control":
        fit = d.get("pre_rmspe_to_sd")
        return fit is not None and fit <= 0.25 and not d.get("interpolation")
    p = d.get("pre_trend_p_value")
    return p is not None and not math.isnan(p) and p >= 0.10


def _inference_disagrees(d: dict) -> bool:
    conventional = d.get("cluster_p_value")
    robust = [d.get(k) for k in ("wild_bootstrap_p_value", "randomisation_p_value")]
    robust = [p for p in robust if p is not None and not math.isnan(p)]
    if conventional is None or math.isnan(conventional) or not robust:
        return False
    return any((conventional < 0.05) != (p < 0.05) for p in robust)
