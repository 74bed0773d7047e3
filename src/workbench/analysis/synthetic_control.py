"""Synthetic control (Abadie and Gardeazabal 2003; Abadie, Diamond and Hainmueller 2010).

Each treated unit is compared with a weighted average of donor units (weights >= 0, summing to 1)
that tracks it before `start`. Two ways to choose the weights:

- ``method="nested"`` (default), as R ``Synth`` and Stata ``synth, nested``: predictors (means of
  variables over pre-periods) are scaled by their standard deviation across treated and donors;
  donor weights minimise the V-weighted predictor distance; the diagonal V is chosen to minimise
  the outcome MSPE over the fit periods (every pre-period unless ``fit_periods`` says otherwise).
  See ``_simplex.py`` for the solver and the outer search.
- ``method="plain"``: donor weights fitted directly to the outcome path over the fit periods.

The effect of a treated unit is its average post-period gap (treated minus synthetic); its pre-period
RMSPE (and that RMSPE over the SD of its outcome) is taken over the fit periods. Inference is
by placebos in space: every donor is refitted as if treated (its donors being the other donors), and
p = rank of the treated unit's post/pre RMSPE ratio / (number of placebos + 1). With several
treated units each is fitted separately against donors that exclude all treated units; the headline
"average" is the mean of their effects, and its p-value ranks |average| among the |averages| of
placebo effects over sets of as many donors (Cavallo, Galiani, Noy and Pantano 2013): all sets, or
`max_placebo_averages` sets drawn with `seed` when there are more. There are no standard errors or
confidence intervals (NaN): the design gives no defensible sampling distribution for them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._simplex import nested_weights, simplex_lstsq
from workbench.analysis.panel_checks import require_columns, require_unique_unit_time
from workbench.analysis.registry import register
from workbench.analysis.results import Estimate, Result
from workbench.analysis.synthetic_checks import check_treated_donors, interpolation, other_treated_units
from workbench.errors import SpecificationError

NAN = float("nan")
PLOT_COLUMNS = ["series", "unit", "dropped_donor", "period", "treated", "synthetic", "gap", "post",
                "pre_rmspe"]


@dataclass(frozen=True, eq=False, repr=False)
class SyntheticControlResult(Result):
    """A Result with the donor weights, the predictor weights and the predictor balance table.

    `weights`: donor weights indexed by donor (by treated unit and donor when there are several
    treated units), largest first, summing to 1 per treated unit. `predictor_weights`: V (nested
    method only). `balance`: per predictor, the treated value, the synthetic value and the donor mean.
    """

    weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    predictor_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)

    def plot_data(self) -> pd.DataFrame:
        """The data behind the charts: one long frame, one row per series, unit and period.

        Columns: series ("treated"; "average" over treated units when there are several;
        "placebo" for each donor refitted as if treated; "leave_one_out" for each refit without one
        positively weighted donor), unit (the treated or placebo unit), dropped_donor (leave-one-out
        rows only), period, treated (its outcome), synthetic, gap (treated minus synthetic), post
        (period on or after start) and pre_rmspe (of that series over the fit periods).
        """
        return self.plot_frame.copy()

    def summary(self) -> str:
        """The plain-text summary, followed by the largest donor weights."""
        top = self.weights[self.weights > 5e-4]
        lines = [f"  {' / '.join(map(str, k)) if isinstance(k, tuple) else k}: {w:.3f}" for k, w in top.items()]
        return super().summary() + "\n\nDonor weights (above 0.0005):\n" + "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything in JSON-safe types, with the donor and predictor weights."""
        out = super().to_dict()
        out["weights"] = _series_records(self.weights, "weight")
        out["predictor_weights"] = _series_records(self.predictor_weights, "weight")
        return out


@dataclass(frozen=True)
class _Panel:
    """Outcome (periods x units) and predictors (predictors x units), with the period masks."""

    outcome: pd.DataFrame
    predictors: pd.DataFrame | None
    pre: np.ndarray
    fit: np.ndarray
    y: np.ndarray
    x: np.ndarray
    col: dict

    @classmethod
    def build(cls, outcome: pd.DataFrame, predictors: pd.DataFrame, pre: np.ndarray, fit: np.ndarray) -> _Panel:
        """The panel with numpy copies of both tables and a column index per unit."""
        return cls(outcome, predictors, pre, fit, outcome.to_numpy(dtype=float), predictors.to_numpy(dtype=float),
                   {u: i for i, u in enumerate(outcome.columns)})


