"""Periods as publishers label them: calendar, financial, academic years, pooled years, dates.

A :class:`Period` knows its kind, the year it starts in and how many years it covers, so that an
analysis can tell a financial year from an academic one and can refuse (or flag) overlapping
pooled periods, which share years and are therefore not independent observations.

    >>> parse_period("2008/09", default="financial").label
    '2008/09'
    >>> parse_period("2001-01-01/P3Y")
    Period(kind='pooled', start=2001, years=3, start_month=1)
    >>> parse_period("2001-03").overlaps(parse_period("2002-04"))
    True

Nomis month spans are read too: ``Jan 2012-Dec 2012`` is calendar 2012, ``Apr 2012-Mar 2013``
financial 2012/13. Labels written by the workbench: calendar ``2009``; financial and academic ``2008/09``; pooled
``2001-03`` (years 2001 to 2003); a dated snapshot ``2008-04-16``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.errors import SpecificationError

KINDS = ("calendar", "financial", "academic", "pooled", "snapshot")
# ISO 8601 start/duration as ONS Explore Local Statistics writes it: 2009-01-01/P1Y
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})/P(\d+)Y")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"(\d{4})")
_SPLIT_YEAR = re.compile(r"(\d{4})/(\d{2})")          # 2008/09: financial or academic
_POOLED = re.compile(r"(\d{4})-(\d{2})")              # 2001-03: three calendar years
_POOLED_SPLIT = re.compile(r"(\d{4})/(\d{2}) ?- ?(\d{2})/(\d{2})")  # 2011/12 - 13/14
MAX_POOLED_YEARS = 10
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
# Nomis: "Jan 2012-Dec 2012" (a 12-month period), "Apr 2010-Mar 2013" (pooled); "January 2013" (a month)
_MONTH_SPAN = re.compile(r"([A-Za-z]{3})[a-z]* (\d{4}) ?- ?([A-Za-z]{3})[a-z]* (\d{4})")
_MONTH = re.compile(r"([A-Za-z]{3})[a-z]* (\d{4})")
_START_MONTH = {"calendar": 1, "financial": 4, "academic": 8}


class PeriodError(SpecificationError):
    """A period label that no known convention reads, or periods that cannot be used together."""


@dataclass(frozen=True, order=True)
class Period:
    """One period: its kind, the (calendar) year it starts in, its length in years.

    ``start_month`` tells financial (April) from academic (August or September) from calendar
    (January) years when a pooled period is made of them.
    """

    kind: str
    start: int
    years: int = 1
    start_month: int = 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise PeriodError(f"unknown period kind '{self.kind}' (known: {', '.join(KINDS)})")
        if self.years < 1:
            raise PeriodError(f"a period covers at least one year, not {self.years}")

    @property
    def end(self) -> int:
        """The last year the period touches (its start year for a one-year calendar period)."""
        spill = 1 if self.start_month > 1 else 0
        return self.start + self.years - 1 + spill

    @property
    def label(self) -> str:
        """The period as the workbench writes it (``2009``, ``2008/09``, ``2001-03``)."""
        if self.kind in ("financial", "academic"):
            return f"{self.start}/{(self.start + 1) % 100:02d}"
        if self.kind == "pooled":
            if self.start_month > 1:
                last = self.start + self.years - 1
                return f"{self.start}/{(self.start + 1) % 100:02d}-{last % 100:02d}/{(last + 1) % 100:02d}"
            return f"{self.start}-{(self.start + self.years - 1) % 100:02d}"
        return str(self.start)

    @property
    def is_pooled(self) -> bool:
        """True for a period that pools several years (a rolling three-year rate, say)."""
        return self.years > 1

    def months(self) -> tuple[int, int]:
        """First and last month covered, counted as year * 12 + month - 1 (for overlap tests)."""
        first = self.start * 12 + self.start_month - 1
        return first, first + 12 * self.years - 1

    def overlaps(self, other: "Period") -> bool:
        """True when the two periods share any month."""
        a0, a1 = self.months()
        b0, b1 = other.months()
        return a0 <= b1 and b0 <= a1 and self != other


def parse_period(text: str, default: str | None = None) -> Period:
    """Read one period label.

    ``default`` says what a ``2008/09`` label means (``financial``, the default, or ``academic``;
    Fingertips uses the form for both). A bare year is a calendar year. ISO 8601 periods carry their own start month: January is a
    calendar year, April a financial year, August or September an academic year; ``P3Y`` is a
    pooled period. A bare date (``2008-04-16``) is a snapshot on that date.
    """
    label = str(text).strip()
    if m := _ISO.fullmatch(label):
        year, month, years = int(m[1]), int(m[2]), int(m[4])
        kind = {1: "calendar", 4: "financial", 8: "academic", 9: "academic"}.get(month)
        if kind is None:
            raise PeriodError(f"period {label!r} starts in month {month}, which is no known year convention")
        if years > 1:
            return Period("pooled", year, years, month)
        return Period(kind, year, 1, month)
    if m := _POOLED_SPLIT.fullmatch(label):
        first, last = int(m[1]), _century(int(m[1]), int(m[3]))
        month = _START_MONTH.get(default if default in ("financial", "academic") else "financial")
        return Period("pooled", first, _span(label, first, last), month)
    if m := _SPLIT_YEAR.fullmatch(label):
        year = int(m[1])
        if (year + 1) % 100 != int(m[2]):
            raise PeriodError(f"period {label!r}: the second year should be {(year + 1) % 100:02d}")
        kind = default if default in ("financial", "academic") else "financial"
        return Period(kind, year, 1, _START_MONTH[kind])
    if m := _POOLED.fullmatch(label):
        first, last = int(m[1]), _century(int(m[1]), int(m[2]))
        return Period("pooled", first, _span(label, first, last), 1)
    if m := _MONTH_SPAN.fullmatch(label):
        return _month_span(label, m)
    if (m := _MONTH.fullmatch(label)) and m[1].lower() in _MONTHS:
        raise PeriodError(f"period {label!r} is a single month; monthly series are not supported yet "
                          "(ask for annual or 12-month periods)")
    if m := _DATE.fullmatch(label):
        return Period("snapshot", int(m[1]), 1, int(m[2]))
    if m := _YEAR.fullmatch(label):
        return Period("calendar", int(m[1]), 1, 1)
    raise PeriodError(
        f"period {label!r} is not a year (2009), a financial or academic year (2008/09), "
        "a pooled period (2001-03), an ISO 8601 period (2009-01-01/P1Y) or a span (Jan 2012-Dec 2012)"
    )


def _month_span(label: str, m: re.Match) -> Period:
    """A Nomis month span: 12 months make a calendar, financial or academic year; 24+ a pooled period."""
    try:
        first, last = _MONTHS[m[1].lower()], _MONTHS[m[3].lower()]
    except KeyError:
        raise PeriodError(f"period {label!r}: unknown month name") from None
    months = (int(m[4]) - int(m[2])) * 12 + last - first + 1
    kind = {1: "calendar", 4: "financial", 8: "academic", 9: "academic"}.get(first)
    if months % 12 or kind is None:
        raise PeriodError(f"period {label!r} is not a whole calendar, financial or academic year "
                          "(rolling quarters are not supported)")
    years = months // 12
    if years > 1:
        return Period("pooled", int(m[2]), _span(label, int(m[2]), int(m[2]) + years - 1), first)
    return Period(kind, int(m[2]), 1, first)


def _century(first: int, last_two: int) -> int:
    last = first - first % 100 + last_two
    return last + 100 if last < first else last


def _span(label: str, first: int, last: int) -> int:
    years = last - first + 1
    if years < 2 or years > MAX_POOLED_YEARS:
        raise PeriodError(f"pooled period {label!r} ends before it starts "
                          f"(or spans more than {MAX_POOLED_YEARS} years)")
    return years


def overlapping_pairs(periods: Iterable[Period]) -> list[tuple[Period, Period]]:
    """Every pair of distinct periods that share a month, in order."""
    unique = sorted(set(periods))
    return [(a, b) for i, a in enumerate(unique) for b in unique[i + 1:] if a.overlaps(b)]


def independent_periods(periods: Iterable[Period]) -> list[Period]:
    """A largest run of non-overlapping periods, keeping the earliest (2001-03, 2004-06, ...)."""
    chosen: list[Period] = []
    for period in sorted(set(periods)):
        if not chosen or chosen[-1].months()[1] < period.months()[0]:
            chosen.append(period)
    return chosen


def require_independent(periods: Iterable[Period], what: str = "the panel") -> None:
    """Refuse overlapping periods: an analysis must not treat them as independent years.

    Raises :class:`PeriodError` naming the first overlapping pair and what to do instead.
    """
    periods = list(periods)
    pairs = overlapping_pairs(periods)
    if pairs:
        a, b = pairs[0]
        keep = ", ".join(p.label for p in independent_periods(periods))
        raise PeriodError(
            f"{what} has overlapping pooled periods ({a.label} and {b.label} share years, and "
            f"{len(pairs)} pairs in all); use non-overlapping periods ({keep}) or state the correlation"
        )


def panel_periods(panel, default: str | None = None) -> list[Period]:
    """The distinct periods of a long panel (its ``period`` labels, read with ``default``)."""
    kinds = set(panel["period_type"]) if "period_type" in panel else set()
    if default is None and "academic" in kinds:
        default = "academic"
    return sorted({parse_period(label, default) for label in panel["period"].astype(str).unique()})


def keep_independent(panel, default: str | None = None):
    """The rows of a long panel whose periods do not overlap (2001-03, 2004-06, ...), and what was dropped.

    Returns ``(rows, note)``: ``note`` is empty when nothing overlapped, else one sentence for a
    brief naming the periods kept. Use it before an analysis that treats periods as independent.
    """
    periods = panel_periods(panel, default)
    keep = independent_periods(periods)
    if len(keep) == len(periods):
        return panel, ""
    labels = {p.label for p in keep}
    rows = panel[panel["period"].astype(str).map(lambda label: parse_period(label, default).label in labels)]
    note = (f"overlapping pooled periods: kept the {len(keep)} that do not overlap "
            f"({', '.join(p.label for p in keep)}) of {len(periods)}")
    return rows, note
