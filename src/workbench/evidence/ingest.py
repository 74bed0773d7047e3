"""Bring your own data: check a file and add it to the evidence base as a catalogued dataset.

    from workbench.evidence import ingest
    checked = ingest.check("claims.csv", "ons")              # read and validated; nothing written
    done = ingest.ingest("claims.csv", "my_claims", "ons")   # copied under evidence/, catalogued

A file is read with the reader of its publisher's layout (:mod:`workbench.evidence.readers`),
its bytes and its panel checked (:mod:`workbench.evidence.checks`), and every problem found is
reported: the first 20, one line each naming file, row and column, then how many more. Nothing
is written under ``evidence/`` unless the whole file passes, or ``quarantine=`` names a CSV file
that receives the rows set aside, each with its ``reason``, while the good rows go in.

A new id gets a catalogue entry written by code (format, digest, period type, the indicators
found, those the indicator register does not describe yet); an existing id gets a new version,
checked against its entry (its layout, its schema, its period type), the previous file kept and
recorded under ``versions``. Every write is atomic: the data file, then the catalogue.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import io
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import CatalogError, DataValidationError, WorkbenchError
from workbench.evidence import readers
from workbench.evidence.catalog import Catalog, content_digest, default_catalog
from workbench.evidence.checks import Geography, Problem, check_panel, columns_of, decode, problem_rows, read_bytes
from workbench.evidence.loading import INDICATORS, _reader_options, load, validate_file
from workbench.io import atomic_write_bytes, atomic_write_text, read_yaml

FORMATS = {"ons": "ons_els", "fingertips": "fingertips_extract", "nomis": "nomis", "wide": "wide", "long": "long"}
MAX_SHOWN = 20
MAX_PASSES = 12
DATASET_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
INGESTED = Path("raw") / "ingested"
NOT_RECORDED = "not recorded (give it with `workbench ingest ... --licence`)"


class IngestError(DataValidationError):
    """A file that cannot join the evidence base; ``problems`` lists every problem found."""

    def __init__(self, name: str, problems: list[Problem]):
        first = problems[0]
        super().__init__(name, first.problem, row=first.row, column=first.column)
        self.problems = list(problems)
        lines = [p.line(name) for p in problems[:MAX_SHOWN]]
        if len(problems) > MAX_SHOWN:
            lines.append(f"... and {len(problems) - MAX_SHOWN} more problems")
        self.args = ("\n".join(lines),)


@dataclass(frozen=True)
class Checked:
    """A file read and checked: its good rows as a long panel, and the rows set aside with reasons."""

    name: str
    layout: str
    panel: pd.DataFrame
    options: dict[str, Any]
    header: list[str]
    records: list[list[str]] = field(repr=False)
    set_aside: dict[int, str] = field(default_factory=dict)
    undocumented: list[str] = field(default_factory=list)

    @property
    def indicators(self) -> list[str]:
        """The indicator ids found in the file, in order of appearance."""
        return list(dict.fromkeys(self.panel["indicator"]))

    @property
    def period_types(self) -> list[str]:
        """The period types found (calendar, financial, academic, pooled, snapshot)."""
        return sorted(set(self.panel["period_type"]))

    def good_text(self) -> str:
        """The file's text without the rows set aside (header first), as CSV."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for number, record in enumerate(self.records, start=1):
            if number not in self.set_aside and (record or number == 1):
                writer.writerow(record)
        return out.getvalue()

    def quarantine_text(self) -> str:
        """The rows set aside, as CSV: the file's header plus a ``reason`` column."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", *self.header, "reason"])
        for number, reason in sorted(self.set_aside.items()):
            record = self.records[number - 1] if number <= len(self.records) else []
            writer.writerow([number, *record, reason])
        return out.getvalue()


@dataclass(frozen=True)
class Ingested:
    """What :func:`ingest` did: the dataset, its version, where the file went, what was set aside."""

    dataset_id: str
    version: int
    path: Path
    rows: int
    indicators: list[str]
    undocumented: list[str]
    period_types: list[str]
    set_aside: int
    quarantine: Path | None
    new: bool

    def summary(self) -> str:
        """A few lines for the command line."""
        kind = "new dataset" if self.new else f"version {self.version}"
        lines = [f"ingested {self.dataset_id} ({kind}): {self.rows:,} rows, periods "
                 f"{', '.join(self.period_types)}, indicators {', '.join(self.indicators)}",
                 f"stored as {os.path.relpath(self.path)}"]
        if self.undocumented:
            lines.append(f"undocumented indicators (not in evidence/registers/indicators.csv; describe them "
                         f"there): {', '.join(self.undocumented)}")
        if self.quarantine is not None:
            lines.append(f"set aside {self.set_aside} bad rows in {self.quarantine} (see its reason column)")
        return "\n".join(lines)


def layout_of(fmt: str | None, text: str = "") -> str:
    """The reader layout for a ``--format`` (ons, fingertips, nomis, wide, long, or a layout name).

    Without a format, the header decides; the Fingertips API's CSV (``Indicator ID``, ``Area
    Code``) is told from the Fingertips extract layout by its header too.
    """
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if fmt in (None, "fingertips") and "Area Code" in header and "Time period" in header:
        return "fingertips_api"
    if fmt is None:
        for layout, marker in (("ons_els", "areacd"), ("nomis", "GEOGRAPHY_CODE"), ("fingertips_extract", "measure")):
            if marker in header:
                return layout
        return "long"
    layout = FORMATS.get(fmt, fmt)
    if layout not in readers.names():
        raise WorkbenchError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return layout


def check(source: str | os.PathLike | bytes, fmt: str | None = None, *, name: str | None = None,
          catalog: Catalog | None = None, options: Mapping[str, Any] | None = None, quarantine: bool = False,
          max_bytes: int | None = None) -> Checked:
    """Read and check a file (a path or its bytes); nothing is written.

    Raises :class:`IngestError` listing every problem, unless ``quarantine`` is true: then the
    rows with problems are set aside (``Checked.set_aside``) and the others kept. Problems of the
    file as a whole (encoding, header, size) always raise.
    """
    catalog = catalog if catalog is not None else default_catalog()
    if isinstance(source, bytes):
        name, raw = name or "<bytes>", source
    else:
        name, raw = name or str(source), read_bytes(source, max_bytes)
    text = decode(raw, name)
    layout = layout_of(fmt, text)
    options = _options(layout, options)
    records = _records(text, name)
    panel, found = _read_all(text, records, layout, name, options)
    if panel.empty and not found:
        raise IngestError(name, [Problem(2, None, "no rows of data under the header (expected at least one row)")])
    units = {**_register_units(catalog), **panel.attrs.get("units", {})}
    found += check_panel(panel, Geography.from_catalog(catalog), columns_of(layout, options), units)
    if found and not quarantine:
        raise IngestError(name, sorted(set(found), key=_order))
    set_aside = problem_rows(found)
    good = panel[~panel["source_row"].isin(set_aside)].reset_index(drop=True)
    good.attrs.update(panel.attrs)
    if good.empty:
        raise IngestError(name, [Problem(None, None, f"every row has a problem ({len(set_aside)} set aside); "
                                                     "nothing is left to ingest")])
    documented = set(load(INDICATORS, catalog)["indicator"])
    undocumented = [i for i in dict.fromkeys(good["indicator"]) if i not in documented]
    header = records[0] if records else []
    return Checked(name, layout, good, options, header, records, set_aside, undocumented)


def check_frame(frame: pd.DataFrame, fmt: str = "long", **kwargs) -> Checked:
    """Check a DataFrame as if it were a CSV file in layout ``fmt`` (see :func:`check`)."""
    if not isinstance(frame, pd.DataFrame):
        raise WorkbenchError(f"expected a pandas DataFrame, not {type(frame).__name__}")
    text = frame.to_csv(index=False)
    return check(text.encode("utf-8"), fmt, name=kwargs.pop("name", "<frame>"), **kwargs)


def undocumented(dataset_id: str, catalog: Catalog | None = None) -> list[str]:
    """The indicators of a catalogued dataset that the indicator register does not describe (now).

    The catalogue entry's ``undocumented_indicators`` is the list as it was at ingest; once a
    row for an indicator is added to ``evidence/registers/indicators.csv`` it leaves this list.
    """
    catalog = catalog if catalog is not None else default_catalog()
    documented = set(load(INDICATORS, catalog)["indicator"])
    found = load(dataset_id, catalog)
    if "indicator" not in found:
        return []
    return [i for i in dict.fromkeys(found["indicator"].astype(str)) if i not in documented]


def _order(p: Problem):
    return (p.row or 0, p.column or "", p.problem)


def _options(layout: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options a layout's reader accepts, from those given (others are refused by name)."""
    accepted = {
        "ons_els": {"indicators", "period_type"}, "fingertips_extract": {"indicators", "period_type"},
        "fingertips_api": {"indicators", "period_type"}, "nomis": {"indicator", "measures"},
        "wide": {"indicator", "area_column", "name_column", "period_type"}, "long": {"indicator", "period_type"},
    }.get(layout, set())
    given = {k: v for k, v in (given or {}).items() if v is not None}
    if given.get("period_type") not in (None, "financial", "academic"):
        given.pop("period_type")  # only a split year (2008/09) needs telling which it is
    extra = sorted(set(given) - accepted)
    if extra:
        raise WorkbenchError(f"the {layout} layout does not take {', '.join(extra)} "
                             f"(it takes {', '.join(sorted(accepted)) or 'no options'})")
    return given


