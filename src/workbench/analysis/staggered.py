"""Staggered-adoption difference-in-differences (Callaway and Sant'Anna 2021), as R `did` 2.x.

Cohort g is the units first treated in period g (0: never treated). For each cohort g and period
t after the first, ATT(g,t) is the mean change in outcome of cohort g minus that of the comparison
units, from a base period that is g-1 when t >= g and t-1 when t < g (R's "varying" base period,
no anticipation). Comparison units are the never-treated, or the never-treated plus the units not
yet treated by t (cohort > t, other than g). With `strata` (a column constant within unit, e.g. a
region) cohort g is compared only within each stratum s: ATT(g,t) = sum_s (W_Ds / W_D)(mean_Ds dY -
mu_s), mu_s = mean_Cs dY, R's outcome-regression estimator on saturated stratum dummies (equal to its
DR and IPW ones). It is computed for all cells at once from the unit-by-period outcome matrix, with
each cell's influence function (DRDID's reg_did_panel, times n / n_gt as R's compute.att_gt does):

    psi_i = n * [D_i w_i (dY_i - mu_s(i) - ATT) / W_D - C_i w_i (dY_i - mu_s(i)) W_Ds(i) / (W_D W_Cs(i))]

Analytic standard errors are sqrt(sum psi_i^2) / n (R with bstrap=FALSE). Aggregations (simple,
dynamic, group, calendar) weight cells by cohort size and add R's "wif" term for the estimated
weights. One multiplier-bootstrap draw matrix (Rademacher weights per unit, as R's BMisc) is shared
by every parameter: bootstrap standard errors are R's IQR estimator and uniform bands use the sup-t
critical value over each family (all ATT(g,t); event times; cohorts; calendar periods). The draws
are linear in per cohort-by-stratum sums of v_i w_i Y_it: they cost B x units x periods, not x cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from workbench.analysis.panel_checks import (
    require_columns, require_numeric, require_unique_unit_time, resolve_cohort,
)
from workbench.analysis.pretrend import cohort_hotelling, wald_pre_test
from workbench.analysis.registry import register
from workbench.analysis.results import ESTIMATE_COLUMNS, Estimate, Result, _jsonable
from workbench.analysis.staggered_bootstrap import (
    DEFAULT_SEED, SE_FLOOR, _chunk, _iqr_se, _rademacher, _sup_t, multiplier_bootstrap,
)
from workbench.analysis.staggered_bootstrap import _rowwise_matmul as _matmul
from workbench.analysis.staggered_covariates import ESTIMATORS, covariate_array, adjusted_cells
from workbench.errors import SpecificationError

CONTROLS = ("never_treated", "not_yet_treated")
ESTIMATOR_TEXT = {"reg": "outcome regression", "ipw": "inverse probability weighting (logistic propensity score)",
                  "dr": "a doubly robust combination of outcome regression and inverse probability weighting"}
AGGREGATIONS = ("simple", "dynamic", "group", "calendar")
KEY_COLUMN = {"simple": None, "dynamic": "event_time", "group": "group", "calendar": "time"}
TERM_PREFIX = {"dynamic": "e", "group": "g", "calendar": "t"}


@dataclass(frozen=True, eq=False, repr=False)
class StaggeredResult(Result):
    """A Result with the group-time effects and every aggregation of them."""

    group_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    aggregations: dict[str, pd.DataFrame] = field(default_factory=dict)

    def aggregate(self, kind: str = "simple") -> pd.DataFrame:
        """One aggregation of the ATT(g,t): "simple", "dynamic", "group" or "calendar" (a copy)."""
        if kind not in self.aggregations:
            raise SpecificationError(f"unknown aggregation '{kind}'; choose one of {', '.join(AGGREGATIONS)}")
        return self.aggregations[kind].copy()

    def to_dict(self) -> dict[str, Any]:
        """Everything in JSON-safe types, with the group-time table and the aggregations."""
        out = super().to_dict()
        out["group_time"] = _jsonable(self.group_time.to_dict("records"))
        out["aggregations"] = {k: _jsonable(v.to_dict("records")) for k, v in self.aggregations.items()}
        return out


@dataclass(frozen=True)
class _Panel:
    """The balanced panel as arrays: outcomes (units x periods), cohort, weight and stratum per unit."""

    Y: np.ndarray
    cohort: np.ndarray
    w: np.ndarray
    stratum: np.ndarray | None  # each unit's stratum label (None: no strata)
    periods: np.ndarray
    units: pd.Index
    cohorts: np.ndarray  # the cohorts whose effects are estimated
    notes: dict[str, Any]


@dataclass(frozen=True)
class _Cells:
    """Group-time cells: cohort, period, base period, estimate and influence functions (n x K).

    Units form blocks of equal cohort and stratum (`block_cohort`, `unit_block`). A cell's influence
    function is n w_i coef[b, k] (dY_ik - centre[b, k]) for unit i in block b (coef 0 outside the cell).
    """

    group: np.ndarray
    time: np.ndarray
    base: np.ndarray
    tj: np.ndarray
    bj: np.ndarray
    att: np.ndarray
    inf: np.ndarray
    coef: np.ndarray
    centre: np.ndarray
    block_cohort: np.ndarray
    unit_block: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray

    @property
    def post(self) -> np.ndarray:
        return self.time >= self.group


def fit_staggered(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str | None = None,
                  control: str = "never_treated", aggregation: str = "simple", n_boot: int = 999,
                  seed: int = DEFAULT_SEED, weights: str | None = None, strata: str | None = None,
                  confidence: float = 0.95, treatment: str | None = None,
                  covariates: list[str] | None = None, estimator: str = "dr") -> StaggeredResult:
    """Callaway-Sant'Anna ATT(g,t) and its aggregations from a balanced long panel.

    `cohort` is the first treated period of each unit (0 if never treated); `control` is
    "never_treated" or "not_yet_treated"; `aggregation` picks the headline ("simple", "dynamic",
    "group" or "calendar"); `n_boot` multiplier-bootstrap draws (0 to skip) seeded by `seed`;
    `strata` names a column constant within unit (e.g. a region) to compare units only within it.
    `treatment` (instead of `cohort`): a 0/1 column that stays on once started; one that switches off is refused.
    `covariates`: columns adjusted for (in the base period) by `estimator`: "dr" (doubly robust, R did's
    default), "ipw" or "reg" (outcome regression); see `staggered_covariates`. Without covariates all three agree.
    """
    _check_options(control, aggregation, n_boot, confidence)
    frame, column = resolve_cohort(data, unit=unit, time=time, cohort=cohort, treatment=treatment,
                                   design="staggered_did")
    panel = _prepare(frame, outcome, unit, time, column, weights, control, strata)
    if estimator not in ESTIMATORS:
        raise SpecificationError(f"estimator='{estimator}' is not known; use one of {', '.join(ESTIMATORS)}")
    cells = (_covariate_cells(frame, unit, time, list(covariates), panel, control, estimator) if covariates else
             group_time_effects(panel.Y, panel.cohort, panel.w, panel.periods, panel.cohorts, control,
                                panel.stratum, strata or "stratum"))
    families, shares = _aggregate_all(cells, panel)
    inference = _inference(cells, shares, families, panel, n_boot, seed, confidence)
    z = special.ndtri(0.5 + confidence / 2)
    gt = _group_time_frame(cells, inference["group_time"], z)
    aggs = {k: _aggregation_frame(k, f, inference[k], z) for k, f in families.items()}
    estimates = tuple(Estimate(*row) for row in aggs[aggregation][ESTIMATE_COLUMNS].itertuples(index=False))
    spec = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort, "treatment": treatment,
            "control": control, "aggregation": aggregation, "n_boot": int(n_boot), "seed": seed,
            "weights": weights, "strata": strata, "covariates": list(covariates or []),
            "estimator": estimator if covariates else None, "base_period": "varying",
            "anticipation": 0}
    diagnostics = _diagnostics(cells, panel, control, inference["group_time"])
    return StaggeredResult("staggered_did", _method(control, aggregation, n_boot, strata, covariates, estimator),
                           estimates, spec,
                           _sample(panel), diagnostics, _event_study_frame(aggs["dynamic"]), confidence,
                           gt, aggs)


def group_time_effects(Y: np.ndarray, cohort: np.ndarray, w: np.ndarray, periods: np.ndarray,
                       cohorts: np.ndarray, control: str, strata: np.ndarray | None = None,
                       strata_name: str = "stratum") -> _Cells:
    """Every ATT(g,t) with its influence function, from the units x periods outcome matrix.

    With `strata` (a label per unit) cohort g is compared only with comparison units of its own
    stratum, and the strata's differences are weighted by cohort g's (weighted) units in each.
    """
    n, n_periods = Y.shape
    start = np.searchsorted(periods, cohorts)  # column of each cohort's first treated period
    gi, tj = np.meshgrid(np.arange(len(cohorts)), np.arange(1, n_periods), indexing="ij")
    gi, tj = gi.ravel(), tj.ravel()
    bj = np.where(tj < start[gi], tj - 1, start[gi] - 1)
    g_cell, t_cell = cohorts[gi], periods[tj]
    labels, unit_stratum = np.unique(np.zeros(n) if strata is None else np.asarray(strata), return_inverse=True)
    values, unit_cohort = np.unique(cohort, return_inverse=True)
    keys, unit_block = np.unique(unit_cohort * len(labels) + unit_stratum, return_inverse=True)
    block_cohort, block_stratum = values[keys // len(labels)], keys % len(labels)
    treated = block_cohort[:, None] == g_cell  # blocks x cells
    comparison = np.broadcast_to((block_cohort == 0)[:, None], treated.shape)
    if control == "not_yet_treated":  # R: cohort > max(t, base) and not g; the base is before t
        comparison = comparison | ((block_cohort[:, None] > t_cell) & ~treated)
    dy = Y[:, tj] - Y[:, bj]
    member = np.eye(len(keys))[unit_block]
    w_b, dy_b = member.T @ w, member.T @ (w[:, None] * dy)  # per-block weights and weighted changes
    in_stratum = np.eye(len(labels))[block_stratum].T  # strata x blocks
    w_ds, w_cs = in_stratum @ (treated * w_b[:, None]), in_stratum @ (comparison * w_b[:, None])
    _require_comparisons(w_ds, w_cs, labels, g_cell, t_cell, strata_name, control)
    w_cs = np.where(w_cs > 0, w_cs, 1.0)  # strata without comparison units have no treated units here
    mu_c = in_stratum @ (comparison * dy_b) / w_cs  # the OR fit: comparison mean change by stratum
    w_d = w_ds.sum(axis=0)
    att = ((treated * dy_b).sum(axis=0) - (w_ds * mu_c).sum(axis=0)) / w_d
    coef = treated / w_d - comparison * (w_ds / w_d / w_cs)[block_stratum]
    centre = mu_c[block_stratum] + treated * att
    inf = n * w[:, None] * coef[unit_block] * (dy - centre[unit_block])
    size = np.bincount(unit_block)[:, None]
    return _Cells(g_cell, t_cell, periods[bj], tj, bj, att, inf, coef, centre, block_cohort, unit_block,
                  (treated * size).sum(axis=0), (comparison * size).sum(axis=0))


def _covariate_cells(frame, unit, time, covariates, panel, control, estimator) -> _Cells:
    """The cells adjusted for `covariates` (no block structure: coef and centre are None)."""
    x = covariate_array(frame, unit, time, covariates, panel.units, panel.periods)
    g, t, b, tj, bj, att, inf, n1, n0 = adjusted_cells(panel.Y, x, panel.cohort, panel.w, panel.periods,
                                                                   panel.cohorts, control, panel.stratum, estimator)
    return _Cells(g, t, b, tj, bj, att, inf, None, None, None, None, n1, n0)


def _require_comparisons(w_ds, w_cs, labels, g_cell, t_cell, strata_name, control) -> None:
    s, k = np.nonzero((w_ds > 0) & (w_cs == 0))
    if len(k):
        first = np.lexsort((s, k))[0]
        g, t, label = _scalar(g_cell[k[first]]), _scalar(t_cell[k[first]]), _scalar(labels[s[first]])
        raise SpecificationError(
            f"{strata_name}={label} has units of cohort {g} but no {control.replace('_', '-')} units to compare "
            f"them with in period {t}; drop that stratum (or its cohort {g} units) or fit without strata")


# ----------------------------------------------------------------------------- input checks

def _check_options(control: str, aggregation: str, n_boot: int, confidence: float) -> None:
    if control not in CONTROLS:
        raise SpecificationError(f"control='{control}' is not known; use one of {', '.join(CONTROLS)}")
    if aggregation not in AGGREGATIONS:
        raise SpecificationError(f"aggregation='{aggregation}' is not known; use one of {', '.join(AGGREGATIONS)}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise SpecificationError(f"n_boot must be a whole number >= 0 (0 skips the bootstrap), not {n_boot!r}")
    if not 0 < confidence < 1:
        raise SpecificationError(f"confidence must be between 0 and 1, not {confidence}")


def _prepare(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
             weights: str | None, control: str, strata: str | None) -> _Panel:
    require_columns(data, outcome=outcome, unit=unit, time=time, cohort=cohort, weights=weights, strata=strata)
    data = data.reset_index(drop=True)
    y = require_numeric(data, outcome, "outcome")
    t = require_numeric(data, time, "time")
    g = require_numeric(data, cohort, "cohort")
    w = require_numeric(data, weights, "weights") if weights is not None else np.ones(len(data))
    require_unique_unit_time(data, unit, time)
    codes, units = pd.factorize(data[unit], sort=True)
    if (codes < 0).any():
        raise SpecificationError(f"unit column '{unit}' has {int((codes < 0).sum())} missing values; drop those rows")
    periods, t_codes = np.unique(t, return_inverse=True)
    _require_balance(codes, units, len(periods), unit)
    Y = np.empty((len(units), len(periods)))
    Y[codes, t_codes] = y
    unit_g = _per_unit(g, codes, units, cohort, "the first treated period")
    unit_w = _per_unit(w, codes, units, weights, "a sampling weight")
    unit_s, s_codes = _unit_strata(data, strata, codes, units)
    if (unit_w <= 0).any():
        raise SpecificationError(f"weights column '{weights}' must be positive; drop units with zero weight")
    periods = periods.astype(int) if np.all(periods == np.round(periods)) else periods
    unit_g, notes = _check_cohorts(unit_g, periods, units, cohort)
    Y, periods, cohorts, notes = _comparison_rule(Y, unit_g, periods, control, notes)
    order = np.lexsort((s_codes, unit_g))  # units in cohort-stratum blocks (the bootstrap relies on it)
    return _Panel(Y[order], unit_g[order], unit_w[order], None if unit_s is None else unit_s[order], periods,
                  units[order], cohorts, notes)


def _unit_strata(data: pd.DataFrame, strata: str | None, codes: np.ndarray, units: pd.Index):
    """Each unit's stratum label and its rank among the labels (zeros without strata)."""
    if strata is None:
        return None, np.zeros(len(units), dtype=int)
    s_codes, labels = pd.factorize(data[strata], sort=True)
    if (s_codes < 0).any():
        raise SpecificationError(f"strata column '{strata}' has {int((s_codes < 0).sum())} missing values; "
                                 "fill them or drop those units")
    labels = np.asarray(labels)[_per_unit(s_codes.astype(float), codes, units, strata, "a stratum").astype(int)]
    return labels, np.unique(labels, return_inverse=True)[1]  # the ranks group_time_effects uses for blocks


