"""Forked children: a raising, SIGKILLed or hung job fails alone, keeps its notebook; no state leaks."""

from __future__ import annotations

import json

import nbformat

from tests.batch.conftest import make_project, statuses
from workbench.cli import main

FAULTS = """\
reports: reports
catalog: evidence/catalog.yaml
jobs:
  - name: ok
    template: templates/alpha.ipynb
    output: briefs/{label}.html
    inputs: [alpha]
    grid:
      label: [fine1, fine2]
  - name: raises
    template: templates/alpha.ipynb
    output: briefs/{label}.html
    inputs: [alpha]
    parameters: {mode: raise}
    grid:
      label: [r1]
  - name: killed
    template: templates/alpha.ipynb
    output: briefs/{label}.html
    inputs: [alpha]
    parameters: {mode: kill}
    grid:
      label: [k1]
  - name: hangs
    template: templates/alpha.ipynb
    output: briefs/{label}.html
    inputs: [alpha]
    parameters: {mode: hang}
    grid:
      label: [h1]
"""

ISOLATION = """\
reports: reports
catalog: evidence/catalog.yaml
jobs:
  - name: state
    template: templates/global_state.ipynb
    output: briefs/{mode}.html
    inputs: []
    grid:
      mode: [change, check]
"""


def test_faults_are_recorded_kept_and_summarised_while_the_other_jobs_complete(tmp_path, capsys):
    config = make_project(tmp_path, FAULTS)
    code = main(["build", "--config", str(config), "--jobs", "2", "--timeout", "3"])
    out = capsys.readouterr().out
    assert code == 1
    assert statuses(tmp_path) == {"ok/fine1": "built", "ok/fine2": "built", "raises/r1": "failed",
                                  "killed/k1": "failed", "hangs/h1": "failed"}
    manifest = json.loads((tmp_path / "reports/manifest.json").read_text())
    errors = {j["id"]: j.get("error") for j in manifest["jobs"]}
    assert errors["raises/r1"] == "ValueError: fixture r1 fails on purpose"
    assert errors["killed/k1"].startswith("WorkerDied: the job process was killed by signal 9 (SIGKILL)")
    assert errors["hangs/h1"] == "JobTimeout: still running after 3 s; killed"
    for flat in ("raises__r1", "killed__k1", "hangs__h1"):      # the partly executed notebooks are kept
        kept = nbformat.read(tmp_path / f"reports/failed/{flat}.ipynb", as_version=4)
        assert any(c.source.startswith("# Parameters") for c in kept.cells)   # saved as it ran
    assert not list((tmp_path / "reports/.workbench/partial").glob("*.ipynb"))
    summary = out[out.index("2 built"):]
    assert summary.startswith("2 built, 0 up to date, 3 failed in ")
    assert len(summary.splitlines()) <= 24
    assert "raises/r1: ValueError: fixture r1 fails on purpose" in summary
    index = (tmp_path / "reports/index.html").read_text()
    assert "Briefs that failed to build" in index and "killed/k1" in index


def test_retries_run_a_failed_job_again(tmp_path):
    config = make_project(tmp_path, FAULTS.split("  - name: raises")[0].replace(
        "inputs: [alpha]", f"inputs: [alpha]\n    parameters: {{mode: fail_once, marker: {tmp_path / 'marker'}}}"))
    assert main(["build", "--config", str(config), "--jobs", "1", "--retries", "1"]) == 0
    manifest = json.loads((tmp_path / "reports/manifest.json").read_text())   # the first job made the marker
    assert {j["id"]: j["attempts"] for j in manifest["jobs"]} == {"ok/fine1": 2, "ok/fine2": 1}


def test_without_retries_the_same_job_fails(tmp_path):
    config = make_project(tmp_path, FAULTS.split("  - name: raises")[0].replace(
        "inputs: [alpha]", f"inputs: [alpha]\n    parameters: {{mode: fail_once, marker: {tmp_path / 'marker'}}}"))
    assert main(["build", "--config", str(config), "--jobs", "1"]) == 1
    assert statuses(tmp_path) == {"ok/fine1": "failed", "ok/fine2": "built"}


def test_a_notebook_that_changes_global_state_leaves_the_next_job_unaffected(tmp_path):
    """pandas options, os.environ, matplotlib rcParams, module globals and the working directory."""
    config = make_project(tmp_path, ISOLATION)
    assert main(["build", "--config", str(config), "--jobs", "1"]) == 0   # one worker: 'check' runs after 'change'
    assert statuses(tmp_path) == {"state/change": "built", "state/check": "built"}


def test_each_child_gets_its_share_of_the_cores_for_blas_unless_the_user_chose(monkeypatch):
    from workbench.batch.forking import BLAS_THREAD_VARIABLES, share_cores

    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    share_cores(2)
    import os

    assert [os.environ[n] for n in BLAS_THREAD_VARIABLES] == ["4", "4", "3"]
