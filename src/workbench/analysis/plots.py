"""Plots of results, one per design, drawn from the result's own `plot_data()`.

    from workbench import analysis
    ax = analysis.plot(result)          # a new figure in the notebook
    analysis.plot(result, ax=my_axes)   # or onto axes of your own

- did: pilot and comparison means per period, and the pilots' parallel-trends counterfactual;
- event_study, staggered_did: effects by period relative to the start, with their intervals
  (and the uniform band for Callaway-Sant'Anna);
- synthetic_control: the gap between each treated unit and its synthetic control, over the gaps
  of the placebos (donors refitted as if treated);
- its: the observed series, the fitted segmented trend and the counterfactual trend;
- meta_analysis: a forest plot, each study and the pooled effect with its prediction interval.

The colours and line styles are those of the briefs' charts (Analysis Function palette; colour is
never the only cue). pyplot is imported only when no `ax` is given, and then only to create the
figure, so importing the package leaves the plotting state of the process alone. New designs add
their plot with `register_plot(design, plotter)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from workbench.analysis.results import Result
from workbench.errors import SpecificationError

AF_DARK_BLUE, AF_ORANGE, AF_DARK_GREY, AF_LIGHT_GREY = "#12436D", "#F46A25", "#3D3D3D", "#BFBFBF"
Plotter = Callable[[Result, object], None]
_PLOTTERS: dict[str, Plotter] = {}


def register_plot(design: str, plotter: Plotter) -> Plotter:
    """Register `plotter(result, ax)` as the plot of `design` (replacing any earlier one)."""
    _PLOTTERS[design] = plotter
    return plotter


def plot(result: Result, ax=None):
    """Draw `result`'s chart on `ax` (a new 8 x 4.5 inch figure when None) and return the Axes."""
    try:
        plotter = _PLOTTERS[result.design]
    except KeyError:
        raise SpecificationError(f"no plot for design '{result.design}'; plots exist for: "
                                 f"{', '.join(sorted(_PLOTTERS))}") from None
    if ax is None:
        import matplotlib.pyplot as plt  # only now: the user asked for a figure in their session

        _, ax = plt.subplots(figsize=(8, 4.5))
    plotter(result, ax)
    _style(ax)
    return ax


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#D9D9D9")
    ax.set_axisbelow(True)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=9)


def _title(ax, result: Result) -> None:
    e, level = result.main, round(result.confidence * 100)
    interval = "" if np.isnan(e.ci_low) else f" ({level}% CI {e.ci_low:.3g} to {e.ci_high:.3g})"
    ax.set_title(f"{result.design}: {e.term} = {e.estimate:.3g}{interval}", loc="left", fontsize=11)


def _start_line(ax, x) -> None:
    ax.axvline(x, color=AF_DARK_GREY, linewidth=1)


def _did(result: Result, ax) -> None:
    frame = result.plot_data()
    post = frame["post"].to_numpy(bool)
    ax.plot(frame["period"], frame["comparison"], color=AF_ORANGE, linestyle="--", marker="s", markersize=4,
            label="Comparison units (mean)")
    ax.plot(frame["period"], frame["pilot"], color=AF_DARK_BLUE, linestyle="-", marker="o", markersize=4,
            label="Treated units (mean)")
    ax.plot(frame.loc[post, "period"], frame.loc[post, "counterfactual"], color=AF_DARK_GREY, linestyle=":",
            label="Treated units if they had followed the comparison trend")
    _start_line(ax, float(frame.loc[post, "period"].min()) - 0.5)
    ax.set(xlabel=result.spec.get("time", "period"), ylabel=result.spec.get("outcome", "outcome"))
    _title(ax, result)


