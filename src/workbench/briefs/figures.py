"""Accessible charts: SVG in the Analysis Function palette, alt text, data table and CSV.

Colour is never the only cue: the pilot line is solid with circle markers, the comparison line
dashed with square markers, the counterfactual dotted, and each line is labelled directly at its
end (no legend). Each chart is drawn twice, wide and narrow (for phones), with text of at least
12 px as shown; the page switches between them with a CSS media query and inlines the SVG, so the
brief stays one file. The SVG is deterministic (fixed hash salt, no date): the same data give the
same bytes.

Figures are drawn on an explicit non-interactive canvas (`matplotlib.figure.Figure` on an Agg
canvas, which measures the text for the layout; `savefig(format="svg")` prints it as SVG), never
through pyplot: importing or using this module leaves the matplotlib backend, the open figures and
the inline plots of the process (a Jupyter kernel) untouched.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

import matplotlib
import matplotlib.ticker
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from workbench.briefs.disclosure import SYMBOL, footnote, guard, hide_small_base_means
from workbench.briefs.html import esc, table

AF_DARK_BLUE, AF_ORANGE, AF_DARK_GREY = "#12436D", "#F46A25", "#3D3D3D"
AF_LIGHT_BLUE = "#6BACE6"   # the AF sequential palette's lightest blue: interval bands
INK = "#0B0C0C"
FONT_STACK = "Arial, 'Helvetica Neue', Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
STYLE = {
    "svg.hashsalt": "workbench",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#D9D9D9",
    "axes.titlelocation": "left",
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "axes.labelsize": 14,
}


@dataclass(frozen=True)
class Layout:
    """One drawing of a chart: its size in CSS px (1 SVG unit = 1 px at natural size) and its margins.

    Fonts are in px at the natural size; the page never shows an SVG above its natural width, and
    shows each layout only where its width fits (CSS media query), so its text is never drawn
    much smaller than its natural size: at least 12 px on a 375 px wide phone, where the narrow
    drawing is shown at 98% of its natural width.
    """

    name: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    label_font: int
    y_label: bool
    max_ticks: int


WIDE = Layout("wide", 720, 400, 70, 190, 40, 60, 14, 14, True, 10)
NARROW = Layout("narrow", 350, 340, 48, 124, 50, 58, 14, 13, False, 5)


@dataclass(frozen=True)
class Chart:
    """A chart with everything needed to publish it accessibly.

    `svg` is the wide drawing (screens at least 48em wide, and print); `svg_narrow` the phone
    drawing, with the same direct labels and larger text relative to its size.
    """

    title: str
    subtitle: str
    svg: str
    alt: str
    data: pd.DataFrame
    caption: str
    csv_name: str
    svg_narrow: str = ""
    withheld: tuple[tuple[int, str], ...] = ()   # (row position, column) cells withheld by disclosure control

    def csv(self) -> str:
        """The chart's data as CSV text, counts of people protected (`disclosure.guard`) as in the table."""
        frame = guard(self.data).frame
        if self.withheld:
            frame = frame.copy()
            for column in frame.columns:
                if pd.api.types.is_float_dtype(frame[column]):
                    frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
            frame = _withhold(frame, self.withheld)
        return frame.to_csv(index=False, lineterminator="\n", float_format="%.3f")

    def published(self) -> pd.DataFrame:
        """The data as the page shows it: withheld cells (means resting on few people) marked with the symbol."""
        return _withhold(self.data, self.withheld) if self.withheld else self.data

    def html(self) -> str:
        """<figure> with the inline SVGs (one accessible name), then the data table and a CSV download link.

        The table and the link follow the chart in a <details> element: one click away on screen, in
        the page for screen readers' element lists once opened, and left out of print (the printed
        brief keeps to four A4 pages; the chart's alt text gives its gist and the CSV its numbers).
        """
        csv64 = base64.b64encode(self.csv().encode()).decode()
        graphics = _inline(self.svg, self.alt, "chart-wide", self.csv_name)
        if self.svg_narrow:
            graphics = _inline(self.svg_narrow, self.alt, "chart-narrow", self.csv_name) + graphics
        return (
            f'<figure class="chart"><figcaption><span class="chart-title">{esc(self.title)}</span>'
            f'<span class="chart-subtitle">{esc(self.subtitle)}</span></figcaption>'
            f"{graphics}</figure>"
            f'<details class="chart-data"><summary>Data for this chart: table and CSV</summary>'
            f"{table(self.published(), self.caption, formats=_formats(self.data), row_header=self.data.columns[0])}"
            + (f'<p class="table-note">{esc(footnote())}</p>' if self.withheld else "") +
            f'<p><a download="{esc(self.csv_name)}" href="data:text/csv;base64,{csv64}">'
            f"Download the data for this chart (CSV, {len(self.csv().encode()) / 1024:.1f} KB)</a></p></details>"
        )

    def _repr_html_(self) -> str:
        return self.html()


