"""Incremental builds: a job runs again exactly when its template, parameters, inputs or outputs changed."""

from __future__ import annotations

import json

import nbformat

from tests.batch.conftest import statuses
from workbench.batch.build import build
from workbench.batch.executors import LocalExecutor
from workbench.batch.keys import plan_status
from workbench.batch.plan import load_plan
from workbench.cli import main

ALL = {"alpha/a1", "alpha/a2", "beta/b1"}


def run(config, **options) -> set[str]:
    """Build; return the ids of the jobs that ran."""
    report = build(load_plan(config), LocalExecutor(workers=2), **options)
    assert report.ok, report.failed
    ran = {o["id"] for o in report.outcomes if o["status"] != "skipped"}
    assert ran == {i for i, s in statuses(config.parent).items() if s != "skipped"}   # the manifest agrees
    return ran


def test_a_no_op_rebuild_executes_nothing(project):
    assert run(project) == ALL
    notebook = project.parent / "reports/notebooks/alpha__a1.ipynb"
    before = notebook.stat().st_mtime_ns
    assert run(project) == set()
    assert notebook.stat().st_mtime_ns == before
    assert set(statuses(project.parent).values()) == {"skipped"}


def test_changing_one_dataset_re_runs_exactly_the_jobs_that_read_it(project):
    run(project)
    with open(project.parent / "evidence/alpha.csv", "a") as fh:
        fh.write("2\n")
    assert run(project) == {"alpha/a1", "alpha/a2"}
    (project.parent / "evidence/beta.csv").write_text("y\n3\n")
    assert run(project) == {"beta/b1"}


def test_touching_a_dataset_without_changing_its_bytes_re_runs_nothing(project):
    run(project)
    path = project.parent / "evidence/alpha.csv"
    path.write_bytes(path.read_bytes())
    assert run(project) == set()


def test_changing_a_template_re_runs_exactly_its_jobs(project):
    run(project)
    path = project.parent / "templates/beta.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new note.", id="note"))
    nbformat.write(nb, path)
    assert run(project) == {"beta/b1"}


def test_deleting_one_brief_re_runs_only_that_job(project):
    run(project)
    (project.parent / "reports/briefs/a2.html").unlink()
    assert run(project) == {"alpha/a2"}
    assert (project.parent / "reports/briefs/a2.html").exists()


def test_an_output_edited_by_hand_is_rebuilt(project):
    run(project)
    with open(project.parent / "reports/briefs/a1.html", "a") as fh:
        fh.write("<!-- edited -->")
    assert run(project) == {"alpha/a1"}


def test_force_re_runs_everything(project):
    run(project)
    assert run(project, force=True) == ALL


def test_parameters_are_part_of_the_key(project):
    run(project)
    project.write_text(project.read_text().replace("label: [a1, a2]", "label: [a1, a2]\n    parameters: {marker: x}"))
    assert run(project) == {"alpha/a1", "alpha/a2"}


def test_a_failed_job_runs_again_next_time_and_only_it(project):
    text = project.read_text() + "  - name: broken\n    template: templates/alpha.ipynb\n    output: briefs/{label}.html\n" \
                                 "    inputs: [alpha]\n    parameters: {mode: raise}\n    grid:\n      label: [x1]\n"
    project.write_text(text)
    first = build(load_plan(project), LocalExecutor(workers=2))
    assert [o["id"] for o in first.failed] == ["broken/x1"]
    second = build(load_plan(project), LocalExecutor(workers=2))
    assert {o["id"] for o in second.outcomes if o["status"] != "skipped"} == {"broken/x1"}


def test_the_manifest_records_keys_digests_and_timings(project):
    run(project)
    manifest = json.loads((project.parent / "reports/manifest.json").read_text())
    assert (manifest["built"], manifest["skipped"], manifest["failed"]) == (3, 0, 0)
    entry = next(j for j in manifest["jobs"] if j["id"] == "alpha/a1")
    assert len(entry["key"]) == 64 and len(entry["template_digest"]) == 64
    assert list(entry["inputs"]) == ["alpha"] and len(entry["inputs"]["alpha"]) == 64
    assert set(entry["outputs"]) == {"html", "notebook"} and entry["seconds"] > 0
    run(project)
    again = json.loads((project.parent / "reports/manifest.json").read_text())
    skipped = next(j for j in again["jobs"] if j["id"] == "alpha/a1")
    assert skipped["status"] == "skipped" and skipped["key"] == entry["key"]
    assert skipped["outputs"] == entry["outputs"]


def test_plan_prints_json_lines_and_says_what_would_run(project, capsys, monkeypatch):
    monkeypatch.chdir(project.parent)
    assert main(["plan"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["alpha/a1", "alpha/a2", "beta/b1"]
    assert all(x["run"] for x in lines)
    assert lines[0]["outputs"] == {"html": "reports/briefs/a1.html", "notebook": "reports/notebooks/alpha__a1.ipynb"}
    assert lines[0]["parameters"] == {"label": "a1"} and lines[0]["template"] == "templates/alpha.ipynb"
    run(project)
    assert main(["plan", "--only", "alpha/*"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["id"], x["run"], x["reason"]) for x in lines] == [
        ("alpha/a1", False, "up to date"), ("alpha/a2", False, "up to date")]


def test_keys_depend_on_inputs_only_through_the_datasets_a_job_reads(project):
    keys = {k.job.id: k.key for k in plan_status(load_plan(project))}
    (project.parent / "evidence/beta.csv").write_text("y\n9\n")
    after = {k.job.id: k.key for k in plan_status(load_plan(project))}
    assert [i for i in keys if keys[i] != after[i]] == ["beta/b1"]


def test_the_disclosure_setting_is_part_of_the_key(project, monkeypatch):
    """A brief built under another disclosure threshold or method is rebuilt, not reused."""
    from workbench.batch.keys import SETTING_VARIABLES
    from workbench.briefs import disclosure

    assert SETTING_VARIABLES == (disclosure.THRESHOLD_VARIABLE, disclosure.METHOD_VARIABLE)
    monkeypatch.delenv(disclosure.THRESHOLD_VARIABLE, raising=False)
    monkeypatch.delenv(disclosure.METHOD_VARIABLE, raising=False)
    run(project)
    assert run(project) == set()
    monkeypatch.setenv(disclosure.THRESHOLD_VARIABLE, "8")
    assert run(project) == ALL
    assert run(project) == set()
    monkeypatch.setenv(disclosure.METHOD_VARIABLE, "round5")
    assert run(project) == ALL
