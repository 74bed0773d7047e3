"""Checks a file must pass before it joins the evidence base: its bytes, then its panel.

Two stages, each returning every problem it finds as a :class:`Problem` (spreadsheet row, column,
what was expected), never only the first:

* :func:`decode` turns a file's bytes into text or explains in one line why it cannot: empty,
  larger than the configured limit, binary, UTF-16, Latin-1 (naming the row and column of the
  first byte that is not UTF-8), an HTML page, a semicolon- or tab-separated export. A UTF-8
  byte-order mark is not a problem.
* :func:`check_panel` looks at a long panel a reader produced: area codes the local-authority
  register does not know, codes of authorities abolished before the period (Bournemouth after
  March 2019; the pre-2009 districts), negative values, percentages above 100, numerators above
  their denominators, and indicators whose periods mix conventions (calendar with financial).

    problems = check_panel(panel, "claims.csv", Geography.from_catalog(catalog), area_column="areacd")
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.errors import DataValidationError

MAX_BYTES_ENV = "WORKBENCH_INGEST_MAX_BYTES"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
GSS = re.compile(r"[EWSNK]\d{8}")
ITL = re.compile(r"(TL|UK)[A-N][0-9A-Z]{0,3}")   # International Territorial Levels (ONS's ITL regions)
# English local-authority code prefixes: these must be in the register; other GSS codes
# (England E92, regions E12, combined authorities E47, UK K02, Wales W06 ...) are accepted as they are.
LA_PREFIXES = ("E06", "E07", "E08", "E09", "E10")
START_MONTH = {"financial": 4, "academic": 8}
PERCENT_UNITS = re.compile(r"^(%|percent|percentage)", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a file: spreadsheet row (header = 1), column, and what was expected."""

    row: int | None
    column: str | None
    problem: str

    def line(self, name: str) -> str:
        """The problem as one line naming the file, row and column."""
        where = [name] + ([f"row {self.row}"] if self.row is not None else [])
        where += [f"column '{self.column}'"] if self.column is not None else []
        return f"{', '.join(where)}: {self.problem}"


