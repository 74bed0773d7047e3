"""Readers for publishers' layouts, each giving the workbench's long panel.

A small registry (``register(name, reader)``, ``get(name)``) of functions that turn a published
file into one frame with the columns :data:`PANEL_COLUMNS`:

    area_code, area_name, period, period_type, period_start, period_years, indicator,
    value, numerator, denominator, lci_95, uci_95, status, status_reason, note

``period`` is the workbench's label (``2009``, ``2008/09``, ``2001-03``; see
:mod:`workbench.evidence.periods`); ``period_type`` is calendar, financial, academic, pooled or
snapshot. A suppressed or missing value (``*``, ``..``, ``c``, ``x``, ``:``, ``NA``, empty) is
read as ``value`` NaN with ``status`` "suppressed" or "missing" and the reason in words, never as
an error. Columns a publisher does not give (numerators, intervals) are NaN.

    from workbench.evidence import readers
    panel = readers.read("ons_els", "evidence/raw/ons_explore_local_statistics/claimant-count.csv.gz")

Each reader takes the file's text and its name (for error messages) plus options from the
catalogue entry; :func:`read` opens the file (gzip by suffix, UTF-8 with or without a byte-order
mark) and calls it.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import os
import re
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import CatalogError, DataValidationError
from workbench.evidence.periods import PeriodError, parse_period

PANEL_COLUMNS = [
    "area_code", "area_name", "period", "period_type", "period_start", "period_years", "indicator",
    "value", "numerator", "denominator", "lci_95", "uci_95", "status", "status_reason", "note",
]
# Markers publishers write in place of a number, and what they mean.
SUPPRESSION_MARKERS = {
    "*": ("suppressed", "suppressed by the publisher (*), usually to protect small numbers"),
    "c": ("suppressed", "confidential (c): suppressed to protect small numbers"),
    "x": ("suppressed", "not available (x): suppressed or not published"),
    "..": ("suppressed", "not available (..)"),
    ":": ("suppressed", "not available (:)"),
    "-": ("missing", "no value (-)"),
    "NA": ("missing", "no value (NA)"),
    "": ("missing", "no value (empty cell)"),
}
# ONS Explore Local Statistics status codes (column `status`).
ONS_STATUS = {
    "x": ("suppressed", "ONS status x: not available"),
    "u": ("unreliable", "ONS status u: low reliability (small sample)"),
}
MAX_PROBLEMS_SHOWN = 20
Reader = Callable[..., pd.DataFrame]
_READERS: dict[str, Reader] = {}


def register(name: str, reader: Reader) -> None:
    """Add a reader under ``name`` (a layout such as ``ons_els``); replaces one of the same name."""
    _READERS[name] = reader


def get(name: str) -> Reader:
    """The reader registered as ``name``; an unknown name is a :class:`CatalogError`."""
    try:
        return _READERS[name]
    except KeyError:
        raise CatalogError(f"no reader for the layout '{name}' (known: {', '.join(sorted(_READERS))})") from None


def names() -> list[str]:
    """The registered layouts, sorted."""
    return sorted(_READERS)


def read_text(path: str | os.PathLike) -> str:
    """A published file's text: gunzipped if it ends in .gz, UTF-8 with any byte-order mark dropped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DataValidationError(path, "file not found") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataValidationError(path, f"not a readable gzip file ({exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(path, f"not UTF-8 text (byte {exc.start})") from None


def read(layout: str, path: str | os.PathLike, **options) -> pd.DataFrame:
    """Read a published file with the reader registered for ``layout``."""
    return get(layout)(read_text(path), name=str(path), **options)


class _Problems:
    """Collects every problem in a file, then raises one error naming the first and the count."""

    def __init__(self, name: str):
        self.name, self.items = name, []

    def add(self, row: int, column: str, problem: str) -> None:
        """Note one problem at a spreadsheet row and column."""
        self.items.append((row, _shown(column), problem))

    def raise_any(self) -> None:
        """Raise one error naming the first problem and the others (up to 20, then a count)."""
        if not self.items:
            return
        row, column, problem = self.items[0]
        more = len(self.items) - 1
        if more:
            shown = "; ".join(f"row {r} '{c}': {p}" for r, c, p in self.items[1:MAX_PROBLEMS_SHOWN])
            rest = f" and {more - MAX_PROBLEMS_SHOWN + 1} more" if more >= MAX_PROBLEMS_SHOWN else ""
            problem = f"{problem} (also {shown}{rest})"
        error = DataValidationError(self.name, problem, row=row, column=column)
        error.problems = list(self.items)  # every (row, column, problem), for callers that list them all
        raise error


