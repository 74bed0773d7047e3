"""Statistical disclosure control (SDC) of small counts, before anything is published.

The rules follow the project's reference (DOMAIN.md section 7, "Statistical disclosure control for
small counts"):

- **Threshold.** A count of people below the threshold is not published. The default, 10, is the
  ONS research-output rule of thumb (SRS Output Checking Guidance, "threshold of 10" observations)
  and the UK LLC TRE's "10 data subjects"; NHS Digital's HES rule (1-7 suppressed) is available by
  setting the threshold to 8. Zeros are shown as zeros, as HES does ("zeros left as zero"); set
  ``suppress_zeros`` to treat them as small as well (the TRE's stricter rule).
- **Method "suppress"** (the default): primary suppression of small counts, then *secondary*
  (complementary) suppression, so that "a suppressed cell cannot be recovered by subtraction from
  row or column totals" (DOMAIN.md s.7; the ABS DataLab rule: "if a cell is suppressed but it can be
  derived ... one or more additional values should be suppressed").
- **Method "round5"**: NHS Digital's HES rule from September 2018: small counts suppressed, every
  other count rounded to the nearest 5, totals calculated first and then rounded on their own.
- **Rates.** A rate whose numerator was suppressed is never shown (DOMAIN.md s.7: "never publish
  rates whose numerator was suppressed").

Suppressed cells show ``[c]`` ("confidential", as ONS marks them), explained in a footnote.

**Configuration.** One place: the environment variables ``WORKBENCH_DISCLOSURE_THRESHOLD`` (an
integer, at least 1) and ``WORKBENCH_DISCLOSURE_METHOD`` (``suppress`` or ``round5``), read each time
`current_policy()` is called (never at import). A batch build passes its environment to the jobs,
so one setting covers every brief of a build.

**Which columns are counts of people.** A column is a person count when its header ends with
``(count)`` or names a ``numerator`` (`is_count_column`); those are the columns protected and the
columns the scanner checks. Counts of *units* (the number of authorities, "Pilot areas (n)") are
not about individuals and are not controlled (HES: "values not about individuals: none"); means
and model estimates are "complex statistics" that need no control. Today no count of people
reaches a page: the guard sits in the one place every table and chart CSV passes through
(`workbench.briefs.html.table` and `Chart.csv`), so a future count column is protected by default.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Area": ["A", "B"], "Deaths (count)": [3, 40], "Total (count)": [50, 60]})
    >>> protect_table(frame, ["Deaths (count)"], total_column="Total (count)",
    ...               policy=DisclosurePolicy()).frame["Deaths (count)"].tolist()
    ['[c]', 40]
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from workbench.errors import WorkbenchError

SYMBOL = "[c]"
METHODS = ("suppress", "round5")
THRESHOLD_VARIABLE = "WORKBENCH_DISCLOSURE_THRESHOLD"
METHOD_VARIABLE = "WORKBENCH_DISCLOSURE_METHOD"
COUNT_ATTRIBUTE = 'data-sdc="count"'
_COUNT_HEADER = re.compile(r"\(count\)\s*$|\bnumerator\b", re.I)


class DisclosureSettingError(WorkbenchError):
    """A disclosure-control setting that cannot be used (say, a threshold that is not a whole number)."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """How small counts are protected: counts of people from 1 to ``threshold - 1`` are not published.

    ``method`` is ``"suppress"`` (primary and secondary suppression) or ``"round5"`` (small counts
    suppressed, the others and the totals rounded to the nearest 5).
    """

    threshold: int = 10
    method: str = "suppress"
    suppress_zeros: bool = False
    base: int = 5

    def __post_init__(self):
        if self.method not in METHODS:
            raise DisclosureSettingError(f"disclosure method {self.method!r} is unknown: use one of {', '.join(METHODS)} "
                                         f"(environment variable {METHOD_VARIABLE})")
        if not isinstance(self.threshold, int) or self.threshold < 1:
            raise DisclosureSettingError(f"disclosure threshold {self.threshold!r} must be a whole number of at least 1 "
                                         f"(environment variable {THRESHOLD_VARIABLE})")

    def is_small(self, value: object) -> bool:
        """True for a count that may not be published as it is (1 to threshold - 1; 0 too with suppress_zeros)."""
        number = _number(value)
        if number is None:
            return False
        if number == 0:
            return self.suppress_zeros
        return 0 < number < self.threshold


def current_policy() -> DisclosurePolicy:
    """The policy in force: the defaults, overridden by WORKBENCH_DISCLOSURE_THRESHOLD / _METHOD."""
    raw = os.environ.get(THRESHOLD_VARIABLE, "").strip()
    try:
        threshold = int(raw) if raw else DisclosurePolicy.threshold
    except ValueError:
        raise DisclosureSettingError(f"{THRESHOLD_VARIABLE}={raw!r} is not a whole number: set it to, say, 10") from None
    method = os.environ.get(METHOD_VARIABLE, "").strip() or DisclosurePolicy.method
    return DisclosurePolicy(threshold=threshold, method=method)


def is_count_column(name: object) -> bool:
    """True when a column header marks a count of people: it ends with "(count)" or names a numerator."""
    return bool(_COUNT_HEADER.search(str(name)))


def rule_sentence(policy: DisclosurePolicy | None = None) -> str:
    """The rule in one or two sentences, for the brief's technical annex."""
    policy = policy or current_policy()
    small = (f"Counts of people from {'0' if policy.suppress_zeros else '1'} to {policy.threshold - 1}"
             if policy.threshold > 1 else "No counts")
    if policy.method == "round5":
        how = (f"{small} are suppressed (shown as {SYMBOL}); other counts are rounded to the nearest {policy.base}, "
               "and totals are calculated before being rounded on their own")
    else:
        how = (f"{small} are suppressed (shown as {SYMBOL}), and further cells are suppressed where needed "
               "so that no suppressed count can be worked out from the totals")
    return (f"{how}. Rates whose numerator is suppressed are not shown. Counts of areas, means and model "
            "estimates are not about individuals and are shown as they are (ONS and NHS Digital practice; "
            f"threshold set by {THRESHOLD_VARIABLE}).")


