"""Synthetic control against known answers: planted mixes, Prop 99 (Stata synth) and Basque (R Synth)."""

from __future__ import annotations

import json
import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from workbench import analysis
from workbench.analysis import TIDY_COLUMNS
from workbench.analysis import synthetic_control  # noqa: F401  (registers "synthetic_control")
from workbench.analysis._simplex import reaching_v, simplex_lstsq
from workbench.errors import SpecificationError

SPEC = dict(outcome="y", unit="area", time="year", treated_unit="t0", start=2030)
TRUE_MIX = ((0, 0.5), (1, 0.3), (2, 0.2))


def mix_panel(n_donors=20, n_pre=30, n_post=10, mixes=(TRUE_MIX,), effects=(3.0,), walk=1.0, seed=0):
    """Donors d00.. on distinct random-walk paths (plus a common factor); treated t0.. an exact convex
    mix of donors plus a planted effect from the first post-period. Also a covariate `x`, mixed alike."""
    rng = np.random.default_rng(seed)
    periods = n_pre + n_post
    years = np.arange(2000, 2000 + periods)
    common = np.cumsum(rng.normal(size=periods))
    y = (rng.uniform(5, 15, (n_donors, 1)) + rng.uniform(0.5, 1.5, (n_donors, 1)) * common
         + walk * np.cumsum(rng.normal(size=(n_donors, periods)), axis=1))
    x = rng.normal(size=(n_donors, periods))
    paths = {f"d{j:02d}": (y[j], x[j]) for j in range(n_donors)}
    for i, (mix, effect) in enumerate(zip(mixes, effects)):
        paths[f"t{i}"] = (sum(w * y[j] for j, w in mix) + effect * (years >= years[n_pre]),
                          sum(w * x[j] for j, w in mix))
    return pd.DataFrame([(u, t, yv, xv) for u, (yp, xp) in paths.items() for t, yv, xv in zip(years, yp, xp)],
                        columns=["area", "year", "y", "x"])


def true_weights(mix=TRUE_MIX) -> dict[str, float]:
    return {f"d{j:02d}": w for j, w in mix}


# ---------------------------------------------------------------- the solver

def test_simplex_least_squares_matches_a_brute_force_search_on_a_small_problem():
    # min ||A w - b||^2 on the simplex in 3 weights: compare with a fine grid over the triangle.
    rng = np.random.default_rng(4)
    A, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    w = simplex_lstsq(A, b)
    i, j = np.meshgrid(np.arange(401), np.arange(401))
    keep = i + j <= 400
    grid = np.column_stack([i[keep], j[keep], 400 - i[keep] - j[keep]]) / 400
    losses = ((grid @ A.T - b) ** 2).sum(axis=1)
    best = grid[np.argmin(losses)]
    assert w.min() >= 0 and w.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.sum((A @ w - b) ** 2) <= losses.min() + 1e-12
    assert w == pytest.approx(best, abs=5e-3)


def test_simplex_least_squares_satisfies_the_optimality_conditions():
    # KKT on the simplex: gradient equal on the support and no smaller off it.
    rng = np.random.default_rng(9)
    A, b = rng.normal(size=(8, 30)), rng.normal(size=8) * 3
    w = simplex_lstsq(A, b)
    grad = A.T @ (A @ w - b)
    on = w > 1e-10
    assert np.ptp(grad[on]) < 1e-9
    assert grad[~on].min() >= grad[on].max() - 1e-9


# ---------------------------------------------------------------- known truth

@pytest.mark.parametrize("method", ["plain", "nested"])
def test_exact_mix_recovers_the_weights_and_the_planted_effect(method):
    r = analysis.fit("synthetic_control", mix_panel(), **SPEC, method=method, placebo=False)
    assert r.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert list(r.weights.index[:3]) == ["d00", "d01", "d02"]
    for donor, w in true_weights().items():
        assert r.weights[donor] == pytest.approx(w, abs=1e-4)
    assert r.weights.iloc[3:].max() < 1e-4
    assert r.main.estimate == pytest.approx(3.0, abs=1e-6)
    assert r.diagnostics["pre_rmspe"] == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(r.main.std_error) and math.isnan(r.main.ci_low) and math.isnan(r.main.ci_high)


