"""Checks on a long panel and its specification, shared by the estimators.

Each failure raises a SpecificationError that says what to change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import SpecificationError


def require_columns(data: pd.DataFrame, **roles: str | None) -> None:
    """Every named role (outcome=..., unit=...) must be a column of `data`."""
    for role, column in roles.items():
        if column is not None and column not in data.columns:
            raise SpecificationError(
                f"{role}='{column}' is not a column of the data; columns are: {', '.join(map(str, data.columns))}"
            )


def require_numeric(data: pd.DataFrame, column: str, role: str) -> np.ndarray:
    """The column as floats, with no missing or non-numeric values."""
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise SpecificationError(
            f"{role} column '{column}' has {int(bad.sum())} missing or non-numeric values "
            f"(first at row {int(np.flatnonzero(bad)[0])}); drop or impute them before fitting"
        )
    return values


def require_unique_unit_time(data: pd.DataFrame, unit: str, time: str) -> None:
    """One row per unit and period."""
    dup = data.duplicated(subset=[unit, time])
    if dup.any():
        row = data.loc[dup].iloc[0]
        raise SpecificationError(
            f"more than one row for {unit}={row[unit]}, {time}={row[time]}; "
            "the panel must have one row per unit and period"
        )


def require_binary(values: np.ndarray, column: str) -> np.ndarray:
    """A 0/1 treatment indicator."""
    if not np.isin(values, (0.0, 1.0)).all():
        raise SpecificationError(f"treatment column '{column}' must hold only 0 and 1")
    return values.astype(bool)


def check_did_design(data: pd.DataFrame, unit: str, time: str, treated: np.ndarray) -> None:
    """Treated units need an untreated pre-period, and there must be never-treated units."""
    ever = pd.Series(treated, index=data.index).groupby(data[unit]).transform("max").to_numpy(bool)
    if not ever.any():
        raise SpecificationError("no unit is ever treated; check the treatment column")
    if ever.all():
        raise SpecificationError("every unit is treated at some point; a comparison group of never-treated units is needed")
    first_period = data[time].min()
    at_start = data.loc[treated & (data[time] == first_period), unit]
    if len(at_start):
        raise SpecificationError(
            f"unit {at_start.iloc[0]} is treated in the first period ({first_period}), so it has no "
            "pre-period; drop it or extend the panel back in time"
        )


def is_balanced(data: pd.DataFrame, unit: str, time: str) -> bool:
    """Every unit observed once in every period of the panel (rows unique by unit and period)."""
    return len(data) == data[unit].nunique() * data[time].nunique()


def period_effects(data: pd.DataFrame, unit: str, time: str, strata: str | None,
                   treated_unit: np.ndarray) -> pd.Categorical:
    """The period-effect groups: one per period, or one per stratum and period (`strata` column).

    With strata, units are compared only with units of their own stratum (e.g. region-by-period
    fixed effects), so every stratum holding treated units needs comparison units too.
    """
    if strata is None:
        return pd.Categorical(data[time])
    require_columns(data, strata=strata)
    if data[strata].isna().any():
        raise SpecificationError(f"strata column '{strata}' has missing values; every unit needs a stratum")
    varying = data.groupby(unit)[strata].nunique()
    if (varying > 1).any():
        raise SpecificationError(f"strata column '{strata}' changes within unit {varying[varying > 1].index[0]}; "
                                 "it must be constant within each unit (e.g. the unit's region)")
    frame = pd.DataFrame({"stratum": data[strata].astype(str).to_numpy(), "treated": treated_unit})
    has = frame.groupby("stratum")["treated"].agg(["any", "all"])
    lonely = has[has["all"]]
    if len(lonely):
        raise SpecificationError(f"stratum {strata}={lonely.index[0]} has treated units but no comparison units; "
                                 "drop its units or do not compare within strata")
    return pd.Categorical(data[strata].astype(str) + "|" + data[time].astype(str))


ON_OFF_ADVICE = ("for a treatment that switches on and off fit design 'did' with checks=False (two-way fixed "
                 "effects on the indicator, no pre-trend test)")


def require_absorbing(data: pd.DataFrame, unit: str, time: str, treated: np.ndarray, column: str,
                      design: str) -> None:
    """A treatment that stays on once started; otherwise a one-line SpecificationError.

    Event studies, Callaway-Sant'Anna and the did pre-trend check define each unit by its first
    treated period, which means nothing if the treatment later switches off.
    """
    frame = pd.DataFrame({"unit": data[unit].to_numpy(), "time": data[time].to_numpy(),
                          "on": np.asarray(treated, dtype=bool)}).sort_values(["unit", "time"], kind="stable")
    was_on = frame.groupby("unit", sort=False)["on"].cummax()
    off = frame[was_on & ~frame["on"]]
    if len(off):
        u, t_off = off["unit"].iloc[0], off["time"].iloc[0]
        t_on = frame.loc[(frame["unit"] == u) & frame["on"] & (frame["time"] < t_off), "time"].max()
        raise SpecificationError(
            f"treatment '{column}' switches off for unit {u} (on in {plain(t_on)}, off in {plain(t_off)}): "
            f"{design} assumes a treatment that stays on once started; {ON_OFF_ADVICE}")


def resolve_cohort(data: pd.DataFrame, *, unit: str, time: str, cohort: str | None, treatment: str | None,
                   design: str) -> tuple[pd.DataFrame, str]:
    """The data and its cohort column, given `cohort` or a 0/1 `treatment` that stays on once started.

    From `treatment`, a unit's cohort is its first treated period (0 if never treated); a treatment
    that switches off is refused (see `require_absorbing`).
    """
    if (cohort is None) == (treatment is None):
        raise SpecificationError(f"{design} needs exactly one of cohort= (each unit's first treated period, 0 if "
                                 "never treated) or treatment= (a 0/1 column that stays on once started)")
    if treatment is None:
        return data, cohort
    require_columns(data, unit=unit, time=time, treatment=treatment)
    on = require_binary(require_numeric(data, treatment, "treatment"), treatment)
    require_absorbing(data, unit, time, on, treatment, design)
    first = data[time].where(on).groupby(data[unit]).transform("min").fillna(0)
    return data.assign(**{COHORT_FROM_TREATMENT: first}), COHORT_FROM_TREATMENT


COHORT_FROM_TREATMENT = "_cohort_from_treatment"


def plain(value):
    """A number for messages and tables: numpy scalars as Python ones, 2005.0 as 2005."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def cluster_groups(data: pd.DataFrame, unit: str, cluster: str | None) -> pd.Categorical | None:
    """The clusters to group errors by (None: by unit); `cluster` must nest the units."""
    if cluster is None or cluster == unit:
        return None
    require_columns(data, cluster=cluster)
    if data[cluster].isna().any():
        raise SpecificationError(f"cluster column '{cluster}' has missing values; every unit needs a cluster")
    varying = data.groupby(unit)[cluster].nunique()
    if (varying > 1).any():
        raise SpecificationError(f"cluster column '{cluster}' changes within unit {varying[varying > 1].index[0]}; "
                                 "clusters must nest the units (e.g. the unit's region)")
    groups = pd.Categorical(data[cluster].astype(str))
    if len(groups.categories) < 2:
        raise SpecificationError(f"cluster column '{cluster}' has a single value; clustered errors need at least 2")
    return groups


def cluster_text(cluster: str, n_clusters: int) -> str:
    """How the errors are clustered, with the few-cluster caveat in words."""
    caveat = (f"; with only {n_clusters} clusters conventional clustered errors are unreliable (they over-reject), "
              "so read the wild cluster bootstrap" if n_clusters < 50 else "")
    return f"clustered by {cluster} ({n_clusters} clusters{caveat})"
