"""Evidence: the catalogue, registers, validated loading, outcome panels and the demo data.

    from workbench import evidence
    evidence.load("areas")                       # any catalogued dataset, validated
    evidence.initiatives()["total_place"]        # the initiative register
    panel = evidence.outcome_panel("total_place", "emergency_admissions")
"""

from workbench.evidence.catalog import Catalog, DatasetEntry, default_catalog, file_digest, find_catalog
from workbench.evidence.loading import area_aliases, initiatives, load, reorganised_areas, validate_file
from workbench.evidence.panels import Indicator, OutcomePanel, Overlap, indicator, outcome_panel, overlaps
from workbench.evidence.registers import Initiative, Pilot

__all__ = [
    "Catalog", "DatasetEntry", "Indicator", "Initiative", "OutcomePanel", "Overlap", "Pilot",
    "area_aliases", "default_catalog", "file_digest", "find_catalog", "indicator",
    "initiatives", "load", "outcome_panel", "overlaps", "reorganised_areas", "validate_file",
]