def _shown(text: str, limit: int = 40) -> str:
    """A header as an error message can show it: on one line, control characters escaped, short."""
    text = str(text)
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "..."


def _table(text: str, name: str, required: list[str]) -> pd.DataFrame:
    """Parse CSV text with every cell a string; check the header has the ``required`` columns."""
    text = text.removeprefix("\ufeff")  # a byte-order mark left in text handed over directly
    if not text.strip():
        raise DataValidationError(name, "file is empty (no header row)")
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml")):
        raise DataValidationError(name, "is an HTML or XML page, not a CSV file (a failed download?)", row=1)
    parser = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(parser)
    except csv.Error as exc:
        raise DataValidationError(name, f"not a well-formed CSV ({exc})", row=parser.line_num) from None
    header = [h.strip() for h in rows[0]]
    repeated = [h for i, h in enumerate(header) if h in header[:i]]
    if repeated:
        raise DataValidationError(name, "the header names this column twice", row=1, column=_shown(repeated[0]))
    missing = [c for c in required if c not in header]
    if missing:
        raise DataValidationError(name, _missing_column(missing[0], required, header), row=1, column=missing[0])
    problems = _Problems(name)
    for i, cells in enumerate(rows[1:], start=2):
        if cells and len(cells) != len(header):
            problems.add(i, header[min(len(cells), len(header)) - 1],
                         f"{len(cells)} cells where the header has {len(header)}")
    problems.raise_any()
    body = [r for r in rows[1:] if r]
    frame = pd.DataFrame(body, columns=header, dtype=str)
    frame.index = [i for i, r in enumerate(rows[1:], start=2) if r]  # spreadsheet row numbers
    return frame


_GSS = re.compile(r"[EWSNK]\d{8}")
_NUMBER = re.compile(r"-?\d+[.,]\d+")


def _missing_column(column: str, required: list[str], header: list[str]) -> str:
    """Why a required column is missing: a data row where the header should be, a near miss, or absent."""
    expected = f"expected {', '.join(required)}"
    if any(_GSS.fullmatch(h) or _NUMBER.fullmatch(h) for h in header):
        return f"row 1 holds data, not column names (no header row; {expected})"
    near = difflib.get_close_matches(column.lower(), [h.lower() for h in header], n=1, cutoff=0.6)
    if near:
        found = next(h for h in header if h.lower() == near[0])
        return f"missing column: found {_shown(found)!r}, expected {column!r} ({expected})"
    return f"missing column ({expected})"


def _numbers(cells: pd.Series, column: str, problems: _Problems, markers: Mapping[str, tuple[str, str]]):
    """Numbers from text cells; markers give NaN with a status and reason; anything else is a problem."""
    text = cells.str.strip()
    known = text.isin(list(markers))
    values = pd.to_numeric(text.where(~known), errors="coerce")
    bad = ~known & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    for row, cell in text[bad].items():
        if re.fullmatch(r"-?\d+,\d+", cell):
            problems.add(int(row), column, f"{cell!r} has a decimal comma (expected a decimal point: "
                                           f"{cell.replace(',', '.')})")
            continue
        problems.add(int(row), column, f"{cell!r} is not a number or a known marker "
                                       f"({', '.join(repr(m) for m in markers if m)})")
    status = text.map({m: s for m, (s, _) in markers.items()}).fillna("")
    reason = text.map({m: r for m, (_, r) in markers.items()}).fillna("")
    return values.astype("float64"), status, reason


def _periods(cells: pd.Series, column: str, problems: _Problems, default: str | None) -> pd.DataFrame:
    parsed = {}
    for label in cells.unique():
        try:
            parsed[label] = parse_period(label, default)
        except PeriodError as exc:
            parsed[label] = None
            for row in cells.index[cells == label]:
                problems.add(int(row), column, str(exc))
    ok = cells.map(lambda c: parsed[c] is not None)
    good = cells[ok]
    return pd.DataFrame({
        "period": good.map(lambda c: parsed[c].label),
        "period_type": good.map(lambda c: parsed[c].kind),
        "period_start": good.map(lambda c: parsed[c].start).astype("Int64"),
        "period_years": good.map(lambda c: parsed[c].years).astype("Int64"),
    }, index=cells.index)


