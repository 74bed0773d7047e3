"""Speed of our estimators against peer libraries: same data, same run, ratios and agreement.

Run from the repository root (never in CI or tests; `make bench` does it):

    python benchmarks/estimators.py            # every section, full sizes
    python benchmarks/estimators.py --quick    # smaller panels, fewer repeats, shorter timeouts
    python benchmarks/estimators.py --only cs  # one section: twfe, cs or sc

Each table row is one estimator on the same seeded data: best time of N runs after a warm-up, the
ratio peer seconds / our seconds (above 1: ours is faster), whether its answer agrees with ours
within the stated tolerance, and the largest absolute difference. Peers are imported inside guards:
a missing or failing peer is reported and the run carries on. Slow peers run in a child process
with a time limit and are reported as "did not finish in N s" when they exceed it. Timings cover
the estimator calls; extra input columns a peer's API needs (a treatment indicator, copies of a
column) are built beforehand. See benchmarks/README.md for the conventions and the figures measured.
"""

from __future__ import annotations

import argparse
import datetime
import math
import multiprocessing
import os
import platform
import signal
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import analysis
from workbench.analysis import did, staggered, synthetic_control  # noqa: F401  (register the designs)

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "datasets"
PEERS = ("pyfixest", "linearmodels", "statsmodels", "wildboottest", "csdid", "diff-diff", "mlsynth", "pysyncon")
TWFE_SPEC = dict(outcome="y", unit="unit", time="year", treatment="d")
DENSE_LIMIT = 2e7  # cells of a dense dummy design matrix above which statsmodels/wildboottest are not run
PROP99_PREDICTORS = [("lnincome", range(1980, 1989), "mean"), ("age15to24", range(1980, 1989), "mean"),
                     ("retprice", range(1980, 1989), "mean"), ("beer", range(1984, 1989), "mean"),
                     ("cigsale", [1975], "mean"), ("cigsale", [1980], "mean"), ("cigsale", [1988], "mean")]


# ----------------------------------------------------------------------------- timing and tables

@dataclass
class Row:
    """One estimator's line in a table: time, answer, and how the answer compares with ours."""

    estimator: str
    ours: bool = False
    seconds: float = math.nan
    cpu: float = math.nan
    runs: int = 0
    answer: Any = None
    diff: float = math.nan
    agrees: bool | None = None
    note: str = ""


