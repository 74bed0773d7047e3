"""The build plan: a config file lists templates and parameter grids; each job is one brief.

A job's id is stable (template name and its grid values), so runs can be compared and cached.
A job names the catalogued datasets it reads (`inputs:`, formatted with its parameters, e.g.
`["{dataset}", areas]`); without `inputs:` it is taken to read every dataset of the catalogue.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError
from workbench.io import read_yaml

DEFAULT_CONFIG = "workbench.yaml"
SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Job:
    """One notebook run: a template, its parameters, and where its outputs go."""

    id: str
    template: Path
    parameters: dict[str, Any]
    html: Path
    notebook: Path
    failed_notebook: Path
    index_href: str
    inputs: tuple[str, ...] | None = None   # catalogued dataset ids it reads; None: all of them

    @property
    def flat_id(self) -> str:
        """The id as one file name (slashes replaced)."""
        return self.id.replace("/", "__")

    @property
    def outputs(self) -> dict[str, Path]:
        """The files a successful run leaves behind."""
        return {"html": self.html, "notebook": self.notebook}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, passed to the worker process."""
        return {"id": self.id, "template": str(self.template), "parameters": self.parameters,
                "html": str(self.html), "notebook": str(self.notebook),
                "failed_notebook": str(self.failed_notebook), "index_href": self.index_href,
                "inputs": list(self.inputs) if self.inputs is not None else None}


@dataclass(frozen=True)
class Plan:
    """Every job of one build, with the folders they share."""

    config: Path
    root: Path
    reports: Path
    catalog: Path
    jobs: tuple[Job, ...] = field(default_factory=tuple)
    all_jobs: tuple[Job, ...] = ()      # every job of the config, when `jobs` is a selection

    @property
    def everything(self) -> tuple[Job, ...]:
        """Every job of the config (the index lists them all, whatever was selected)."""
        return self.all_jobs or self.jobs

    @property
    def index(self) -> Path:
        """The index page of the briefs."""
        return self.reports / "index.html"

    @property
    def manifest(self) -> Path:
        """The run manifest."""
        return self.reports / "manifest.json"

    @property
    def state_dir(self) -> Path:
        """Where the build keeps its lock, job state, shared-results store and partial notebooks."""
        return self.reports / ".workbench"

    def select(self, pattern: str | None) -> "Plan":
        """Only the jobs whose id contains `pattern` or matches it as a glob (all if None)."""
        if not pattern:
            return self
        chosen = tuple(j for j in self.jobs if pattern in j.id or fnmatch.fnmatchcase(j.id, pattern))
        if not chosen:
            raise ConfigError(f"no job id contains '{pattern}'; ids are: {', '.join(j.id for j in self.jobs)}")
        return Plan(self.config, self.root, self.reports, self.catalog, chosen, self.everything)


def load_plan(config: str | os.PathLike = DEFAULT_CONFIG) -> Plan:
    """Read a build config and expand its grids into jobs."""
    path = Path(config).resolve()
    raw = read_yaml(path, lambda problem, line: ConfigError(
        f"{path}{f', line {line}' if line else ''}: {problem}"
        + (" (pass --config)" if problem == "file not found" else "")))
    if not isinstance(raw, dict) or not isinstance(raw.get("jobs"), list) or not raw["jobs"]:
        raise ConfigError(f"{path}: expected a non-empty 'jobs:' list")
    root = path.parent
    reports = (root / raw.get("reports", "reports")).resolve()
    catalog = (root / raw.get("catalog", "evidence/catalog.yaml")).resolve()
    jobs = [job for i, spec in enumerate(raw["jobs"]) for job in _expand(path, root, reports, i, spec)]
    ids = [j.id for j in jobs]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise ConfigError(f"{path}: two jobs have the id '{dup}'; give them different names or grids")
    return Plan(path, root, reports, catalog, tuple(jobs))


def _expand(path: Path, root: Path, reports: Path, i: int, spec: Any) -> list[Job]:
    where = f"{path}: jobs[{i}]"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a mapping")
    for key in ("name", "template", "output"):
        if key not in spec:
            raise ConfigError(f"{where} lacks '{key}'")
    name = str(spec["name"])
    template = (root / spec["template"]).resolve()
    if not template.is_file():
        raise ConfigError(f"{where}: template {spec['template']} not found")
    fixed = dict(spec.get("parameters") or {})
    grid = spec.get("grid") or {}
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise ConfigError(f"{where}: 'grid' must map parameter names to non-empty lists")
    inputs = spec.get("inputs")
    if inputs is not None and (not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs)):
        raise ConfigError(f"{where}: 'inputs' must be a list of catalogued dataset ids")
    keys = list(grid)
    jobs = []
    for values in itertools.product(*(grid[k] for k in keys)):
        point = dict(zip(keys, values))
        for k, v in point.items():
            if not SAFE.match(str(v)):
                raise ConfigError(f"{where}: grid value {k}={v!r} may only hold letters, digits, _ . -")
        job_id = "/".join([name, *(str(v) for v in values)])
        try:
            html = reports / str(spec["output"]).format(**point, **fixed)
        except KeyError as exc:
            raise ConfigError(f"{where}: output pattern names {exc}, which is not a parameter") from None
        flat = job_id.replace("/", "__")
        try:
            reads = None if inputs is None else tuple(sorted({i.format(**fixed, **point) for i in inputs}))
        except KeyError as exc:
            raise ConfigError(f"{where}: inputs name {exc}, which is not a parameter") from None
        jobs.append(Job(
            id=job_id, template=template, parameters={**fixed, **point}, html=html,
            notebook=reports / "notebooks" / f"{flat}.ipynb",
            failed_notebook=reports / "failed" / f"{flat}.ipynb",
            index_href=os.path.relpath(reports / "index.html", html.parent), inputs=reads,
        ))
    return jobs
