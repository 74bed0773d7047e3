"""English local authorities 2009-2023: the register, the areas of any year, the code changes.

The register (``evidence/registers/local_authorities.csv``) has one row per authority: its GSS
code (the latest, where ONS re-coded it), name, type, the upper-tier authority it sits in,
region, the dates it was valid, its former codes (pure re-codes, read as aliases) and its
successors. It is built by :func:`build_register` from the reference tables kept as received in
``evidence/raw/ons_geography/`` (ONS lookups and the mySociety register, compiled in the shared
reference), so it can be rebuilt and checked: ``build_register(raw) == load("local_authorities")``.

    from workbench import evidence
    evidence.areas(vintage=2009)                  # 152 upper-tier authorities of 1 April 2009
    evidence.areas(vintage=2023, tier="lower")    # 296 districts and unitaries of 1 April 2023
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from workbench.errors import SpecificationError

REGISTER = "local_authorities"
CHANGES = "code_changes"
TYPES = {
    "unitary": "unitary", "metropolitan district": "metropolitan_district",
    "london borough": "london_borough", "county": "county",
    "non-metropolitan district": "non_metropolitan_district",
}
UPPER = ("unitary", "metropolitan_district", "london_borough", "county")
LOWER = ("unitary", "metropolitan_district", "london_borough", "non_metropolitan_district")
TIERS = {"upper": UPPER, "lower": LOWER}
REGISTER_COLUMNS = ["code", "name", "type", "upper_tier_code", "region_code", "region_name",
                    "valid_from", "valid_to", "former_codes", "successor_codes", "note"]
CHANGE_COLUMNS = ["effective", "old_code", "old_name", "new_code", "new_name", "kind", "note"]
REGISTER_START = dt.date(2009, 4, 1)


def vintage_date(vintage: int | str | dt.date) -> dt.date:
    """The day a vintage's structure is read on: 1 April of the year (the day reorganisations start)."""
    if isinstance(vintage, dt.date):
        day = vintage
    else:
        try:
            day = dt.date(int(vintage), 4, 1)
        except (TypeError, ValueError):
            raise SpecificationError(f"vintage {vintage!r} is not a year (2009, 2019, 2023) or a date") from None
    if day < REGISTER_START:
        raise SpecificationError(f"vintage {vintage!r} is before the register starts (1 April 2009)")
    return day


def select_areas(register: pd.DataFrame, vintage: int | str | dt.date = 2009, tier: str = "upper") -> pd.DataFrame:
    """The authorities of one tier in force on a vintage's day (see :func:`vintage_date`).

    ``tier`` "upper" gives counties, unitaries, metropolitan districts and London boroughs;
    "lower" gives districts, unitaries, metropolitan districts and London boroughs.
    """
    if tier not in TIERS:
        raise SpecificationError(f"tier {tier!r} is not upper or lower")
    day = pd.Timestamp(vintage_date(vintage))
    started = register["valid_from"].isna() | (register["valid_from"] <= day)
    running = register["valid_to"].isna() | (register["valid_to"] >= day)
    chosen = register[started & running & register["type"].isin(TIERS[tier])]
    out = chosen.sort_values("code", ignore_index=True)
    out.attrs.update(vintage=str(vintage), tier=tier, on=day.date().isoformat())
    return out


def aliases(register: pd.DataFrame) -> dict[str, str]:
    """Every code of the register (current and former) -> the authority's latest code."""
    out = {code: code for code in register["code"]}
    for code, former in zip(register["code"], register["former_codes"]):
        if isinstance(former, str) and former:
            out.update({old: code for old in former.split(";")})
    return out


# --- building the register from the reference tables ------------------------------------------

def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def build_register(raw: str | Path) -> pd.DataFrame:
    """The authority register, built from the reference tables in ``raw`` (as received).

    Uses ``la_codes_history.csv`` (codes, names, types, regions, validity, successors),
    ``code_changes.csv`` (re-codes become former codes), ``lad_2011.csv`` and ``lad_2023.csv``
    (the county each district sits in). A validity of "<=2009-04-01" (in force before the
    register starts) is written as an empty valid_from.
    """
    raw = Path(raw)
    history = _read(raw, "la_codes_history.csv")
    changes = _read(raw, "code_changes.csv")
    recodes = changes[changes["kind"] == "re-code"]
    old_to_new = dict(zip(recodes["old_code"], recodes["new_code"]))
    parents = _parents(raw)
    rows = []
    by_code = history.set_index("code")
    for _, item in history.iterrows():
        code = item["code"]
        if code in old_to_new:
            continue  # a former code: kept on its successor's row
        former = [old for old, new in old_to_new.items() if new == code]
        first = by_code.loc[former[0]] if former else item
        kind = TYPES[item["type"]]
        note = [f"re-coded {old}->{code} on {_day(recodes, old):%d %b %Y}" for old in former]
        if not first["valid_from"].startswith("<="):
            note.append(f"created {first['valid_from']}")
        rows.append({
            "code": code, "name": item["name"], "type": kind,
            "upper_tier_code": code if kind in UPPER else parents.get(code, ""),
            "region_code": item["region_code"], "region_name": item["region_name"],
            "valid_from": "" if first["valid_from"].startswith("<=") else first["valid_from"],
            "valid_to": item["valid_to"],
            "former_codes": ";".join(former),
            "successor_codes": item["successor_codes"].replace("+", ";"),
            "note": "; ".join(note),
        })
    frame = pd.DataFrame(rows, columns=REGISTER_COLUMNS).sort_values("code", ignore_index=True)
    missing = frame[(frame["type"] == "non_metropolitan_district") & (frame["upper_tier_code"] == "")]
    if len(missing):
        raise SpecificationError(f"{raw}: no county found for district(s) {', '.join(missing['code'])}")
    return frame


