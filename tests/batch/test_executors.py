"""Executors: the Dask path (on a LocalCluster) gives the same outputs as the local path."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.batch.conftest import make_project, statuses
from workbench.batch.build import build
from workbench.batch.executors import DaskExecutor, LocalExecutor, executor
from workbench.batch.plan import load_plan
from workbench.errors import ExecutorError


def pages(folder):
    return {p.name: p.read_bytes() for p in sorted((folder / "reports" / "briefs").glob("*.html"))}


def test_dask_on_a_local_cluster_builds_the_same_briefs_as_the_local_executor(tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert build(load_plan(make_project(local)), LocalExecutor(workers=2)).ok
    config = make_project(dask)
    proc = subprocess.run([sys.executable, "-m", "workbench.cli", "build", "--config", str(config),
                           "--jobs", "2", "--scheduler", "local", "--log-format", "json"],
                          capture_output=True, text=True, cwd=dask, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["executor"].startswith("Dask on a LocalCluster of 2 worker(s)")
    assert statuses(local) == statuses(dask) == {"alpha/a1": "built", "alpha/a2": "built", "beta/b1": "built"}
    assert pages(local) == pages(dask) and len(pages(local)) == 3
    notebooks = [{p.name: [c.get("outputs") for c in json.loads(p.read_text())["cells"]]
                  for p in (f / "reports" / "notebooks").glob("*.ipynb")} for f in (local, dask)]
    assert notebooks[0] == notebooks[1]


def test_scheduler_choice():
    assert isinstance(executor(None, workers=3), LocalExecutor)
    assert isinstance(executor("local"), DaskExecutor)
    assert isinstance(executor("tcp://10.0.0.5:8786"), DaskExecutor)
    with pytest.raises(ExecutorError, match="takes tcp://HOST:PORT or 'local'"):
        executor("http://example")
    with pytest.raises(ExecutorError, match="unknown engine 'jupyter'"):
        executor(None, engine="jupyter")


def test_default_workers_is_the_number_of_cores():
    assert LocalExecutor().workers == (os.cpu_count() or 1)


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path):
    config = make_project(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "workbench.cli", "build", "--config", str(config),
                           "--scheduler", "tcp://127.0.0.1:9"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert proc.returncode == 2
    assert proc.stderr.startswith("workbench: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