def _effects(result: Result, ax, estimate: str = "estimate") -> None:
    frame = result.plot_data()
    x, y = frame["event_time"].to_numpy(float), frame[estimate].to_numpy(float)
    if "band_low" in frame and frame["band_low"].notna().any():
        ax.fill_between(x, frame["band_low"], frame["band_high"], color=AF_LIGHT_GREY, alpha=0.5,
                        label="Uniform band")
    ax.errorbar(x, y, yerr=[y - frame["ci_low"].to_numpy(float), frame["ci_high"].to_numpy(float) - y],
                fmt="o", color=AF_DARK_BLUE, ecolor=AF_DARK_GREY, capsize=3,
                label=f"Effect ({round(result.confidence * 100)}% CI)")
    ax.axhline(0, color=AF_DARK_GREY, linewidth=1)
    _start_line(ax, -0.5)
    ax.set(xlabel="Periods since the start", ylabel=f"Effect on {result.spec.get('outcome', 'the outcome')}")
    _title(ax, result)


def _synthetic_control(result: Result, ax) -> None:
    frame = result.plot_data()
    for i, (_, placebo) in enumerate(frame[frame["series"] == "placebo"].groupby("unit", sort=False)):
        ax.plot(placebo["period"], placebo["gap"], color=AF_LIGHT_GREY, linewidth=1,
                label="Placebos (donors refitted as if treated)" if i == 0 else None)
    headline = "average" if (frame["series"] == "average").any() else "treated"
    for unit, own in frame[frame["series"] == headline].groupby("unit", sort=False):
        ax.plot(own["period"], own["gap"], color=AF_DARK_BLUE, linewidth=2, marker="o", markersize=3,
                label=f"{unit} minus its synthetic control")
    ax.axhline(0, color=AF_DARK_GREY, linewidth=1)
    _start_line(ax, float(frame.loc[frame["post"], "period"].min()) - 0.5)
    ax.set(xlabel=result.spec.get("time", "period"), ylabel=f"Gap in {result.spec.get('outcome', 'outcome')}")
    _title(ax, result)


def _its(result: Result, ax) -> None:
    frame = result.plot_data()
    post = frame["post"].to_numpy(bool)
    ax.plot(frame["period"], frame["observed"], color=AF_DARK_BLUE, linestyle="none", marker="o", markersize=4,
            label="Observed")
    for part in (~post, post):
        ax.plot(frame.loc[part, "period"], frame.loc[part, "fitted"], color=AF_DARK_BLUE, linewidth=2,
                label="Segmented trend" if part is post else None)
    ax.plot(frame.loc[post, "period"], frame.loc[post, "counterfactual"], color=AF_DARK_GREY, linestyle=":",
            label="The pre-period trend continued")
    _start_line(ax, float(frame.loc[post, "period"].min()) - 0.5)
    ax.set(xlabel=result.spec.get("time", "period"), ylabel=result.spec.get("outcome", "outcome"))
    _title(ax, result)


def _forest(result: Result, ax) -> None:
    frame = result.plot_data().reset_index(drop=True)
    y = np.arange(len(frame))[::-1].astype(float)
    studies = frame["kind"] == "study"
    est = frame["estimate"].to_numpy(float)
    ax.errorbar(est[studies], y[studies], xerr=[(est - frame["ci_low"])[studies], (frame["ci_high"] - est)[studies]],
                fmt="s", color=AF_DARK_BLUE, ecolor=AF_DARK_GREY, capsize=3, label="Studies")
    for i in np.flatnonzero(~studies):
        row = frame.iloc[i]
        if np.isfinite(row["pi_low"]):
            ax.hlines(y[i], row["pi_low"], row["pi_high"], color=AF_ORANGE, linestyle="--",
                      label="Prediction interval")
        ax.fill([row["ci_low"], row["estimate"], row["ci_high"], row["estimate"]],
                [y[i], y[i] + 0.3, y[i], y[i] - 0.3], color=AF_ORANGE, label="Pooled (CI)")
    ax.axvline(0, color=AF_DARK_GREY, linewidth=1)
    ax.set_yticks(y, frame["label"].astype(str))
    ax.set(xlabel="Estimate", ylabel="")
    _title(ax, result)


register_plot("did", _did)
register_plot("event_study", _effects)
register_plot("staggered_did", lambda result, ax: _effects(result, ax, estimate="att"))
register_plot("synthetic_control", _synthetic_control)
register_plot("its", _its)
register_plot("meta_analysis", _forest)
