"""A content-addressed store for fits that several briefs need, computed once per build.

Every outcome brief adjusts its p-value for testing all the outcomes of its initiative, so it
needs the fit of every outcome; without a store, six briefs fit eighteen models where six would
do. :func:`fit` has the signature of :func:`workbench.analysis.fit` and returns the same
result; when the environment variable ``WORKBENCH_STORE`` names a folder (the batch sets it to
``reports/.workbench/store``), the result is kept there under a key made of

- the digest of the data (every value, column name, dtype and the index),
- the specification: design, keyword arguments, the comparison group (treated and comparison
  units, method, exclusions),
- the code version (:func:`workbench.batch.keys.code_version`).

Why not ``joblib.Memory``: its key is a hash of the pickled arguments and of the function's own
source, not of the estimator code it calls, and it has no lock, so two processes that miss at
once both compute. Here the key is exactly the three things above, and a per-key ``flock`` makes
a second process wait for the first one's result instead of fitting again; entries are written
to a temporary file and renamed, so a reader never sees half an entry. Without the variable
(a researcher running the template in JupyterLab) :func:`fit` is ``analysis.fit``.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd

from workbench.analysis import fit as analysis_fit
from workbench.analysis.comparison import ComparisonGroup
from workbench.analysis.results import Result
from workbench.batch.keys import canonical_digest, code_version
from workbench.io import STORE_ENV, computed_once

__all__ = ["STORE_ENV", "data_digest", "fit", "fit_key"]


def data_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's values, column names, dtypes and index."""
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def fit_key(design: str, data: pd.DataFrame, comparison: ComparisonGroup | None, spec: dict) -> str:
    """The store key of one fit (see the module docstring)."""
    group = None if comparison is None else {"treated": list(comparison.treated), **comparison.describe()}
    return canonical_digest({"design": design, "data": data_digest(data), "spec": spec,
                             "comparison": group, "version": code_version()})


def fit(design: str, data: pd.DataFrame, *, comparison: ComparisonGroup | None = None, **spec) -> Result:
    """`analysis.fit`, computed once per key when a store is configured (see the module docstring)."""
    if not os.environ.get(STORE_ENV):
        return analysis_fit(design, data, comparison=comparison, **spec)
    return computed_once(fit_key(design, data, comparison, spec),
                         lambda: analysis_fit(design, data, comparison=comparison, **spec),
                         accept=lambda value: isinstance(value, Result))
