"""Export an executed brief notebook to a self-contained, accessible HTML page.

nbconvert's HTMLExporter with the workbench's own template (based on `basic`, so no remote
scripts, fonts or CDN CSS), inputs and prompts hidden, stderr dropped, the brief record kept
out of the page. Writing is atomic: a reader never sees half a page.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

import workbench
from workbench.briefs.brief import RECORD_MIME
from workbench.errors import WorkbenchError
from workbench.io import atomic_write_text

TEMPLATE_NAME = "workbench_brief"
HIDDEN_TAG = "brief-hidden"  # cells for the researcher, kept out of the page


class CleanBriefCells(Preprocessor):
    """Drop the brief record and stderr from outputs; number cells so the page is reproducible.

    Papermill gives its injected-parameters cell a random id, which the template writes as an
    anchor; renumbering makes the same notebook give the same bytes.
    """

    def preprocess_cell(self, cell, resources, index):
        cell["id"] = f"cell-{index}"
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if RECORD_MIME not in o.get("data", {}) and o.get("name") != "stderr"]
        return cell, resources


def brief_record(nb: nbformat.NotebookNode) -> dict[str, Any] | None:
    """The brief record an executed notebook emitted, or None."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RECORD_MIME in data:
                record = data[RECORD_MIME]
                return json.loads(record) if isinstance(record, str) else dict(record)
    return None


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """The brief exporter, built once per process (compiling its template takes a quarter second)."""
    templates = files("workbench.briefs") / "templates"
    exporter = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(templates)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(
        remove_cell_tags={HIDDEN_TAG, "parameters", "injected-parameters"}, enabled=True))
    exporter.register_preprocessor(CleanBriefCells(), enabled=True)
    return exporter


def export_html(notebook: str | os.PathLike | nbformat.NotebookNode, html_path: str | os.PathLike,
                index_href: str = "../../index.html") -> dict[str, Any]:
    """Write the brief page for an executed notebook; return its brief record."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
    record = brief_record(nb)
    if record is None:
        raise WorkbenchError("the notebook emitted no brief record; did its last cell call brief.emit_record()?")
    css = (files("workbench.briefs") / "static" / "brief.css").read_text(encoding="utf-8")
    resources = {"workbench": {"title": record["title"], "css": css, "version": workbench.__version__,
                               "index_href": index_href}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    atomic_write_text(html_path, body)
    return record
