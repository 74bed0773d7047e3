"""The demo evidence base: a deterministic SYNTHETIC outcome panel with planted effects.

The areas and initiative memberships are the real ones from the registers; every number is
generated. Each indicator's expected rate for area a in period t is

    rate[a, t] = level[a] + trend * (t - first) + regional_shock[region(a), t] + ar1[a, t]
                 + sum of planted effects of the initiatives a belongs to, from their first post period

and the published numerator is drawn around rate x denominator / multiplier (Poisson for
counts, binomial for proportions), so the value carries sampling noise as real data does.
The seed and the planted effects are read from the catalogue entry (`demo:`), which is
therefore the record of what an analysis of this panel should find.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import CatalogError
from workbench.evidence.catalog import Catalog, default_catalog
from workbench.evidence.loading import AREAS, INDICATORS, initiatives, load

DEMO_DATASET = "outcomes_demo"
PANEL_COLUMNS = ["area_code", "period", "indicator", "value", "numerator", "denominator"]


@dataclass(frozen=True)
class IndicatorModel:
    """How one synthetic indicator behaves: level, spread, trend, noise, and its denominator."""

    level: float            # national mean rate in the first period, in the indicator's unit
    level_sd: float         # spread of area levels
    trend: float            # change in the national rate per period
    shock_sd: float         # regional shocks per period
    noise_sd: float         # area-period AR(1) innovation
    rho: float              # AR(1) persistence
    denominator_share: float  # denominator as a share of the resident population
    binomial: bool          # proportion (binomial) or count rate (Poisson)


MODELS = {
    "emergency_admissions": IndicatorModel(95.0, 12.0, 0.9, 0.8, 1.6, 0.5, 1.0, False),
    "neet_rate": IndicatorModel(7.5, 1.5, -0.25, 0.25, 0.45, 0.5, 0.025, True),
    "recorded_crime_rate": IndicatorModel(85.0, 15.0, -2.0, 1.5, 2.5, 0.5, 1.0, False),
}
# Synthetic resident populations by authority type (median, log-sd); two very small real
# authorities are kept small so that the panel shows what small denominators do.
POPULATION = {"county": (700_000, 0.35), "metropolitan_district": (300_000, 0.45),
              "london_borough": (260_000, 0.2), "unitary": (220_000, 0.45)}
SMALL_AREAS = {"E06000053": 2_200, "E09000001": 8_000}  # Isles of Scilly, City of London


@dataclass(frozen=True)
class DemoSpec:
    """What the catalogue says the demo panel holds."""

    seed: int
    first_period: int
    last_period: int
    planted_effects: tuple[tuple[str, str, float], ...]   # (initiative, indicator, effect)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> "DemoSpec":
        """Read the seed, periods and planted effects from the catalogue's demo entry."""
        demo = catalog[DEMO_DATASET].extra.get("demo")
        if not isinstance(demo, dict):
            raise CatalogError(f"{catalog.path}: dataset '{DEMO_DATASET}' has no 'demo:' section")
        effects = tuple((e["initiative"], e["indicator"], float(e["effect"]))
                        for e in demo.get("planted_effects", []))
        return cls(int(demo["seed"]), int(demo["first_period"]), int(demo["last_period"]), effects)

    def effect(self, initiative: str, indicator: str) -> float:
        """The planted effect of an initiative on an indicator (0.0 where none was planted)."""
        return sum(e for i, ind, e in self.planted_effects if (i, ind) == (initiative, indicator))


