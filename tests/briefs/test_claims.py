"""The brief section "Cost and what was claimed", its record, and the partners-by-sector sentence."""

from __future__ import annotations

import csv
import dataclasses
import json
import re

import pytest
import yaml
from bs4 import BeautifulSoup

from tests.evidence.conftest import copy_evidence
from workbench import evidence
from workbench.briefs.claims import SHOWN, claims_record, cost_and_claims, partners_sentence, short_source
from workbench.errors import SpecificationError

# rows of evidence/registers/findings.csv per initiative, counted by hand
ROWS = {"total_place": 7, "whole_place_community_budgets": 10, "community_budgets_first_phase": 3,
        "neighbourhood_community_budgets": 3, "troubled_families": 7, "city_deals_wave_1": 2}
HOSTILE = {
    "claim": "<script>alert(1)</script> \"quoted\" and 'single' ../../etc/passwd " + "x" * 240,
    "unit": "pounds <b>bold</b>",
    "source": "\u202eevil source & <img src=x onerror=alert(2)>; ../second",
}


def section(initiative_id, catalog, **kwargs) -> BeautifulSoup:
    return BeautifulSoup(str(cost_and_claims(initiative_id, catalog, **kwargs)), "html.parser")


def shown_rows(page: BeautifulSoup) -> list[dict[str, str]]:
    rows = []
    for tr in page.select("table.claims-table tbody tr"):
        claim, figure, kind, source = tr.find_all(["th", "td"])
        rows.append({"claim": claim.get_text(), "figure": figure.get_text(), "kind": kind.get_text(),
                     "label": kind.find("strong", class_="kind").get_text(), "source": source.get_text()})
    return rows


@pytest.mark.parametrize("initiative_id", sorted(ROWS))
def test_every_shown_figure_is_marked_and_carries_its_source(catalog, initiative_id):
    register = evidence.findings(initiative_id, catalog).set_index("claim")
    assert len(register) == ROWS[initiative_id]
    page = section(initiative_id, catalog)
    assert page.section["aria-labelledby"] == "cost-and-claims" and page.h2["id"] == "cost-and-claims"
    assert page.h2.get_text() == "Cost and what was claimed"
    rows = shown_rows(page)
    assert len(rows) == min(SHOWN, ROWS[initiative_id])
    for row in rows:
        truth = register.loc[row["claim"]]
        assert row["label"] == {"projected": "Projected.", "measured": "Measured."}[truth["kind"]]
        assert row["source"] == short_source(truth["source"]) and len(row["source"]) > 20
        if truth.isna()["figure"]:
            assert row["figure"] in ("The sources do not give a figure.",
                                     "No single figure: the source reports a pattern of results.")
        else:
            assert row["figure"].endswith(truth["unit"]) and re.match(r"^[\d,.]+ ", row["figure"])
    # the table sits in a scroll region named after its caption
    wrap = page.select_one("div.table-wrap")
    assert wrap["role"] == "region" and wrap["aria-label"] == page.caption.get_text()
    assert page.caption.get_text().endswith(f"({len(rows)} of {ROWS[initiative_id]} shown)")


@pytest.mark.parametrize("initiative_id", sorted(ROWS))
def test_the_rest_are_counted_in_a_details_list(catalog, initiative_id):
    page = section(initiative_id, catalog)
    rest = ROWS[initiative_id] - SHOWN
    details = page.find("details")
    if rest <= 0:
        assert details is None
        return
    assert details.summary.get_text() == f"{rest} more claim{'s' * (rest != 1)}"
    items = details.find_all("li")
    assert len(items) == rest
    assert all(li.strong.get_text() in ("Projected.", "Measured.") and "Source: " in li.get_text() for li in items)


def test_the_order_costs_then_impacts_then_counts_then_projections(catalog):
    # derived by hand from the register: R1 costs, R2 measured with an SMS level, R3 other measured,
    # R4 projected; within each, rows with a figure first, then register order
    assert [r["id"] for r in claims_record("total_place", catalog)] == [
        "tp_start_up_funding",                                          # cost
        "tp_spending_counted", "tp_birmingham_spending",                # measured counts
        "tp_ministerial_savings", "tp_birmingham_early_years",          # projected, with a figure
        "tp_birmingham_drug_treatment", "tp_report_savings"]            # (the last has none)
    assert [r["id"] for r in claims_record("troubled_families", catalog)] == [
        "tf_phase1_budget", "tf_phase2_budget",                         # costs
        "tf_phase1_national_evaluation", "tf_phase2_evaluation_impacts",  # impact estimates (SMS 3)
        "tf_families_turned_around",                                    # a count
        "tf_cost_of_families", "tf_phase2_benefit_per_pound"]           # projected
    # the table shows the first five of that order, the details the rest
    page = section("total_place", catalog)
    claims = evidence.findings("total_place", catalog).set_index("id")["claim"]
    assert [r["claim"] for r in shown_rows(page)] == [claims[i] for i in (
        "tp_start_up_funding", "tp_spending_counted", "tp_birmingham_spending", "tp_ministerial_savings",
        "tp_birmingham_early_years")]
    assert claims["tp_report_savings"] in page.details.get_text()


