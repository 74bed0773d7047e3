"""Per-pilot estimates and their meta-analysis on the demo panel, where every pilot got the same effect."""

from __future__ import annotations

import pytest

from workbench import analysis, evidence
from workbench.analysis.pilots import by_pilot


@pytest.fixture(scope="module")
def pilots(catalog):
    panel = evidence.outcome_panel("total_place", "emergency_admissions", catalog=catalog)
    return by_pilot(panel, inference="cluster", checks=False)


def test_one_row_per_pilot_with_the_register_features(pilots, catalog):
    register = evidence.initiatives(catalog)["total_place"]
    assert list(pilots["pilot"]) == [p.id for p in register.pilots]
    assert len(pilots) == 13
    tp = dict(zip(pilots["pilot"], pilots["n_members"]))
    assert sum(tp.values()) == len(register.member_areas) == 31
    assert pilots["n_partner_sectors"].between(1, 3).all()


def test_pooling_the_pilots_recovers_the_planted_effect_with_little_heterogeneity(pilots):
    # The demo plants -4.0 per 1,000 in every Total Place area; the pilots' estimates must pool
    # to an interval around it, and the partnership breadth cannot explain differences that are
    # not there (the slope's interval covers 0).
    pooled = analysis.fit("meta_analysis", pilots, estimate="estimate", std_error="std_error", label="name")
    assert pooled.main.ci_low < -4.0 < pooled.main.ci_high
    assert pooled.diagnostics["n_studies"] == 13
    regression = analysis.fit("meta_analysis", pilots, estimate="estimate", std_error="std_error", label="name",
                              moderators=["n_partner_sectors"])
    slope = regression.tidy().set_index("term").loc["n_partner_sectors"]
    assert slope["ci_low"] < 0 < slope["ci_high"]
    assert set(pooled.plot_data()["label"]) >= set(pilots["name"])