@dataclass(frozen=True)
class _Fit:
    """One synthetic control: the unit, its donors, weights and gaps."""

    unit: Any
    donors: tuple
    w: np.ndarray
    v: np.ndarray | None
    synthetic: np.ndarray
    gap: np.ndarray
    pre_rmspe: float
    post_rmspe: float
    effect: float

    @property
    def ratio(self) -> float:
        """Post-period RMSPE over fit-period RMSPE (inf for a perfect pre-period fit)."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else math.inf


def fit_synthetic_control(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated_unit: Any, start: Any,
    predictors: Sequence[tuple] | None = None, donors: Sequence | None = None, method: str = "nested",
    placebo: bool = True, leave_one_out: bool = False, fit_periods: Iterable | None = None,
    max_placebo_averages: int = 10_000, seed: int = 20100101, confidence: float = 0.95,
    treatment: str | None = None, treated_donors: str = "exclude",
) -> SyntheticControlResult:
    """Synthetic control estimate of the effect on `treated_unit` (one unit or a list) from `start`.

    predictors: (variable, periods, op) triples, op "mean" (missing values skipped, as Synth does);
    default: the outcome in every pre-period. donors: the donor pool (default: every other unit with
    complete outcome and predictor data; units dropped for missing data are listed in `sample`).
    fit_periods: pre-periods whose outcome MSPE is minimised (default all). See the module note.
    treatment: a 0/1 column; units it ever marks as treated, other than `treated_unit`, are left out of
    the donor pool (also from `donors`) unless treated_donors="keep"; the choice is in `sample` and the
    method text. An interpolating fit (synthetic_checks.py) is flagged in `diagnostics`.
    """
    check_treated_donors(treated_donors)
    if method not in ("nested", "plain"):
        raise SpecificationError(f"method must be 'nested' or 'plain', not {method!r}")
    if method == "plain" and predictors is not None:
        raise SpecificationError("method='plain' fits the pre-period outcome path directly and takes no "
                                 "predictors; drop `predictors` or use method='nested'")
    treated = _as_list(treated_unit)
    panel, treated, pool, dropped, others = _prepare(data, outcome, unit, time, treated, start, predictors, donors,
                                                     fit_periods, treatment, treated_donors)
    fits = [_fit_one(panel, u, pool, method) for u in treated]
    placebos = [_fit_one(panel, d, [x for x in pool if x != d], method) for d in pool] if placebo else []
    loo = _leave_one_out(panel, treated, pool, fits, method) if leave_one_out else []
    test = _placebo_test(fits, placebos, max_placebo_averages, seed)
    estimates = _estimates(fits, placebos, test)
    spec = _spec(outcome, unit, time, treated_unit, start, predictors, donors, method, placebo, leave_one_out,
                 panel, max_placebo_averages, seed) | {"treatment": treatment, "treated_donors": treated_donors}
    choice = _treated_donor_text(others, pool, treatment, treated_donors)
    return SyntheticControlResult(
        "synthetic_control", _method_text(panel, fits, placebos, method) + choice, tuple(estimates), spec,
        _sample(panel, treated, pool, dropped, others, treated_donors), _diagnostics(panel, fits, placebos, test, loo),
        _plot_frame(panel, fits, placebos, loo), confidence,
        weights=_weights(fits, unit), predictor_weights=_v_weights(panel, fits), balance=_balance(panel, fits),
    )


# ---------------------------------------------------------------- data preparation and checks

def _prepare(data, outcome, unit, time, treated, start, predictors, donors, fit_periods, treatment, treated_donors):
    """Validate the specification and build the panel.

    Returns (panel, treated, donor pool, dropped for missing data, other treated units).
    """
    require_columns(data, outcome=outcome, unit=unit, time=time)
    require_unique_unit_time(data, unit, time)
    units = pd.unique(data[unit])
    treated = [_lookup(units, u, f"treated unit {u!r} is not in column '{unit}'") for u in treated]
    others = other_treated_units(data, unit, treatment, treated)
    if donors is not None:
        donors = [_lookup(units, d, f"donor {d!r} is not in column '{unit}'") for d in donors]
    periods = np.sort(pd.unique(data[time]))
    pre_periods = periods[periods < start]
    if len(pre_periods) == 0 or not (periods >= start).any():
        raise SpecificationError(f"start={start!r} must fall after the first period ({periods[0]!r}) and no "
                                 f"later than the last ({periods[-1]!r}): there must be pre- and post-periods")
    y = pd.to_numeric(data[outcome], errors="coerce")
    wide = data.assign(**{outcome: y}).pivot(index=time, columns=unit, values=outcome).reindex(periods)
    fit_mask = _fit_mask(periods, pre_periods, fit_periods)
    if predictors is None:
        pred = wide.loc[pre_periods]
        pred.index = [f"{outcome} ({_show(p)})" for p in pre_periods]
    else:
        pred = _predictor_table(data, unit, time, periods, start, predictors)
    exclude = set(others) if treated_donors == "exclude" else set()
    pool, dropped = _donor_pool(wide, pred, treated, donors, units, outcome, exclude)
    panel = _Panel.build(wide[treated + pool], pred[treated + pool], periods < start, fit_mask)
    return panel, treated, pool, dropped, others


def _lookup(units: np.ndarray, label, message: str):
    """The data's own label equal to `label` (so 17 finds 17.0), or a SpecificationError."""
    hits = units[units == label] if not isinstance(label, (list, tuple)) else []
    if len(hits) == 0:
        raise SpecificationError(f"{message}; units include {', '.join(map(str, units[:8]))}")
    return hits[0]


