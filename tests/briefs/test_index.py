"""The index's evidence map, from hand-made brief records: grouping, direction words, sizes, padlocks,
robustness and per-pilot marks in their cell, the text equivalent, the filter, and hostile strings."""

from __future__ import annotations

import math

import pytest
from bs4 import BeautifulSoup

from workbench.briefs import evidence_map as em
from workbench.briefs.index import index_html

RTL = "\u0645\u062c\u0644\u0633 \u0627\u0644\u0645\u062f\u064a\u0646\u0629 \u202e reversed"


def record(initiative="total_place", indicator="emergency_admissions", *, domain="Chronic illness and health",
           estimate=-2.0, ci_low=-3.0, ci_high=-1.0, baseline=20.0, strength=3, synthetic=False, href=None,
           initiative_name=None, indicator_name=None, **parameters):
    """A brief record as the batch hands it to the index (the fields the map reads)."""
    params = {"initiative": initiative, "indicator": indicator, "comparison_method": "all",
              "compare_within": "region_code", "pilot": None, **parameters}
    suffix = "__" + "_".join(f"{k}_{v}" for k, v in parameters.items()) if parameters else ""
    return {"initiative": initiative, "initiative_name": initiative_name or initiative.replace("_", " ").title(),
            "indicator": indicator, "indicator_name": indicator_name or indicator.replace("_", " ").capitalize(),
            "domain": domain, "synthetic": synthetic, "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high,
            "p_value": 0.01, "unit": "per 1,000 residents", "baseline": baseline,
            "rating": None if strength is None else {"strength": strength, "label": "moderate", "sms": 3,
                                                     "reasons": []},
            "parameters": params, "href": href or f"briefs/{initiative}/{indicator}{suffix}.html"}


def soup(entries, failed=()) -> BeautifulSoup:
    return BeautifulSoup(index_html(entries, failed), "html.parser")


def cell_of(page: BeautifulSoup, href: str):
    """The map cell (td) that holds a link to `href`."""
    cells = [a.find_parent("td") for a in page.select(f'table.evidence-map a[href="{href}"]')]
    assert len(cells) == 1, cells
    return cells[0]


def test_outcomes_are_grouped_under_the_five_domains_in_their_fixed_order_then_other():
    entries = [record(indicator="jobs", domain="ECONOMIC  regeneration"), record(indicator="income", domain="poverty"),
               record(indicator="crime", domain="Community safety"), record(indicator="weird", domain="Astrology"),
               record(indicator="admissions", domain="chronic illness and health"),
               record(indicator="neet", domain="Social exclusion"), record(indicator="unknown", domain=None)]
    page = soup(entries)
    groups = [th.get_text() for th in page.select('table.evidence-map th[scope="rowgroup"]')]
    assert groups == ["Poverty", "Social exclusion", "Chronic illness and health", "Community safety",
                      "Economic regeneration", "Other"]
    other = page.select("table.evidence-map tbody")[-1]
    assert [th.get_text() for th in other.select('th[scope="row"]')] == ["Unknown", "Weird"]


@pytest.mark.parametrize("low, high, word", [(-3.0, -1.0, "lower"), (0.5, 2.0, "higher"), (-1.0, 2.0, "no clear difference"),
                                             (0.0, 2.0, "no clear difference"), (-2.0, 0.0, "no clear difference"),
                                             (math.nan, 1.0, "no clear difference"), (None, None, "no clear difference")])
def test_the_direction_word_comes_from_the_interval(low, high, word):
    entry = record(ci_low=low, ci_high=high)
    assert em.direction(entry) == word
    link = cell_of(soup([entry]), entry["href"]).select_one("a.finding")
    assert link.get_text().startswith(f"{em.ARROWS[word]} {word.capitalize()}")   # a word, never colour alone


