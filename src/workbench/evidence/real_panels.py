"""Outcome panels from real published series: checked, on one footprint, in one window, with reasons.

A published series is not analysis-ready. Before an initiative's pilot areas are compared with the
rest, :func:`real_outcome_panel` makes every choice the brief must then state:

1. **Publisher errors**: values flagged by the plausibility rules are excluded (with the reason).
2. **Geography**: the series is brought to one footprint (``analysis_footprint`` in the dataset's
   catalogue entry: a vintage of upper-tier authorities, optionally with areas combined), so each
   area keeps one boundary throughout; a pilot is every target area made only of member
   authorities' land; an area partly inside and partly outside the pilots is left out.
3. **Periods**: annual periods (calendar, financial, academic) are indexed by the year they start;
   pooled periods (three-year rates) are thinned to non-overlapping ones aligned on the first
   period after the start, so no year counts twice.
4. **Window**: from the earliest period to ``last_period`` (default 2019, before the pandemic);
   a known series break cuts the window so that it never crosses the break.
5. **Balance**: areas without a value in every period of the window are left out, named.

    from workbench import evidence
    panel = evidence.outcome_panel("total_place", "claimant_count", dataset="claimant_count")
    panel.preparation.notes        # every choice above, in words
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import SpecificationError
from workbench.evidence.breaks import SeriesBreak, series_breaks
from workbench.evidence.catalog import Catalog, DatasetEntry
from workbench.evidence.geography import authority_register, select_areas
from workbench.evidence.harmonise import Footprints, Harmonised, harmonise
from workbench.evidence.loading import load
from workbench.evidence.plausibility import Checked, check_plausible
from workbench.evidence.registers import Initiative
from workbench.io import computed_once

DEFAULT_LAST_PERIOD = 2019
MIN_PRE_PERIODS = 2
POPULATION = "population"
TIME_LABELS = {"calendar": "Year", "financial": "Financial year starting", "academic": "Academic year starting",
               "pooled": "First year of the three-year period"}
PERIOD_WORDS = {
    "calendar": "calendar years",
    "financial": "financial years (April to March), labelled by the year they start",
    "academic": "academic years (September to August), labelled by the year they start",
}


@dataclass(frozen=True)
class Preparation:
    """Every choice made between the published file and the analysis panel, for the brief."""

    footprint: str
    period_type: str
    window: tuple[int, int]
    notes: tuple[str, ...]
    provenance: pd.DataFrame = field(repr=False)
    excluded_values: pd.DataFrame = field(repr=False)
    dropped_areas: Mapping[str, str] = field(default_factory=dict)
    breaks: tuple[SeriesBreak, ...] = ()
    approximate: bool = False
    footprints: Footprints | None = field(default=None, repr=False, compare=False)

    def areas_with_land_of(self, codes, panel_areas) -> set[str]:
        """The panel's areas with any land in the given authorities (codes of any vintage)."""
        if self.footprints is None:
            return set(codes) & set(panel_areas)
        feet = self.footprints
        land = frozenset().union(*(feet.of(c) or frozenset() for c in codes))
        return {a for a in panel_areas if (feet.atoms.get(a) or feet.of(a) or frozenset()) & land}

    @property
    def time_label(self) -> str:
        """What a chart's time axis shows."""
        return TIME_LABELS.get(self.period_type, "First year of the period")

    @property
    def period_words(self) -> str:
        """The period convention in words."""
        return PERIOD_WORDS.get(self.period_type, "pooled three-year periods, labelled by their first year; "
                                                  "only periods that do not overlap are used")


@dataclass(frozen=True)
class Footprint:
    """The analysis geography of a dataset: a vintage of upper-tier areas, some combined."""

    vintage: int
    combine: Mapping[str, tuple[str, ...]]
    words: str

    @classmethod
    def of(cls, entry: DatasetEntry) -> "Footprint":
        """The footprint a catalogue entry names (``analysis_footprint``), 2023 upper tier by default."""
        spec: Any = entry.extra.get("analysis_footprint") or {}
        vintage = int(spec.get("vintage", 2023))
        combine = {k: tuple(v) for k, v in (spec.get("combine") or {}).items()}
        words = f"upper-tier local authorities as they stood on 1 April {vintage}"
        if combine:
            words += "; " + "; ".join(f"{k.replace('_', ' ')} treated as one area ({', '.join(v)})"
                                      for k, v in combine.items())
        return cls(vintage, combine, spec.get("words", words))


