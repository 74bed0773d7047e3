"""The brief template's fits: an outcome panel, its comparison group and its estimate, each computed once.

The outcome brief fits its own indicator and every other indicator of its family (to adjust the
p-values for testing them all). Every registered outcome design can be fitted (`DESIGN_ARGUMENTS`
gives each its own keyword arguments); :mod:`workbench.batch.robustness` fits the others beside the
headline. Each fit goes through :func:`workbench.batch.store.fit`, so in a
batch build a family member's fit is computed once and shared by every brief that shows it.

    from workbench.batch import outcomes
    fitted = outcomes.fit_outcome("total_place", "claimant_count", dataset="claimant_count")
    fitted.panel, fitted.comparison, fitted.result
    outcomes.fit_outcome("total_place", "claimant_count", dataset="claimant_count", design="synthetic_control")
    family = outcomes.fit_family("total_place", ["claimant_count:claimant_count", "household_income:gdhi_per_head"])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench import analysis, evidence
from workbench.analysis.comparison import ComparisonGroup
from workbench.analysis.results import Result
from workbench.batch import store
from workbench.errors import SpecificationError
from workbench.evidence.panels import OutcomePanel


@dataclass(frozen=True)
class FittedOutcome:
    """One indicator for one initiative: the panel, the comparison group and the fitted result."""

    panel: OutcomePanel
    comparison: ComparisonGroup
    result: Result


@dataclass(frozen=True)
class DesignCall:
    """What one design is given for a panel: the rows, the comparison group (None: none) and its keywords."""

    data: pd.DataFrame
    comparison: ComparisonGroup | None
    spec: dict[str, Any]


# Each design's own keyword arguments for an outcome panel, by design name (see `design_call`).
# Builders take (panel, comparison, compare_within) and return a DesignCall.
DesignArguments = Callable[[OutcomePanel, ComparisonGroup, "str | None"], DesignCall]
_COMMON = {"outcome": "value", "unit": "area_code", "time": "period"}


def _with_strata(panel: OutcomePanel, comparison: ComparisonGroup, compare_within: str | None) -> DesignCall:
    """did, event_study, staggered_did: the 0/1 `treated` column, period effects within `compare_within`."""
    return DesignCall(panel.data, comparison, {**_COMMON, "treatment": "treated", "strata": compare_within})


def _synthetic_control(panel: OutcomePanel, comparison: ComparisonGroup, compare_within: str | None) -> DesignCall:
    """Synthetic control of every pilot area from the comparison group (no strata: a donor pool has none).

    method="plain" (donor weights fitted to the pre-period outcome path), with placebos in space and
    no leave-one-out refits. Measured on this project's machine (2 cores), with every placebo:
    Total Place claimant count (30 pilot areas, 123 donors) 0.26 s plain against 0.69 s nested;
    the demo's Whole-Place Community Budgets emergency admissions (17 pilot areas, 135 donors)
    0.17 s against 0.58 s. The estimates agreed to 12 digits on both panels: with the outcome in
    every pre-period as the only predictors, the nested search ends at the outcome-path fit when a
    V reaches it, which is what plain fits directly. So plain gives the same estimate in about a
    third of the time. Placebos stay on, although they are about three quarters of plain's time,
    because the placebo p-value is the design's only inference.
    """
    spec = {**_COMMON, "treated_unit": panel.pilot_areas, "start": panel.initiative.first_post_period,
            "treatment": "treated", "method": "plain", "placebo": True, "leave_one_out": False}
    return DesignCall(panel.data, comparison, spec)


def _its(panel: OutcomePanel, comparison: ComparisonGroup, compare_within: str | None) -> DesignCall:
    """Interrupted time series of the mean over the pilot areas per period; no comparison group.

    The result lists the level change first (`result.main`); the term comparable with the other
    designs' average effect is "post_period_effect", the average gap over the post-periods between
    the fitted line and the pre-period line extended (`robustness.headline_estimate` picks it).
    The comparison group `fit_panel` chose is still returned beside the result, unused.
    """
    pilots = panel.data[panel.data["pilot"]].reset_index(drop=True)
    spec = {"outcome": "value", "unit": "area_code", "time": "period", "start": panel.initiative.first_post_period}
    return DesignCall(pilots, None, spec)


DESIGN_ARGUMENTS: dict[str, DesignArguments] = {
    "did": _with_strata,
    "event_study": _with_strata,
    "staggered_did": _with_strata,
    "synthetic_control": _synthetic_control,
    "its": _its,
}
COMPARES_WITHIN = frozenset(d for d, b in DESIGN_ARGUMENTS.items() if b is _with_strata)  # given `compare_within`
NO_COMPARISON_GROUP = frozenset(d for d, b in DESIGN_ARGUMENTS.items() if b is _its)       # the pilots alone


def design_call(design: str, panel: OutcomePanel, comparison: ComparisonGroup,
                compare_within: str | None = "region_code") -> DesignCall:
    """The rows, comparison group and keyword arguments `design` is fitted with on an outcome panel.

    `compare_within` (a column constant within area, e.g. region) reaches only the designs that
    compare within strata (did, event_study, staggered_did). A registered design without a builder
    here (meta_analysis) is refused with the ones that can be fitted.
    """
    analysis.get(design)                                   # an unknown design: the registry's own error
    if design not in DESIGN_ARGUMENTS:
        raise SpecificationError(f"design '{design}' cannot be fitted to an outcome panel; use one of: "
                                 f"{', '.join(DESIGN_ARGUMENTS)}")
    return DESIGN_ARGUMENTS[design](panel, comparison, compare_within)


def fit_outcome(initiative: str, indicator: str, *, dataset: str, design: str = "did",
                comparison_method: str = "all", neighbours: int = 5, compare_within: str | None = "region_code",
                last_period: int | None = None, pilot: str | None = None,
                fit_options: dict[str, Any] | None = None) -> FittedOutcome:
    """Build the panel, choose the comparison group and fit `design` (pilots against the rest).

    `pilot` narrows the initiative to one of its pilots (the other pilots' areas are left out).
    `design` is any of `DESIGN_ARGUMENTS` (each gets its own keyword arguments: `design_call`);
    `fit_options` are further keyword arguments of the design's estimator (e.g. ``{"draws": 999}``).
    """
    panel = evidence.outcome_panel(initiative, indicator, dataset=dataset, last_period=last_period, pilot=pilot)
    return fit_panel(panel, design=design, comparison_method=comparison_method, neighbours=neighbours,
                     compare_within=compare_within, fit_options=fit_options)


def fit_panel(panel: OutcomePanel, *, design: str = "did", comparison_method: str = "all", neighbours: int = 5,
              compare_within: str | None = "region_code", fit_options: dict[str, Any] | None = None) -> FittedOutcome:
    """`fit_outcome` on a panel already built: choose the comparison group, fit `design` through the store."""
    comparison = analysis.comparison.select(
        panel.data, unit="area_code", time="period", outcome="value", treated=panel.pilot_areas,
        start=panel.initiative.first_post_period, method=comparison_method, k=neighbours,
        exclude=panel.reorganised_areas())
    call = design_call(design, panel, comparison, compare_within)
    result = store.fit(design, call.data, comparison=call.comparison, **{**call.spec, **(fit_options or {})})
    return FittedOutcome(panel, comparison, result)


def family_members(dataset: str, family: list[str] | None) -> list[tuple[str, str]]:
    """(dataset, indicator) pairs: `family` as "dataset:indicator" strings, or every indicator of `dataset`."""
    if not family:
        return [(dataset, i) for i in sorted(evidence.load(dataset)["indicator"].unique())]
    pairs = []
    for item in family:
        ds, sep, ind = str(item).partition(":")
        if not sep or not ds or not ind:
            raise SpecificationError(f"family member {item!r} is not 'dataset:indicator'")
        pairs.append((ds, ind))
    return pairs


def fit_family(initiative: str, family: list[tuple[str, str]], **options) -> tuple[dict[str, Result], dict[str, str]]:
    """Fit every (dataset, indicator) of the family; return results by indicator and the ones that could not be.

    An indicator whose panel cannot be built for this initiative (no pre-period, pilots not covered)
    is returned in the second dict with the reason, so the brief can say it was not analysed.
    """
    results, skipped = {}, {}
    for ds, ind in family:
        try:
            results[ind] = fit_outcome(initiative, ind, dataset=ds, **options).result
        except SpecificationError as exc:
            skipped[ind] = str(exc)
    return results, skipped
