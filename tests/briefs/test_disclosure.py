"""Disclosure control of small counts (DOMAIN.md s.7): suppression, secondary suppression, rounding, the scanner."""

from __future__ import annotations

import base64
import html

import numpy as np
import pandas as pd
import pytest

from workbench.briefs import disclosure
from workbench.briefs.disclosure import SYMBOL, DisclosurePolicy, DisclosureSettingError, protect_table
from workbench.briefs.figures import Chart
from workbench.briefs.html import table

POLICY = DisclosurePolicy()   # threshold 10, suppress
SVG = '<svg width="10pt" height="10pt" version="1.1"></svg>'


def _crosstab() -> pd.DataFrame:
    """Two areas by sex with row and column totals; one small cell (3), worked out by hand below."""
    return pd.DataFrame({"Area": ["A", "B", "Total"], "Men (count)": [3, 40, 43], "Women (count)": [20, 30, 50],
                         "Total (count)": [23, 70, 93]})


def _determined(frame: pd.DataFrame, hidden: set, lines: list[list[tuple]]) -> list[tuple]:
    """The hidden cells that the shown cells and the totals pin down exactly (linear algebra over every line).

    Each line (a row or column with its total) is one equation: the sum of its inner cells equals
    its total. A hidden cell is recoverable when its unit vector lies in the row space of the
    equations restricted to the hidden cells.
    """
    unknowns = sorted(hidden)
    position = {cell: i for i, cell in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknowns))
        for cell in line:
            if cell in position:
                row[position[cell]] = 1.0 if cell != line[-1] else -1.0
        if row.any():
            rows.append(row)
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    return [cell for cell in unknowns
            if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(unknowns))[position[cell]]])) == rank]


def test_a_small_count_in_a_row_with_a_total_takes_a_second_cell_with_it():
    frame = pd.DataFrame({"Area": ["A", "B"], "Deaths (count)": [3, 40], "Other (count)": [20, 30],
                          "Total (count)": [23, 70]})
    out = protect_table(frame, ["Deaths (count)", "Other (count)"], total_column="Total (count)", policy=POLICY)
    assert out.suppressed == {(0, "Deaths (count)"), (0, "Other (count)")}
    assert out.frame.loc[0].tolist() == ["A", SYMBOL, SYMBOL, 23]
    assert out.frame.loc[1].tolist() == ["B", 40, 30, 70]          # the other row untouched
    assert frame.loc[0, "Deaths (count)"] == 3                         # the input is not changed
    # 23 minus what is shown leaves the sum of two hidden cells, never one of them
    lines = [[(r, "Deaths (count)"), (r, "Other (count)"), (r, "Total (count)")] for r in frame.index]
    assert _determined(frame, out.suppressed, lines) == []


def test_secondary_suppression_covers_row_and_column_totals():
    frame = _crosstab().set_index(pd.Index(["A", "B", "Total"]))
    inner = ["Men (count)", "Women (count)"]
    out = protect_table(frame, inner, total_column="Total (count)", total_row="Total", policy=POLICY)
    # by hand: A/Men is small; its row takes A/Women (20, smaller than the total 23), its column B/Men
    # (40 < 43); then column Women has one hidden cell and takes B/Women; totals stay shown
    assert out.suppressed == {("A", "Men (count)"), ("A", "Women (count)"), ("B", "Men (count)"),
                              ("B", "Women (count)")}
    assert out.frame.loc["Total"].tolist() == ["Total", 43, 50, 93]
    columns = inner + ["Total (count)"]
    lines = ([[(r, c) for c in columns] for r in ("A", "B", "Total")]
             + [[(r, c) for r in ("A", "B", "Total")] for c in columns])
    assert _determined(frame, out.suppressed, lines) == []
    for line in lines:
        assert sum(cell in out.suppressed for cell in line) != 1, line


