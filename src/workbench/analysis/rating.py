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
  S6  (did, event study, staggered DiD: designs with pilot and comparison means and an interval) the
      pilot-comparison gap's drift before the start, carried forward, would bring the interval to
      zero (`sensitivity.TrendSensitivity`, in the report's diagnostics): lowers SMS 3 to 2 whatever
      the pre-trend test says, because a test that fails to reject is not proof of parallel trends.
Strength rules (start at the SMS level, 0 if not scoreable; clamp to 0..SMS+1, and to 3, "moderate",
for one observational study: rule C1)
  P1  +1 when comparability is well evidenced: SMS 3, at least 4 pre-periods, and a pre-trend test
      with p >= 0.10 (or a synthetic control fit within a quarter of the pre-period SD); where the
      drift is measured (S6) also a drift small in practice (under half of what would overturn it).
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
  C1  one observational study is capped at 3, "moderate": however well its comparison holds up, it
      cannot rule out that the pilots differed in ways the comparison does not capture (the EEF and
      What Works Growth cap non-randomised single studies the same way).

The page shows each reason as one plain sentence (`Reason.sentence`); the rule codes and the
technical detail (`Reason.code`, `Reason.detail`) stay in the brief's technical annex. The rating
reads a design's typed diagnostics (`analysis.report.DesignReport`), never its internals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from workbench.analysis.report import DesignReport, report
from workbench.analysis.results import Result

WITH_COMPARISON = {"did", "event_study", "staggered_did", "synthetic_control"}
WITHOUT_COMPARISON = {"its"}
SINGLE_STUDY_CAP = 3      # rule C1: one observational study is at most "moderate"
STRENGTH_LABELS = {0: "no usable evidence", 1: "very weak", 2: "weak", 3: "moderate", 4: "strong",
                   5: "very strong"}
SMS_LABELS = {
    1: "SMS 1: a simple before-and-after or cross-sectional comparison",
    2: "SMS 2: a before-and-after or a pilot-versus-comparison contrast, without evidence that the comparison is like-for-like",
    3: "SMS 3: before-and-after outcomes against a comparison group shown to be comparable",
}


@dataclass(frozen=True)
class Reason:
    """One reason for a rating: its rule code, one plain sentence for the page, the technical detail."""

    code: str
    sentence: str
    detail: str = ""

    def annex(self) -> str:
        """The reason for the technical annex: code, then the detail (or the sentence)."""
        return f"{self.code}: {self.detail or self.sentence}"


@dataclass(frozen=True)
class EvidenceRating:
    """A design level (Maryland SMS), a 0-5 strength, and the reasons for both."""

    sms: int | None
    strength: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        """The strength in words ("moderate", ...)."""
        return STRENGTH_LABELS[self.strength]

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the rules applied, in order (for the annex and tests)."""
        return tuple(r.code for r in self.reasons)

    @property
    def comparability_shown(self) -> bool:
        """True when the design reached SMS 3: a comparison group whose comparability the checks support,
        the condition for describing the finding in causal words."""
        return self.sms is not None and self.sms >= 3

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for briefs and manifests: plain sentences under "reasons", codes under "rules"."""
        return {"sms": self.sms, "sms_label": SMS_LABELS.get(self.sms, "not scoreable on the SMS"),
                "strength": self.strength, "label": self.label,
                "reasons": [r.sentence for r in self.reasons],
                "rules": [{"code": r.code, "sentence": r.sentence, "detail": r.detail} for r in self.reasons]}


def rate(result: Result | DesignReport, *, contamination: float | None = None,
         pilot_contamination: float | None = None) -> EvidenceRating:
    """Rate a result (or its `DesignReport`); `contamination` is the share of comparison units in another
    initiative, `pilot_contamination` the share of pilot units in another initiative that began during
    the post-period."""
    r = result if isinstance(result, DesignReport) else report(result)
    d = r.diagnostics
    reasons: list[Reason] = []
    sms = _design_level(r, reasons)
    trends = d.trends
    if sms == 3:
        sms = _comparability(r, reasons)
    if sms == 3 and trends is not None and trends.overturned:
        sms = 2
        reasons.append(Reason(
            "S6", f"Before the start the gap between pilot and comparison areas was drifting by {trends.observed_drift:.3g} "
            "a year; had that drift carried on, it alone could explain the difference found.",
            f"pre-period drift {trends.observed_drift:.3g} a period, carried forward, brings the interval to zero "
            f"(breakdown drift {trends.breakdown_drift:.3g}); lowered to SMS 2"))
    strength = sms or 0
    if sms == 3 and _well_evidenced(r) and (trends is None or trends.small_in_practice):
        strength += 1
        reasons.append(Reason(
            "P1", "The years before the start support the comparison: at least four of them, no sign of pilot and "
            "comparison areas drifting apart, and any drift small next to the finding.",
            "+1: at least 4 pre-periods and a pre-trend test with p >= 0.10 and a pre-period drift under half the "
            "breakdown drift (or a synthetic-control fit within a quarter of the pre-period SD)"))
    n_treated = r.n_treated
    if n_treated is not None and n_treated < 5:
        strength -= 1
        reasons.append(Reason(
            "P2", f"The finding rests on {'a single pilot area' if n_treated == 1 else f'only {n_treated} pilot areas'}, "
            "so one place's own circumstances can sway it.",
            f"-1: {n_treated} treated unit{'s' * (n_treated != 1)} (fewer than 5)"))
    if _inference_disagrees(d):
        strength -= 1
        reasons.append(Reason(
            "P3", "Whether the difference stands out from chance depends on how the uncertainty is measured.",
            f"-1: clustered p = {d.cluster_p_value:.3g}, wild bootstrap p = {d.wild_bootstrap_p_value:.3g}, "
            f"randomisation p = {d.randomisation_p_value:.3g}"))
    if contamination is not None and contamination > 0.10:
        strength -= 1
        reasons.append(Reason(
            "P4", f"{contamination:.0%} of the comparison areas were themselves in another initiative, so part of the "
            "comparison is with places that also changed how they worked.",
            f"-1: {contamination:.0%} of comparison units in another initiative (more than 10%)"))
    if r.design == "did" and d.staggered_cohorts > 1:
        strength -= 1
        share = d.already_treated_weight
        weight = "" if math.isnan(share) else f"; {share:.0%} of its weight"
        reasons.append(Reason(
            "P5", f"The pilots started in {d.staggered_cohorts} different years, and this method then also compares "
            "late starters with places already under way, which can mislead when effects grow over time.",
            f"-1: two-way fixed effects on {d.staggered_cohorts} start periods{weight}; design 'staggered_did' "
            "avoids those comparisons"))
    if pilot_contamination is not None and pilot_contamination > 0.10:
        strength -= 1
        reasons.append(Reason(
            "P6", f"{pilot_contamination:.0%} of the pilot areas were also in another initiative during these years, so "
            "the difference may be partly that initiative's.",
            f"-1: {pilot_contamination:.0%} of pilot units in another initiative begun in the post-period (more than 10%)"))
    ceiling = min((sms or 0) + 1, 5)
    if strength > SINGLE_STUDY_CAP and ceiling > SINGLE_STUDY_CAP:
        reasons.append(Reason(
            "C1", "One observational study can be at most moderate evidence: however well the comparison holds up, "
            "the pilots may have differed in ways it cannot see.",
            f"strength {min(strength, ceiling)} capped at {SINGLE_STUDY_CAP} (single non-randomised study)"))
    return EvidenceRating(sms, max(0, min(strength, ceiling, SINGLE_STUDY_CAP)), tuple(reasons))


def _design_level(r: DesignReport, reasons: list[Reason]) -> int | None:
    if r.design in WITH_COMPARISON and r.diagnostics.comparison_group:
        reasons.append(Reason("S1", "Pilot areas are compared with other areas over the same years, before and after "
                                    "the start.", "before-and-after outcomes against a comparison group (SMS 3 design)"))
        return 3
    if r.design in WITHOUT_COMPARISON or not r.diagnostics.comparison_group:
        reasons.append(Reason("S1", "There is no comparison group: the pilots are compared only with their own trend "
                                    "before the start, so anything else that changed at the same time could explain "
                                    "the difference.", "no comparison group; before-and-after adjusted for the prior "
                                                       "trend (SMS 2 at most)"))
        return 2
    reasons.append(Reason("S1", "This kind of analysis is not scored on the Maryland scale.",
                          f"design '{r.design}' is not scored on the SMS here"))
    return None


def _comparability(r: DesignReport, reasons: list[Reason]) -> int:
    d = r.diagnostics
    p = d.pre_trend_p_value
    if d.pre_trend_tested and p < 0.05:
        reasons.append(Reason("S2", "Before the start, pilot and comparison areas were already moving apart, so the "
                                    "comparison areas may not show what would have happened.",
                              f"pre-period trends differ (joint test p = {p:.3g}); lowered to SMS 2"))
        return 2
    if d.n_pre_periods < 2:
        reasons.append(Reason("S3", "There are too few years before the start to check that the comparison areas "
                                    "were like the pilots.", "fewer than 2 pre-periods; lowered to SMS 2"))
        return 2
    if r.design != "synthetic_control" and not d.pre_trend_tested:
        reasons.append(Reason("S3", "No check of the years before the start could be run, so it is unknown whether the "
                                    "comparison areas were like the pilots.",
                              "no pre-trend test could be run; lowered to SMS 2"))
        return 2
    fit = d.pre_fit_rmspe_to_sd
    if r.design == "synthetic_control" and not math.isnan(fit) and fit > 0.5:
        reasons.append(Reason("S4", "The blend of comparison areas did not track the pilots closely before the start.",
                              f"poor pre-period fit (RMSPE {fit:.2f} x the pre-period SD); lowered to SMS 2"))
        return 2
    if r.design == "synthetic_control" and d.interpolation:
        reasons.append(Reason("S5", "The blend of comparison areas matched the years before the start only because it "
                                    "had more areas to mix than years to match, so the match shows nothing.",
                              "the synthetic control interpolates (an exact pre-period fit from as many donors as "
                              "pre-periods, or placebos fitted exactly), so the placebo p-value is degenerate; "
                              "lowered to SMS 2"))
        return 2
    return 3


def _well_evidenced(r: DesignReport) -> bool:
    d = r.diagnostics
    if d.n_pre_periods < 4:
        return False
    if r.design == "synthetic_control":
        return not math.isnan(d.pre_fit_rmspe_to_sd) and d.pre_fit_rmspe_to_sd <= 0.25 and not d.interpolation
    return d.pre_trend_tested and d.pre_trend_p_value >= 0.10


def _inference_disagrees(d) -> bool:
    robust = [p for p in (d.wild_bootstrap_p_value, d.randomisation_p_value) if not math.isnan(p)]
    if math.isnan(d.cluster_p_value) or not robust:
        return False
    return any((d.cluster_p_value < 0.05) != (p < 0.05) for p in robust)
