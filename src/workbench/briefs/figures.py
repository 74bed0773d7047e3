"""Accessible charts: SVG in the Analysis Function palette, alt text, data table and CSV.

Colour is never the only cue: the pilot line is solid with circle markers, the comparison line
dashed with square markers, the counterfactual dotted, and each line is labelled directly.
The SVG is deterministic (fixed hash salt, no date), so the same data give the same bytes.

Figures are drawn on an explicit non-interactive canvas (`matplotlib.figure.Figure` on an Agg
canvas, which measures the text for the layout; `savefig(format="svg")` prints it as SVG), never
through pyplot: importing or using this module leaves the matplotlib backend, the open figures and
the inline plots of the process (a Jupyter kernel) untouched.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib
import matplotlib.ticker
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workbench.briefs.html import esc, table

AF_DARK_BLUE, AF_ORANGE, AF_DARK_GREY = "#12436D", "#F46A25", "#3D3D3D"
STYLE = {
    "svg.hashsalt": "workbench",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#D9D9D9",
    "axes.titlelocation": "left",
}


@dataclass(frozen=True)
class Chart:
    """A chart with everything needed to publish it accessibly."""

    title: str
    subtitle: str
    svg: str
    alt: str
    data: pd.DataFrame
    caption: str
    csv_name: str

    def csv(self) -> str:
        """The chart's data as CSV text."""
        return self.data.to_csv(index=False, lineterminator="\n", float_format="%.3f")

    def html(self) -> str:
        """<figure> with the SVG (alt text), caption, data table and a CSV download link."""
        svg64 = base64.b64encode(self.svg.encode()).decode()
        csv64 = base64.b64encode(self.csv().encode()).decode()
        return (
            f'<figure class="chart"><figcaption><span class="chart-title">{esc(self.title)}</span>'
            f'<span class="chart-subtitle">{esc(self.subtitle)}</span></figcaption>'
            f'<img src="data:image/svg+xml;base64,{svg64}" alt="{esc(self.alt)}" width="720" height="405">'
            f"</figure>"
            f'<details class="chart-data" open><summary>Data for this chart</summary>'
            f"{table(self.data, self.caption, formats=_formats(self.data), row_header=self.data.columns[0])}"
            f'<p><a download="{esc(self.csv_name)}" href="data:text/csv;base64,{csv64}">'
            f"Download the data for this chart (CSV, {len(self.csv().encode()) / 1024:.1f} KB)</a></p></details>"
        )

    def _repr_html_(self) -> str:
        return self.html()


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: ".2f" for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}


def trend_chart(plot: pd.DataFrame, *, title: str, subtitle: str, alt: str, value_label: str,
                first_post_period: int, csv_name: str, synthetic: bool,
                comparison_label: str = "Comparison areas") -> Chart:
    """Pilot against comparison means per period, with the parallel-trends counterfactual."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8, 4.5), dpi=90)
        FigureCanvasAgg(fig)  # layout measured as before; savefig(format="svg") prints with the SVG backend
        ax = fig.subplots()
        post = plot["period"] >= first_post_period
        ax.plot(plot["period"], plot["comparison"], color=AF_ORANGE, linestyle="--", marker="s",
                markersize=4, linewidth=2, label=comparison_label)
        ax.plot(plot["period"], plot["pilot"], color=AF_DARK_BLUE, linestyle="-", marker="o",
                markersize=4, linewidth=2, label="Pilot areas")
        ax.plot(plot.loc[post, "period"], plot.loc[post, "counterfactual"], color=AF_DARK_GREY,
                linestyle=":", linewidth=2, label="Pilot areas if they had followed the comparison trend")
        ax.axvline(first_post_period - 0.5, color=AF_DARK_GREY, linewidth=1)
        ax.annotate("Initiative begins", (first_post_period - 0.4, 1.0), xycoords=("data", "axes fraction"),
                    va="top", fontsize=10, color=AF_DARK_GREY)
        ax.set_ylabel(value_label)
        ax.set_xlabel("Financial year starting")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False, fontsize=9)
        if synthetic:
            fig.text(0.99, 0.01, "SYNTHETIC DATA", ha="right", va="bottom", fontsize=9, color=AF_DARK_GREY)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "workbench"})
    data = plot[["period", "pilot", "comparison", "counterfactual", "n_pilot", "n_comparison"]].copy()
    data.loc[data["period"] < first_post_period, "counterfactual"] = float("nan")
    data.columns = ["Year", "Pilot areas (mean)", f"{comparison_label} (mean)",
                    "Pilot areas if following comparison trend", "Pilot areas (n)", "Comparison areas (n)"]
    caption = f"{title}: {subtitle}"
    return Chart(title, subtitle, _strip_svg_header(buffer.getvalue()), alt, data, caption, csv_name)


def _strip_svg_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
