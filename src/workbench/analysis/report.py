"""What each design reports to a brief: one typed contract between the estimators and the pages.

Every estimator returns a `Result`, whose `diagnostics` dict holds what that estimator happens to
compute, under names it chose. A brief, the evidence rating and the index must not read those
internals by convention (that is how a brief of an event study used to fail on a missing
``first_post_period``). They read a `DesignReport` instead, made by :func:`report` from a result
of any registered design (did, event_study, staggered_did, synthetic_control, its):

- the **estimand** in words, the **headline** estimate, its interval (NaN where the design has
  none: synthetic control) and the inference behind it in words (for synthetic control, its placebo
  test);
- the **series**: the pilots' observed mean per period against the path the design says they would
  otherwise have followed (the comparison mean where there is one);
- the **yearly effects**, with intervals where the design has them (event study, staggered DiD);
- the **diagnostics** as named, typed fields (`Diagnostics`), with the trend sensitivity
  (`sensitivity.TrendSensitivity`) for every design with a comparison group of real areas.

Designs without group means in their chart data (event study, staggered DiD) take them from the
data the result was fitted to (`report(result, data)`); without the data the series is empty and the
brief says so rather than drawing a chart it cannot draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from workbench.analysis.results import Estimate, Result
from workbench.analysis.sensitivity import TrendSensitivity, sensitivity_from_means

NAN = float("nan")
SERIES_COLUMNS = ["period", "pilot", "comparison", "counterfactual", "post", "n_pilot", "n_comparison"]
EFFECT_COLUMNS = ["period", "event_time", "estimate", "ci_low", "ci_high", "post"]
DESIGN_NAMES = {"did": "Difference-in-differences", "event_study": "Event study",
                "staggered_did": "Staggered difference-in-differences (Callaway and Sant'Anna)",
                "synthetic_control": "Synthetic control", "its": "Interrupted time series"}


@dataclass(frozen=True)
class Diagnostics:
    """The checks the rating and the brief read, the same fields for every design (NaN where not run)."""

    comparison_group: bool                 # a comparison group of other areas gives the counterfactual
    n_pre_periods: int                     # periods before the start
    pre_trend_p_value: float = NAN         # joint test of differences before the start
    pre_trend_test: str = ""
    pre_fit_rmspe_to_sd: float = NAN       # synthetic control: pre-period misfit over the outcome's SD
    interpolation: bool = False            # synthetic control: an exact fit that shows nothing
    cluster_p_value: float = NAN
    wild_bootstrap_p_value: float = NAN
    randomisation_p_value: float = NAN
    staggered_cohorts: int = 1             # start dates among the pilots
    already_treated_weight: float = NAN    # TWFE with staggered starts: weight on already-treated comparisons
    residual_autocorrelation: float = NAN  # interrupted time series: lag-1 autocorrelation of residuals
    trends: TrendSensitivity | None = None

    @property
    def pre_trend_tested(self) -> bool:
        """True when a pre-trend test was run (its p-value is a number)."""
        return not math.isnan(self.pre_trend_p_value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (NaN becomes None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "trends"}
        out = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}
        out["trends"] = self.trends.to_dict() if self.trends is not None else None
        return out


@dataclass(frozen=True, eq=False)
class DesignReport:
    """What one fitted design found, in the terms a brief needs (see the module docstring)."""

    design: str
    design_name: str                       # the design in words
    estimand: str                          # what the headline estimates, in words
    headline: Estimate
    inference: str                         # how its uncertainty was measured, in words
    confidence: float
    first_period: Any
    first_post_period: Any                 # None only for a hand-made result that records no start
    last_period: Any
    n_treated: int | None                  # None where the design records no count (a meta-analysis)
    n_comparison: int | None
    comparison_label: str                  # what the pilots are set against, in a chart legend
    counterfactual_label: str
    series: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SERIES_COLUMNS))
    effects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EFFECT_COLUMNS))
    effects_note: str = ""                 # what the yearly effects are measured against
    diagnostics: Diagnostics = field(default_factory=lambda: Diagnostics(True, 0))

    @property
    def has_interval(self) -> bool:
        """True when the design gives the headline a confidence interval."""
        return _finite(self.headline.ci_low) and _finite(self.headline.ci_high)

    @property
    def clear(self) -> bool:
        """True when the headline is statistically clear: its interval excludes zero, or (no interval)
        its placebo p-value is below 1 - confidence."""
        return is_clear(self.headline, self.confidence)

    @property
    def baseline(self) -> tuple[float, Any] | None:
        """The pilots' mean in the last period before the start, and that period (None if unknown)."""
        if self.series.empty:
            return None
        before = self.series[~self.series["post"].astype(bool)].dropna(subset=["pilot"])
        if before.empty:
            return None
        row = before.sort_values("period").iloc[-1]
        return float(row["pilot"]), _scalar(row["period"])

    @property
    def yearly_with_intervals(self) -> bool:
        """True when the yearly effects carry intervals (event study, staggered DiD)."""
        return not self.effects.empty and self.effects["ci_low"].notna().any()