def _require_balance(codes: np.ndarray, units: pd.Index, n_periods: int, unit: str) -> None:
    counts = np.bincount(codes, minlength=len(units))
    short = np.flatnonzero(counts < n_periods)
    if len(short):
        raise SpecificationError(
            f"the panel is unbalanced: {unit}={units[short[0]]} has {counts[short[0]]} of {n_periods} periods "
            f"({len(short)} units are incomplete); drop incomplete units or fill their periods before fitting")


def _per_unit(values: np.ndarray, codes: np.ndarray, units: pd.Index, column: str | None, what: str) -> np.ndarray:
    out = np.empty(len(units))
    out[codes] = values
    varies = np.flatnonzero(out[codes] != values)
    if len(varies):
        raise SpecificationError(f"column '{column}' must hold one value per unit ({what}); it changes over "
                                 f"time for unit {units[codes[varies[0]]]}")
    return out


def _check_cohorts(g: np.ndarray, periods: np.ndarray, units: pd.Index, cohort: str) -> tuple[np.ndarray, dict]:
    first, last = periods[0], periods[-1]
    checks = [
        ((g != 0) & (g < first), f"is treated before the panel starts ({first}); it has no pre-period, "
                                 "so drop it or extend the panel back in time"),
        ((g != 0) & (g <= last) & ~np.isin(g, periods), "has a first treated period that is not a period "
                                                        "of the panel; use 0 (never treated) or a period"),
        (g == first, f"is treated in the first period ({first}), so it has no pre-period; drop it or "
                     "extend the panel back in time"),
    ]
    for bad, message in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SpecificationError(f"{cohort}={_scalar(g[i])}: unit {units[i]} {message}")
    late = g > last  # treated after the panel ends: untreated throughout, as in R did
    notes = {"cohorts_after_panel": sorted({_scalar(v) for v in g[late]})} if late.any() else {}
    g = np.where(late, 0.0, g)
    if not (g > 0).any():
        raise SpecificationError(f"no unit is ever treated within the panel; check the '{cohort}' column")
    return g, notes


