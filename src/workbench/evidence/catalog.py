"""The evidence catalogue: `evidence/catalog.yaml` names every dataset once.

A :class:`Catalog` maps dataset ids to :class:`DatasetEntry` records (path, format, schema,
source, licence, vintage, synthetic). Code asks for data by id; only this package opens files.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import CatalogError, DataValidationError
from workbench.io import read_yaml

CATALOG_RELATIVE = Path("evidence") / "catalog.yaml"
REQUIRED_FIELDS = ("title", "path", "format", "synthetic", "licence", "source")


@dataclass(frozen=True)
class DatasetEntry:
    """One catalogued dataset: where it is, what it must look like, and where it came from."""

    id: str
    title: str
    path: Path
    format: str
    synthetic: bool
    licence: str
    source: str
    vintage: str = ""
    notes: str = ""
    schema: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """SHA-256 of the file's bytes, the input digest recorded in every output."""
        return file_digest(self.path)


@dataclass(frozen=True)
class Catalog:
    """All datasets of one evidence base, read from its catalogue file."""

    path: Path
    entries: dict[str, DatasetEntry]

    @property
    def root(self) -> Path:
        """The folder the catalogue lives in; dataset paths are relative to it."""
        return self.path.parent

    @property
    def project_root(self) -> Path:
        """The project folder that holds `evidence/`."""
        return self.root.parent

    def __getitem__(self, dataset_id: str) -> DatasetEntry:
        try:
            return self.entries[dataset_id]
        except KeyError:
            known = ", ".join(sorted(self.entries))
            raise CatalogError(
                f"{self.path}: no dataset '{dataset_id}' in the catalogue (known: {known})"
            ) from None

    def __iter__(self):
        return iter(self.entries.values())

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Catalog":
        """Read and check a catalogue file."""
        path = Path(path).resolve()
        raw = read_yaml(path, lambda problem, line: CatalogError(
            f"{path}{f', line {line}' if line else ''}: catalogue {problem}"))
        if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict):
            raise CatalogError(f"{path}: expected a top-level 'datasets:' mapping")
        entries = {ds_id: _entry(path, ds_id, spec) for ds_id, spec in raw["datasets"].items()}
        return cls(path=path, entries=entries)


def _entry(catalog_path: Path, ds_id: str, spec: Any) -> DatasetEntry:
    if not isinstance(spec, dict):
        raise CatalogError(f"{catalog_path}: dataset '{ds_id}' must be a mapping")
    missing = [f for f in REQUIRED_FIELDS if f not in spec]
    if missing:
        raise CatalogError(f"{catalog_path}: dataset '{ds_id}' lacks {', '.join(missing)}")
    known = set(REQUIRED_FIELDS) | {"vintage", "notes", "schema"}
    return DatasetEntry(
        id=ds_id,
        title=str(spec["title"]),
        path=(catalog_path.parent / spec["path"]).resolve(),
        format=str(spec["format"]),
        synthetic=bool(spec["synthetic"]),
        licence=str(spec["licence"]),
        source=" ".join(str(spec["source"]).split()),
        vintage=str(spec.get("vintage", "")),
        notes=" ".join(str(spec.get("notes", "")).split()),
        schema=spec.get("schema") or {},
        extra=_extra(catalog_path, {k: v for k, v in spec.items() if k not in known}),
    )


def _extra(catalog_path: Path, extra: dict[str, Any]) -> dict[str, Any]:
    """Further fields of an entry; a metadata file's path is made absolute like the data path."""
    meta = extra.get("metadata")
    if isinstance(meta, dict) and "path" in meta:
        extra["metadata"] = {**meta, "path": (catalog_path.parent / meta["path"]).resolve()}
    return extra


def find_catalog(start: str | os.PathLike | None = None) -> Path:
    """Locate `evidence/catalog.yaml`.

    Order: the WORKBENCH_CATALOG environment variable; then the current folder and its parents
    (so notebooks run from `notebooks/...` find the project); then the source checkout this
    package was installed from.
    """
    env = os.environ.get("WORKBENCH_CATALOG")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CATALOG_RELATIVE
        if candidate.is_file():
            return candidate
    checkout = Path(__file__).resolve().parents[3] / CATALOG_RELATIVE
    if checkout.is_file():
        return checkout
    raise CatalogError(
        f"no {CATALOG_RELATIVE} in {here} or its parents; run from the project folder "
        "or set WORKBENCH_CATALOG"
    )


def default_catalog() -> Catalog:
    """The catalogue of the project the caller is working in."""
    return Catalog.from_file(find_catalog())


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def content_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's content as published: of the uncompressed bytes for a ``.gz`` file."""
    path = Path(path)
    if path.suffix != ".gz":
        return file_digest(path)
    h = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataValidationError(path, f"not a readable gzip file ({exc})") from None
    return h.hexdigest()


def verify_digests(entry: DatasetEntry) -> None:
    """Check a published file (and its metadata file) against the SHA-256 its entry records.

    Entries without ``sha256`` (registers, the generated demo) are not checked. A mismatch means
    the file is not the one published: it raises :class:`DataValidationError` naming the file.
    """
    files = []
    if entry.extra.get("sha256"):
        files.append((entry.path, str(entry.extra["sha256"])))
    meta = entry.extra.get("metadata")
    if isinstance(meta, dict) and meta.get("sha256"):
        files.append((Path(meta["path"]), str(meta["sha256"])))
    for path, expected in files:
        if not path.exists():
            raise DataValidationError(path, "file not found (the catalogue names it)")
        actual = content_digest(path)
        if actual != expected.lower():
            raise DataValidationError(
                path, f"SHA-256 of its content is {actual[:12]}..., the catalogue records "
                      f"{expected[:12]}...: not the file as published; restore it from its source")

