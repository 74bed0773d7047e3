"""The catalogue: every dataset named once, with the fields a reader needs; clear errors."""

from __future__ import annotations

import pytest

from workbench.errors import CatalogError
from workbench.evidence import Catalog, find_catalog


def test_every_dataset_has_its_provenance_fields(catalog):
    assert {e.id for e in catalog} == {"areas", "indicators", "initiatives", "outcomes_demo"}
    for entry in catalog:
        assert entry.path.is_file() and entry.source and entry.licence and entry.schema
    assert [e.id for e in catalog if e.synthetic] == ["outcomes_demo"]


def test_catalogue_is_found_from_a_subfolder(root, monkeypatch):
    monkeypatch.delenv("WORKBENCH_CATALOG", raising=False)
    monkeypatch.chdir(root / "notebooks" / "templates")
    assert find_catalog() == root / "evidence" / "catalog.yaml"


@pytest.mark.parametrize("text, message", [
    ("datasets: [", r"catalog.yaml, line 1: catalogue not valid YAML"),
    ("other: 1", "expected a top-level 'datasets:' mapping"),
    ("datasets:\n  x: {title: t, path: p}", "dataset 'x' lacks format, synthetic, licence, source"),
])
def test_malformed_catalogue_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError, match=message):
        Catalog.from_file(path)


def test_missing_catalogue_file(tmp_path):
    with pytest.raises(CatalogError, match="catalogue file not found"):
        Catalog.from_file(tmp_path / "nope.yaml")