def test_nested_with_explicit_predictors_recovers_the_mix():
    # Outcome in 22 pre-years plus the covariate's mean: 23 predictors, 20 donors, so the zero-distance
    # synthetic unit is unique and must be the planted mix whatever V is.
    preds = [("y", year, "mean") for year in range(2000, 2022)] + [("x", range(2000, 2030), "mean")]
    r = analysis.fit("synthetic_control", mix_panel(seed=3), **SPEC, predictors=preds, placebo=False)
    for donor, w in true_weights().items():
        assert r.weights[donor] == pytest.approx(w, abs=1e-4)
    assert r.main.estimate == pytest.approx(3.0, abs=1e-6)
    assert r.predictor_weights.sum() == pytest.approx(1.0) and (r.predictor_weights >= 0).all()
    balance = r.balance.set_index("predictor")
    assert balance["synthetic"].to_numpy() == pytest.approx(balance["treated"].to_numpy(), abs=1e-8)


@pytest.mark.parametrize("method", ["plain", "nested"])
def test_null_effect_is_estimated_as_zero(method):
    r = analysis.fit("synthetic_control", mix_panel(effects=(0.0,), seed=5), **SPEC, method=method, placebo=False)
    assert r.main.estimate == pytest.approx(0.0, abs=1e-6)


def test_strong_planted_effect_ranks_first_among_all_placebos_plain():
    df = mix_panel(seed=1)
    r = analysis.fit("synthetic_control", df, **SPEC, method="plain")
    d = r.diagnostics
    assert (d["placebo_rank"], d["n_placebos"]) == (1, 20)
    assert r.main.p_value == pytest.approx(1 / 21) and d["placebo_p_value"] == pytest.approx(1 / 21)
    placebo = r.plot_data().query("series == 'placebo'")
    assert set(placebo["unit"]) == {f"d{j:02d}" for j in range(20)}


def test_strong_planted_effect_ranks_first_among_all_placebos_nested():
    # 6 donors, 8 pre-periods, predictors = the outcome in every pre-period (the default).
    df = mix_panel(n_donors=6, n_pre=8, n_post=4, seed=2)
    r = analysis.fit("synthetic_control", df, **{**SPEC, "start": 2008})
    assert r.main.estimate == pytest.approx(3.0, abs=1e-6)
    assert (r.diagnostics["placebo_rank"], r.diagnostics["n_placebos"]) == (1, 6)
    assert r.main.p_value == pytest.approx(1 / 7)


def test_placebo_p_value_is_the_rank_of_the_post_pre_rmspe_ratio():
    # A modest effect in a noisy panel: recompute every placebo's ratio from the plot data by hand.
    df = mix_panel(effects=(0.8,), walk=1.0, seed=6)
    df.loc[df["area"] == "t0", "y"] += np.random.default_rng(0).normal(0, 0.5, 40)
    r = analysis.fit("synthetic_control", df, **SPEC, method="plain")
    plot = r.plot_data()

    def ratio(frame):
        pre, post = frame.loc[~frame["post"], "gap"], frame.loc[frame["post"], "gap"]
        return np.sqrt((post ** 2).mean()) / np.sqrt((pre ** 2).mean())

    ratios = plot.query("series == 'placebo'").groupby("unit").apply(ratio)
    treated = ratio(plot.query("series == 'treated'"))
    rank = 1 + int((ratios >= treated).sum())
    assert r.diagnostics["placebo_rank"] == rank
    assert r.main.p_value == pytest.approx(rank / 21)
    assert r.diagnostics["post_pre_rmspe_ratio"] == pytest.approx(treated, rel=1e-10)


