"""Inference that stays honest with few treated clusters: wild cluster bootstrap and randomisation.

Both work on a one-regressor two-way fixed-effects fit (`twfe.WithinFit` with k = 1), where
everything reduces to per-cluster sums, so thousands of draws cost one matrix product.

Wild cluster bootstrap (WCR, Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2017): residuals
restricted by the null hypothesis b = b0, multiplied by one weight per cluster (Rademacher, or Webb's
six-point weights), give bootstrap samples whose cluster-robust t statistics form the null
distribution; the p-value is the share of |t*| at least |t| (counting the observed statistic once
when draws are random, so it is never zero: Phipson and Smyth 2010). With Rademacher weights and 2^G at most
the number of draws, every sign vector is enumerated (an exact answer). The interval inverts the test:
the set of b0 whose p-value exceeds 1 - confidence, found by root finding with the same draws.

Randomisation inference (Fisher; Young 2019 recommends the studentised statistic): the treatment
path of each unit is reassigned to units at random, keeping the number treated and their timing; the
p-value is the share of reassignments whose |t| is at least the observed one, counting the observed
assignment (so it is never zero). Needs a balanced panel, where the reassignment is a permutation of
rows of the residualised treatment matrix (within strata, when period effects are within strata).

Joint tests (`wild_bootstrap_wald`, used for the event study's pre-trends): the same restricted wild
bootstrap applied to a Wald statistic of several coefficients, each draw with its own CR1 covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations, product

import numpy as np
from scipy import optimize

from workbench.analysis.twfe import WithinFit

WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


@dataclass(frozen=True)
class BootstrapTest:
    """A wild cluster bootstrap test of b = 0 and the interval from inverting it."""

    p_value: float
    ci_low: float
    ci_high: float
    draws: int
    weights: str
    enumerated: bool


@dataclass(frozen=True)
class RandomisationTest:
    """A randomisation (permutation) test of no effect for any unit."""

    p_value: float
    draws: int
    enumerated: bool


def cluster_weights(n_clusters: int, draws: int, kind: str, seed: int) -> tuple[np.ndarray, bool]:
    """Draws x clusters bootstrap weights; Rademacher sign vectors are enumerated when 2^G <= draws."""
    if kind == "rademacher" and 2 ** n_clusters <= draws:
        return np.array(list(product((-1.0, 1.0), repeat=n_clusters))), True
    rng = np.random.default_rng(seed)
    if kind == "rademacher":
        return _rademacher(rng, (draws, n_clusters)), False
    if kind == "webb":
        return rng.choice(WEBB, size=(draws, n_clusters)), False
    raise ValueError(f"unknown bootstrap weights '{kind}'; use 'rademacher' or 'webb'")


def wild_cluster_bootstrap(fit: WithinFit, *, draws: int = 9999, weights: str = "rademacher",
                           confidence: float = 0.95, seed: int = 20100324) -> BootstrapTest:
    """WCR bootstrap p-value for b = 0 and the test-inversion interval, for a one-regressor fit.

    Each bootstrap sample is y* = (fit under b = b0) + v[g] u_r, refitted with the unit and period
    effects. The period effects are not nested in the clusters, so the refit moves residuals across
    clusters; `_period_spill` carries that exactly (a G x G matrix), which is what refitting with
    dummies would do. Every quantity a draw needs is then linear or quadratic in b0, computed once.
    """
    w = fit.weights
    root = np.sqrt(w)
    x, y, g = fit.x[:, 0] / root, fit.y / root, fit.cluster          # residualised, unscaled
    xx = float(np.sum(w * x * x))
    q = np.bincount(g, weights=w * x * x, minlength=fit.n_clusters)    # sum w x^2 per cluster
    sy = np.bincount(g, weights=w * x * y, minlength=fit.n_clusters)   # sum w x y per cluster
    (ly, ry), (lx, rx) = _period_spill(fit, x, y), _period_spill(fit, x, x)
    v, enumerated = cluster_weights(fit.n_clusters, draws, weights, seed)
    beta = float(fit.coef[0])
    se = float(np.sqrt(fit.vcov[0, 0]))
    # Under b = b0 the restricted residuals are y - b0 x, so per-cluster scores of a draw are
    # E + b0 F (draws x clusters) and their sum of squares a quadratic in b0.
    vy, vq = v @ sy, v @ q
    e = v * sy[None, :] - (v @ ry.T) @ ly.T - np.outer(vy / xx, q)        # C = L R has rank <= periods,
    f = -(v * q[None, :] - (v @ rx.T) @ lx.T) + np.outer(vq / xx, q)     # so v C' costs draws x G x T
    ee, ef, ff = (e * e).sum(axis=1), (e * f).sum(axis=1), (f * f).sum(axis=1)

    def p_value(b0: float) -> float:
        shift = (vy - b0 * vq) / xx                       # b* - b0 for every draw
        squares = ee + 2 * b0 * ef + b0 * b0 * ff
        se_star = np.sqrt(fit.small_sample * np.clip(squares, 0.0, None)) / xx
        t_obs = abs(beta - b0) / se
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = np.nan_to_num(np.abs(shift) / se_star, nan=0.0)
        exceed = int(np.sum(t_star >= t_obs - 1e-9 * max(1.0, t_obs)))
        return exceed / len(v) if enumerated else (exceed + 1) / (len(v) + 1)

    alpha = 1 - confidence
    low = _invert(p_value, beta, -se, alpha)
    high = _invert(p_value, beta, se, alpha)
    return BootstrapTest(p_value(0.0), low, high, len(v), weights, enumerated)


def _period_spill(fit: WithinFit, x: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factors (L, R) of C = L R, C[g, h] = sum over cluster g of w x times the period effects fitted to
    u of cluster h alone (L is G x T, R is T x G).

    Refitting unit and period effects to a vector that is u on cluster h and 0 elsewhere gives
    period effects gamma_h = A^+ r_h, with A = sum over units of (diag(w) - w w' / sum w) over the
    periods each unit is seen and r_h the unit-demeaned weighted u of cluster h. Unit effects drop
    out because x is already orthogonal to them.
    """
    G, T = fit.n_clusters, fit.n_periods
    g, t, w = fit.cluster, fit.period, fit.weights
    unit_w = np.bincount(g, weights=w, minlength=G)
    u_mean = np.bincount(g, weights=w * u, minlength=G) / unit_w
    r = np.zeros((T, G))
    np.add.at(r, (t, g), w * (u - u_mean[g]))
    wt = np.zeros((G, T))
    np.add.at(wt, (g, t), w)
    a = np.diag(wt.sum(axis=0)) - (wt / unit_w[:, None]).T @ wt
    x_gt = np.zeros((G, T))
    np.add.at(x_gt, (g, t), w * x)
    return x_gt, np.linalg.pinv(a) @ r


