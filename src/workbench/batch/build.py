"""Build every brief in a plan: execute, export, index, and record the run in a manifest."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import workbench
from workbench.batch.executors import LocalExecutor, Outcome
from workbench.batch.plan import Plan
from workbench.briefs.index import write_index
from workbench.errors import WorkbenchError
from workbench.io import atomic_write_text


@dataclass(frozen=True)
class BuildReport:
    """What one build did."""

    plan: Plan
    outcomes: tuple[Outcome, ...]
    seconds: float

    @property
    def built(self) -> list[Outcome]:
        """Jobs that produced a brief."""
        return [o for o in self.outcomes if o["status"] == "built"]

    @property
    def failed(self) -> list[Outcome]:
        """Jobs that failed, with their errors."""
        return [o for o in self.outcomes if o["status"] == "failed"]

    @property
    def ok(self) -> bool:
        """True when every job built."""
        return not self.failed


@contextmanager
def build_lock(reports: Path):
    """Stop two builds from writing the same reports tree at once."""
    reports.mkdir(parents=True, exist_ok=True)
    with open(reports / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkbenchError(f"another build is writing {reports}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(plan: Plan, executor: LocalExecutor | None = None,
          on_done: Callable[[Outcome], None] | None = None) -> BuildReport:
    """Run every job of the plan, then write the index and the manifest."""
    executor = executor or LocalExecutor()
    env = {**os.environ, "WORKBENCH_CATALOG": str(plan.catalog)}  # workers and kernels read this catalogue
    started = time.perf_counter()
    begun = dt.datetime.now(dt.timezone.utc)
    with build_lock(plan.reports):
        outcomes = tuple(executor.run(plan.jobs, str(plan.root), on_done, env))
        report = BuildReport(plan, outcomes, round(time.perf_counter() - started, 2))
        jobs = {j.id: j for j in plan.jobs}
        entries = [{**o["record"], "href": os.path.relpath(jobs[o["id"]].html, plan.reports)}
                   for o in report.built]
        write_index(plan.index, entries, [{"job": o["id"], "error": o["error"]} for o in report.failed])
        write_manifest(plan, report, begun)
    return report


def write_manifest(plan: Plan, report: BuildReport, begun: dt.datetime) -> Path:
    """Record what was built and what failed, with digests and timings."""
    jobs = {j.id: j for j in plan.jobs}
    entries: list[dict[str, Any]] = []
    for o in report.outcomes:
        job = jobs[o["id"]]
        entry = {"id": o["id"], "status": o["status"], "parameters": job.parameters,
                 "template": os.path.relpath(job.template, plan.root), "seconds": o.get("seconds")}
        if o["status"] == "built":
            entry.update(html=os.path.relpath(job.html, plan.root), notebook=os.path.relpath(job.notebook, plan.root),
                         input_digest=o["record"]["input_digest"], estimate=o["record"]["estimate"],
                         ci_low=o["record"]["ci_low"], ci_high=o["record"]["ci_high"])
        else:
            entry.update(error=o["error"], failed_notebook=o.get("failed_notebook"))
        entries.append(entry)
    manifest = {
        "workbench_version": workbench.__version__,
        "config": os.path.relpath(plan.config, plan.root),
        "started": begun.isoformat(timespec="seconds"),
        "seconds": report.seconds,
        "built": len(report.built), "failed": len(report.failed),
        "jobs": entries,
    }
    return atomic_write_text(plan.manifest, json.dumps(manifest, indent=2) + "\n")
