"""Load catalogued datasets as validated DataFrames; the one place data files are opened."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd

from workbench.errors import CatalogError, DataValidationError
from workbench.evidence import readers
from workbench.evidence.catalog import Catalog, DatasetEntry, default_catalog, verify_digests
from workbench.evidence.registers import Initiative, memberships, read_initiatives
from workbench.evidence.schema import read_text_table, validate_frame

AREAS, INDICATORS, INITIATIVES = "areas", "indicators", "initiatives"
AUTHORITIES = "local_authorities"
_LOADED: dict[tuple, pd.DataFrame] = {}


def _catalog(catalog: Catalog | None) -> Catalog:
    return catalog if catalog is not None else default_catalog()


def load(dataset_id: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Return the dataset `dataset_id` as a validated, typed DataFrame.

    Former area codes (re-codes such as Gateshead E08000020 -> E08000037) are read as aliases of
    the current code. The frame's ``attrs`` carry the dataset id, its digest and `synthetic`.
    """
    cat = _catalog(catalog)
    entry = cat[dataset_id]
    # Registers are read by nearly every other load (area codes, multipliers, names): validate
    # once per version of the catalogue's files (a dataset's checks read the registers too), and
    # hand out copies.
    if not entry.path.exists():
        return _load_entry(cat, entry, entry.path)
    key = (dataset_id, _versions(cat))
    if key not in _LOADED:
        _LOADED[key] = _load_entry(cat, entry, entry.path)
    return _LOADED[key].copy()


def _versions(cat: Catalog) -> tuple:
    """Modification time and size of the catalogue and every file it names."""
    paths = [cat.path, *(e.path for e in cat)]
    return tuple((str(p), s.st_mtime_ns, s.st_size) for p in paths if (s := _stat(p)))


