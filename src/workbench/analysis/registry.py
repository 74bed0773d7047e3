"""The estimator registry: designs by name, data and a specification in, a Result out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from workbench.analysis.comparison import ComparisonGroup
from workbench.analysis.results import Result
from workbench.errors import SpecificationError

Estimator = Callable[..., Result]
_REGISTRY: dict[str, tuple[Estimator, str]] = {}


def register(name: str, estimator: Estimator, description: str) -> Estimator:
    """Add an estimator under `name` (replacing any earlier one of that name)."""
    _REGISTRY[name] = (estimator, description)
    return estimator


def get(name: str) -> Estimator:
    """The estimator registered as `name`; a SpecificationError lists the known ones."""
    try:
        return _REGISTRY[name][0]
    except KeyError:
        raise SpecificationError(
            f"unknown design '{name}'; available: {', '.join(sorted(_REGISTRY))}"
        ) from None


def designs() -> pd.DataFrame:
    """The registry as a table: design name and what it estimates."""
    return pd.DataFrame(
        [(name, desc) for name, (_, desc) in sorted(_REGISTRY.items())], columns=["design", "description"]
    )


def fit(design: str, data: pd.DataFrame, *, comparison: ComparisonGroup | None = None, **spec) -> Result:
    """Fit the registered `design` to a long panel (one row per unit and period).

    With `comparison` (from `analysis.comparison.select`), only the treated units and that
    comparison group are used, and the result's sample records how they were chosen and who.
    """
    estimator = get(design)
    if comparison is None:
        return estimator(data, **spec)
    if "unit" not in spec:
        raise SpecificationError(f"design '{design}' has no unit column, so a comparison group cannot be applied")
    result = estimator(comparison.restrict(data, spec["unit"]), **spec)
    return dataclasses.replace(result, sample={**result.sample, **comparison.describe()})
