"""`workbench build --pdf` and the headless-Chromium helper (workbench.briefs.browser)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pypdf import PdfReader

from workbench.briefs.browser import is_local, write_pdfs
from workbench.cli import EXIT_ERROR, EXIT_OK, main
from workbench.errors import WorkbenchError

BRIEF = "whole_place_community_budgets/emergency_admissions"


def test_only_local_urls_count_as_local():
    assert all(map(is_local, ["file:///tmp/a.html", "data:text/csv;base64,AA==", "about:blank",
                              "http://127.0.0.1:8000/index.html", "http://localhost/x"]))
    assert not any(map(is_local, ["https://fonts.googleapis.com/css", "http://example.org/",
                                  "//cdn.example.org/x.js", "http://127.0.0.1.example.org/"]))


def test_build_pdf_without_chromium_fails_at_once_with_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_CHROMIUM", str(tmp_path / "no-chromium-here"))
    code = main(["build", "--config", str(tmp_path / "not-read.yaml"), "--pdf"])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_ERROR
    assert len(err.splitlines()) == 1 and "Chromium not found" in err and "apt-get install -y chromium" in err


def test_build_pdf_writes_an_a4_pdf_beside_each_brief(demo_reports):
    """Run as its own process: Playwright's sync API cannot start inside the tests' running browser."""
    pdf = demo_reports / "briefs" / f"{BRIEF}.pdf"
    assert not pdf.exists()
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "build", "--config",
                          str(demo_reports.parent / "workbench.yaml"), "--only", f"outcome_brief/{BRIEF}", "--pdf"],
                         capture_output=True, text=True, timeout=600)
    reader = PdfReader(pdf)
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert run.returncode == EXIT_OK and "pdf: 1 briefs printed" in run.stdout, run.stderr
    assert 1 <= len(reader.pages) <= 4
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)   # A4 in mm
    assert "emergency hospital admissions" in reader.pages[0].extract_text().lower()


def test_a_page_that_loads_from_the_network_is_refused_not_printed(tmp_path, browser):
    """Inside a running browser session too (write_pdfs runs in a thread of its own)."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><html lang="en"><title>leaky</title>'
                     '<link rel="stylesheet" href="https://fonts.example.org/a.css"><p>text</p></html>')
    with pytest.raises(WorkbenchError, match="fonts.example.org"):
        write_pdfs([leaky])
    assert not leaky.with_suffix(".pdf").exists()
