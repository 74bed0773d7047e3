"""Registers: the initiatives and their pilots (a YAML register with nested members and sources).

Areas and indicators are plain tables, loaded through :func:`workbench.evidence.load`; the
initiative register is nested, so it has its own reader and checks here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.display import key_value_table
from workbench.errors import DataValidationError
from workbench.io import read_yaml

SECTORS = ("public", "business", "social")
MEMBERSHIP_COLUMNS = ["initiative", "pilot", "area_code", "first_post_period"]


@dataclass(frozen=True)
class Pilot:
    """One pilot area of an initiative: its member authorities, themes and sources."""

    id: str
    name: str
    members: tuple[str, ...]
    themes: tuple[str, ...]
    partners: tuple[str, ...]
    status: str
    sources: tuple[str, ...]
    districts: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, repr=False)
class Initiative:
    """A place-based initiative (Total Place, Whole-Place Community Budgets...) and its pilots."""

    id: str
    name: str
    start: dt.date
    end: dt.date
    first_post_period: int
    lead_bodies: tuple[str, ...]
    description: str
    evaluation_note: str
    sources: tuple[str, ...]
    pilots: tuple[Pilot, ...]

    @property
    def member_areas(self) -> tuple[str, ...]:
        """Every member authority's code, once, in register order."""
        return tuple(dict.fromkeys(code for p in self.pilots for code in p.members))

    def pilot_of(self, area_code: str) -> Pilot | None:
        """The pilot an authority belongs to, or None."""
        return next((p for p in self.pilots if area_code in p.members), None)

    def __repr__(self) -> str:
        return (f"<Initiative {self.id} '{self.name}': {len(self.pilots)} pilots, {len(self.member_areas)} member "
                f"areas, {self.start.year}-{self.end.year}, first post period {self.first_post_period}>")

    def _repr_html_(self) -> str:
        rows = [(p.name, f"{len(p.members)} member area{'s' * (len(p.members) != 1)}; partners: "
                         f"{', '.join(p.partners) or 'not recorded'}") for p in self.pilots]
        return key_value_table(f"{self.name} ({self.start.year}-{self.end.year}): {len(self.pilots)} pilots", rows)


def read_initiatives(path: Path, area_codes: set[str]) -> dict[str, Initiative]:
    """Read and check the initiative register; unknown area codes are errors."""
    raw = read_yaml(path, lambda problem, line: DataValidationError(path, problem, row=line))
    items = raw.get("initiatives") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise DataValidationError(path, "expected a top-level 'initiatives:' list")
    out: dict[str, Initiative] = {}
    for i, item in enumerate(items):
        initiative = _initiative(path, i, item, area_codes)
        if initiative.id in out:
            raise DataValidationError(path, f"duplicate initiative id '{initiative.id}'",
                                      column=f"initiatives[{i}].id")
        out[initiative.id] = initiative
    return out


def memberships(initiatives: dict[str, Initiative]) -> pd.DataFrame:
    """One row per (initiative, pilot, member authority): the register as a table."""
    rows = [
        (ini.id, p.id, code, ini.first_post_period)
        for ini in initiatives.values() for p in ini.pilots for code in p.members
    ]
    frame = pd.DataFrame(rows, columns=MEMBERSHIP_COLUMNS)
    return frame.astype({"first_post_period": "int64"})


def _need(path: Path, where: str, item: Any, field: str, kind: type | tuple[type, ...]):
    if not isinstance(item, dict) or field not in item:
        raise DataValidationError(path, f"missing field '{field}'", column=where)
    value = item[field]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataValidationError(path, f"field '{field}' must be a {names}, got {value!r}",
                                  column=f"{where}.{field}")
    return value


def _strings(path: Path, where: str, item: dict, field: str, required: bool = True) -> tuple[str, ...]:
    if not required and field not in item:
        return ()
    values = _need(path, where, item, field, list)
    return tuple(str(v) for v in values)


def _initiative(path: Path, i: int, item: Any, area_codes: set[str]) -> Initiative:
    where = f"initiatives[{i}]"
    pilots_raw = _need(path, where, item, "pilots", list)
    pilots = tuple(_pilot(path, f"{where}.pilots[{j}]", p, area_codes) for j, p in enumerate(pilots_raw))
    start = _need(path, where, item, "start", dt.date)
    end = _need(path, where, item, "end", dt.date)
    if end < start:
        raise DataValidationError(path, f"end {end} is before start {start}", column=f"{where}.end")
    return Initiative(
        id=_need(path, where, item, "id", str),
        name=_need(path, where, item, "name", str),
        start=start,
        end=end,
        first_post_period=_need(path, where, item, "first_post_period", int),
        lead_bodies=_strings(path, where, item, "lead_bodies"),
        description=" ".join(str(item.get("description", "")).split()),
        evaluation_note=" ".join(str(item.get("evaluation_note", "")).split()),
        sources=_strings(path, where, item, "sources"),
        pilots=pilots,
    )


def _pilot(path: Path, where: str, item: Any, area_codes: set[str]) -> Pilot:
    members = _strings(path, where, item, "members")
    for code in members:
        if code not in area_codes:
            raise DataValidationError(path, f"unknown area code '{code}' (not in the 'areas' register)",
                                      column=f"{where}.members")
    partners = _strings(path, where, item, "partners")
    for sector in partners:
        if sector not in SECTORS:
            raise DataValidationError(path, f"partner sector '{sector}' is not one of {', '.join(SECTORS)}",
                                      column=f"{where}.partners")
    status = _need(path, where, item, "status", str)
    if status not in ("confirmed", "unconfirmed"):
        raise DataValidationError(path, f"status '{status}' is not confirmed or unconfirmed",
                                  column=f"{where}.status")
    return Pilot(
        id=_need(path, where, item, "id", str),
        name=_need(path, where, item, "name", str),
        members=members,
        themes=_strings(path, where, item, "themes"),
        partners=partners,
        status=status,
        sources=_strings(path, where, item, "sources"),
        districts=_strings(path, where, item, "districts", required=False),
        note=str(item.get("note", "")),
    )