def _withhold(frame: pd.DataFrame, cells) -> pd.DataFrame:
    out = frame.copy()
    for row, column in cells:
        out[column] = out[column].astype(object)
        out.iloc[row, out.columns.get_loc(column)] = SYMBOL
    return out


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: ".2f" for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}


def trend_chart(plot: pd.DataFrame, *, title: str, subtitle: str, alt: str, value_label: str,
                first_post_period: int, csv_name: str, synthetic: bool,
                comparison_label: str = "Comparison areas", time_label: str = "Financial year starting",
                period_labels: dict | None = None, bases: pd.DataFrame | None = None,
                counterfactual_label: str = "Pilot areas if they had followed the comparison trend") -> Chart:
    """Pilot against comparison means per period, with the parallel-trends counterfactual.

    `bases` (from `disclosure.mean_bases`: per period, the people in each group's numerators) hides a
    group's mean wherever it rests on a small count, in the drawing, the table and the CSV alike.

    `period_labels` maps a period to how its publisher writes it (``2010/11``, ``2007-09``) for the
    data table; the chart's axis shows the year each period starts.

    Drawn twice, wide and narrow; each line is labelled directly at its end (no legend) and has its
    own line style and marker, so colour is never the only cue. A series with no values (an
    interrupted time series has no comparison group; a synthetic control's counterfactual is its comparison
    line) is neither drawn nor tabulated.
    """
    if bases is not None:
        shown = hide_small_base_means(plot, bases)
        withheld = tuple((i, column) for column in ("pilot", "comparison")
                         for i in range(len(plot)) if pd.isna(shown[column].iloc[i]) and pd.notna(plot[column].iloc[i]))
        plot = shown
    else:
        withheld = ()
    post = plot["period"] >= first_post_period
    has_comparison = plot["comparison"].notna().any()
    same = not plot["counterfactual"].notna().any()     # no path of its own (a synthetic control is its comparison)
    series = [(plot["period"], plot["pilot"], dict(color=AF_DARK_BLUE, linestyle="-", marker="o"), "Pilot areas")]
    if has_comparison:
        series.append((plot["period"], plot["comparison"], dict(color=AF_ORANGE, linestyle="--", marker="s"),
                       comparison_label))
    if not same:
        series.append((plot.loc[post, "period"], plot.loc[post, "counterfactual"],
                       dict(color=AF_DARK_GREY, linestyle=":"), counterfactual_label))
    drawings = [_draw(layout, series, value_label=value_label, first_post_period=first_post_period,
                      synthetic=synthetic, time_label=time_label) for layout in (WIDE, NARROW)]
    columns = ["period", "pilot"] + (["comparison"] if has_comparison else []) + ([] if same else ["counterfactual"])
    columns += ["n_pilot"] + (["n_comparison"] if has_comparison else [])
    data = plot[columns].copy()
    if not same:
        data.loc[data["period"] < first_post_period, "counterfactual"] = float("nan")
    if period_labels:
        data["period"] = data["period"].map(lambda p: period_labels.get(p, p))
    # "(n)" columns count authorities, not people: not about individuals, so not disclosure-controlled
    # (a person count would be headed "(count)" and protected by `disclosure.guard`).
    headers = {"period": "Year" if not period_labels else "Period", "pilot": "Pilot areas (mean)",
               "comparison": f"{comparison_label} (mean)", "counterfactual": counterfactual_label,
               "n_pilot": "Pilot areas (n)", "n_comparison": "Comparison areas (n)"}
    data.columns = [headers[c] for c in columns]
    caption = f"{title}: {subtitle}"
    withheld = tuple((i, headers[column]) for i, column in withheld)
    return Chart(title, subtitle, drawings[0], alt, data, caption, csv_name, svg_narrow=drawings[1], withheld=withheld)