def _stream(seed: int, *labels: str) -> np.random.Generator:
    """An independent random stream per purpose, stable across processes (no `hash()`)."""
    digest = hashlib.sha256("/".join(labels).encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def generate(catalog: Catalog | None = None, seed: int | None = None) -> pd.DataFrame:
    """Generate the demo panel in the long shape; the same seed always gives the same frame."""
    catalog = catalog if catalog is not None else default_catalog()
    spec = DemoSpec.from_catalog(catalog)
    seed = spec.seed if seed is None else seed
    areas = load(AREAS, catalog).sort_values("area_code").reset_index(drop=True)
    multipliers = load(INDICATORS, catalog).set_index("indicator")["multiplier"].astype(float)
    registry = initiatives(catalog)
    periods = np.arange(spec.first_period, spec.last_period + 1)
    codes = areas["area_code"].to_numpy()
    population = _population(areas, seed)
    frames = []
    for indicator, model in MODELS.items():
        rate = _expected_rate(model, areas, periods, seed, indicator)
        for ini_id, ind, effect in spec.planted_effects:
            if ind != indicator:
                continue
            ini = registry[ini_id]
            member = np.isin(codes, ini.member_areas)[:, None]
            rate = rate + effect * (member & (periods >= ini.first_post_period)[None, :])
        frames.append(_draw_counts(indicator, model, rate, codes, periods, population,
                                   multipliers[indicator], seed))
    panel = pd.concat(frames, ignore_index=True)
    return panel.sort_values(["indicator", "area_code", "period"], ignore_index=True)[PANEL_COLUMNS]


def _population(areas: pd.DataFrame, seed: int) -> np.ndarray:
    rng = _stream(seed, "population")
    medians = areas["type"].map(lambda t: POPULATION[t][0]).to_numpy(float)
    sds = areas["type"].map(lambda t: POPULATION[t][1]).to_numpy(float)
    pop = medians * np.exp(sds * rng.standard_normal(len(areas)))
    small = areas["area_code"].map(SMALL_AREAS)
    return np.where(small.notna(), small.fillna(0), np.round(pop, -2))


def _expected_rate(model: IndicatorModel, areas: pd.DataFrame, periods: np.ndarray,
                   seed: int, indicator: str) -> np.ndarray:
    rng = _stream(seed, "rate", indicator)
    n, t = len(areas), len(periods)
    level = model.level + model.level_sd * rng.standard_normal(n)
    trend = model.trend * (periods - periods[0])
    regions = pd.factorize(areas["region_code"], sort=True)[0]
    shocks = model.shock_sd * rng.standard_normal((regions.max() + 1, t))
    ar = np.empty((n, t))
    ar[:, 0] = model.noise_sd / np.sqrt(1 - model.rho**2) * rng.standard_normal(n)
    for j in range(1, t):
        ar[:, j] = model.rho * ar[:, j - 1] + model.noise_sd * rng.standard_normal(n)
    return np.maximum(level[:, None] + trend[None, :] + shocks[regions] + ar, 0.05 * model.level)


def _draw_counts(indicator: str, model: IndicatorModel, rate: np.ndarray, codes: np.ndarray,
                 periods: np.ndarray, population: np.ndarray, multiplier: float,
                 seed: int) -> pd.DataFrame:
    rng = _stream(seed, "counts", indicator)
    growth = 1.0 + 0.006 * (periods - periods[0])
    denominator = np.round(population[:, None] * model.denominator_share * growth[None, :])
    probability = np.clip(rate / multiplier, 0, 1)
    if model.binomial:
        numerator = rng.binomial(denominator.astype(np.int64), probability)
    else:
        numerator = rng.poisson(probability * denominator)
    value = numerator / denominator * multiplier
    n, t = rate.shape
    return pd.DataFrame({
        "area_code": np.repeat(codes, t),
        "period": np.tile(periods, n),
        "indicator": indicator,
        "value": np.round(value.ravel(), 4),
        "numerator": numerator.ravel().astype(np.int64),
        "denominator": denominator.ravel().astype(np.int64),
    })


def to_csv_bytes(panel: pd.DataFrame) -> bytes:
    """The panel as CSV bytes, formatted the same way on every machine."""
    buffer = io.StringIO()
    panel.to_csv(buffer, index=False, lineterminator="\n", float_format="%.4f")
    return buffer.getvalue().encode("utf-8")


def write_demo(catalog: Catalog | None = None) -> Path:
    """Write the demo panel where the catalogue says it lives, atomically; return the path."""
    from workbench.io import atomic_write_bytes

    catalog = catalog if catalog is not None else default_catalog()
    path = catalog[DEMO_DATASET].path
    atomic_write_bytes(path, to_csv_bytes(generate(catalog)))
    return path
