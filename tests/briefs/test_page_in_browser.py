"""Every built page, checked in a real browser: Debian's Chromium driven by Playwright.

The full demo is built once into a temporary folder and served on 127.0.0.1; every request that
would leave the machine is aborted and recorded, and the tests fail on any. For each brief and the
index, at 375 and 1280 CSS px wide: axe-core (WCAG 2.0, 2.1, 2.2 A and AA) finds nothing, nothing
scrolls sideways, no rendered text is under 12 px at 375, the headline, the rating and every chart's
table and CSV are there. The Nu HTML checker finds no error; printed to A4, a brief is at most 4 pages.
Screenshots of one brief at both widths are kept in reports/.artefacts/ (path printed).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.briefs.page_checks import (AXE, AXE_JS, CONTENT_JS, NPM_HINT, ROOT, SMALL_TEXT_JS, WCAG_TAGS, WIDTHS,
                                      build_demo, require, run_vnu, serve)
from workbench.briefs.browser import guard_requests

SCREENSHOT_BRIEF = "briefs/whole_place_community_budgets/emergency_admissions.html"
ARTEFACTS = ROOT / "reports" / ".artefacts"
MAX_PDF_PAGES = 4
MAX_BYTES = 200 * 1024


@pytest.fixture(scope="session")
def site(demo_reports):
    """The reports folder served on 127.0.0.1."""
    with serve(demo_reports) as url:
        yield url


@pytest.fixture(scope="session")
def audits(browser, site, pages) -> dict[tuple[str, int], dict]:
    """Every page at every width, measured once: axe violations, scroll width, small text, content."""
    axe = require(AXE, NPM_HINT)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        blocked: list[str] = []
        guard_requests(page, blocked)
        for name in pages:
            page.goto(f"{site}/{name}", wait_until="load")
            page.add_script_tag(path=str(axe))
            found[name, width] = {
                "axe": page.evaluate(AXE_JS, WCAG_TAGS),
                "scroll": page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"),
                "small": page.evaluate(SMALL_TEXT_JS, 12),
                "content": page.evaluate(CONTENT_JS),
                "blocked": list(blocked),
            }
            blocked.clear()
            if name == SCREENSHOT_BRIEF:
                page.screenshot(path=str(ARTEFACTS / f"brief-{width}px.png"), full_page=True)
        context.close()
    print(f"\nscreenshots of {SCREENSHOT_BRIEF}: {ARTEFACTS}/brief-375px.png, brief-1280px.png")
    return found


def _failures(audits, check) -> dict:
    return {f"{name} @ {width}px": bad for (name, width), a in audits.items() if (bad := check(a, width))}


def test_no_request_leaves_the_machine(audits):
    assert audits and _failures(audits, lambda a, w: a["blocked"]) == {}


def test_axe_finds_no_wcag_22_aa_violation(audits):
    assert _failures(audits, lambda a, w: a["axe"]) == {}


def test_nothing_scrolls_sideways(audits):
    assert _failures(audits, lambda a, w: a["scroll"] if a["scroll"][0] > a["scroll"][1] else None) == {}


def test_no_rendered_text_is_under_12px_on_a_phone(audits):
    assert _failures(audits, lambda a, w: a["small"][:5] if w == 375 else None) == {}


def test_every_page_has_a_headline_landmarks_and_a_skip_link(audits):
    def check(a, width):
        c = a["content"]
        return None if c["headline"] and c["skip"] and c["landmarks"] == ["header", "nav", "main", "footer"] else c
    assert _failures(audits, check) == {}


def test_every_table_is_in_a_scroll_wrapper(audits):
    assert _failures(audits, lambda a, w: a["content"]["unwrapped"]) == {}


def test_every_brief_shows_its_rating_and_every_chart_its_table_and_csv(audits):
    def check(a, width):
        c = a["content"]
        charts_ok = c["charts"] and all(all(chart.values()) for chart in c["charts"])
        rated = re.search(r"\b[0-5] (out )?of 5\b", c["rating"])
        return None if rated and charts_ok else {"rating": c["rating"], "charts": c["charts"]}
    briefs = {k: v for k, v in audits.items() if k[0].startswith("briefs/")}
    assert briefs and _failures(briefs, check) == {}


def test_screenshots_of_one_brief_at_both_widths_are_kept(audits):
    shots = [ARTEFACTS / f"brief-{w}px.png" for w in WIDTHS]
    assert all(p.stat().st_size > 10_000 for p in shots), shots


def test_the_nu_html_checker_finds_no_error(demo_reports, pages):
    result = run_vnu([demo_reports / p for p in pages])
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr[-4000:]


HEADINGS_JS = """
() => [...document.querySelectorAll('h1, h2, h3, caption, .chart-data-title, figcaption span, thead tr')]
  .map((el) => [...el.children].length && el.tagName === 'TR'
       ? [...el.children].map((c) => c.textContent.trim()).join(' ') : el.textContent.trim())