def _comparison_rule(Y, g, periods, control, notes):
    cohorts = np.unique(g[g > 0]).astype(periods.dtype)  # every cohort is a period of the panel
    if (g == 0).any():
        return Y, periods, cohorts, notes
    if control == "never_treated":
        raise SpecificationError("there are no never-treated units (cohort 0) to compare with; "
                                 "use control='not_yet_treated' or add never-treated units")
    latest = cohorts[-1]  # R did: the last cohort is only a comparison, periods from it on are dropped
    keep = periods < latest
    if keep.sum() < 2 or len(cohorts) < 2:
        raise SpecificationError("with no never-treated units the last cohort can only be a comparison, and "
                                 "too little remains; add never-treated units or earlier cohorts")
    notes = {**notes, "comparison_only_cohort": _scalar(latest),
             "dropped_periods": [_scalar(p) for p in periods[~keep]]}
    return Y[:, keep], periods[keep], cohorts[:-1], notes


# ----------------------------------------------------------------------------- aggregation

def _aggregate_all(cells: _Cells, panel: _Panel) -> tuple[dict[str, dict], np.ndarray]:
    """The four aggregations, each as estimates and a linear map from [cell IFs | cohort-share IFs].

    Cohort shares pg = mean(w 1{G=g}) weight the cells; their IFs (w 1{G=g} - pg) carry R's "wif"
    term for the estimated weights. The overall parameter comes first, then the terms.
    """
    cohorts, n = panel.cohorts, len(panel.w)
    member = panel.cohort[:, None] == cohorts
    pg = (panel.w[:, None] * member).sum(axis=0) / n
    shares = panel.w[:, None] * member - pg
    gi = np.searchsorted(cohorts, cells.group)
    post, e = cells.post, cells.time - cells.group
    e_levels, t_levels = np.unique(e), np.unique(cells.time[post])
    simple = _weighted(cells.att, gi, pg, post[:, None], wif=True)
    dynamic = _weighted(cells.att, gi, pg, e[:, None] == e_levels, wif=True)
    by_group = _weighted(cells.att, gi, pg, post[:, None] & (gi[:, None] == np.arange(len(cohorts))), wif=False)
    calendar = _weighted(cells.att, gi, pg, post[:, None] & (cells.time[:, None] == t_levels), wif=True)
    return {
        "simple": {"levels": [], "estimate": simple[0], "map": simple[1]},
        "dynamic": _family(e_levels, *dynamic, _mean_of(*dynamic, e_levels >= 0)),
        "group": _family(cohorts, *by_group, _over_cohorts(*by_group, pg)),
        "calendar": _family(t_levels, *calendar, _mean_of(*calendar, t_levels == t_levels)),
    }, shares