def test_several_treated_units_report_the_average_first_and_each_unit():
    # Common-factor donors with small idiosyncratic walks: placebo effects are small, so both planted
    # effects and their average rank first: p = 1/(C(20, 2) + 1) for the average, 1/21 per unit.
    df = mix_panel(mixes=(TRUE_MIX, ((3, 0.6), (4, 0.4))), effects=(3.0, 1.0), walk=0.05, seed=7)
    r = analysis.fit("synthetic_control", df, **{**SPEC, "treated_unit": ["t0", "t1"]}, method="plain")
    tidy = r.tidy()
    assert list(tidy["term"]) == ["average", "t0", "t1"]
    assert tidy["estimate"].to_numpy() == pytest.approx([2.0, 3.0, 1.0], abs=1e-6)
    assert r.diagnostics["n_placebos"] == math.comb(20, 2)
    assert r.main.p_value == pytest.approx(1 / 191)
    assert tidy["p_value"].iloc[1:].to_numpy() == pytest.approx([1 / 21, 1 / 21])
    assert r.weights.loc["t1"].head(2).to_dict() == pytest.approx({"d03": 0.6, "d04": 0.4}, abs=1e-6)
    # donors exclude every treated unit, and the average series is the mean of the two gaps
    assert set(r.weights.index.get_level_values(1)) == {f"d{j:02d}" for j in range(20)}
    plot = r.plot_data()
    avg = plot.query("series == 'average'")["gap"].to_numpy()
    per_unit = plot.query("series == 'treated'").pivot(index="period", columns="unit", values="gap")
    assert avg == pytest.approx(per_unit.mean(axis=1).to_numpy(), abs=1e-12)


def test_average_p_value_counts_placebo_averages_as_documented():
    # Cavallo et al. (2013): rank of |average effect| among |averages| over every pair of placebos.
    df = mix_panel(mixes=(TRUE_MIX, ((3, 0.6), (4, 0.4))), effects=(0.3, -0.1), walk=1.0, seed=8)
    r = analysis.fit("synthetic_control", df, **{**SPEC, "treated_unit": ["t0", "t1"]}, method="plain")
    plot = r.plot_data().query("series == 'placebo' and post")
    effects = plot.groupby("unit")["gap"].mean().to_numpy()
    pairs = np.array([effects[list(c)].mean() for c in combinations(range(len(effects)), 2)])
    observed = abs(r.main.estimate)
    rank = 1 + int((np.abs(pairs) >= observed).sum())
    assert r.main.estimate == pytest.approx(0.1, abs=1e-6)
    assert r.main.p_value == pytest.approx(rank / (len(pairs) + 1))


def test_sampled_placebo_averages_are_reproducible_with_a_seed():
    df = mix_panel(mixes=(TRUE_MIX, ((3, 0.6), (4, 0.4))), effects=(3.0, 1.0), walk=0.05, seed=7)
    spec = {**SPEC, "treated_unit": ["t0", "t1"], "method": "plain", "max_placebo_averages": 50}
    a = analysis.fit("synthetic_control", df, **spec, seed=1)
    b = analysis.fit("synthetic_control", df, **spec, seed=1)
    assert a.diagnostics["n_placebos"] == 50 and a.main.p_value == pytest.approx(1 / 51)
    assert a.to_dict() == b.to_dict()


def test_leave_one_out_drops_each_weighted_donor_in_turn():
    df = mix_panel(seed=1)
    r = analysis.fit("synthetic_control", df, **SPEC, method="plain", placebo=False, leave_one_out=True)
    d = r.diagnostics
    assert d["loo_dropped_donors"] == ["d00", "d01", "d02"] and d["loo_n_refits"] == 3
    loo = r.plot_data().query("series == 'leave_one_out'")
    effects = loo[loo["post"]].groupby("dropped_donor")["gap"].mean()
    assert d["loo_effect_min"] == pytest.approx(effects.min()) and d["loo_effect_max"] == pytest.approx(effects.max())
    # without d00 the planted mix is out of reach, so the refit cannot fit the pre-period exactly
    assert loo.query("dropped_donor == 'd00'")["pre_rmspe"].iloc[0] > 1e-3