def _stat(path: Path):
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def validate_file(path: str | os.PathLike, dataset_id: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Validate any file against a catalogued dataset's schema (for data not yet catalogued)."""
    cat = _catalog(catalog)
    return _load_entry(cat, cat[dataset_id], Path(path))


_INITIATIVES: dict[tuple, dict[str, Initiative]] = {}


def initiatives(catalog: Catalog | None = None) -> dict[str, Initiative]:
    """The initiative register: id -> :class:`Initiative`, checked against the area register.

    Read and checked once per version of the catalogue's files (the entries are immutable).
    """
    cat = _catalog(catalog)
    key = _versions(cat)
    if key not in _INITIATIVES:
        _INITIATIVES[key] = read_initiatives(cat[INITIATIVES].path, area_aliases(cat), upper_tier_in_force(cat))
    return dict(_INITIATIVES[key])


def upper_tier_in_force(catalog: Catalog | None = None):
    """A function: day -> the upper-tier authorities in force that day (every accepted code -> its code).

    Read from the authority register (``local_authorities``) where the catalogue has it, else from
    the area register's own ``valid_from`` (whose authorities ran to 31 March 2019).
    """
    cat = _catalog(catalog)
    if AUTHORITIES in {e.id for e in cat}:
        from workbench.evidence.geography import aliases, select_areas

        register = load(AUTHORITIES, cat)
        every = aliases(register)

        @functools.lru_cache(maxsize=None)
        def from_register(day):
            chosen = set(select_areas(register, day, "upper")["code"])
            return {old: new for old, new in every.items() if new in chosen}
        return from_register
    areas = load(AREAS, cat)
    every = area_aliases(cat)

    def from_areas(day):
        started = areas["valid_from"].isna() | (pd.to_datetime(areas["valid_from"]) <= pd.Timestamp(day))
        current = set(areas.loc[started, "area_code"])
        return {old: new for old, new in every.items() if new in current}
    return from_areas


def reorganised_areas(dataset_id: str, first_period: int, catalog: Catalog | None = None) -> dict[str, str]:
    """Areas created after the panel starts whose earlier series are not comparable: code -> reason.

    Periods are financial years named by their start year, so an area created on 1 April 2009 has
    no like-for-like series before period 2009. A dataset whose catalogue entry says
    `harmonised_boundaries: true` has been rebuilt on current boundaries, and nothing is excluded.
    """
    cat = _catalog(catalog)
    if cat[dataset_id].extra.get("harmonised_boundaries"):
        return {}
    areas = load(AREAS, cat)
    created = pd.to_datetime(areas["valid_from"], errors="coerce")
    start = pd.Timestamp(year=int(first_period), month=4, day=1)
    late = areas[created > start]
    return {code: f"created {when:%d %B %Y}; its series before then is not comparable and "
                  f"{dataset_id} is not harmonised to current boundaries"
            for code, when in zip(late["area_code"], created[created > start])}


def area_aliases(catalog: Catalog | None = None) -> dict[str, str]:
    """Every accepted area code (current and former) -> its current code."""
    areas = load(AREAS, catalog)
    aliases = {code: code for code in areas["area_code"]}
    for code, former in zip(areas["area_code"], areas["former_codes"]):
        if isinstance(former, str):
            aliases.update({old: code for old in former.split(";") if old})
    return aliases


def _load_entry(cat: Catalog, entry: DatasetEntry, path: Path) -> pd.DataFrame:
    if path == entry.path:
        verify_digests(entry)
    if entry.format in readers.names():
        frame = readers.read(entry.format, path, **_reader_options(entry))
    elif entry.format == "initiatives-yaml":
        frame = memberships(read_initiatives(path, area_aliases(cat), upper_tier_in_force(cat)))
    elif entry.format == "csv":
        frame = _load_csv(cat, entry, path)
    else:
        raise CatalogError(f"{cat.path}: dataset '{entry.id}' has unknown format '{entry.format}'")
    frame.attrs.update(dataset=entry.id, path=str(path), synthetic=entry.synthetic)
    return frame


def _reader_options(entry: DatasetEntry) -> dict:
    """Options a layout's reader takes from the catalogue entry (indicator ids, period convention)."""
    options = dict(entry.extra.get("reader_options") or {})
    if "indicators" in entry.extra:
        options.setdefault("indicators", entry.extra["indicators"])
    if entry.extra.get("period_type") in ("financial", "academic"):
        options.setdefault("period_type", entry.extra["period_type"])
    return options


def _load_csv(cat: Catalog, entry: DatasetEntry, path: Path) -> pd.DataFrame:
    schema = entry.schema
    if not schema:
        raise CatalogError(f"{cat.path}: dataset '{entry.id}' has no schema")
    text = read_text_table(path)
    alias_cache: dict[str, dict[str, str]] = {}

    def references(register: str) -> set[str]:
        if register == AREAS:
            alias_cache[register] = area_aliases(cat)
            return set(alias_cache[register])
        key = cat[register].schema.get("key", [None])[0]
        if key is None:
            raise CatalogError(f"{cat.path}: register '{register}' has no key to refer to")
        return set(load(register, cat)[key])

    multipliers = None
    if schema.get("rate_check"):
        source = schema["rate_check"].get("multiplier_from", INDICATORS)
        table = load(source, cat)
        multipliers = dict(zip(table["indicator"], table["multiplier"].astype(float)))
    typed = validate_frame(text, schema, path, references, multipliers)
    for column in (c["name"] for c in schema.get("columns", []) if c.get("references") == AREAS):
        typed[column] = typed[column].map(alias_cache[AREAS])
    key = schema.get("key")
    if key and any(c.get("references") == AREAS for c in schema.get("columns", [])):
        # a file may hold both the old and the new code of one area for the same key
        dup = typed.duplicated(subset=key)
        if dup.any():
            pos = int(dup.to_numpy().nonzero()[0][0])
            raise DataValidationError(path, "the same area appears under its former and current code",
                                      row=pos + 2, column=key[0])
    return typed
