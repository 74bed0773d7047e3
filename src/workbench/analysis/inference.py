"""Inference that stays honest with few treated clusters: wild cluster bootstrap and randomisation.

Both work on a two-way fixed-effects fit (`twfe.WithinFit`) of one regressor (the bootstrap also
with covariates after it), where everything reduces to per-cluster sums, so thousands of draws cost
one matrix product.

Wild cluster bootstrap (WCR, Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2017): residuals
restricted by the null hypothesis b = b0, multiplied by one weight per cluster (Rademacher, or Webb's
six-point weights), give bootstrap samples whose cluster-robust t statistics form the null
distribution; the p-value is the share of draws with |t*| strictly greater than |t|, the rule of
Stata's boottest, WildBootTests.jl, fwildclusterboot and wildboottest. With Rademacher weights and 2^G
at most the number of draws, every sign vector is enumerated (an exact answer). The interval inverts
the test: the set of b0 whose p-value exceeds 1 - confidence, found by root finding with the same draws.

Randomisation inference (Fisher; Young 2019 recommends the studentised statistic): the treatment
path of each unit is reassigned to units at random, keeping the number treated and their timing; the
p-value is the share of reassignments whose |t| is at least the observed one, counting the observed
assignment (so it is never zero). Needs a balanced panel, where the reassignment is a permutation of
rows of the residualised treatment matrix (within strata, when period effects are within strata).

Ties are decided exactly (`exceeding`): the draws that reproduce the observed sample are recognised
from the weights or the assignment themselves, not from floating-point statistics, and all the
arithmetic goes through `reproducible`, so a p-value and an interval have the same bits on every
machine, whatever BLAS kernel it runs.

Joint tests (`wild_bootstrap_wald`, used for the event study's pre-trends): the same restricted wild
bootstrap applied to a Wald statistic of several coefficients, each draw with its own CR1 covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations, product

import numpy as np
from scipy import optimize

from workbench.analysis import reproducible
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
    """WCR bootstrap p-value for b = 0 and the test-inversion interval, for the fit's first regressor.

    Further regressors of the fit are covariates: partialled out (Frisch-Waugh-Lovell), and their
    refit in each draw carried by one more low-rank spill term, as the period effects' is.

    Each bootstrap sample is y* = (fit under b = b0) + v[g] u_r, refitted with the unit and period
    effects. The period effects are not nested in the clusters, so the refit moves residuals across
    clusters; `_period_spill` carries that exactly (a G x G matrix), which is what refitting with
    dummies would do. Every quantity a draw needs is then linear or quadratic in b0, computed once.
    The p-value follows the peers' rule (see `exceeding`): the share of draws whose |t*| is strictly
    greater than the observed |t|, the draws that reproduce the sample being exact ties.
    """
    w = fit.weights
    root = np.sqrt(w)
    x, y, g = fit.x[:, 0] / root, fit.y / root, fit.cluster          # residualised, unscaled
    z, zwz = fit.x[:, 1:] / root[:, None], None                       # covariates, if any
    if z.shape[1]:                                                    # Frisch-Waugh-Lovell: partial them out
        zwz = reproducible.gram(z * root[:, None])
        x = x - reproducible.matmul(z, reproducible.spd_solve(zwz, reproducible.matmul(z.T, w * x)))
        y = y - reproducible.matmul(z, reproducible.spd_solve(zwz, reproducible.matmul(z.T, w * y)))
    live = _informative_clusters(fit)
    x, y = np.where(live[g], x, 0.0), np.where(live[g], y, 0.0)      # exact zeros where structurally zero
    xx = float(np.add.reduce(w * x * x))
    q = np.bincount(g, weights=w * x * x, minlength=fit.n_clusters)    # sum w x^2 per cluster
    sy = np.bincount(g, weights=w * x * y, minlength=fit.n_clusters)   # sum w x y per cluster
    (ly, ry), (lx, rx) = _period_spill(fit, x, y), _period_spill(fit, x, x)
    if zwz is not None:              # refitting the covariates spills too: C = A (Z'WZ)^-1 B', rank k_z
        a = _per_cluster(g, (w * x)[:, None] * z, fit.n_clusters)
        by = reproducible.spd_solve(zwz, _per_cluster(g, (w * y)[:, None] * z, fit.n_clusters).T)
        bx = reproducible.spd_solve(zwz, a.T)
        ly, ry = np.hstack([ly, a]), np.vstack([ry, by])
        lx, rx = np.hstack([lx, a]), np.vstack([rx, bx])
    v, enumerated = cluster_weights(fit.n_clusters, draws, weights, seed)
    identity = reproduces_sample(v, live)
    beta = float(fit.coef[0])
    se = float(np.sqrt(fit.vcov[0, 0]))
    # Under b = b0 the restricted residuals are y - b0 x, so per-cluster scores of a draw are
    # E + b0 F (draws x clusters) and their sum of squares a quadratic in b0.
    mm = reproducible.matmul
    vy, vq = mm(v, sy), mm(v, q)
    e = v * sy[None, :] - _times_spill(v, ly, ry) - np.outer(vy / xx, q)
    f = -(v * q[None, :] - _times_spill(v, lx, rx)) + np.outer(vq / xx, q)
    ee, ef, ff = (np.add.reduce(e * e, axis=1), np.add.reduce(e * f, axis=1), np.add.reduce(f * f, axis=1))

    def p_value(b0: float) -> float:
        shift = (vy - b0 * vq) / xx                       # b* - b0 for every draw
        squares = ee + 2 * b0 * ef + b0 * b0 * ff
        se_star = np.sqrt(fit.small_sample * np.clip(squares, 0.0, None)) / xx
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = np.nan_to_num(np.abs(shift) / se_star, nan=0.0)
        return exceeding(t_star, abs(beta - b0) / se, identity, strict=True) / len(v)

    alpha = 1 - confidence
    low = _invert(p_value, beta, -se, alpha)
    high = _invert(p_value, beta, se, alpha)
    return BootstrapTest(p_value(0.0), low, high, len(v), weights, enumerated)


def exceeding(statistics: np.ndarray, observed: float, ties: np.ndarray, *, strict: bool) -> int:
    """How many resampled statistics count as at least as extreme as the observed one.

    The tie rule, the same on every machine: draws that reproduce the observed sample (`ties`: the
    identity and sign-flipped weight vectors of a wild bootstrap, the observed assignment in a
    randomisation test) equal the observed statistic in exact arithmetic, so they are decided
    exactly: counted when `strict` is False (at least as extreme, Fisher's rule for randomisation
    tests), not counted when `strict` is True (strictly more extreme, the rule of Stata's boottest,
    WildBootTests.jl, fwildclusterboot and wildboottest for the wild bootstrap). Every other draw is
    compared in floating point, where equality would be a coincidence of the data, not of the design.
    """
    free = ~ties
    above = statistics[free] > observed if strict else statistics[free] >= observed
    return int(np.sum(above)) + (0 if strict else int(np.sum(ties)))


def reproduces_sample(v: np.ndarray, live: np.ndarray | None = None) -> np.ndarray:
    """Which wild-bootstrap weight vectors (rows of v) give back the observed sample exactly.

    Under the null the restricted residuals are multiplied by one weight per cluster; all weights
    equal to 1 reproduce the sample, all equal to -1 its mirror image, whose |t| is the same.
    Clusters that carry no information (`live` False) do not matter. Decided on the weights
    themselves, never on the floating-point statistics.
    """
    used = v if live is None else v[:, live]
    if used.shape[1] == 0:
        return np.ones(len(v), dtype=bool)
    return (np.abs(used[:, :1]) == 1.0).ravel() & np.all(used == used[:, :1], axis=1)


def _per_cluster(g: np.ndarray, values: np.ndarray, n_clusters: int) -> np.ndarray:
    """Column sums of `values` (rows x k) within each cluster: clusters x k."""
    return np.column_stack([np.bincount(g, weights=values[:, j], minlength=n_clusters) for j in range(values.shape[1])])


def _times_spill(v: np.ndarray, low: np.ndarray, right: np.ndarray) -> np.ndarray:
    """v C' for C = low @ right (G x G, rank at most T): through the factors when T is under G / 2."""
    mm = reproducible.matmul
    if 2 * low.shape[1] < low.shape[0]:
        return mm(mm(v, right.T), low.T)
    return mm(v, mm(low, right).T)


