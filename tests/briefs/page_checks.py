"""Helpers of the browser tests: build the full demo, serve it on 127.0.0.1, measure pages in Chromium.

The measurements are JavaScript run in the page; each returns plain data the tests assert on.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import yaml

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
NPM_HINT = "run `npm ci --ignore-scripts` at the project root (package-lock.json pins axe-core and vnu-jar)"
JAVA_HINT = "install Java (`sudo apt-get install -y default-jre-headless`)"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (375, 1280)


def build_demo(folder: Path) -> Path:
    """Build every brief of the project's workbench.yaml into `folder`/reports; return that folder."""
    config = yaml.safe_load((ROOT / "workbench.yaml").read_text())
    config["catalog"] = str(ROOT / config["catalog"])
    for job in config["jobs"]:
        job["template"] = str(ROOT / job["template"])
    path = folder / "workbench.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    code = main(["build", "--config", str(path), "--jobs", "2", "--force"])
    assert code == 0, f"the demo build failed (exit {code}); see {folder / 'reports' / 'manifest.json'}"
    return folder / "reports"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@contextmanager
def serve(folder: Path):
    """Serve `folder` over HTTP on 127.0.0.1 on a free port; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def require(path: Path, hint: str) -> Path:
    """`path`, or an AssertionError saying how to install what is missing."""
    assert path.exists(), f"{path} is missing: {hint}"
    return path


def java() -> str:
    """The java binary, or an AssertionError saying how to install it."""
    found = shutil.which("java")
    assert found, f"java is missing: {JAVA_HINT}"
    return found


def run_vnu(files: list[Path]) -> subprocess.CompletedProcess:
    """The Nu HTML checker over `files`, errors only; its messages are on stderr."""
    return subprocess.run([java(), "-jar", str(require(VNU, NPM_HINT)), "--errors-only", *map(str, files)],
                          capture_output=True, text=True, timeout=300)


# Text smaller than 12 CSS px as rendered: HTML text nodes by computed font size, SVG text by
# its font size times the scale from its user units to the screen (getScreenCTM).
SMALL_TEXT_JS = """
(limit) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest('svg')) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    if (!range.getClientRects().length) continue;                 // not rendered
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible') continue;
    const px = parseFloat(style.fontSize);
    if (px < limit) small.push({text: node.textContent.trim().slice(0, 60), px});
  }
  for (const t of document.querySelectorAll('svg text')) {
    if (!t.textContent.trim() || !t.getClientRects().length) continue;
    const ctm = t.getScreenCTM();
    if (!ctm || getComputedStyle(t).visibility !== 'visible') continue;
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(ctm.a, ctm.b);
    if (px < limit) small.push({text: 'svg: ' + t.textContent.trim().slice(0, 60), px: Math.round(px * 10) / 10});
  }
  return small;
}
"""

# What a reader must find: the headline, the rating (briefs), and after every chart its data
# table and CSV download.
CONTENT_JS = """
() => {
  const visible = (el) => !!el && el.getClientRects().length > 0;
  const h1 = document.querySelector('h1');
  const charts = [...document.querySelectorAll('figure.chart')].map((figure) => {
    const data = figure.nextElementSibling;
    const graphic = [...figure.querySelectorAll('svg[role=img]')].find(visible);
    return {
      graphic: !!graphic && (graphic.getAttribute('aria-label') || '').length > 40,
      table: !!data && !!data.querySelector('table caption') && data.querySelectorAll('tbody tr').length > 0,
      csv: !!data && !!data.querySelector('a[download][href^="data:text/csv"]'),
    };
  });
  const rating = document.querySelector('.rating');
  return {
    headline: h1 ? h1.textContent.trim() : '',
    rating: rating ? rating.textContent.trim() : '',
    charts,
    landmarks: ['header', 'nav', 'main', 'footer'].filter((t) => document.querySelector(t)),
    skip: !!document.querySelector('a.skip-link[href="#main"]') && !!document.getElementById('main'),
    tables: document.querySelectorAll('table').length,
    unwrapped: [...document.querySelectorAll('table')].filter((t) => !t.closest('.table-wrap')).length,
  };
}
"""

AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
}
"""
