"""The published-findings register: schema, initiatives, SMS levels, projections never over-rated."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench import evidence
from workbench.errors import DataValidationError, SpecificationError
from workbench.evidence.findings import check_findings, has_counterfactual


def test_schema_and_every_initiative_exists(catalog):
    f = evidence.findings(catalog=catalog)
    assert list(f.columns) == ["id", "initiative", "claim", "figure", "figure_high", "unit", "kind", "design",
                               "sms_level", "source", "reference", "note"]
    assert f["id"].is_unique and set(f["kind"]) == {"projected", "measured"}
    assert set(f["initiative"]) == set(evidence.initiatives(catalog))  # every initiative has its claims
    assert f["source"].str.len().min() > 20 and f["reference"].str.startswith("DOMAIN.md").all()


def test_sms_levels_are_in_range_and_projections_are_not_rated_above_1(catalog):
    f = evidence.findings(catalog=catalog)
    levels = f["sms_level"].dropna()
    assert levels.between(1, 5).all() and len(levels) == 2
    projected = f[f["kind"] == "projected"]
    assert len(projected) > 10
    assert ((projected["sms_level"].fillna(0) <= 1) | projected["design"].map(has_counterfactual)).all()
    # every row without a level says why: no counterfactual, or not SMS-scoreable
    assert f.loc[f["sms_level"].isna(), "note"].str.contains("counterfactual|SMS-scoreable").all()


def test_the_published_figures_from_the_reference(catalog):
    f = evidence.findings(catalog=catalog).set_index("id")
    assert f.at["tp_start_up_funding", "figure"] == 250000 and f.at["tp_start_up_funding", "kind"] == "measured"
    assert f.at["tp_ministerial_savings", "figure"] == 20 and f.at["tp_ministerial_savings", "kind"] == "projected"
    assert [f.at[i, "figure"] for i in ("wpcb_nao_greater_manchester", "wpcb_nao_cheshire_west",
                                         "wpcb_nao_whole_essex", "wpcb_nao_tri_borough")] == [270, 56, 414, 70]
    assert (f.at["wpcb_ey_five_year_net_benefit", "figure"], f.at["wpcb_ey_five_year_net_benefit", "figure_high"]) \
        == (9.4, 20.6)
    assert f.at["tf_phase1_national_evaluation", "sms_level"] == 3
    assert "significant or systematic impact" in f.at["tf_phase1_national_evaluation", "claim"]
    assert f.at["tf_phase2_benefit_per_pound", "figure"] == 2.28


def test_figures_missing_from_the_reference_are_blank_and_say_so(catalog):
    f = evidence.findings(catalog=catalog).set_index("id")
    for key in ("wpcb_ey_addressable_spend", "tf_phase2_evaluation_impacts", "tp_report_savings"):
        assert pd.isna(f.at[key, "figure"])
        assert "Figure not in the reference sources" in f.at[key, "note"]


def test_findings_of_one_initiative_and_an_unknown_one(catalog):
    tf = evidence.findings("troubled_families", catalog=catalog)
    assert set(tf["initiative"]) == {"troubled_families"} and len(tf) == 7
    with pytest.raises(SpecificationError, match="unknown initiative 'nope'"):
        evidence.findings("nope", catalog=catalog)


@pytest.mark.parametrize("change, message", [
    ({"sms_level": 3}, "a projected claim rated SMS 3 with no comparison group"),
    ({"figure": pd.NA, "note": "x"}, "no figure, and the note does not say why"),
    ({"figure_high": 1.0}, "figure_high needs a figure no larger than it"),
    ({"note": "Figure not in the reference sources."}, "no SMS level, and the note does not say why"),
])
def test_cross_column_rules_refuse_a_bad_row(catalog, change, message):
    f = evidence.findings(catalog=catalog)
    row = f.index[f["id"] == "tp_ministerial_savings"][0]
    bad = f.copy()
    for column, value in change.items():
        bad[column] = bad[column].astype(object)
        bad.at[row, column] = value
    with pytest.raises(DataValidationError, match=message):
        check_findings(bad)


def test_an_unknown_initiative_in_the_file_is_refused(catalog, tmp_path):
    text = catalog["findings"].path.read_text().replace(",total_place,", ",total_places,", 1)
    bad = tmp_path / "findings.csv"
    bad.write_text(text)
    with pytest.raises(DataValidationError, match="total_places"):
        evidence.validate_file(bad, "findings", catalog)
