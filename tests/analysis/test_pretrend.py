"""The small-cohort pre-trend test keeps its size where R did's Wald pre-test does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import analysis


def panel(seed: int, small: int = 6, large: int = 40, never: int = 100) -> pd.DataFrame:
    """No pre-trends anywhere: a small cohort from 2008 (7 pre-period cells), a large one from 2005."""
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2012)
    first = np.repeat([2008, 2005, 0], [small, large, never])
    n = len(first)
    y = (rng.normal(0, 2, n)[:, None] + np.cumsum(rng.normal(0, 1, len(years)))[None, :]
         + 1.0 * ((first[:, None] > 0) & (years[None, :] >= first[:, None])) + rng.normal(0, 1, (n, len(years))))
    return pd.DataFrame({"unit": np.repeat(np.arange(n), len(years)), "year": np.tile(years, n),
                         "first": np.repeat(first, len(years)), "y": y.ravel()})


def test_cohort_table_reports_each_test_and_an_untestable_small_cohort():
    r = analysis.fit("staggered_did", panel(1, small=5), outcome="y", unit="unit", time="year", cohort="first", n_boot=0)
    rows = {row["cohort"]: row for row in r.diagnostics["pre_trend_by_cohort"]}
    assert rows[2005]["cells"] == 4 and rows[2005]["units"] == 40 and 0 <= rows[2005]["p_value"] <= 1
    assert rows[2008]["cells"] == 7 and np.isnan(rows[2008]["p_value"])      # 5 units, 7 cells
    assert r.diagnostics["pre_trend_p_value"] == pytest.approx(rows[2005]["p_value"])


@pytest.mark.slow
def test_size_at_5_percent_with_a_small_cohort():
    reps = 200
    ours = wald = 0
    for seed in range(reps):
        r = analysis.fit("staggered_did", panel(seed, small=10), outcome="y", unit="unit", time="year",
                         cohort="first", n_boot=0)
        ours += r.diagnostics["pre_trend_p_value"] < 0.05
        wald += r.diagnostics["wald_pre_test_p_value"] < 0.05
    print(f"rejection at 5% with no pre-trend: small-cohort test {ours / reps:.3f}, R did's Wald {wald / reps:.3f}")
    assert ours / reps <= 0.08
    assert wald / reps > ours / reps
