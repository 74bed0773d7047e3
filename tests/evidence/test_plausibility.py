"""Rule P1: implausible jumps are flagged and excluded with their reason, real shocks are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import evidence
from workbench.errors import SpecificationError
from workbench.evidence import check_plausible


def series(values, area="E06000001", indicator="rate", first=2010):
    return pd.DataFrame({"area_code": area, "indicator": indicator,
                         "period": [str(first + i) for i in range(len(values))],
                         "period_start": [first + i for i in range(len(values))], "value": values})


def test_greater_manchesters_children_in_care_2011_is_caught_not_copied(catalog):
    checked = check_plausible(evidence.load("children_in_care", catalog))
    assert len(checked.flags) == 1  # nothing else in the file is flagged
    flag = checked.flags.iloc[0]
    assert (flag["area_code"], flag["period"], flag["published_value"], flag["rule"]) == ("E47000001", "2011", 8.7, "P1")
    row = checked.data[(checked.data["area_code"] == "E47000001") & (checked.data["period"] == "2011")].iloc[0]
    assert np.isnan(row["value"]) and row["status"] == "excluded" and row["status_reason"].startswith("P1: published 8.7")
    kept = checked.data[(checked.data["area_code"] == "E47000001") & (checked.data["period"] == "2012")]
    assert kept["value"].item() == 81.9


@pytest.mark.parametrize("values, flagged", [
    ([8.7, 81.9, 80.0, 83.3, 85.0], ["2010"]),          # first value a tenth of the rest
    ([80.0, 81.9, 819.0, 83.3, 85.0], ["2012"]),        # a value in the middle ten times too big
    ([80.0, 81.9, 83.0, 83.3, 8.5], ["2014"]),          # the last one
    ([0.7, 0.8, 0.7, 2.9, 3.0, 1.5], []),               # a real shock lasts (claimant count, 2020-21)
    ([1.1, 0.0, 1.2, 1.0], []),                         # a zero in a tiny area is not a slipped decimal
    ([8.7, 81.9], []),                                  # too short to judge
    ([10.0, 12.0, 45.0, 11.0], []),                     # 3.75 to 4.5 times: under the factor of 5
])
def test_rule_p1_on_hand_made_series(values, flagged):
    checked = check_plausible(series(values))
    assert checked.flags["period"].tolist() == flagged
    assert checked.data["value"].isna().sum() == len(flagged)


def test_each_area_and_indicator_is_judged_on_its_own():
    panel = pd.concat([series([80.0, 81.0, 82.0, 83.0]), series([8.0, 8.1, 8.2, 8.3], area="E06000002"),
                       series([8.0, 8.1, 8.2, 8.3], indicator="other")])
    assert check_plausible(panel).flags.empty


def test_the_published_file_is_never_changed(catalog):
    published = evidence.load("children_in_care", catalog)
    check_plausible(published)
    assert (published["value"] == 8.7).sum() >= 1


def test_bad_options_are_one_clear_error():
    with pytest.raises(SpecificationError, match="factor 1 must be greater than 1"):
        check_plausible(series([1.0, 2.0, 3.0]), factor=1)
    with pytest.raises(SpecificationError, match="needs the columns value"):
        check_plausible(pd.DataFrame({"area_code": [], "period": [], "indicator": []}))