def gap_chart(effects: pd.DataFrame, *, title: str, subtitle: str, alt: str, value_label: str,
              first_post_period: int, csv_name: str, synthetic: bool, confidence: float = 0.95,
              time_label: str = "Financial year starting", period_labels: dict | None = None) -> Chart:
    """The yearly gap between pilot and comparison areas, with its confidence band, and a zero line.

    `effects` has one row per year: `period`, `estimate`, `ci_low`, `ci_high` (an event study's
    yearly effects, say). Drawn wide and narrow like `trend_chart`, every element labelled directly.
    """
    frame = effects.sort_values("period")
    level = round(confidence * 100)
    series = [
        (frame["period"], frame["period"] * 0.0, {"color": AF_DARK_GREY, "linewidth": 1.2}, "No difference"),
        (frame["period"], frame["estimate"], {"color": AF_DARK_BLUE, "linestyle": "-", "marker": "o"},
         "Gap: pilot minus comparison"),
    ]
    bands = [(frame["period"], frame["ci_low"], frame["ci_high"], f"{level}% confidence interval")]
    drawings = [_draw(layout, series, value_label=value_label, first_post_period=first_post_period,
                      synthetic=synthetic, bands=bands, time_label=time_label) for layout in (WIDE, NARROW)]
    data = frame[["period", "estimate", "ci_low", "ci_high"]].copy()
    if period_labels:
        data["period"] = data["period"].map(lambda p: period_labels.get(p, p))
    data.columns = ["Year" if not period_labels else "Period", "Gap (pilot minus comparison)", f"{level}% CI low",
                    f"{level}% CI high"]
    return Chart(title, subtitle, drawings[0], alt, data, f"{title}: {subtitle}", csv_name, svg_narrow=drawings[1])


def _draw(layout: Layout, series, *, value_label: str, first_post_period: int, synthetic: bool,
          bands=(), time_label: str = "Financial year starting") -> str:
    """One layout of a chart over the years as SVG text (deterministic: fixed hash salt, no date).

    `series` are (x, y, line style, label) lines; `bands` (x, low, high, label) shaded intervals.
    Every line and band is labelled directly at its right end.
    """
    w, h = layout.width, layout.height
    with matplotlib.rc_context({**STYLE, "font.size": layout.font}):
        fig = Figure(figsize=(w / 72, h / 72), dpi=72)   # 1 point = 1 SVG unit = 1 CSS px at natural size
        FigureCanvasAgg(fig)  # text measured by Agg; savefig(format="svg") prints with the SVG backend
        ax = fig.add_axes((layout.left / w, layout.bottom / h, (w - layout.left - layout.right) / w,
                           (h - layout.top - layout.bottom) / h))
        labelled = list(series)
        for x, low, high, label in bands:
            ax.fill_between(x, low, high, color=AF_LIGHT_BLUE, alpha=0.45, linewidth=0)
            labelled.append((x, high, {"color": AF_LIGHT_BLUE, "alpha": 0.45, "linewidth": 10,
                                       "solid_capstyle": "butt"}, label))
        for x, y, style, _ in series:
            ax.plot(x, y, **{"linewidth": 2.5, "markersize": 6, **style})
        ax.axvline(first_post_period - 0.5, color=AF_DARK_GREY, linewidth=1)
        x_min, x_max = float(series[0][0].min()), float(series[0][0].max())
        start = first_post_period - 0.5
        after = start - x_min < (x_max - x_min) / 2           # more room after the start than before it
        ax.annotate("Initiative\nbegins" if layout.name == "narrow" else "Initiative begins", (start, 1.0),
                    xytext=(6 if after else -6, 4), textcoords="offset points", xycoords=("data", "axes fraction"),
                    va="bottom", ha="left" if after else "right", fontsize=layout.font, color=INK,
                    linespacing=1.1, annotation_clip=False)
        if layout.y_label:
            ax.set_ylabel(value_label)
        ax.set_xlabel(time_label)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=layout.max_ticks, integer=True))
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5 if layout.y_label else 4))
        ax.tick_params(colors=INK, labelcolor=INK)
        _direct_labels(fig, ax, layout, labelled)
        if synthetic:
            fig.text(1 - 4 / w, 4 / h, "SYNTHETIC DATA", ha="right", va="bottom", fontsize=layout.font,
                     color=INK, fontweight="bold")
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "workbench"})
    return _strip_svg_header(buffer.getvalue())