def footnote(policy: DisclosurePolicy | None = None) -> str:
    """The footnote a table carries when any of its cells is suppressed (or, under "round5", its counts rounded)."""
    policy = policy or current_policy()
    if policy.method == "round5":
        return (f"{SYMBOL} confidential: fewer than {policy.threshold} people. Counts of people are rounded to the "
                f"nearest {policy.base}, totals on their own, so they may not add up.")
    return (f"{SYMBOL} confidential: fewer than {policy.threshold} people, or suppressed so that a small count "
            "cannot be worked out from the totals.")


@dataclass
class Protected:
    """A protected table: the frame to publish and the cells that were suppressed, as (row, column)."""

    frame: pd.DataFrame
    suppressed: set = field(default_factory=set)
    rounded: bool = False

    @property
    def any_suppressed(self) -> bool:
        """True when at least one cell shows the suppression symbol."""
        return bool(self.suppressed)

    @property
    def needs_footnote(self) -> bool:
        """True when the table must explain itself: a cell suppressed, or counts rounded."""
        return self.any_suppressed or self.rounded


def protect_table(frame: pd.DataFrame, count_columns: Sequence[str], *, total_column: str | None = None,
                  total_row: object | None = None, policy: DisclosurePolicy | None = None) -> Protected:
    """Protect the counts of people in `count_columns` of `frame` (a copy is returned, `frame` is untouched).

    `total_column` is a column holding each row's total of the count columns; `total_row` the index
    label of a row holding each column's total. Under "suppress", small counts are suppressed, then,
    in every row and column that has a total, while exactly one cell is suppressed the smallest
    other cell is suppressed too (repeated until no line has a lone suppression), so no suppressed
    cell equals a total minus the cells shown. Under "round5", small counts are suppressed and the
    other counts and the totals rounded to the nearest 5, each on its own.
    """
    policy = policy or current_policy()
    columns = list(count_columns) + ([total_column] if total_column and total_column not in count_columns else [])
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DisclosureSettingError(f"columns {missing} are not in the table: name count columns that it has")
    out = frame.copy()
    cells = {(r, c) for r in out.index for c in columns if policy.is_small(out.at[r, c])}
    if policy.method == "suppress":
        cells = _secondary(out, list(count_columns), total_column, total_row, cells)
    for column in columns:
        values = out[column].astype(object)
        for row in out.index:
            if (row, column) in cells:
                values.at[row] = SYMBOL
            elif policy.method == "round5" and _number(values.at[row]) is not None:
                values.at[row] = _round(values.at[row], policy.base)
        out[column] = values
    return Protected(out, cells, rounded=policy.method == "round5")


