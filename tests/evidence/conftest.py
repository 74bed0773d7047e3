"""Fixtures of the evidence tests: a temporary copy of the evidence tree, so no test writes the project's own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.evidence import Catalog

ROOT = Path(__file__).resolve().parents[2]
MALFORMED = ROOT / "tests" / "fixtures" / "malformed"


def copy_evidence(target: Path) -> Catalog:
    """A copy of the catalogue and the registers under ``target/evidence`` (the raw files are not needed)."""
    evidence = target / "evidence"
    evidence.mkdir(parents=True)
    shutil.copy2(ROOT / "evidence" / "catalog.yaml", evidence / "catalog.yaml")
    shutil.copytree(ROOT / "evidence" / "registers", evidence / "registers")
    return Catalog.from_file(evidence / "catalog.yaml")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, to show that nothing was written."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def evidence_tree(tmp_path) -> Catalog:
    """A fresh temporary evidence tree (catalogue and registers) for a test that writes to it."""
    return copy_evidence(tmp_path / "project")


@pytest.fixture(scope="module")
def shared_tree(tmp_path_factory) -> Catalog:
    """One temporary evidence tree for tests that must write nothing (they check it stays unchanged)."""
    return copy_evidence(tmp_path_factory.mktemp("project"))


@pytest.fixture
def malformed() -> Path:
    """The folder of malformed-input fixtures (see its README.md)."""
    return MALFORMED