def test_fit_periods_restrict_the_outcome_fit_and_the_pre_period_rmspe():
    df = mix_panel(seed=2)
    df.loc[(df["area"] == "t0") & (df["year"] < 2010), "y"] += 5.0  # a shock only in the early years
    r = analysis.fit("synthetic_control", df, **SPEC, method="plain", placebo=False,
                     fit_periods=range(2010, 2030))
    assert r.weights[list(true_weights())].to_numpy() == pytest.approx([0.5, 0.3, 0.2], abs=1e-4)
    assert r.diagnostics["n_fit_periods"] == 20 and r.diagnostics["pre_rmspe"] == pytest.approx(0, abs=1e-6)


def test_default_pool_drops_units_with_missing_data_and_says_so():
    df = mix_panel(seed=1)
    df.loc[(df["area"] == "d07") & (df["year"] == 2012), "y"] = np.nan
    r = analysis.fit("synthetic_control", df, **SPEC, method="plain", placebo=False)
    assert "d07" not in r.weights.index and r.sample["n_comparison_units"] == 19
    assert r.sample["dropped_units"] == ["d07: missing or non-numeric 'y' values"]


def test_result_views_are_consistent():
    r = analysis.fit("synthetic_control", mix_panel(seed=2), **SPEC, method="plain")
    tidy = r.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS and tidy.loc[0, "term"] == "t0"
    d = json.loads(json.dumps(r.to_dict()))
    assert d["estimates"][0]["std_error"] is None
    assert d["weights"][0] == {"area": "d00", "weight": pytest.approx(0.5, abs=1e-6)}
    assert d["diagnostics"]["comparison_group"] is True and d["sample"]["first_post_period"] == 2030
    assert "d00: 0.500" in r.summary() and "placebo p value" in r.summary()
    plot = r.plot_data()
    assert list(plot.columns) == synthetic_control.PLOT_COLUMNS
    treated = plot.query("series == 'treated'")
    assert (treated["treated"] - treated["synthetic"]).to_numpy() == pytest.approx(treated["gap"].to_numpy())
    assert "synthetic_control" in set(analysis.designs()["design"])


# ---------------------------------------------------------------- published results

PROP99_PREDICTORS = [("lnincome", range(1980, 1989), "mean"), ("age15to24", range(1980, 1989), "mean"),
                     ("retprice", range(1980, 1989), "mean"), ("beer", range(1984, 1989), "mean"),
                     ("cigsale", 1975, "mean"), ("cigsale", 1980, "mean"), ("cigsale", 1988, "mean")]
STATA_WEIGHTS = {"Utah": 0.334, "Nevada": 0.235, "Montana": 0.202, "Colorado": 0.161, "Connecticut": 0.068}


@pytest.fixture(scope="module")
def smoking(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "smoking_data.csv")


def prop99(smoking, **extra):
    spec = dict(outcome="cigsale", unit="state", time="year", treated_unit="California", start=1989,
                predictors=PROP99_PREDICTORS)
    return analysis.fit("synthetic_control", smoking, **{**spec, **extra})


def test_prop99_weights_and_fit_match_stata_synth(smoking):
    r = prop99(smoking, placebo=False)
    for state, w in STATA_WEIGHTS.items():
        assert r.weights[state] == pytest.approx(w, abs=0.01), state
    assert r.weights.drop(list(STATA_WEIGHTS)).sum() < 0.01
    assert r.diagnostics["pre_rmspe"] == pytest.approx(1.76, abs=0.05)
    assert r.diagnostics["n_donors"] == 38 and r.diagnostics["n_pre_periods"] == 19


def test_prop99_means_skip_missing_years_as_synth_does(smoking):
    # beer is missing before 1984: its 1980-88 mean is the 1984-88 mean (NaN skipped).
    preds = [p if p[0] != "beer" else ("beer", range(1980, 1989), "mean") for p in PROP99_PREDICTORS]
    r = prop99(smoking, predictors=preds, placebo=False)
    beer = r.balance.set_index("predictor").loc["beer (mean 1980-1988)", "treated"]
    ca = smoking.query("state == 'California' and 1984 <= year <= 1988")["beer"]
    assert beer == pytest.approx(ca.mean(), rel=1e-12)