def slug(text: str) -> str:
    """An indicator id from a publisher's name: 'Claimant Count' -> 'claimant_count'."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "indicator"


def _finish(frame: pd.DataFrame, period_types: set[str], name: str = "<text>", **attrs) -> pd.DataFrame:
    """Check the panel's key (an area code on every row, one row per area, period and indicator),
    add the columns a publisher does not give, and put them in the panel's order."""
    problems = _Problems(name)
    for row in frame.index[frame["area_code"].fillna("") == ""]:
        problems.add(int(row), "area_code", "empty area code")
    key = ["area_code", "period", "indicator"]
    flat = frame.reset_index(names="row_number")
    repeated = flat.duplicated(key)
    if repeated.any():
        first = flat.drop_duplicates(key).set_index(key)["row_number"]
        for r in flat[repeated].itertuples(index=False):
            problems.add(int(r.row_number), "area_code",
                         f"duplicate row ({r.area_code}, {r.period}, {r.indicator}) already on row "
                         f"{first.loc[(r.area_code, r.period, r.indicator)]}")
    problems.raise_any()
    for column in PANEL_COLUMNS:
        if column not in frame:
            frame[column] = np.nan if column in ("numerator", "denominator", "lci_95", "uci_95") else ""
    out = frame[PANEL_COLUMNS].reset_index(names="source_row")
    out = out[PANEL_COLUMNS + ["source_row"]]
    out.attrs.update(period_types=sorted(period_types), **attrs)
    return out


def _units(table: pd.DataFrame, indicator_ids: pd.Series, column: str) -> dict[str, str]:
    """Each indicator's unit as the publisher writes it (``%``, ``Percentage``, ``per 10,000``), if given."""
    if column not in table:
        return {}
    units = pd.DataFrame({"indicator": indicator_ids, "unit": table[column].str.strip()})
    return dict(units.drop_duplicates("indicator").itertuples(index=False, name=None))


def _indicator_ids(names: pd.Series, indicators: Mapping[str, str] | None) -> pd.Series:
    mapping = dict(indicators or {})
    return names.map(lambda n: mapping.get(n, slug(n)))


OBSOLETE = re.compile(r"Obsolete code since (\d{4}) \(replaced by (.*)\)")


def obsolete_codes(notes: pd.Series, codes: pd.Series) -> dict[str, dict]:
    """ONS notes such as 'Obsolete code since 2025 (replaced by E08000038 Barnsley)': old -> facts."""
    out: dict[str, dict] = {}
    for code, note in zip(codes, notes):
        m = OBSOLETE.fullmatch(str(note).strip())
        if m and code not in out:
            out[code] = {"since": int(m[1]), "replaced_by": re.findall(r"[EWSNK]\d{8}", m[2]), "note": note}
    return out


def read_ons_els(text: str, name: str = "<text>", indicators: Mapping[str, str] | None = None,
                 period_type: str | None = None) -> pd.DataFrame:
    """ONS Explore Local Statistics CSV (one indicator file, long, unsorted, byte-order mark).

    Columns ``areacd, areanm, geography, indicator, period, observation, measure, unit, lci_95,
    uci_95, status, notes``. Periods are ISO 8601 (``2009-01-01/P1Y``, ``2001-01-01/P3Y``,
    ``2010-08-01/P1Y``) or dates. ``status`` x is a suppressed value, u an unreliable one (kept,
    flagged). Obsolete-code notes are kept in ``note`` and summarised in ``attrs['obsolete_codes']``.
    ``indicators`` maps the publisher's indicator names to workbench ids (default: a slug).
    """
    required = ["areacd", "areanm", "indicator", "period", "observation", "lci_95", "uci_95", "status", "notes"]
    table = _table(text, name, required)
    problems = _Problems(name)
    value, status, reason = _numbers(table["observation"], "observation", problems, SUPPRESSION_MARKERS)
    lci, _, _ = _numbers(table["lci_95"], "lci_95", problems, SUPPRESSION_MARKERS)
    uci, _, _ = _numbers(table["uci_95"], "uci_95", problems, SUPPRESSION_MARKERS)
    periods = _periods(table["period"], "period", problems, period_type)
    problems.raise_any()
    ons = table["status"].str.strip()
    flagged = ons.isin(list(ONS_STATUS))
    status = status.mask(flagged & value.notna(), "unreliable")
    status = status.mask(flagged & value.isna(), "suppressed")
    reason = reason.mask(flagged, ons.map(lambda s: ONS_STATUS.get(s, ("", ""))[1]))
    other = (ons != "") & ~flagged
    reason = reason.mask(other, ons)  # e.g. 'Value for Hackney and City of London combined'
    status = status.mask(other & value.notna(), "combined")
    frame = pd.DataFrame({
        "area_code": table["areacd"].str.strip(), "area_name": table["areanm"].str.strip(),
        "indicator": _indicator_ids(table["indicator"].str.strip(), indicators),
        "value": value, "lci_95": lci, "uci_95": uci, "status": status, "status_reason": reason,
        "note": table["notes"].str.strip(),
    }, index=table.index).join(periods)
    return _finish(frame, set(periods["period_type"]), units=_units(table, frame["indicator"], "unit"),
                   obsolete_codes=obsolete_codes(table["notes"], table["areacd"]), name=name, layout="ons_els")


