"""Incremental builds: a key for every job, and the state that says what was last built.

A job's key is the SHA-256 of a canonical JSON document holding the digest of its template's
bytes, its parameters, for every catalogued dataset it reads the digest of the file and of its
catalogue entry (schema, format, vintage...), and the code version (the package version plus a
digest of the source of `workbench.evidence`, `analysis` and `briefs`, so that an edited
estimator in a development checkout is not mistaken for the released one), and the settings read
from the environment that change what is published (the disclosure-control threshold and method).

A job is skipped when its key equals the key recorded when it last built and each of its
outputs still has the digest recorded then. Everything here reads files only: no heavy imports,
so a build with nothing to do finishes in well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import workbench
from workbench.batch.plan import Job, Plan
from workbench.errors import ConfigError
from workbench.evidence.catalog import Catalog, file_digest
from workbench.io import atomic_write_text

CODE_PACKAGES = ("evidence", "analysis", "briefs")
# settings read from the environment that change what a brief publishes (briefs/disclosure.py;
# named here, not imported, to keep this module free of heavy imports)
SETTING_VARIABLES = ("WORKBENCH_DISCLOSURE_THRESHOLD", "WORKBENCH_DISCLOSURE_METHOD")


def canonical_digest(payload: Any) -> str:
    """SHA-256 of `payload` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a short digest of the code that shapes a brief's content."""
    package = Path(workbench.__file__).parent
    h = hashlib.sha256()
    for sub in CODE_PACKAGES:
        for path in sorted((package / sub).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".j2", ".json", ".css"):
                h.update(str(path.relative_to(package)).encode())
                h.update(path.read_bytes())
    return f"{workbench.__version__}+{h.hexdigest()[:12]}"


class Digests:
    """File digests, each file read once per build."""

    def __init__(self):
        self._seen: dict[Path, str | None] = {}

    def file(self, path: str | os.PathLike) -> str | None:
        """SHA-256 of a file's bytes, or None when it does not exist."""
        path = Path(path)
        if path not in self._seen:
            self._seen[path] = file_digest(path) if path.is_file() else None
        return self._seen[path]

    def forget(self, path: str | os.PathLike) -> None:
        """Drop a remembered digest (after the file was rewritten)."""
        self._seen.pop(Path(path), None)


@dataclass
class KeyedJob:
    """A job with its key, the digests of what it reads, and whether it needs to run (and why)."""

    job: Job
    key: str
    inputs: dict[str, str | None]
    template_digest: str
    run: bool = True
    reason: str = "new"
    outputs: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self, root: Path) -> dict[str, Any]:
        """The JSON line `workbench plan` prints."""
        return {"id": self.job.id, "template": os.path.relpath(self.job.template, root),
                "parameters": self.job.parameters,
                "outputs": {k: os.path.relpath(v, root) for k, v in self.job.outputs.items()},
                "inputs": self.inputs, "key": self.key, "run": self.run, "reason": self.reason}


def key_jobs(plan: Plan, digests: Digests | None = None) -> list[KeyedJob]:
    """The key of every job of the plan (nothing is decided yet)."""
    digests = digests or Digests()
    catalog = Catalog.from_file(plan.catalog)
    version = code_version()
    settings = {name: os.environ.get(name) for name in SETTING_VARIABLES}
    keyed = []
    for job in plan.jobs:
        ids = job.inputs if job.inputs is not None else tuple(sorted(catalog.entries))
        inputs, entries = {}, {}
        for dataset in ids:
            if dataset not in catalog.entries:
                raise ConfigError(f"{plan.config}: job {job.id} reads '{dataset}', which is not in "
                                  f"{plan.catalog} (known: {', '.join(sorted(catalog.entries))})")
            entry = catalog[dataset]
            inputs[dataset] = digests.file(entry.path)
            entries[dataset] = canonical_digest(_entry_spec(entry, catalog))
        template = digests.file(job.template) or ""
        key = canonical_digest({"template": template, "parameters": job.parameters, "inputs": inputs,
                                "catalogue_entries": entries, "version": version, "settings": settings})
        keyed.append(KeyedJob(job, key, inputs, template))
    return keyed


def _entry_spec(entry, catalog: Catalog) -> dict[str, Any]:
    spec = asdict(entry)
    spec["path"] = os.path.relpath(entry.path, catalog.root)
    return spec


class State:
    """What each job's last successful build was: key, output digests, brief record.

    Kept in `reports/.workbench/state.json`, rewritten atomically after every finished job, so a
    build killed part-way keeps what it finished.
    """

    def __init__(self, path: Path, jobs: dict[str, dict[str, Any]] | None = None,
                 meta: dict[str, Any] | None = None):
        self.path = path
        self.jobs = jobs or {}
        self.meta = meta or {}

    @classmethod
    def load(cls, path: Path) -> "State":
        """Read the state file (an empty state when there is none or it is unreadable)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, dict(data.get("jobs", {})), dict(data.get("meta", {})))
        except (FileNotFoundError, ValueError, AttributeError):
            return cls(path)

    def save(self) -> None:
        """Write the state atomically."""
        atomic_write_text(self.path, json.dumps({"jobs": self.jobs, "meta": self.meta}, indent=1, sort_keys=True) + "\n")

    def built(self, job_id: str, key: str, outputs: dict[str, str | None], record: dict[str, Any]) -> None:
        """Remember a successful build."""
        self.jobs[job_id] = {"status": "built", "key": key, "outputs": outputs, "record": record}

    def failed(self, job_id: str, error: str) -> None:
        """Remember that a job failed (with no key, so it runs again next time)."""
        self.jobs[job_id] = {"status": "failed", "error": error}


def decide(keyed: list[KeyedJob], state: State, digests: Digests, force: bool = False) -> list[KeyedJob]:
    """Mark each job to run or skip, with the reason (see the module docstring)."""
    for k in keyed:
        previous = state.jobs.get(k.job.id)
        k.outputs = {name: digests.file(path) for name, path in k.job.outputs.items()}
        if force:
            k.run, k.reason = True, "forced"
        elif previous is None:
            k.run, k.reason = True, "not built before"
        elif previous.get("status") == "failed":
            k.run, k.reason = True, "failed last time"
        elif previous.get("key") != k.key:
            k.run, k.reason = True, "template, parameters, inputs or code changed"
        elif any(k.outputs.get(n) is None for n in k.job.outputs):
            k.run, k.reason = True, "an output is missing"
        elif any(k.outputs.get(n) != d for n, d in previous.get("outputs", {}).items()):
            k.run, k.reason = True, "an output was changed outside the build"
        else:
            k.run, k.reason = False, "up to date"
    return keyed


def plan_status(plan: Plan, force: bool = False) -> list[KeyedJob]:
    """Every job of the plan with its key and whether a build would run it."""
    digests = Digests()
    keyed = key_jobs(plan, digests)
    return decide(keyed, State.load(plan.state_dir / "state.json"), digests, force)
