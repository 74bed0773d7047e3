"""The result type every estimator returns: one source of truth, many views.

`tidy()` is the table of estimates (fixed columns); `summary()` is text for a person;
`to_dict()` is JSON for the batch and the briefs; `plot_data()` is the data behind the chart;
`diagnostics` holds what the evidence rating reads. Printed (`repr`) or shown in a notebook
(`_repr_html_`), a result is a few rounded numbers, the same on every machine; subclasses that are
dataclasses inherit both views only with `@dataclass(repr=False)`.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

ESTIMATE_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
TIDY_COLUMNS = [*ESTIMATE_COLUMNS, "n_obs", "n_units", "n_treated", "method"]
_LABEL_SPEC = ("inference", "control", "aggregation", "method")   # spec entries that name the variant
HTML_ROWS = 5  # rows of tidy() shown in a notebook; the rest are counted, not shown
TERM_CHARS = 40  # longer term names are shortened in repr and HTML


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity with its uncertainty."""

    term: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True, eq=False)
class Result:
    """What an estimator found, how, on what data, and the checks it ran."""

    design: str
    method: str
    estimates: tuple[Estimate, ...]
    spec: dict[str, Any]
    sample: dict[str, Any]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    plot_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    confidence: float = 0.95

    def tidy(self) -> pd.DataFrame:
        """One row per estimated term: the estimate columns, the sample sizes and a short method label.

        Columns: term, estimate, std_error, ci_low, ci_high, p_value, n_obs, n_units, n_treated, method.
        The full method text is `result.method` (and in `summary()`).
        """
        sizes = {"n_obs": self.sample.get("n_obs"), "n_units": self.sample.get("n_units"),
                 "n_treated": self.sample.get("n_treated_units")}
        rows = [{**e.__dict__, **sizes, "method": self.label} for e in self.estimates]
        table = pd.DataFrame(rows, columns=TIDY_COLUMNS)
        for column in sizes:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
        return table

    @property
    def label(self) -> str:
        """A short name of the method: the design and its variant, e.g. 'did, wild bootstrap'."""
        variant = [str(self.spec[k]).replace("_", " ") for k in _LABEL_SPEC if self.spec.get(k)]
        return ", ".join([self.design.replace("_", " "), *variant])

    def plot(self, ax=None):
        """This result's chart (`analysis.plot`): on `ax`, or on a new figure; returns the Axes."""
        from workbench.analysis.plots import plot   # plots imports this module

        return plot(self, ax=ax)

    @property
    def main(self) -> Estimate:
        """The headline estimate (the first term)."""
        return self.estimates[0]

    def plot_data(self) -> pd.DataFrame:
        """The data behind this result's chart (a copy, safe to change)."""
        return self.plot_frame.copy()

    def summary(self) -> str:
        """A plain-text summary: design, sample, estimates and diagnostics."""
        level = round(self.confidence * 100)
        lines = [f"{self.design}: {self.method}", ""]
        lines += [f"  {k.replace('_', ' ')}: {_fmt(v)}" for k, v in self.sample.items()
                  if not isinstance(v, (list, tuple))]
        lines.append("")
        table = self.tidy()[ESTIMATE_COLUMNS]
        table.columns = ["term", "estimate", "std. error", f"{level}% CI low", f"{level}% CI high", "p-value"]
        lines.append(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        if self.diagnostics:
            lines += ["", "Diagnostics:"]
            lines += [f"  {k.replace('_', ' ')}: {_fmt(v)}" for k, v in self.diagnostics.items()]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything in JSON-safe types (NaN becomes None)."""
        return _jsonable({
            "design": self.design,
            "method": self.method,
            "confidence": self.confidence,
            "estimates": [e.__dict__ for e in self.estimates],
            "spec": self.spec,
            "sample": self.sample,
            "diagnostics": self.diagnostics,
        })

    def __repr__(self) -> str:
        """Two lines: the headline estimate with its interval and p-value, then the sample size."""
        e = self.main
        parts = [f"{_short(e.term)} = {_num(e.estimate)}"]
        if _finite(e.ci_low) or _finite(e.ci_high):
            parts.append(f"{self._level()}% CI {_num(e.ci_low)} to {_num(e.ci_high)}")
        if _finite(e.p_value):
            parts.append(f"p = {_num(e.p_value)}")
        terms = len(self.estimates)
        return (f"<{type(self).__name__} {self.design}: {', '.join(parts)}\n"
                f" {self._units()}; {terms} term{'s' * (terms != 1)} in tidy(), details in summary()>")

    def _repr_html_(self) -> str:
        """A small table for notebooks: the first rows of tidy(), rounded, under a caption."""
        table = self.tidy()
        head = "".join(f'<th scope="col">{h}</th>'
                       for h in ("term", "estimate", "std. error", f"{self._level()}% CI", "p-value"))
        rows = "".join(
            f'<tr><th scope="row">{html.escape(_short(r.term))}</th><td>{_num(r.estimate)}</td>'
            f"<td>{_num(r.std_error)}</td><td>{_interval(r.ci_low, r.ci_high)}</td><td>{_num(r.p_value)}</td></tr>"
            for r in table.head(HTML_ROWS).itertuples())
        more = len(table) - HTML_ROWS
        foot = f'<tfoot><tr><td colspan="5">{more} more terms in tidy()</td></tr></tfoot>' if more > 0 else ""
        caption = html.escape(f"{type(self).__name__} {self.design}: {self._units()}")
        return (f'<table class="workbench-result"><caption>{caption}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody>{foot}</table>")

    def _level(self) -> int:
        return round(self.confidence * 100)

    def _units(self) -> str:
        """'30 units (6 treated)', from the sample's counts (either left out when not recorded)."""
        n, treated = self.sample.get("n_units"), self.sample.get("n_treated_units")
        text = f"{_num(n)} unit{'s' * (n != 1)}" if _finite(n) else "units not recorded"
        return f"{text} ({_num(treated)} treated)" if _finite(treated) else text


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value)


def _num(value: Any) -> str:
    """A number to 4 significant digits ('n/a' when missing)."""
    return f"{value:.4g}" if _finite(value) else "n/a"


def _interval(low: float, high: float) -> str:
    return f"{_num(low)} to {_num(high)}" if _finite(low) or _finite(high) else "n/a"


def _short(text: Any) -> str:
    """A term name on one line, shortened to TERM_CHARS characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= TERM_CHARS else flat[:TERM_CHARS - 3] + "..."


def _fmt(value: Any) -> str:
    """A sample or diagnostic value as text, every float (also inside lists and dicts) to 4 significant digits."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value
