"""Least squares on the unit simplex, and the nested predictor-weight search of synthetic control.

`simplex_lstsq(A, b)` solves  min ||A w - b||^2  subject to  w >= 0, sum(w) = 1  exactly, by turning
it into one non-negative least-squares problem solved by scipy's Lawson-Hanson active-set code:
because sum(w) = 1, A w - b = C w with C = A - b 1', and

    min_{u >= 0} ||C u||^2 + (1'u - 1)^2

is solved by u = s w* with w* the simplex solution and s = 1 / (1 + ||C w*||^2): for a direction w on
the simplex and a scale s the objective is s^2 ||C w||^2 + (s - 1)^2, whose minimum over s,
||C w||^2 / (1 + ||C w||^2), increases with ||C w||^2. So w* = u / sum(u), with no penalty constant
and no tolerance beyond the active-set solver's own.

`nested_weights` is the outer problem of Abadie, Diamond and Hainmueller (2010) as R `Synth` and
Stata `synth, nested` pose it: a diagonal predictor weighting V >= 0 (normalised to sum to 1) is
chosen to minimise the pre-period outcome MSPE of the synthetic unit whose donor weights solve the
inner problem  min_w (x1 - X0 w)' V (x1 - X0 w)  on the simplex. The outer problem is not convex.
No synthetic unit fits the outcome better than the simplex fit of the outcome path itself, so that
fit's MSPE is a lower bound; following Becker and Kloessner (2018) a linear programme first asks
whether some V makes that fit the inner solution, in which case it is the global optimum. Otherwise
Powell's method is run (with V = |v| / sum|v|) from that V if the programme found one, and from
R Synth's two starts (equal weights, and the regression-based start); the best result is kept. The
search stops as soon as a start attains the lower bound. Everything is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize, nnls


def simplex_lstsq(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weights w >= 0 summing to 1 that minimise ||A w - b||^2 (exact active-set solution)."""
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    return _simplex_min_norm(A - b[:, None])


def _simplex_min_norm(C: np.ndarray) -> np.ndarray:
    """The point of the simplex minimising ||C w||^2, via one NNLS problem (see the module note)."""
    k, n = C.shape
    if n == 1:
        return np.ones(1)
    scale = float(np.sqrt((C * C).sum(axis=0)).max()) or 1.0
    A = np.empty((k + 1, n))
    np.divide(C, scale, out=A[:k])
    A[k] = 1.0
    b = np.zeros(k + 1)
    b[k] = 1.0
    u, _ = nnls(A, b, maxiter=50 * n)
    return u / u.sum()


@dataclass(frozen=True)
class NestedSolution:
    """Predictor weights V (sum 1), donor weights w (sum 1), the outcome MSPE, and search effort."""

    v: np.ndarray
    w: np.ndarray
    mspe: float
    n_evaluations: int
    start: str


class _Inner:
    """The inner problem for one treated unit, with buffers reused across outer evaluations."""

    def __init__(self, x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray):
        self.c0 = x0 - x1[:, None]
        self.z1, self.z0 = z1, z0
        k, n = self.c0.shape
        self.scale = float(np.sqrt((self.c0 ** 2).sum(axis=0)).max()) or 1.0
        self.a = np.empty((k + 1, n))
        self.a[k] = 1.0
        self.b = np.zeros(k + 1)
        self.b[k] = 1.0
        self.k, self.n = k, n
        self.evaluations = 0

    def weights(self, v: np.ndarray, top: float | None = None) -> np.ndarray:
        """Donor weights solving the inner problem for predictor weights `v` >= 0 (any scale).

        `top` is v.max() when the caller knows it; rows are scaled so the largest has weight 1.
        """
        if self.n == 1:
            return np.ones(1)
        top = v.max() if top is None else top
        root = np.sqrt(v * (1.0 / (top * self.scale * self.scale)))
        np.multiply(root[:, None], self.c0, out=self.a[:self.k])
        u, _ = nnls(self.a, self.b, maxiter=50 * self.n)
        u /= u.sum()
        return u

    def mspe(self, w: np.ndarray) -> float:
        """Mean squared gap between the treated outcome path and the synthetic one."""
        r = self.z1 - self.z0 @ w
        return float(r @ r) / len(r)

    def loss(self, v: np.ndarray) -> float:
        """Outer objective at unnormalised predictor weights `v` (absolute values are used)."""
        self.evaluations += 1
        a = np.abs(v)
        top = a.max()
        if not 0 < top < np.inf:
            return np.inf
        return self.mspe(self.weights(a, top))


