"""analysis.plot draws every design's chart from its own plot data, on given axes or a new figure."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tests.analysis.designs_fitted import fitted_results
from workbench import analysis
from workbench.analysis.results import Estimate, Result
from workbench.errors import SpecificationError


@pytest.fixture(scope="module")
def results():
    return fitted_results()


def _axes() -> Axes:
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig.subplots()


def _line(ax: Axes, label: str):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def test_every_registered_design_has_a_plot(results):
    assert set(results) == set(analysis.designs()["design"])
    for design, result in results.items():
        ax = _axes()
        assert analysis.plot(result, ax=ax) is ax, design
        assert ax.get_title(loc="left").startswith(f"{design}: {result.main.term} = "), design


def test_did_draws_both_group_means_and_the_counterfactual_after_the_start(results):
    r = results["did"]
    ax = analysis.plot(r, ax=_axes())
    frame = r.plot_data()
    np.testing.assert_allclose(_line(ax, "Treated units (mean)").get_ydata(), frame["pilot"])
    np.testing.assert_allclose(_line(ax, "Comparison units (mean)").get_ydata(), frame["comparison"])
    counterfactual = _line(ax, "Treated units if they had followed the comparison trend")
    assert list(counterfactual.get_xdata()) == list(range(2005, 2010))


@pytest.mark.parametrize("design, column", [("event_study", "estimate"), ("staggered_did", "att")])
def test_yearly_effects_are_drawn_with_their_intervals(results, design, column):
    r = results[design]
    ax = analysis.plot(r, ax=_axes())
    frame = r.plot_data()
    points = ax.containers[0]  # the errorbar container: points, caps, bars
    np.testing.assert_allclose(points.lines[0].get_ydata(), frame[column])
    segments = points.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], frame["ci_low"])
    np.testing.assert_allclose([s[1][1] for s in segments], frame["ci_high"])


def test_synthetic_control_draws_the_gap_over_every_placebo(results):
    r = results["synthetic_control"]
    ax = analysis.plot(r, ax=_axes())
    frame = r.plot_data()
    own = frame[frame["series"] == "treated"]
    np.testing.assert_allclose(_line(ax, "u000 minus its synthetic control").get_ydata(), own["gap"])
    grey = [line for line in ax.get_lines() if line.get_color() == "#BFBFBF"]
    assert len(grey) == r.diagnostics["n_placebos"] == 28


def test_meta_analysis_forest_has_a_row_per_study_and_the_pooled_row(results):
    r = results["meta_analysis"]
    ax = analysis.plot(r, ax=_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C", "D", "pooled"]


def test_its_draws_the_observations_and_the_continued_pre_period_trend(results):
    r = results["its"]
    ax = analysis.plot(r, ax=_axes())
    np.testing.assert_allclose(_line(ax, "Observed").get_ydata(), r.plot_data()["observed"])
    assert list(_line(ax, "The pre-period trend continued").get_xdata()) == list(range(2005, 2010))


def test_without_axes_a_new_figure_is_made_in_the_session(results):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    ax = analysis.plot(results["did"])
    try:
        assert isinstance(ax, Axes) and plt.get_fignums() == before + [ax.figure.number]
        assert matplotlib.get_backend()  # the session's own backend, whatever it is
    finally:
        plt.close(ax.figure)


def test_a_design_without_a_plot_is_a_named_error():
    r = Result("made_up", "m", (Estimate("x", 1.0, 0.1, 0.8, 1.2, 0.01),), {}, {})
    with pytest.raises(SpecificationError, match="no plot for design 'made_up'; plots exist for: did,"):
        analysis.plot(r)
