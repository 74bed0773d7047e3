"""The exported HTML brief: self-contained, accessible, honest about synthetic data, with provenance."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

BRIEF = "reports/briefs/whole_place_community_budgets/neet_rate.html"


@pytest.fixture(scope="module")
def page(built):
    return (built["dirs"][0] / BRIEF).read_text()


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(page):
    parser = Tags()
    parser.feed(page)
    return parser.tags


def test_nothing_is_loaded_from_the_network_and_no_code_is_shown(page):
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert "<script" not in page and "<link" not in page
    assert "outcome_panel(" not in page and "In&nbsp;[" not in page


def test_page_is_a_complete_accessible_document(page):
    found = tags(page)
    assert page.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "en-GB"}) in found
    assert any(t == "main" and a.get("id") == "main" for t, a in found)
    assert any(t == "a" and a.get("href") == "#main" for t, a in found)
    assert [t for t, _ in found].count("h1") == 1
    svgs = [a for t, a in found if t == "svg"]
    graphics = [a for a in svgs if a.get("aria-hidden") != "true"]   # charts: inline SVG, one accessible name each
    assert graphics and all(a.get("role") == "img" and len(a.get("aria-label", "")) > 40 for a in graphics)
    padlocks = [a for a in svgs if a.get("aria-hidden") == "true"]   # drawn beside the number in text
    assert len(padlocks) == 2 and all(a.get("focusable") == "false" for a in padlocks)
    assert not [a for t, a in found if t == "img"]
    assert all(a.get("scope") in ("col", "row") for t, a in found if t == "th")


def test_synthetic_data_is_declared_in_banner_title_chart_and_alt_text(page):
    assert 'class="synthetic-banner"' in page
    assert re.search(r"<title>\[SYNTHETIC DATA\]", page)
    alt = next(a["aria-label"] for t, a in tags(page) if t == "svg" and a.get("role") == "img")
    assert "synthetic data" in alt
    assert "pilot areas and comparison areas (synthetic data)" in page


def test_headline_states_the_finding_with_its_interval_in_words_and_numbers(page):
    h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
    # a planted effect, rated SMS 3: the causal verb is allowed
    assert "16-17 year olds not in education, employment or training" in h1 and ("lower" in h1 or "reduced" in h1)
    assert len(h1.split()) <= 20 and "%" in h1                  # at most 20 words, the size against the baseline
    assert re.search(r"95% confidence interval -\d+\.\d\d to -\d+\.\d\d", page)


def test_chart_has_its_data_as_a_table_and_a_csv(page):
    assert "<caption>" in page and "Data for this chart" in page
    assert re.search(r'<a download="whole_place_community_budgets_neet_rate.csv" href="data:text/csv;base64,', page)
    assert "<th scope=\"row\">2004</th>" in page


def test_annex_and_footer_record_parameters_input_digest_and_version(page, built):
    footer = page[page.index('class="annex"'):]
    digest = next(j for j in built["manifests"][0]["jobs"] if j["status"] == "built")["input_digest"]
    assert f"sha256 {digest}" in footer
    assert "initiative = whole_place_community_budgets" in footer and "indicator = neet_rate" in footer
    assert "Workbench version" in footer


def test_evidence_rating_and_its_reasons_are_shown(page):
    found = re.search(r"([0-5]) of 5</span></span> <strong>Strength of evidence: (no usable evidence|very weak|weak|"
                      r"moderate)\.", page)
    assert found and re.search(r"SMS [1-3]: ", page)
    assert "S1: before-and-after outcomes against a comparison group" in page
    assert "wild cluster bootstrap p-value" in page and "randomisation p-value" in page


def test_every_outcome_is_shown_with_raw_and_adjusted_p_values(page):
    section = page[page.index("All outcomes analysed for"):]
    assert "p-value adjusted for all outcomes" in section
    assert "Benjamini-Hochberg" in section
    for name in ("Emergency hospital admissions", "Police recorded crime"):
        assert f'<th scope="row">{name}</th>' in section
