"""One real build, shared by the batch and export tests: a good brief and a failing one."""
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
"""


def run_build(folder: Path, root: Path) -> tuple[int, dict]:
    config = folder / "workbench.yaml"
    config.write_text(CONFIG.format(catalog=root / "evidence" / "catalog.yaml",
                                    template=root / "notebooks" / "templates" / "outcome_brief.ipynb"))
    code = main(["build", "--config", str(config), "--jobs", "2"])
    manifest = json.loads((folder / "reports" / "manifest.json").read_text())
    return code, manifest


@pytest.fixture(scope="session")
def built(tmp_path_factory, root):
    """Build twice into two folders; return both folders, exit codes and manifests."""
    first, second = tmp_path_factory.mktemp("build1"), tmp_path_factory.mktemp("build2")
    code1, manifest1 = run_build(first, root)
    code2, manifest2 = run_build(second, root)
    yield {"dirs": (first, second), "codes": (code1, code2), "manifests": (manifest1, manifest2)}
    shutil.rmtree(first, ignore_errors=True)
    shutil.rmtree(second, ignore_errors=True)