def test_a_lone_suppressed_cell_would_have_been_recoverable():
    """The check above is not vacuous: primary suppression alone leaves the 3 recoverable."""
    frame = _crosstab().set_index(pd.Index(["A", "B", "Total"]))
    lines = [[("A", "Men (count)"), ("A", "Women (count)"), ("A", "Total (count)")]]
    assert _determined(frame, {("A", "Men (count)")}, lines) == [("A", "Men (count)")]


def test_zeros_are_shown_unless_asked_and_large_counts_pass():
    frame = pd.DataFrame({"Area": ["A", "B", "C"], "Deaths (count)": [0, 9, 10]})
    shown = protect_table(frame, ["Deaths (count)"], policy=POLICY).frame["Deaths (count)"].tolist()
    assert shown == [0, SYMBOL, 10]
    strict = DisclosurePolicy(suppress_zeros=True)
    assert protect_table(frame, ["Deaths (count)"], policy=strict).frame["Deaths (count)"].tolist() == [SYMBOL, SYMBOL, 10]
    hes = DisclosurePolicy(threshold=8)           # NHS Digital HES: 1-7 suppressed
    assert protect_table(frame, ["Deaths (count)"], policy=hes).frame["Deaths (count)"].tolist() == [0, 9, 10]


def test_round5_suppresses_small_counts_and_rounds_the_rest_and_totals_on_their_own():
    frame = pd.DataFrame({"Area": ["A", "B", "C", "D"], "Deaths (count)": [3, 12, 13, 27],
                          "Total (count)": [103, 112, 113, 128]})
    out = protect_table(frame, ["Deaths (count)"], total_column="Total (count)",
                        policy=DisclosurePolicy(method="round5"))
    assert out.frame["Deaths (count)"].tolist() == [SYMBOL, 10, 15, 25]
    assert out.frame["Total (count)"].tolist() == [105, 110, 115, 130]   # the totals, rounded, not summed
    assert disclosure.round_to(12.5) == 15 and disclosure.round_to(2) == 0 and disclosure.round_to("n/a") == "n/a"


def test_rates_from_suppressed_numerators_are_not_shown():
    frame = pd.DataFrame({"Area": ["A", "B"], "Admissions numerator": [4, 250], "Population": [1000, 50000],
                          "Rate per 1,000": [4.0, 5.0]})
    protected = protect_table(frame, ["Admissions numerator"], policy=POLICY).frame
    out = disclosure.rates_from_suppressed(protected, ["Rate per 1,000"], "Admissions numerator")
    assert out["Rate per 1,000"].tolist() == [SYMBOL, 5.0]
    assert out["Admissions numerator"].tolist() == [SYMBOL, 250]


def test_the_policy_comes_from_the_environment_and_bad_settings_are_named(monkeypatch):
    monkeypatch.delenv(disclosure.THRESHOLD_VARIABLE, raising=False)
    monkeypatch.delenv(disclosure.METHOD_VARIABLE, raising=False)
    assert disclosure.current_policy() == DisclosurePolicy(threshold=10, method="suppress")
    monkeypatch.setenv(disclosure.THRESHOLD_VARIABLE, "8")
    monkeypatch.setenv(disclosure.METHOD_VARIABLE, "round5")
    assert disclosure.current_policy() == DisclosurePolicy(threshold=8, method="round5")
    monkeypatch.setenv(disclosure.THRESHOLD_VARIABLE, "ten")
    with pytest.raises(DisclosureSettingError, match="WORKBENCH_DISCLOSURE_THRESHOLD"):
        disclosure.current_policy()
    with pytest.raises(DisclosureSettingError, match="round5"):
        DisclosurePolicy(method="perturb")


