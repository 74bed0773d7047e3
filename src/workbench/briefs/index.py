"""The index page: the evidence maps (real data first, then synthetic), the failures, or the empty state."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

import workbench
from workbench.briefs.evidence_map import FILTER_SCRIPT, LOCK_SYMBOL, EvidenceMap, Filters, map_section
from workbench.briefs.html import esc
from workbench.io import atomic_write_text


def index_html(entries: Iterable[dict[str, Any]], failed: Iterable[dict[str, Any]] = ()) -> str:
    """The index page as HTML: an evidence map of real data, then one of synthetic data, then failures.

    Each entry is a brief record plus `href` (relative to the index). The page is one self-contained
    file; its filter is a few lines of inline JavaScript, and without it every finding shows.
    """
    entries = list(entries)
    css = "".join((files("workbench.briefs") / "static" / name).read_text(encoding="utf-8")
                  for name in ("brief.css", "index.css"))
    maps = [(EvidenceMap.build([e for e in entries if bool(e.get("synthetic")) == synthetic], synthetic),
             anchor, heading, intro)
            for synthetic, anchor, heading, intro in ((False, "map-real", "Real published data", REAL_INTRO),
                                                      (True, "map-synthetic", SYNTHETIC_HEADING, SYNTHETIC_INTRO))]
    maps = [m for m in maps if m[0].cells]
    parts, sections = [], [(anchor, heading.split(":")[0]) for _, anchor, heading, _ in maps]
    if any(m[0].synthetic for m in maps):
        parts.append('<div class="synthetic-banner" role="note" aria-label="Synthetic data"><strong>Synthetic '
                     "data.</strong> Findings marked synthetic are built from the workbench's generated demo "
                     "panel: they demonstrate the method and are not evidence about the initiatives.</div>")
    filters = Filters.build([m[0] for m in maps])
    if maps:
        parts.append(HOW_TO_READ + LOCK_SYMBOL
                     + filters.controls(["synthetic" if m[0].synthetic else "real" for m in maps]))
    parts += [map_section(m, anchor, heading, intro, filters) for m, anchor, heading, intro in maps]
    failed = list(failed)
    if failed:
        sections.append(("failed", "Failed briefs"))
        items = "".join(f"<li>{esc(f['job'])}: {esc(f['error'])}</li>" for f in failed)
        parts.append(f'<section aria-labelledby="failed"><h2 id="failed">Briefs that failed to build</h2>'
                     f"<ul>{items}</ul></section>")
    if not entries and not failed:
        parts.append("<p>No briefs have been built yet. Run <code>workbench build</code>.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Evidence map: Collaboration Evidence Workbench</title><style>{css}</style></head><body>"
        '<a class="skip-link" href="#main">Skip to main content</a>'
        '<header class="site-header"><p class="site-name">Collaboration Evidence Workbench</p>'
        f'<nav class="top-nav" aria-label="Sections">{_contents(sections)}</nav></header>'
        '<main id="main" tabindex="-1">'
        "<h1>Evidence map</h1><p>Comparative outcome analyses of place-based collaboration initiatives in "
        "England: pilot areas against comparison areas over time, one finding per outcome and initiative, "
        "each linking to its brief.</p>" + "".join(parts)
        + "</main>"
        f'<footer class="site-footer"><p>Built by workbench {esc(workbench.__version__)}. Every page is one '
        "self-contained file: it loads nothing from the network.</p></footer>"
        + (FILTER_SCRIPT if maps else "") + "</body></html>\n")


def _contents(sections: list[tuple[str, str]]) -> str:
    """Jump links to each part of the index."""
    if not sections:
        return '<ul><li><a href="#main">Evidence map</a></li></ul>'
    return "<ul>" + "".join(f'<li><a href="#{anchor}">{esc(name)}</a></li>' for anchor, name in sections) + "</ul>"


SYNTHETIC_HEADING = "Synthetic data: method demonstrations, not evidence"
REAL_INTRO = ("Findings on real outcome series published by ONS, OHID and DfE under the Open Government "
              "Licence, each compared on one geography; every brief says how its series was prepared.")
SYNTHETIC_INTRO = ("Findings from the workbench's generated demo panel, with effects planted on purpose: "
                   "they show the method at work and say nothing about what the initiatives achieved.")
HOW_TO_READ = (
    '<section aria-labelledby="how-to-read" class="map-key"><h2 id="how-to-read">How to read the map</h2><ul>'
    "<li>Rows are outcomes, grouped by domain; columns are initiatives. Each cell links to its brief.</li>"
    "<li><span aria-hidden=\"true\">\u2191</span> Higher or <span aria-hidden=\"true\">\u2193</span> Lower: "
    "pilot areas differed from what the comparison areas' trend suggests, and the 95% interval excludes zero; "
    "<span aria-hidden=\"true\">\u2248</span> No clear difference: the interval includes zero. Higher is not "
    "always better: it depends on the outcome.</li>"
    "<li>The size is the difference as a percentage of the pilots' level in the last period before the start, "
    "with its 95% interval; where there is no such level, in the outcome's own unit.</li>"
    "<li>Padlocks show the strength of evidence, from 0 to 5.</li>"
    "<li><span aria-hidden=\"true\">\u25c7</span> Marks under a finding are the same question answered another "
    "way (another comparison group, one pilot alone), with their own direction and strength.</li></ul>"
    "<p>Each map is also given as a list of sentences after it.</p></section>")


def write_index(path: str | os.PathLike, entries: Iterable[dict[str, Any]],
                failed: Iterable[dict[str, Any]] = ()) -> Path:
    """Write the index page atomically."""
    return atomic_write_text(path, index_html(entries, failed))
