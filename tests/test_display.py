"""Panels, registers and briefs show what they are in a notebook: a line of text and a small table."""

from __future__ import annotations

import pytest

from workbench import analysis, briefs, evidence


@pytest.fixture(scope="module")
def panel():
    return evidence.outcome_panel("total_place", "emergency_admissions")


def test_a_panel_prints_its_sizes_and_says_synthetic_instead_of_dumping_its_rows(panel):
    text = repr(panel)
    assert text.count("\n") == 0 and len(text) < 200
    assert "152 (31 pilot) areas" in text and "SYNTHETIC" in text and "E08000025" not in text
    table = panel._repr_html_()
    assert table.count("<table") == 1 and len(table) < 1500 and "SYNTHETIC" in table


def test_an_initiative_prints_its_pilots_count_and_shows_them_in_a_table():
    ini = evidence.initiatives()["total_place"]
    assert repr(ini) == ("<Initiative total_place 'Total Place': 13 pilots, 31 member areas, 2009-2010, "
                         "first post period 2010>")
    assert ini._repr_html_().count('<th scope="row">') == 13


def test_a_brief_prints_its_headline_and_rating_in_one_line(panel):
    result = analysis.fit("did", panel.data, outcome="value", unit="area_code", time="period",
                          treatment="treated", draws=99)
    brief = briefs.OutcomeBrief.build(panel, result)
    text = repr(brief)
    assert text.count("\n") == 0 and len(text) < 250
    assert text.startswith("<OutcomeBrief total_place x emergency_admissions: [SYNTHETIC DATA]")
    assert f"strength {brief.rating.strength} of 5" in text


def test_hostile_text_is_escaped_in_the_tables():
    from workbench.display import key_value_table

    out = key_value_table("<script>alert(1)</script>", [("a & b", "<img src=x>")])
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;img src=x&gt;" in out
