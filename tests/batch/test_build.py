"""`workbench build`: one failing brief is reported, the rest build, nothing half-written remains."""

from __future__ import annotations

import pytest

from workbench.batch import load_plan
from workbench.errors import ConfigError

GOOD = "outcome_brief/whole_place_community_budgets/neet_rate"
BAD = "outcome_brief/no_such_initiative/neet_rate"


def test_a_failing_brief_does_not_stop_the_others_and_the_exit_code_says_so(built):
    code, manifest = built["codes"][0], built["manifests"][0]
    assert code == 1
    status = {j["id"]: j["status"] for j in manifest["jobs"]}
    assert status == {GOOD: "built", BAD: "failed"}
    bad = next(j for j in manifest["jobs"] if j["id"] == BAD)
    assert "SpecificationError: unknown initiative 'no_such_initiative'" in bad["error"]


def test_outputs_are_where_the_plan_says_and_no_temporary_files_remain(built):
    reports = built["dirs"][0] / "reports"
    files = sorted(str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file())
    assert files == [
        ".build.lock",
        "briefs/whole_place_community_budgets/neet_rate.html",
        "failed/outcome_brief__no_such_initiative__neet_rate.ipynb",
        "index.html",
        "manifest.json",
        "notebooks/outcome_brief__whole_place_community_budgets__neet_rate.ipynb",
    ]


def test_index_links_the_built_brief_and_lists_the_failure(built):
    index = (built["dirs"][0] / "reports" / "index.html").read_text()
    assert 'href="briefs/whole_place_community_budgets/neet_rate.html"' in index
    assert "Briefs that failed to build" in index and "no_such_initiative" in index
    assert "[synthetic data]" in index


def test_a_second_build_re_executes_and_gives_the_same_numbers_and_bytes(built):
    m1, m2 = built["manifests"]
    good1, good2 = (next(j for j in m["jobs"] if j["id"] == GOOD) for m in (m1, m2))
    assert good1["seconds"] is not None and good2["seconds"] is not None  # both runs executed it
    for key in ("estimate", "ci_low", "ci_high", "input_digest"):
        assert good1[key] == good2[key]
    html = [d / "reports/briefs/whole_place_community_budgets/neet_rate.html" for d in built["dirs"]]
    assert html[0].read_bytes() == html[1].read_bytes()


def test_plan_expands_the_grid_with_stable_ids(root):
    plan = load_plan(root / "workbench.yaml")
    assert len(plan.jobs) == 2 * 3 + 1                 # the grid, plus one nearest-neighbour brief
    assert plan.jobs[0].id == "outcome_brief/total_place/emergency_admissions"
    nearest = plan.jobs[-1]
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
