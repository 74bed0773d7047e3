"""The reference data shipped in tests/data/reference are exactly the files its README lists."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

NOT_DATA = {"README.md", ".gitattributes"}


def listed_digests(readme: Path) -> dict[str, str]:
    """File name -> SHA-256, from the README's table (columns `file` and `sha256`)."""
    rows = [line.strip().strip("|").split("|") for line in readme.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith("|")]
    header = [cell.strip() for cell in rows[0]]
    i_file, i_sha = header.index("file"), header.index("sha256")
    return {row[i_file].strip().strip("`"): row[i_sha].strip().strip("`") for row in rows[2:]}


@pytest.fixture(scope="module")
def listed(reference_data) -> dict[str, str]:
    return listed_digests(reference_data / "README.md")


def test_the_readme_lists_the_reference_files(listed):
    assert {"mpdta.csv", "ref_attgt_R.csv", "smoking_data.csv", "basque.csv", "upper_tier_2009.csv"} <= set(listed)
    assert all(len(d) == 64 and set(d) <= set("0123456789abcdef") for d in listed.values())


def test_every_listed_file_is_present_with_its_digest(reference_data, listed):
    for name, digest in listed.items():
        path = reference_data / name
        assert path.is_file(), f"{path} is listed in README.md but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path} differs from its SHA-256 in README.md"


def test_no_file_is_unlisted(reference_data, listed):
    present = {p.name for p in reference_data.iterdir()} - NOT_DATA
    assert present - set(listed) == set(), "files in tests/data/reference missing from its README.md"


def test_reference_files_stay_small(reference_data, listed):
    for name in listed:
        assert (reference_data / name).stat().st_size < 130_000, name