def _fit_mask(periods, pre_periods, fit_periods) -> np.ndarray:
    if fit_periods is None:
        return np.isin(periods, pre_periods)
    wanted = list(fit_periods)
    outside = [p for p in wanted if p not in set(pre_periods.tolist())]
    if outside or not wanted:
        raise SpecificationError(f"fit_periods must be pre-periods of the panel; {outside[:3] or 'none given'} "
                                 f"are not (pre-periods run {pre_periods[0]!r} to {pre_periods[-1]!r})")
    return np.isin(periods, wanted)


def _predictor_table(data, unit, time, periods, start, predictors) -> pd.DataFrame:
    """Predictors x units: each (variable, periods, op) is the unit's mean over those periods."""
    rows, labels = [], []
    known = set(periods.tolist())
    for item in predictors:
        var, when, op = _parse_predictor(item)
        require_columns(data, predictor=var)
        when = [when] if np.isscalar(when) else list(when)
        late = [p for p in when if p >= start or p not in known]
        if late or not when:
            raise SpecificationError(
                f"predictor '{var}' uses period(s) {late[:3] or when} outside the pre-period; its periods must be "
                f"periods of the panel before start={start!r}")
        values = pd.to_numeric(data[var], errors="coerce")
        sub = data.assign(**{var: values}).loc[data[time].isin(when)]
        rows.append(sub.groupby(unit, sort=False)[var].mean())
        labels.append(_label(var, when, op))
    table = pd.DataFrame(rows)
    table.index = _unique(labels)
    return table


def _parse_predictor(item) -> tuple:
    if isinstance(item, str) or not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
        raise SpecificationError(f"each predictor must be (variable, periods, 'mean'); got {item!r}")
    var, when, op = (*item, "mean") if len(item) == 2 else item
    if op != "mean":
        raise SpecificationError(f"predictor '{var}': op must be 'mean', not {op!r}")
    return var, when, op


def _label(var, when, op) -> str:
    if len(when) == 1:
        return f"{var} ({_show(when[0])})"
    return f"{var} ({op} {_show(min(when))}-{_show(max(when))})"


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return out


def _donor_pool(wide, pred, treated, donors, units, outcome, exclude=frozenset()):
    """The donor pool (without the units in `exclude`) and the units dropped from the default pool for missing data."""
    def missing(u) -> str | None:
        if u not in wide.columns or wide[u].isna().any():
            return f"missing or non-numeric '{outcome}' values"
        if u not in pred.columns or pred[u].isna().any():
            bad = pred.index[pred[u].isna()][0] if u in pred.columns else "all"
            return f"no value for predictor {bad}"
        return None

    for u in treated:
        if (why := missing(u)) is not None:
            raise SpecificationError(f"treated unit {u!r} has {why}; fill them or choose another unit")
    if donors is not None:
        pool = [d for d in dict.fromkeys(donors) if d not in exclude]
        for d in pool:
            if d in treated:
                raise SpecificationError(f"donor {d!r} is also a treated unit; remove it from `donors`")
            if (why := missing(d)) is not None:
                raise SpecificationError(f"donor {d!r} has {why}; drop it from `donors` or fill the gaps")
        dropped = {}
    else:
        candidates = [u for u in units if u not in treated and u not in exclude]
        dropped = {str(u): why for u in candidates if (why := missing(u)) is not None}
        pool = [u for u in candidates if str(u) not in dropped]
    if len(pool) < 2:
        raise SpecificationError(f"a synthetic control needs at least 2 donors with complete data; found {len(pool)}")
    return pool, dropped


