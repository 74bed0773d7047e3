"""Many outcomes in one brief: Benjamini-Hochberg false-discovery-rate adjustment of p-values.

With several outcomes tested at once, some small p-values are expected by chance. The
Benjamini-Hochberg (1995) step-up adjustment controls the expected share of false discoveries
among the outcomes called clear; the adjusted p-values are shown beside the raw ones, never instead.
The arithmetic is statsmodels' `multipletests(method="fdr_bh")`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from workbench.analysis.results import Result


def benjamini_hochberg(p_values) -> np.ndarray:
    """BH-adjusted p-values, in the input order; missing p-values stay missing and are not counted."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    if present.any():
        adjusted[present] = multipletests(p[present], method="fdr_bh")[1]
    return adjusted


def adjust_headlines(results: Mapping[str, Result]) -> pd.DataFrame:
    """One row per outcome: its headline estimate, raw p-value and BH-adjusted p-value."""
    rows = [{"outcome": name, "term": r.main.term, "estimate": r.main.estimate, "ci_low": r.main.ci_low,
             "ci_high": r.main.ci_high, "p_value": r.main.p_value} for name, r in results.items()]
    table = pd.DataFrame(rows, columns=["outcome", "term", "estimate", "ci_low", "ci_high", "p_value"])
    table["p_adjusted"] = benjamini_hochberg(table["p_value"])
    return table
