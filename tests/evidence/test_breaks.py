"""Series breaks from the catalogue: windows that cross them are refused or flagged."""

from __future__ import annotations

import pytest
import yaml

from workbench import evidence
from workbench.errors import CatalogError, SpecificationError
from workbench.evidence import Catalog, SeriesBreakError, check_window, series_breaks
from workbench.evidence.periods import parse_period


def test_the_catalogue_records_the_universal_credit_and_absence_threshold_breaks(catalog):
    (uc,) = series_breaks("claimant_count", catalog)
    assert uc.first_affected == parse_period("2013") and "Universal Credit" in uc.what
    (absence,) = series_breaks("persistent_absence", catalog)
    assert absence.first_affected == parse_period("2015/16", "academic") and "15% to 10%" in absence.what
    assert series_breaks("household_income", catalog) == []


@pytest.mark.parametrize("dataset, first, last, crosses", [
    ("claimant_count", "2004", "2012", False),   # ends before the break
    ("claimant_count", "2013", "2019", False),   # starts at it
    ("claimant_count", "2004", "2013", True),
    ("claimant_count", "2009", "2016", True),
    ("persistent_absence", "2006/07", "2014/15", False),
    ("persistent_absence", "2010/11", "2015/16", True),
    ("persistent_absence", "2015/16", "2018/19", False),
])
def test_a_window_crosses_a_break_when_it_has_periods_on_both_sides(catalog, dataset, first, last, crosses):
    assert bool(check_window(dataset, first, last, on_break="flag", catalog=catalog)) is crosses


def test_crossing_is_refused_by_default_with_what_to_do(catalog):
    with pytest.raises(SeriesBreakError, match=r"window 2009 to 2016 crosses a break: claimant_count breaks in "
                                               r"2013: Universal Credit.*end the window before 2013"):
        check_window("claimant_count", "2009", "2016", catalog=catalog)
    assert issubclass(SeriesBreakError, SpecificationError)


def test_bad_windows_and_options_are_one_clear_error(catalog):
    with pytest.raises(SpecificationError, match="ends before it starts"):
        check_window("claimant_count", "2016", "2009", catalog=catalog)
    with pytest.raises(SpecificationError, match="use 'refuse' or 'flag'"):
        check_window("claimant_count", "2009", "2016", on_break="ignore", catalog=catalog)


def test_a_malformed_break_in_the_catalogue_names_the_dataset(tmp_path, catalog):
    spec = yaml.safe_load(catalog.path.read_text())["datasets"]["household_income"]
    spec["path"] = str(catalog["household_income"].path)
    spec["breaks"] = [{"first_affected": "2013"}]
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump({"datasets": {"household_income": spec}}))
    with pytest.raises(CatalogError, match=r"dataset 'household_income', breaks\[0\] needs first_affected, what"):
        series_breaks("household_income", Catalog.from_file(tmp_path / "catalog.yaml"))


def test_the_package_exports_the_break_api():
    assert evidence.check_window is check_window and evidence.series_breaks is series_breaks