# ---------------------------------------------------------------- fitting

def _fit_one(panel: _Panel, unit, donors: list, method: str) -> _Fit:
    """The synthetic control of `unit` from `donors` by the chosen method."""
    i, idx = panel.col[unit], [panel.col[d] for d in donors]
    y1, y0 = panel.y[:, i], panel.y[:, idx]
    z1, z0 = y1[panel.fit], y0[panel.fit]
    if method == "plain" or len(donors) == 1:
        w, v = simplex_lstsq(z0, z1), None
    else:
        x = panel.x[:, [i, *idx]]
        sd = x.std(axis=1, ddof=1)
        x = x / np.where(sd > 0, sd, 1.0)[:, None]
        solution = nested_weights(x[:, 0], x[:, 1:], z1, z0)
        w, v = solution.w, solution.v
    synthetic = y0 @ w
    gap = y1 - synthetic
    post = ~panel.pre
    return _Fit(unit, tuple(donors), w, v, synthetic, gap, _rms(gap[panel.fit]), _rms(gap[post]),
                float(gap[post].mean()))


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x)))


def _leave_one_out(panel, treated, pool, fits, method) -> list[tuple[Any, list[_Fit]]]:
    """Refits without each donor that has weight above 1e-6 for some treated unit."""
    used = [d for d in pool if any(f.w[f.donors.index(d)] > 1e-6 for f in fits)]
    return [(d, [_fit_one(panel, u, [x for x in pool if x != d], method) for u in treated]) for d in used]


def _placebo_test(fits, placebos, max_sets: int, seed: int) -> dict[str, Any]:
    """Rank, count and p-value of the headline against its placebo distribution."""
    if not placebos:
        return {"rank": NAN, "n": 0, "p": NAN, "statistic": "none (placebo=False)"}
    if len(fits) == 1:
        ratios = np.array([p.ratio for p in placebos])
        rank = 1 + int((ratios >= fits[0].ratio).sum())
        return {"rank": rank, "n": len(ratios), "p": rank / (len(ratios) + 1),
                "statistic": "post/pre RMSPE ratio"}
    effects = np.array([p.effect for p in placebos])
    g = len(fits)
    if len(effects) < g:
        return {"rank": NAN, "n": 0, "p": NAN, "statistic": "too few placebos for averages"}
    averages = _placebo_averages(effects, g, max_sets, seed)
    observed = abs(np.mean([f.effect for f in fits]))
    rank = 1 + int((np.abs(averages) >= observed).sum())       # placebo sets at least as extreme
    return {"rank": rank, "n": len(averages), "p": rank / (len(averages) + 1),
            "statistic": f"|mean effect| over sets of {g} placebo units (Cavallo et al. 2013)"}


def _placebo_averages(effects: np.ndarray, g: int, max_sets: int, seed: int) -> np.ndarray:
    """Mean placebo effect of every set of `g` placebo units, or of `max_sets` random sets."""
    if math.comb(len(effects), g) <= max_sets:
        sets = np.array(list(itertools.combinations(range(len(effects)), g)))
    else:
        rng = np.random.default_rng(seed)
        sets = np.array([rng.choice(len(effects), g, replace=False) for _ in range(max_sets)])
    return effects[sets].mean(axis=1)


# ---------------------------------------------------------------- result pieces

def _estimates(fits, placebos, test) -> list[Estimate]:
    """Headline first: the unit's effect, or the average then one term per treated unit."""
    per_unit = []
    for f in fits:
        if placebos:
            rank = 1 + sum(p.ratio >= f.ratio for p in placebos)
            p_value = rank / (len(placebos) + 1)
        else:
            p_value = NAN
        per_unit.append(Estimate(str(f.unit), f.effect, NAN, NAN, NAN, p_value))
    if len(fits) == 1:
        return per_unit
    average = float(np.mean([f.effect for f in fits]))
    return [Estimate("average", average, NAN, NAN, NAN, test["p"]), *per_unit]


