"""Several results side by side, one column per model (as pyfixest's `etable` or R's `modelsummary`).

    from workbench import analysis
    table = analysis.compare([did, study, staggered], names=["TWFE", "event study", "CS"])
    table                      # a DataFrame of text cells; in Jupyter, an HTML table
    table.to_markdown()        # or .to_html(), .to_latex()

Rows: the headline estimate of each model (or the `terms` asked for), its interval (or standard
error, `stat="se"`) and p-value, then the design, the inference behind the interval, the fixed
effects, the comparison, and the counts of observations, units and treated units. A model without
a row's quantity shows an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from workbench.analysis.results import Estimate, Result
from workbench.errors import SpecificationError

INFERENCE = {
    "did": lambda r: {"wild_bootstrap": "wild cluster bootstrap", "cluster": "CR1 clustered by unit",
                      "randomisation": "randomisation inference"}.get(r.spec.get("inference"), ""),
    "event_study": lambda r: "CR1 clustered by unit",
    "staggered_did": lambda r: "influence function" + ("; multiplier bootstrap" if r.spec.get("n_boot") else ""),
    "synthetic_control": lambda r: "placebos in space" if r.spec.get("placebo") else "none",
    "its": lambda r: "Newey-West HAC",
    "meta_analysis": lambda r: "random effects",
}


FACTS = ("design", "inference", "fixed effects", "comparison", "observations", "units", "treated units", "outcome")


def compare(results: Sequence[Result], *, names: Sequence[str] | None = None, terms: Sequence[str] | None = None,
            stat: str = "ci", digits: int = 3) -> pd.DataFrame:
    """A side-by-side table of `results`: one column per model, text cells (see the module note).

    `names` label the columns (default "(1) did", "(2) ..."); `terms` picks the estimates shown
    (default each model's headline, in one row); `stat` is "ci" (interval) or "se" (standard error).
    """
    results = list(results)
    if not results:
        raise SpecificationError("compare needs at least one result")
    if stat not in ("ci", "se"):
        raise SpecificationError(f"stat must be 'ci' or 'se', not {stat!r}")
    names = list(names) if names is not None else [f"({i}) {r.design}" for i, r in enumerate(results, 1)]
    if len(names) != len(results) or len(set(names)) != len(names):
        raise SpecificationError(f"names must be {len(results)} distinct labels, one per result")
    columns = {name: _column(r, terms, stat, digits) for name, r in zip(names, results)}
    rows = list(dict.fromkeys(key for column in columns.values() for key in column))
    facts = [key for key in rows if key in FACTS]
    table = pd.DataFrame(columns).reindex([key for key in rows if key not in FACTS] + facts).fillna("")
    table.index.name = ""
    return table


def _column(result: Result, terms: Sequence[str] | None, stat: str, digits: int) -> dict[str, str]:
    fmt = lambda x: "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"  # noqa: E731
    level = round(result.confidence * 100)
    out: dict[str, str] = {}
    if terms is None:
        out["term"] = result.main.term
        out.update(_rows("effect", result.main, stat, level, fmt))
    else:
        for e in (e for e in result.estimates if e.term in set(terms)):
            out.update(_rows(e.term, e, stat, level, fmt))
    s, d = result.sample, result.spec
    out.update({
        "design": result.design,
        "inference": INFERENCE.get(result.design, lambda r: "")(result),
        "fixed effects": _fixed_effects(result),
        "comparison": _comparison(result),
        "observations": _count(s.get("n_obs")),
        "units": _count(s.get("n_units", s.get("n_studies"))),
        "treated units": _count(s.get("n_treated_units")),
        "outcome": str(d.get("outcome", d.get("estimate", ""))),
    })
    return out


def _rows(label: str, e: Estimate, stat: str, level: int, fmt) -> dict[str, str]:
    if stat == "se":
        spread = "" if math.isnan(e.std_error) else f"({fmt(e.std_error)})"
        key = f"{label} std. error"
    else:
        spread = "" if math.isnan(e.ci_low) else f"[{fmt(e.ci_low)}, {fmt(e.ci_high)}]"
        key = f"{label} {level}% CI"
    return {label: fmt(e.estimate), key: spread, f"{label} p-value": fmt(e.p_value)}


def _fixed_effects(result: Result) -> str:
    if result.design not in ("did", "event_study"):
        return ""
    strata = result.spec.get("strata")
    return "unit, period" if strata is None else f"unit, period x {strata}"


def _comparison(result: Result) -> str:
    staggered = len(result.diagnostics.get("staggered_cohorts") or ()) > 1
    return {
        "did": ("never-treated, not-yet-treated and already-treated units (staggered starts)" if staggered
                else "never-treated units"),
        "event_study": "never-treated units",
        "staggered_did": str(result.spec.get("control", "")).replace("_", "-") + " units",
        "synthetic_control": f"synthetic control of {result.sample.get('n_comparison_units', '?')} donors",
        "its": "the series' own pre-period trend",
    }.get(result.design, "")


def _count(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{int(value):,}"
