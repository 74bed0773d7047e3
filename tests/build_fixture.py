"""One real build, shared by the batch and export tests: a good brief, a failing one and a real-data one.

The same config is built twice into two folders: once with the workbench engine (forked
children, in-process cells) and once with papermill's standard engine (a kernel per job), so the
tests can compare the two engines' outputs.
"""
# imported by tests/conftest.py

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from workbench.cli import main

CONFIG = """\
reports: reports
catalog: {catalog}
jobs:
  - name: outcome_brief
    template: {template}
    output: briefs/{{initiative}}/{{indicator}}.html
    parameters:
      dataset: outcomes_demo
    grid:
      initiative: [whole_place_community_budgets, no_such_initiative]
      indicator: [neet_rate]
  - name: real_outcome_brief
    template: {template}
    output: briefs/real/{{initiative}}/{{indicator}}.html
    parameters:
      dataset: real
      family: ["claimant_count:claimant_count", "household_income:gdhi_per_head"]
    grid:
      initiative: [whole_place_community_budgets]
      indicator: [claimant_count]
"""


def run_build(folder: Path, root: Path, engine: str = "workbench") -> tuple[int, dict]:
    config = folder / "workbench.yaml"
    config.write_text(CONFIG.format(catalog=root / "evidence" / "catalog.yaml",
                                    template=root / "notebooks" / "templates" / "outcome_brief.ipynb"))
    code = main(["build", "--config", str(config), "--jobs", "2", "--engine", engine])
    manifest = json.loads((folder / "reports" / "manifest.json").read_text())
    return code, manifest


@pytest.fixture(scope="session")
def built(tmp_path_factory, root):
    """Build twice into two folders, with each engine; return both folders, exit codes and manifests."""
    first, second = tmp_path_factory.mktemp("build1"), tmp_path_factory.mktemp("build2")
    code1, manifest1 = run_build(first, root, "workbench")
    code2, manifest2 = run_build(second, root, "nbclient")
    yield {"dirs": (first, second), "codes": (code1, code2), "manifests": (manifest1, manifest2)}
    shutil.rmtree(first, ignore_errors=True)
    shutil.rmtree(second, ignore_errors=True)