def read_fingertips_extract(text: str, name: str = "<text>", indicators: Mapping[str, str] | None = None,
                            period_type: str | None = "financial") -> pd.DataFrame:
    """OHID Fingertips indicator extract (as republished by Trafford Data Lab).

    Columns ``area_code, area_name, period, value, indicator, measure, unit, significance``;
    periods ``2006``, ``2008/09`` (financial unless ``period_type`` says academic) or ``2001-03``
    (pooled); ``NA`` is a missing value.
    """
    table = _table(text, name, ["area_code", "area_name", "period", "value", "indicator"])
    problems = _Problems(name)
    value, status, reason = _numbers(table["value"], "value", problems, SUPPRESSION_MARKERS)
    periods = _periods(table["period"], "period", problems, period_type)
    problems.raise_any()
    frame = pd.DataFrame({
        "area_code": table["area_code"].str.strip(), "area_name": table["area_name"].str.strip(),
        "indicator": _indicator_ids(table["indicator"].str.strip(), indicators),
        "value": value, "status": status, "status_reason": reason,
    }, index=table.index).join(periods)
    return _finish(frame, set(periods["period_type"]), units=_units(table, frame["indicator"], "measure"),
                   name=name, layout="fingertips_extract")


FINGERTIPS_API_COLUMNS = {
    "Area Code": "area_code", "Area Name": "area_name", "Time period": "period", "Value": "value",
    "Lower CI 95.0 limit": "lci_95", "Upper CI 95.0 limit": "uci_95", "Count": "numerator",
    "Denominator": "denominator", "Value note": "note", "Indicator Name": "indicator",
}


def read_fingertips_api(text: str, name: str = "<text>", indicators: Mapping[str, str] | None = None,
                        period_type: str | None = "financial") -> pd.DataFrame:
    """The Fingertips API's CSV (``/api/all_data/csv/by_indicator_id``): counts and denominators kept.

    The API also returns breakdowns: rows with a ``Category Type`` (deprivation deciles and the
    like) and, where it has them, sexes other than Persons. The panel keeps the rows for persons
    of all categories and counts the others in ``attrs['breakdown_rows']``. ``Value note`` goes to ``note``.
    """
    table = _table(text, name, ["Indicator Name", "Area Code", "Area Name", "Time period", "Value"])
    everyone = pd.Series(True, index=table.index)
    if "Category Type" in table:
        everyone &= table["Category Type"].str.strip() == ""
    if "Sex" in table and (table["Sex"].str.strip() == "Persons").any():
        everyone &= table["Sex"].str.strip() == "Persons"
    breakdown_rows = int((~everyone).sum())
    table = table[everyone]
    problems = _Problems(name)
    value, status, reason = _numbers(table["Value"], "Value", problems, SUPPRESSION_MARKERS)
    numeric = {}
    for source, target in (("Lower CI 95.0 limit", "lci_95"), ("Upper CI 95.0 limit", "uci_95"),
                           ("Count", "numerator"), ("Denominator", "denominator")):
        if source in table:
            numeric[target] = _numbers(table[source], source, problems, SUPPRESSION_MARKERS)[0]
    periods = _periods(table["Time period"], "Time period", problems, period_type)
    problems.raise_any()
    frame = pd.DataFrame({
        "area_code": table["Area Code"].str.strip(), "area_name": table["Area Name"].str.strip(),
        "indicator": _indicator_ids(table["Indicator Name"].str.strip(), indicators),
        "value": value, "status": status, "status_reason": reason,
        "note": table["Value note"].str.strip() if "Value note" in table else "", **numeric,
    }, index=table.index).join(periods)
    return _finish(frame, set(periods["period_type"]), name=name, layout="fingertips_api",
                   breakdown_rows=breakdown_rows)


NOMIS_ROLES = ("value", "numerator", "denominator", "lci_95", "uci_95")


