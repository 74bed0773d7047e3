"""Comparison groups: nearest neighbours find the planted look-alikes, and fix a biased DiD."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import mahalanobis

from workbench import analysis
from workbench.analysis import comparison
from workbench.errors import SpecificationError


def trend_panel(seed=0, effect=2.0):
    """10 treated units and 20 'twins' on a steep trend, 40 flat units; effect from 2005."""
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2010)
    groups = ["treated"] * 10 + ["twin"] * 20 + ["flat"] * 40
    rows = []
    for i, g in enumerate(groups):
        level = rng.normal(50, 2)
        slope = 1.0 if g != "flat" else 0.0
        for t in years:
            post = g == "treated" and t >= 2005
            rows.append({"unit": f"{g}{i:02d}", "year": t, "group": g, "post": int(post),
                         "y": level + slope * (t - 2000) + effect * post + rng.normal(0, 0.3)})
    return pd.DataFrame(rows)


def test_nearest_neighbours_are_the_units_on_the_same_pre_period_path():
    df = trend_panel()
    treated = sorted(df.loc[df["group"] == "treated", "unit"].unique())
    group = comparison.select(df, unit="unit", time="year", outcome="y", treated=treated, start=2005,
                              method="nearest", k=3)
    assert group.units and all(u.startswith("twin") for u in group.units)
    assert "nearest neighbours" in group.method
    roles = group.table.set_index("unit")["role"]
    assert (roles[roles.index.str.startswith("flat")] == "not chosen").all()


def test_matching_on_pre_trends_removes_the_bias_of_comparing_with_everyone():
    df = trend_panel(seed=1)
    treated = sorted(df.loc[df["group"] == "treated", "unit"].unique())
    spec = dict(outcome="y", unit="unit", time="year", treatment="post", checks=False)
    everyone = analysis.fit("did", df, **spec)
    group = comparison.select(df, unit="unit", time="year", outcome="y", treated=treated, start=2005,
                              method="nearest", k=3)
    matched = analysis.fit("did", group.restrict(df, "unit"), **spec)
    assert abs(everyone.main.estimate - 2.0) > 1.0          # flat units make the trend look like an effect
    assert matched.main.estimate == pytest.approx(2.0, abs=0.15)


def test_distances_are_mahalanobis_on_level_and_trend():
    df = trend_panel(seed=2)
    treated = ["treated00"]
    group = comparison.select(df, unit="unit", time="year", outcome="y", treated=treated, start=2005,
                              method="nearest", k=1, exclude={"treated01": "pilot"})
    pre = df[df["year"] < 2005]
    feats = pre.groupby("unit").apply(lambda g: pd.Series(
        {"level": g["y"].mean(), "trend": np.polyfit(g["year"], g["y"], 1)[0]}), include_groups=False)
    pool = feats.drop(index="treated01")
    vi = np.linalg.inv(np.cov(pool.to_numpy(), rowvar=False))
    expected = {u: mahalanobis(feats.loc["treated00"], feats.loc[u], vi) for u in pool.index if u != "treated00"}
    table = group.table.set_index("unit")
    for unit, d in expected.items():
        assert table.loc[unit, "distance"] == pytest.approx(d, rel=1e-9)
    assert group.units == (min(expected, key=expected.get),)


def test_all_eligible_lists_every_non_excluded_unit_and_records_exclusions():
    df = trend_panel()
    group = comparison.select(df, unit="unit", time="year", outcome="y", treated=["treated00", "treated01"],
                              start=2005, exclude={"flat30": "reorganised in 2009, series not harmonised",
                                                   "treated02": "member of the same initiative"})
    assert group.method == "all eligible areas"
    assert "flat30" not in group.units and "treated02" not in group.units and len(group.units) == 70 - 2 - 2
    assert group.describe()["excluded_units"]["flat30"].startswith("reorganised")
    assert set(group.restrict(df, "unit")["unit"]) == {"treated00", "treated01", *group.units}


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="magic"), "comparison method 'magic' is not known"),
    (dict(treated=["nobody"]), "treated unit nobody is not in the data"),
    (dict(method="nearest", k=500), "k=500 nearest neighbours"),
    (dict(method="nearest", start=2001), "at least 2 periods before 2001"),
    (dict(covariates=["income"]), "covariate='income' is not a column"),
])
def test_specification_errors_say_what_to_change(kwargs, message):
    args = dict(unit="unit", time="year", outcome="y", treated=["treated00"], start=2005) | kwargs
    with pytest.raises(SpecificationError, match=message):
        comparison.select(trend_panel(), **args)


def test_fit_with_a_comparison_group_uses_only_it_and_records_the_choice():
    df = trend_panel(seed=3)
    treated = sorted(df.loc[df["group"] == "treated", "unit"].unique())
    group = comparison.select(df, unit="unit", time="year", outcome="y", treated=treated, start=2005,
                              method="nearest", k=2, exclude={"twin10": "reorganised"})
    r = analysis.fit("did", df, comparison=group, outcome="y", unit="unit", time="year", treatment="post",
                     checks=False)
    assert r.sample["comparison_units"] == list(group.units) == r.sample["comparison_units"]
    assert r.sample["n_comparison_units"] == len(group.units)
    assert r.sample["comparison_method"].startswith("2 nearest neighbours")
    assert r.sample["excluded_units"] == {"twin10": "reorganised"}
    assert r.sample["n_obs"] == 10 * (len(treated) + len(group.units))


def test_reorganised_areas_are_excluded_unless_the_dataset_is_harmonised(catalog):
    from workbench import evidence

    assert evidence.reorganised_areas("outcomes_demo", 2004, catalog) == {}   # harmonised_boundaries: true
    not_harmonised = evidence.reorganised_areas("areas", 2004, catalog)
    assert {"E06000049", "E06000050", "E06000055", "E06000056"} <= set(not_harmonised)
    assert "created 01 April 2009" in not_harmonised["E06000049"]
    assert evidence.reorganised_areas("areas", 2010, catalog) == {}