def _method_text(panel, fits, placebos, method) -> str:
    periods = panel.outcome.index[panel.fit]
    window = f"{_show(periods[0])}-{_show(periods[-1])}"
    if method == "nested":
        how = (f"donor weights on the simplex minimising the V-weighted distance of {len(panel.predictors)} "
               "predictors scaled by their SD across treated and donors; diagonal V chosen to minimise the "
               f"outcome MSPE over {window} (nested optimisation: the outcome-path fit if some V reaches it, "
               "otherwise the best of Powell searches from equal, regression-based and LP-derived V)")
    else:
        how = f"donor weights on the simplex fitted directly to the outcome over {window} (no predictors, no V)"
    several = len(fits) > 1
    effect = ("each treated unit fitted separately against donors excluding all treated units; effect = its "
              "average post-period gap; headline = mean over treated units") if several else \
        "effect = average post-period gap (treated minus synthetic)"
    if not placebos:
        inference = "no placebo inference was run (p-values NaN)"
    elif several:
        inference = (f"p-values by placebos in space ({len(placebos)} donors refitted as if treated): per unit the "
                     "rank of its post/pre RMSPE ratio; for the average the rank of |average| among averages of "
                     "placebo effects (Cavallo et al. 2013)")
    else:
        inference = (f"p-value = rank of the post/pre RMSPE ratio among the unit and {len(placebos)} donors refitted "
                     "as if treated, over their number")
    return (f"Synthetic control (Abadie, Diamond and Hainmueller 2010): {how}; {effect}; {inference}; "
            "no standard errors or confidence intervals (NaN).")


def _diagnostics(panel, fits, placebos, test, loo) -> dict[str, Any]:
    y = panel.outcome
    to_sd = []
    for f in fits:
        sd = float(np.std(y[f.unit].to_numpy()[panel.fit], ddof=1)) if panel.fit.sum() > 1 else NAN
        to_sd.append(f.pre_rmspe / sd if sd > 0 else NAN)
    out = {
        "pre_rmspe": float(np.mean([f.pre_rmspe for f in fits])),
        "pre_rmspe_to_sd": float(np.nanmax(to_sd)) if not np.isnan(to_sd).all() else NAN,
        "post_rmspe": float(np.mean([f.post_rmspe for f in fits])),
        "post_pre_rmspe_ratio": float(np.mean([f.ratio for f in fits])),
        "placebo_rank": test["rank"],
        "n_placebos": test["n"],
        "placebo_p_value": test["p"],
        "placebo_statistic": test["statistic"],
        "n_pre_periods": int(panel.pre.sum()),
        "n_fit_periods": int(panel.fit.sum()),
        "n_post_periods": int((~panel.pre).sum()),
        "n_donors": len(fits[0].donors),
        "n_donors_weighted": int(max((f.w > 1e-6).sum() for f in fits)),
        "comparison_group": True,
        **interpolation(y[panel.fit], fits, placebos),
    }
    if placebos:
        out["placebo_pre_rmspe_median"] = float(np.median([p.pre_rmspe for p in placebos]))
    if loo:
        effects = [float(np.mean([f.effect for f in refits])) for _, refits in loo]
        out.update(loo_effect_min=min(effects), loo_effect_max=max(effects), loo_n_refits=len(effects),
                   loo_dropped_donors=[str(d) for d, _ in loo])
    return out


def _series_frame(panel, f: _Fit, series: str, dropped=None) -> pd.DataFrame:
    periods = panel.outcome.index.to_numpy()
    return pd.DataFrame({
        "series": series, "unit": str(f.unit), "dropped_donor": None if dropped is None else str(dropped),
        "period": periods, "treated": panel.outcome[f.unit].to_numpy(), "synthetic": f.synthetic,
        "gap": f.gap, "post": ~panel.pre, "pre_rmspe": f.pre_rmspe,
    }, columns=PLOT_COLUMNS)


def _plot_frame(panel, fits, placebos, loo) -> pd.DataFrame:
    frames = [_series_frame(panel, f, "treated") for f in fits]
    if len(fits) > 1:
        mean = frames[0].copy()
        for col in ("treated", "synthetic", "gap"):
            mean[col] = np.mean([fr[col].to_numpy() for fr in frames], axis=0)
        mean["unit"], mean["pre_rmspe"] = "average", _rms(mean["gap"].to_numpy()[panel.fit])
        frames.append(mean.assign(series="average"))
    frames += [_series_frame(panel, p, "placebo") for p in placebos]
    frames += [_series_frame(panel, f, "leave_one_out", d) for d, refits in loo for f in refits]
    return pd.concat(frames, ignore_index=True)


