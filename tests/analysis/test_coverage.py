"""Coverage of the planted demo effects over 200 regenerated demo panels (slow; runs in CI).

Each seed regenerates the whole synthetic demo panel (152 authorities, 2004-2019, AR(1) area
noise plus regional shocks, Poisson and binomial counts) with the catalogue's planted effects:
Total Place x emergency admissions -4.0 per 1,000 and Whole-Place x NEET rate -1.0 points. The
95% intervals of the headline difference-in-differences (wild cluster bootstrap) and of the
Callaway-Sant'Anna simple ATT (analytic influence-function errors) must cover the truth in 90-99%
of panels. Both compare areas within their region (`strata="region_code"`), as the briefs do: the
demo has region-by-year shocks, and comparisons across regions carry them into the estimate where
area-clustered errors cannot see them (coverage then falls to 83-87% for Whole-Place x NEET).
The figures are printed (run with -s) and recorded in the closing note of issue 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import analysis, evidence
from workbench.evidence import demo

SEEDS = range(1000, 1200)
PLANTED = [("total_place", "emergency_admissions"), ("whole_place_community_budgets", "neet_rate")]


def _panel(frame: pd.DataFrame, initiative, indicator: str, regions: pd.Series) -> pd.DataFrame:
    rows = frame[frame["indicator"] == indicator].copy()
    rows["region_code"] = rows["area_code"].map(regions)
    pilot = rows["area_code"].isin(initiative.member_areas)
    rows["treated"] = (pilot & (rows["period"] >= initiative.first_post_period)).astype(int)
    rows["cohort"] = np.where(pilot, initiative.first_post_period, 0)
    return rows


@pytest.mark.slow
def test_95_percent_intervals_cover_the_planted_effects_90_to_99_percent_of_the_time(catalog):
    spec = demo.DemoSpec.from_catalog(catalog)
    register = evidence.initiatives(catalog)
    regions = evidence.load("areas", catalog).set_index("area_code")["region_code"]
    hits = {(design, ini): 0 for design in ("did", "staggered_did") for ini, _ in PLANTED}
    for seed in SEEDS:
        frame = demo.generate(catalog, seed=seed)
        for ini, indicator in PLANTED:
            truth = spec.effect(ini, indicator)
            data = _panel(frame, register[ini], indicator, regions)
            did = analysis.fit("did", data, outcome="value", unit="area_code", time="period",
                               treatment="treated", strata="region_code", checks=False, draws=999, seed=seed)
            cs = analysis.fit("staggered_did", data, outcome="value", unit="area_code", time="period",
                              cohort="cohort", control="never_treated", strata="region_code", n_boot=0)
            hits["did", ini] += did.main.ci_low <= truth <= did.main.ci_high
            hits["staggered_did", ini] += cs.main.ci_low <= truth <= cs.main.ci_high
    rates = {f"{design} x {ini}": n / len(SEEDS) for (design, ini), n in hits.items()}
    print(f"coverage over {len(SEEDS)} demo panels: {rates}")
    assert all(0.90 <= rate <= 0.99 for rate in rates.values()), rates
