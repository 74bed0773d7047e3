"""Series breaks recorded in the catalogue, and analysis windows that cross them.

A dataset's catalogue entry lists its known breaks (a change of definition, coverage or
threshold that makes values before and after not comparable):

    breaks:
      - {first_affected: "2013", what: "Universal Credit claimants counted from May 2013", source: "..."}

An analysis window (first and last period) *crosses* a break when it has periods before the
first affected period and periods from it on. :func:`check_window` refuses such a window
(``on_break="refuse"``, the default) or returns the breaks so that the brief can say which
(``on_break="flag"``).

    from workbench import evidence
    evidence.check_window("claimant_count", "2009", "2012")            # [] : no break crossed
    evidence.check_window("claimant_count", "2009", "2014", on_break="flag")
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import CatalogError, SpecificationError
from workbench.evidence.catalog import Catalog, default_catalog
from workbench.evidence.periods import Period, PeriodError, parse_period


class SeriesBreakError(SpecificationError):
    """An analysis window crosses a known break in the series."""


@dataclass(frozen=True)
class SeriesBreak:
    """One known break: the first period affected, what changed, and where that is documented."""

    dataset: str
    first_affected: Period
    what: str
    source: str
    indicator: str | None = None
    doubt: str | None = None

    def describe(self) -> str:
        """One sentence for a brief: which series, from when, what changed (and any doubt about it)."""
        which = f"{self.dataset} ({self.indicator})" if self.indicator else self.dataset
        doubt = f" (doubtful: {self.doubt})" if self.doubt else ""
        return f"{which} breaks in {self.first_affected.label}: {self.what}{doubt}"


def series_breaks(dataset_id: str, catalog: Catalog | None = None) -> list[SeriesBreak]:
    """The breaks the catalogue records for a dataset (an empty list when none are known)."""
    cat = catalog if catalog is not None else default_catalog()
    entry = cat[dataset_id]
    default = entry.extra.get("period_type")
    out = []
    for i, item in enumerate(entry.extra.get("breaks") or []):
        where = f"{cat.path}: dataset '{dataset_id}', breaks[{i}]"
        if not isinstance(item, dict) or not {"first_affected", "what", "source"} <= set(item):
            raise CatalogError(f"{where} needs first_affected, what and source")
        try:
            first = parse_period(str(item["first_affected"]), default)
        except PeriodError as exc:
            raise CatalogError(f"{where}: {exc}") from None
        out.append(SeriesBreak(dataset_id, first, " ".join(str(item["what"]).split()),
                               str(item["source"]), item.get("indicator"),
                               " ".join(str(item["doubt"]).split()) if item.get("doubt") else None))
    return out


def check_window(dataset_id: str, first: str | Period, last: str | Period, indicator: str | None = None,
                 on_break: str = "refuse", catalog: Catalog | None = None) -> list[SeriesBreak]:
    """The breaks a window from ``first`` to ``last`` crosses; refuse them unless ``on_break="flag"``.

    Periods are labels in the dataset's convention (``2009``, ``2014/15``) or :class:`Period`
    objects. A break for another indicator of the same dataset is ignored.
    """
    if on_break not in ("refuse", "flag"):
        raise SpecificationError(f"on_break={on_break!r}: use 'refuse' or 'flag'")
    cat = catalog if catalog is not None else default_catalog()
    default = cat[dataset_id].extra.get("period_type")
    start, end = (p if isinstance(p, Period) else parse_period(str(p), default) for p in (first, last))
    if start.months()[0] > end.months()[0]:
        raise SpecificationError(f"window {start.label} to {end.label} ends before it starts")
    crossed = [b for b in series_breaks(dataset_id, cat)
               if (indicator is None or b.indicator in (None, indicator))
               and start.months()[0] < b.first_affected.months()[0] <= end.months()[1]]
    if crossed and on_break == "refuse":
        b = crossed[0]
        raise SeriesBreakError(
            f"window {start.label} to {end.label} crosses a break: {b.describe()} ({b.source}); "
            f"end the window before {b.first_affected.label}, start it there, or pass on_break='flag' "
            "and say so in the brief")
    return crossed