def _rademacher(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Random signs, +1 or -1 with equal probability."""
    return rng.integers(0, 2, size=shape, dtype=np.int8).astype(float) * 2.0 - 1.0


def _invert(p_value, beta: float, step: float, alpha: float) -> float:
    """The b0 on one side of beta where the bootstrap p-value falls to alpha."""
    inside = beta
    outside = beta + step
    for _ in range(60):
        if p_value(outside) <= alpha:
            break
        inside, outside = outside, outside + 2 * (outside - beta)
    else:
        return math.nan
    return float(optimize.brentq(lambda b0: p_value(b0) - alpha - 1e-12, inside, outside, xtol=1e-10 * abs(step)))


def randomisation_test(fit: WithinFit, treatment: np.ndarray, n_periods: int, *, draws: int = 9999,
                       seed: int = 20100324, strata: np.ndarray | None = None) -> RandomisationTest:
    """Permutation p-value of the studentised TWFE statistic, reassigning treatment paths to units.

    `treatment` is the raw 0/1 treatment in the fit's row order; rows must be sorted by unit then
    period in a panel balanced in units and periods (the caller checks). With `strata` (one label
    per unit; period effects estimated within strata) paths are reassigned within strata only.
    """
    n_units = fit.n_clusters
    d = treatment.reshape(n_units, n_periods).astype(float)
    stratum = np.zeros(n_units, dtype=int) if strata is None else np.unique(strata, return_inverse=True)[1].ravel()
    d_rows = d - d.mean(axis=1, keepdims=True)            # unit-demeaned paths
    d_tilde = d_rows.copy()
    for s_ in np.unique(stratum):                          # remove (stratum-)period means
        d_tilde[stratum == s_] -= d_rows[stratum == s_].mean(axis=0, keepdims=True)
    y_tilde = fit.y.reshape(n_units, n_periods)
    cross = d_tilde @ y_tilde.T                           # cross[a, b] = <path of a, y of unit b>
    norms = (d_tilde ** 2).sum(axis=1)
    dd = float(norms.sum())
    rng = np.random.default_rng(seed)
    perms, enumerated = (_permutations(d, draws, rng) if strata is None or len(np.unique(stratum)) == 1
                         else (_within_strata(stratum, draws, rng), False))
    # Permuting rows of D (within strata) commutes with removing (stratum-)period means, which are
    # the same for every such permutation, so a reassignment's residualised treatment is a row
    # permutation of d_tilde.
    s = cross[perms, np.arange(n_units)[None, :]]         # draws x units: <D~ of new path, y~ of unit>
    q = norms[perms]
    beta = s.sum(axis=1) / dd
    scores = s - beta[:, None] * q
    t = np.abs(beta) / (np.sqrt(fit.small_sample * (scores ** 2).sum(axis=1)) / dd)
    observed = abs(float(fit.coef[0])) / float(np.sqrt(fit.vcov[0, 0]))
    exceed = int(np.sum(t >= observed - 1e-9 * max(1.0, observed)))
    if enumerated:
        return RandomisationTest(exceed / len(perms), len(perms), True)
    return RandomisationTest((exceed + 1) / (len(perms) + 1), len(perms), False)


def _within_strata(stratum: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Random permutations of units that keep every unit in its stratum (draws x units)."""
    perms = np.broadcast_to(np.arange(len(stratum)), (draws, len(stratum))).copy()
    for s in np.unique(stratum):
        idx = np.flatnonzero(stratum == s)
        perms[:, idx] = idx[rng.permuted(np.broadcast_to(np.arange(len(idx)), (draws, len(idx))), axis=1)]
    return perms


def _permutations(paths: np.ndarray, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Reassignments of treatment paths to units, as row indices into `paths`.

    With two distinct paths (one start date) and at most `draws` ways to choose the treated units,
    every assignment is enumerated once; otherwise `draws` random permutations are drawn.
    """
    n_units = len(paths)
    distinct, labels = np.unique(paths, axis=0, return_inverse=True)
    labels = labels.ravel()
    if len(distinct) == 2:
        minority = int(np.argmin(np.bincount(labels)))
        k = int((labels == minority).sum())
        if math.comb(n_units, k) <= draws:
            one_minority = int(np.flatnonzero(labels == minority)[0])
            one_majority = int(np.flatnonzero(labels != minority)[0])
            rows = np.full((math.comb(n_units, k), n_units), one_majority)
            for r, chosen in enumerate(combinations(range(n_units), k)):
                rows[r, list(chosen)] = one_minority
            return rows, True
        chosen = rng.random((draws, n_units)).argpartition(k, axis=1)[:, :k]
        rows = np.full((draws, n_units), int(np.flatnonzero(labels != minority)[0]))
        np.put_along_axis(rows, chosen, int(np.flatnonzero(labels == minority)[0]), axis=1)
        return rows, False
    return rng.permuted(np.broadcast_to(np.arange(n_units), (draws, n_units)), axis=1), False


def wild_bootstrap_wald(y: np.ndarray, x: np.ndarray, which: np.ndarray, stratum: np.ndarray, *,
                        small_sample: float, draws: int = 999, seed: int = 20100324) -> tuple[float, float]:
    """WCR bootstrap p-value of the joint test that the coefficients `which` are all zero.

    For a balanced panel as arrays: `y` (units x periods), `x` (units x periods x k) raw regressors,
    `stratum` (units,) the group within which period effects are estimated (all zeros for plain
    period effects). The model has unit effects and stratum-by-period effects; errors are clustered
    by unit with CR1 (`small_sample` is its factor). Residuals of the model with the tested
    coefficients set to zero are multiplied by Rademacher weights per unit; each bootstrap sample's
    Wald statistic uses its own CR1 covariance. Returns (observed Wald statistic, p-value), where
    p counts the observed statistic once, so it is never zero.
    """
    n_units = y.shape[0]
    demean = _demeaner(stratum)
    xt, yt = demean(x, 0, 1), demean(y, 0, 1)
    xf = xt.reshape(-1, xt.shape[-1])
    bread = np.linalg.inv(xf.T @ xf)
    keep = ~which
    xr = xf[:, keep]
    beta_r = np.linalg.lstsq(xr, yt.ravel(), rcond=None)[0]
    fitted_r = (xr @ beta_r).reshape(y.shape)
    resid_r = yt - fitted_r

    def wald(y_tilde: np.ndarray) -> np.ndarray:
        """Wald statistics for a batch of residualised outcomes (b x units x periods)."""
        beta = np.einsum("utl,but->bl", xt, y_tilde) @ bread
        e = y_tilde - np.einsum("utk,bk->but", xt, beta)
        scores = np.einsum("utk,but->buk", xt, e)
        meat = np.einsum("buk,bul->bkl", scores, scores)
        v = small_sample * bread[None] @ meat @ bread[None]
        b = beta[:, which]
        vw = v[:, which][:, :, which]
        if np.any(np.linalg.cond(vw) > 1 / np.finfo(float).eps):
            return np.einsum("bk,bkl,bl->b", b, np.linalg.pinv(vw), b)
        return np.einsum("bk,bk->b", b, np.linalg.solve(vw, b[..., None])[..., 0])

    observed = float(wald(yt[None])[0])
    resid_full = yt - np.einsum("utk,k->ut", xt, bread @ np.einsum("utk,ut->k", xt, yt))
    if np.allclose(resid_full, 0.0, atol=1e-12 * max(1.0, float(np.abs(yt).max()))):
        return math.nan, math.nan          # a noiseless panel: no sampling variation to test against
    rng = np.random.default_rng(seed)
    exceed = 0
    for start in range(0, draws, 250):
        v = _rademacher(rng, (min(250, draws - start), n_units))
        y_star = fitted_r[None] + demean(resid_r[None] * v[:, :, None], 1, 2)
        exceed += int(np.sum(wald(y_star) >= observed - 1e-9 * max(1.0, observed)))
    return observed, (exceed + 1) / (draws + 1)


def _demeaner(stratum: np.ndarray):
    """A function sweeping unit effects and stratum-by-period effects out of a balanced array.

    `demean(a, unit_axis, period_axis)`: exact for a balanced panel, where within each stratum the
    units and periods form a complete two-way layout (double demeaning within stratum).
    """
    codes = np.unique(stratum, return_inverse=True)[1].ravel()
    members = [np.flatnonzero(codes == s) for s in range(codes.max() + 1)]

    def demean(a: np.ndarray, unit_axis: int, period_axis: int) -> np.ndarray:
        out = a - a.mean(axis=period_axis, keepdims=True)
        for m in members:
            index = [slice(None)] * out.ndim
            index[unit_axis] = m
            block = out[tuple(index)]
            out[tuple(index)] = block - block.mean(axis=unit_axis, keepdims=True)
        return out

    return demean
