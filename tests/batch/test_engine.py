"""The workbench papermill engine: the same outputs as papermill's kernel engine, errors as papermill's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from workbench.batch.engine import WorkbenchEngine
from workbench.briefs.export import export_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notebooks"


def outputs(nb) -> list:
    """Each code cell's outputs without what legitimately differs (execution counts, metadata)."""
    cleaned = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cleaned.append([{k: v for k, v in o.items() if k not in ("execution_count", "metadata")}
                            for o in cell.outputs])
    return cleaned


def execute(tmp_path, engine, name="brief.ipynb", **parameters):
    out = tmp_path / f"{engine}.ipynb"
    nb = pm.execute_notebook(str(FIXTURES / name), str(out), parameters=parameters, progress_bar=False,
                             engine_name=engine, cwd=str(tmp_path))
    return nb, out


def test_both_engines_give_the_same_outputs_and_the_same_page(tmp_path):
    ours, _ = execute(tmp_path, "workbench", label="same")
    theirs, _ = execute(tmp_path, "nbclient", label="same")
    assert outputs(ours) == outputs(theirs)
    assert any(o.get("output_type") == "execute_result" for cell in outputs(ours) for o in cell)
    pages = [export_html(nb, tmp_path / f"{i}.html") and (tmp_path / f"{i}.html").read_bytes()
             for i, nb in enumerate((ours, theirs))]
    assert pages[0] == pages[1]


def test_a_raising_cell_stops_the_notebook_as_papermill_does(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as raised:
        execute(tmp_path, "workbench", label="bad", mode="raise")
    assert raised.value.ename == "ValueError" and raised.value.evalue == "fixture bad fails on purpose"
    saved = nbformat.read(tmp_path / "workbench.ipynb", as_version=4)
    statuses = [c.metadata["papermill"]["status"] for c in saved.cells if "papermill" in c.metadata]
    assert "failed" in statuses and statuses[-1] == "pending"     # later cells never ran


def test_papermill_command_line_finds_the_engine_by_its_entry_point(tmp_path):
    out = tmp_path / "cli.ipynb"
    papermill = Path(sys.executable).with_name("papermill")
    proc = subprocess.run([str(papermill), "--engine", "workbench", str(FIXTURES / "brief.ipynb"), str(out),
                           "-p", "label", "cli", "--no-progress-bar"], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "WORKBENCH_STORE": ""})
    assert proc.returncode == 0, proc.stderr
    nb = nbformat.read(out, as_version=4)
    assert any("hello from cli" in o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_in_one_process_state_does_leak_so_the_isolation_test_can_see_a_leak(tmp_path, monkeypatch):
    """Negative control for tests/batch/test_forking.py: without a fresh child, 'check' fails."""
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    with pd.option_context("display.max_rows", 60):
        execute(tmp_path, "workbench", "global_state.ipynb", mode="change")
        try:
            with pytest.raises(pm.PapermillExecutionError):
                execute(tmp_path, "workbench", "global_state.ipynb", mode="check")
        finally:
            import matplotlib as mpl

            import workbench
            os.environ.pop("WORKBENCH_TEST_LEAK", None)
            mpl.rcdefaults()
            vars(workbench).pop("LEAKED", None)


def test_the_engine_is_a_papermill_engine():
    from papermill.engines import Engine

    assert issubclass(WorkbenchEngine, Engine)


def test_a_shell_already_in_the_process_is_set_aside_and_put_back(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    existing = InteractiveShell.instance()
    try:
        nb, _ = execute(tmp_path, "workbench", label="beside")
        assert any("application/vnd.workbench.brief+json" in o.get("data", {})
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert InteractiveShell.instance() is existing
    finally:
        InteractiveShell.clear_instance()
