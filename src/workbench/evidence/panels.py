"""Outcome panels for one initiative and one indicator: the analysis-ready view of the evidence."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from workbench.display import key_value_table
from workbench.errors import SpecificationError
from workbench.evidence.catalog import Catalog, DatasetEntry, default_catalog
from workbench.evidence.loading import AREAS, INDICATORS, area_aliases, initiatives, load, reorganised_areas
from workbench.evidence.real_panels import Preparation, real_outcome_panel
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
    preparation: Preparation | None = None

    @property
    def real(self) -> bool:
        """True when the numbers are real published statistics (prepared by :mod:`real_panels`)."""
        return not self.synthetic

    @property
    def footprint(self) -> str:
        """The geography every area keeps throughout the panel, in words."""
        if self.preparation is not None:
            return self.preparation.footprint
        return self.dataset.extra.get("vintage") or "upper-tier local authorities"

    @property
    def time_label(self) -> str:
        """What the time axis of a chart of this panel shows (the demo's periods are financial years)."""
        return self.preparation.time_label if self.preparation is not None else "Financial year starting"

    @property
    def period_labels(self) -> dict[int, str] | None:
        """Period -> the publisher's label (``2010/11``, ``2007-09``), where they differ; None for the demo."""
        if "period_label" not in self.data:
            return None
        labels = self.data.drop_duplicates("period").set_index("period")["period_label"]
        return {int(p): str(l) for p, l in labels.items()} if (labels.astype(str) != labels.index.astype(str)).any() else None

    def areas_with_land_of(self, codes) -> set[str]:
        """The panel's areas with any land in the given authorities (register codes of any vintage).

        On the register's own footprint this is the codes themselves; on a real panel's footprint
        (2023 areas, say) Bournemouth is found in BCP and Northamptonshire in its two successors.
        """
        areas = self.data["area_code"].unique()
        if self.preparation is None:
            return set(codes) & set(areas)
        return self.preparation.areas_with_land_of(codes, areas)

    def reorganised_areas(self) -> dict[str, str]:
        """Areas to leave out because their boundaries changed inside the panel: code -> reason.

        Empty for a prepared real panel (harmonised to one footprint already).
        """
        if self.preparation is not None:
            return {}
        return reorganised_areas(self.dataset.id, int(self.data["period"].min()))

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
        facts = [("initiative", self.initiative.name), ("indicator", self.indicator.name),
                ("areas", f"{self.data['area_code'].nunique()} ({len(self.pilot_areas)} pilot)"),
                ("periods", f"{periods.min()} to {periods.max()}"), ("rows", f"{len(self.data):,}"),
                ("dataset", f"{self.dataset.id}: {kind}"), ("digest", self.digest[:12])]
        if self.preparation is not None:
            facts += [("geography", self.preparation.footprint), ("period type", self.preparation.period_words),
                      *(("choice", n) for n in self.preparation.notes)]
        return facts

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
                  catalog: Catalog | None = None, last_period: int | None = None,
                  pilot: str | None = None) -> OutcomePanel:
    """The panel for comparing an initiative's pilot areas with all eligible non-pilot areas.

    Comparison areas are every authority in the panel that is not a member of the initiative;
    the choice is recorded in `comparison_rule`. A real published dataset is first prepared
    (publisher errors excluded, one footprint, non-overlapping periods, a window that crosses no
    break, ending at `last_period`): see :mod:`workbench.evidence.real_panels`; every choice is in
    `preparation`. `pilot` (a pilot id of the initiative) compares that pilot alone with the
    non-members; the other pilots' areas are left out, since they were treated too.
    """
    catalog = catalog if catalog is not None else default_catalog()
    registry = initiatives(catalog)
    if initiative_id not in registry:
        raise SpecificationError(
            f"unknown initiative '{initiative_id}'; the register has: {', '.join(registry)}"
        )
    ini, others = one_pilot(registry[initiative_id], pilot)
    meta = indicator(indicator_id, catalog)
    entry = catalog[dataset]
    if entry.synthetic or entry.extra.get("harmonised_boundaries"):
        data, prep = _register_panel(ini, indicator_id, dataset, catalog), None
        data = data[~data["area_code"].isin(others)]
        where = "upper-tier authorities in the area register"
    else:
        data, prep = real_outcome_panel(ini, indicator_id, entry, catalog, last_period, others)
        where = prep.footprint
    columns = ["area_code", "area_name", "region_code", "period", "value", "numerator", "denominator",
               "pilot", "post", "treated"]
    data = data[columns + [c for c in ("period_label",) if c in data]]
    data = data.sort_values(["area_code", "period"], ignore_index=True)
    n_comparison = data.loc[~data["pilot"], "area_code"].nunique()
    rule = f"all {n_comparison} {where} that are not members of {ini.name.split(': ')[0]}"
    return OutcomePanel(data, ini, meta, entry, entry.digest(), rule, prep)


