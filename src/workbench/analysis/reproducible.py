"""Linear algebra whose rounding does not depend on the machine: the same bits on every CPU.

numpy hands `a @ b`, `np.linalg.solve` and friends to BLAS and LAPACK, and OpenBLAS picks its
kernel when it starts, by CPU (Haswell, SkylakeX, Zen, the generic Prescott ...). Kernels add up
products in different orders and with or without fused multiply-add, so the last bits of a product
differ from one machine to another. Where a statistic feeds a count (how many bootstrap draws are
at least as extreme as the observed one) or is printed in a brief, that is not acceptable.

The functions here use only numpy's own elementwise operations (exactly rounded, the same on every
CPU), its own reductions and its einsum loops without optimisation (which never call BLAS), whose
order of summation is fixed by the arrays' shapes, not by the CPU. Checked by running the same fits
under OpenBLAS's Prescott, Haswell and SkylakeX kernels and with numpy's AVX2/AVX-512 loops switched
off (NPY_DISABLE_CPU_FEATURES): the same bits (tests/analysis/test_portability.py). About twice as
slow as BLAS on the inference code's matrices, which is a small price for them.
"""

from __future__ import annotations

import numpy as np


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` for 1-D or 2-D arrays, by numpy's own loops (einsum without optimisation), never BLAS."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape[-1] != b.shape[0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align")
    left = "ij" if a.ndim == 2 else "j"
    right = "jk" if b.ndim == 2 else "j"
    out = left.replace("j", "") + right.replace("j", "")
    return np.einsum(f"{left},{right}->{out}", a, b, optimize=False)


def gram(a: np.ndarray) -> np.ndarray:
    """`a.T @ a` for a 2-D array, exactly symmetric."""
    g = matmul(np.asarray(a, dtype=float).T, a)
    return np.triu(g) + np.triu(g, 1).T


def cholesky(m: np.ndarray, *, rank_tolerance: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Lower factor L of a symmetric positive semi-definite m (m = L L' on its range).

    Returns (L, kept): a pivot at or below `rank_tolerance` times its own diagonal entry marks a
    column that the earlier ones span (whatever the columns' scales); its column of L is zero and
    `kept` is False there, so solves leave those directions out (a generalised inverse).
    """
    m = np.asarray(m, dtype=float)
    k = m.shape[0]
    low = np.zeros((k, k))
    kept = np.zeros(k, dtype=bool)
    for j in range(k):
        pivot = m[j, j] - np.add.reduce(low[j, :j] * low[j, :j])
        if not m[j, j] > 0.0 or pivot <= rank_tolerance * m[j, j]:
            continue
        kept[j] = True
        low[j, j] = np.sqrt(pivot)
        below = m[j + 1:, j] - np.add.reduce(low[j + 1:, :j] * low[j, :j][None, :], axis=1)
        low[j + 1:, j] = below / low[j, j]
    return low, kept


def spd_solve(m: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve m x = rhs for symmetric positive (semi-)definite m; unspanned directions get 0.

    `rhs` may be a vector or a matrix of right-hand sides (one per column).
    """
    low, kept = cholesky(m)
    rhs = np.asarray(rhs, dtype=float)
    vector = rhs.ndim == 1
    z = (rhs[:, None] if vector else rhs).astype(float, copy=True)
    k = low.shape[0]
    for j in range(k):                                     # forward: L z = rhs
        if kept[j]:
            z[j] = (z[j] - np.add.reduce(low[j, :j, None] * z[:j], axis=0)) / low[j, j]
        else:
            z[j] = 0.0
    for j in reversed(range(k)):                           # back: L' x = z
        if kept[j]:
            z[j] = (z[j] - np.add.reduce(low[j + 1:, j, None] * z[j + 1:], axis=0)) / low[j, j]
        else:
            z[j] = 0.0
    return z[:, 0] if vector else z


def spd_inverse(m: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix (a generalised inverse if it is singular)."""
    k = np.asarray(m).shape[0]
    inv = spd_solve(m, np.eye(k))
    return np.triu(inv) + np.triu(inv, 1).T


def quadratic_form(b: np.ndarray, v: np.ndarray) -> np.ndarray:
    """b' v^-1 b for a batch: b (batch x q), v (batch x q x q) symmetric positive semi-definite.

    Directions a covariance does not span are left out (as a pseudo-inverse does when b lies in
    its range). Loops over q, vectorised over the batch.
    """
    b, v = np.asarray(b, dtype=float), np.asarray(v, dtype=float)
    batch, q = b.shape
    low = np.zeros((batch, q, q))
    z = np.zeros((batch, q))
    out = np.zeros(batch)
    for j in range(q):
        pivot = v[:, j, j] - np.add.reduce(low[:, j, :j] ** 2, axis=1)
        kept = (v[:, j, j] > 0.0) & (pivot > 1e-12 * v[:, j, j])   # relative to the column's own scale
        root = np.sqrt(np.where(kept, pivot, 1.0))
        low[:, j, j] = np.where(kept, root, 0.0)
        below = v[:, j + 1:, j] - np.add.reduce(low[:, j + 1:, :j] * low[:, j, None, :j], axis=2)
        low[:, j + 1:, j] = np.where(kept[:, None], below / root[:, None], 0.0)
        zj = (b[:, j] - np.add.reduce(low[:, j, :j] * z[:, :j], axis=1)) / root
        z[:, j] = np.where(kept, zj, 0.0)
        out += z[:, j] * z[:, j]
    return out
