"""The multiplier bootstrap behind Callaway-Sant'Anna's bootstrap standard errors and uniform bands.

Rademacher weights per unit, as R's BMisc draws them; standard errors by R mboot's IQR estimator;
the sup-t critical value of a family of parameters. Used by `staggered` (and re-exported there).
"""

from __future__ import annotations

import numpy as np
from scipy import special

DEFAULT_SEED = 20210101
SE_FLOOR = np.sqrt(np.finfo(float).eps) * 10  # R did reports standard errors at or below this as NA
SIGNS = 1.0 - 2.0 * ((np.arange(256)[:, None] >> np.arange(8)) & 1)  # byte -> its 8 bits as -1/+1


def multiplier_bootstrap(inf: np.ndarray, n_boot: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """B x k draws of mean_i(v_i psi_ik), Rademacher v_i per unit (R BMisc), for any IF matrix."""
    n = inf.shape[0]
    rng = np.random.default_rng(seed)
    step = _chunk(n_boot, n)
    return np.vstack([_rowwise_matmul(_rademacher(rng, min(step, n_boot - lo), n), inf) / n
                      for lo in range(0, n_boot, step)])


def _rademacher(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    """rows x n signs from the raw bit stream (one 64-bit word per 64 units), so chunking keeps draws."""
    words = (n + 63) // 64
    raw = rng.bit_generator.random_raw(rows * words).astype("<u8").view(np.uint8).reshape(rows, words * 8)
    return np.take(SIGNS, raw, axis=0).reshape(rows, words * 64)[:, :n]


def _chunk(n_boot: int, width: int) -> int:
    return max(1, min(n_boot, 2_000_000 // max(width, 1)))


def _iqr_se(b: np.ndarray) -> np.ndarray:
    """R mboot's bootstrap SE, (q75 - q25) / (z75 - z25) with type-1 quantiles; NaN if degenerate."""
    ok = np.all(np.isfinite(b), axis=0) & (b.shape[0] * (b ** 2).sum(axis=0) > SE_FLOOR)
    q75, q25 = _type1_quantiles(b[:, ok], [0.75, 0.25])
    sigma = np.full(b.shape[1], np.nan)
    sigma[ok] = (q75 - q25) / (special.ndtri(0.75) - special.ndtri(0.25))
    return np.where(sigma > 0, sigma, np.nan)


def _sup_t(b: np.ndarray, sigma: np.ndarray, confidence: float, overall_first: bool) -> float:
    """The uniform critical value: a quantile of max |t| over the family's terms, at least normal."""
    terms = np.isfinite(sigma)
    if overall_first:
        terms[0] = False  # an aggregation's overall parameter is not one of the family's terms
    if not terms.any():
        return np.nan
    sup = np.max(np.abs(b[:, terms] / sigma[terms]), axis=1)
    return max(float(_type1_quantiles(sup, [confidence])[0]), special.ndtri(0.5 + confidence / 2))


def _type1_quantiles(x: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles along the first axis as R's type 1 (numpy's "inverted_cdf"), by one partition."""
    idx = np.clip(np.ceil(len(x) * np.asarray(qs) - 1).astype(int), 0, len(x) - 1)
    return np.partition(x, np.unique(idx), axis=0)[idx]


# ----------------------------------------------------------------------------- frames and records


def _rowwise_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b in row pieces small enough (m * k * n <= 2**18) for OpenBLAS to run each on one thread.

    Its threads gain little at these sizes and stall for whole scheduler slices when other
    processes hold the cores (measured: 1 ms split against 60 ms in one call on a busy machine).
    """
    rows = max(1, (1 << 18) // max(a.shape[1] * b.shape[1], 1))
    if rows >= a.shape[0]:
        return a @ b
    return np.vstack([a[lo:lo + rows] @ b for lo in range(0, a.shape[0], rows)])
