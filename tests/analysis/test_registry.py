"""Every registered design returns a Result with the same views, on a panel it can fit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.known_truth import did_panel
from workbench import analysis
from workbench.analysis import TIDY_COLUMNS


def _panel() -> pd.DataFrame:
    df = did_panel(n_units=30, n_treated=6, noise=0.5, seed=9)
    df["first"] = np.where(df.groupby("unit")["post"].transform("max") == 1, 2005, 0)
    return df


CALLS = {
    "did": lambda df: dict(outcome="y", unit="unit", time="year", treatment="post", draws=199),
    "event_study": lambda df: dict(outcome="y", unit="unit", time="year", cohort="first", draws=199),
    "staggered_did": lambda df: dict(outcome="y", unit="unit", time="year", cohort="first", n_boot=199),
    "synthetic_control": lambda df: dict(outcome="y", unit="unit", time="year", treated_unit="u000", start=2005,
                                         method="plain"),
    "its": lambda df: dict(outcome="y", time="year", start=2005),
}


def _data(design: str) -> pd.DataFrame:
    df = _panel()
    if design == "its":
        return df[df["unit"] == "u000"]
    if design == "synthetic_control":
        return df[(df["unit"] == "u000") | (df["first"] == 0)]
    if design == "meta_analysis":
        return pd.DataFrame({"estimate": [0.1, 0.3, -0.2, 0.4], "std_error": [0.1, 0.2, 0.15, 0.3],
                             "label": list("abcd")})
    return df


def test_every_design_in_the_registry_is_covered_here():
    assert set(analysis.designs()["design"]) == set(CALLS) | {"meta_analysis"}


@pytest.mark.parametrize("design", sorted(set(CALLS) | {"meta_analysis"}))
def test_result_views_are_complete_and_json_safe(design):
    data = _data(design)
    spec = CALLS[design](data) if design in CALLS else dict(estimate="estimate", std_error="std_error", label="label")
    r = analysis.fit(design, data, **spec)
    assert list(r.tidy().columns) == TIDY_COLUMNS and len(r.tidy()) >= 1
    assert r.tidy().loc[0, "term"] == r.main.term
    assert isinstance(r.summary(), str) and r.design in r.summary()
    json.dumps(r.to_dict(), allow_nan=False)
    assert isinstance(r.plot_data(), pd.DataFrame) and len(r.plot_data())
    assert isinstance(r.diagnostics, dict) and "comparison_group" in r.diagnostics
    assert isinstance(analysis.rate(r).to_dict()["strength"], int)