def is_clear(estimate: Estimate, confidence: float = 0.95) -> bool:
    """True when an estimate stands out from chance: its interval excludes zero, or, with no interval
    (synthetic control), its p-value is below 1 - confidence. Neither interval nor p-value: not clear."""
    if _finite(estimate.ci_low) and _finite(estimate.ci_high):
        return bool(estimate.ci_low > 0 or estimate.ci_high < 0)
    return bool(_finite(estimate.p_value) and estimate.p_value < 1 - confidence)


def report(result: Result, data: pd.DataFrame | None = None) -> DesignReport:
    """The `DesignReport` of a result of any registered design; `data` is the panel it was fitted to
    (needed for the series of designs whose chart data have no group means: event study, staggered DiD)."""
    return _REPORTERS.get(result.design, _other)(result, data)


# --- one reporter per design -----------------------------------------------------------------
def _did(result: Result, data: pd.DataFrame | None) -> DesignReport:
    d, s = result.diagnostics, result.sample
    series = _series_frame(result.plot_frame)
    inference = _did_inference(d, s.get("n_treated_units"))
    return _make(result, DESIGN_NAMES["did"],
                 "the average difference after the start between pilot areas and the path the comparison areas "
                 "suggest they would have followed (the gap before the start carried forward)",
                 result.main, inference, series, _no_effects(), "",
                 _comparison_diagnostics(result, series, result.main, reference="pre_mean"),
                 first_post=s.get("first_post_period"))


def _event_study(result: Result, data: pd.DataFrame | None) -> DesignReport:
    first_post = _first_cohort(result.sample)
    series = _means_from_data(result, data, first_post)
    effects = _effects(result.plot_frame.rename(columns={}), series, first_post, result.sample)
    head = _term(result, "post_average")
    return _make(result, DESIGN_NAMES["event_study"],
                 "the average, over the periods after the start, of the pilot-comparison gap in each period "
                 "measured against the gap in the period before the start",
                 head, "confidence intervals from standard errors clustered by area", series, effects,
                 "each period's pilot-comparison gap minus the gap in the period before the start",
                 _comparison_diagnostics(result, series, head, reference="last_pre"), first_post=first_post)


def _staggered(result: Result, data: pd.DataFrame | None) -> DesignReport:
    first_post = _first_cohort(result.sample)
    series = _means_from_data(result, data, first_post)
    frame = result.plot_frame.rename(columns={"att": "estimate"})
    effects = _effects(frame, series, first_post, result.sample)
    return _make(result, DESIGN_NAMES["staggered_did"],
                 "the average effect on pilot areas in the periods after they started, each group of pilots "
                 "compared with areas not in the initiative from the period before its start",
                 result.main, "confidence intervals from the estimator's influence functions", series, effects,
                 "each period's gap measured against the period before the start",
                 _comparison_diagnostics(result, series, result.main, reference="last_pre",
                                         cohorts=len(result.sample.get("cohorts") or {1: 1})),
                 first_post=first_post)


def _synthetic_control(result: Result, data: pd.DataFrame | None) -> DesignReport:
    d, s = result.diagnostics, result.sample
    frame = result.plot_frame
    if "series" not in frame:
        frame = pd.DataFrame(columns=["series", "period", "treated", "synthetic", "gap", "post"])
    several = (frame["series"] == "average").any() or (s.get("n_treated_units") or 1) > 1
    own = frame[frame["series"] == ("average" if (frame["series"] == "average").any() else "treated")]
    own = own.sort_values("period")
    series = pd.DataFrame({
        "period": own["period"].to_numpy(), "pilot": own["treated"].to_numpy(dtype=float),
        "comparison": own["synthetic"].to_numpy(dtype=float), "counterfactual": NAN,   # the synthetic is it
        "post": own["post"].to_numpy(dtype=bool), "n_pilot": s.get("n_treated_units", 1),
        "n_comparison": d.get("n_donors", s.get("n_comparison_units", 0))})
    effects = pd.DataFrame({"period": series["period"], "event_time": NAN, "estimate": own["gap"].to_numpy(dtype=float),
                            "ci_low": NAN, "ci_high": NAN, "post": series["post"]})
    head = result.main
    placebos, rank = d.get("n_placebos"), d.get("placebo_rank")
    what = "sets of as many comparison areas" if several else "comparison areas"
    inference = (f"a placebo test: the same analysis run on {placebos} {what} as if they had been pilots; "
                 f"{rank} of them showed a difference at least as large (p = {_p(head.p_value)}); the design "
                 "gives no confidence interval" if placebos else "no placebo test was run; the design gives no "
                 "confidence interval")
    diagnostics = Diagnostics(
        comparison_group=bool(d.get("comparison_group", True)), n_pre_periods=int(d.get("n_pre_periods", 0)),
        pre_trend_test="pre-period fit of the synthetic control",
        pre_fit_rmspe_to_sd=_float(d.get("pre_rmspe_to_sd")), interpolation=bool(d.get("interpolation")),
        randomisation_p_value=_float(d.get("placebo_p_value")))
    return _make(result, DESIGN_NAMES["synthetic_control"],
                 "the average difference after the start between pilot areas and their synthetic controls: "
                 "weighted blends of comparison areas chosen to track each pilot before the start",
                 head, inference, series, effects, "each period's gap between the pilots and their synthetic controls",
                 diagnostics, first_post=s.get("first_post_period"),
                 comparison_label="Synthetic control (blend of comparison areas)",
                 counterfactual_label="Synthetic control (blend of comparison areas)")