def test_the_size_is_relative_to_the_baseline_with_its_interval_or_in_the_unit_without_one():
    # -2 on a level of 20 is -10%; the interval -3 to -1 is -15% to -5%
    assert em.size_text(record(baseline=20.0)) == "\u221210% (\u221215% to \u22125.0%)"
    assert em.size_text(record(baseline=None)) == "\u22122.0 (\u22123.0 to \u22121.0) per 1,000 residents"
    assert em.size_text(record(baseline=0.0)).endswith("per 1,000 residents")          # no share of nothing
    sentence = em.size_sentence(record(baseline=20.0))
    assert sentence.startswith("\u221210% of the pilots' level before the start (95% interval \u221215% to \u22125.0%)")
    assert "\u22122.0 per 1,000 residents, 95% interval \u22123.0 to \u22121.0" in sentence


def test_padlocks_are_drawn_and_the_number_is_always_in_text():
    page = soup([record(strength=3), record(initiative="whole_place", strength=None)])
    locks = cell_of(page, "briefs/total_place/emergency_admissions.html").select_one(".locks")
    assert locks.get_text(" ", strip=True) == "Strength of evidence: 3 of 5"
    assert len(locks.select("use.lock-on")) == 3 and len(locks.select("use.lock-off")) == 2
    assert locks.svg["aria-hidden"] == "true"
    unrated = cell_of(page, "briefs/whole_place/emergency_admissions.html").select_one(".locks")
    assert unrated.get_text() == "not rated" and unrated.svg is None


def test_a_robustness_brief_is_a_mark_in_its_cell_not_a_row():
    main = record()
    nearest = record(comparison_method="nearest", compare_within=None, ci_low=-2.5, ci_high=0.5, strength=2)
    other = record(initiative="whole_place")
    page = soup([nearest, main, other])
    rows = page.select('table.evidence-map th[scope="row"]')
    assert [r.get_text() for r in rows] == ["Emergency admissions"]
    cell = cell_of(page, main["href"])
    assert cell is cell_of(page, nearest["href"])
    mark = cell.select_one(f'ul.marks a[href="{nearest["href"]}"]')
    assert mark.get_text() == "\u25c7 against nearest neighbours; compared across England: \u2248 no clear difference, 2 of 5"
    assert cell.select_one("a.finding")["href"] == main["href"]          # the plain comparison is the finding
    assert not cell_of(page, other["href"]).select("ul.marks")


def test_per_pilot_briefs_attach_to_their_initiatives_cell_and_many_collapse_into_a_list():
    few = [record(pilot=p) for p in ("worcestershire", "croydon")]
    many = [record(initiative="whole_place", pilot=f"pilot_{i}") for i in range(5)]
    page = soup([record(), *few, record(initiative="whole_place"), *many])
    heads = [th.get_text() for th in page.select("table.evidence-map thead th")]
    assert heads == ["Outcome", "Total Place", "Whole Place"]           # pilots are not columns
    cell = cell_of(page, "briefs/total_place/emergency_admissions.html")
    assert [a.get_text().split(":")[0] for a in cell.select("ul.marks a")] == [
        "\u25c7 pilot croydon alone", "\u25c7 pilot worcestershire alone"]
    wide = cell_of(page, "briefs/whole_place/emergency_admissions.html")
    assert wide.details.summary.get_text() == "5 pilots alone" and len(wide.details.select("a")) == 5


def test_real_and_synthetic_are_two_maps_real_first_and_each_has_a_text_equivalent():
    page = soup([record(synthetic=True, indicator="neet", domain="Social exclusion"), record()])
    sections = page.select("section[data-filter]")
    assert [s.h2.get_text() for s in sections] == ["Real published data",
                                                   "Synthetic data: method demonstrations, not evidence"]
    real, synthetic = (s.select_one("details.map-list") for s in sections)
    sentence = real.li.get_text(" ", strip=True)
    assert sentence.startswith("Total Place, Emergency admissions (Chronic illness and health): lower than the "
                               "comparison areas' trend suggests;")
    assert "Strength of evidence 3 of 5 (moderate)" in sentence and real.li.a.get_text().startswith("Read the brief")
    assert synthetic.li.get_text().startswith("[synthetic data] Total Place, Neet")
    assert len(real.select("li")) == 1 and "1 finding," in real.summary.get_text()


