"""Outcome panels for one initiative and one indicator: the analysis-ready view of the evidence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbench.display import key_value_table
from workbench.errors import SpecificationError
from workbench.evidence.catalog import Catalog, DatasetEntry, default_catalog
from workbench.evidence.loading import AREAS, INDICATORS, area_aliases, initiatives, load
from workbench.evidence.registers import Initiative

DEFAULT_OUTCOMES = "outcomes_demo"


@dataclass(frozen=True)
class Indicator:
    """An outcome indicator's metadata from the indicator register."""

    id: str
    name: str
    measure: str
    domain: str
    unit: str
    multiplier: float
    better: str
    real_world_series: str


@dataclass(frozen=True, repr=False)
class OutcomePanel:
    """One indicator for pilot and comparison areas over time, with where it came from.

    `data` has one row per area and period: area_code, area_name, region_code, period, value, numerator,
    denominator, pilot (the area is a member of the initiative), post (the period is on or after
    the initiative's first post period) and treated (pilot and post).
    """

    data: pd.DataFrame
    initiative: Initiative
    indicator: Indicator
    dataset: DatasetEntry
    digest: str
    comparison_rule: str

    @property
    def synthetic(self) -> bool:
        """True when the numbers are synthetic (the demo), never evidence about the world."""
        return self.dataset.synthetic

    @property
    def pilot_areas(self) -> list[str]:
        """Codes of the pilot (treated) areas in the panel."""
        return sorted(self.data.loc[self.data["pilot"], "area_code"].unique())

    @property
    def comparison_areas(self) -> list[str]:
        """Codes of the comparison areas in the panel."""
        return sorted(self.data.loc[~self.data["pilot"], "area_code"].unique())

    def _facts(self) -> list[tuple[str, object]]:
        periods = self.data["period"]
        kind = "SYNTHETIC (demo, not evidence)" if self.synthetic else "real, published"
        return [("initiative", self.initiative.name), ("indicator", self.indicator.name),
                ("areas", f"{self.data['area_code'].nunique()} ({len(self.pilot_areas)} pilot)"),
                ("periods", f"{periods.min()} to {periods.max()}"), ("rows", f"{len(self.data):,}"),
                ("dataset", f"{self.dataset.id}: {kind}"), ("digest", self.digest[:12])]

    def __repr__(self) -> str:
        facts = dict(self._facts())
        return (f"<OutcomePanel {self.initiative.id} x {self.indicator.id}: {facts['areas']} areas, "
                f"{facts['periods']}, {facts['rows']} rows; {facts['dataset']}>")

    def _repr_html_(self) -> str:
        return key_value_table("Outcome panel", self._facts())


def indicator(indicator_id: str, catalog: Catalog | None = None) -> Indicator:
    """Look an indicator up in the indicator register."""
    table = load(INDICATORS, catalog).set_index("indicator")
    if indicator_id not in table.index:
        raise SpecificationError(
            f"unknown indicator '{indicator_id}'; the register has: {', '.join(table.index)}"
        )
    row = table.loc[indicator_id]
    return Indicator(indicator_id, row["name"], row["measure"], row["domain"], row["unit"], float(row["multiplier"]),
                     row["better"], row["real_world_series"])


def outcome_panel(initiative_id: str, indicator_id: str, dataset: str = DEFAULT_OUTCOMES,
                  catalog: Catalog | None = None) -> OutcomePanel:
    """The panel for comparing an initiative's pilot areas with all eligible non-pilot areas.

    Comparison areas are every authority in the area register that is not a member of the
    initiative. The choice is recorded in `comparison_rule`.
    """
    catalog = catalog if catalog is not None else default_catalog()
    registry = initiatives(catalog)
    if initiative_id not in registry:
        raise SpecificationError(
            f"unknown initiative '{initiative_id}'; the register has: {', '.join(registry)}"
        )
    ini = registry[initiative_id]
    meta = indicator(indicator_id, catalog)
    outcomes = load(dataset, catalog)
    rows = outcomes[outcomes["indicator"] == indicator_id]
    if rows.empty:
        raise SpecificationError(f"dataset '{dataset}' has no rows for indicator '{indicator_id}'")
    require_pilot_areas(rows, ini, dataset, catalog)
    areas = load(AREAS, catalog).set_index("area_code")
    data = rows.drop(columns="indicator").copy()
    data.insert(1, "area_name", data["area_code"].map(areas["name"]))
    data.insert(2, "region_code", data["area_code"].map(areas["region_code"]))
    data["period"] = data["period"].astype("int64")
    data["pilot"] = data["area_code"].isin(ini.member_areas)
    data["post"] = data["period"] >= ini.first_post_period
    data["treated"] = (data["pilot"] & data["post"]).astype("int64")
    data = data.sort_values(["area_code", "period"], ignore_index=True)
    n_comparison = data.loc[~data["pilot"], "area_code"].nunique()
    rule = (f"all {n_comparison} upper-tier authorities in the area register that are not members "
            f"of {ini.name}")
    entry = catalog[dataset]
    return OutcomePanel(data, ini, meta, entry, entry.digest(), rule)

def require_pilot_areas(rows: pd.DataFrame, ini: Initiative, dataset: str, catalog: Catalog | None = None) -> None:
    """Refuse a dataset that lacks any pilot area of the initiative, naming the areas, before any model runs.

    Area codes are compared through the register's aliases (a former code counts as its area).
    """
    aliases = area_aliases(catalog)
    present = {aliases.get(code, code) for code in rows["area_code"].astype(str).unique()}
    missing = [code for code in ini.member_areas if aliases.get(code, code) not in present]
    if missing:
        raise SpecificationError(
            f"dataset '{dataset}' has no rows for the pilot areas of {ini.name}: {', '.join(missing)} "
            f"({len(missing)} of {len(ini.member_areas)}); choose a dataset that covers them, or bring it to "
            "their geography first (evidence.harmonise)")


@dataclass(frozen=True)
class Overlap:
    """Areas of a panel that also belong to another initiative (a threat to attribution)."""

    initiative: str
    first_post_period: int
    pilot_areas: tuple[str, ...]
    comparison_areas: tuple[str, ...]


def overlaps(panel: OutcomePanel, catalog: Catalog | None = None) -> list[Overlap]:
    """Other initiatives whose members sit among this panel's pilot or comparison areas."""
    out = []
    pilots, comparisons = set(panel.pilot_areas), set(panel.comparison_areas)
    for other in initiatives(catalog).values():
        if other.id == panel.initiative.id:
            continue
        members = set(other.member_areas)
        if members & (pilots | comparisons):
            out.append(Overlap(other.name, other.first_post_period,
                               tuple(sorted(members & pilots)), tuple(sorted(members & comparisons))))
    return out
