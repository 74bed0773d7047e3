"""Evidence: the catalogue, registers, validated loading, outcome panels and the demo data.

    from workbench import evidence
    evidence.load("areas")                       # any catalogued dataset, validated
    evidence.initiatives()["total_place"]        # the initiative register
    evidence.members("total_place", vintage=2019)  # its members under 2019 codes
    evidence.findings("troubled_families")       # what its documents and evaluations claimed
    evidence.covariates(vintage=2009, year=2011)  # population and IMD by upper-tier authority
    panel = evidence.outcome_panel("total_place", "emergency_admissions")
    evidence.load("claimant_count")              # a real published series, digest checked
    evidence.areas(vintage=2023, tier="upper")   # the 153 upper-tier authorities of 2023
    evidence.harmonise(evidence.load("children_in_care"), to=2023)   # one footprint, with provenance
    evidence.check_window("claimant_count", "2009", "2014")          # refuses: Universal Credit, 2013
    evidence.check_plausible(evidence.load("children_in_care")).flags  # publisher errors excluded
"""

from workbench.evidence.breaks import SeriesBreak, SeriesBreakError, check_window, series_breaks
from workbench.evidence.catalog import Catalog, DatasetEntry, default_catalog, file_digest, find_catalog
from workbench.evidence.covariates import covariates
from workbench.evidence.findings import findings
from workbench.evidence.geography import areas, code_changes
from workbench.evidence.harmonise import Harmonised, harmonise
from workbench.evidence.loading import area_aliases, initiatives, load, reorganised_areas, validate_file
from workbench.evidence.membership import members
from workbench.evidence.panels import (Concurrent, Indicator, OutcomePanel, Overlap, concurrent_programmes, dataset_for,
                                      indicator, outcome_panel, overlaps)
from workbench.evidence.real_panels import Preparation
from workbench.evidence.plausibility import Checked, check_plausible
from workbench.evidence.registers import Conflict, Initiative, Pilot

__all__ = [
    "Catalog", "Checked", "Concurrent", "Conflict", "DatasetEntry", "Harmonised", "Indicator", "Initiative",
    "OutcomePanel", "Overlap", "Pilot", "Preparation", "SeriesBreak", "SeriesBreakError",
    "area_aliases", "areas", "check_plausible", "check_window", "code_changes", "concurrent_programmes",
    "covariates", "dataset_for", "default_catalog", "file_digest", "find_catalog", "findings", "harmonise",
    "indicator", "initiatives", "load", "members", "outcome_panel", "overlaps", "reorganised_areas",
    "series_breaks", "validate_file",
]
