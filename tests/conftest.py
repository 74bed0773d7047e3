"""Shared fixtures: the project's catalogue, paths, small panels with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.evidence import Catalog

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DATA = ROOT / "tests" / "data" / "reference"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_file(ROOT / "evidence" / "catalog.yaml")


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """Published data sets and reference facts shipped with the tests (see its README.md)."""
    return REFERENCE_DATA


from tests.build_fixture import built  # noqa: E402,F401  (a real build, shared by batch and brief tests)