def _its(result: Result, data: pd.DataFrame | None) -> DesignReport:
    d, s = result.diagnostics, result.sample
    plot = result.plot_frame
    if "observed" not in plot:
        plot = pd.DataFrame(columns=["period", "observed", "fitted", "counterfactual", "post", "n_units"])
    plot = plot.sort_values("period")
    post = plot["post"].to_numpy(dtype=bool)
    counterfactual = plot["counterfactual"].to_numpy(dtype=float)
    series = pd.DataFrame({
        "period": plot["period"].to_numpy(), "pilot": plot["observed"].to_numpy(dtype=float),
        "comparison": NAN, "counterfactual": np.where(post, counterfactual, plot["fitted"].to_numpy(dtype=float)),
        "post": post, "n_pilot": plot["n_units"].to_numpy(), "n_comparison": 0})
    gap = plot["observed"].to_numpy(dtype=float) - counterfactual
    effects = pd.DataFrame({"period": plot["period"].to_numpy(), "event_time": NAN, "estimate": gap,
                            "ci_low": NAN, "ci_high": NAN, "post": post})
    diagnostics = Diagnostics(comparison_group=False, n_pre_periods=int(d.get("n_pre_periods", 0)),
                              residual_autocorrelation=_float(d.get("residual_autocorrelation")))
    return _make(result, DESIGN_NAMES["its"],
                 "the average difference after the start between pilot areas and their own trend before the start, "
                 "continued (no comparison group)",
                 _term(result, "post_period_effect"),
                 "Newey-West standard errors, which allow for correlation between neighbouring periods",
                 series, effects, "each period's departure from the pilots' earlier trend, continued",
                 diagnostics, first_post=s.get("first_post_period"), comparison_label="",
                 counterfactual_label="Pilot areas if their earlier trend had continued")


def _other(result: Result, data: pd.DataFrame | None) -> DesignReport:
    """A design without its own reporter (a meta-analysis, say): its headline and common diagnostics."""
    series = _series_frame(result.plot_frame)
    return _make(result, result.design.replace("_", " ").capitalize(), "the design's headline estimate",
                 result.main, "as the design's method describes", series, _no_effects(), "",
                 _comparison_diagnostics(result, series, result.main, reference="pre_mean"),
                 first_post=result.sample.get("first_post_period"))


_REPORTERS: dict[str, Callable[[Result, pd.DataFrame | None], DesignReport]] = {
    "did": _did, "event_study": _event_study, "staggered_did": _staggered,
    "synthetic_control": _synthetic_control, "its": _its,
}


# --- helpers ---------------------------------------------------------------------------------
def _make(result: Result, name: str, estimand: str, head: Estimate, inference: str, series: pd.DataFrame,
          effects: pd.DataFrame, effects_note: str, diagnostics: Diagnostics, *, first_post,
          comparison_label: str = "Comparison areas",
          counterfactual_label: str = "Pilot areas if they had followed the comparison trend") -> DesignReport:
    s = result.sample
    return DesignReport(
        design=result.design, design_name=name, estimand=estimand, headline=head, inference=inference,
        confidence=result.confidence, first_period=s.get("first_period"), first_post_period=_scalar(first_post),
        last_period=s.get("last_period"), n_treated=_count(s.get("n_treated_units")),
        n_comparison=_count(s.get("n_comparison_units")), comparison_label=comparison_label,
        counterfactual_label=counterfactual_label, series=series.reset_index(drop=True),
        effects=effects.reset_index(drop=True), effects_note=effects_note, diagnostics=diagnostics)