def real_outcome_panel(ini: Initiative, indicator_id: str, entry: DatasetEntry, catalog: Catalog,
                       last_period: int | None = None, others: tuple[str, ...] = ()) -> tuple[pd.DataFrame, Preparation]:
    """The analysis panel of one real indicator for one initiative, and how it was prepared.

    ``others`` are member authorities of the same initiative that are neither pilots here nor fair
    comparisons (the other pilots, in a one-pilot panel): areas with any of their land are left out.
    Returns ``(data, preparation)``; ``data`` has the columns of :class:`OutcomePanel` data.
    """
    foot = Footprint.of(entry)
    register = authority_register(catalog)
    checked = _checked(entry, indicator_id, catalog)
    feet = _footprints(catalog, register)
    _require_members(checked.data, entry, ini, feet)
    harmonised = _harmonised(checked, entry, indicator_id, foot, catalog)
    notes: list[str] = []
    if len(checked.flags):
        notes.append(f"{len(checked.flags)} published value(s) excluded as implausible (publisher errors): "
                     + "; ".join(f"{r.area_code} {r.period}: {r.reason}" for r in checked.flags.itertuples()))
    data, period_type, period_notes = _periods(harmonised.data, ini.first_post_period)
    notes += period_notes
    breaks = tuple(b for b in series_breaks(entry.id, catalog) if b.indicator in (None, indicator_id))
    first, last, window_notes = _window(data, ini.first_post_period, breaks,
                                        DEFAULT_LAST_PERIOD if last_period is None else int(last_period))
    notes += window_notes
    data = data[(data["period"] >= first) & (data["period_start"] + data["period_years"] - 1 <= last)]
    if period_type == "pooled":
        notes.append("pooled periods used: " + ", ".join(sorted(data["period_label"].unique())))
    targets = _targets(register, foot, harmonised)
    notes += _harmonisation_notes(harmonised, targets)
    data, dropped = _pilots(data, ini, targets, feet, foot, others)
    data, unbalanced = _balance(data)
    dropped.update(unbalanced)
    by_reason: dict[str, list[str]] = {}
    for code, why in sorted(dropped.items()):
        by_reason.setdefault(why, []).append(targets.get(code, {}).get("name", code))
    for why, names in by_reason.items():
        notes.append(f"{len(names)} area(s) left out, {why}: {', '.join(sorted(names))}")
    _require(data, ini, entry, indicator_id)
    prep = Preparation(foot.words, period_type, (int(data["period"].min()), int(data["period"].max())),
                       tuple(notes), harmonised.provenance, checked.flags, dropped, breaks,
                       bool(data["approximate"].any()), feet)
    return data.drop(columns="approximate"), prep


_PREPARED: dict[str, Any] = {}
REGISTER = "local_authorities"


def _once(parts: list, compute):
    """``compute()`` once per process, and once per build when the batch's store is set."""
    key = hashlib.sha256(json.dumps([*parts, _evidence_code_digest()], default=str).encode()).hexdigest()
    if key not in _PREPARED:
        _PREPARED[key] = computed_once(key, compute)
    return _PREPARED[key]


def _checked(entry: DatasetEntry, indicator_id: str, catalog: Catalog) -> Checked:
    """The indicator's published rows with publisher errors excluded (keyed by the file's digest)."""
    def check() -> Checked:
        raw = load(entry.id, catalog)
        rows = raw[raw["indicator"] == indicator_id]
        if rows.empty:
            raise SpecificationError(f"dataset '{entry.id}' has no rows for indicator '{indicator_id}'")
        return check_plausible(rows)
    return _once(["checked", entry.id, entry.digest(), indicator_id], check)


def _harmonised(checked: Checked, entry: DatasetEntry, indicator_id: str, foot: Footprint,
                catalog: Catalog) -> Harmonised:
    """The checked rows on the footprint (keyed by the digests of the series, weights and register)."""
    return _once(["harmonised", entry.id, entry.digest(), catalog[POPULATION].digest(), catalog[REGISTER].digest(),
                  indicator_id, foot.vintage, sorted(foot.combine.items())],
                 lambda: harmonise(checked.data, to=foot.vintage, population=load(POPULATION, catalog),
                                   combine=dict(foot.combine), catalog=catalog, register=authority_register(catalog)))


