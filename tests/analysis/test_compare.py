"""analysis.compare: several models side by side, as a DataFrame with HTML, Markdown and LaTeX output."""

from __future__ import annotations

import pytest

from tests.analysis.designs_fitted import fitted_results
from workbench import analysis
from workbench.errors import SpecificationError


@pytest.fixture(scope="module")
def results():
    return fitted_results()


def test_every_design_gets_a_column_with_its_headline_interval_and_counts(results):
    table = analysis.compare(list(results.values()))
    assert list(table.columns) == [f"({i}) {d}" for i, d in enumerate(results, 1)]
    assert list(table.index[:4]) == ["term", "effect", "effect 95% CI", "effect p-value"]
    for column, r in zip(table.columns, results.values()):
        cell = table[column]
        assert cell["term"] == r.main.term and cell["design"] == r.design
        assert cell["effect"] == f"{r.main.estimate:.3g}"
        assert cell["observations"] == f"{r.sample['n_obs']:,}"
    did = table["(1) did"]
    assert did["effect 95% CI"] == f"[{results['did'].main.ci_low:.3g}, {results['did'].main.ci_high:.3g}]"
    assert (did["units"], did["treated units"], did["fixed effects"]) == ("40", "12", "unit, period")
    assert did["inference"] == "wild cluster bootstrap"
    assert table["(4) synthetic_control"]["effect 95% CI"] == ""  # no interval: an empty cell, not "nan"
    assert table["(6) meta_analysis"]["treated units"] == ""


def test_chosen_terms_and_standard_errors_line_up_across_models(results):
    table = analysis.compare([results["did"], results["event_study"]], names=["TWFE", "event study"],
                             terms=["treated", "e=0"], stat="se")
    assert list(table.index[:6]) == ["treated", "treated std. error", "treated p-value",
                                     "e=0", "e=0 std. error", "e=0 p-value"]
    e0 = next(e for e in results["event_study"].estimates if e.term == "e=0")
    assert table.loc["e=0 std. error", "event study"] == f"({e0.std_error:.3g})"
    assert table.loc["e=0", "TWFE"] == "" and table.loc["treated", "event study"] == ""


def test_the_table_exports_to_html_markdown_and_latex(results):
    table = analysis.compare([results["did"], results["staggered_did"]], names=["TWFE", "CS"])
    estimate = f"{results['did'].main.estimate:.3g}"
    assert "<table" in table.to_html() and estimate in table.to_html()
    markdown = table.to_markdown()
    assert markdown.splitlines()[0].startswith("|") and "| TWFE" in markdown and estimate in markdown
    latex = table.to_latex()
    assert "\\begin{tabular}" in latex and estimate in latex


@pytest.mark.parametrize("kwargs, message", [
    (dict(results=[]), "at least one result"),
    (dict(stat="t"), "stat must be 'ci' or 'se'"),
    (dict(names=["a"]), "names must be 2 distinct labels"),
    (dict(names=["a", "a"]), "names must be 2 distinct labels"),
])
def test_bad_requests_are_named_errors(results, kwargs, message):
    args = {"results": [results["did"], results["its"]], **kwargs}
    with pytest.raises(SpecificationError, match=message):
        analysis.compare(args.pop("results"), **args)
