"""`workbench build`: one failing brief is reported, the rest build, nothing half-written remains;
a second build on the same tree refuses clearly, or with --wait queues behind the first."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest

from tests.batch.conftest import statuses
from workbench.batch import load_plan
from workbench.cli import main
from workbench.errors import ConfigError

GOOD = "outcome_brief/whole_place_community_budgets/neet_rate"
BAD = "outcome_brief/no_such_initiative/neet_rate"
REAL = "real_outcome_brief/whole_place_community_budgets/claimant_count"


def test_a_failing_brief_does_not_stop_the_others_and_the_exit_code_says_so(built):
    code, manifest = built["codes"][0], built["manifests"][0]
    assert code == 1
    status = {j["id"]: j["status"] for j in manifest["jobs"]}
    assert status == {GOOD: "built", BAD: "failed", REAL: "built"}
    bad = next(j for j in manifest["jobs"] if j["id"] == BAD)
    assert "SpecificationError: unknown initiative 'no_such_initiative'" in bad["error"]


def test_outputs_are_where_the_plan_says_and_no_temporary_files_remain(built):
    reports = built["dirs"][0] / "reports"
    files = sorted(str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file())
    internal = [f for f in files if f.startswith(".workbench/")]
    assert {".workbench/lock", ".workbench/state.json"} <= set(internal)
    assert all(f.endswith((".pickle", ".lock")) for f in internal if f.startswith(".workbench/store/"))
    assert not [f for f in internal if f.startswith(".workbench/partial/")]       # nothing left running
    assert [f for f in files if not f.startswith(".workbench/")] == [
        "briefs/real/whole_place_community_budgets/claimant_count.html",
        "briefs/whole_place_community_budgets/neet_rate.html",
        "failed/outcome_brief__no_such_initiative__neet_rate.ipynb",
        "index.html",
        "manifest.json",
        "notebooks/outcome_brief__whole_place_community_budgets__neet_rate.ipynb",
        "notebooks/real_outcome_brief__whole_place_community_budgets__claimant_count.ipynb",
    ]


def test_index_links_the_built_brief_and_lists_the_failure(built):
    index = (built["dirs"][0] / "reports" / "index.html").read_text()
    assert 'href="briefs/whole_place_community_budgets/neet_rate.html"' in index
    assert "Briefs that failed to build" in index and "no_such_initiative" in index
    assert "[synthetic data]" in index
    # real data first, under its own heading; the synthetic briefs under theirs
    assert index.index("Real published data") < index.index("Synthetic data: method demonstrations, not evidence")
    assert 'href="briefs/real/whole_place_community_budgets/claimant_count.html"' in index


def test_a_real_data_brief_is_built_end_to_end_by_the_batch(built):
    page = (built["dirs"][0] / "reports/briefs/real/whole_place_community_budgets/claimant_count.html").read_text()
    assert "Real published data." in page and 'class="synthetic-banner"' not in page
    assert "About the data" in page and "before the break" in page
    assert "Gross disposable household income per head" in page      # the family, adjusted together
    job = next(j for j in built["manifests"][0]["jobs"] if j["id"] == REAL)
    assert job["status"] == "built" and job["ci_low"] < job["estimate"] < job["ci_high"]


def test_both_engines_give_the_same_brief_byte_for_byte_and_the_same_numbers(built):
    m1, m2 = built["manifests"]
    for job_id in (GOOD, REAL):
        one, two = (next(j for j in m["jobs"] if j["id"] == job_id) for m in (m1, m2))
        assert one["status"] == two["status"] == "built"       # both engines executed it
        for key in ("estimate", "ci_low", "ci_high", "input_digest", "key"):
            assert one[key] == two[key]
    for brief in ("whole_place_community_budgets/neet_rate.html", "real/whole_place_community_budgets/claimant_count.html"):
        html = [d / "reports/briefs" / brief for d in built["dirs"]]
        assert html[0].read_bytes() == html[1].read_bytes()
    bad2 = next(j for j in m2["jobs"] if j["id"] == BAD)
    assert "SpecificationError: unknown initiative 'no_such_initiative'" in bad2["error"]


def test_the_engine_comparison_covers_every_template(built, root):
    """Every template of the project is built by the fixture, so both engines are compared on it."""
    used = {j["template"] for j in built["manifests"][0]["jobs"]}
    templates = {str(p) for p in (root / "notebooks" / "templates").glob("*.ipynb")}
    assert {str((built["dirs"][0] / t).resolve()) for t in used} == templates


def test_plan_expands_the_grid_with_stable_ids(root):
    plan = load_plan(root / "workbench.yaml")
    # the synthetic grid, one nearest-neighbour brief, one brief per other design, the real-data grid
    # (4 initiatives x 7 outcomes, City Deals x 6), and one brief per pilot of Total Place (13) and
    # Community Budgets (16)
    assert len(plan.jobs) == 2 * 3 + 1 + 4 + 4 * 7 + 6 + 13 + 16
    designs = [j for j in plan.jobs if j.id.startswith("design_brief/")]
    assert sorted(j.parameters["design"] for j in designs) == ["event_study", "its", "staggered_did",
                                                                 "synthetic_control"]
    assert plan.jobs[0].id == "outcome_brief/total_place/emergency_admissions"
    nearest = next(j for j in plan.jobs if j.id.startswith("nearest_neighbours_brief/"))
    assert nearest.id == "nearest_neighbours_brief/total_place/emergency_admissions"
    assert nearest.parameters["comparison_method"] == "nearest" and nearest.parameters["compare_within"] is None
    assert plan.jobs[0].html == root / "reports/briefs/total_place/emergency_admissions.html"
    assert plan.select("neet").jobs and all("neet" in j.id for j in plan.select("neet").jobs)


@pytest.mark.parametrize("text, message", [
    ("jobs: []", "expected a non-empty 'jobs:' list"),
    ("jobs: [{name: x, output: y.html}]", "lacks 'template'"),
    ("jobs: [{name: x, template: missing.ipynb, output: y.html}]", "template missing.ipynb not found"),
    ("jobs:\n  - name: x\n   bad", "not valid YAML"),
])
def test_config_errors_are_one_clear_line(tmp_path, text, message):
    path = tmp_path / "workbench.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_plan(path)

def hold_lock(project):
    folder = project.parent / "reports" / ".workbench"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.pwrite(fd, b"pid 4242, started 2026-01-01 00:00:00 UTC", 0)
    return fd


def test_a_second_build_refuses_with_a_clear_message_and_exit_3(project, capsys):
    fd = hold_lock(project)
    try:
        assert main(["build", "--config", str(project)]) == 3
    finally:
        os.close(fd)
    err = capsys.readouterr().err
    assert err == (f"workbench: another build (pid 4242, started 2026-01-01 00:00:00 UTC) is writing "
                   f"{project.parent / 'reports'}; wait for it to finish, or pass --wait to queue behind it\n")
    assert not (project.parent / "reports" / "manifest.json").exists()


def test_with_wait_it_builds_once_the_lock_is_released(project):
    fd = hold_lock(project)
    release = threading.Timer(0.5, os.close, args=(fd,))
    release.start()
    try:
        assert main(["build", "--config", str(project), "--wait"]) == 0
    finally:
        release.join()
    assert set(statuses(project.parent).values()) == {"built"}


def test_jobs_of_one_group_are_spread_out_so_they_do_not_wait_for_each_others_shared_fits(root):
    from workbench.batch.build import interleave
    from workbench.batch.keys import KeyedJob

    plan = load_plan(root / "workbench.yaml")
    order = [k.job.id for k in interleave([KeyedJob(j, "", {}, "") for j in plan.jobs])]
    real = [i for i in order if i.startswith("real_outcome_brief/")]
    assert real[:4] == ["real_outcome_brief/total_place/claimant_count",
                        "real_outcome_brief/community_budgets_first_phase/claimant_count",
                        "real_outcome_brief/whole_place_community_budgets/claimant_count",
                        "real_outcome_brief/neighbourhood_community_budgets/claimant_count"]
    assert [i for i in order if not i.startswith(("real_outcome_brief/", "real_pilot_brief/"))] == [
        "outcome_brief/total_place/emergency_admissions",
        "outcome_brief/whole_place_community_budgets/emergency_admissions",
        "nearest_neighbours_brief/total_place/emergency_admissions",
        "design_brief/whole_place_community_budgets/emergency_admissions/event_study",
        "outcome_brief/total_place/neet_rate",
        "outcome_brief/whole_place_community_budgets/neet_rate",
        "design_brief/whole_place_community_budgets/emergency_admissions/staggered_did",
        "outcome_brief/total_place/recorded_crime_rate",
        "outcome_brief/whole_place_community_budgets/recorded_crime_rate",
        "design_brief/whole_place_community_budgets/emergency_admissions/synthetic_control",
        "design_brief/whole_place_community_budgets/emergency_admissions/its",
    ]