"""


def _ends_with_heading(last_line: str, headings: list[str]) -> bool:
    return any(last_line == h or (len(last_line) > 12 and h.endswith(last_line)) for h in headings)


def test_each_brief_prints_to_at_most_four_a4_pages_with_no_heading_left_at_a_page_foot(browser, site, pages):
    page = browser.new_page()
    blocked: list[str] = []
    guard_requests(page, blocked)
    counts, orphans = {}, {}
    for name in pages[:-1]:
        page.goto(f"{site}/{name}", wait_until="load")
        headings = [" ".join(h.split()) for h in page.evaluate(HEADINGS_JS)]
        reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
        counts[name] = len(reader.pages)
        feet = [" ".join(p.extract_text().strip().splitlines()[-1].split()) for p in reader.pages[:-1]]
        orphans[name] = [f for f in feet if _ends_with_heading(f, headings)]
    page.close()
    print(f"\nA4 pages in print: {counts}")
    assert not blocked and all(1 <= n <= MAX_PDF_PAGES for n in counts.values()), counts
    assert {k: v for k, v in orphans.items() if v} == {}


def test_each_page_is_one_file_of_at_most_200_kb(demo_reports, pages):
    sizes = {p: (demo_reports / p).stat().st_size for p in pages}
    print(f"\nlargest page: {max(sizes.values()) / 1024:.1f} KB")
    assert all(0 < s <= MAX_BYTES for s in sizes.values()), sizes


def test_a_rebuild_gives_the_same_bytes(demo_reports, pages, tmp_path):
    again = build_demo(tmp_path)
    differ = [p for p in pages if (again / p).read_bytes() != (demo_reports / p).read_bytes()]
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert differ == []


HOSTILE = ["<script>window.pwned = 1</script>", "\"quoted\" & 'single' </td></table>", "../../etc/passwd",
           "Aberystwyth" * 28, "\u0645\u062c\u0644\u0633 \u0627\u0644\u0645\u062f\u064a\u0646\u0629 \u202e reversed"]


def _hostile_page(tmp_path: Path) -> Path:
    """The index and a chart with its table, every name hostile, served from one file."""
    import numpy as np
    import pandas as pd

    from workbench.briefs.figures import trend_chart
    from workbench.briefs.index import index_html

    entries = [{"initiative_name": name, "indicator_name": name, "headline": name, "href": "briefs/a/b.html", "estimate": -1.5,
                "ci_low": -2.0, "ci_high": -1.0, "unit": name, "synthetic": True, "rating": None} for name in HOSTILE]
    periods = np.arange(2004, 2016)
    plot = pd.DataFrame({"period": periods, "pilot": np.linspace(10, 13, 12), "comparison": np.linspace(9, 11, 12),
                         "counterfactual": np.linspace(10, 12, 12), "n_pilot": 3, "n_comparison": 20})
    chart = trend_chart(plot, title=HOSTILE[3], subtitle=HOSTILE[4], alt=" ".join(HOSTILE), value_label=HOSTILE[0],
                        first_post_period=2010, csv_name=HOSTILE[2], synthetic=True, comparison_label=HOSTILE[1])
    page = index_html(entries).replace("</main>", chart.html() + "</main>")
    path = tmp_path / "hostile.html"
    path.write_text(page, encoding="utf-8")
    return path


def _measure_at_375(browser, path: Path) -> tuple[dict, list[str]]:
    """Serve one page's folder, open the page 375 px wide, and measure it; return it and the blocked URLs."""
    with serve(path.parent) as url:
        context = browser.new_context(viewport={"width": 375, "height": 900})
        page = context.new_page()
        blocked: list[str] = []
        guard_requests(page, blocked)
        page.goto(f"{url}/{path.name}", wait_until="load")
        page.add_script_tag(path=str(require(AXE, NPM_HINT)))
        found = {"pwned": page.evaluate("typeof window.pwned"),
                 "scroll": page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"),
                 "axe": page.evaluate(AXE_JS, WCAG_TAGS), "small": page.evaluate(SMALL_TEXT_JS, 12),
                 # scripts other than the injected axe and the index's own map filter
                 "scripts": page.evaluate("document.querySelectorAll('script:not(#map-filter-script)').length - 1")}
        context.close()
    return found, blocked