def _weighted(att: np.ndarray, gi: np.ndarray, pg: np.ndarray, sets: np.ndarray, wif: bool):
    """Cohort-share-weighted means of the cells in each column of `sets` (K x J), with their map."""
    weight = pg[gi][:, None] * sets
    total = weight.sum(axis=0)
    a = weight / total
    theta = att @ a
    wif_map = np.zeros((len(pg), sets.shape[1]))
    if wif:  # R's wif: sum over cells k of (w 1{G=g_k} - pg_k)(att_k - theta) / sum of pg_k
        np.add.at(wif_map, gi, sets * (att[:, None] - theta) / total)
    return theta, np.vstack([a, wif_map])


def _mean_of(theta: np.ndarray, linear: np.ndarray, keep: np.ndarray):
    """The plain average of some terms (R's overall dynamic and calendar effects)."""
    return theta[keep].mean(), linear[:, keep].mean(axis=1)


def _over_cohorts(theta_g: np.ndarray, linear: np.ndarray, pg: np.ndarray):
    """The group aggregation's overall effect: cohort effects weighted by cohort share, with wif."""
    overall = theta_g @ pg / pg.sum()
    out = linear @ (pg / pg.sum())
    out[-len(pg):] += (theta_g - overall) / pg.sum()
    return overall, out