def _day(recodes: pd.DataFrame, old: str) -> dt.date:
    return dt.date.fromisoformat(recodes.loc[recodes["old_code"] == old, "effective"].iloc[0])


def _parents(raw: Path) -> dict[str, str]:
    """District -> county, from the 2011 and 2023 lookups (re-coded districts under both codes)."""
    parents: dict[str, str] = {}
    lad11 = _read(raw, "lad_2011.csv")
    for _, r in lad11.iterrows():
        parents[r["lad11cd"]] = r["utla_cd"]
        parents[r["lad18cd"]] = r["utla_cd"]
    lad23 = _read(raw, "lad_2023.csv")
    for _, r in lad23.iterrows():
        parents.setdefault(r["lad23cd"], r["utla_cd"])
    changes = _read(raw, "code_changes.csv")
    # districts made and unmade between the lookups (Somerset West and Taunton, 2019-2023) sit in
    # the county their predecessors sat in
    for new, group in changes[changes["new_code"].str.startswith("E07")].groupby("new_code"):
        counties = {parents.get(old) for old in group["old_code"]} - {None}
        if new not in parents and len(counties) == 1:
            parents[new] = counties.pop()
    return parents


def build_code_changes(raw: str | Path) -> pd.DataFrame:
    """The code changes 2009-2023 in the register's words: recode, merge, split, transfer, 2009.

    ``merge``: a code's whole area became part of the new code. ``split``: a county divided
    between several successors (Northamptonshire 2021, Cumbria 2023). ``transfer``: a district
    moved between upper-tier areas (Christchurch from Dorset county to Bournemouth, Christchurch
    and Poole, 2019), so Dorset county maps to Dorset Council only approximately.
    ``structural_2009``: the 2009 changes, whose old codes are pre-GSS ONS codes.
    """
    changes = _read(Path(raw), "code_changes.csv")
    successors = changes.groupby("old_code")["new_code"].nunique()
    kinds, notes = [], []
    for _, r in changes.iterrows():
        if r["kind"] == "re-code":
            kind, note = "recode", "same area, new code"
        elif r["kind"].startswith("2009 structural"):
            kind, note = "structural_2009", "pre-GSS ONS code"
        elif successors[r["old_code"]] > 1:
            kind, note = "split", f"divided between {successors[r['old_code']]} successors"
        elif r["old_code"] == "E07000048":
            kind, note = "transfer", "moved from Dorset county (E10000009) to Bournemouth, Christchurch and Poole"
        else:
            kind, note = "merge", ""
        if r["old_code"] == "E10000009":
            note = "approximate: Christchurch (E07000048) left Dorset county for E06000058"
        kinds.append(kind)
        notes.append(note)
    out = changes.assign(kind=kinds, note=notes)[CHANGE_COLUMNS]
    return out.sort_values(["effective", "old_code", "new_code"], ignore_index=True)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A register as the bytes written to ``evidence/registers/`` (UTF-8, LF line ends)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def authority_register(catalog=None) -> pd.DataFrame:
    """The authority register, loaded and validated (dates as timestamps)."""
    from workbench.evidence.loading import load

    return load(REGISTER, catalog)


def areas(vintage: int | str | dt.date = 2009, tier: str = "upper", catalog=None) -> pd.DataFrame:
    """The English local authorities of one tier in force on 1 April of ``vintage``.

    ``areas(2009)`` gives the 152 upper-tier authorities of 2009-2019, ``areas(2019)`` the 151
    after Dorset's reorganisation, ``areas(2023)`` the 153 of 2023; ``tier="lower"`` gives the
    districts and unitaries (326, 317, 296). Columns: code, name, type, upper_tier_code,
    region_code, region_name, valid_from, valid_to, former_codes, successor_codes, note.
    """
    return select_areas(authority_register(catalog), vintage, tier)


def code_changes(catalog=None) -> pd.DataFrame:
    """Every code change 2009-2023 with its kind (recode, merge, split, transfer, structural_2009)."""
    from workbench.evidence.loading import load

    return load(CHANGES, catalog)
