"""One estimate per pilot, with the pilot's collaboration features: the input to a meta-analysis.

Each pilot of an initiative (its member authorities) is compared with the same comparison areas
as the whole initiative (every non-member, or a comparison group), by the chosen design. The table
carries the features the initiative register records for each pilot (how many member authorities,
how many sectors are partners, how many themes), so a meta-regression can ask whether pilots with
broader partnerships did differently.
"""

from __future__ import annotations

import pandas as pd

from workbench.analysis.comparison import ComparisonGroup
from workbench.analysis.registry import fit
from workbench.evidence.panels import OutcomePanel

FEATURES = ["n_members", "n_partner_sectors", "n_themes"]


def by_pilot(panel: OutcomePanel, *, design: str = "did", comparison: ComparisonGroup | None = None,
             **spec) -> pd.DataFrame:
    """Fit `design` to each pilot of the panel's initiative against the non-member areas.

    Returns one row per pilot: pilot, name, estimate, std_error, ci_low, ci_high, p_value, n_obs,
    and the register's features (n_members, n_partner_sectors, n_themes). `spec` is passed to the
    estimator (defaults: the panel's outcome, unit, time and treatment columns).
    """
    spec = {"outcome": "value", "unit": "area_code", "time": "period", "treatment": "treated", **spec}
    members = set(panel.initiative.member_areas)
    rows = []
    for pilot in panel.initiative.pilots:
        own = set(pilot.members)
        data = panel.data[panel.data["area_code"].isin(own) | ~panel.data["area_code"].isin(members)]
        if comparison is not None:
            keep = own | set(comparison.units)
            data = data[data["area_code"].isin(keep)]
        result = fit(design, data.reset_index(drop=True), **spec)
        e = result.main
        rows.append({"pilot": pilot.id, "name": pilot.name, "estimate": e.estimate, "std_error": e.std_error,
                     "ci_low": e.ci_low, "ci_high": e.ci_high, "p_value": e.p_value,
                     "n_obs": result.sample["n_obs"], "n_members": len(pilot.members),
                     "n_partner_sectors": len(pilot.partners), "n_themes": len(pilot.themes)})
    return pd.DataFrame(rows)