def _family(levels, theta, linear, overall) -> dict:
    return {"levels": list(levels), "estimate": np.r_[overall[0], theta],
            "map": np.column_stack([overall[1], linear])}


# ----------------------------------------------------------------------------- inference

def _inference(cells: _Cells, shares: np.ndarray, families: dict, panel: _Panel, n_boot: int, seed: int,
               confidence: float) -> dict[str, dict]:
    """Analytic SEs, bootstrap SEs and uniform critical values for the cells and each aggregation."""
    k, n = len(cells.att), cells.inf.shape[0]
    maps = np.hstack([f["map"] for f in families.values()])  # one product serves every aggregation
    se = np.r_[_column_norms(cells.inf), _column_norms(_matmul(np.hstack([cells.inf, shares]), maps))] / n
    se = np.where(np.isfinite(se) & (se > SE_FLOOR), se, np.nan)  # sqrt(mean(psi^2) / n), as R getSE
    draws = sigma = None
    if n_boot > 0 and cells.coef is None:  # covariates: no block structure, draws from the IFs themselves
        draws = multiplier_bootstrap(np.hstack([cells.inf, _matmul(np.hstack([cells.inf, shares]), maps)]), n_boot, seed)
        sigma = _iqr_se(draws)
    elif n_boot > 0:
        base = _draw_map(cells, panel)
        draws = _block_draws(panel, cells, np.hstack([base[:, :k], _matmul(base, maps)]), n_boot, seed)
        sigma = _iqr_se(draws)
    edges = np.cumsum([0, k] + [len(f["estimate"]) for f in families.values()])
    out = {}
    for name, lo, hi in zip(["group_time", *families], edges[:-1], edges[1:]):
        crit = np.nan if draws is None else _sup_t(draws[:, lo:hi], sigma[lo:hi], confidence, name != "group_time")
        out[name] = {"se": se[lo:hi], "boot_se": np.full(hi - lo, np.nan) if draws is None else sigma[lo:hi],
                     "crit": crit}
    return out


