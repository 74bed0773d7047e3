"""Registers: the initiatives and their pilots (a YAML register with nested members and sources).

Areas and indicators are plain tables, loaded through :func:`workbench.evidence.load`; the
initiative register is nested, so it has its own reader and checks here: required fields, known
area codes, every member in force on the initiative's start, partner sectors, status, the
initiative's role (pilot or concurrent), each pilot's footprint (authority, neighbourhood,
wider_area), conflicts between sources, and the first post period rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.display import key_value_table
from workbench.errors import DataValidationError
from workbench.io import read_yaml

SECTORS = ("public", "business", "social")
ROLES = ("pilot", "concurrent")
FOOTPRINTS = ("authority", "neighbourhood", "wider_area")
ALL_UPPER_TIER = "all_upper_tier"
MEMBERSHIP_COLUMNS = ["initiative", "pilot", "area_code", "first_post_period", "role", "footprint"]
# the upper-tier authorities (register codes and their former codes) in force on a day
InForce = Callable[[dt.date], Mapping[str, str]]


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
    footprint: str = "authority"

    @property
    def smaller_than_member(self) -> bool:
        """True when the pilot is a neighbourhood inside its member authority (whole-authority outcomes dilute it)."""
        return self.footprint == "neighbourhood"


@dataclass(frozen=True)
class Conflict:
    """Sources that disagree (e.g. on how many councils took part), and the value the register uses."""

    about: str
    claims: tuple[tuple[str, tuple[str, ...]], ...]
    register_uses: str
    reason: str

    @property
    def values(self) -> tuple[str, ...]:
        """The values the sources give, in register order."""
        return tuple(value for value, _ in self.claims)

    def sentence(self) -> str:
        """The conflict in one plain sentence, for notes and briefs."""
        claims = "; ".join(f"{value} ({', '.join(sources)})" for value, sources in self.claims)
        return f"Sources disagree on the {self.about}: {claims}. This register uses {self.register_uses}: {self.reason}"


@dataclass(frozen=True, repr=False)
class Initiative:
    """A place-based initiative (Total Place, Whole-Place Community Budgets...) and its pilots."""

    id: str
    name: str
    start: dt.date
    end: dt.date | None
    first_post_period: int
    lead_bodies: tuple[str, ...]
    description: str
    evaluation_note: str
    sources: tuple[str, ...]
    pilots: tuple[Pilot, ...]
    role: str = "pilot"
    conflicts: tuple[Conflict, ...] = ()
    short_name: str = ""        # for headlines (the register's `short_name`); `name` when not given

    @property
    def short(self) -> str:
        """The name to use where words are few (a headline): the short name, else the name."""
        return self.short_name or self.name

    @property
    def concurrent(self) -> bool:
        """True for a concurrent national programme (stated alongside analyses, never contamination)."""
        return self.role == "concurrent"

    @property
    def period_text(self) -> str:
        """The years it ran, e.g. '2009-2010', or '2012 onwards' where no end date is recorded."""
        return f"{self.start.year}-{self.end.year}" if self.end else f"{self.start.year} onwards"

    @property
    def member_areas(self) -> tuple[str, ...]:
        """Every member authority's code, once, in register order."""
        return tuple(dict.fromkeys(code for p in self.pilots for code in p.members))

    def pilot_of(self, area_code: str) -> Pilot | None:
        """The pilot an authority belongs to, or None."""
        return next((p for p in self.pilots if area_code in p.members), None)

    def __repr__(self) -> str:
        role = ", concurrent programme" if self.concurrent else ""
        return (f"<Initiative {self.id} '{self.name}': {len(self.pilots)} pilots, {len(self.member_areas)} member "
                f"areas, {self.period_text}, first post period {self.first_post_period}{role}>")

    def _repr_html_(self) -> str:
        rows = [(p.name, f"{len(p.members)} member area{'s' * (len(p.members) != 1)}; partners: "
                         f"{', '.join(p.partners) or 'not recorded'}"
                         + ("; a neighbourhood inside its member authority" if p.smaller_than_member else ""))
                for p in self.pilots]
        rows += [("conflict", c.sentence()) for c in self.conflicts]
        return key_value_table(f"{self.name} ({self.period_text}): {len(self.pilots)} pilots", rows)


