"""Bring a long panel to one footprint: the local authorities of one vintage and tier.

Every area is described by the 2009 districts it is made of (its *atoms*: a county is its
districts, Bournemouth, Christchurch and Poole is three of them, a 2009 unitary is itself). A
published row maps to a target area in one of these ways, each recorded in the provenance:

- ``same``: the row's area is the target area; ``recode``: under a former code of it;
  ``same_footprint``: another authority with the same area (Buckinghamshire county, 2009, and
  Buckinghamshire Council, 2020);
- ``sum``: the target is a union of published areas (districts rolled up to their county,
  Cumberland and Westmorland and Furness rebuilt as Cumbria, Dorset's districts as Dorset
  Council): numerators and denominators are summed and the rate recomputed, never averaged;
- ``population_weighted``: the same union where only rates are published: the rates are
  weighted by population (the ONS mid-year estimates) and the result is marked approximate;
- ``excluded``: no exact route (a county split between successors; parts missing in a period;
  rates with no population to weight them), with the reason; ``no_value``: the publisher gave
  no value (suppressed or missing); ``left_out``: not a local authority.

    from workbench import evidence
    result = evidence.harmonise(evidence.load("children_in_care"), to=2023)
    result.data          # the panel on the 153 upper-tier areas of 2023
    result.provenance    # one row per target area and method: sources, periods, reason
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.errors import SpecificationError
from workbench.evidence.geography import TIERS, aliases, authority_register, select_areas

KEY = ["period", "indicator"]
PROVENANCE_COLUMNS = ["area_code", "method", "approximate", "source_codes", "periods", "note"]
LA_PREFIXES = ("E06", "E07", "E08", "E09", "E10")


@dataclass(frozen=True, repr=False)
class Harmonised:
    """A panel on one footprint, with every choice made to get it there."""

    data: pd.DataFrame
    provenance: pd.DataFrame
    vintage: str
    tier: str

    def __repr__(self) -> str:
        methods = self.provenance.groupby("method")["area_code"].nunique().to_dict()
        return (f"Harmonised({len(self.data)} rows on the {self.tier}-tier areas of {self.vintage}; "
                f"areas by method: {methods})")

    @property
    def approximate(self) -> bool:
        """True when any value is a population-weighted mean of published rates."""
        return bool(self.data["approximate"].any()) if len(self.data) else False


class Footprints:
    """The atoms (2009 districts) of every code in the authority register."""

    def __init__(self, register: pd.DataFrame, extra_aliases: Mapping[str, str] | None = None):
        self.register = register
        self.alias = {**aliases(register), **dict(extra_aliases or {})}
        self.rows = register.set_index("code")
        base = select_areas(register, 2009, "lower")
        self.atoms: dict[str, frozenset[str]] = {c: frozenset([c]) for c in base["code"]}
        for county in select_areas(register, 2009, "upper").query("type == 'county'")["code"]:
            self.atoms[county] = frozenset(base.loc[base["upper_tier_code"] == county, "code"])
        later = register[~register["code"].isin(list(self.atoms))].sort_values("valid_from")
        for code in later["code"]:
            self.atoms[code] = self._from_predecessors(code)

    def _from_predecessors(self, code: str) -> frozenset[str]:
        row = self.rows.loc[code]
        if row["type"] == "county":
            districts = self.register[(self.register["upper_tier_code"] == code)
                                      & (self.register["type"] == "non_metropolitan_district")]
            return frozenset().union(*(self.atoms[d] for d in districts["code"] if d in self.atoms))
        before = self.register[self.register["successor_codes"].fillna("").str.split(";").map(
            lambda s: code in s) & (self.register["type"] != "county")]
        parts = [self.atoms[p] for p in before["code"] if p in self.atoms]
        if not parts:
            raise SpecificationError(f"authority register: no predecessors found for {code}")
        return frozenset().union(*parts)

    def of(self, code: str) -> frozenset[str] | None:
        """The atoms of a code (current or former), or None for a code not in the register."""
        current = self.alias.get(code)
        return self.atoms.get(current) if current else None


def harmonise(panel: pd.DataFrame, to: int | str = 2023, tier: str = "upper",
              population: pd.DataFrame | None = None, weight: str = "population",
              counts: Iterable[str] = ("population",),
              extra_aliases: Mapping[str, str] | None = None, combine: Mapping[str, Iterable[str]] | None = None,
              catalog=None, register: pd.DataFrame | None = None) -> Harmonised:
    """Bring ``panel`` (the readers' long shape) to the ``tier`` areas in force on 1 April of ``to``.

    ``population`` is a panel of counts used to weight rates where no numerators are published;
    ``weight`` names its indicator (``population``, ``population_under_16``...: the rate's own
    denominator population where there is one); ``counts`` names indicators whose values add up (summed, not
    weighted). ``extra_aliases`` maps further codes to register codes (e.g. ONS's 2025 re-codes
    of Barnsley and Sheffield); the panel's ``attrs['obsolete_codes']`` are read the same way.
    Rows for nations, regions and other non-authority codes are left out (recorded).
    ``combine`` names combined footprints made of several areas: ``{"dorset_bcp": ["E10000009",
    "E06000028", "E06000029"]}`` is Dorset county, Bournemouth and Poole, which is exactly Dorset
    Council and Bournemouth, Christchurch and Poole: the one exact route across the Christchurch
    transfer. The target areas it covers are replaced by the combined one.
    """
    if tier not in TIERS:
        raise SpecificationError(f"tier {tier!r} is not upper or lower")
    missing = [c for c in ("area_code", "period", "indicator", "value") if c not in panel]
    if missing:
        raise SpecificationError(f"harmonise needs the columns {', '.join(missing)} in the panel")
    register = register if register is not None else authority_register(catalog)
    feet = Footprints(register, {**_obsolete_aliases(panel, register), **dict(extra_aliases or {})})
    targets = _with_combined(select_areas(register, to, tier), combine or {}, feet)
    data = _prepare(panel)
    provenance: list[dict] = []
    absent = panel.loc[panel.index.difference(data.index)]
    for code, rows in absent.groupby("area_code"):
        provenance.append(_record(code, "no_value", False, [code], rows,
                                  "no value published (suppressed or missing at source)"))
    known = data["area_code"].map(lambda c: feet.of(c) is not None)
    for code, rows in data[~known].groupby("area_code"):
        reason = ("not a local authority (nation, region or other area)" if not code.startswith(LA_PREFIXES)
                  else "not in the authority register")
        provenance.append(_record(code, "left_out", False, [code], rows, reason))
    data = data[known]
    weights = _weights(population, feet, weight) if population is not None else None
    home = _homes(data["area_code"].unique(), targets["code"], feet)
    data = data.assign(_target=data["area_code"].map(home))
    simple, data = _split_simple(data, feet)
    out = [simple.drop(columns="_target")] if len(simple) else []
    provenance += _simple_records(simple)
    rows_out = []
    for target, inside in data.groupby("_target", sort=True):
        if target == "":
            for code, rows in inside.groupby("area_code"):
                provenance.append(_record(code, "excluded", False, [code], rows,
                                          "spans several target areas (a split or a boundary transfer); "
                                          "no exact route without small-area data"))
            continue
        for _, group in inside.drop(columns="_target").groupby(KEY, sort=False):
            row, record = _build(target, feet.atoms[target], group, feet, weights,
                                 group["indicator"].iloc[0] in set(counts))
            provenance.append(record)
            if row is not None:
                rows_out.append(row)
    if rows_out:
        out.append(pd.DataFrame(rows_out))
    result = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    if len(result):
        names = targets.set_index("code")["name"]
        result = result.drop(columns="area_name", errors="ignore")
        result.insert(1, "area_name", result["area_code"].map(names))
        result = result.sort_values(["indicator", "area_code", "period_start", "period"], ignore_index=True)
    return Harmonised(result, _summarise(provenance), str(to), tier)


def _split_simple(data: pd.DataFrame, feet: Footprints) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows that are alone in their target, period and indicator and cover the target exactly.

    These need no arithmetic (the same area, under its own, a former or a successor's code), so
    they are mapped in one step; every other row goes through :func:`_build`.
    """
    exact = {c: bool(t) and feet.of(c) == feet.atoms[t]
             for c, t in zip(data["area_code"], data["_target"])}
    alone = data.groupby(["_target", *KEY])["area_code"].transform("size") == 1
    simple = data["area_code"].map(exact) & alone
    chosen = data[simple].copy()
    codes = chosen["area_code"]
    chosen["method"] = np.where(codes == chosen["_target"], "same",
                                np.where(codes.map(feet.alias) == chosen["_target"], "recode", "same_footprint"))
    chosen["approximate"] = False
    chosen["source_codes"] = codes
    chosen["area_code"] = chosen["_target"]
    return chosen, data[~simple]


SIMPLE_NOTES = {"same": "", "recode": "a former code of the same authority",
                "same_footprint": "another authority with the same area (a county replaced by a unitary)"}


def _simple_records(simple: pd.DataFrame) -> list[dict]:
    records = []
    for (target, source, method), rows in simple.groupby(["area_code", "source_codes", "method"]):
        records.append(_record(target, method, False, [source], rows, SIMPLE_NOTES[method]))
    return records


def _with_combined(targets: pd.DataFrame, combine: Mapping[str, Iterable[str]], feet: Footprints) -> pd.DataFrame:
    """The target areas with each combined footprint in place of the areas it covers."""
    for name, members in combine.items():
        parts = [feet.of(code) for code in members]
        if any(p is None for p in parts):
            unknown = [c for c, p in zip(members, parts) if p is None]
            raise SpecificationError(f"combined footprint '{name}': unknown area code(s) {', '.join(unknown)}")
        atoms = frozenset().union(*parts)
        covered = [t for t in targets["code"] if feet.atoms[t] <= atoms]
        if frozenset().union(*(feet.atoms[t] for t in covered)) != atoms:
            raise SpecificationError(f"combined footprint '{name}' does not match whole target areas; "
                                     "add the areas it cuts across")
        feet.atoms[name] = atoms
        label = " + ".join(targets.loc[targets["code"].isin(covered), "name"])
        targets = pd.concat([targets[~targets["code"].isin(covered)],
                             pd.DataFrame({"code": [name], "name": [f"{label} (combined)"]})], ignore_index=True)
    return targets


def _homes(codes, targets, feet: Footprints) -> dict[str, str]:
    """Each published code -> the one target area that contains it ('' when it spans several)."""
    containing = {}
    for target in targets:
        for atom in feet.atoms[target]:
            containing[atom] = target
    out = {}
    for code in codes:
        owners = {containing.get(atom) for atom in feet.of(code)}
        out[code] = owners.pop() if len(owners) == 1 and None not in owners else ""
    return out


def _prepare(panel: pd.DataFrame) -> pd.DataFrame:
    data = panel.copy()
    for column in ("numerator", "denominator", "lci_95", "uci_95"):
        if column not in data:
            data[column] = np.nan
    if "period_start" not in data:
        data["period_start"] = pd.to_numeric(data["period"].astype(str).str[:4], errors="coerce")
    if "period_years" not in data:
        data["period_years"] = 1
    return data[data["value"].notna() | data["numerator"].notna()]


def _obsolete_aliases(panel: pd.DataFrame, register: pd.DataFrame) -> dict[str, str]:
    """ONS notes 'obsolete code, replaced by X': X is read as the register's code when X is not in it."""
    codes = set(register["code"])
    out = {}
    for old, facts in (panel.attrs.get("obsolete_codes") or {}).items():
        for new in facts.get("replaced_by", []):
            if old in codes and new not in codes and len(facts["replaced_by"]) == 1:
                out[new] = old
    return out


def _exact_cover(atoms: frozenset, group: pd.DataFrame, feet: Footprints):
    """Rows whose areas together are exactly ``atoms``, largest first, without overlap; or None."""
    ranked = sorted(group.itertuples(index=False), key=lambda r: -len(feet.of(r.area_code)))
    chosen, covered = [], frozenset()
    for r in ranked:
        parts = feet.of(r.area_code)
        if not parts & covered:
            chosen.append(r)
            covered |= parts
    return chosen if covered == atoms else None


def _build(target, atoms, group, feet, weights, additive):
    exact = [r for r in group.itertuples(index=False) if feet.of(r.area_code) == atoms]
    if exact:
        values = {r.value for r in exact}
        first = sorted(exact, key=lambda r: r.area_code != target)[0]  # the current code first
        if len(values) > 1:
            return None, _record(target, "excluded", False, [r.area_code for r in exact], group,
                                 "published under two codes with different values")
        if first.area_code == target:
            method = "same"
        elif feet.alias.get(first.area_code) == target:
            method = "recode"
        else:
            method = "same_footprint"
        note = SIMPLE_NOTES[method]
        if len(exact) > 1:
            note = "; ".join(filter(None, [note, "also published under another code (same value; one kept)"]))
        row = {**first._asdict(), "area_code": target, "method": method, "approximate": False,
               "source_codes": first.area_code}
        return row, _record(target, method, False, [first.area_code], group.iloc[:1], note)
    parts = _exact_cover(atoms, group, feet)
    codes = sorted(r.area_code for r in parts) if parts else sorted(group["area_code"])
    if parts is None:
        return None, _record(target, "excluded", False, codes, group.iloc[:1],
                             "parts missing in this period: the published areas do not cover the target")
    base = {**parts[0]._asdict(), "area_code": target, "source_codes": ";".join(codes),
            "lci_95": np.nan, "uci_95": np.nan, "status": "", "status_reason": ""}
    frame = pd.DataFrame(parts)
    if additive:
        base.update(value=frame["value"].sum(), method="sum", approximate=False)
        return base, _record(target, "sum", False, codes, group.iloc[:1], "counts summed")
    if frame["numerator"].notna().all() and frame["denominator"].notna().all():
        num, den = frame["numerator"].sum(), frame["denominator"].sum()
        if den <= 0:
            return None, _record(target, "excluded", False, codes, group.iloc[:1], "denominators sum to 0")
        known = frame[(frame["numerator"] > 0) & frame["value"].notna()]
        # the publisher's multiplier (100 for a percentage, 100,000 for a rate per 100,000); with no
        # positive numerator the rate is 0 whatever it is
        multiplier = float(np.median(known["value"] * known["denominator"] / known["numerator"])) if len(known) else 1.0
        base.update(numerator=num, denominator=den, value=num / den * multiplier, method="sum",
                    approximate=False)
        return base, _record(target, "sum", False, codes, group.iloc[:1],
                             "numerators and denominators summed, rate recomputed")
    w = _weight_for(weights, codes, parts[0]) if weights is not None else None
    if w is None:
        why = "no population given" if weights is None else "no population for every part"
        return None, _record(target, "excluded", False, codes, group.iloc[:1],
                             f"only rates published and {why} to weight them")
    year, w = w
    # math.fsum is exactly rounded: the same bits on every machine, whatever BLAS np.dot would pick
    weighted = math.fsum(v * x for v, x in zip(frame["value"].to_numpy(dtype=float), w)) / math.fsum(w)
    base.update(value=weighted, numerator=np.nan, denominator=np.nan,
                method="population_weighted", approximate=True,
                status="approximate", status_reason=f"mean of published rates weighted by {weights['weight']} ({year})")
    return base, _record(target, "population_weighted", True, codes, group.iloc[:1],
                         f"only rates published: weighted by ONS mid-year {weights['weight']} (an approximation)")


def _weights(population: pd.DataFrame, feet: Footprints, weight: str) -> dict:
    """(atoms, year) -> population, for every code in the population panel."""
    rows = population[population["indicator"] == weight]
    if rows.empty:
        raise SpecificationError(f"the population panel has no indicator '{weight}' to weight rates with")
    out = {}
    for r in rows.itertuples(index=False):
        atoms = feet.of(r.area_code)
        if atoms is not None and pd.notna(r.value):
            out[(atoms, int(r.period_start))] = float(r.value)
    return {"table": out, "feet": feet, "weight": weight}


def _weight_for(weights: dict, codes: list[str], row) -> tuple[int, np.ndarray] | None:
    """Populations of the parts in the period's middle year (a pooled period's centre year)."""
    feet, table = weights["feet"], weights["table"]
    year = int(row.period_start) + int(row.period_years) // 2
    values = []
    for code in codes:
        atoms = feet.of(code)
        exact = table.get((atoms, year))
        if exact is None:  # sum finer areas that make the part up exactly (e.g. districts of a county)
            finer = [v for (a, y), v in table.items() if y == year and a <= atoms]
            cover = frozenset().union(*[a for (a, y) in table if y == year and a <= atoms]) if finer else None
            if cover != atoms:
                return None
            parts = {a: v for (a, y), v in table.items() if y == year and a <= atoms}
            exact = _disjoint_sum(parts, atoms)
            if exact is None:
                return None
        values.append(exact)
    return year, np.array(values)


def _disjoint_sum(parts: dict, atoms: frozenset) -> float | None:
    covered, total = frozenset(), 0.0
    for a, v in sorted(parts.items(), key=lambda kv: -len(kv[0])):
        if not a & covered:
            covered |= a
            total += v
    return total if covered == atoms else None


def _record(area, method, approximate, sources, rows, note) -> dict:
    return {"area_code": area, "method": method, "approximate": approximate,
            "source_codes": ";".join(sorted(set(sources))),
            "periods": sorted(set(rows["period"].astype(str))) if "period" in rows else [], "note": note}


def _summarise(records: list[dict]) -> pd.DataFrame:
    """One provenance row per area, method, sources and note, listing the periods it applies to."""
    if not records:
        return pd.DataFrame(columns=PROVENANCE_COLUMNS)
    frame = pd.DataFrame(records)
    grouped = frame.groupby(["area_code", "method", "approximate", "source_codes", "note"], sort=True)
    out = grouped["periods"].agg(lambda ps: ", ".join(sorted({p for ps_ in ps for p in ps_}))).reset_index()
    return out[PROVENANCE_COLUMNS]
