"""The brief template's fits: an outcome panel, its comparison group and its estimate, each computed once.

The outcome brief fits its own indicator and every other indicator of its family (to adjust the
p-values for testing them all). Each fit goes through :func:`workbench.batch.store.fit`, so in a
batch build a family member's fit is computed once and shared by every brief that shows it.

    from workbench.batch import outcomes
    fitted = outcomes.fit_outcome("total_place", "claimant_count", dataset="claimant_count")
    fitted.panel, fitted.comparison, fitted.result
    family = outcomes.fit_family("total_place", ["claimant_count:claimant_count", "household_income:gdhi_per_head"])
"""

from __future__ import annotations

from dataclasses import dataclass

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


def fit_outcome(initiative: str, indicator: str, *, dataset: str, design: str = "did",
                comparison_method: str = "all", neighbours: int = 5, compare_within: str | None = "region_code",
                last_period: int | None = None, pilot: str | None = None) -> FittedOutcome:
    """Build the panel, choose the comparison group and fit `design` (pilots against the rest).

    `pilot` narrows the initiative to one of its pilots (the other pilots' areas are left out).
    """
    panel = evidence.outcome_panel(initiative, indicator, dataset=dataset, last_period=last_period, pilot=pilot)
    comparison = analysis.comparison.select(
        panel.data, unit="area_code", time="period", outcome="value", treated=panel.pilot_areas,
        start=panel.initiative.first_post_period, method=comparison_method, k=neighbours,
        exclude=panel.reorganised_areas())
    result = store.fit(design, panel.data, comparison=comparison, outcome="value", unit="area_code",
                       time="period", treatment="treated", strata=compare_within)
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
