"""Build the briefs of a plan: key every job, run the ones that changed, index, record a manifest.

Under the lock of the reports folder: every job gets its key (`workbench.batch.keys`); jobs
whose key and outputs are unchanged are skipped; the others run on the executor. After each
finished job the state file is rewritten (atomically), so a build killed part-way keeps what it
finished and the next one re-runs only what failed, changed or never finished. Then the index
(when what it lists changed) and `reports/manifest.json` are written, both atomically.
"""

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

from workbench.batch.keys import Digests, KeyedJob, State, canonical_digest, code_version, decide, key_jobs
from workbench.batch.plan import Plan
from workbench.errors import BuildLockedError
from workbench.io import atomic_write_text

Event = dict[str, Any]


@dataclass(frozen=True)
class BuildReport:
    """What one build did: the outcome of every job of the plan (built, skipped or failed)."""

    plan: Plan
    outcomes: tuple[dict[str, Any], ...]
    seconds: float

    def _with(self, status: str) -> list[dict[str, Any]]:
        return [o for o in self.outcomes if o["status"] == status]

    @property
    def built(self) -> list[dict[str, Any]]:
        """Jobs that ran and produced a brief."""
        return self._with("built")

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Jobs whose key and outputs were unchanged."""
        return self._with("skipped")

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Jobs that failed, with their errors."""
        return self._with("failed")

    @property
    def ok(self) -> bool:
        """True when no job failed."""
        return not self.failed