def _secondary(frame: pd.DataFrame, count_columns: list[str], total_column, total_row, cells: set) -> set:
    """Complementary suppression: no row or column with a total keeps exactly one suppressed cell."""
    rows = list(frame.index)
    lines = []
    if total_column is not None:
        lines += [[(r, c) for c in count_columns + [total_column]] for r in rows]
    if total_row is not None:
        lines += [[(r, c) for r in rows] for c in count_columns + ([total_column] if total_column else [])]
    cells = set(cells)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell in cells]
            if len(hidden) != 1:
                continue
            totals = {cell for cell in line if cell[0] == total_row or cell[1] == total_column}
            shown = [cell for cell in line if cell not in cells and _number(frame.at[cell]) is not None]
            if not shown:
                continue
            # the smallest inner cell first (it loses least information); a total only when no inner cell is left
            cells.add(min(shown, key=lambda cell: (cell in totals, _number(frame.at[cell]))))
            changed = True
    return cells


def round_to(value: object, base: int = 5) -> object:
    """A count rounded to the nearest multiple of `base` (halves up: 2.5 -> 5); non-numbers unchanged."""
    return value if _number(value) is None else _round(value, base)


def _round(value: object, base: int) -> int:
    return int(math.floor(float(value) / base + 0.5) * base)


def rates_from_suppressed(frame: pd.DataFrame, rate_columns: Iterable[str], numerator_column: str) -> pd.DataFrame:
    """Hide each rate whose numerator is suppressed (shown as the symbol): the rate would reveal it.

    Apply after `protect_table`; returns a copy with those rates replaced by the symbol.
    """
    out = frame.copy()
    hidden = out[numerator_column].astype(str) == SYMBOL
    for column in rate_columns:
        values = out[column].astype(object)
        values[hidden] = SYMBOL
        out[column] = values
    return out


def mean_bases(data: pd.DataFrame, groups: dict[str, Iterable[str]]) -> pd.DataFrame:
    """How many people each group's mean rests on, per period: the sum of its areas' numerators.

    `data` is an outcome panel's data (area_code, period, numerator); `groups` maps a group name
    ("pilot", "comparison") to its area codes. A group's sum is NaN in a period where any of its
    areas has no numerator (real series published as rates only: producers' rates are already
    disclosure-controlled, DOMAIN.md s.7). One row per period, one column per group.
    """
    out = {}
    for name, areas in groups.items():
        rows = data[data["area_code"].isin(set(areas))]
        out[name] = rows.groupby("period")["numerator"].agg(lambda n: n.sum() if n.notna().all() else float("nan"))
    return pd.DataFrame(out).rename_axis("period").reset_index()


def hide_small_base_means(plot: pd.DataFrame, bases: pd.DataFrame, policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """Blank (NaN) each group mean in `plot` whose base in `bases` (from `mean_bases`) is a small count.

    A mean rate over a group of areas with fewer than the threshold of people in its numerators is
    a rate from a suppressed numerator (HES: means "based on 1-7 individuals: not shown"); with a
    one-area group it would be that area's rate. `plot` and `bases` share a `period` column and
    group columns (say "pilot", "comparison"); a copy is returned, drawn with a gap where blanked.
    """
    policy = policy or current_policy()
    out = plot.copy()
    merged = out[["period"]].merge(bases, on="period", how="left")
    for group in bases.columns.drop("period"):
        if group in out.columns:
            small = merged[group].map(policy.is_small).to_numpy(dtype=bool)
            out.loc[small, group] = float("nan")
    return out


def guard(frame: pd.DataFrame, policy: DisclosurePolicy | None = None) -> Protected:
    """Protect every count-of-people column of a table about to be published (found by `is_count_column`).

    A column headed "Total ..." among them is taken as the row total, and a row whose first cell
    is "Total" as the column total, so secondary suppression covers them. A table without count
    columns comes back unchanged (the same object), so today's pages are byte for byte as before.
    """
    counts = [c for c in frame.columns if is_count_column(c)]
    if not counts:
        return Protected(frame)
    totals = [c for c in counts if str(c).lower().startswith("total")]
    inner = [c for c in counts if c not in totals]
    first = frame.columns[0]
    total_rows = [r for r in frame.index if str(frame.at[r, first]).strip().lower() == "total"]
    return protect_table(frame, inner or counts, total_column=totals[0] if totals and inner else None,
                         total_row=total_rows[0] if total_rows else None, policy=policy)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not re.fullmatch(r"[-+]?\d+(\.\d+)?", value):
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# --- the scanner ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One unprotected small count: the file, the table or CSV within it, the column, the row and the value."""

    path: str
    where: str
    column: str
    row: int
    value: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}, column {self.column!r}, row {self.row}: {self.value!r}"


