"""Executors: how jobs are run. Local runs each job in its own worker process, N at a time."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from workbench.batch.plan import Job

Outcome = dict[str, Any]


class LocalExecutor:
    """Run jobs in parallel worker processes on this machine."""

    def __init__(self, workers: int = 2, execution_timeout: int = 600):
        self.workers = max(1, workers)
        self.execution_timeout = execution_timeout

    def run(self, jobs: Iterable[Job], cwd: str, on_done: Callable[[Outcome], None] | None = None,
            env: dict[str, str] | None = None) -> list[Outcome]:
        """Run every job; outcomes come back in job order whatever order they finish in."""
        jobs = list(jobs)
        outcomes: dict[str, Outcome] = {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(self._run_one, job, cwd, env): job for job in jobs}
            for future in as_completed(futures):
                outcome = future.result()
                outcomes[outcome["id"]] = outcome
                if on_done:
                    on_done(outcome)
        return [outcomes[j.id] for j in jobs]

    def _run_one(self, job: Job, cwd: str, env: dict[str, str] | None) -> Outcome:
        command = [sys.executable, "-m", "workbench.batch.worker", json.dumps(job.to_dict()), cwd,
                   str(self.execution_timeout)]
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        try:
            return json.loads(last)
        except json.JSONDecodeError:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"id": job.id, "status": "failed", "seconds": None,
                    "error": f"worker process exited with code {proc.returncode}: {tail}"}