def test_the_rule_sentence_states_the_threshold_the_symbol_and_the_rates_rule():
    sentence = disclosure.rule_sentence(POLICY)
    assert "from 1 to 9" in sentence and SYMBOL in sentence and "worked out from the totals" in sentence
    assert "Rates whose numerator is suppressed are not shown" in sentence
    assert "nearest 5" in disclosure.rule_sentence(DisclosurePolicy(method="round5", threshold=8))
    assert "from 1 to 7" in disclosure.rule_sentence(DisclosurePolicy(method="round5", threshold=8))


def test_count_columns_are_people_counts_and_area_counts_are_not():
    assert disclosure.is_count_column("Emergency admissions (count)")
    assert disclosure.is_count_column("numerator")
    assert not disclosure.is_count_column("Pilot areas (n)")       # authorities, not people
    assert not disclosure.is_count_column("Pilot areas (mean)")


def test_every_table_protects_its_count_columns_and_says_so(monkeypatch):
    monkeypatch.delenv(disclosure.THRESHOLD_VARIABLE, raising=False)
    monkeypatch.delenv(disclosure.METHOD_VARIABLE, raising=False)
    frame = _crosstab()
    markup = table(frame, "Deaths by sex", row_header="Area")
    assert ">3<" not in markup and markup.count(f">{SYMBOL}<") == 4
    assert 'data-sdc="count"' in markup and "confidential: fewer than 10 people" in markup
    monkeypatch.setenv(disclosure.METHOD_VARIABLE, "round5")
    rounded = table(frame, "Deaths by sex", row_header="Area")
    assert ">45<" in rounded and ">95<" in rounded and "rounded to the nearest 5" in rounded   # 43 and 93
    monkeypatch.delenv(disclosure.METHOD_VARIABLE)
    plain = table(pd.DataFrame({"Year": [2010], "Pilot areas (n)": [3]}), "Areas")
    assert ">3<" in plain and "data-sdc" not in plain and "table-note" not in plain


def test_a_chart_csv_protects_its_count_columns(monkeypatch):
    monkeypatch.delenv(disclosure.THRESHOLD_VARIABLE, raising=False)
    data = pd.DataFrame({"Year": [2010, 2011], "Pilot areas (mean)": [1.5, 2.5], "Pilot areas (n)": [3, 3],
                         "Admissions (count)": [4, 120]})
    chart = Chart("t", "s", SVG, "alt", data, "caption", "x.csv")
    assert chart.csv().splitlines()[1:] == ["2010,1.500,3,[c]", "2011,2.500,3,120"]


def _page(csv_text: str, table_markup: str) -> str:
    encoded = base64.b64encode(csv_text.encode()).decode()
    return (f"<!doctype html><html><body>{table_markup}"
            f'<a download="x.csv" href="data:text/csv;base64,{encoded}">CSV</a></body></html>')


def test_the_scanner_finds_a_planted_count_of_3_in_a_table_an_embedded_csv_and_a_csv_file(tmp_path):
    raw = "Year,Admissions (count),Pilot areas (n)\n2010,3,3\n2011,120,3\n"
    planted = ('<table><caption>Admissions</caption><thead><tr><th scope="col">Year</th>'
               '<th scope="col" data-sdc="count">Admissions</th></tr></thead>'
               "<tbody><tr><th scope=\"row\">2010</th><td>3</td></tr><tr><th>2011</th><td>120</td></tr></tbody></table>")
    page = tmp_path / "page.html"
    page.write_text(_page(raw, planted))
    findings = disclosure.scan(page, POLICY)
    assert [(f.where, f.column, f.row, f.value) for f in findings] == [
        ("table 1 (Admissions)", "Admissions", 1, "3"),
        ("embedded CSV 1", "Admissions (count)", 1, "3")]
    headless = tmp_path / "headless.html"   # a table without <thead>: its first row of <th> is the header
    headless.write_text("<table><tr><th>Year</th><th>Deaths (count)</th></tr><tr><td>2010</td><td>7</td></tr></table>")
    assert [(f.column, f.value) for f in disclosure.scan(headless, POLICY)] == [("Deaths (count)", "7")]
    csv_file = tmp_path / "data.csv"
    csv_file.write_text(raw)
    assert [(f.column, f.value) for f in disclosure.scan(csv_file, POLICY)] == [("Admissions (count)", "3")]