def test_the_strength_of_evidence_is_in_plain_words(catalog):
    tf = shown_rows(section("troubled_families", catalog))
    evaluation = next(r for r in tf if "significant or systematic impact" in r["claim"])
    assert "An impact estimate from a before-and-after comparison with a similar (matched) comparison group" \
        in evaluation["kind"] and "(Maryland scale 3 of 5, where 5 is a randomised trial)" in evaluation["kind"]
    assert evaluation["figure"] == "No single figure: the source reports a pattern of results."
    budget = next(r for r in tf if r["claim"].startswith("Phase 1 (2012-15)"))
    assert budget["figure"] == "448 million pounds" and "Money put in, not a result." in budget["kind"]
    tp = shown_rows(section("total_place", catalog))
    assert "A forecast, with no comparison group: not a measurement of what happened." in tp[3]["kind"]
    # a valuation of matched-comparison impacts is not called a forecast with no comparison group
    details = section("troubled_families", catalog).details.find_all("li")
    valuation = next(li.get_text() for li in details if "2.28 pounds" in li.get_text())
    assert "A model built on estimates against a comparison group: not itself a measurement." in valuation
    # a recorded absence of evaluation is said to be one, not a null finding
    cb = {r["claim"]: r for r in shown_rows(section("community_budgets_first_phase", catalog))}
    absent = cb["No impact evaluation of the first phase with a comparison group is in the reference sources."]
    assert absent["figure"] == "The sources do not give a figure."
    assert "No evaluation was found: an absence of evidence, not a finding of no effect." in absent["kind"]
    for initiative_id in ROWS:                      # never a bare code
        assert not re.search(r"SMS\s*\d", section(initiative_id, catalog).get_text())


def test_one_plain_sentence_says_whose_claims_these_are(catalog):
    page = section("whole_place_community_budgets", catalog)
    intro = page.find("p").get_text()
    assert intro == ("The costs and claims below were published by others, not found by this brief; "
                     "projected figures are forecasts, not measurements.")
    one = section("total_place", catalog, pilot_name="Worcestershire").find("p").get_text()
    assert one.endswith("The figures are for Total Place as a whole, not for Worcestershire alone.")


def test_figures_keep_their_units_and_ranges(catalog):
    text = section("whole_place_community_budgets", catalog).get_text()
    assert "4.8 million pounds" in text                                        # a cost, in the table
    assert "9.4 to 20.6 billion pounds net benefit over 5 years" in text       # a range, in the details
    assert "250,000 pounds per pilot" in section("total_place", catalog).get_text()


def test_the_record_is_json_safe_and_complete(catalog):
    record = claims_record("whole_place_community_budgets", catalog)
    assert json.loads(json.dumps(record)) == record and len(record) == 10
    assert set(record[0]) == {"id", "claim", "figure", "figure_high", "unit", "kind", "source"}
    by_id = {r["id"]: r for r in record}
    assert (by_id["wpcb_ey_five_year_net_benefit"]["figure"], by_id["wpcb_ey_five_year_net_benefit"]["figure_high"]) \
        == (9.4, 20.6)
    assert by_id["wpcb_ey_addressable_spend"]["figure"] is None and by_id["wpcb_ey_addressable_spend"]["unit"] is None
    assert claims_record("total_place", catalog)[0]["figure"] == 250000


def test_an_unknown_initiative_is_refused(catalog):
    with pytest.raises(SpecificationError, match="unknown initiative 'nope'"):
        cost_and_claims("nope", catalog)


