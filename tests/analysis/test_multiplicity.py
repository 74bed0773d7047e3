"""Benjamini-Hochberg adjustment against the worked example of the original paper."""

from __future__ import annotations

import numpy as np
import pytest

from tests.known_truth import did_panel
from workbench import analysis
from workbench.analysis.multiplicity import adjust_headlines, benjamini_hochberg

# Benjamini and Hochberg (1995), J. R. Statist. Soc. B 57(1), section 4.2: 15 p-values from a
# myocardial infarction study; at q = 0.05 the step-up procedure rejects the 4 smallest (the
# Bonferroni procedure only 3).
PAPER = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
         0.5719, 0.6528, 0.7590, 1.0000]


def test_reproduces_the_four_discoveries_of_the_paper():
    adjusted = benjamini_hochberg(PAPER)
    assert int((adjusted <= 0.05).sum()) == 4
    assert (adjusted[:4] <= 0.05).all() and (adjusted[4:] > 0.05).all()


def test_adjusted_values_follow_the_step_up_formula():
    # p_(i) * m / i, made monotone from the largest down, capped at 1; in the input order.
    p = np.array([0.04, 0.001, 0.03, 0.5])
    by_hand = np.minimum.accumulate((np.sort(p) * 4 / np.arange(1, 5))[::-1])[::-1]
    expected = np.empty(4)
    expected[np.argsort(p)] = by_hand
    assert benjamini_hochberg(p) == pytest.approx(expected, abs=1e-15)
    assert benjamini_hochberg([0.02, np.nan, 0.04]) == pytest.approx([0.04, np.nan, 0.04], nan_ok=True)


def test_headline_table_shows_raw_and_adjusted_side_by_side():
    spec = dict(outcome="y", unit="unit", time="year", treatment="post", inference="cluster", checks=False)
    results = {name: analysis.fit("did", did_panel(effect=e, seed=s), **spec)
               for name, e, s in [("a", 0.0, 1), ("b", 0.5, 2), ("c", 2.0, 3)]}
    table = adjust_headlines(results)
    assert list(table["outcome"]) == ["a", "b", "c"]
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert table["p_adjusted"].tolist() == pytest.approx(benjamini_hochberg(table["p_value"]).tolist())
