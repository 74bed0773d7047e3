"""Goodman-Bacon decomposition against brute-force 2x2 regressions and the TWFE coefficient."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import analysis
from workbench.errors import DesignWarning, SpecificationError

SPEC = dict(outcome="y", unit="unit", time="year", treatment="on")


def cohort_panel(cohorts=((2003, 12), (2006, 15), (2008, 9)), n_never=20, periods=range(2000, 2011),
                 effect=lambda k: 1.0 + 0.5 * k, noise=1.0, seed=0) -> pd.DataFrame:
    """Cohorts (first treated year, units), never-treated units, an effect by years since the start."""
    rng = np.random.default_rng(seed)
    first = np.concatenate([np.full(n, g) for g, n in cohorts] + [np.zeros(n_never)])
    years = np.asarray(list(periods))
    on = (first[:, None] > 0) & (years[None, :] >= first[:, None])
    y = (rng.normal(0, 2, len(first))[:, None] + 0.3 * (years - years[0])[None, :]
         + np.where(on, effect(years[None, :] - first[:, None]), 0.0) + rng.normal(0, noise, on.shape))
    return pd.DataFrame({"unit": np.repeat([f"u{i:03d}" for i in range(len(first))], len(years)),
                         "year": np.tile(years, len(first)), "y": y.ravel(), "on": on.ravel().astype(int),
                         "first": np.repeat(first, len(years))})


def _residualise(v: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """v minus its least-squares fit on unit and year dummies (brute force, explicit dummies)."""
    X = np.column_stack([pd.get_dummies(frame["unit"], dtype=float), pd.get_dummies(frame["year"], dtype=float)])
    return v - X @ np.linalg.lstsq(X, v, rcond=None)[0]


def _twfe(frame: pd.DataFrame) -> float:
    """OLS coefficient of the treatment with unit and year dummies (Frisch-Waugh by explicit dummies)."""
    d = _residualise(frame["on"].to_numpy(float), frame)
    return float(d @ _residualise(frame["y"].to_numpy(float), frame) / (d @ d))


def _brute_force(df: pd.DataFrame, row) -> tuple[float, float]:
    """The 2x2 of `row` refitted on its own subsample, and its weight from the subsample's variance of D.

    Goodman-Bacon (2021), Theorem 1: weight = (subsample's share of observations)^2 x variance of the
    two-way demeaned treatment in the subsample / that variance in the whole panel.
    """
    treated, control = row.treated, row.control
    lo, hi = df["year"].min(), df["year"].max()
    if row.type == "earlier vs later treated":
        hi = control - 1  # before the later cohort starts
    elif row.type == "later vs earlier treated":
        lo = control      # after the earlier cohort started
    sub = df[df["first"].isin([treated, control]) & df["year"].between(lo, hi)]
    sub = sub.assign(on=(sub["first"] == treated) & (sub["year"] >= treated)).astype({"on": int})
    d_sub = _residualise(sub["on"].to_numpy(float), sub)
    d_all = _residualise(df["on"].to_numpy(float), df)
    share = len(sub) / len(df)
    return _twfe(sub), share ** 2 * np.mean(d_sub ** 2) / np.mean(d_all ** 2)


def test_weighted_sum_of_the_comparisons_is_the_twfe_coefficient_exactly():
    df = cohort_panel(seed=3)
    parts = analysis.bacon(df, **SPEC)
    assert parts["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    combined = float((parts["weight"] * parts["estimate"]).sum())
    assert combined == pytest.approx(_twfe(df), abs=1e-10)
    with pytest.warns(DesignWarning, match="staggered_did"):
        did = analysis.fit("did", df, **SPEC, inference="cluster", checks=False)
    assert combined == pytest.approx(did.main.estimate, abs=1e-10)


def test_every_comparison_and_weight_equals_a_brute_force_regression_on_its_subsample():
    df = cohort_panel(seed=5)
    parts = analysis.bacon(df, **SPEC)
    assert len(parts) == 3 + 3 * 2  # each cohort against the never-treated, each pair of cohorts both ways
    assert set(parts["type"]) == {"treated vs never treated", "earlier vs later treated", "later vs earlier treated"}
    for row in parts.itertuples():
        estimate, weight = _brute_force(df, row)
        assert row.estimate == pytest.approx(estimate, abs=1e-10), row
        assert row.weight == pytest.approx(weight, abs=1e-12), row


def test_a_constant_effect_is_recovered_by_every_comparison():
    df = cohort_panel(effect=lambda k: 2.0 + 0.0 * k, noise=0.0, seed=1)
    assert np.allclose(analysis.bacon(df, **SPEC)["estimate"], 2.0, atol=1e-10)


def test_growing_effects_bias_the_comparisons_with_already_treated_units():
    # Effects growing by 0.5 a year: the earlier cohort's growth is subtracted from the later cohort's effect.
    df = cohort_panel(noise=0.0, seed=2)
    parts = analysis.bacon(df, **SPEC).set_index(["type", "treated", "control"])
    later = parts.loc[("later vs earlier treated", 2006, 2003), "estimate"]
    # 2006 cohort, years 2003-2010 of the window: its change is mean effect over 2006-10 = 1 + 0.5 * 2 = 2;
    # the 2003 cohort's effect grows from mean(e(0..2)) = 1.5 before 2006 to mean(e(3..7)) = 3.5 after.
    assert later == pytest.approx(2.0 - (3.5 - 1.5), abs=1e-10)


def test_without_never_treated_units_only_timing_comparisons_remain():
    df = cohort_panel(n_never=0, seed=4)
    parts = analysis.bacon(df, **SPEC)
    assert set(parts["control"]) <= {2003, 2006, 2008} and parts["weight"].sum() == pytest.approx(1.0)
    assert float((parts["weight"] * parts["estimate"]).sum()) == pytest.approx(_twfe(df), abs=1e-10)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.iloc[1:], "balanced panel"),
    (lambda d: d.assign(on=np.where((d["first"] == 2003) & (d["year"] == 2009), 0, d["on"])), "switches off"),
    (lambda d: d.assign(on=np.where(d["unit"] == "u000", 1, d["on"])), "treated in the first period"),
    (lambda d: d.assign(on=0), "no unit is ever treated"),
])
def test_inputs_it_cannot_decompose_are_refused_with_what_to_do(change, message):
    with pytest.raises(SpecificationError, match=message):
        analysis.bacon(change(cohort_panel()), **SPEC)