_FOOTPRINTS: dict[tuple[str, str], Footprints] = {}


def _footprints(catalog: Catalog, register: pd.DataFrame) -> Footprints:
    """The register's footprints (built once per register file), as a copy the caller may extend."""
    key = (str(catalog.path), catalog[REGISTER].digest())
    if key not in _FOOTPRINTS:
        _FOOTPRINTS[key] = Footprints(register)
    feet = copy.copy(_FOOTPRINTS[key])
    feet.atoms = dict(feet.atoms)
    return feet


@functools.cache
def _evidence_code_digest() -> str:
    """A digest of the evidence package's code: a change to a rule prepares every series again."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _harmonisation_notes(harmonised: Harmonised, targets: dict[str, dict]) -> list[str]:
    prov = harmonised.provenance
    notes = []
    by_method = prov.groupby("method")["area_code"].nunique()
    if by_method.get("population_weighted", 0):
        areas = sorted(prov.loc[prov["method"] == "population_weighted", "area_code"].unique())
        notes.append(f"{len(areas)} area(s) rebuilt from published parts by weighting their rates by ONS mid-year "
                     f"population (an approximation, since only rates are published): "
                     + ", ".join(targets.get(a, {}).get("name", a) for a in areas))
    if by_method.get("sum", 0):
        notes.append(f"{by_method['sum']} area(s) rebuilt by summing numerators and denominators of their parts")
    if by_method.get("recode", 0):
        notes.append(f"{by_method['recode']} area(s) published under a former code, read as the current one")
    return notes


def _periods(data: pd.DataFrame, first_post: int) -> tuple[pd.DataFrame, str, list[str]]:
    """Index periods by start year; thin pooled periods to non-overlapping ones aligned on the start."""
    kinds = sorted(set(data["period_type"].dropna()))
    if len(kinds) != 1:
        raise SpecificationError(f"the series mixes period types ({', '.join(kinds)}); analyse one at a time")
    kind = kinds[0]
    out = data.assign(period_label=data["period"].astype(str), period=data["period_start"].astype("int64"))
    notes = []
    if kind == "pooled":
        years = int(out["period_years"].max())
        keep = (out["period"] - first_post) % years == 0
        dropped = sorted(out.loc[~keep, "period_label"].unique())
        out = out[keep]
        notes.append(f"pooled {years}-year periods overlap (consecutive periods share {years - 1} years), so only "
                     f"the non-overlapping ones aligned on the first period after the start are used; "
                     f"{len(dropped)} overlapping period(s) left out")
    return out, kind, notes


def _window(data: pd.DataFrame, first_post: int, breaks: tuple[SeriesBreak, ...], last_period: int):
    """The analysis window: never across a known break, ending at ``last_period``."""
    ends = data["period_start"] + data["period_years"] - 1
    first, last = int(data["period"].min()), min(int(ends.max()), last_period)
    notes = [f"periods after {last} are left out (the pandemic, and later initiatives, would blur the "
             "comparison)"] if int(ends.max()) > last else []
    for b in breaks:
        start = b.first_affected.start
        if start > first_post and start <= last:
            last = start - 1
            notes.append(f"series break: {b.describe()}; the window stops at {last}, before the break")
        elif first < start <= first_post:
            first = start
            notes.append(f"series break: {b.describe()}; the window starts at {first}, after the break")
    return first, last, notes


def _targets(register: pd.DataFrame, foot: Footprint, harmonised: Harmonised) -> dict[str, dict]:
    """Target area code -> name and region; a combined area takes its parts' region."""
    rows = register.set_index("code")
    out = {c: {"name": r["name"], "region_code": r["region_code"]}
           for c, r in select_areas(register, foot.vintage, "upper").set_index("code").iterrows()}
    data = harmonised.data
    names = data.drop_duplicates("area_code").set_index("area_code")["area_name"] if len(data) else pd.Series(dtype=str)
    for combined, members in foot.combine.items():
        regions = set(rows["region_code"].reindex([m for m in members if m in rows.index]).dropna())
        out[combined] = {"name": names.get(combined, combined.replace("_", " ")),
                         "region_code": regions.pop() if len(regions) == 1 else None}
    return out