@contextmanager
def build_lock(plan: Plan, wait: bool = False):
    """Stop two builds from writing the same reports tree; with `wait`, queue behind the other."""
    plan.state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(plan.state_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise BuildLockedError(f"another build ({holder}) is writing {plan.reports}; "
                                   "wait for it to finish, or pass --wait to queue behind it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
                  .encode(), 0)
        yield
    finally:
        os.close(fd)                      # closing releases the lock


def build(plan: Plan, executor=None, *, force: bool = False, wait: bool = False,
          on_event: Callable[[Event], None] | None = None) -> BuildReport:
    """Run the jobs of the plan that need it, then write the index and the manifest."""
    emit = on_event or (lambda event: None)
    started, begun = time.perf_counter(), dt.datetime.now(dt.timezone.utc)
    with build_lock(plan, wait):
        digests = Digests()
        state = State.load(plan.state_dir / "state.json")
        keyed = decide(key_jobs(plan, digests), state, digests, force)
        by_id = {k.job.id: k for k in keyed}
        outcomes: dict[str, dict[str, Any]] = {}
        todo = [k for k in keyed if k.run]
        if todo and executor is None:
            from workbench.batch.executors import LocalExecutor
            executor = LocalExecutor()
        emit({"event": "start", "total": len(keyed), "to_run": len(todo), "skipped": len(keyed) - len(todo),
              "executor": executor.describe() if todo else None})
        for k in keyed:
            if not k.run:
                outcomes[k.job.id] = {"id": k.job.id, "status": "skipped", "seconds": 0.0,
                                      "record": state.jobs[k.job.id].get("record")}
                emit({"event": "job", "id": k.job.id, "status": "skipped", "reason": k.reason})

        def finished(outcome: dict[str, Any]) -> None:
            k = by_id[outcome["id"]]
            if outcome["status"] == "built":
                for path in k.job.outputs.values():
                    digests.forget(path)
                k.outputs = {n: digests.file(p) for n, p in k.job.outputs.items()}
                state.built(k.job.id, k.key, k.outputs, outcome["record"])
            else:
                state.failed(k.job.id, outcome.get("error", ""))
            state.save()
            outcomes[k.job.id] = outcome
            emit({"event": "job", "id": k.job.id, "status": outcome["status"], "seconds": outcome.get("seconds"),
                  "attempts": outcome.get("attempts", 1), "error": outcome.get("error"), "reason": k.reason})

        if todo:
            env = {"WORKBENCH_CATALOG": str(plan.catalog), "WORKBENCH_STORE": str(plan.state_dir / "store")}
            executor.run([k.job.to_dict() for k in interleave(todo)], str(plan.root), env, finished)
        state.save()
        write_index_if_changed(plan, state)
        report = BuildReport(plan, tuple(outcomes[k.job.id] for k in keyed), round(time.perf_counter() - started, 2))
        write_manifest(plan, report, keyed, begun)
    emit({"event": "finish", "built": len(report.built), "skipped": len(report.skipped),
          "failed": len(report.failed), "seconds": report.seconds})
    return report


def interleave(keyed: list[KeyedJob]) -> list[KeyedJob]:
    """Run order: one job of each group first, where a group is the jobs whose ids differ only in
    their last part (the briefs of one initiative, say).

    Jobs of one group usually need the same shared results (the fits in the store): started
    together, one would wait for the fit the other is computing; started apart, each group's
    first job computes its group's fits while the others compute theirs.
    """
    groups: dict[str, list[KeyedJob]] = {}
    for k in keyed:
        groups.setdefault(k.job.id.rsplit("/", 1)[0], []).append(k)
    order = []
    for rank in range(max((len(g) for g in groups.values()), default=0)):
        order += [g[rank] for g in groups.values() if rank < len(g)]
    return order


def write_index_if_changed(plan: Plan, state: State) -> Path:
    """Write the index of every built brief of the config (and every failure), if that changed."""
    entries, failures = [], []
    for job in plan.everything:
        saved = state.jobs.get(job.id)
        if saved and saved.get("status", "built") == "built" and job.html.exists():
            entries.append({**saved["record"], "href": os.path.relpath(job.html, plan.reports)})
        elif saved and saved.get("status") == "failed":
            failures.append({"job": job.id, "error": saved.get("error", "")})
    digest = canonical_digest({"entries": entries, "failed": failures, "version": code_version()})
    if state.meta.get("index") == digest and plan.index.exists():
        return plan.index
    from workbench.briefs.index import write_index   # imports pandas: only when the index changes

    write_index(plan.index, entries, failures)
    state.meta["index"] = digest
    state.save()
    return plan.index


def write_manifest(plan: Plan, report: BuildReport, keyed: list[KeyedJob], begun: dt.datetime) -> Path:
    """Record every job: built, skipped or failed, with its key, input and output digests, timing."""
    entries: list[dict[str, Any]] = []
    for k, o in zip(keyed, report.outcomes):
        job = k.job
        entry = {"id": job.id, "status": o["status"], "key": k.key, "reason": k.reason,
                 "parameters": job.parameters, "template": os.path.relpath(job.template, plan.root),
                 "template_digest": k.template_digest, "inputs": k.inputs, "seconds": o.get("seconds")}
        if o["status"] in ("built", "skipped"):
            record = o.get("record") or {}
            entry.update(html=os.path.relpath(job.html, plan.root), notebook=os.path.relpath(job.notebook, plan.root),
                         outputs=k.outputs, attempts=o.get("attempts"))
            entry.update({f: record[f] for f in ("input_digest", "estimate", "ci_low", "ci_high") if f in record})
            if o["status"] == "skipped":
                entry.pop("attempts")
        else:
            entry.update(error=o.get("error"), failed_notebook=_rel(o.get("failed_notebook"), plan.root),
                         attempts=o.get("attempts"))
        entries.append(entry)
    manifest = {
        "workbench_version": code_version(),
        "config": os.path.relpath(plan.config, plan.root),
        "started": begun.isoformat(timespec="seconds"),
        "seconds": report.seconds,
        "built": len(report.built), "skipped": len(report.skipped), "failed": len(report.failed),
        "jobs": entries,
    }
    return atomic_write_text(plan.manifest, json.dumps(manifest, indent=2) + "\n")


def _rel(path: str | None, root: Path) -> str | None:
    return os.path.relpath(path, root) if path else None