@pytest.mark.slow
def test_prop99_california_ranks_first_of_39(smoking):
    r = prop99(smoking)
    d = r.diagnostics
    assert (d["placebo_rank"], d["n_placebos"]) == (1, 38)
    assert r.main.p_value == pytest.approx(1 / 39)
    assert r.main.estimate < -15  # ADH (2010): about -19 packs a year over 1989-2000


BASQUE_SCHOOL = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
BASQUE_SECTORS = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction", "sec.services.venta",
                  "sec.services.nonventa"]
BASQUE_PREDICTORS = ([(v, range(1964, 1970), "mean") for v in BASQUE_SCHOOL + ["invest"]]
                     + [("gdpcap", range(1960, 1970), "mean")]
                     + [(v, range(1961, 1970, 2), "mean") for v in BASQUE_SECTORS]
                     + [("popdens", 1969, "mean")])
R_SYNTH_WEIGHTS = {10: 0.851, 14: 0.149}  # Cataluna, Madrid


@pytest.fixture(scope="module")
def basque(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "basque.csv")


def basque_fit(basque, **extra):
    donors = [u for u in basque["regionno"].unique() if u not in (1, 17)]
    spec = dict(outcome="gdpcap", unit="regionno", time="year", treated_unit=17, start=1970, donors=donors,
                predictors=BASQUE_PREDICTORS, fit_periods=range(1960, 1970), placebo=False)
    return analysis.fit("synthetic_control", basque, **{**spec, **extra})


def test_basque_r_synth_weights_are_the_best_cataluna_madrid_mix(basque):
    r = basque_fit(basque, method="plain", donors=[10, 14], predictors=None)
    assert r.weights[10.0] == pytest.approx(R_SYNTH_WEIGHTS[10], abs=1e-3)
    assert r.weights[14.0] == pytest.approx(R_SYNTH_WEIGHTS[14], abs=1e-3)


MLSYNTH_WEIGHTS = {14: 0.4405, 5: 0.3700, 18: 0.1895}  # Madrid, Baleares, Rioja: mlsynth 1.0.0 VanillaSC


def test_basque_nested_fit_reaches_the_global_optimum_below_r_synth(basque):
    # R Synth's example reports Cataluna 0.851 and Madrid 0.149 (1960-69 RMSPE 0.0942 on this file).
    # That is a local optimum: some V makes the best outcome-path fit over 1960-69 (RMSPE 0.0642) the
    # inner solution, so no V can do better; mlsynth's global search (MSCMT-style differential
    # evolution) lands on the same weights.
    wide = basque.pivot(index="year", columns="regionno", values="gdpcap").loc[1960:1969]
    r_synth_gap = wide[17.0] - sum(w * wide[float(u)] for u, w in R_SYNTH_WEIGHTS.items())
    r_synth_rmspe = float(np.sqrt((r_synth_gap ** 2).mean()))
    r = basque_fit(basque)
    ours = wide[17.0] - wide[list(r.weights.index)] @ r.weights
    assert r.diagnostics["pre_rmspe"] == pytest.approx(float(np.sqrt((ours ** 2).mean())), rel=1e-9)
    assert r.diagnostics["pre_rmspe"] < r_synth_rmspe - 0.02
    bound = basque_fit(basque, method="plain", predictors=None)
    assert r.diagnostics["pre_rmspe"] == pytest.approx(bound.diagnostics["pre_rmspe"], rel=1e-8)
    assert r.diagnostics["pre_rmspe"] == pytest.approx(0.0642367, abs=1e-6)
    for region, w in MLSYNTH_WEIGHTS.items():
        assert r.weights[float(region)] == pytest.approx(w, abs=1e-3)


