"""Fixtures of the brief tests: the full demo build, and headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.briefs.page_checks import build_demo
from workbench.briefs.browser import BrowserMissingError, chromium


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory) -> Path:
    """The full demo (every brief of workbench.yaml and the index), built once into a temporary folder."""
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def pages(demo_reports) -> list[str]:
    """Every built page, relative to the reports folder: the briefs, then the index."""
    briefs = sorted(p.relative_to(demo_reports).as_posix() for p in (demo_reports / "briefs").rglob("*.html"))
    assert len(briefs) >= 7, briefs
    return briefs + ["index.html"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium; a clear failure (never a skip) when it is not installed."""
    try:
        with chromium() as launched:
            yield launched
    except BrowserMissingError as error:
        pytest.fail(f"the browser tests need Chromium: {error}")
