"""Every registered design prints and shows itself as a few rounded numbers, never its data frames."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from tests.analysis.test_registry import CALLS, _data
from workbench import analysis
from workbench.analysis.results import Estimate, Result

META_SPEC = dict(estimate="estimate", std_error="std_error", label="label")  # as test_registry fits it
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture(scope="module", params=sorted(analysis.designs()["design"]))
def fitted(request) -> Result:
    design = request.param
    data = _data(design)
    return analysis.fit(design, data, **(CALLS[design](data) if design in CALLS else META_SPEC))


def _most_significant_digits(text: str) -> int:
    """The most significant digits of any number written in `text` (0.09364 has 4, 1.0975070378 has 11)."""
    return max((len(n.replace(".", "").lstrip("0")) for n in NUMBER.findall(text)), default=0)


def _frame_fields(result: Result) -> list[str]:
    """Names of the result's fields that hold tables (frames, series, or dicts of frames)."""
    tables = (pd.DataFrame, pd.Series)
    return [f.name for f in dataclasses.fields(result)
            if isinstance(getattr(result, f.name), tables)
            or (isinstance(getattr(result, f.name), dict)
                and any(isinstance(v, tables) for v in getattr(result, f.name).values()))]


def test_repr_is_a_few_rounded_lines_with_no_tables(fitted):
    text = repr(fitted)
    assert type(fitted).__repr__ is Result.__repr__  # a dataclass subclass needs repr=False
    assert len(text.splitlines()) <= 5 and len(text) < 400
    assert fitted.design in text and f"{fitted.main.estimate:.4g}" in text
    assert "unit" in text and _most_significant_digits(text) <= 4
    assert _frame_fields(fitted)  # plot_frame at least, so the next line checks something
    assert not any(f"{name}=" in text for name in _frame_fields(fitted))
    assert "std_error" not in text and "DataFrame" not in text


def test_html_is_one_small_table_of_rounded_numbers(fitted):
    page = fitted._repr_html_()
    assert page.count("<table") == 1 and page.count("</table>") == 1 and "<caption>" in page
    assert len(page) < 4000 and "<style" not in page
    assert f"<td>{fitted.main.estimate:.4g}</td>" in page and _most_significant_digits(page) <= 4


def _result(term: str, **sample) -> Result:
    return Result(design="did", method="hand-made", estimates=(Estimate(term, 1.0, 0.1, 0.8, 1.2, 0.01),),
                  spec={}, sample=sample)


def test_html_escapes_a_hostile_term_name():
    page = _result("<script>alert(1)</script>", n_units=3, n_treated_units=1)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_repr_and_html_leave_out_missing_numbers():
    r = dataclasses.replace(_result("u1", n_units=25, n_treated_units=float("nan")),
                            estimates=(Estimate("u1", 1.6, float("nan"), float("nan"), float("nan"), 0.08),))
    assert repr(r) == "<Result did: u1 = 1.6, p = 0.08\n 25 units; 1 term in tidy(), details in summary()>"
    assert "<td>n/a</td>" in r._repr_html_() and "nan" not in r._repr_html_()


def test_digit_count_sees_long_numbers():
    assert _most_significant_digits("p = 0.09364, n = 30") == 4
    assert _most_significant_digits("{'pre_rmspe': 1.0975070378244567}") == 17


def test_summary_rounds_numbers_inside_lists():
    r = dataclasses.replace(_result("treated"), diagnostics={"cluster_ci": [np.float64(-4.808968775544333), 3.5]})
    assert "cluster ci: [-4.809, 3.5]" in r.summary()


def test_tidy_has_the_sample_sizes_and_a_short_method_label_for_every_design():
    from tests.analysis.designs_fitted import fitted_results
    from workbench.analysis import TIDY_COLUMNS

    expected_labels = {"did": "did, wild bootstrap", "event_study": "event study",
                       "staggered_did": "staggered did, never treated, simple",
                       "synthetic_control": "synthetic control, plain", "its": "its",
                       "meta_analysis": "meta analysis, reml"}
    for design, r in fitted_results().items():
        table = r.tidy()
        assert list(table.columns) == TIDY_COLUMNS
        assert set(table["method"]) == {expected_labels[design]}
        assert table["n_obs"].iloc[0] == r.sample["n_obs"] and table["n_units"].iloc[0] == r.sample["n_units"]
        treated = r.sample.get("n_treated_units")
        assert (pd.isna(table["n_treated"].iloc[0]) if treated is None or treated != treated
                else table["n_treated"].iloc[0] == treated)


def test_every_result_plots_itself_on_the_axes_it_is_given():
    from matplotlib.figure import Figure

    from tests.analysis.designs_fitted import fitted_results

    for design, r in fitted_results().items():
        ax = Figure().subplots()
        assert r.plot(ax=ax) is ax, design
        assert ax.has_data(), design
