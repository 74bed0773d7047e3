"""The catalogue: every dataset named once, with the fields a reader needs; clear errors."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil

import pytest
import yaml

from workbench import evidence
from workbench.errors import CatalogError, DataValidationError
from workbench.evidence import Catalog, find_catalog, readers
from workbench.evidence.catalog import content_digest


def test_every_dataset_has_its_provenance_fields(catalog):
    assert {"areas", "indicators", "initiatives", "outcomes_demo"} <= {e.id for e in catalog}
    for entry in catalog:
        assert entry.path.is_file() and entry.source and entry.licence
        assert entry.schema or entry.format in readers.names()
    assert [e.id for e in catalog if e.synthetic] == ["outcomes_demo"]


# SHA-256 of the uncompressed originals, as listed in the team reference folder's realdata/README.md
PUBLISHED_DIGESTS = {
    "ons_explore_local_statistics/claimant-count.csv.gz": "8e4b5d94cbae6090318ac18c5669c792aa9a1edf432a010b65e9435de2ffee2d",
    "ons_explore_local_statistics/employment-rate.csv.gz": "ce716dd803b332f7181b4da53b2f1150db3d1aba79d94b5ce7a4cf7f66960e7d",
    "ons_explore_local_statistics/gross-disposable-household-income-per-head.csv.gz":
        "bdc0a5b12185dcf7669492cb4555559be74d4da0099c4b65692f0476e13da4a0",
    "ons_explore_local_statistics/persistent-absences-for-all-pupils.csv.gz":
        "e1dd8ee9d362a2a902cd5ad4219c54a9a66204512baf7764fc3bd703cba45234",
    "ons_explore_local_statistics/preventable-cardiovascular-mortality-england.csv.gz":
        "d6ba1a651436b29e0d4f2f1df951b02247961217ba5b5cd62894d2e44691f5dd",
    "fingertips/children_in_care.csv.gz": "8b4d0151952df8f3087a1bc270207c3a9e7d5877e1e974f50154d5f5d1505e55",
    "fingertips/low_income_families.csv.gz": "57ad078caf708838abed9b4f92623ac75f69962da6d9a581315e166cd3a63572",
    "fingertips/preventable_mortality_from_cancer.csv.gz": "586406480855576b3f275a2cfed6d899659506124fdece429bc8dde9ebd9cfa9",
    "ons_population/la_pop_estimates.csv.gz": "f186144553eeeff3fc8bc018b4c78e9ab90dbf84cc7bbd9c01679b82028d0173",
    "imd/imd2019_england_ltla19.csv": "0f1078f1b59cbb6a09a5aeaaeed71b12bc3efef43d848235aac61cc7a22910ff",
    "ons_lookups/lookup_lad_counties_21.csv": "e3938966cee4c0161e838374004aa1a7c1b7ce065220ad9fc3dd4b71977b7230",
}
REAL_FIELDS = ("publisher", "source_url", "source_commit", "attribution", "sha256", "geography",
               "period_type", "caveats")


def test_real_files_are_shipped_as_published_and_catalogued(catalog, root):
    by_path = {e.path.relative_to(root / "evidence" / "raw").as_posix(): e for e in catalog if not e.synthetic
               and "raw" in e.path.parts}
    for relative, digest in PUBLISHED_DIGESTS.items():
        entry = by_path[relative]
        assert entry.extra["sha256"] == digest and content_digest(entry.path) == digest
    for entry in by_path.values():
        missing = [f for f in REAL_FIELDS if f not in entry.extra and not (f == "caveats" and entry.format == "csv")]
        assert not missing, f"{entry.id} lacks {missing}"
        assert entry.synthetic is False and "Open Government Licence v3.0" in entry.licence and entry.vintage


def test_real_indicators_span_at_least_three_outcome_domains(catalog):
    domains = {e.extra.get("domain") for e in catalog if e.format in ("ons_els", "fingertips_extract")}
    assert {"poverty", "economic regeneration", "chronic illness", "social exclusion"} <= domains


def test_ons_caveats_are_the_publishers_own(catalog, root):
    entry = catalog["claimant_count"]
    meta = json.loads(entry.extra["metadata"]["path"].read_text())["ess-beta-metadata"]
    assert " ".join(entry.extra["caveats"].split()) == " ".join(meta["caveats"].split())


def test_load_checks_the_digest_and_names_the_file(tmp_path, catalog):
    folder = tmp_path / "evidence"
    shutil.copytree(catalog.root / "registers", folder / "registers")
    (folder / "raw").mkdir()
    original = catalog["children_in_care"].path
    text = gzip.decompress(original.read_bytes()).replace(b",8.7,", b",87.0,")  # one value changed
    (folder / "raw" / "children_in_care.csv.gz").write_bytes(gzip.compress(text))
    entry = {k: v for k, v in yaml.safe_load((catalog.path).read_text())["datasets"]["children_in_care"].items()}
    entry["path"] = "raw/children_in_care.csv.gz"
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"datasets": {"children_in_care": entry}}))
    changed = Catalog.from_file(folder / "catalog.yaml")
    with pytest.raises(DataValidationError, match=r"children_in_care.csv.gz: SHA-256 of its content is .* "
                                                  r"the catalogue records 8b4d0151952d...: not the file as published"):
        evidence.load("children_in_care", changed)
    (folder / "raw" / "children_in_care.csv.gz").write_bytes(original.read_bytes())
    assert len(evidence.load("children_in_care", Catalog.from_file(folder / "catalog.yaml"))) == 1228


def test_gzip_digest_is_of_the_uncompressed_content(tmp_path):
    plain, packed = tmp_path / "a.csv", tmp_path / "a.csv.gz"
    plain.write_bytes(b"x,y\n1,2\n")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert content_digest(packed) == content_digest(plain) == hashlib.sha256(b"x,y\n1,2\n").hexdigest()


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


def test_imd_codes_are_known_authorities_and_match_the_official_summary(catalog):
    imd = evidence.load("imd2019_ltla19", catalog).set_index("ltla19_code")
    assert imd.loc["E06000001", "Score"] == 35.037  # Hartlepool, the official local-authority summary
    assert len(evidence.load("imd2019_ltla23", catalog)) == len(evidence.areas(2023, tier="lower", catalog=catalog))