CLEAN = {"pwned": "undefined", "scroll": [375, 375], "axe": [], "small": [], "scripts": 0}


def test_hostile_strings_are_escaped_and_the_layout_holds(browser, tmp_path):
    path = _hostile_page(tmp_path)
    found, blocked = _measure_at_375(browser, path)
    assert found == CLEAN and blocked == []
    checked = run_vnu([path])
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr[-4000:]


def _hostile_brief(tmp_path: Path) -> Path:
    """A whole brief built through registers whose initiative, pilot, theme and claim texts are hostile,
    exported as the batch exports a brief."""
    import csv

    import nbformat
    import yaml

    from tests.evidence.conftest import copy_evidence
    from workbench import analysis, evidence
    from workbench.briefs import OutcomeBrief, RECORD_MIME, export_html

    catalog = copy_evidence(tmp_path / "project")
    registers = tmp_path / "project" / "evidence" / "registers"
    (tmp_path / "project" / "evidence" / "raw").symlink_to(ROOT / "evidence" / "raw")
    raw = yaml.safe_load((registers / "initiatives.yaml").read_text(encoding="utf-8"))
    wpcb = next(i for i in raw["initiatives"] if i["id"] == "whole_place_community_budgets")
    wpcb["name"], wpcb["description"] = HOSTILE[0] + " " + HOSTILE[4], " ".join(HOSTILE)
    for pilot, name in zip(wpcb["pilots"], HOSTILE):
        pilot["name"], pilot["themes"] = name, [HOSTILE[1], HOSTILE[3]]
    (registers / "initiatives.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with (registers / "findings.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["initiative"] == "whole_place_community_budgets":
            row.update(claim=" ".join(HOSTILE), source=HOSTILE[1] + HOSTILE[4], unit=HOSTILE[0])
    with (registers / "findings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    panel = evidence.outcome_panel("whole_place_community_budgets", "emergency_admissions", catalog=catalog)
    result = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period", treatment="treated",
                          strata="region_code", draws=199, checks=False)
    brief = OutcomeBrief.build(panel, result, catalog=catalog)
    assert brief.panel.initiative.name.startswith("<script>")            # the hostile names reached the brief
    cells = [nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": section.markup})]) for section in brief.sections()]
    cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={RECORD_MIME: brief.record(), "text/plain": "record"})]))
    path = tmp_path / "hostile_brief.html"
    export_html(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_hostile_strings_fed_through_the_registers_into_a_brief_are_escaped_and_the_layout_holds(browser, tmp_path):
    path = _hostile_brief(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "<script>window.pwned" not in text and "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in text
    found, blocked = _measure_at_375(browser, path)
    assert found == CLEAN and blocked == []
    checked = run_vnu([path])
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr[-4000:]


def test_the_yearly_gap_chart_reads_on_a_phone(browser, tmp_path):
    import numpy as np
    import pandas as pd

    from workbench.briefs.figures import gap_chart
    from workbench.briefs.index import index_html

    periods = np.arange(2004, 2020)
    estimate = np.where(periods < 2012, 0.3 * np.sin(periods), -2.0 - 0.1 * (periods - 2012))
    effects = pd.DataFrame({"period": periods, "estimate": estimate, "ci_low": estimate - 0.9,
                            "ci_high": estimate + 0.9})
    chart = gap_chart(effects, title="Gap each year", subtitle="per 1,000 residents", value_label="per 1,000",
                      alt="Line chart of the yearly gap between pilot and comparison areas, with its interval",
                      first_post_period=2012, csv_name="gap.csv", synthetic=True)
    path = tmp_path / "gap.html"
    path.write_text(index_html([]).replace("</main>", chart.html() + "</main>"), encoding="utf-8")
    found, blocked = _measure_at_375(browser, path)
    assert found == CLEAN and blocked == []


FOCUS_JS = """
() => {
  const el = document.activeElement, r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), cls: el.className, onscreen: r.left >= 0 && r.width > 0 && r.height > 0,
          marked: s.backgroundColor === 'rgb(255, 221, 0)' || s.boxShadow.includes('rgb(255, 221, 0)')};
}
"""


def test_keyboard_focus_starts_at_the_skip_link_and_is_always_visible(browser, site):
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(f"{site}/{SCREENSHOT_BRIEF}", wait_until="load")
    seen = []
    for _ in range(6):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUS_JS))
    page.close()
    assert seen[0]["cls"] == "skip-link"
    assert {s["tag"] for s in seen} >= {"a", "div"}   # links, then a table's scroll region
    assert all(s["onscreen"] and s["marked"] for s in seen), seen


