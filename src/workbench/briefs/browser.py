"""Headless Chromium for the briefs: print a brief to PDF, and open pages for the browser tests.

Chromium is Debian's (`/usr/bin/chromium`, or the path in WORKBENCH_CHROMIUM), driven through
Playwright for Python; Playwright's own browser download is never used. The browser runs with
every host name resolving nowhere except the local machine, and every request that does not go to
the local machine (or a file) is aborted and recorded, so a page that would load anything from
the network is caught rather than served.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from workbench.errors import WorkbenchError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = ("install Debian's Chromium (`sudo apt-get install -y chromium`) or set WORKBENCH_CHROMIUM "
                "to a Chromium binary; never `playwright install`")
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class BrowserMissingError(WorkbenchError):
    """Headless Chromium (or Playwright for Python) is not installed; the message says how to install it."""


def chromium_path() -> str:
    """The Chromium binary to drive: WORKBENCH_CHROMIUM, else /usr/bin/chromium; raise if it is missing."""
    path = os.environ.get("WORKBENCH_CHROMIUM") or DEFAULT_CHROMIUM
    found = shutil.which(path)
    if not found:
        raise BrowserMissingError(f"headless Chromium not found at {path}: {INSTALL_HINT}")
    return found


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine: file:, data:, about:, blob: and http(s) to localhost."""
    parts = urlsplit(url)
    if parts.scheme in ("file", "data", "about", "blob"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") in LOCAL_HOSTS


def require_browser() -> str:
    """Check that Chromium and Playwright are installed (before a long build); return Chromium's path."""
    executable = chromium_path()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        raise BrowserMissingError("Playwright for Python is not installed: "
                                  "`pip install -e '.[pdf]'` (or '.[test]')") from error
    return executable


@contextmanager
def chromium() -> Iterator[object]:
    """A launched headless Chromium (a Playwright `Browser`), closed on exit."""
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:  # Playwright gives the browser a throw-away profile
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def guard_requests(page, blocked: list[str]) -> None:
    """Route every request of `page`: local ones go on, others are aborted and appended to `blocked`."""
    def route(route_, request):
        if is_local(request.url):
            route_.continue_()
        else:
            blocked.append(request.url)
            route_.abort()
    page.route("**/*", route)


def write_pdfs(html_paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Print each HTML brief to an A4 PDF beside it (same name, .pdf); return the PDFs written.

    Raises BrowserMissingError when Chromium or Playwright is missing, and WorkbenchError when a
    page tries to load anything from the network. Runs in a thread of its own, so that it also works
    where an event loop or another Playwright session is running (a Jupyter kernel, a test session).
    """
    paths = [Path(p) for p in html_paths]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-pdf") as pool:
        return pool.submit(_print_pdfs, paths).result()


def _print_pdfs(paths: list[Path]) -> list[Path]:
    written: list[Path] = []
    if not paths:
        return written
    with chromium() as browser:
        page = browser.new_page()
        blocked: list[str] = []
        guard_requests(page, blocked)
        for html in paths:
            page.goto(html.resolve().as_uri(), wait_until="load")
            if blocked:
                raise WorkbenchError(f"{html} tried to load {blocked[0]}: a brief must be self-contained")
            pdf = html.with_suffix(".pdf")
            tmp = pdf.with_name(f".{pdf.name}.tmp")
            page.pdf(path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True)
            os.replace(tmp, pdf)
            written.append(pdf)
    return written