def timed(fn: Callable[[], Any], repeat: int = 3, budget: float = 30.0) -> tuple[float, float, int, Any]:
    """Best wall time of at least `repeat` runs of fn() after one warm-up: (seconds, cpu seconds, runs, value).

    Fast calls are repeated more (up to 20 runs, about a second in all) so that a busy moment on a
    shared machine does not decide the figure. cpu is the process CPU time (all threads) of the
    best run. When the warm-up alone exceeds `budget` seconds it is the only (cold) measurement
    (runs = 0); otherwise the runs are cut to fit in the budget (at least one).
    """
    wall, cpu, value = _clock(fn)
    if wall > budget:
        return wall, cpu, 0, value
    runs = max(1, min(max(repeat, min(20, int(1.0 / max(wall, 1e-9)))), int(budget // max(wall, 1e-9))))
    best = (math.inf, math.nan)
    for _ in range(runs):
        wall, cpu, value = _clock(fn)
        best = min(best, (wall, cpu))
    return best[0], best[1], runs, value


def _clock(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def _child(fn: Callable[[], Any], conn) -> None:
    os.setsid()  # own process group: a timeout kills the child and anything it started, nothing else
    try:
        wall, cpu, value = _clock(fn)
        conn.send((True, (wall, cpu), value))
    except BaseException as exc:  # noqa: BLE001  (report any failure to the parent)
        conn.send((False, (0.0, 0.0), f"{type(exc).__name__}: {exc}"))
    conn.close()


def in_child(fn: Callable[[], Any], timeout: float) -> tuple[float, float, Any]:
    """Run fn() once in a forked child process: (seconds, cpu seconds of the child, value).

    Raises TimeoutError after `timeout` seconds (the child and its own children are killed).
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, child))
    proc.start()
    try:
        if not parent.poll(timeout):
            raise TimeoutError(f"did not finish in {timeout:.0f} s")
        ok, seconds, value = parent.recv()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.join()
    if not ok:
        raise RuntimeError(value)
    return (*seconds, value)


def run(label: str, fn: Callable[[], Any], *, ours: bool = False, repeat: int = 3, budget: float = 30.0,
        timeout: float | None = None) -> Row:
    """Time one estimator; a failure (missing peer, crash, timeout) becomes a row with the reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if timeout is None:
                seconds, cpu, runs, value = timed(fn, repeat, budget)
            else:
                (seconds, cpu, value), runs = in_child(fn, timeout), 0
        return Row(label, ours, seconds, cpu, runs, value)
    except ImportError as exc:
        return Row(label, ours, note=f"not installed ({exc.name or exc})")
    except TimeoutError as exc:
        return Row(label, ours, note=str(exc))
    except Exception as exc:  # noqa: BLE001  (a crashing peer is reported, the run goes on)
        if ours:
            raise
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return Row(label, ours, note=f"failed: {type(exc).__name__}: {str(exc)[:120]} ({Path(last.filename).name})")


def compare(rows: list[Row], diff: Callable[[Any, Any], float], tolerance: float) -> None:
    """Fill each peer row's max abs difference from the first (our) row and whether it is within tolerance."""
    reference = rows[0].answer
    for row in rows[1:]:
        if row.answer is None or reference is None:
            continue
        try:
            row.diff = float(diff(reference, row.answer))
            row.agrees = bool(row.diff <= tolerance)
        except Exception as exc:  # noqa: BLE001
            row.note = (row.note + "; " if row.note else "") + f"could not compare: {exc}"


def print_table(title: str, rows: list[Row], tolerance: str, results: list[dict]) -> None:
    """Print the rows with time, ratio to ours, agreement and difference; record the comparison."""
    base = rows[0].seconds
    print(f"\n{title}\n  agreement with ours: {tolerance}")
    print(f"  {'estimator':<48} {'seconds':>9} {'cpu s':>8} {'peer/ours':>9} {'agrees?':>8} {'max abs diff':>12}  note")
    for row in rows:
        ratio = "-" if row.ours else (f"{row.seconds / base:9.2f}" if np.isfinite(row.seconds) else "")
        secs = f"{row.seconds:9.3f}" if np.isfinite(row.seconds) else "        -"
        cpu = f"{row.cpu:8.3f}" if np.isfinite(row.cpu) else ""
        agrees = "" if row.agrees is None else ("yes" if row.agrees else "NO")
        diff = f"{row.diff:12.2e}" if np.isfinite(row.diff) else ""
        runs = "" if not np.isfinite(row.seconds) else (" cold, 1 run" if row.runs == 0 else f" best of {row.runs}")
        note = "; ".join(x for x in (runs.strip(), row.note) if x)
        print(f"  {row.estimator:<48} {secs} {cpu:>8} {ratio:>9} {agrees:>8} {diff:>12}  {note}")
    peers = [r for r in rows if not r.ours and r.agrees and np.isfinite(r.seconds)]
    fastest = min(peers, key=lambda r: r.seconds) if peers else None
    if fastest is not None:
        print(f"  ours / fastest agreeing peer ({fastest.estimator}): {base / fastest.seconds:.2f} "
              f"({'ours at least as fast' if base <= fastest.seconds else 'PEER FASTER'})")
    results.append({"table": title, "ours": base, "fastest": fastest})


# ----------------------------------------------------------------------------- seeded data

def twfe_panel(n_units: int, n_years: int, n_treated: int, seed: int = 1) -> pd.DataFrame:
    """Balanced panel, unit and year effects, AR(1) errors, effect 0.4 from mid-panel on treated units."""
    rng = np.random.default_rng(seed)
    years = np.arange(2004, 2004 + n_years)
    unit_fx, year_fx = rng.normal(0, 2, n_units), rng.normal(0, 0.5, n_years).cumsum()
    e = rng.normal(0, 1, (n_units, n_years))
    for t in range(1, n_years):
        e[:, t] += 0.5 * e[:, t - 1]
    treated = np.zeros(n_units, bool)
    treated[rng.choice(n_units, n_treated, replace=False)] = True
    d = treated[:, None] & (years >= years[n_years // 2])[None, :]
    y = unit_fx[:, None] + year_fx[None, :] + 0.4 * d + e
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_years), "year": np.tile(years, n_units),
                         "d": d.ravel().astype(int), "y": y.ravel()})


def cs_panel(n_units: int, n_years: int = 20, seed: int = 2) -> pd.DataFrame:
    """Staggered adoption: cohorts 2005, 2008, 2011, 2014 and never treated (0), dynamic effects."""
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2000 + n_years)
    first = rng.choice([0, 2005, 2008, 2011, 2014], n_units, p=[0.4, 0.15, 0.15, 0.15, 0.15])
    on = (first[:, None] > 0) & (years[None, :] >= first[:, None])
    effect = np.where(on, 1.0 + 0.1 * (years[None, :] - first[:, None]), 0.0)
    y = (rng.normal(0, 1, n_units)[:, None] + rng.normal(0, 0.3, n_years).cumsum()[None, :] + effect
         + rng.normal(0, 1, (n_units, n_years)))
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_years), "year": np.tile(years, n_units),
                         "first": np.repeat(first, n_years), "y": y.ravel()})


