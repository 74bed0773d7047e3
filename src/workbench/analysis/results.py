"""The result type every estimator returns: one source of truth, many views.

`tidy()` is the table of estimates (fixed columns); `summary()` is text for a person;
`to_dict()` is JSON for the batch and the briefs; `plot_data()` is the data behind the chart;
`diagnostics` holds what the evidence rating reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

TIDY_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "method"]


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
        """One row per estimated term: term, estimate, std_error, ci_low, ci_high, p_value, method."""
        rows = [{**e.__dict__, "method": self.method} for e in self.estimates]
        return pd.DataFrame(rows, columns=TIDY_COLUMNS)

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
        table = self.tidy().drop(columns="method")
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
        e = self.main
        return (f"<Result {self.design}: {e.term} = {e.estimate:.4g} "
                f"({round(self.confidence * 100)}% CI {e.ci_low:.4g} to {e.ci_high:.4g})>")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
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
