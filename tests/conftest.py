"""Shared fixtures: the project's catalogue, paths, and small panels with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.evidence import Catalog

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_file(ROOT / "evidence" / "catalog.yaml")


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared reference folder not found at {SHARED} (present in CI beside the checkout)")
    return SHARED
from tests.build_fixture import built  # noqa: E402,F401  (a real build, shared by batch and brief tests)