def test_a_collapsed_annex_is_left_out_of_print_and_an_open_one_is_printed(browser, tmp_path):
    from workbench.briefs.index import index_html

    annex = "<details{}><summary>Technical annex</summary>" + "<p>Method detail.</p>" * 400 + "</details>"
    counts = {}
    for state in ("", " open"):
        path = tmp_path / f"annex{state.strip()}.html"
        path.write_text(index_html([]).replace("</main>", annex.format(state) + "</main>"), encoding="utf-8")
        page = browser.new_page()
        page.goto(path.as_uri(), wait_until="load")
        counts[state or "closed"] = len(PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)
        page.close()
    assert counts["closed"] == 1 and counts[" open"] > 4, counts


VISIBLE_JS = """
(selector) => [...document.querySelectorAll(selector)].filter((el) => el.getClientRects().length > 0).length
"""


def test_the_evidence_map_filters_in_the_page_and_shows_everything_without_javascript(browser, site):
    page = browser.new_page(viewport={"width": 375, "height": 900})
    blocked: list[str] = []
    guard_requests(page, blocked)
    page.goto(f"{site}/index.html", wait_until="load")
    findings = page.evaluate("document.querySelectorAll('.map-list li').length")
    poverty = page.evaluate("document.querySelectorAll('.map-list li[data-filter~=\"domain=d1\"]').length")
    assert page.is_visible("#map-filter") and findings > poverty > 0
    # the nearest-neighbours brief is a mark in the cell of the brief it checks, not a row of its own
    cell = page.evaluate("(href) => document.querySelector(`td a[href='${href}']`).closest('td')"
                         ".querySelector('a.finding').getAttribute('href')",
                         "briefs/total_place/emergency_admissions__nearest_neighbours.html")
    assert cell == "briefs/total_place/emergency_admissions.html"
    page.get_by_label("Poverty", exact=True).uncheck()
    assert page.evaluate(VISIBLE_JS, 'tbody[data-filter="domain=d1"]') == 0
    assert page.text_content("#map-count") == f"Showing {findings - poverty} findings."
    page.get_by_label("Synthetic data (method demonstrations)").uncheck()
    assert page.evaluate(VISIBLE_JS, 'section[data-filter="kind=synthetic"]') == 0
    total_place = page.get_by_label("Total Place", exact=True)
    key = f"initiative={total_place.get_attribute('value')}"           # its column's key, whatever its order
    total_place.uncheck()
    hidden_cells = page.evaluate("[...document.querySelectorAll('td[data-filter], thead th[data-filter]')]"
                                 ".filter((el) => el.hidden).map((el) => el.getAttribute('data-filter'))")
    assert hidden_cells and set(hidden_cells) == {key}
    for label in ("Poverty", "Synthetic data (method demonstrations)", "Total Place"):
        page.get_by_label(label, exact=True).check()
    assert page.evaluate("document.querySelectorAll('[data-filter][hidden]').length") == 0
    page.close()

    context = browser.new_context(viewport={"width": 375, "height": 900}, java_script_enabled=False)
    still = context.new_page()
    guard_requests(still, blocked)
    still.goto(f"{site}/index.html", wait_until="load")
    assert not still.is_visible("#map-filter")                          # no controls that would do nothing
    assert still.evaluate(VISIBLE_JS, "table.evidence-map td") == still.evaluate(
        "document.querySelectorAll('table.evidence-map td').length") > 0
    context.close()
    assert blocked == []