def test_the_scanner_passes_what_the_guard_publishes(tmp_path, monkeypatch):
    monkeypatch.delenv(disclosure.THRESHOLD_VARIABLE, raising=False)
    monkeypatch.delenv(disclosure.METHOD_VARIABLE, raising=False)
    data = pd.DataFrame({"Year": [2010, 2011], "Admissions (count)": [3, 120]})
    chart = Chart("t", "s", SVG, "alt", data, "caption", "x.csv")
    page = tmp_path / "page.html"
    page.write_text(f"<html><body>{chart.html()}{table(_crosstab(), 'Deaths', row_header='Area')}</body></html>")
    assert disclosure.scan(page, POLICY) == []
    # and under round5, a count shown unrounded is a finding
    assert [f.value for f in disclosure.scan(page, DisclosurePolicy(method="round5"))] != []


def test_no_built_page_or_csv_publishes_a_small_count(demo_reports):
    """Every built HTML and CSV of the demo, tables and embedded CSVs alike: no unprotected small count."""
    files = sorted(p for p in demo_reports.rglob("*") if p.suffix.lower() in (".html", ".csv"))
    briefs = [p for p in files if p.parent != demo_reports and p.suffix == ".html"]
    assert len(briefs) >= 7, files
    for page in briefs:   # the scan reads something: tables and embedded CSVs are there; the annex states the rule
        text = html.unescape(page.read_text())
        assert "<table" in text and "data:text/csv;base64," in text, page
        assert f"<dt>Disclosure control</dt><dd>{disclosure.rule_sentence()}</dd>" in text, page
    findings = [str(f) for path in files for f in disclosure.scan(path)]
    assert findings == []


def test_a_group_mean_resting_on_few_people_is_hidden_in_drawing_table_and_csv(monkeypatch):
    from workbench.briefs.figures import trend_chart

    monkeypatch.delenv(disclosure.THRESHOLD_VARIABLE, raising=False)
    monkeypatch.delenv(disclosure.METHOD_VARIABLE, raising=False)
    data = pd.DataFrame({"area_code": ["P1", "P1", "P1", "C1", "C1", "C1", "C2", "C2", "C2"],
                         "period": [2008, 2009, 2010] * 3,
                         "numerator": [4, 30, 40, 500, 510, 520, 6, 7, None]})
    bases = disclosure.mean_bases(data, {"pilot": ["P1"], "comparison": ["C1", "C2"]})
    assert bases["pilot"].tolist() == [4, 30, 40]
    assert bases["comparison"].iloc[:2].tolist() == [506, 517] and np.isnan(bases["comparison"].iloc[2])
    plot = pd.DataFrame({"period": [2008, 2009, 2010], "pilot": [1.25, 2.5, 3.75], "comparison": [1.0, 2.0, 3.0],
                         "counterfactual": [1.0, 2.0, 3.0], "n_pilot": 1, "n_comparison": 2})
    chart = trend_chart(plot, title="t", subtitle="s", alt="a", value_label="rate", first_post_period=2010,
                        csv_name="x.csv", synthetic=True, bases=bases)
    assert chart.withheld == ((0, "Pilot areas (mean)"),)
    assert chart.csv().splitlines()[1:3] == ["2008,[c],1.000,,1,2", "2009,2.500,2.000,,1,2"]
    page = chart.html()
    assert ">1.25<" not in page and f">{SYMBOL}<" in page and ">2.50<" in page
    assert "confidential: fewer than 10 people" in page
    plain = trend_chart(plot, title="t", subtitle="s", alt="a", value_label="rate", first_post_period=2010,
                        csv_name="x.csv", synthetic=True)
    assert plain.withheld == () and ">1.25<" in plain.html()
