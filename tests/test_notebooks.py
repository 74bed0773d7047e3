"""Notebooks call the package; logic lives in src/workbench/ where it is tested."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))


def test_there_are_template_and_explore_notebooks():
    folders = {p.parent.name for p in NOTEBOOKS}
    assert {"templates", "explore"} <= folders


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_notebook_defines_a_function_or_class(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    offending = [src.splitlines()[0] for src in code if re.search(r"^\s*(async\s+)?(def|class)\s", src, re.M)]
    assert not offending, f"{path.name} defines logic in a cell; move it into src/workbench/: {offending}"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks" / "explore").glob("*.ipynb")), ids=lambda p: p.name)
def test_each_explore_notebook_is_numbered_and_says_what_question_it_answers(path):
    assert re.match(r"\d\d_[a-z0-9_]+\.ipynb$", path.name)
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    assert first["cell_type"] == "markdown" and first["source"][0].startswith("# ")
    assert "The question this notebook answers:" in "".join(first["source"])