def one_pilot(ini: Initiative, pilot: str | None) -> tuple[Initiative, tuple[str, ...]]:
    """The initiative narrowed to one pilot (named "Initiative: Pilot"), and the other pilots' members."""
    if pilot is None:
        return ini, ()
    chosen = next((p for p in ini.pilots if p.id == pilot), None)
    if chosen is None:
        raise SpecificationError(f"{ini.name} has no pilot '{pilot}'; its pilots: {', '.join(p.id for p in ini.pilots)}")
    others = tuple(c for c in ini.member_areas if c not in chosen.members)
    return dataclasses.replace(ini, name=f"{ini.name}: {chosen.name}", short_name=f"{ini.short}: {chosen.name}",
                               pilots=(chosen,)), others


def dataset_for(indicator_id: str, catalog: Catalog | None = None) -> str:
    """The real published dataset that carries an indicator (its catalogue entry's `indicators`)."""
    catalog = catalog if catalog is not None else default_catalog()
    found = [e.id for e in catalog if not e.synthetic
             and indicator_id in (e.extra.get("indicators") or {}).values()]
    if len(found) != 1:
        raise SpecificationError(
            f"indicator '{indicator_id}' is in {len(found)} real datasets ({', '.join(found) or 'none'}); "
            "name the dataset")
    return found[0]


def _register_panel(ini: Initiative, indicator_id: str, dataset: str, catalog: Catalog) -> pd.DataFrame:
    """A panel already on the area register's footprint (the synthetic demo)."""
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
    return data

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
    """Areas of a panel that also belong to another initiative (a threat to attribution).

    `footprint` is "neighbourhood" when every overlapping pilot is a neighbourhood inside its
    member authority (so a whole-authority outcome dilutes its effect), else "authority".
    """

    initiative: str
    first_post_period: int
    pilot_areas: tuple[str, ...]
    comparison_areas: tuple[str, ...]
    footprint: str = "authority"

    @property
    def smaller_than_member(self) -> bool:
        """True when the other initiative's pilots here are neighbourhoods, smaller than their authorities."""
        return self.footprint == "neighbourhood"


@dataclass(frozen=True)
class Concurrent:
    """A concurrent national programme running in a panel's areas: stated, never counted as contamination."""

    initiative: str
    first_post_period: int
    n_areas: int
    note: str

    def sentence(self) -> str:
        """One plain sentence for a brief's threats."""
        return (f"{self.initiative} ran in every upper-tier authority from {self.first_post_period} "
                f"({self.n_areas} of the panel's areas), alongside the initiative: it is not a comparison "
                "and cannot be separated from the initiative's effect by comparing authorities.")


def overlaps(panel: OutcomePanel, catalog: Catalog | None = None) -> list[Overlap]:
    """Other initiatives whose members sit among this panel's pilot or comparison areas.

    Concurrent programmes (role: concurrent, e.g. Troubled Families in every authority) are not
    overlaps: see :func:`concurrent_programmes`.
    """
    out = []
    pilots, comparisons = set(panel.pilot_areas), set(panel.comparison_areas)
    for other in initiatives(catalog).values():
        if other.id == panel.initiative.id or other.concurrent:
            continue
        members = panel.areas_with_land_of(other.member_areas)
        shared = members & (pilots | comparisons)
        if shared:
            involved = [p for p in other.pilots if panel.areas_with_land_of(p.members) & shared]
            footprint = "neighbourhood" if all(p.smaller_than_member for p in involved) else "authority"
            out.append(Overlap(other.name, other.first_post_period,
                               tuple(sorted(members & pilots)), tuple(sorted(members & comparisons)), footprint))
    return out


def concurrent_programmes(panel: OutcomePanel, catalog: Catalog | None = None) -> list[Concurrent]:
    """Concurrent national programmes (role: concurrent) covering any of the panel's areas."""
    areas = set(panel.pilot_areas) | set(panel.comparison_areas)
    return [Concurrent(other.name, other.first_post_period, len(panel.areas_with_land_of(other.member_areas) & areas),
                       other.evaluation_note)
            for other in initiatives(catalog).values()
            if other.concurrent and other.id != panel.initiative.id and panel.areas_with_land_of(other.member_areas) & areas]