def _rewrite_findings(catalog, change) -> None:
    path = catalog["findings"].path
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = [r for r in (change(dict(r)) for r in rows) if r is not None]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_hostile_strings_in_the_register_are_escaped(tmp_path):
    catalog = copy_evidence(tmp_path)
    _rewrite_findings(catalog, lambda r: {**r, **HOSTILE} if r["id"] == "cd_jobs" else r)
    markup = str(cost_and_claims("city_deals_wave_1", catalog, pilot_name='<i onmouseover="x">Leeds</i>'))
    for raw in ("<script", "<b>", "<img", "<i ", "\u202e", 'onmouseover="'):
        assert raw not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; and &#x27;single&#x27; ../../etc/passwd" in markup
    page = BeautifulSoup(markup, "html.parser")
    assert page.find("script") is None and page.find("img") is None and page.find("b") is None
    row = next(r for r in shown_rows(page) if r["claim"].startswith("<script>"))
    assert row["claim"] == HOSTILE["claim"] and len(row["claim"]) > 300       # shown whole, as text
    assert row["figure"] == "175,000 pounds <b>bold</b>"
    assert row["source"] == "evil source & <img src=x onerror=alert(2)> (and 1 more source)"   # override removed
    record = {r["id"]: r for r in claims_record("city_deals_wave_1", catalog)}
    assert record["cd_jobs"]["claim"] == HOSTILE["claim"]         # the record keeps the data as it is


def test_an_initiative_without_rows_says_so(tmp_path):
    catalog = copy_evidence(tmp_path)
    _rewrite_findings(catalog, lambda r: None if r["initiative"] == "city_deals_wave_1" else r)
    page = section("city_deals_wave_1", catalog)
    assert page.h2["id"] == "cost-and-claims" and page.find("table") is None and page.find("details") is None
    assert page.find("p").get_text() == ("The findings register holds no published cost or claims for "
                                         "City Deals, wave 1.")
    assert claims_record("city_deals_wave_1", catalog) == []


def _yaml_pilots(root, initiative_id):
    raw = yaml.safe_load((root / "evidence" / "registers" / "initiatives.yaml").read_text())
    return next(i for i in raw["initiatives"] if i["id"] == initiative_id)["pilots"]


def test_partners_of_total_place_counted_against_the_register(catalog, root):
    pilots = _yaml_pilots(root, "total_place")
    business = sum("business" in p["partners"] for p in pilots)
    social = sum("social" in p["partners"] for p in pilots)
    public_only = sum(p["partners"] == ["public"] for p in pilots)
    assert (len(pilots), business, social, public_only) == (13, 1, 1, 12)     # Worcestershire alone names more
    assert partners_sentence(evidence.initiatives(catalog)["total_place"]) == (
        "Partners by sector, as the sources name them: public bodies in all 13 pilots; business in 1; "
        "the voluntary and community (social) sector in 1. For 12 pilots the sources name public bodies only, "
        "which may understate who took part.")


def test_partners_of_neighbourhood_one_pilot_and_public_only_initiatives(catalog, root):
    known = evidence.initiatives(catalog)
    social = sum("social" in p["partners"] for p in _yaml_pilots(root, "neighbourhood_community_budgets"))
    assert social == 3
    assert partners_sentence(known["neighbourhood_community_budgets"]) == (
        "Partners by sector, as the sources name them: public bodies in all 12 neighbourhood pilots; the voluntary "
        "and community (social) sector in 3. For 9 neighbourhood pilots the sources name public bodies only, "
        "which may understate who took part.")
    assert partners_sentence(known["troubled_families"]) == (
        "Partners by sector, as the sources name them: public bodies only, which may understate who took part.")
    assert partners_sentence(known["whole_place_community_budgets"]) == (
        "Partners by sector, as the sources name them: public bodies only, in all 4 pilots, "
        "which may understate who took part.")


def test_partners_not_recorded(catalog):
    tp = evidence.initiatives(catalog)["total_place"]
    blank = dataclasses.replace(tp, pilots=tuple(dataclasses.replace(p, partners=()) for p in tp.pilots))
    assert partners_sentence(blank) == "The sources found do not record which sectors took part in 13 pilots."
    some = dataclasses.replace(tp, pilots=tuple(dataclasses.replace(p, partners=()) if k < 3 else p
                                                for k, p in enumerate(tp.pilots)))
    assert partners_sentence(some).endswith(
        "public bodies in 10 pilots; business in 1; the voluntary and community (social) sector in 1. For 9 pilots "
        "the sources name public bodies only, which may understate who took part. For 3 pilots the sources found "
        "do not record the partners.")
    one = dataclasses.replace(tp, pilots=(dataclasses.replace(tp.pilots[0], partners=()),))
    assert partners_sentence(one) == "The sources found do not record which sectors took part in its pilot."