def test_reaching_v_finds_predictor_weights_that_make_a_fit_inner_optimal():
    # Two predictors; donor B matches the treated unit on the first, C on the second. Weighting the
    # first predictor reaches B; no V >= 0 reaches A, which is dominated on both.
    x1 = np.array([0.0, 0.0])
    x0 = np.array([[3.0, 0.1, 2.0],
                   [3.0, 2.0, 0.1]])  # columns: donors A, B, C
    v = reaching_v(x1, x0, np.array([0.0, 1.0, 0.0]))
    assert v is not None and v.sum() == pytest.approx(1.0)
    root = np.sqrt(v)
    assert simplex_lstsq(root[:, None] * x0, root * x1) == pytest.approx([0.0, 1.0, 0.0], abs=1e-9)
    assert reaching_v(x1, x0, np.array([1.0, 0.0, 0.0])) is None


# ---------------------------------------------------------------- specification errors

def _drop(df, area, year=None):
    mask = df["area"] == area if year is None else (df["area"] == area) & (df["year"] == year)
    return df.assign(y=df["y"].where(~mask))


@pytest.mark.parametrize("change, spec, message", [
    (None, {"treated_unit": "nowhere"}, "treated unit 'nowhere' is not in column 'area'"),
    (None, {"start": 2000}, "must fall after the first period"),
    (None, {"start": 2050}, "must fall after the first period"),
    (None, {"predictors": [("zzz", [2001], "mean")]}, "predictor='zzz' is not a column"),
    (None, {"predictors": [("x", range(2025, 2032), "mean")]}, "outside the pre-period"),
    (None, {"predictors": [("x", [2001], "median")]}, "op must be 'mean'"),
    (None, {"predictors": ["x"]}, r"each predictor must be \(variable, periods, 'mean'\)"),
    (None, {"fit_periods": [2031]}, "fit_periods must be pre-periods"),
    (None, {"donors": ["d01"]}, "at least 2 donors"),
    (None, {"donors": ["d01", "t0"]}, "donor 't0' is also a treated unit"),
    (None, {"donors": ["d01", "zz"]}, "donor 'zz' is not in column 'area'"),
    (None, {"method": "fancy"}, "method must be 'nested' or 'plain'"),
    (None, {"method": "plain", "predictors": [("x", [2001], "mean")]}, "takes no predictors"),
    (lambda d: _drop(d, "t0", 2003), {}, "treated unit 't0' has missing or non-numeric 'y'"),
    (lambda d: _drop(d, "d04", 2033), {"donors": ["d03", "d04"]}, "donor 'd04' has missing"),
    (lambda d: d.drop(columns="y"), {}, "outcome='y' is not a column"),
    (lambda d: pd.concat([d, d.iloc[:1]]), {}, "more than one row for area=d00"),
    (lambda d: d[d["area"].isin(["t0", "d00"])], {}, "at least 2 donors"),
])
def test_specification_errors_say_what_to_change(change, spec, message):
    df = mix_panel(n_donors=5, n_pre=30, n_post=10)
    if change is not None:
        df = change(df)
    with pytest.raises(SpecificationError, match=message):
        analysis.fit("synthetic_control", df, **{**SPEC, "placebo": False, **spec})


# ---------------------------------------------------------------- interpolation and treated donors

def test_the_exact_fit_of_kent_from_121_donors_and_6_pre_periods_is_flagged_as_interpolation():
    # The case that slipped through: RMSPE about 1e-14, 38 placebos fitted as well, p-value noise.
    from workbench import evidence

    data = evidence.outcome_panel("total_place", "emergency_admissions").data
    r = analysis.fit("synthetic_control", data, outcome="value", unit="area_code", time="period",
                     treated_unit="E10000016", start=2010, treatment="treated")
    wide = data.pivot(index="period", columns="area_code", values="value")
    pre = wide.loc[wide.index < 2010]
    gap = pre["E10000016"] - pre[r.weights.index].to_numpy() @ r.weights.to_numpy()
    assert len(pre) == 6 and len(r.weights) == 121 and np.abs(gap).max() < 1e-9  # exact, from the data
    assert r.diagnostics["interpolation"] is True
    note = r.diagnostics["interpolation_note"]
    assert "121 donors for 6 fit periods reproduce E10000016's pre-period exactly" in note
    assert r.diagnostics["n_placebos_exact_fit"] > 0 and "degenerate" in note