def _column_norms(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->j", x, x))


def _draw_map(cells: _Cells, panel: _Panel) -> np.ndarray:
    """The linear map from per-block sums of v_i [w_i Y_it ..., w_i, 1] to the IF means of every cell
    and cohort share: a cell's draw is sum over blocks b of coef_b (sum_b v w dY - centre_b sum_b v w),
    and a share's is (sum_g v w - pg * sum v) / n. Rows: block b, column j at b * (T + 2) + j."""
    n, k = cells.inf.shape
    width = panel.Y.shape[1] + 2
    rows = np.arange(len(cells.block_cohort)) * width
    out = np.zeros((len(rows) * width, k + len(panel.cohorts)))
    b, kk = np.nonzero(cells.coef)
    coef = cells.coef[b, kk]
    out[rows[b] + cells.tj[kk], kk] = coef
    out[rows[b] + cells.bj[kk], kk] = -coef
    out[rows[b] + width - 2, kk] = -coef * cells.centre[b, kk]
    pg = np.array([panel.w[panel.cohort == g].sum() for g in panel.cohorts]) / n
    out[rows + width - 2, k:] += (cells.block_cohort[:, None] == panel.cohorts) / n
    out[rows + width - 1, k:] -= pg / n
    return out


def _block_draws(panel: _Panel, cells: _Cells, draw_map: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Multiplier-bootstrap draws, B x parameters: per-block sums of v_i [w_i Y_it, w_i, 1], mapped.

    The same draws as multiplier_bootstrap(psi, n_boot, seed) on the parameters' influence functions
    psi, but each unit lies in one cohort-stratum block, so the sums cost B x n x T instead of
    B x n x cells. Outcomes are centred within unit (every effect uses within-unit changes) to keep
    the sums small. Needs the units sorted by block.
    """
    n = len(panel.w)
    edges = np.r_[np.searchsorted(cells.unit_block, np.arange(len(cells.block_cohort))), n]
    z = np.column_stack([panel.w[:, None] * (panel.Y - panel.Y.mean(axis=1, keepdims=True)), panel.w, np.ones(n)])
    rng = np.random.default_rng(seed)
    step = _chunk(n_boot, max(n, draw_map.shape[0]))
    out = np.empty((n_boot, draw_map.shape[1]))
    for lo in range(0, n_boot, step):
        v = _rademacher(rng, min(step, n_boot - lo), n)
        sums = np.hstack([_matmul(v[:, a:b], z[a:b]) for a, b in zip(edges[:-1], edges[1:])])
        out[lo:lo + len(v)] = _matmul(sums, draw_map)
    return out


def _intervals(att, se, boot_se, crit, z) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * special.ndtr(-np.abs(att / se))
    return {"std_error": se, "ci_low": att - z * se, "ci_high": att + z * se, "p_value": p,
            "boot_std_error": boot_se, "band_low": att - crit * boot_se, "band_high": att + crit * boot_se}


def _group_time_frame(cells: _Cells, inference: dict, z: float) -> pd.DataFrame:
    ci = _intervals(cells.att, inference["se"], inference["boot_se"], inference["crit"], z)
    return pd.DataFrame({"group": cells.group, "time": cells.time, "base_time": cells.base,
                         "event_time": cells.time - cells.group, "post": cells.post, "att": cells.att,
                         **ci, "n_treated": cells.n_treated, "n_comparison": cells.n_control})


def _aggregation_frame(kind: str, family: dict, inference: dict, z: float) -> pd.DataFrame:
    ci = _intervals(family["estimate"], inference["se"], inference["boot_se"], inference["crit"], z)
    ci["band_low"][0] = ci["band_high"][0] = np.nan  # a band covers the family of terms, not the overall
    levels = [_scalar(v) for v in family["levels"]]
    columns = {"term": ["ATT"] + [f"{TERM_PREFIX.get(kind)}={v}" for v in levels]}
    if KEY_COLUMN[kind]:
        columns[KEY_COLUMN[kind]] = np.array([np.nan] + levels, dtype=float)
    return pd.DataFrame({**columns, "estimate": family["estimate"], **ci})


def _event_study_frame(dynamic: pd.DataFrame) -> pd.DataFrame:
    terms = dynamic.iloc[1:].reset_index(drop=True).rename(columns={"estimate": "att"})
    e = terms["event_time"].to_numpy()
    terms["event_time"] = e.astype(int) if np.all(e == np.round(e)) else e
    return terms[["event_time", "att", "ci_low", "ci_high", "band_low", "band_high"]].assign(post=e >= 0)


def _sample(panel: _Panel) -> dict[str, Any]:
    g = panel.cohort
    never = g == 0
    treated = np.isin(g, panel.cohorts)
    return {
        "n_obs": int(panel.Y.size),
        "n_units": len(panel.units),
        "n_treated_units": int(treated.sum()),
        "n_comparison_units": int(never.sum()),
        "n_cohorts": len(panel.cohorts),
        "first_period": _scalar(panel.periods[0]),
        "last_period": _scalar(panel.periods[-1]),
        "periods": [_scalar(p) for p in panel.periods],
        "cohorts": {str(_scalar(c)): int((g == c).sum()) for c in panel.cohorts},
        "treated_units": sorted(str(u) for u in panel.units[treated]),
        "comparison_units": sorted(str(u) for u in panel.units[never]),
        **_strata_counts(panel, treated, never),
        **panel.notes,
    }


def _strata_counts(panel: _Panel, treated: np.ndarray, never: np.ndarray) -> dict[str, Any]:
    if panel.stratum is None:
        return {}
    counts = {str(_scalar(s)): {"treated": int((treated & (panel.stratum == s)).sum()),
                                "never_treated": int((never & (panel.stratum == s)).sum())}
              for s in np.unique(panel.stratum)}
    return {"n_strata": len(counts), "strata": counts}


def _diagnostics(cells: _Cells, panel: _Panel, control: str, inference: dict) -> dict[str, Any]:
    pre = ~cells.post & np.isfinite(inference["se"])
    stat, p, df = wald_pre_test(cells.att[pre], cells.inf[:, pre])
    sizes = {g: int((panel.cohort == g).sum()) for g in panel.cohorts}
    small = cohort_hotelling(cells.att[pre], cells.inf[:, pre], cells.group[pre], sizes)
    return {"pre_trend_p_value": small["p_value"], "pre_trend_test": "per-cohort Hotelling F, Bonferroni",
            "pre_trend_by_cohort": small["by_cohort"],
            "wald_pre_test_p_value": p, "wald_pre_test_statistic": stat, "wald_pre_test_df": df,
            "n_pre_periods": int(np.searchsorted(panel.periods, panel.cohorts).min()),
            "comparison_group": True, "control": control, "n_cohorts": len(panel.cohorts),
            "uniform_critical_value": inference["crit"]}


AGGREGATION_TEXT = {
    "simple": "the headline averages every post-treatment ATT(g,t) weighted by cohort size",
    "dynamic": "event-time effects average ATT(g,g+e) weighted by cohort size and the headline is their "
               "mean over e >= 0",
    "group": "cohort effects average each cohort's post-treatment ATT(g,t) and the headline weights them "
             "by cohort size",
    "calendar": "period effects average the ATT(g,t) of cohorts treated by t weighted by cohort size and the "
                "headline is their mean",
}


def _method(control: str, aggregation: str, n_boot: int, strata: str | None, covariates=None, estimator="dr") -> str:
    who = "never-treated units" if control == "never_treated" else "never-treated and not-yet-treated units"
    boot = (f"; uniform bands from a multiplier bootstrap ({n_boot} draws, Rademacher weights by unit, "
            "sup-t critical value, IQR-based bootstrap standard errors)") if n_boot else ""
    design, contrast = "without covariates", f"cohort g's mean outcome change minus that of {who}"
    if covariates:
        design, contrast = f"with covariates ({', '.join(covariates)})", (
            f"cohort g's mean outcome change minus that of {who} adjusted for the covariates in the base period "
            f"by {ESTIMATOR_TEXT[estimator]} (R did's est_method='{estimator}')")
    if strata is not None:
        design, contrast = f"compared within {strata}", (
            f"the mean over strata of {strata}, weighted by cohort g's units in each, of cohort g's mean outcome "
            f"change minus that of {who} in the same stratum (R did's outcome regression on stratum dummies)")
    return (f"Callaway and Sant'Anna (2021) staggered difference-in-differences {design}: ATT(g,t) is "
            f"{contrast}, from period g-1 (t-1 before treatment); "
            f"{AGGREGATION_TEXT[aggregation]}; standard errors from the influence functions (analytic, as R "
            f"did with bstrap=FALSE, including the estimated cohort weights), normal intervals{boot}")


def _scalar(value):
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


register("staggered_did", fit_staggered,
         "Staggered difference-in-differences (Callaway and Sant'Anna 2021), group-time effects and aggregations")