def sc_panel(n_treated: int, n_donors: int, n_pre: int = 20, n_post: int = 10, seed: int = 3):
    """Factor-model donors; each treated unit a mix of 4 donors plus noise, effect -2 after the start.

    Returns (long frame, treated unit labels, donor labels, first post period).
    """
    rng = np.random.default_rng(seed)
    T = n_pre + n_post
    y0 = 10 + rng.normal(0, 1, (T, 3)).cumsum(axis=0) @ rng.normal(0, 1, (3, n_donors))
    y0 += rng.normal(0, 0.5, (T, n_donors))
    shift = np.r_[np.zeros(n_pre), np.full(n_post, -2.0)]
    mixes = [y0[:, rng.choice(n_donors, 4, replace=False)] @ rng.dirichlet(np.ones(4)) for _ in range(n_treated)]
    Y = np.column_stack([m + rng.normal(0, 0.3, T) + shift for m in mixes] + [y0])
    treated = [f"t{i:02d}" for i in range(n_treated)]
    donors = [f"d{j:03d}" for j in range(n_donors)]
    years = np.arange(1990, 1990 + T)
    frame = pd.DataFrame({"unit": np.repeat(treated + donors, T), "year": np.tile(years, len(treated) + len(donors)),
                          "y": Y.T.ravel()})
    return frame, treated, donors, int(years[n_pre])


# ----------------------------------------------------------------------------- TWFE DiD

