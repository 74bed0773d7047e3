"""A tiny project for the batch tests: a catalogue of two small datasets, two fixture templates."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notebooks"

CATALOG = """\
datasets:
  alpha: {title: Alpha, path: alpha.csv, format: csv, synthetic: true, licence: CC0, source: tests}
  beta: {title: Beta, path: beta.csv, format: csv, synthetic: true, licence: CC0, source: tests}
"""

CONFIG = """\
reports: reports
catalog: evidence/catalog.yaml
jobs:
  - name: alpha
    template: templates/alpha.ipynb
    output: briefs/{label}.html
    inputs: [alpha]
    grid:
      label: [a1, a2]
  - name: beta
    template: templates/beta.ipynb
    output: briefs/{label}.html
    inputs: [beta]
    grid:
      label: [b1]
"""


def make_project(folder: Path, config: str = CONFIG) -> Path:
    """Write the tiny project into `folder`; return its config file."""
    (folder / "evidence").mkdir(parents=True, exist_ok=True)
    (folder / "evidence" / "catalog.yaml").write_text(CATALOG)
    (folder / "evidence" / "alpha.csv").write_text("x\n1\n")
    (folder / "evidence" / "beta.csv").write_text("y\n2\n")
    (folder / "templates").mkdir(exist_ok=True)
    for name in ("alpha", "beta"):
        shutil.copy(FIXTURES / "brief.ipynb", folder / "templates" / f"{name}.ipynb")
    shutil.copy(FIXTURES / "global_state.ipynb", folder / "templates" / "global_state.ipynb")
    path = folder / "workbench.yaml"
    path.write_text(textwrap.dedent(config))
    return path


def statuses(folder: Path) -> dict[str, str]:
    """Job id -> status, from the manifest of the last build in `folder`."""
    manifest = json.loads((folder / "reports" / "manifest.json").read_text())
    return {j["id"]: j["status"] for j in manifest["jobs"]}


@pytest.fixture
def project(tmp_path) -> Path:
    """The config file of a fresh tiny project."""
    return make_project(tmp_path)