def test_an_exact_mix_from_more_donors_than_pre_periods_is_interpolation_but_not_from_fewer():
    few_periods = analysis.fit("synthetic_control", mix_panel(n_donors=12, n_pre=5),
                               **{**SPEC, "start": 2005}, method="plain")
    assert few_periods.diagnostics["interpolation"] is True
    assert "12 donors for 5 fit periods" in few_periods.diagnostics["interpolation_note"]
    many_periods = analysis.fit("synthetic_control", mix_panel(), **SPEC, method="plain")
    assert "interpolation" not in many_periods.diagnostics


def test_a_placebo_fitted_exactly_makes_the_placebo_ratios_degenerate():
    df = mix_panel(n_donors=12, n_pre=30, effects=(0.5,), seed=2)
    d1, d2 = (df[df["area"] == a].reset_index(drop=True) for a in ("d01", "d02"))
    copy = d1.assign(area="d99", y=0.5 * d1["y"] + 0.5 * d2["y"], x=0.5 * d1["x"] + 0.5 * d2["x"])
    r = analysis.fit("synthetic_control", pd.concat([df, copy], ignore_index=True), **SPEC, method="plain")
    assert r.diagnostics["interpolation"] is True and r.diagnostics["n_placebos_exact_fit"] >= 1
    assert "placebos are fitted exactly" in r.diagnostics["interpolation_note"]
    assert "donors for" not in r.diagnostics["interpolation_note"]  # 13 donors < 30 pre-periods


def _two_treated(treated_effect=10.0):
    df = mix_panel(mixes=(TRUE_MIX, ((3, 0.6), (4, 0.4))), effects=(3.0, treated_effect))
    return df.assign(on=(df["area"].isin(["t0", "t1"]) & (df["year"] >= 2030)).astype(int))


def test_other_treated_units_leave_the_donor_pool_by_default_and_the_choice_is_recorded():
    df = _two_treated()
    r = analysis.fit("synthetic_control", df, **SPEC, method="plain", treatment="on")
    assert "t1" not in r.sample["comparison_units"] and r.sample["excluded_treated_donors"] == ["t1"]
    assert "1 other treated units (column 'on') left out" in r.method
    assert r.spec["treated_donors"] == "exclude" and len(r.weights) == 20
    explicit = analysis.fit("synthetic_control", df, **SPEC, method="plain", treatment="on",
                            donors=["d00", "d01", "d02", "t1"])
    assert explicit.sample["comparison_units"] == ["d00", "d01", "d02"]
    kept = analysis.fit("synthetic_control", df, **SPEC, method="plain", treatment="on", treated_donors="keep")
    assert "t1" in kept.sample["comparison_units"] and kept.sample["treated_donors_kept"] == ["t1"]
    assert "kept as donors" in kept.method


def test_a_treated_donor_with_a_large_effect_would_distort_the_placebo_distribution():
    # t1's planted effect of 10 makes it an extreme placebo; left out, the placebos are the 20 clean donors.
    df = _two_treated(treated_effect=10.0)
    clean = analysis.fit("synthetic_control", df, **SPEC, method="plain", treatment="on")
    kept = analysis.fit("synthetic_control", df, **SPEC, method="plain", treatment="on", treated_donors="keep")
    assert clean.diagnostics["n_placebos"] == 20 and kept.diagnostics["n_placebos"] == 21
    placebo_effects = kept.plot_data().query("series == 'placebo' and post").groupby("unit")["gap"].mean()
    assert placebo_effects.abs().idxmax() == "t1"


def test_treated_donors_must_be_exclude_or_keep():
    with pytest.raises(SpecificationError, match="treated_donors must be 'exclude' or 'keep'"):
        analysis.fit("synthetic_control", _two_treated(), **SPEC, treatment="on", treated_donors="drop")
