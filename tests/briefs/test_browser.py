"""`workbench build --pdf` and the headless-Chromium helper (workbench.briefs.browser)."""

from __future__ import annotations

from pypdf import PdfReader

from workbench.briefs.browser import is_local
from workbench.cli import EXIT_ERROR, EXIT_OK, main

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


def test_build_pdf_writes_an_a4_pdf_beside_each_brief(demo_reports, capsys):
    pdf = demo_reports / "briefs" / f"{BRIEF}.pdf"
    assert not pdf.exists()
    code = main(["build", "--config", str(demo_reports.parent / "workbench.yaml"), "--only", BRIEF, "--pdf"])
    out = capsys.readouterr().out
    reader = PdfReader(pdf)
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert code == EXIT_OK and "pdf: 1 briefs printed" in out
    assert 1 <= len(reader.pages) <= 4
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)   # A4 in mm
    assert "emergency admission" in reader.pages[0].extract_text().lower()