def _weights(fits, unit: str) -> pd.Series:
    parts = [pd.Series(f.w, index=pd.Index(list(f.donors), name=unit), name="weight")
             .sort_values(ascending=False, kind="stable") for f in fits]
    if len(fits) == 1:
        return parts[0]
    return pd.concat(parts, keys=[f.unit for f in fits], names=["treated_unit", unit])


def _v_weights(panel, fits) -> pd.Series:
    if fits[0].v is None:
        return pd.Series(dtype=float, name="weight")
    index = pd.Index(panel.predictors.index, name="predictor")
    parts = [pd.Series(f.v, index=index, name="weight") for f in fits]
    if len(fits) == 1:
        return parts[0]
    return pd.concat(parts, keys=[f.unit for f in fits], names=["treated_unit", "predictor"])


def _balance(panel, fits) -> pd.DataFrame:
    """Predictor means: treated, synthetic and the simple donor average (nested method)."""
    if fits[0].v is None:
        return pd.DataFrame()
    rows = []
    for f in fits:
        x = panel.predictors
        rows.append(pd.DataFrame({
            "treated_unit": str(f.unit), "predictor": x.index, "treated": x[f.unit].to_numpy(),
            "synthetic": x[list(f.donors)].to_numpy() @ f.w, "donor_mean": x[list(f.donors)].mean(axis=1).to_numpy(),
            "v_weight": f.v}))
    return pd.concat(rows, ignore_index=True)


def _treated_donor_text(others, pool, treatment, treated_donors) -> str:
    """The donor-pool choice about other treated units, for the method text ('' without a treatment column)."""
    if treatment is None or not others:
        return ""
    if treated_donors == "exclude":
        return f" Donor pool: {len(others)} other treated units (column '{treatment}') left out."
    kept = sum(u in set(pool) for u in others)
    return f" Donor pool: {kept} other treated units (column '{treatment}') kept as donors (treated_donors='keep')."


def _sample(panel, treated, pool, dropped, others=(), treated_donors="exclude") -> dict[str, Any]:
    periods = panel.outcome.index
    choice = ({"excluded_treated_donors": sorted(map(str, others))} if treated_donors == "exclude"
              else {"treated_donors_kept": sorted(str(u) for u in others if u in set(pool))})
    return {
        "n_obs": int(len(periods) * (len(treated) + len(pool))),
        "n_units": len(treated) + len(pool),
        "n_treated_units": len(treated),
        "n_comparison_units": len(pool),
        "first_period": _scalar(periods[0]),
        "last_period": _scalar(periods[-1]),
        "first_post_period": _scalar(periods[~panel.pre][0]),
        "treated_units": [str(u) for u in treated],
        "comparison_units": [str(u) for u in pool],
        "dropped_units": [f"{u}: {why}" for u, why in dropped.items()],
        **choice,
    }


def _spec(outcome, unit, time, treated_unit, start, predictors, donors, method, placebo, leave_one_out,
          panel, max_sets, seed) -> dict[str, Any]:
    preds = None if predictors is None else [
        [item[0], [_scalar(p) for p in ([item[1]] if np.isscalar(item[1]) else item[1])],
         item[2] if len(item) == 3 else "mean"] for item in predictors]
    return {
        "outcome": outcome, "unit": unit, "time": time,
        "treated_unit": ([str(u) for u in treated_unit] if isinstance(treated_unit, (list, tuple))
                         else str(treated_unit)),
        "start": _scalar(start), "predictors": preds,
        "donors": None if donors is None else [str(d) for d in donors], "method": method,
        "placebo": placebo, "leave_one_out": leave_one_out,
        "fit_periods": [_scalar(p) for p in panel.outcome.index[panel.fit]],
        "max_placebo_averages": max_sets, "seed": seed,
    }


def _series_records(s: pd.Series, name: str) -> list[dict[str, Any]]:
    return [{**dict(zip(s.index.names, map(str, k if isinstance(k, tuple) else (k,)))), name: float(v)}
            for k, v in s.items()]


def _as_list(treated_unit) -> list:
    if isinstance(treated_unit, (list, tuple, set, pd.Index, np.ndarray)):
        units = list(dict.fromkeys(treated_unit))
        if not units:
            raise SpecificationError("treated_unit is an empty list; name at least one treated unit")
        return units
    return [treated_unit]


def _scalar(value):
    return value.item() if hasattr(value, "item") else value


def _show(period) -> str:
    """A period for labels: 1988.0 shows as 1988."""
    value = _scalar(period)
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


register("synthetic_control", fit_synthetic_control,
         "Synthetic control (nested V or plain), placebo-in-space p-values, donor weights")