def regression_start(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> np.ndarray | None:
    """R Synth's second start: squared coefficients of the outcome path regressed on the predictors.

    Regress each pre-period outcome on an intercept and the (scaled) predictors across treated and
    donors; V is the diagonal of B B' (B the slopes), normalised. None when the regression is singular.
    """
    units = np.column_stack([x1, x0]).T
    design = np.column_stack([np.ones(len(units)), units])
    outcomes = np.column_stack([z1, z0]).T
    if design.shape[0] <= design.shape[1]:
        return None
    gram = design.T @ design
    if np.linalg.cond(gram) > 1e12:
        return None
    slopes = np.linalg.solve(gram, design.T @ outcomes)[1:]
    v = (slopes * slopes).sum(axis=1)
    total = v.sum()
    return v / total if total > 0 and np.isfinite(total) else None


def reaching_v(x1: np.ndarray, x0: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """Predictor weights V under which `w` solves the inner problem, or None if there are none.

    The check of Becker and Kloessner (2018, section 3.1): with r = X0 w - x1, `w` is inner-optimal
    for V >= 0 iff  sum_m V_m r_m (X0[m, j] - x1[m] - r_m)  is 0 for donors in its support and >= 0
    for the others, which is linear in V. A linear programme finds such a V (sum 1) with the largest
    common slack on the inequalities, or reports that none exists.
    """
    c0 = x0 - x1[:, None]
    r = c0 @ w
    if np.sqrt(r @ r) <= 1e-9 * (1.0 + np.sqrt(x1 @ x1)):
        return None  # w matches the predictors exactly: every V reaches it
    a = (c0 - r[:, None]).T * r
    k, on = len(x1), w > 1e-9
    off = ~on
    res = linprog(
        np.r_[np.zeros(k), -1.0],
        A_ub=np.c_[-a[off], np.ones(off.sum())] if off.any() else None,
        b_ub=np.zeros(off.sum()) if off.any() else None,
        A_eq=np.vstack([np.c_[a[on], np.zeros(on.sum())], np.r_[np.ones(k), 0.0]]),
        b_eq=np.r_[np.zeros(on.sum()), 1.0],
        bounds=[(0, None)] * k + [(0.0, 1.0)], method="highs")
    return res.x[:k] if res.success and res.x[:k].sum() > 0 else None


def nested_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> NestedSolution:
    """Predictor and donor weights by the nested optimisation (see the module note).

    x1: (k,) scaled predictors of the treated unit; x0: (k, J) of the donors; z1: (T,) the treated
    outcome over the periods whose MSPE is minimised; z0: (T, J) the donors' outcomes there.
    """
    inner = _Inner(x1, x0, z1, z0)
    k = len(x1)
    if k == 1:
        w = inner.weights(np.ones(1))
        return NestedSolution(np.ones(1), w, inner.mspe(w), 1, "single predictor")
    w_plain = _simplex_min_norm(z0 - z1[:, None])
    bound = inner.mspe(w_plain)
    tolerance = 1e-10 * (float(z1 @ z1) / len(z1) + bound) + 1e-300
    equal = np.full(k, 1.0 / k)
    starts = {"reaching V": reaching_v(x1, x0, w_plain), "equal": equal,
              "regression": regression_start(x1, x0, z1, z0)}
    best = None
    for name, v0 in starts.items():
        if v0 is None:
            continue
        v0 = v0 / v0.sum()
        if inner.loss(v0) > bound + tolerance:
            x = np.abs(minimize(inner.loss, v0, method="Powell").x)
            v0 = x / x.sum() if x.sum() > 0 else v0
        value = inner.loss(v0)
        if best is None or value < best[2]:
            best = (v0, inner.weights(v0), value, name)
        if best[2] <= bound + tolerance:
            break
    v, w, value, name = best
    return NestedSolution(v, w, value, inner.evaluations, name)