def twfe_section(sizes, repeat, results) -> None:
    """TWFE coefficient and CR1 clustered SE, then the wild cluster bootstrap, for each panel size."""
    for n_units, n_years in sizes:
        df = twfe_panel(n_units, n_years, max(2, n_units // 8))
        dense = len(df) * (n_units + n_years) > DENSE_LIMIT
        why = f"dense dummy design {len(df):,} x {n_units + n_years:,}"
        twfe_point(df, f"{n_units} units x {n_years} years", why if dense else "", repeat, results)
        twfe_inference(df, f"{n_units} units x {n_years} years", why if dense else "", repeat, results)


def twfe_point(df, size: str, too_big: str, repeat, results) -> None:
    """Coefficient and CR1 SE: ours vs pyfixest, linearmodels and statsmodels (dummies)."""
    rows = [run("ours did, inference='cluster', checks=False", lambda: _ours_twfe(df), ours=True, repeat=repeat),
            run("pyfixest feols CRV1 (k_fixef='full')", lambda: _pyfixest_twfe(df), repeat=repeat),
            run("linearmodels PanelOLS (SE rescaled, see note)", lambda: _linearmodels_twfe(df), repeat=repeat)]
    rows[-1].note = "default debiased=True: n/(n-K); x sqrt(G/(G-1)(n-1)/n)"
    label = "statsmodels OLS + dummies, cluster"
    rows.append(Row(label, note=f"not run: {too_big}") if too_big
                else run(label, lambda: _statsmodels_twfe(df), repeat=repeat))
    compare(rows, lambda a, b: max(abs(a[0] - b[0]), abs(a[1] - b[1])), 1e-8)
    print_table(f"TWFE DiD, {size} (coefficient and CR1 clustered SE)", rows, "coefficient and SE within 1e-8",
                results)


def twfe_inference(df, size: str, too_big: str, repeat, results) -> None:
    """Wild cluster restricted bootstrap p-value: ours (alone, and the default with RI) vs wildboottest."""
    rows = [run("ours did, wild bootstrap only (checks=False)",
                lambda: _ours_p(df, inference="wild_bootstrap", checks=False), ours=True, repeat=repeat),
            run("ours did, default (checks=True)", lambda: _ours_p(df), ours=True, repeat=repeat)]
    rows[-1].note = "adds 9999 permutations and the event-study pre-trend test"
    label = "pyfixest feols + wildboottest(reps=9999)"
    rows.append(Row(label, note=f"not run: {too_big}") if too_big
                else run(label, lambda: _pyfixest_wild(df), repeat=repeat))
    compare(rows, lambda a, b: abs(a - b), 0.01)
    print_table(f"TWFE DiD inference, {size} (wild cluster bootstrap p-value)", rows,
                "bootstrap p-value within 0.01 (Monte Carlo error of 9999 draws)", results)


def _ours_twfe(df):
    r = analysis.fit("did", df, **TWFE_SPEC, inference="cluster", checks=False)
    return r.main.estimate, r.main.std_error


def _ours_p(df, **options):
    return analysis.fit("did", df, **TWFE_SPEC, **options).diagnostics["wild_bootstrap_p_value"]


def _pyfixest_twfe(df):
    import pyfixest as pf

    fit = pf.feols("y ~ d | unit + year", data=df, vcov={"CRV1": "unit"},
                   ssc=pf.ssc(k_adj=True, k_fixef="full", G_adj=True))
    return float(fit.coef()["d"]), float(fit.se()["d"])


def _linearmodels_twfe(df):
    from linearmodels import PanelOLS

    panel = df.set_index(["unit", "year"])
    fit = PanelOLS(panel["y"], panel[["d"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    n, g = len(df), df["unit"].nunique()
    return float(fit.params["d"]), float(fit.std_errors["d"]) * math.sqrt(g / (g - 1) * (n - 1) / n)


def _statsmodels_twfe(df):
    import statsmodels.formula.api as smf

    fit = smf.ols("y ~ d + C(unit) + C(year)", data=df).fit(
        cov_type="cluster", cov_kwds={"groups": df["unit"].to_numpy()})
    return float(fit.params["d"]), float(fit.bse["d"])


def _pyfixest_wild(df):
    import pyfixest as pf

    fit = pf.feols("y ~ d | unit + year", data=df, vcov={"CRV1": "unit"})
    return float(fit.wildboottest(param="d", reps=9999, seed=20100324)["Pr(>|t|)"])


# ----------------------------------------------------------------------------- Callaway-Sant'Anna

def cs_section(sizes, repeat, results) -> None:
    """ATT(g,t) with a 999-draw multiplier bootstrap: ours vs csdid and diff-diff."""
    for n_units in sizes:
        df = cs_panel(n_units)
        rows = [run("ours staggered_did (n_boot=999, 4 aggregations)", lambda: _ours_cs(df), ours=True,
                    repeat=repeat)]
        rows.append(run("csdid ATTgt (biters=999, cband)", lambda: _csdid(df), repeat=repeat))
        rows.append(run("diff-diff CallawaySantAnna (n_bootstrap=999)", lambda: _diffdiff_cs(df), repeat=repeat))
        compare(rows, _cell_diff, 1e-6)
        print_table(f"Callaway-Sant'Anna, {n_units} units x 20 periods, never-treated comparison", rows,
                    "every ATT(g,t) within 1e-6 (matched on group and period)", results)


def _ours_cs(df):
    r = analysis.fit("staggered_did", df, outcome="y", unit="unit", time="year", cohort="first",
                     control="never_treated", n_boot=999)
    return r.group_time.set_index(["group", "time"])["att"]


def _csdid(df):
    from csdid.att_gt import ATTgt

    fit = ATTgt(yname="y", tname="year", idname="unit", gname="first", data=df, control_group="nevertreated",
                biters=999, cband=True).fit(est_method="dr", bstrap=True)
    res = fit.results
    return pd.Series(np.asarray(res["att"], float),
                     index=pd.MultiIndex.from_arrays([np.asarray(res["group"]), np.asarray(res["year"])]))


def _diffdiff_cs(df):
    from diff_diff import CallawaySantAnna

    fit = CallawaySantAnna(control_group="never_treated", n_bootstrap=999, seed=1, cband=True).fit(
        df, outcome="y", unit="unit", time="year", first_treat="first")
    gt = fit.to_dataframe("group_time")
    return gt.set_index(["group", "time"])["effect"]


def _cell_diff(ours: pd.Series, peer: pd.Series) -> float:
    ours, peer = (s.set_axis(pd.MultiIndex.from_arrays([s.index.get_level_values(i).astype(float) for i in (0, 1)]))
                  for s in (ours, peer))
    if len(peer) != len(ours) or not peer.index.isin(ours.index).all():
        raise ValueError(f"cells differ: ours {len(ours)}, peer {len(peer)}")
    return float((ours - peer.reindex(ours.index)).abs().max())


# ----------------------------------------------------------------------------- synthetic control

def sc_section(quick, repeat, timeout, results) -> None:
    """Prop 99 nested fit and placebo loop; plain fits of many treated units; plain placebo loop."""
    path = REFERENCE / "smoking_data.csv"
    if path.exists():
        prop99_section(pd.read_csv(path), repeat, timeout, results)
    else:
        print(f"\nSynthetic control, Prop 99: skipped ({path} is absent)")
    n_treated, n_donors, n_placebo = (5, 100, 50) if quick else (15, 300, 150)
    plain_many_section(n_treated, n_donors, repeat, results)
    plain_placebo_section(n_placebo, repeat, results)


def prop99_section(raw: pd.DataFrame, repeat, timeout, results) -> None:
    """California, Proposition 99: ours vs mlsynth, diff-diff and pysyncon, fit alone and with placebos."""
    df = raw.assign(year=raw["year"].astype(int))
    peer = df.assign(treat=((df["state"] == "California") & (df["year"] >= 1989)).astype(int),
                     **{f"cigsale{y}": df["cigsale"] for y in (1975, 1980, 1988)})
    outcomes = df.pivot(index="year", columns="state", values="cigsale")
    for placebo in (False, True):
        what = "fit + placebo loop over 38 donors" if placebo else "fit only"
        rows = [run("ours synthetic_control, method='nested'", lambda: _ours_prop99(df, placebo), ours=True,
                    repeat=repeat),
                run("mlsynth VanillaSC (mscmt V search)", lambda: _mlsynth_prop99(peer, placebo), repeat=repeat)]
        rows.append(run("diff-diff SyntheticControl (nested, 4 starts)", lambda: _diffdiff_prop99(peer, placebo),
                        timeout=timeout))
        rows.append(run("pysyncon Synth (Nelder-Mead)", lambda: _pysyncon_prop99(df, placebo), timeout=timeout))
        compare(rows, _weights_diff, 0.01)
        print_table(f"Synthetic control, Prop 99 (39 states, 1970-2000), {what}", rows,
                    "donor weights within 0.01 (max abs difference over the 38 donors)", results)
        _print_weights(rows, outcomes)
        if placebo:
            print(f"  placebo p-values: " + ", ".join(f"{r.estimator.split()[0]} {r.answer['p']:.4f}" for r in rows
                                                      if r.answer is not None and "p" in r.answer))
            print(f"  goal: Prop 99 nested fit + full placebo loop under 10 s: ours {rows[0].seconds:.2f} s "
                  f"({'met' if rows[0].seconds < 10 else 'NOT met'})")


def _ours_prop99(df, placebo):
    r = analysis.fit("synthetic_control", df, outcome="cigsale", unit="state", time="year",
                     treated_unit="California", start=1989, predictors=PROP99_PREDICTORS, placebo=placebo,
                     method="nested")
    return {"w": r.weights.astype(float), "p": r.main.p_value}


def _mlsynth_prop99(peer, placebo):
    from mlsynth import VanillaSC

    covariates = ["lnincome", "age15to24", "retprice", "beer", "cigsale1975", "cigsale1980", "cigsale1988"]
    windows = {"lnincome": (1980, 1988), "age15to24": (1980, 1988), "retprice": (1980, 1988), "beer": (1984, 1988),
               "cigsale1975": (1975, 1975), "cigsale1980": (1980, 1980), "cigsale1988": (1988, 1988)}
    fit = VanillaSC(dict(df=peer, outcome="cigsale", treat="treat", unitid="state", time="year",
                         covariates=covariates, covariate_windows=windows, display_graphs=False,
                         inference="placebo" if placebo else False)).fit()
    out = {"w": pd.Series(fit.weights.donor_weights, dtype=float)}
    if placebo:
        out["p"] = fit.inference.p_value
    return out


def _diffdiff_prop99(peer, placebo):
    from diff_diff import SyntheticControl

    special = [("beer", list(range(1984, 1989)), "mean")] + [("cigsale", [y], "mean") for y in (1975, 1980, 1988)]
    fit = SyntheticControl(v_method="nested", seed=1).fit(
        peer, outcome="cigsale", treatment="treat", unit="state", time="year", treated_unit="California",
        predictors=["lnincome", "age15to24", "retprice"], predictor_window=list(range(1980, 1989)),
        special_predictors=special)
    out = {"w": pd.Series(fit.donor_weights, dtype=float)}
    if placebo:
        fit.in_space_placebo()
        out["p"] = fit.placebo_p_value
    return out


def _pysyncon_prop99(df, placebo):
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    donors = sorted(set(df["state"]) - {"California"})
    special = [("beer", range(1984, 1989), "mean")] + [("cigsale", [y], "mean") for y in (1975, 1980, 1988)]
    prep = Dataprep(foo=df, predictors=["lnincome", "age15to24", "retprice"], predictors_op="mean",
                    time_predictors_prior=range(1980, 1989), special_predictors=special, dependent="cigsale",
                    unit_variable="state", time_variable="year", treatment_identifier="California",
                    controls_identifier=donors, time_optimize_ssr=range(1970, 1989))
    synth = Synth()
    synth.fit(prep, optim_method="Nelder-Mead", optim_initial="equal")
    if placebo:
        PlaceboTest().fit(prep, Synth(), scm_options={"optim_method": "Nelder-Mead", "optim_initial": "equal"},
                          verbose=False)
    return {"w": pd.Series(synth.W, index=donors, dtype=float)}


def _weights_diff(ours: dict, peer: dict) -> float:
    a, b = ours["w"], peer["w"]
    index = a.index.union(b.index)
    return float((a.reindex(index, fill_value=0.0) - b.reindex(index, fill_value=0.0)).abs().max())


def _print_weights(rows: list[Row], outcomes: pd.DataFrame) -> None:
    """Top five donors of each estimator and the pre-period (1970-88) RMSPE its weights give."""
    pre = outcomes.loc[outcomes.index < 1989]
    for row in rows:
        if row.answer is None:
            continue
        w = row.answer["w"]
        gap = pre["California"] - pre[w.index].to_numpy() @ w.to_numpy()
        top = ", ".join(f"{k} {v:.3f}" for k, v in w.sort_values(ascending=False).head(5).items())
        print(f"    {row.estimator.split()[0]:<12} pre-RMSPE {np.sqrt(np.mean(gap ** 2)):.3f}; {top}")


def plain_many_section(n_treated, n_donors, repeat, results) -> None:
    """Plain synthetic control (outcome path only) of many treated units against one donor pool."""
    df, treated, donors, start = sc_panel(n_treated, n_donors)
    n_pre = start - 1990
    rows = [run("ours synthetic_control, method='plain', all treated", lambda: _ours_plain(df, treated, start),
                ours=True, repeat=repeat)]
    frames = {u: df[df["unit"].isin([u, *donors])] for u in treated}
    frames = {u: f.assign(treat=((f["unit"] == u) & (f["year"] >= start)).astype(int)) for u, f in frames.items()}
    rows.append(run(f"mlsynth VanillaSC outcome-only, looped x{n_treated}",
                    lambda: {u: _mlsynth_plain(f, False) for u, f in frames.items()}, repeat=repeat))
    rows.append(run(f"diff-diff SyntheticControl custom uniform V, x{n_treated}",
                    lambda: {u: _diffdiff_plain(f, u, n_pre, False) for u, f in frames.items()}, repeat=repeat))
    compare(rows, _many_diff, 1e-6)
    print_table(f"Synthetic control, plain: {n_treated} treated units against {n_donors} donors, no placebos",
                rows, "each unit's effect and donor weights within 1e-6", results)


def plain_placebo_section(n_donors, repeat, results) -> None:
    """Plain synthetic control of one treated unit with the placebo loop over every donor."""
    df, treated, donors, start = sc_panel(1, n_donors, seed=4)
    unit, n_pre = treated[0], start - 1990
    peer = df.assign(treat=((df["unit"] == unit) & (df["year"] >= start)).astype(int))
    rows = [run("ours synthetic_control, method='plain', placebo", lambda: _ours_plain(df, unit, start, True)[unit],
                ours=True, repeat=repeat)]
    rows.append(run("mlsynth VanillaSC outcome-only, placebo", lambda: _mlsynth_plain(peer, True), repeat=repeat))
    rows.append(run("diff-diff custom uniform V + in_space_placebo", lambda: _diffdiff_plain(peer, unit, n_pre, True),
                    repeat=repeat))
    rows[-1].note = "placebo pools include the treated unit"
    compare(rows, _one_diff, 1e-6)
    print_table(f"Synthetic control, plain: 1 treated unit, placebo loop over {n_donors} donors", rows,
                "effect, donor weights and placebo p-value within 1e-6", results)
    print(f"  goal: plain fit with placebo over {n_donors} donors under 2 s: ours {rows[0].seconds:.2f} s "
          f"({'met' if rows[0].seconds < 2 else 'NOT met'})")


def _ours_plain(df, treated, start, placebo=False):
    r = analysis.fit("synthetic_control", df, outcome="y", unit="unit", time="year", treated_unit=treated,
                     start=start, method="plain", placebo=placebo)
    several = isinstance(treated, list)
    effects = {e.term: e for e in r.estimates if e.term != "average"}
    return {u: {"effect": effects[u].estimate, "p": effects[u].p_value,
                "w": (r.weights.loc[u] if several else r.weights).astype(float)} for u in effects}


def _mlsynth_plain(frame, placebo):
    from mlsynth import VanillaSC

    fit = VanillaSC(dict(df=frame, outcome="y", treat="treat", unitid="unit", time="year", display_graphs=False,
                         inference="placebo" if placebo else False)).fit()
    return {"effect": fit.effects.att, "w": pd.Series(fit.weights.donor_weights, dtype=float),
            "p": fit.inference.p_value if placebo else math.nan}


def _diffdiff_plain(frame, unit, n_pre, placebo):
    from diff_diff import SyntheticControl

    fit = SyntheticControl(v_method="custom", custom_v=np.ones(n_pre), standardize="none").fit(
        frame, outcome="y", treatment="treat", unit="unit", time="year", treated_unit=unit)
    if placebo:
        fit.in_space_placebo()
    return {"effect": fit.att, "w": pd.Series(fit.donor_weights, dtype=float),
            "p": fit.placebo_p_value if placebo else math.nan}


def _one_diff(ours: dict, peer: dict) -> float:
    p = abs(ours["p"] - peer["p"]) if np.isfinite(peer["p"]) else 0.0
    return max(abs(ours["effect"] - peer["effect"]), _weights_diff(ours, peer), p)


def _many_diff(ours: dict, peer: dict) -> float:
    return max(max(abs(ours[u]["effect"] - peer[u]["effect"]), _weights_diff(ours[u], peer[u])) for u in ours)


# ----------------------------------------------------------------------------- main

def header() -> None:
    """Date, machine and versions, so that the figures can be compared across runs."""
    versions = []
    for name in ("workbench", "numpy", "pandas", "scipy", *PEERS):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    print(f"Estimator benchmarks, {datetime.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print("  " + ", ".join(versions))
    print("  seconds: wall, best of N runs after a warm-up; cpu s: CPU time of that run, all threads (below the\n"
          "  wall time when the machine is shared); peer/ours: peer seconds / our seconds (above 1: ours faster)")


def summary(results: list[dict]) -> None:
    """One line per table: our time against the fastest peer that gives the same answer."""
    print("\nGoal: at equal answers, every estimator at least as fast as the fastest peer")
    for item in results:
        fastest = item["fastest"]
        if fastest is None:
            print(f"  {item['table']}: no peer ran and agreed")
            continue
        verdict = "met" if item["ours"] <= fastest.seconds else "NOT met"
        print(f"  {item['table']}: ours {item['ours']:.3f} s, {fastest.estimator} {fastest.seconds:.3f} s -> {verdict}")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run the chosen sections."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller panels, one repeat, 20 s timeouts")
    parser.add_argument("--only", choices=("twfe", "cs", "sc"), help="run one section only")
    args = parser.parse_args(argv)
    repeat, timeout = (1, 20.0) if args.quick else (3, 60.0)
    header()
    results: list[dict] = []
    if args.only in (None, "twfe"):
        twfe_section([(152, 16), (1000, 20)] if args.quick else [(152, 16), (3500, 20)], repeat, results)
    if args.only in (None, "cs"):
        cs_section([350, 1000] if args.quick else [350, 3500], repeat, results)
    if args.only in (None, "sc"):
        sc_section(args.quick, repeat, timeout, results)
    summary(results)


if __name__ == "__main__":
    main()
