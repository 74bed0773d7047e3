"""Covariates for choosing and checking comparison groups: population and deprivation by authority.

Both come from shipped, published files, rolled up from districts to the upper-tier authorities
of one vintage by :func:`workbench.evidence.harmonise` (which records how each area was built):

- population: the ONS mid-year estimates (catalogue id ``population``, 2021 districts), summed
  over the districts that make each authority up (exact where the districts cover it);
- deprivation: the English Indices of Deprivation (2004, 2007, 2010, 2015, 2019) local-authority
  summaries, published for districts. An upper-tier authority's average score and extent are
  the population-weighted means of its districts' (weights: the mid-year estimates of the
  edition's year), marked ``population_weighted`` and approximate; a unitary's are the published
  ones. The rank is of the average score among the vintage's upper-tier authorities (1 = most
  deprived), computed here, not published.

    from workbench import evidence
    evidence.covariates(vintage=2009, year=2011)     # 152 authorities, IMD 2010 (latest by 2011)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import SpecificationError
from workbench.evidence.geography import authority_register, select_areas
from workbench.evidence.harmonise import harmonise
from workbench.evidence.loading import load

POPULATION = "population"
# each edition's district summaries, in order of preference (IMD 2019 on 2019 districts, then on
# 2023 districts for the authorities the 2019 districts cannot be weighted into: Buckinghamshire
# and North and West Northamptonshire, whose old districts have no 2021-coded population)
IMD_EDITIONS = {2004: ("imd2004",), 2007: ("imd2007",), 2010: ("imd2010",), 2015: ("imd2015",),
                2019: ("imd2019_ltla19", "imd2019_ltla23")}
IMD_MEASURES = {"Score": "imd_score", "Extent": "imd_extent"}
COVARIATE_COLUMNS = ["area_code", "name", "type", "region_code", "population", "population_year",
                     "population_method", "imd_edition", "imd_score", "imd_rank", "imd_extent", "imd_method", "note"]


def imd_edition_for(year: int) -> int:
    """The latest IMD edition published by `year` (the earliest, 2004, for years before it)."""
    earlier = [e for e in IMD_EDITIONS if e <= int(year)]
    return max(earlier) if earlier else min(IMD_EDITIONS)


def district_population(year: int, catalog=None) -> pd.DataFrame:
    """The mid-year population of every English district and unitary (2021 codes) in `year`."""
    pop = load(POPULATION, catalog)
    out = pop[(pop["indicator"] == "population") & (pop["period"] == str(int(year)))
              & pop["area_code"].str.match(r"E0[6-9]")]
    if out.empty:
        raise SpecificationError(f"no population estimates for {year} (the shipped series runs 1997-2020)")
    return out.reset_index(drop=True)


def imd_districts(edition: int, catalog=None, dataset: str | None = None) -> pd.DataFrame:
    """An IMD edition's district summaries in the readers' long shape (imd_score, imd_extent).

    `dataset` picks one of the edition's catalogue entries (default: the first, see IMD_EDITIONS).
    """
    if edition not in IMD_EDITIONS:
        raise SpecificationError(f"IMD edition {edition} is not one of {', '.join(map(str, IMD_EDITIONS))}")
    table = load(dataset or IMD_EDITIONS[edition][0], catalog)
    code = table.columns[0]
    long = table.melt(id_vars=[code], value_vars=list(IMD_MEASURES), var_name="measure", value_name="value")
    return pd.DataFrame({
        "area_code": long[code], "period": str(edition), "period_type": "edition",
        "period_start": edition, "period_years": 1, "indicator": long["measure"].map(IMD_MEASURES),
        "value": long["value"].astype(float),
    })


def covariates(vintage: int | str = 2009, year: int = 2011, imd: int | None = None, tier: str = "upper",
               combine: dict | None = None, catalog=None) -> pd.DataFrame:
    """Population (mid-`year`) and deprivation (IMD edition `imd`) for the authorities of a vintage.

    One row per authority in force on 1 April of `vintage` (tier "upper" by default): population
    and how it was built (same, sum...), the IMD average score, its rank among the authorities
    with a score (1 = most deprived), the extent, and how they were built (``same``: the published
    district summary; ``population_weighted``: a population-weighted mean of district summaries,
    approximate). `imd` defaults to the latest edition published by `year`. Areas with no exact
    route (e.g. Bournemouth, Poole and Dorset county from 2021 districts, across the Christchurch
    transfer) are missing, with the reason in ``note``; `combine` passes combined footprints to
    :func:`workbench.evidence.harmonise` (``{"dorset_bcp": ["E10000009", "E06000028", "E06000029"]}``).
    """
    edition = imd_edition_for(year) if imd is None else int(imd)
    if edition not in IMD_EDITIONS:
        raise SpecificationError(f"IMD edition {edition} is not one of {', '.join(map(str, IMD_EDITIONS))}")
    register = authority_register(catalog)
    population = district_population(year, catalog)
    pop = harmonise(population, to=vintage, tier=tier, counts=("population",), combine=combine,
                    register=register)
    weights = district_population(edition, catalog)
    deps = [harmonise(imd_districts(edition, catalog, dataset), to=vintage, tier=tier, population=weights,
                      counts=(), combine=combine, register=register) for dataset in IMD_EDITIONS[edition]]
    areas = select_areas(register, vintage, tier)[["code", "name", "type", "region_code"]]
    out = areas.rename(columns={"code": "area_code"})
    for code, members in (combine or {}).items():
        covered = out[out["area_code"].isin(_covered(members, register, vintage, tier))]
        regions = covered["region_code"].unique()
        row = {"area_code": code, "name": "combined: " + ", ".join(covered["name"]), "type": "combined",
               "region_code": regions[0] if len(regions) == 1 else pd.NA}
        out = pd.concat([out[~out.index.isin(covered.index)], pd.DataFrame([row])], ignore_index=True)
    pop_values = pop.data.set_index("area_code")["value"]
    out["population"] = out["area_code"].map(pop_values)
    out["population_year"] = int(year)
    out["population_method"] = out["area_code"].map(_methods(pop.provenance))
    out["imd_edition"] = edition
    values = {indicator: {} for indicator in IMD_MEASURES.values()}
    how: dict[str, str] = {}
    for dataset, dep in zip(IMD_EDITIONS[edition], deps):
        for code, method in _methods(dep.provenance).items():
            if code in how:
                continue  # an earlier dataset of the edition built it
            how[code] = f"{method} ({dataset})"
            for indicator in values:
                rows = dep.data[(dep.data["indicator"] == indicator) & (dep.data["area_code"] == code)]
                values[indicator][code] = float(rows["value"].iloc[0]) if len(rows) else np.nan
    for indicator, by_code in values.items():
        out[indicator] = out["area_code"].map(by_code).astype(float)
    out["imd_method"] = out["area_code"].map(how)
    out["imd_rank"] = out["imd_score"].rank(ascending=False, method="min").astype("Int64")
    out["note"] = [_note(r) for r in out.itertuples(index=False)]
    out = out[COVARIATE_COLUMNS].sort_values("area_code", ignore_index=True)
    out.attrs.update(vintage=str(vintage), tier=tier, population_year=int(year), imd_edition=edition,
                     sources=f"{POPULATION}; {', '.join(IMD_EDITIONS[edition])}")
    return out


def _covered(members, register: pd.DataFrame, vintage, tier: str) -> set[str]:
    """The vintage's target areas a combined footprint replaces (its members in force then)."""
    in_force = set(select_areas(register, vintage, tier)["code"])
    return {m for m in members if m in in_force}


def _methods(provenance: pd.DataFrame) -> dict[str, str]:
    """Target area -> how its value was built (the provenance's method; several joined by '+')."""
    built = provenance[provenance["method"].isin(["same", "recode", "same_footprint", "sum", "population_weighted"])]
    return built.groupby("area_code")["method"].agg(lambda m: "+".join(sorted(set(m)))).to_dict()


def _note(row) -> str:
    notes = []
    if pd.isna(row.population):
        notes.append("population: no exact route from the 2021 districts (a boundary transfer or split)")
    if pd.isna(row.imd_score):
        notes.append("IMD: no exact route from the edition's districts (a boundary transfer or split)")
    if isinstance(row.imd_method, str) and "population_weighted" in row.imd_method:
        notes.append("IMD score and extent are population-weighted means of district summaries (approximate)")
    return "; ".join(notes)