def _did_inference(d: dict, n_treated) -> str:
    if _finite(d.get("wild_bootstrap_p_value")):
        few = f" (with {n_treated} pilot areas, conventional clustered errors could overstate certainty)" \
            if n_treated and n_treated < 10 else ""
        return f"a wild cluster bootstrap, which stays honest with few pilot areas{few}"
    return "standard errors clustered by area"


def _comparison_diagnostics(result: Result, series: pd.DataFrame, head: Estimate, *, reference: str,
                            cohorts: int | None = None) -> Diagnostics:
    d = result.diagnostics
    trends = None
    if not series.empty and series["post"].any() and not series["post"].all() and _finite(head.ci_low):
        trends = sensitivity_from_means(series, head.estimate, head.ci_low, head.ci_high, reference=reference)
    staggered = d.get("staggered_cohorts") or ()
    return Diagnostics(
        comparison_group=bool(d.get("comparison_group", True)), n_pre_periods=int(d.get("n_pre_periods", 0)),
        pre_trend_p_value=_float(d.get("pre_trend_p_value")), pre_trend_test=str(d.get("pre_trend_test") or ""),
        cluster_p_value=_float(d.get("cluster_p_value")),
        wild_bootstrap_p_value=_float(d.get("wild_bootstrap_p_value")),
        randomisation_p_value=_float(d.get("randomisation_p_value")),
        staggered_cohorts=cohorts if cohorts is not None else max(1, len(staggered)),
        already_treated_weight=_float(d.get("bacon_already_treated_control_weight")), trends=trends)


def _series_frame(plot: pd.DataFrame) -> pd.DataFrame:
    if not {"period", "pilot", "comparison", "post"} <= set(plot.columns):
        return pd.DataFrame(columns=SERIES_COLUMNS)
    out = plot.copy()
    for column in ("counterfactual", "n_pilot", "n_comparison"):
        if column not in out:
            out[column] = pd.NA
    return out[SERIES_COLUMNS]


def _means_from_data(result: Result, data: pd.DataFrame | None, first_post) -> pd.DataFrame:
    """Pilot and comparison means per period (as did's chart has them) from the data the result was fitted to."""
    from workbench.analysis.did import group_means   # did registers itself on import; import late

    spec, s = result.spec, result.sample
    needed = [spec.get(k) for k in ("outcome", "unit", "time")]
    if data is None or first_post is None or any(c is None or c not in data for c in needed):
        return pd.DataFrame(columns=SERIES_COLUMNS)
    outcome, unit, time = needed
    treated = {str(u) for u in s.get("treated_units") or ()}
    units = data[unit].astype(str)
    if not treated and spec.get("treatment") in data:
        treated = set(units[data[spec["treatment"]].astype(bool)])
    comparison = s.get("comparison_units")
    keep = units.isin(treated) | (units.isin({str(u) for u in comparison}) if comparison else ~units.isin(treated))
    frame = data[keep.to_numpy()]
    ever = frame[unit].astype(str).isin(treated).to_numpy()
    strata = spec.get("strata") if spec.get("strata") in frame else None
    return group_means(frame, outcome, unit, time, ever, first_post, strata)[SERIES_COLUMNS]


def _effects(frame: pd.DataFrame, series: pd.DataFrame, first_post, sample: dict) -> pd.DataFrame:
    """Yearly effects by event time, with the calendar period where there is one start date."""
    if "event_time" not in frame:
        return _no_effects()
    out = frame.copy()
    periods = sorted(series["period"].tolist()) if not series.empty else list(sample.get("periods") or [])
    single = len(sample.get("cohorts") or {0: 0}) == 1
    if single and first_post in periods:
        base = periods.index(first_post)
        out["period"] = [periods[base + int(k)] if 0 <= base + int(k) < len(periods) else NAN
                         for k in out["event_time"]]
    else:
        out["period"] = NAN
    out["post"] = out["event_time"] >= 0
    return out[EFFECT_COLUMNS]


def _no_effects() -> pd.DataFrame:
    return pd.DataFrame(columns=EFFECT_COLUMNS)


def _term(result: Result, term: str) -> Estimate:
    for e in result.estimates:
        if e.term == term:
            return e
    return result.main


def _first_cohort(sample: dict):
    if sample.get("first_post_period") is not None:
        return sample["first_post_period"]
    cohorts = sample.get("cohorts") or {}
    starts = sorted(float(c) for c in cohorts)
    if not starts:
        return None
    first = starts[0]
    return int(first) if first.is_integer() else first


def _count(value) -> int | None:
    """A recorded count as an int (None when missing or not a number)."""
    return int(value) if _finite(value) else None


def _float(value) -> float:
    return float(value) if _finite(value) else NAN


def _finite(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _scalar(value):
    return value.item() if hasattr(value, "item") else value


def _p(p: float) -> str:
    return "less than 0.001" if p < 0.001 else f"{p:.3f}"
