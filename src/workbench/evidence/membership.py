"""An initiative's member authorities at any vintage of local-government geography (2009, 2019, 2023).

The initiative register names members by their 2013-2019 upper-tier codes. Analyses on later
boundaries need the same members under the codes of their vintage: Dorset county, Bournemouth and
Poole are Dorset Council and Bournemouth, Christchurch and Poole from 1 April 2019;
Northamptonshire is North and West Northamptonshire from 2021; Cumbria is Cumberland and
Westmorland and Furness from 2023. Going back, Gateshead and Northumberland had other codes
before their 2013 re-codes.

    from workbench import evidence
    evidence.members("total_place", vintage=2019)   # one row per (pilot, authority of 2019)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.errors import SpecificationError
from workbench.evidence.geography import aliases, authority_register, code_changes, vintage_date
from workbench.evidence.loading import initiatives

MEMBER_COLUMNS = ["initiative", "pilot", "pilot_name", "area_code", "name", "register_codes", "change",
                  "within_footprint", "footprint", "role"]


def members(initiative_id: str, vintage: int | str | dt.date = 2009, catalog=None) -> pd.DataFrame:
    """The member authorities of an initiative under the codes in force on 1 April of `vintage`.

    One row per (pilot, authority of the vintage): ``area_code`` and ``name`` at the vintage,
    ``register_codes`` (the register's member codes it stands for, ";"-joined), ``change`` (what
    happened between the register's code and the vintage's, empty when nothing did),
    ``within_footprint`` (False when the vintage's authority also covers places that were not
    members, e.g. a successor formed with a non-member neighbour), the pilot's ``footprint`` and the
    initiative's ``role``.
    """
    registry = initiatives(catalog)
    if initiative_id not in registry:
        raise SpecificationError(f"unknown initiative '{initiative_id}'; the register has: {', '.join(registry)}")
    ini = registry[initiative_id]
    day = pd.Timestamp(vintage_date(vintage))
    register = authority_register(catalog)
    changes = code_changes(catalog)
    canonical = aliases(register)
    resolver = _Resolver(register.set_index("code"), changes, day)
    rows = []
    for pilot in ini.pilots:
        footprint_codes = {canonical.get(c, c) for c in pilot.members}
        grouped: dict[str, dict] = {}
        for member in pilot.members:
            code = canonical.get(member, member)
            for at, note in resolver.resolve(code):
                row = grouped.setdefault(at, {"register_codes": [], "change": []})
                row["register_codes"].append(member)
                if note and note not in row["change"]:
                    row["change"].append(note)
        for at, row in grouped.items():
            rows.append({
                "initiative": ini.id, "pilot": pilot.id, "pilot_name": pilot.name, "area_code": at,
                "name": resolver.name(at), "register_codes": ";".join(row["register_codes"]),
                "change": "; ".join(row["change"]),
                "within_footprint": resolver.within(at, footprint_codes),
                "footprint": pilot.footprint, "role": ini.role,
            })
    out = pd.DataFrame(rows, columns=MEMBER_COLUMNS)
    out.attrs.update(initiative=ini.id, vintage=str(vintage), on=day.date().isoformat())
    return out


class _Resolver:
    """Follows one authority's code forward (successors) or back (re-codes) to a vintage's day."""

    def __init__(self, register: pd.DataFrame, changes: pd.DataFrame, day: pd.Timestamp):
        self.register, self.changes, self.day = register, changes, day

    def name(self, code: str) -> str:
        """The authority's name (a former code's name is its successor's: re-codes keep the name)."""
        if code in self.register.index:
            return str(self.register.at[code, "name"])
        recode = self.changes[(self.changes["old_code"] == code) & (self.changes["kind"] == "recode")]
        return str(recode["new_name"].iloc[0]) if len(recode) else code

    def resolve(self, code: str) -> list[tuple[str, str]]:
        """[(code in force on the day, what changed)] for a register code."""
        row = self.register.loc[code]
        if pd.notna(row["valid_to"]) and row["valid_to"] < self.day:
            out = []
            for successor in str(row["successor_codes"]).split(";"):
                note = self._change_note(code, successor)
                out += [(at, "; ".join(n for n in (note, later) if n)) for at, later in self.resolve(successor)]
            return out
        if pd.notna(row["valid_from"]) and row["valid_from"] > self.day:
            return [(code, f"{row['name']} ({code}) was created on {row['valid_from']:%d %B %Y}, after this vintage")]
        recodes = self.changes[(self.changes["new_code"] == code) & (self.changes["kind"] == "recode")]
        later = recodes[pd.to_datetime(recodes["effective"]) > self.day]
        if len(later):
            r = later.iloc[0]
            return [(r["old_code"], f"code {r['old_code']} in use then; re-coded to {code} on "
                                    f"{pd.Timestamp(r['effective']):%d %B %Y} (same area)")]
        return [(code, "")]

    def _change_note(self, old: str, new: str) -> str:
        rows = self.changes[(self.changes["old_code"] == old) & (self.changes["new_code"] == new)]
        if rows.empty:
            return f"{old} succeeded by {new}"
        r = rows.iloc[0]
        note = f"; {r['note']}" if isinstance(r["note"], str) and r["note"] else ""
        return (f"{r['old_name']} ({old}) {r['kind']} into {r['new_name']} ({new}) on "
                f"{pd.Timestamp(r['effective']):%d %B %Y}{note}")

    def within(self, code: str, footprint: set[str]) -> bool:
        """True when every upper-tier area the authority was formed from is in `footprint`."""
        return self._origins(code) <= footprint

    def _origins(self, code: str) -> set[str]:
        """The register's upper-tier authorities that an authority's area came from (itself if none)."""
        if code not in self.register.index:
            return {code}
        olds = self.changes[(self.changes["new_code"] == code) & (self.changes["kind"] != "recode")
                            & (self.changes["kind"] != "structural_2009")]["old_code"]
        if olds.empty:
            return {code}
        out: set[str] = set()
        for old in olds:
            if old not in self.register.index:
                continue
            upper = str(self.register.at[old, "upper_tier_code"])
            out |= self._origins(upper) if upper != old and upper != code else {old}
        return out or {code}

