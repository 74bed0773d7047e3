"""Executors: where jobs run. A small registry: `local` (forked children on this machine) and
`dask` (the same job function, one task per job, on a Dask distributed cluster).

Both run each job through :class:`workbench.batch.forking.ForkRunner`, so a job always gets a
fresh forked child of a process that has imported the libraries once, with a time limit; on
Dask the forking process is the Dask worker, and the outputs are written by the worker, so the
cluster must see the project folder at the same path (a shared filesystem).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from workbench.batch.forking import ForkRunner, Outcome
from workbench.batch.worker import ENGINES
from workbench.errors import ExecutorError


def _check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ExecutorError(f"unknown engine '{engine}'; use one of: {', '.join(ENGINES)}")
    return engine


class LocalExecutor:
    """Run jobs in forked children on this machine, `workers` at a time (default: every core)."""

    name = "local"

    def __init__(self, workers: int | None = None, timeout: float = 1800, retries: int = 0,
                 engine: str = "workbench"):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.runner = ForkRunner(self.workers, timeout, retries, _check_engine(engine))

    def describe(self) -> str:
        """One line for the build's first message."""
        return f"{self.workers} local worker(s), engine {self.runner.engine}"

    def run(self, jobs: list[dict[str, Any]], cwd: str, env: dict[str, str],
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Run every job; outcomes in job order."""
        return self.runner.run(jobs, cwd, env, on_done)


def run_on_worker(job: dict[str, Any], cwd: str, env: dict[str, str], timeout: float, retries: int,
                  engine: str) -> Outcome:
    """The Dask task: run one job in a forked child of the Dask worker process."""
    return ForkRunner(1, timeout, retries, engine).run([job], cwd, env)[0]


class DaskExecutor:
    """Run every job as one task on a Dask cluster: `tcp://HOST:PORT`, or `local` for a LocalCluster."""

    name = "dask"

    def __init__(self, scheduler: str, workers: int | None = None, timeout: float = 1800, retries: int = 0,
                 engine: str = "workbench"):
        self.scheduler = scheduler
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout, self.retries, self.engine = timeout, retries, _check_engine(engine)

    def describe(self) -> str:
        """One line for the build's first message."""
        where = f"a LocalCluster of {self.workers} worker(s)" if self.scheduler == "local" else self.scheduler
        return f"Dask on {where}, engine {self.engine}"

    def _client(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("--scheduler needs dask[distributed]; install it with pip") from None
        if self.scheduler == "local":
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50)
            return Client(cluster), cluster
        try:
            return Client(self.scheduler), None     # waits distributed.comm.timeouts.connect
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None

    def run(self, jobs: list[dict[str, Any]], cwd: str, env: dict[str, str],
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Submit one task per job; outcomes in job order."""
        if not jobs:
            return []
        from dask.distributed import as_completed

        client, cluster = self._client()
        try:
            futures = [client.submit(run_on_worker, job, cwd, env, self.timeout, self.retries, self.engine,
                                     key=f"workbench-{job['id']}-{os.getpid()}", pure=False) for job in jobs]
            outcomes: dict[str, Outcome] = {}
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as exc:     # the Dask worker itself died: the job failed
                    job = jobs[futures.index(future)]
                    outcome = {"id": job["id"], "status": "failed", "seconds": None,
                               "error": f"DaskTaskError: {type(exc).__name__}: {exc}"}
                outcomes[outcome["id"]] = outcome
                if on_done:
                    on_done(outcome)
            return [outcomes[j["id"]] for j in jobs]
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


EXECUTORS = {"local": LocalExecutor, "dask": DaskExecutor}


def executor(scheduler: str | None = None, **options) -> LocalExecutor | DaskExecutor:
    """The executor for `--scheduler` (None: local forked children; `local` or `tcp://...`: Dask)."""
    if scheduler is None:
        return LocalExecutor(**options)
    if scheduler != "local" and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise ExecutorError(f"--scheduler takes tcp://HOST:PORT or 'local', not '{scheduler}'")
    return DaskExecutor(scheduler, **options)