def read_nomis(text: str, name: str = "<text>", indicator: str = "indicator",
               measures: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Nomis API CSV (``.data.csv``): ``DATE_NAME, GEOGRAPHY_CODE, GEOGRAPHY_NAME, MEASURE_NAME, OBS_VALUE``.

    ``measures`` maps each ``MEASURE_NAME`` to its role (value, numerator, denominator, lci_95,
    uci_95): the claimant count's "Claimant count" is the numerator of "Claimants as a
    proportion of residents aged 16-64". With one measure and no mapping it is the value.
    ``OBS_STATUS`` (when selected) other than A (normal) marks the value: Q, x and the like are
    suppressed. Monthly periods ("January 2013") are refused; 12-month spans are read.
    """
    table = _table(text, name, ["DATE_NAME", "GEOGRAPHY_CODE", "OBS_VALUE"])
    if "MEASURE_NAME" not in table:
        table["MEASURE_NAME"] = "value"
    found = list(dict.fromkeys(table["MEASURE_NAME"].str.strip()))
    roles = dict(measures or ({found[0]: "value"} if len(found) == 1 else {}))
    problems = _Problems(name)
    for measure in found:
        if roles.get(measure) not in NOMIS_ROLES:
            rows = table.index[table["MEASURE_NAME"].str.strip() == measure]
            problems.add(int(rows[0]), "MEASURE_NAME", f"measure {measure!r} has no role "
                         f"(give measures={{name: one of {', '.join(NOMIS_ROLES)}}})")
    problems.raise_any()
    value, status, reason = _numbers(table["OBS_VALUE"], "OBS_VALUE", problems, SUPPRESSION_MARKERS)
    if "OBS_STATUS" in table:
        flag = table["OBS_STATUS"].str.strip()
        odd = ~flag.isin(["", "A"])
        status = status.mask(odd, "suppressed")
        reason = reason.mask(odd, "Nomis status " + flag)
        value = value.mask(odd)
    periods = _periods(table["DATE_NAME"], "DATE_NAME", problems, None)
    problems.raise_any()
    long = pd.DataFrame({
        "area_code": table["GEOGRAPHY_CODE"].str.strip(),
        "area_name": table["GEOGRAPHY_NAME"].str.strip() if "GEOGRAPHY_NAME" in table else "",
        "role": table["MEASURE_NAME"].str.strip().map(roles), "number": value,
        "status": status, "status_reason": reason,
    }, index=table.index).join(periods)
    key = ["area_code", "period"]
    dup = long.duplicated(key + ["role"])
    for row in long.index[dup]:
        problems.add(int(row), "DATE_NAME", f"a second {long.at[row, 'role']} for {long.at[row, 'area_code']} "
                                            f"in {long.at[row, 'period']}")
    problems.raise_any()
    wide = long.pivot(index=key, columns="role", values="number")
    ranked = long.reset_index(names="source_row").sort_values("role", key=lambda r: r != "value", kind="stable")
    first = ranked.groupby(key, sort=False).first()  # status and row of the value where there is one
    frame = first.drop(columns=["role", "number"]).join(wide).reset_index()
    frame["indicator"] = indicator
    frame.index = frame.pop("source_row")
    return _finish(frame, set(periods["period_type"]), name=name, layout="nomis")


def read_wide(text: str, name: str = "<text>", indicator: str = "indicator", area_column: str = "area_code",
              name_column: str | None = None, period_type: str | None = None) -> pd.DataFrame:
    """A wide table: one row per area, one column per period (``2009``, ``2008/09``, ``2001-03``).

    Every column other than ``area_column`` and ``name_column`` must be a period label; each
    cell becomes one row of the long panel for ``indicator``.
    """
    table = _table(text, name, [area_column])
    periods = [c for c in table.columns if c not in (area_column, name_column)]
    if not periods:
        raise DataValidationError(name, "no period columns (expected one column per year)", row=1)
    problems = _Problems(name)
    labels = {}
    for column in periods:
        try:
            labels[column] = parse_period(column, period_type)
        except PeriodError as exc:
            problems.add(1, column, f"column is not a period: {exc}")
    problems.raise_any()
    pieces = []
    for column in periods:
        value, status, reason = _numbers(table[column], column, problems, SUPPRESSION_MARKERS)
        label = labels[column]
        pieces.append(pd.DataFrame({
            "area_code": table[area_column].str.strip(),
            "area_name": table[name_column].str.strip() if name_column else "",
            "indicator": indicator, "value": value, "status": status, "status_reason": reason,
            "period": label.label, "period_type": label.kind,
            "period_start": label.start, "period_years": label.years,
        }, index=table.index))
    problems.items.sort()
    problems.raise_any()
    frame = pd.concat(pieces)
    frame["period_start"] = frame["period_start"].astype("Int64")
    frame["period_years"] = frame["period_years"].astype("Int64")
    return _finish(frame, {p.kind for p in labels.values()}, name=name, layout="wide")


register("ons_els", read_ons_els)
register("fingertips_extract", read_fingertips_extract)
register("fingertips_api", read_fingertips_api)
register("wide", read_wide)
register("nomis", read_nomis)

LONG_OPTIONAL = ("area_name", "numerator", "denominator", "lci_95", "uci_95", "unit", "note")


def read_long(text: str, name: str = "<text>", indicator: str | None = None,
              period_type: str | None = None) -> pd.DataFrame:
    """The workbench's own long layout: one row per area, period and indicator.

    Columns ``area_code, period, value`` and ``indicator`` (or give ``indicator=`` for a file of
    one indicator); optional ``area_name, numerator, denominator, lci_95, uci_95, unit, note``.
    Periods as :func:`~workbench.evidence.periods.parse_period` reads them (``2009``, ``2008/09``,
    ``2001-03``); suppression markers as in every reader.
    """
    required = ["area_code", "period", "value"] + ([] if indicator else ["indicator"])
    table = _table(text, name, required)
    problems = _Problems(name)
    value, status, reason = _numbers(table["value"], "value", problems, SUPPRESSION_MARKERS)
    numeric = {c: _numbers(table[c], c, problems, SUPPRESSION_MARKERS)[0]
               for c in ("numerator", "denominator", "lci_95", "uci_95") if c in table}
    periods = _periods(table["period"], "period", problems, period_type)
    problems.raise_any()
    ids = table["indicator"].str.strip() if "indicator" in table else pd.Series(indicator, index=table.index)
    frame = pd.DataFrame({
        "area_code": table["area_code"].str.strip(),
        "area_name": table["area_name"].str.strip() if "area_name" in table else "",
        "indicator": ids, "value": value, "status": status, "status_reason": reason,
        "note": table["note"].str.strip() if "note" in table else "", **numeric,
    }, index=table.index).join(periods)
    return _finish(frame, set(periods["period_type"]), units=_units(table, ids, "unit"), name=name, layout="long")


register("long", read_long)


def read_ons_population_ages(text: str, name: str = "<text>") -> pd.DataFrame:
    """ONS mid-year population by single year of age, as downloaded from Nomis (one row per area and year).

    Columns ``name, code, year, Age 0 ... Age 89, Aged 90+``. Gives four indicators per area and
    year: ``population`` (all ages), ``population_under_16``, ``population_under_18`` and
    ``population_16_64`` (the denominators of common rates). A ``-`` cell (ages 85 and over
    before 2001) makes the total incomplete: the value is the sum of the published cells and
    ``status`` says "incomplete".
    """
    ages = [f"Age {a}" for a in range(90)] + ["Aged 90+"]
    table = _table(text, name, ["name", "code", "year", *ages])
    problems = _Problems(name)
    counts = {}
    dashes = pd.Series(False, index=table.index)
    for column in ages:
        values, status, _ = _numbers(table[column], column, problems, {"-": SUPPRESSION_MARKERS["-"]})
        counts[column] = values
        dashes |= status == "missing"
    periods = _periods(table["year"], "year", problems, None)
    problems.raise_any()
    ages_frame = pd.DataFrame(counts)
    working = [f"Age {a}" for a in range(16, 65)]
    pieces = []
    bands = (("population", ages), ("population_under_16", ages[:16]), ("population_under_18", ages[:18]),
             ("population_16_64", working))
    for indicator, columns in bands:
        incomplete = ages_frame[columns].isna().any(axis=1)
        pieces.append(pd.DataFrame({
            "area_code": table["code"].str.strip(), "area_name": table["name"].str.strip(),
            "indicator": indicator, "value": ages_frame[columns].sum(axis=1, min_count=1),
            "status": incomplete.map({True: "incomplete", False: ""}),
            "status_reason": incomplete.map({True: "some ages not published (-): the total is too low",
                                             False: ""}),
        }, index=table.index).join(periods))
    return _finish(pd.concat(pieces), {"calendar"}, name=name, layout="ons_population_ages")


register("ons_population_ages", read_ons_population_ages)
