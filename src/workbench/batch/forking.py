"""Fork a fresh child per job from a worker that has imported the heavy libraries once.

The parent (the build process, or a Dask worker running one task) imports pandas, matplotlib,
statsmodels, nbconvert and the workbench once (`preload`), then forks one child per job: the
child starts with everything imported, runs the job (`worker.run_job`), sends its outcome back
through a pipe and exits with `os._exit`, so nothing it changed (pandas options, environment,
rcParams, globals) survives it. The parent is a watchdog: a child over its time limit is killed
(with its process group); a child that dies without an outcome (SIGKILL, segfault, `os._exit`)
is recorded as failed with how it died; either way its partly executed notebook is kept under
`reports/failed/`. Failed jobs are retried up to `retries` times.

The loop is single-threaded (no thread is running when it forks) and polls with `select`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.batch import worker

Outcome = dict[str, Any]
PRELOAD = ("numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib.pyplot", "seaborn",
           "nbformat", "nbconvert", "papermill", "IPython.core.interactiveshell",
           "matplotlib_inline.backend_inline", "workbench.analysis", "workbench.briefs",
           "workbench.evidence", "workbench.batch.engine", "workbench.batch.store")


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def share_cores(workers: int) -> None:
    """Give each of `workers` children its share of the cores for BLAS (at least one thread).

    Two children each running a two-thread BLAS on two cores fight for them (a cold demo build
    took about a quarter longer). The variables are read when numpy loads, so this must run
    before it is imported; a value already set in the environment is kept.
    """
    threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, threads)


def preload() -> None:
    """Import the libraries every job needs, once, in the process that forks the children.

    Then warm the caches every job would fill again (the notebook schema validator, the brief
    template, compiled CSS selectors) by exporting a one-cell notebook to a temporary folder;
    nothing outside this process changes.
    """
    import importlib
    import tempfile

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    import nbformat

    from workbench.briefs.brief import RECORD_MIME
    from workbench.briefs.export import export_html

    record = {"title": "warm-up"}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", id="warm", outputs=[
        nbformat.v4.new_output("display_data", data={RECORD_MIME: record, "text/html": "<p>1</p>"})])])
    nbformat.validate(nb)
    with tempfile.TemporaryDirectory() as folder:
        export_html(nb, Path(folder) / "warm.html")


@dataclass
class _Running:
    job: dict[str, Any]
    pid: int
    fd: int
    started: float
    attempt: int
    log: Path
    data: bytearray = field(default_factory=bytearray)
    eof: bool = False
    status: int | None = None


def _child(job: dict[str, Any], cwd: str, engine: str, env: dict[str, str], write_fd: int, log: Path) -> None:
    """In the forked child: run the job, write its outcome to the pipe, exit without cleanup."""
    code = 0
    try:
        os.setsid()                      # its own process group: the watchdog kills it whole
        log.parent.mkdir(parents=True, exist_ok=True)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.environ.update(env)
        outcome = worker.run_job(job, cwd, engine)
        os.write(write_fd, json.dumps(outcome).encode("utf-8"))
    except BaseException:                # anything here is a bug; the parent records it
        code = 70
    finally:
        os._exit(code)


class ForkRunner:
    """Run jobs in forked children, `workers` at a time, with a per-job time limit and retries."""

    def __init__(self, workers: int = 2, timeout: float = 1800, retries: int = 0, engine: str = "workbench"):
        self.workers = max(1, workers)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.engine = engine

    def run(self, jobs: Iterable[dict[str, Any]], cwd: str, env: dict[str, str],
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Run every job; outcomes come back in job order whatever order they finish in."""
        jobs = list(jobs)
        if not jobs:
            return []
        preload()
        queue = deque((job, 1) for job in jobs)
        running: dict[int, _Running] = {}
        outcomes: dict[str, Outcome] = {}
        try:
            while queue or running:
                while queue and len(running) < self.workers:
                    job, attempt = queue.popleft()
                    child = self._start(job, attempt, cwd, env)
                    running[child.fd] = child
                for child in self._wait(running):
                    del running[child.fd]
                    outcome = self._finish(child)
                    if outcome["status"] == "failed" and child.attempt <= self.retries:
                        queue.append((child.job, child.attempt + 1))
                        continue
                    outcome["attempts"] = child.attempt
                    outcomes[outcome["id"]] = outcome
                    if on_done:
                        on_done(outcome)
        except BaseException:            # interrupted: no child outlives the build
            for child in running.values():
                _kill_group(child.pid)
                os.waitpid(child.pid, 0)
                os.close(child.fd)
                worker.keep_failed(child.job)
            raise
        return [outcomes[j["id"]] for j in jobs]

    def _start(self, job: dict[str, Any], attempt: int, cwd: str, env: dict[str, str]) -> _Running:
        read_fd, write_fd = os.pipe()
        log = worker.partial_path(job).with_suffix(".log")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(job, cwd, self.engine, env, write_fd, log)
        os.close(write_fd)
        return _Running(job, pid, read_fd, time.monotonic(), attempt, log)

    def _wait(self, running: dict[int, _Running]) -> list[_Running]:
        """Block briefly; return the children that have finished (or were killed for time)."""
        open_fds = [fd for fd, child in running.items() if not child.eof]
        readable, _, _ = select.select(open_fds, [], [], 0.2) if open_fds else ([], [], time.sleep(0.05))
        for fd in readable:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                running[fd].data.extend(chunk)
            else:
                running[fd].eof = True
        done = []
        now = time.monotonic()
        for child in running.values():
            if child.status is None:
                pid, status = os.waitpid(child.pid, os.WNOHANG)
                if pid:
                    child.status = status
            if child.status is None and now - child.started > self.timeout:
                _kill_group(child.pid)
                child.status = os.waitpid(child.pid, 0)[1]
                child.data[:] = json.dumps({"timeout": True}).encode()
                child.eof = True
            if child.status is not None and child.eof:
                done.append(child)
            elif child.status is not None:    # dead, so its end of the pipe is closed
                _drain(child)
                done.append(child)
        return done

    def _finish(self, child: _Running) -> Outcome:
        os.close(child.fd)
        seconds = round(time.monotonic() - child.started, 2)
        try:
            outcome = json.loads(bytes(child.data))
        except ValueError:
            outcome = {}
        if outcome.get("status") in ("built", "failed"):
            child.log.unlink(missing_ok=True)
            return outcome
        if outcome.get("timeout"):
            error = f"JobTimeout: still running after {self.timeout:g} s; killed"
        else:
            error = f"WorkerDied: {_how_it_died(child.status)}{_log_tail(child.log)}"
        return {"id": child.job["id"], "status": "failed", "error": error, "seconds": seconds,
                "failed_notebook": worker.keep_failed(child.job)}


def _drain(child: _Running) -> None:
    while True:
        chunk = os.read(child.fd, 1 << 16)
        if not chunk:
            break
        child.data.extend(chunk)
    child.eof = True


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _how_it_died(status: int | None) -> str:
    if status is None:
        return "the job process vanished"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"the job process was killed by signal {sig} ({signal.Signals(sig).name})"
    return f"the job process exited with code {os.waitstatus_to_exitcode(status)} and no outcome"


def _log_tail(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f"; last output: {lines[-1][:200]}" if lines else ""