def read_initiatives(path: Path, area_codes: set[str] | Mapping[str, str],
                     in_force: InForce | None = None) -> dict[str, Initiative]:
    """Read and check the initiative register; unknown area codes are errors.

    `area_codes` are the area register's codes (a mapping from every accepted code to the
    register's code, or a set). `in_force(day)` gives the upper-tier authorities in force on a day
    (every accepted code -> the register's code): with it, every member must be in force on its
    initiative's start, and `members: all_upper_tier` expands to those authorities.
    """
    raw = read_yaml(path, lambda problem, line: DataValidationError(path, problem, row=line))
    items = raw.get("initiatives") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise DataValidationError(path, "expected a top-level 'initiatives:' list")
    out: dict[str, Initiative] = {}
    for i, item in enumerate(items):
        initiative = _initiative(path, i, item, area_codes, in_force)
        if initiative.id in out:
            raise DataValidationError(path, f"duplicate initiative id '{initiative.id}'",
                                      column=f"initiatives[{i}].id")
        out[initiative.id] = initiative
    return out


def memberships(initiatives: dict[str, Initiative]) -> pd.DataFrame:
    """One row per (initiative, pilot, member authority): the register as a table."""
    rows = [
        (ini.id, p.id, code, ini.first_post_period, ini.role, p.footprint)
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


def first_post_period_of(start: dt.date) -> int:
    """The first financial year (named by its start year) beginning on or after `start`."""
    return start.year if start <= dt.date(start.year, 4, 1) else start.year + 1


def _initiative(path: Path, i: int, item: Any, area_codes, in_force: InForce | None) -> Initiative:
    where = f"initiatives[{i}]"
    start = _need(path, where, item, "start", dt.date)
    end = item.get("end") if isinstance(item, dict) else None
    if end is not None and not isinstance(end, dt.date):
        raise DataValidationError(path, f"field 'end' must be a date or null, got {end!r}", column=f"{where}.end")
    if end is not None and end < start:
        raise DataValidationError(path, f"end {end} is before start {start}", column=f"{where}.end")
    first_post = _need(path, where, item, "first_post_period", int)
    if first_post != first_post_period_of(start):
        raise DataValidationError(
            path, f"first_post_period {first_post} is not the first financial year beginning on or after the "
                  f"start {start} ({first_post_period_of(start)})", column=f"{where}.first_post_period")
    role = _choice(path, where, item, "role", ROLES, "pilot")
    footprint = _choice(path, where, item, "footprint", FOOTPRINTS, "authority")
    pilots_raw = _need(path, where, item, "pilots", list)
    pilots = tuple(_pilot(path, f"{where}.pilots[{j}]", p, area_codes, in_force, start, footprint)
                   for j, p in enumerate(pilots_raw))
    ids = [p.id for p in pilots]
    if len(set(ids)) != len(ids):
        raise DataValidationError(path, "duplicate pilot id", column=f"{where}.pilots")
    sources = _strings(path, where, item, "sources")
    if not sources:
        raise DataValidationError(path, "an initiative needs at least one source", column=f"{where}.sources")
    conflicts = tuple(_conflict(path, f"{where}.conflicts[{k}]", c)
                      for k, c in enumerate(_need(path, where, item, "conflicts", list)
                                            if "conflicts" in item else []))
    return Initiative(
        id=_need(path, where, item, "id", str),
        name=_need(path, where, item, "name", str),
        start=start,
        end=end,
        first_post_period=first_post,
        lead_bodies=_strings(path, where, item, "lead_bodies"),
        description=" ".join(str(item.get("description", "")).split()),
        evaluation_note=" ".join(str(item.get("evaluation_note", "")).split()),
        sources=sources,
        pilots=pilots,
        role=role,
        conflicts=conflicts,
        short_name=" ".join(str(item.get("short_name") or "").split()),
    )


def _choice(path: Path, where: str, item: dict, field: str, allowed: tuple[str, ...], default: str) -> str:
    value = item.get(field, default)
    if value not in allowed:
        raise DataValidationError(path, f"{field} '{value}' is not one of {', '.join(allowed)}",
                                  column=f"{where}.{field}")
    return value


def _conflict(path: Path, where: str, item: Any) -> Conflict:
    about = _need(path, where, item, "about", str)
    claims_raw = _need(path, where, item, "claims", list)
    claims = []
    for k, claim in enumerate(claims_raw):
        value = _need(path, f"{where}.claims[{k}]", claim, "value", (str, int))
        sources = _strings(path, f"{where}.claims[{k}]", claim, "sources")
        if not sources:
            raise DataValidationError(path, "a conflicting claim needs its sources", column=f"{where}.claims[{k}]")
        claims.append((str(value), sources))
    if len(claims) < 2:
        raise DataValidationError(path, "a conflict needs at least two claims", column=f"{where}.claims")
    uses = str(_need(path, where, item, "register_uses", (str, int)))
    if uses not in [value for value, _ in claims]:
        raise DataValidationError(path, f"register_uses '{uses}' is not one of the claims' values",
                                  column=f"{where}.register_uses")
    reason = " ".join(str(_need(path, where, item, "reason", str)).split())
    return Conflict(about, tuple(claims), uses, reason)


def _members(path: Path, where: str, item: dict, area_codes, in_force: InForce | None,
             start: dt.date) -> tuple[str, ...]:
    if isinstance(item, dict) and item.get("members") == ALL_UPPER_TIER:
        if in_force is None:
            raise DataValidationError(path, f"members: {ALL_UPPER_TIER} needs the authority register",
                                      column=f"{where}.members")
        known = in_force(start)
        return tuple(sorted(set(known.values())))
    members = _strings(path, where, item, "members")
    for code in members:
        if code not in area_codes:
            raise DataValidationError(path, f"unknown area code '{code}' (not in the 'areas' register)",
                                      column=f"{where}.members")
    if in_force is not None:
        known = in_force(start)
        late = [code for code in members if code not in known]
        if late:
            raise DataValidationError(path, f"member(s) {', '.join(late)} not an upper-tier authority in force on "
                                            f"the initiative's start {start}", column=f"{where}.members")
    if len(set(members)) != len(members):
        raise DataValidationError(path, "a member is listed twice", column=f"{where}.members")
    return members


def _pilot(path: Path, where: str, item: Any, area_codes, in_force: InForce | None, start: dt.date,
           footprint: str) -> Pilot:
    members = _members(path, where, item, area_codes, in_force, start)
    partners = _strings(path, where, item, "partners")
    for sector in partners:
        if sector not in SECTORS:
            raise DataValidationError(path, f"partner sector '{sector}' is not one of {', '.join(SECTORS)}",
                                      column=f"{where}.partners")
    status = _need(path, where, item, "status", str)
    if status not in ("confirmed", "unconfirmed"):
        raise DataValidationError(path, f"status '{status}' is not confirmed or unconfirmed",
                                  column=f"{where}.status")
    sources = _strings(path, where, item, "sources")
    if not sources:
        raise DataValidationError(path, "a pilot needs at least one source", column=f"{where}.sources")
    return Pilot(
        id=_need(path, where, item, "id", str),
        name=_need(path, where, item, "name", str),
        members=members,
        themes=_strings(path, where, item, "themes"),
        partners=partners,
        status=status,
        sources=sources,
        districts=_strings(path, where, item, "districts", required=False),
        note=" ".join(str(item.get("note", "")).split()),
        footprint=_choice(path, where, item, "footprint", FOOTPRINTS, footprint),
    )