def scan(path: str | Path, policy: DisclosurePolicy | None = None) -> list[Finding]:
    """Every small count of people published unprotected in a built HTML page or a CSV file.

    In HTML, every table's count columns (a header with ``data-sdc="count"``, or one `is_count_column`
    recognises) and every CSV embedded as a ``data:text/csv;base64`` link are read; a CSV file is
    read directly. Under "round5", a count that is not a multiple of the base is a finding too.
    """
    policy = policy or current_policy()
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        return _scan_csv(text, str(path), path.name, policy)
    findings = []
    parser = _Tables()
    parser.feed(text)
    for number, (caption, headers, marked, rows) in enumerate(parser.tables, 1):
        where = f"table {number} ({caption or 'no caption'})"
        findings += _scan_rows(headers, marked, rows, str(path), where, policy)
    for number, match in enumerate(re.finditer(r'href="data:text/csv;base64,([^"]*)"', text), 1):
        try:
            embedded = base64.b64decode(match.group(1), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            findings.append(Finding(str(path), f"embedded CSV {number}", "", 0, "unreadable base64"))
            continue
        findings += _scan_csv(embedded, str(path), f"embedded CSV {number}", policy)
    return findings


def _scan_csv(text: str, path: str, where: str, policy: DisclosurePolicy) -> list[Finding]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    headers = rows[0]
    return _scan_rows(headers, [is_count_column(h) for h in headers], rows[1:], path, where, policy)


def _scan_rows(headers, marked, rows, path, where, policy) -> list[Finding]:
    findings = []
    for i, row in enumerate(rows, 1):
        for header, is_count, value in zip(headers, marked, row):
            if not is_count:
                continue
            number = _number(value)
            off_base = policy.method == "round5" and number is not None and number % policy.base != 0
            if policy.is_small(value) or off_base:
                findings.append(Finding(path, where, header, i, value))
    return findings


class _Tables(HTMLParser):
    """Collects each <table>: caption, header texts, whether each header marks a count, the body rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[str], list[bool], list[list[str]]]] = []
        self._table = None
        self._cell = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self._table = {"caption": "", "headers": [], "marked": [], "rows": [], "head": False}
        elif self._table is None:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._table["head"] = True
        elif tag == "tbody":
            self._table["head"] = False
        elif tag == "tr" and not self._table["head"]:
            self._table["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = {"text": "", "count": attributes.get("data-sdc") == "count", "th": tag == "th"}

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            text = " ".join(self._cell["text"].split())
            if self._table["head"]:
                self._table["headers"].append(text)
                self._table["marked"].append(self._cell["count"] or is_count_column(text))
            elif self._table["rows"]:
                self._table["rows"][-1].append((text, self._cell["th"], self._cell["count"]))
            self._cell = None
        elif tag == "table":
            t = self._table
            rows = [row for row in t["rows"] if row]
            if not t["headers"] and rows and all(is_th for _, is_th, _ in rows[0]):   # no <thead>: first row of <th>
                first = rows.pop(0)
                t["headers"] = [text for text, _, _ in first]
                t["marked"] = [count or is_count_column(text) for text, _, count in first]
            self.tables.append((t["caption"], t["headers"], t["marked"], [[c[0] for c in row] for row in rows]))
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        elif self._in_caption and self._table is not None:
            self._table["caption"] += data