def max_bytes(limit: int | None = None) -> int:
    """The largest file ingest loads whole: ``limit``, else $WORKBENCH_INGEST_MAX_BYTES, else 256 MiB."""
    if limit is not None:
        return int(limit)
    try:
        return int(os.environ.get(MAX_BYTES_ENV, DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


def read_bytes(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """A file's bytes (gunzipped when gzip), refused in one line when above the size limit."""
    path, cap = Path(path), max_bytes(limit)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataValidationError(path, "file not found") from None
    except OSError as exc:
        raise DataValidationError(path, f"cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise DataValidationError(path, "is a folder (expected a data file)")
    if size > cap:
        raise DataValidationError(path, _too_large(size, cap))
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = stream.decompress(raw, cap + 1)
        except zlib.error as exc:
            raise DataValidationError(path, f"not a readable gzip file ({exc})") from None
        if len(raw) > cap:
            raise DataValidationError(path, _too_large(len(raw), cap, "uncompressed "))
    elif path.suffix == ".gz":
        raise DataValidationError(path, "ends in .gz but is not gzip-compressed (expected a gzip file)")
    return raw


def _too_large(size: int, cap: int, what: str = "") -> str:
    return (f"the {what}file is {size:,} bytes, above the {cap:,} bytes ingest loads whole "
            f"(split it by year or indicator, or raise the limit with --max-bytes or ${MAX_BYTES_ENV})")


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text of a delimited file (a byte-order mark dropped), or one clear error."""
    if not raw.strip():
        raise DataValidationError(name, "file is empty (expected a header row and rows of data)")
    if raw.startswith(b"PK\x03\x04"):
        raise DataValidationError(name, "is a zip archive, such as an Excel (.xlsx) or OpenDocument workbook "
                                        "(expected CSV: save the sheet as 'CSV UTF-8')")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(raw):
        raise DataValidationError(name, "is UTF-16 text (expected UTF-8: save it as 'CSV UTF-8')", row=1)
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        raise DataValidationError(name, f"is binary, not text (a NUL byte at byte {at}; expected a CSV file)",
                                  row=raw[:at].count(b"\n") + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row, column = _where(raw, exc.start)
        raise DataValidationError(
            name, f"byte 0x{raw[exc.start]:02x} is not UTF-8 (the file looks Latin-1 or Windows-1252 "
                  "encoded; expected UTF-8: save it as 'CSV UTF-8')", row=row, column=column) from None
    if text.lstrip().lower().startswith(("<!doctype", "<html", "<?xml")):
        raise DataValidationError(name, "is an HTML or XML page, not a CSV file (a failed download?)", row=1)
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\r\n\t")
    if controls > max(2, len(text[:4096]) // 100):
        raise DataValidationError(name, f"is binary, not text ({controls} control characters in its first "
                                        "4 KB; expected a CSV file)", row=1)
    _check_delimiter(text, name)
    return text


def _looks_utf16(raw: bytes) -> bool:
    sample = raw[:200]
    return len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4


def _where(raw: bytes, offset: int) -> tuple[int, str | None]:
    """Spreadsheet row and header name of the cell holding byte ``offset``."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    row = raw[:offset].count(b"\n") + 1
    header = raw.split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip().split(",")
    index = raw[line_start:offset].count(b",")
    return row, (header[index].strip() if row > 1 and index < len(header) else None)


def _check_delimiter(text: str, name: str) -> None:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    for sep, what in ((";", "semicolons"), ("\t", "tabs")):
        if header.count(sep) >= 1 and "," not in header:
            decimal = " and decimal commas" if sep == ";" and re.search(r"\d,\d", text[:4096]) else ""
            raise DataValidationError(
                name, f"columns are separated by {what}{decimal} (expected commas and decimal points: "
                      "export it as comma-separated CSV)", row=1)


# --- checks of the panel a reader produced -------------------------------------------------------

@dataclass(frozen=True)
class Geography:
    """What the local-authority register knows about area codes: current, former, retired."""

    known: frozenset[str]
    retired: Mapping[str, tuple[pd.Timestamp, str]]   # code -> (last day valid, what replaced it)

    @classmethod
    def from_tables(cls, register: pd.DataFrame, changes: pd.DataFrame) -> "Geography":
        """From the ``local_authorities`` and ``code_changes`` registers."""
        known = set(register["code"])
        for former in register["former_codes"].dropna():
            known.update(c for c in str(former).split(";") if c)
        retired = {}
        for code, name, until, successors in zip(register["code"], register["name"], register["valid_to"],
                                                 register["successor_codes"]):
            if pd.notna(until):
                retired[code] = (pd.Timestamp(until), f"{name}; its successor is {successors or 'not recorded'}")
        early = changes[changes["kind"] == "structural_2009"]
        for old, old_name, new, new_name, when in zip(early["old_code"], early["old_name"], early["new_code"],
                                                      early["new_name"], early["effective"]):
            retired.setdefault(old, (pd.Timestamp(when) - pd.Timedelta(days=1),
                                     f"{old_name}, a pre-2009 ONS code; its successor is {new} {new_name}"))
        return cls(frozenset(known), retired)

    @classmethod
    def from_catalog(cls, catalog) -> "Geography":
        """From the catalogue's registers (loaded and validated as any dataset)."""
        from workbench.evidence.loading import load

        return cls.from_tables(load("local_authorities", catalog), load("code_changes", catalog))


@dataclass(frozen=True)
class Columns:
    """The file's own names of the panel's columns, so that problems name the column the user sees."""

    area: str = "area_code"
    value: str = "value"
    period: str = "period"
    numerator: str = "numerator"
    denominator: str = "denominator"


LAYOUT_COLUMNS = {
    "ons_els": Columns("areacd", "observation", "period"),
    "fingertips_extract": Columns(),
    "fingertips_api": Columns("Area Code", "Value", "Time period", "Count", "Denominator"),
    "nomis": Columns("GEOGRAPHY_CODE", "OBS_VALUE", "DATE_NAME", "OBS_VALUE", "OBS_VALUE"),
    "long": Columns(),
}


def columns_of(layout: str, options: Mapping | None = None) -> Columns:
    """The column names a layout's file uses (a wide table's area column comes from its options)."""
    if layout == "wide":
        return Columns((options or {}).get("area_column", "area_code"), "value")
    return LAYOUT_COLUMNS.get(layout, Columns())


def check_panel(panel: pd.DataFrame, geography: Geography, columns: Columns = Columns(),
                units: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem of a reader's long panel; the rows are the file's (``source_row``)."""
    problems: list[Problem] = []
    problems += _area_codes(panel, geography, columns.area)
    problems += _impossible_values(panel, columns, units or {})
    problems += _mixed_periods(panel, columns.period)
    return sorted(set(problems), key=lambda p: (p.row or 0, p.column or "", p.problem))


def _area_codes(panel: pd.DataFrame, geography: Geography, column: str) -> list[Problem]:
    out = []
    codes = panel["area_code"].astype(str)
    bad_form = ~codes.map(lambda c: bool(GSS.fullmatch(c) or ITL.fullmatch(c)))
    unknown = ~bad_form & codes.str[:3].isin(LA_PREFIXES) & ~codes.isin(geography.known)
    for row, code in zip(panel["source_row"][bad_form & ~codes.isin(geography.retired)], codes[bad_form]):
        out.append(Problem(int(row), column, f"{code!r} is not an area code (expected a GSS code such as E06000001, or an ITL code)"))
    for row, code in zip(panel["source_row"][unknown], codes[unknown]):
        out.append(Problem(int(row), column, f"unknown area code {code!r} (expected a code in the local-authority "
                                             "register, evidence/registers/local_authorities.csv)"))
    retired = codes.isin(geography.retired)
    for row, code, start, kind, label in zip(panel["source_row"][retired], codes[retired],
                                             panel["period_start"][retired], panel["period_type"][retired],
                                             panel["period"][retired]):
        until, what = geography.retired[code]
        month = START_MONTH.get(kind, 1)
        begins = pd.Timestamp(year=int(start), month=month, day=1) if pd.notna(start) else None
        if begins is not None and (begins > until or _pre_gss(code)):
            out.append(Problem(int(row), column, f"area code {code!r} was retired after {until:%d %B %Y} ({what}), "
                                                 f"before the period {label} (expected a code in force then)"))
    return out


def _pre_gss(code: str) -> bool:
    return not GSS.fullmatch(code)


def _impossible_values(panel: pd.DataFrame, columns: Columns, units: Mapping[str, str]) -> list[Problem]:
    out = []
    for field, shown in (("value", columns.value), ("numerator", columns.numerator),
                         ("denominator", columns.denominator)):
        numbers = pd.to_numeric(panel[field], errors="coerce")
        for row, number in zip(panel["source_row"][numbers < 0], numbers[numbers < 0]):
            out.append(Problem(int(row), shown, f"{field} {number:g} is negative (expected a count or rate of 0 or more)"))
    percent = panel["indicator"].map(lambda i: bool(PERCENT_UNITS.match(str(units.get(i, ""))))).astype(bool)
    over = percent & (pd.to_numeric(panel["value"], errors="coerce") > 100)
    for row, number in zip(panel["source_row"][over], panel["value"][over]):
        out.append(Problem(int(row), columns.value, f"{number:g} is above 100 (expected a percentage from 0 to 100)"))
    num = pd.to_numeric(panel["numerator"], errors="coerce")
    den = pd.to_numeric(panel["denominator"], errors="coerce")
    above = (num > den).to_numpy(dtype=bool, na_value=False)
    for row, n, d in zip(panel["source_row"][above], num[above], den[above]):
        out.append(Problem(int(row), columns.numerator,
                           f"numerator {n:g} is above its denominator {d:g} (expected a part of the whole)"))
    return out


def _mixed_periods(panel: pd.DataFrame, column: str) -> list[Problem]:
    out = []
    for indicator, rows in panel.groupby("indicator", sort=False):
        kinds = rows["period_type"].value_counts()
        if len(kinds) < 2:
            continue
        usual = kinds.index[0]
        odd = rows[rows["period_type"] != usual]
        for row, label, kind in zip(odd["source_row"], odd["period"], odd["period_type"]):
            out.append(Problem(int(row), column, f"period {label} is {kind} where the other periods of "
                                                 f"{indicator} are {usual} (expected one period type per indicator)"))
    return out


def problem_rows(problems: list[Problem]) -> dict[int, str]:
    """Spreadsheet row -> its reasons (joined), for the rows that can be set aside (not the header)."""
    rows: dict[int, list[str]] = {}
    for p in problems:
        if p.row is not None and p.row > 1:
            where = f"column '{p.column}': " if p.column is not None else ""
            rows.setdefault(p.row, []).append(where + p.problem)
    return {row: "; ".join(reasons) for row, reasons in rows.items()}