def _records(text: str, name: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    except csv.Error as exc:
        raise DataValidationError(name, f"not a well-formed CSV ({exc})") from None


def _blanked(records: list[list[str]], rows: set[int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for number, record in enumerate(records, start=1):
        writer.writerow([] if number in rows else record)
    return out.getvalue()


def _read_all(text: str, records: list[list[str]], layout: str, name: str,
              options: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """Read with the layout's reader; blank each row with a problem and read again, so that every
    problem is found (a reader stops at the first kind it meets)."""
    reader, found, blank = readers.get(layout), [], set()
    for _ in range(MAX_PASSES):
        try:
            return reader(text, name=name, **options), found
        except DataValidationError as exc:
            items = [Problem(r, c, p) for r, c, p in getattr(exc, "problems", [(exc.row, exc.column, exc.problem)])]
            rows = {p.row for p in items}
            if any(r is None or r <= 1 for r in rows) or rows <= blank:
                raise IngestError(name, found + items) from None
            found += items
            blank |= rows
            text = _blanked(records, blank)
    raise IngestError(name, found)


def _register_units(catalog: Catalog) -> dict[str, str]:
    table = load(INDICATORS, catalog)
    return dict(zip(table["indicator"], table["unit"]))


# --- adding to the evidence base ------------------------------------------------------------------

def ingest(path: str | os.PathLike, dataset_id: str, fmt: str | None = None, *, catalog: Catalog | None = None,
           quarantine: str | os.PathLike | None = None, options: Mapping[str, Any] | None = None,
           title: str | None = None, licence: str | None = None, source: str | None = None,
           provenance: Mapping[str, Any] | None = None, max_bytes: int | None = None) -> Ingested:
    """Check ``path`` and add it to the evidence base as ``dataset_id`` (a new entry or a new version).

    ``quarantine`` names a CSV file for the rows set aside (the others go in). ``provenance``
    (address, time fetched, licence: see :mod:`workbench.evidence.fetch`) is stored beside the
    data file and in the entry. Nothing is written when a problem stops the file.
    """
    catalog = catalog if catalog is not None else default_catalog()
    if not DATASET_ID.fullmatch(dataset_id or ""):
        raise WorkbenchError(f"dataset id {dataset_id!r} must be lower case letters, digits and _ (e.g. my_claims)")
    path = Path(path)
    existing = catalog.entries.get(dataset_id)
    if existing is not None:
        checked = _check_version(path, existing, fmt, catalog, quarantine is not None, options, max_bytes)
    else:
        checked = check(path, fmt, catalog=catalog, options=options, quarantine=quarantine is not None,
                        max_bytes=max_bytes)
    with catalog_lock(catalog):
        return _store(catalog, path, dataset_id, checked, quarantine, title, licence, source, provenance)


@contextlib.contextmanager
def catalog_lock(catalog: Catalog):
    """Hold an exclusive lock on the catalogue file, so that two ingests never lose each other's entry.

    The catalogue is replaced by rename, so the lock is taken again if the file changed meanwhile.
    """
    while True:
        with open(catalog.path, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if os.fstat(handle.fileno()).st_ino == os.stat(catalog.path).st_ino:
                    yield
                    return
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _store(catalog: Catalog, path: Path, dataset_id: str, checked: Checked, quarantine, title, licence, source,
           provenance) -> Ingested:
    """Copy the file under evidence/ and write its catalogue entry (the caller holds the lock)."""
    raw_spec = _raw_entries(catalog).get(dataset_id)
    version = _next_version(catalog, dataset_id, raw_spec)
    folder = catalog.root / INGESTED / dataset_id / f"v{version}"
    whole = not checked.set_aside
    target = folder / (path.name if whole else re.sub(r"\.gz$", "", path.name))
    data = path.read_bytes() if whole else checked.good_text().encode("utf-8")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    quarantined = None
    try:
        atomic_write_bytes(target, data)
        if provenance:
            atomic_write_text(folder / "provenance.json", _json(provenance))
        facts = {"version": version, "path": target.relative_to(catalog.root).as_posix(),
                 "sha256": content_digest(target), "ingested_at": now, "from": str(path),
                 "rows": len(checked.panel), "rows_set_aside": len(checked.set_aside)}
        if raw_spec is None:
            spec = _new_entry(dataset_id, checked, facts, title, licence, source, provenance)
        else:
            spec = _new_version(raw_spec, checked, facts, catalog, provenance)
        _write_entry(catalog, dataset_id, spec)
        if quarantine is not None:
            quarantined = Path(quarantine)
            atomic_write_text(quarantined, checked.quarantine_text())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Ingested(dataset_id, version, target, len(checked.panel), checked.indicators, checked.undocumented,
                    checked.period_types, len(checked.set_aside), quarantined, raw_spec is None)


def _check_version(path: Path, entry, fmt: str | None, catalog: Catalog, quarantine: bool,
                   options: Mapping[str, Any] | None, max_bytes: int | None) -> Checked:
    """A new version of a catalogued dataset: its layout and period type must be the entry's."""
    if entry.format == "csv":
        if quarantine:
            raise WorkbenchError(f"dataset '{entry.id}' is checked against its schema as a whole; "
                                 "--quarantine works for files read by a publisher's reader")
        decode(read_bytes(path, max_bytes), str(path))
        frame = validate_file(path, entry.id, catalog)
        frame = frame.reset_index(drop=True).assign(source_row=lambda f: f.index + 2)
        records = _records(path.read_text(encoding="utf-8-sig"), str(path))
        for column, fill in (("indicator", entry.id), ("period_type", "calendar")):
            if column not in frame:
                frame[column] = fill
        return Checked(str(path), "csv", frame, {}, records[0], records)
    if entry.format not in readers.names():
        raise CatalogError(f"dataset '{entry.id}' ({entry.format}) cannot take a new version through ingest")
    if fmt is not None and layout_of(fmt) != entry.format:
        raise WorkbenchError(f"dataset '{entry.id}' is read as {entry.format}; --format {fmt} does not match it")
    merged = {**_reader_options(entry), **(options or {})}
    checked = check(path, entry.format, catalog=catalog, options=merged, quarantine=quarantine, max_bytes=max_bytes)
    expected = entry.extra.get("period_type")
    odd = [k for k in checked.period_types if expected and k not in str(expected).split(", ")]
    if odd:
        first = checked.panel.loc[checked.panel["period_type"] == odd[0], "source_row"].iloc[0]
        raise IngestError(str(path), [Problem(int(first), columns_of(entry.format, merged).period,
                                              f"period type {odd[0]}, where dataset '{entry.id}' has "
                                              f"{expected} (expected a new version of the same series)")])
    return checked


def _raw_entries(catalog: Catalog) -> dict[str, Any]:
    raw = read_yaml(catalog.path, lambda problem, line: CatalogError(f"{catalog.path}: catalogue {problem}"))
    return raw.get("datasets") or {}


def _next_version(catalog: Catalog, dataset_id: str, raw_spec: Mapping | None) -> int:
    recorded = [v.get("version", 0) for v in (raw_spec or {}).get("versions", []) if isinstance(v, dict)]
    folder = catalog.root / INGESTED / dataset_id
    on_disk = [int(p.name[1:]) for p in folder.glob("v*") if p.name[1:].isdigit()] if folder.is_dir() else []
    base = 1 if raw_spec is not None and not recorded else 0
    return max([base, *recorded, *on_disk]) + 1


def _new_entry(dataset_id: str, checked: Checked, facts: dict, title: str | None, licence: str | None,
               source: str | None, provenance: Mapping[str, Any] | None) -> dict[str, Any]:
    prov = dict(provenance or {})
    spec: dict[str, Any] = {
        "title": title or f"{dataset_id} (ingested from {Path(facts['from']).name})",
        "path": facts["path"], "format": checked.layout, "synthetic": False,
        "licence": licence or prov.get("licence") or NOT_RECORDED,
        "source": source or (f"fetched from {prov['url']} on {prov.get('fetched_at', '')}" if prov.get("url")
                             else f"ingested by `workbench ingest` from {facts['from']} on {facts['ingested_at']}"),
        "sha256": facts["sha256"], "vintage": "not recorded",
        "period_type": ", ".join(checked.period_types),
        "indicators_found": checked.indicators,
        "undocumented_indicators": checked.undocumented,
    }
    if prov.get("url"):
        spec["source_url"] = prov["url"]
    if checked.options:
        spec["reader_options"] = dict(checked.options)
    spec["versions"] = [facts]
    return spec


def _new_version(raw_spec: Mapping[str, Any], checked: Checked, facts: dict, catalog: Catalog,
                 provenance: Mapping[str, Any] | None) -> dict[str, Any]:
    spec = dict(raw_spec)
    versions = [dict(v) for v in spec.get("versions") or []]
    if not versions:
        old = catalog.root / str(spec["path"])
        versions.append({"version": 1, "path": str(spec["path"]),
                         "sha256": spec.get("sha256") or (content_digest(old) if old.is_file() else "")})
    versions.append(facts)
    spec.update(path=facts["path"], versions=versions)
    if "sha256" in spec or checked.layout != "csv":
        spec["sha256"] = facts["sha256"]
    if "undocumented_indicators" in spec or checked.undocumented:
        spec["undocumented_indicators"] = checked.undocumented
    if provenance and provenance.get("url"):
        spec["source_url"] = provenance["url"]
    return spec


def _json(data: Mapping[str, Any]) -> str:
    import json

    return json.dumps(dict(data), indent=2, sort_keys=True, default=str) + "\n"


def entry_text(dataset_id: str, spec: Mapping[str, Any]) -> str:
    """One catalogue entry as YAML, indented to sit under ``datasets:``."""
    import yaml

    body = yaml.safe_dump({dataset_id: dict(spec)}, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"  {line}" if line.strip() else line for line in body.splitlines(keepends=True))


def replace_entry(text: str, dataset_id: str, block: str) -> str:
    """The catalogue text with ``dataset_id``'s entry replaced by ``block`` (or appended)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.fullmatch(rf"  {re.escape(dataset_id)}:\s*", line)), None)
    if start is None:
        return text.rstrip("\n") + "\n\n" + block
    end = start + 1
    while end < len(lines) and not re.match(r"(  [^\s#][^:]*:\s*$|\S)", lines[end]):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def _write_entry(catalog: Catalog, dataset_id: str, spec: Mapping[str, Any]) -> None:
    """Write the entry into the catalogue atomically, after checking that the result reads back
    with every other entry as it was."""
    current = catalog.path.read_text(encoding="utf-8")
    text = replace_entry(current, dataset_id, entry_text(dataset_id, spec))
    fd, probe = tempfile.mkstemp(prefix=f".{catalog.path.name}.", suffix=".check", dir=catalog.root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        after = Catalog.from_file(probe)
    finally:
        Path(probe).unlink(missing_ok=True)
    before = set(_raw_entries(catalog))
    if dataset_id not in after.entries or set(after.entries) != before | {dataset_id}:
        raise CatalogError(f"{catalog.path}: writing the entry for '{dataset_id}' would change other entries")
    atomic_write_text(catalog.path, text)