def test_an_evidence_map_with_every_kind_of_cell_passes_axe_and_the_nu_checker_on_a_phone(browser, tmp_path):
    from tests.briefs.test_index import record
    from workbench.briefs.index import index_html

    entries = [record(), record(comparison_method="nearest", compare_within=None),
               *[record(pilot=f"pilot_{i}") for i in range(5)], record(initiative="whole_place", pilot="one"),
               record(initiative="whole_place", indicator="crime", domain="Community safety", strength=None),
               record(indicator="mystery", domain="Astrology", baseline=None, synthetic=True)]
    path = tmp_path / "map.html"
    path.write_text(index_html(entries, [{"job": "outcome_brief/x/y", "error": "failed"}]), encoding="utf-8")
    found, blocked = _measure_at_375(browser, path)
    assert found == CLEAN and blocked == []
    checked = run_vnu([path])
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr[-4000:]


SECTIONS = ("Key points", "What was done, where and by whom", "What we found", "How secure is this?",
            "Does the answer change?", "Cost and what was claimed", "Technical annex")
# the rating's rule codes ("S6", "P1") and its SMS labels ("SMS 2: ..."); a register's own note may
# name the Maryland SMS in words ("Maryland SMS level 1"), which is not a rule code
RULE_CODE = re.compile(r"\b[SPC][1-6]\b|\bSMS \d:")


def test_every_built_brief_reads_in_order_with_a_short_headline_few_key_points_and_no_codes_before_the_annex(
        demo_reports, pages):
    from bs4 import BeautifulSoup

    problems = {}
    for name in pages[:-1]:
        soup = BeautifulSoup((demo_reports / name).read_text(encoding="utf-8"), "html.parser")
        headings = [h.get_text(" ", strip=True) for h in soup.find_all("h2")]
        order = [headings.index(s) for s in SECTIONS if s in headings]
        headline = soup.h1.get_text(" ", strip=True)
        points = soup.find("section", class_="key-points").find_all("li")
        annex = soup.find("section", class_="annex")
        for later in [annex, *annex.find_all_next()]:
            later.extract() if hasattr(later, "extract") else None
        for hidden in soup.find_all(["svg", "script", "style", "title"]):
            hidden.extract()
        seen = soup.get_text(" ", strip=True)
        wrong = {"order": headings} if order != list(range(len(order))) or len(order) < len(SECTIONS) - 1 else {}
        wrong |= {"headline": headline} if len(headline.split()) > 20 or "%" not in headline else {}
        wrong |= {"key points": len(points)} if not 3 <= len(points) <= 4 else {}
        wrong |= {"code": RULE_CODE.search(seen).group(0)} if RULE_CODE.search(seen) else {}
        if wrong:
            problems[name] = wrong
    assert problems == {}