def _informative_clusters(fit: WithinFit) -> np.ndarray:
    """Clusters whose observations are not all absorbed by the fixed effects.

    A unit alone in its group of period effects (a stratum with one unit) is fitted exactly by its
    own unit and period effects: its residualised data are zero in exact arithmetic (rounding noise
    in floating point). A cluster made only of such units changes nothing under its bootstrap
    weight, so it is left out of the draws' arithmetic and of the tie rule.
    """
    seen = np.unique(np.column_stack([fit.period, fit.unit]), axis=0)        # (period group, unit) pairs
    alone = np.bincount(seen[:, 0], minlength=fit.n_periods)[fit.period] == 1
    return np.bincount(fit.cluster, weights=(~alone).astype(float), minlength=fit.n_clusters) > 0


def _period_spill(fit: WithinFit, x: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factors (L, R) of C = L R, C[g, h] = sum over cluster g of w x times the period effects fitted to
    u of cluster h alone (L is G x T, R is T x G). Clusters are units, or groups that nest them.

    Refitting unit and period effects to a vector that is u on cluster h and 0 elsewhere gives
    period effects gamma_h solving A gamma_h = r_h, with A = sum over units of (diag(w) - w w' / sum w)
    over the periods each unit is seen and r_h the unit-demeaned weighted u of the units of cluster h. A is
    singular (a constant within each connected group of periods); any solution gives the same C,
    because x sums to zero within each unit, so the solve leaves those directions out.
    Unit effects drop out because x is already orthogonal to them.
    """
    G, T, U = fit.n_clusters, fit.n_periods, fit.n_units
    g, t, w, i = fit.cluster, fit.period, fit.weights, fit.unit
    unit_w = np.bincount(i, weights=w, minlength=U)
    u_mean = np.bincount(i, weights=w * u, minlength=U) / unit_w
    r = np.zeros((T, G))
    np.add.at(r, (t, g), w * (u - u_mean[i]))
    wt = np.zeros((U, T))
    np.add.at(wt, (i, t), w)
    a = np.diag(np.add.reduce(wt, axis=0)) - reproducible.matmul((wt / unit_w[:, None]).T, wt)
    a = (a + a.T) / 2
    x_gt = np.zeros((G, T))
    np.add.at(x_gt, (g, t), w * x)
    return x_gt, reproducible.spd_solve(a, r)


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
    n_units = fit.n_units
    d = treatment.reshape(n_units, n_periods).astype(float)
    stratum = np.zeros(n_units, dtype=int) if strata is None else np.unique(strata, return_inverse=True)[1].ravel()
    d_rows = d - d.mean(axis=1, keepdims=True)            # unit-demeaned paths
    d_tilde = d_rows.copy()
    for s_ in np.unique(stratum):                          # remove (stratum-)period means
        d_tilde[stratum == s_] -= d_rows[stratum == s_].mean(axis=0, keepdims=True)
    y_tilde = fit.y.reshape(n_units, n_periods)
    cross = reproducible.matmul(d_tilde, y_tilde.T)       # cross[a, b] = <path of a, y of unit b>
    norms = np.add.reduce(d_tilde ** 2, axis=1)
    dd = float(np.add.reduce(norms))
    rng = np.random.default_rng(seed)
    perms, enumerated = (_permutations(d, draws, rng) if strata is None or len(np.unique(stratum)) == 1
                         else (_within_strata(stratum, draws, rng), False))
    # Permuting rows of D (within strata) commutes with removing (stratum-)period means, which are
    # the same for every such permutation, so a reassignment's residualised treatment is a row
    # permutation of d_tilde.
    s = cross[perms, np.arange(n_units)[None, :]]         # draws x units: <D~ of new path, y~ of unit>
    q = norms[perms]
    beta = np.add.reduce(s, axis=1) / dd
    scores = s - beta[:, None] * q                        # per unit; summed within clusters of units
    if fit.n_clusters != n_units:
        member = (fit.cluster[::n_periods][:, None] == np.arange(fit.n_clusters)[None, :]).astype(float)
        scores = reproducible.matmul(scores, member)
    t = np.abs(beta) / (np.sqrt(fit.small_sample * np.add.reduce(scores ** 2, axis=1)) / dd)
    observed = abs(float(fit.coef[0])) / float(np.sqrt(fit.vcov[0, 0]))
    path = np.unique(d, axis=0, return_inverse=True)[1].ravel()
    same_assignment = np.all(path[perms] == path[None, :], axis=1)   # every unit keeps its own path
    exceed = exceeding(t, observed, same_assignment, strict=False)
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
                        small_sample: float, draws: int = 999, seed: int = 20100324,
                        cluster: np.ndarray | None = None) -> tuple[float, float]:
    """WCR bootstrap p-value of the joint test that the coefficients `which` are all zero.

    For a balanced panel as arrays: `y` (units x periods), `x` (units x periods x k) raw regressors,
    `stratum` (units,) the group within which period effects are estimated (all zeros for plain
    period effects). The model has unit effects and stratum-by-period effects; errors are clustered
    by unit with CR1 (`small_sample` is its factor), or by `cluster` (a code 0..G-1 per unit, groups
    of units). Residuals of the model with the tested
    coefficients set to zero are multiplied by Rademacher weights per cluster; each bootstrap sample's
    Wald statistic uses its own CR1 covariance. Returns (observed Wald statistic, p-value), where p
    is the share of draws with a strictly larger statistic, by the tie rule of `exceeding`.
    """
    n_units, n_periods, k = x.shape
    codes = np.arange(n_units) if cluster is None else np.asarray(cluster)
    member = None if cluster is None else (codes[:, None] == np.arange(codes.max() + 1)[None, :]).astype(float)
    demean = _demeaner(stratum)
    xt, yt = demean(x, 0, 1), demean(y, 0, 1)
    xf = xt.reshape(-1, k)
    bread = reproducible.spd_inverse(reproducible.gram(xf))
    keep = ~which
    xr = xf[:, keep]
    beta_r = reproducible.spd_solve(reproducible.gram(xr), reproducible.matmul(xr.T, yt.ravel()))
    fitted_r = reproducible.matmul(xr, beta_r).reshape(y.shape)
    resid_r = yt - fitted_r
    ein = np.einsum                                     # optimize=False: numpy's own loops, never BLAS

    def wald(y_tilde: np.ndarray) -> np.ndarray:
        """Wald statistics for a batch of residualised outcomes (b x units x periods)."""
        beta = ein("bk,kl->bl", ein("utk,but->bk", xt, y_tilde, optimize=False), bread, optimize=False)
        e = y_tilde - ein("utk,bk->but", xt, beta, optimize=False)
        scores = ein("utk,but->buk", xt, e, optimize=False)
        if member is not None:                            # sum the units' scores within their clusters
            scores = ein("ug,buk->bgk", member, scores, optimize=False)
        meat = ein("bgk,bgl->bkl", scores, scores, optimize=False)
        v = small_sample * ein("bkl,lm->bkm", ein("ik,bkl->bil", bread, meat, optimize=False), bread,
                               optimize=False)
        v = (v + v.transpose(0, 2, 1)) / 2
        return reproducible.quadratic_form(beta[:, which], v[:, which][:, :, which])

    observed = float(wald(yt[None])[0])
    resid_full = yt - reproducible.matmul(xf, reproducible.matmul(bread, reproducible.matmul(xf.T, yt.ravel()))
                                          ).reshape(y.shape)
    if np.all(np.abs(resid_full) <= 1e-12 * max(1.0, float(np.abs(yt).max()))):
        return math.nan, math.nan          # a noiseless panel: no sampling variation to test against
    strata_sizes = np.unique(stratum, return_counts=True)
    shared = np.isin(stratum, strata_sizes[0][strata_sizes[1] > 1])     # units not alone in their stratum
    live = np.bincount(codes, weights=shared.astype(float), minlength=codes.max() + 1) > 0
    rng = np.random.default_rng(seed)
    exceed = 0
    for start in range(0, draws, 250):
        v = _rademacher(rng, (min(250, draws - start), codes.max() + 1))
        y_star = fitted_r[None] + demean(resid_r[None] * v[:, codes][:, :, None], 1, 2)
        exceed += exceeding(wald(y_star), observed, reproduces_sample(v, live), strict=True)
    return observed, exceed / draws


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