def test_a_cell_without_a_brief_says_so_and_the_variants_are_named_in_the_sentence():
    entries = [record(), record(comparison_method="nearest"), record(initiative="whole_place", indicator="crime",
                                                                     domain="Community safety")]
    page = soup(entries)
    empty = page.select("table.evidence-map td.empty")
    assert [td.get_text() for td in empty] == ["No brief", "No brief"]
    sentence = page.select_one("details.map-list li").get_text(" ", strip=True)
    assert sentence.endswith("The same question answered another way: against nearest neighbours : lower, "
                             "3 of 5 (moderate).")


def test_the_filter_is_hidden_without_script_and_tags_every_filtered_element():
    page = soup([record(), record(initiative="whole_place", domain="Poverty", indicator="income", synthetic=True)])
    form = page.select_one("form#map-filter")
    assert form.has_attr("hidden")                                     # without JavaScript: no dead controls
    values = {(i["name"], i["value"]) for i in form.select("input[type=checkbox]")}
    assert values == {("kind", "real"), ("kind", "synthetic"), ("domain", "d1"), ("domain", "d3"),
                      ("initiative", "i1"), ("initiative", "i2")}
    assert all(i.has_attr("checked") for i in form.select("input"))
    assert all(td.get("data-filter", "").startswith("initiative=i") for td in page.select("table.evidence-map td"))
    assert [s.get_text() for s in page.select("script")] == [em.FILTER_SCRIPT.split(">", 1)[1].rsplit("<", 1)[0]]
    script = page.script.get_text()
    assert not any(word in script for word in ("http", "fetch", "XMLHttpRequest", "import", "src="))


def test_one_kind_of_data_needs_no_data_filter():
    form = soup([record()]).select_one("form#map-filter")
    assert [f.legend.get_text() for f in form.select("fieldset")] == ["Outcome domain", "Initiative"]


def test_failures_and_the_empty_state_are_kept():
    page = soup([], [{"job": "outcome_brief/x/y", "error": "SpecificationError: <b>unknown</b>"}])
    assert page.select_one("#failed").get_text() == "Briefs that failed to build"
    assert "outcome_brief/x/y: SpecificationError: <b>unknown</b>" in page.select_one("#failed").parent.get_text()
    assert page.select("script") == [] and page.select("table") == []
    empty = soup([])
    assert "No briefs have been built yet." in empty.main.get_text() and empty.select("script") == []
    assert empty.nav.a["href"] == "#main"


HOSTILE = ["<script>window.pwned = 1</script>", "\"quoted\" & 'single' </td></table>", "Aberystwyth" * 28, RTL]


def test_hostile_strings_are_escaped_everywhere():
    entries = [record(initiative=name, indicator=name, initiative_name=name, indicator_name=name, domain=name,
                      href=f"briefs/{i}.html", comparison_method=name if i else "all") for i, name in enumerate(HOSTILE)]
    entries[0]["unit"] = HOSTILE[1]
    entries[0]["baseline"] = None
    html = index_html(entries, [{"job": HOSTILE[0], "error": HOSTILE[1]}])
    assert html.count("<script") == 1 and "window.pwned = 1</script>" not in html
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html
    assert "</td></table>" not in html.replace("</td></tr>", "")
    assert "&quot;quoted&quot; &amp; &#x27;single&#x27; &lt;/td&gt;&lt;/table&gt;" in html
    page = BeautifulSoup(html, "html.parser")
    heads = [th.get_text() for th in page.select("table.evidence-map thead th")][1:]
    assert sorted(heads) == sorted(HOSTILE)                            # each name intact, as text
    assert RTL in [th.get_text() for th in page.select('th[scope="row"]')]
    assert all(v.startswith(("kind=", "initiative=", "domain=")) and "<" not in v
               for el in page.select("[data-filter]") for v in el["data-filter"].split())
