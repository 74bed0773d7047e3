"""The index page: every brief, grouped by initiative, with its finding and estimate."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

import workbench
from workbench.briefs.html import esc, scroll_wrap
from workbench.io import atomic_write_text


def index_html(entries: Iterable[dict[str, Any]], failed: Iterable[dict[str, Any]] = ()) -> str:
    """The index page as HTML. Each entry is a brief record plus `href` (relative to the index)."""
    entries = sorted(entries, key=lambda e: (e["initiative_name"], e["indicator_name"]))
    css = (files("workbench.briefs") / "static" / "brief.css").read_text(encoding="utf-8")
    any_synthetic = any(e.get("synthetic") for e in entries)
    parts = []
    if any_synthetic:
        parts.append('<div class="synthetic-banner" role="note" aria-label="Synthetic data"><strong>Synthetic '
                     "data.</strong> Briefs marked synthetic are built from the workbench's generated demo "
                     "panel: they demonstrate the method and are not evidence about the initiatives.</div>")
    frame = pd.DataFrame(entries) if entries else pd.DataFrame(columns=["synthetic", "initiative_name"])
    frame["synthetic"] = frame.get("synthetic", False)
    sections = []
    for synthetic, heading, intro in ((False, "Real published data", REAL_INTRO),
                                      (True, "Synthetic data: method demonstrations, not evidence", SYNTHETIC_INTRO)):
        part = frame[frame["synthetic"].fillna(False).astype(bool) == synthetic]
        if part.empty:
            continue
        parts.append(f"<h2>{esc(heading)}</h2><p>{esc(intro)}</p>")
        for initiative, group in part.groupby("initiative_name", sort=True):
            anchor = f"initiative-{len(sections) + 1}"
            label = f"{initiative} ({'synthetic' if synthetic else 'real'} data)"
            sections.append((anchor, label))
            parts.append(_initiative_table(anchor, label, group.to_dict("records")))
    failed = list(failed)
    if failed:
        items = "".join(f"<li>{esc(f['job'])}: {esc(f['error'])}</li>" for f in failed)
        parts.append(f'<section><h2>Briefs that failed to build</h2><ul>{items}</ul></section>')
    if not entries and not failed:
        parts.append("<p>No briefs have been built yet. Run <code>workbench build</code>.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Evidence briefs: Collaboration Evidence Workbench</title><style>{css}</style></head><body>"
        '<a class="skip-link" href="#main">Skip to main content</a>'
        '<header class="site-header"><p class="site-name">Collaboration Evidence Workbench</p>'
        f'<nav class="top-nav" aria-label="Initiatives">{_contents(sections)}</nav></header>'
        '<main id="main" tabindex="-1">'
        "<h1>Evidence briefs</h1><p>Comparative outcome analyses of place-based collaboration initiatives in "
        "England: pilot areas against comparison areas over time.</p>" + "".join(parts)
        + "</main>"
        f'<footer class="site-footer"><p>Built by workbench {esc(workbench.__version__)}. Every page is one '
        "self-contained file: it loads nothing from the network.</p></footer></body></html>\n")


def _contents(sections: list[tuple[str, str]]) -> str:
    """Jump links to each initiative's section of the index."""
    if not sections:
        return '<ul><li><a href="#main">Evidence briefs</a></li></ul>'
    return "<ul>" + "".join(f'<li><a href="#{anchor}">{esc(name)}</a></li>' for anchor, name in sections) + "</ul>"


REAL_INTRO = ("Briefs on real outcome series published by ONS, OHID and DfE under the Open Government "
              "Licence, each compared on one geography; every brief says how its series was prepared.")
SYNTHETIC_INTRO = ("Briefs built from the workbench's generated demo panel, with effects planted on purpose: "
                   "they show the method at work and say nothing about what the initiatives achieved.")


def _initiative_table(anchor: str, label: str, entries: list[dict[str, Any]]) -> str:
    """One initiative's briefs as a table in a scroll wrapper, under a heading the contents link to."""
    rows = []
    for e in entries:
        flag = " [synthetic data]" if e.get("synthetic") else ""
        if (e.get("parameters") or {}).get("comparison_method", "all") != "all":
            flag = f" (against {e['parameters']['comparison_method']} neighbours){flag}"
        rows.append(
            f'<tr><td><a href="{esc(e["href"])}">{esc(e["indicator_name"])}{esc(flag)}</a></td>'
            f'<td>{esc(e["headline"])}</td>'
            f'<td>{e["estimate"]:+.2f} ({e["ci_low"]:+.2f} to {e["ci_high"]:+.2f}) {esc(e["unit"])}</td>'
            f'<td>{_rating(e.get("rating"))}</td></tr>')
    listing = scroll_wrap(
        f'<table class="brief-list"><caption>Briefs on {esc(label)}</caption><thead><tr><th scope="col">Outcome</th>'
        '<th scope="col">Finding</th><th scope="col">Estimate (95% CI)</th><th scope="col">Strength of evidence</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>", f"Briefs on {label}")
    return f'<section aria-labelledby="{anchor}"><h3 id="{anchor}">{esc(label)}</h3>{listing}</section>'


def _rating(rating: dict[str, Any] | None) -> str:
    if not rating:
        return "not rated"
    sms = f", SMS {rating['sms']}" if rating.get("sms") else ""
    return esc(f"{rating['strength']} of 5 ({rating['label']}{sms})")


def write_index(path: str | os.PathLike, entries: Iterable[dict[str, Any]],
                failed: Iterable[dict[str, Any]] = ()) -> Path:
    """Write the index page atomically."""
    return atomic_write_text(path, index_html(entries, failed))
