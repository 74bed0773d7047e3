"""One small fitted result per registered design, for the tests of plots and comparison tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tests.known_truth import did_panel
from workbench import analysis


def fitted_results() -> dict[str, analysis.Result]:
    """Every design fitted to a small planted panel (effect 2 from 2005 for units u000-u011)."""
    df = did_panel(n_units=40, n_treated=12, seed=7)
    df = df.assign(first=np.where(df.groupby("unit")["post"].transform("max") == 1, 2005, 0))
    spec = dict(outcome="y", unit="unit", time="year")
    series = df[df["unit"] == "u000"]
    studies = pd.DataFrame({"estimate": [1.8, 2.3, 2.0, 1.1], "se": [0.4, 0.5, 0.3, 0.6], "name": list("ABCD")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "did": analysis.fit("did", df, **spec, treatment="post", draws=199),
            "event_study": analysis.fit("event_study", df, **spec, cohort="first", draws=99),
            "staggered_did": analysis.fit("staggered_did", df, **spec, cohort="first", n_boot=99),
            "synthetic_control": analysis.fit("synthetic_control", df, **spec, treated_unit="u000", start=2005,
                                              donors=[f"u{i:03d}" for i in range(12, 40)], method="plain"),
            "its": analysis.fit("its", series, outcome="y", time="year", start=2005),
            "meta_analysis": analysis.fit("meta_analysis", studies, estimate="estimate", std_error="se",
                                          label="name"),
        }
