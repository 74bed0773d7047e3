"""Harmonisation: each kind of boundary change on a small panel with an answer worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import evidence
from workbench.errors import SpecificationError
from workbench.evidence.harmonise import harmonise

CUMBRIA_2009 = ["E07000026", "E07000027", "E07000028", "E07000029", "E07000030", "E07000031"]


def panel(rows, indicator="rate", period="2010", **extra):
    """A long panel from (area_code, value[, numerator, denominator]) tuples."""
    records = []
    for r in rows:
        code, value, *nd = r
        num, den = (nd + [np.nan, np.nan])[:2]
        records.append({"area_code": code, "period": period, "period_start": int(period[:4]),
                        "period_years": extra.get("years", 1), "indicator": indicator, "value": value,
                        "numerator": num, "denominator": den})
    return pd.DataFrame(records)


def one(result, code):
    rows = result.data[result.data["area_code"] == code]
    assert len(rows) == 1, result.provenance.to_string()
    return rows.iloc[0]


def method(result, code):
    return set(result.provenance.loc[result.provenance["area_code"] == code, "method"])


def test_a_former_code_is_read_as_its_authority(catalog):
    result = harmonise(panel([("E08000020", 4.0)]), to=2009, catalog=catalog)  # Gateshead before 2013
    assert one(result, "E08000037")["value"] == 4.0 and method(result, "E08000037") == {"recode"}


def test_the_same_value_under_two_codes_is_kept_once_and_different_values_are_excluded(catalog):
    same = harmonise(panel([("E08000020", 4.0), ("E08000037", 4.0)]), to=2023, catalog=catalog)
    assert one(same, "E08000037")["value"] == 4.0
    differ = harmonise(panel([("E08000020", 4.0), ("E08000037", 5.0)]), to=2023, catalog=catalog)
    assert differ.data.empty
    assert "two codes with different values" in differ.provenance["note"].iloc[0]


def test_a_merger_sums_numerators_and_denominators_and_recomputes_the_rate(catalog):
    # Cumbria county (2009-2023) rebuilt from its two 2023 successors: (30 + 10) / (1000 + 500)
    rows = [("E06000063", 3.0, 30, 1000), ("E06000064", 2.0, 10, 500)]
    result = harmonise(panel(rows), to=2009, catalog=catalog)
    cumbria = one(result, "E10000006")
    assert cumbria["numerator"] == 40 and cumbria["denominator"] == 1500
    assert cumbria["value"] == pytest.approx(40 / 1500 * 100)  # not the mean of 3.0 and 2.0 (2.5)
    assert not cumbria["approximate"] and method(result, "E10000006") == {"sum"}
    assert "E06000063;E06000064" in result.provenance["source_codes"].tolist()


def test_districts_roll_up_to_their_county_and_numerators_are_conserved(catalog):
    nums = [5, 7, 11, 13, 17, 19]
    rows = [(code, n / 1000 * 100, n, 1000) for code, n in zip(CUMBRIA_2009, nums)]
    rows.append(("E06000001", 2.0, 20, 1000))  # Hartlepool, a unitary: itself
    result = harmonise(panel(rows), to=2009, catalog=catalog)
    assert one(result, "E10000006")["numerator"] == sum(nums) == 72
    assert one(result, "E10000006")["value"] == pytest.approx(72 / 6000 * 100)
    assert result.data["numerator"].sum() == sum(n for *_, n, _ in rows)


def test_lower_tier_keeps_districts_and_merges_them_into_later_unitaries(catalog):
    rows = [(code, 1.0, n, 100) for code, n in zip(CUMBRIA_2009, [1, 2, 3, 4, 5, 6])]
    result = harmonise(panel(rows), to=2023, tier="lower", catalog=catalog)
    # Cumberland = Allerdale, Carlisle, Copeland; Westmorland and Furness = Barrow, Eden, South Lakeland
    assert one(result, "E06000063")["numerator"] == 1 + 3 + 4
    assert one(result, "E06000064")["numerator"] == 2 + 5 + 6


def test_rates_alone_are_population_weighted_and_marked_approximate(catalog):
    rates = panel([("E06000063", 10.0), ("E06000064", 20.0)])
    people = panel([("E06000063", 100.0), ("E06000064", 300.0)], indicator="population")
    result = harmonise(rates, to=2009, population=people, catalog=catalog)
    cumbria = one(result, "E10000006")
    assert cumbria["value"] == pytest.approx((10 * 100 + 20 * 300) / 400) and cumbria["approximate"]
    assert result.approximate and method(result, "E10000006") == {"population_weighted"}
    assert "approximation" in result.provenance["note"].iloc[0]


def test_weights_for_a_pooled_period_come_from_its_middle_year(catalog):
    rates = panel([("E06000063", 10.0), ("E06000064", 20.0)], period="2009-11", years=3)
    people = pd.concat([panel([("E06000063", 100.0), ("E06000064", 100.0)], indicator="population", period="2009"),
                        panel([("E06000063", 100.0), ("E06000064", 300.0)], indicator="population", period="2010")])
    result = harmonise(rates, to=2009, population=people, catalog=catalog)
    assert one(result, "E10000006")["value"] == pytest.approx(17.5)  # 2010's populations


def test_weights_can_be_built_from_finer_areas(catalog):
    rates = panel([("E06000063", 10.0), ("E06000064", 20.0)])
    people = panel([(c, p) for c, p in zip(CUMBRIA_2009, [1, 2, 3, 4, 5, 6])], indicator="population")
    result = harmonise(rates, to=2009, population=people, catalog=catalog)
    # Cumberland 1 + 3 + 4 = 8, Westmorland and Furness 2 + 5 + 6 = 13
    assert one(result, "E10000006")["value"] == pytest.approx((10 * 8 + 20 * 13) / 21)


def test_counts_are_summed(catalog):
    result = harmonise(panel([("E06000063", 100.0), ("E06000064", 300.0)], indicator="population"), to=2009,
                       catalog=catalog)
    assert one(result, "E10000006")["value"] == 400


def test_without_numerators_or_populations_a_merger_is_excluded_with_its_reason(catalog):
    result = harmonise(panel([("E06000063", 10.0), ("E06000064", 20.0)]), to=2009, catalog=catalog)
    assert result.data.empty
    assert "only rates published and no population given" in result.provenance["note"].iloc[0]


def test_a_split_county_is_excluded_going_forward(catalog):
    result = harmonise(panel([("E10000021", 5.0, 50, 1000)]), to=2023, catalog=catalog)  # Northamptonshire
    assert result.data.empty and method(result, "E10000021") == {"excluded"}
    assert "spans several target areas" in result.provenance["note"].iloc[0]


def test_dorset_county_and_bcp_have_no_exact_route_between_2009_and_2023(catalog):
    # Christchurch moved from Dorset county to Bournemouth, Christchurch and Poole in 2019
    back = harmonise(panel([("E06000058", 5.0, 50, 1000), ("E06000059", 4.0, 40, 1000)]), to=2009, catalog=catalog)
    assert back.data.empty
    forward = harmonise(panel([("E10000009", 5.0, 50, 1000), ("E06000028", 1.0, 1, 100),
                               ("E06000029", 2.0, 2, 100)]), to=2023, catalog=catalog)
    assert forward.data.empty
    assert "parts missing" in " ".join(forward.provenance["note"])


def test_a_missing_part_leaves_the_target_out_for_that_period(catalog):
    result = harmonise(panel([("E06000063", 3.0, 30, 1000)]), to=2009, catalog=catalog)
    assert result.data.empty and "parts missing in this period" in result.provenance["note"].iloc[0]


def test_nations_regions_and_unknown_codes_are_left_out_and_recorded(catalog):
    result = harmonise(panel([("E92000001", 3.8), ("E12000001", 4.0), ("E06099999", 1.0), ("E06000001", 2.0)]),
                       to=2009, catalog=catalog)
    assert result.data["area_code"].tolist() == ["E06000001"]
    notes = dict(zip(result.provenance["area_code"], result.provenance["note"]))
    assert "not a local authority" in notes["E92000001"] and "not in the authority register" in notes["E06099999"]


def test_ons_obsolete_code_notes_are_read_as_aliases(catalog):
    data = panel([("E08000016", 4.9), ("E08000038", 4.9)])  # Barnsley, old and 2025 codes
    data.attrs["obsolete_codes"] = {"E08000016": {"since": 2025, "replaced_by": ["E08000038"]}}
    assert one(harmonise(data, to=2009, catalog=catalog), "E08000016")["value"] == 4.9


def test_districts_sum_to_englands_published_population(catalog):
    people = evidence.load("population", catalog)
    people = people[(people["period"] == "2011") & (people["indicator"] == "population")]
    result = harmonise(people, to=2023, catalog=catalog)
    assert len(result.data) == 153
    assert result.data["value"].sum() == 53_107_169  # ONS mid-2011 estimate for England


def test_a_panel_without_the_long_columns_is_one_clear_error(catalog):
    with pytest.raises(SpecificationError, match="needs the columns value"):
        harmonise(pd.DataFrame({"area_code": ["E06000001"], "period": ["2010"], "indicator": ["x"]}),
                  catalog=catalog)
    with pytest.raises(SpecificationError, match="no indicator 'population_under_16'"):
        harmonise(panel([("E06000001", 1.0)]), population=panel([("E06000001", 1.0)], indicator="population"),
                  weight="population_under_16", catalog=catalog)


def test_zero_numerators_and_suppressed_values_are_handled_and_recorded(catalog):
    rows = [("E06000063", 0.0, 0, 1000), ("E06000064", 0.0, 0, 500)]
    zero = harmonise(panel(rows), to=2009, catalog=catalog)
    assert one(zero, "E10000006")["value"] == 0 and one(zero, "E10000006")["numerator"] == 0
    empty = harmonise(panel([("E06000063", 1.0, 1, 0), ("E06000064", 1.0, 1, 0)]), to=2009, catalog=catalog)
    assert empty.data.empty and "denominators sum to 0" in empty.provenance["note"].iloc[0]
    suppressed = panel([("E06000001", np.nan), ("E06000002", 2.0)])
    result = harmonise(suppressed, to=2009, catalog=catalog)
    assert result.data["area_code"].tolist() == ["E06000002"]
    assert method(result, "E06000001") == {"no_value"}


DORSET_BCP = {"dorset_bcp": ["E10000009", "E06000028", "E06000029"]}


def test_a_combined_footprint_crosses_the_christchurch_transfer_exactly(catalog):
    # 2023 data (Dorset Council, BCP) on the 2009 footprint: Dorset county + Bournemouth + Poole
    rows = [("E06000059", 4.0, 40, 1000), ("E06000058", 5.0, 100, 2000)]
    result = harmonise(panel(rows), to=2009, combine=DORSET_BCP, catalog=catalog)
    combined = one(result, "dorset_bcp")
    assert combined["numerator"] == 140 and combined["value"] == pytest.approx(140 / 3000 * 100)
    assert combined["area_name"] == "Bournemouth + Poole + Dorset (combined)"
    assert "E10000009" not in set(result.provenance["area_code"])  # replaced, not excluded
    # and 2009-2018 data the other way, to 2023
    old = [("E10000009", 2.0, 20, 1000), ("E06000028", 1.0, 10, 1000), ("E06000029", 3.0, 30, 1000)]
    forward = harmonise(panel(old), to=2023, combine={"dorset_bcp": ["E06000058", "E06000059"]}, catalog=catalog)
    assert one(forward, "dorset_bcp")["numerator"] == 60


def test_a_combined_footprint_must_be_made_of_whole_target_areas(catalog):
    with pytest.raises(SpecificationError, match="does not match whole target areas"):
        harmonise(panel([("E06000001", 1.0)]), to=2023, combine={"x": ["E10000009"]}, catalog=catalog)
    with pytest.raises(SpecificationError, match="unknown area code"):
        harmonise(panel([("E06000001", 1.0)]), to=2023, combine={"x": ["E99999999"]}, catalog=catalog)