def _pilots(data: pd.DataFrame, ini: Initiative, targets: dict[str, dict], feet: Footprints, foot: Footprint,
            others: tuple[str, ...] = ()):
    """Mark pilot areas: a target area is a pilot when all its land belongs to member authorities."""
    for name, members in foot.combine.items():
        feet.atoms[name] = frozenset().union(*(feet.of(c) for c in members))
    member_atoms = frozenset().union(*(feet.of(c) or frozenset() for c in ini.member_areas))
    other_atoms = frozenset().union(*(feet.of(c) or frozenset() for c in others))
    dropped: dict[str, str] = {}
    pilot = {}
    for code in data["area_code"].unique():
        atoms = feet.atoms.get(code) or feet.of(code) or frozenset()
        inside = atoms & member_atoms
        if atoms & other_atoms:
            dropped[code] = "in another pilot of the same initiative: treated, so not a comparison"
        elif inside and inside != atoms:
            dropped[code] = f"partly inside {ini.name}'s member authorities: neither a pilot nor a fair comparison"
        pilot[code] = bool(inside) and inside == atoms
    data = data[~data["area_code"].isin(list(dropped))].copy()
    data["pilot"] = data["area_code"].map(pilot).astype(bool)
    data["region_code"] = data["area_code"].map(lambda c: targets.get(c, {}).get("region_code"))
    data["area_name"] = data["area_code"].map(lambda c: targets.get(c, {}).get("name", c))
    data["post"] = data["period"] >= ini.first_post_period
    data["treated"] = (data["pilot"] & data["post"]).astype("int64")
    return data, dropped


def _balance(data: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Keep areas with a value in every period of the window."""
    periods = data["period"].nunique()
    present = data[data["value"].notna()].groupby("area_code")["period"].nunique()
    short = present[present < periods]
    missing = set(data["area_code"]) - set(present.index)
    dropped = {c: f"values for {n} of {periods} periods only" for c, n in short.items()}
    dropped.update({c: "no values in the window" for c in missing})
    keep = data[~data["area_code"].isin(list(dropped)) & data["value"].notna()]
    return keep, dropped


def _require_members(rows: pd.DataFrame, entry: DatasetEntry, ini: Initiative, feet: Footprints) -> None:
    """Refuse, in words and before any model runs, a series with no land of some pilot member."""
    codes = rows.loc[rows["value"].notna(), "area_code"].astype(str).unique()
    covered = frozenset().union(*(feet.of(c) or frozenset() for c in codes))
    missing = [c for c in ini.member_areas if not (feet.of(c) or frozenset()) & covered]
    if missing:
        raise SpecificationError(
            f"dataset '{entry.id}' has no rows for the pilot areas of {ini.name}: {', '.join(missing)} "
            f"({len(missing)} of {len(ini.member_areas)}); choose a dataset that covers them, or bring it to "
            "their geography first (evidence.harmonise)")


def _require(data: pd.DataFrame, ini: Initiative, entry: DatasetEntry, indicator_id: str) -> None:
    """Refuse, in words, a panel without pilots, comparison areas or periods on both sides of the start."""
    if not data["pilot"].any():
        raise SpecificationError(
            f"dataset '{entry.id}' has no rows for the pilot areas of {ini.name} ({indicator_id}) in the window; "
            "its geography or years do not cover them")
    if data["pilot"].all():
        raise SpecificationError(f"dataset '{entry.id}' has no comparison areas for {ini.name}")
    before = data.loc[~data["post"], "period"].nunique()
    after = data.loc[data["post"], "period"].nunique()
    if before < MIN_PRE_PERIODS or after < 1:
        years = f"{int(data['period'].min())}-{int(data['period'].max())}" if len(data) else "none"
        raise SpecificationError(
            f"dataset '{entry.id}' ({indicator_id}) has {before} period(s) before {ini.name} began in "
            f"{ini.first_post_period} and {after} after it, in the window {years}; a comparison needs at least "
            f"{MIN_PRE_PERIODS} before and 1 after")
