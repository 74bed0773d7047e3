"""Periods: every publisher's label read as what it means; overlapping pooled periods refused."""

from __future__ import annotations

import pytest

from workbench.evidence.periods import (
    Period, PeriodError, independent_periods, overlapping_pairs, parse_period, require_independent,
)


@pytest.mark.parametrize("label, default, kind, start, years, written", [
    ("2009", None, "calendar", 2009, 1, "2009"),
    ("2008/09", None, "financial", 2008, 1, "2008/09"),
    ("2008/09", "academic", "academic", 2008, 1, "2008/09"),
    ("1999/00", None, "financial", 1999, 1, "1999/00"),
    ("2001-03", None, "pooled", 2001, 3, "2001-03"),
    ("1998-00", None, "pooled", 1998, 3, "1998-00"),
    ("2011/12 - 13/14", None, "pooled", 2011, 3, "2011/12-13/14"),
    ("2009-01-01/P1Y", None, "calendar", 2009, 1, "2009"),
    ("2009-04-01/P1Y", None, "financial", 2009, 1, "2009/10"),
    ("2010-08-01/P1Y", None, "academic", 2010, 1, "2010/11"),
    ("2001-01-01/P3Y", None, "pooled", 2001, 3, "2001-03"),
    ("2008-04-16", None, "snapshot", 2008, 1, "2008"),
    ("Jan 2012-Dec 2012", None, "calendar", 2012, 1, "2012"),
    ("Apr 2012-Mar 2013", None, "financial", 2012, 1, "2012/13"),
    ("Apr 2010-Mar 2013", None, "pooled", 2010, 3, "2010/11-12/13"),
])
def test_labels_read_as_what_they_mean(label, default, kind, start, years, written):
    period = parse_period(label, default)
    assert (period.kind, period.start, period.years, period.label) == (kind, start, years, written)


@pytest.mark.parametrize("label, message", [
    ("2008/10", "the second year should be 09"),
    ("2003-01", "ends before it starts"),
    ("2009-06-01/P1Y", "month 6"),
    ("FY2009", "is not a year"),
    ("January 2013", "a single month; monthly series are not supported"),
    ("Oct 2011-Sep 2012", "not a whole calendar, financial or academic year"),
    ("", "is not a year"),
])
def test_unreadable_labels_are_one_clear_error(label, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(label)


def test_financial_and_academic_years_are_different_periods():
    fin, aca = parse_period("2010/11"), parse_period("2010/11", "academic")
    assert fin != aca and fin.start_month == 4 and aca.start_month == 8
    assert fin.overlaps(aca)  # April 2010 - March 2011 and August 2010 - July 2011 share months


def test_rolling_pooled_periods_overlap_and_every_third_does_not():
    rolling = [parse_period(f"{y}-{(y + 2) % 100:02d}") for y in range(2001, 2008)]  # 2001-03 ... 2007-09
    assert rolling[0].overlaps(rolling[1]) and rolling[0].overlaps(rolling[2])
    assert not rolling[0].overlaps(rolling[3])
    assert [p.label for p in independent_periods(rolling)] == ["2001-03", "2004-06", "2007-09"]
    assert len(overlapping_pairs(rolling)) == 6 + 5  # pairs one and two steps apart


def test_consecutive_single_years_are_independent():
    years = [Period("calendar", y) for y in range(2004, 2012)]
    assert overlapping_pairs(years) == []
    require_independent(years)


def test_overlapping_pooled_periods_are_refused_with_what_to_do():
    periods = [parse_period("2001-03"), parse_period("2002-04"), parse_period("2004-06")]
    with pytest.raises(PeriodError, match=r"2001-03 and 2002-04 share years.*use non-overlapping periods \(2001-03, 2004-06\)"):
        require_independent(periods, "preventable_cvd_mortality")


def test_unknown_kind_and_empty_length_are_refused():
    with pytest.raises(PeriodError, match="unknown period kind"):
        Period("quarterly", 2009)
    with pytest.raises(PeriodError, match="at least one year"):
        Period("pooled", 2009, 0)


def test_a_panel_of_rolling_pooled_periods_keeps_the_non_overlapping_ones(catalog):
    from workbench import evidence
    from workbench.evidence.periods import keep_independent, panel_periods

    cvd = evidence.load("preventable_cvd_mortality", catalog)
    assert len(panel_periods(cvd)) == 22  # 2001-03 to 2022-24
    rows, note = keep_independent(cvd)
    assert sorted(rows["period"].unique()) == ["2001-03", "2004-06", "2007-09", "2010-12", "2013-15",
                                               "2016-18", "2019-21", "2022-24"]
    assert note.startswith("overlapping pooled periods: kept the 8")
    with pytest.raises(PeriodError, match="overlapping pooled periods"):
        require_independent(panel_periods(cvd), "preventable_cvd_mortality")


def test_a_panel_of_single_years_is_kept_whole(catalog):
    from workbench import evidence
    from workbench.evidence.periods import keep_independent

    absence = evidence.load("persistent_absence", catalog)
    rows, note = keep_independent(absence)
    assert rows is absence and note == ""