def _direct_labels(fig: Figure, ax, layout: Layout, series) -> None:
    """Label each line at its last point, in the right margin: a sample of its style, then its name.

    Labels are spread vertically so that they never overlap, and kept inside the figure.
    """
    ax.margins(x=0.03)
    ax.autoscale_view()
    line_height = layout.label_font * 1.2
    wanted = []
    for x, y, style, label in series:
        lines = _wrap(fig, label, layout.right - 36, layout.label_font)
        shown = y.notna().to_numpy()        # a mean hidden by disclosure control is a gap: label the last shown
        last = (float(x[shown].iloc[-1]), float(y[shown].iloc[-1])) if shown.any() else (float(x.iloc[-1]), 0.0)
        end = ax.transData.transform(last)[1]
        wanted.append([end, len(lines) * line_height, "\n".join(lines), style])
    wanted.sort(key=lambda item: -item[0])
    top_limit, bottom_limit = layout.height - 4, 4
    for i, item in enumerate(wanted):   # push down below the one above
        if i:
            above = wanted[i - 1]
            item[0] = min(item[0], above[0] - (above[1] + item[1]) / 2 - 6)
        item[0] = min(item[0], top_limit - item[1] / 2)
    overflow = bottom_limit - (wanted[-1][0] - wanted[-1][1] / 2)
    if overflow > 0:
        for item in wanted:
            item[0] += overflow
    x0 = (layout.width - layout.right + 8) / layout.width
    for centre, _, text, style in wanted:
        y = centre / layout.height
        fig.add_artist(Line2D([x0, x0 + 20 / layout.width], [y, y], transform=fig.transFigure,
                              **{"linewidth": 2.5, "markersize": 6, "markevery": [1], **style}))
        fig.text(x0 + 25 / layout.width, y, text, va="center", ha="left", fontsize=layout.label_font, color=INK,
                 linespacing=1.1)


def _wrap(fig: Figure, text: str, width: float, size: float) -> list[str]:
    """Greedy line breaks so that each line, as measured in the chart's font, fits in `width` px.

    A word longer than a line is cut by characters, so no label runs out of the drawing. The page
    font (Arial or Liberation Sans) is no wider than the measuring font (DejaVu Sans).
    """
    renderer, font = fig.canvas.get_renderer(), FontProperties(size=size)

    def fits(line: str) -> bool:
        return renderer.get_text_width_height_descent(line, font, ismath=False)[0] <= width

    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and fits(candidate):
            lines[-1] = candidate
            continue
        lines.append("")
        for char in word:
            if lines[-1] and not fits(lines[-1] + char):
                lines.append("")
            lines[-1] += char
    return lines or [""]


def _strip_svg_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _inline(svg: str, alt: str, css_class: str, stem: str) -> str:
    """An SVG ready to sit inside HTML: one accessible name, ids unique on the page, the page's fonts.

    The RDF metadata, matplotlib's global `*` style and the ids nothing refers to are dropped; the
    ids that are referred to get a prefix from the variant and the CSV name, so two charts (or the
    two drawings of one chart) on a page never share an id.
    """
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'<defs>\s*<style type="text/css">.*?</style>\s*</defs>\s*', "", svg, flags=re.S)
    used = set(re.findall(r'(?:href="|url\()#([\w.-]+)', svg))
    prefix = re.sub(r"[^\w-]", "-", f"{css_class}-{stem.rsplit('.', 1)[0]}-")

    svg = re.sub(r' id="([^"]+)"', lambda m: f' id="{prefix}{m.group(1)}"' if m.group(1) in used else "", svg)
    svg = re.sub(r'(href="|url\()#([\w.-]+)', lambda m: f"{m.group(1)}#{prefix}{m.group(2)}", svg)
    svg = re.sub(r"font-family: [^;\"]+", f"font-family: {FONT_STACK}", svg)
    width, height = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    svg = re.sub(r'width="[\d.]+pt" height="[\d.]+pt"',
                 f'width="{float(width):g}" height="{float(height):g}" class="{css_class}" role="img" '
                 f'aria-label="{esc(alt)}" stroke-linejoin="round"', svg, count=1)
    return re.sub(r" version=\"1.1\"", "", svg, count=1)
