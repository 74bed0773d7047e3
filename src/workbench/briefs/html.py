"""Small, safe HTML building blocks shared by the brief and the index.

Every string from data is escaped here; tables are rendered with captions and scoped headers
(pandas' own HTML has `border="1"`, `<style scoped>` and no `scope`, which screen readers and
the Nu checker dislike).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd

from workbench.briefs import disclosure


@dataclass(frozen=True)
class Html:
    """An HTML fragment that shows itself in Jupyter and in the exported brief."""

    markup: str

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def esc(value: object) -> str:
    """Escape any value for HTML text or attribute context."""
    return escape(str(value), quote=True)


def table(frame: pd.DataFrame, caption: str, formats: dict[str, str] | None = None,
          row_header: str | None = None, css_class: str = "data-table") -> str:
    """An accessible table: caption, column headers with scope, an optional row-header column.

    Always inside a scroll wrapper (`scroll_wrap`), so a wide table never widens the page. Counts
    of people (columns `disclosure.is_count_column` recognises) pass through disclosure control
    here, on every page: small counts are suppressed or rounded, their headers carry
    ``data-sdc="count"`` for the scanner, and a footnote explains any ``[c]``.
    """
    formats = formats or {}
    protected = disclosure.guard(frame)
    frame = protected.frame
    head = "".join(f'<th scope="col"{" " + disclosure.COUNT_ATTRIBUTE if disclosure.is_count_column(c) else ""}>'
                   f"{esc(c)}</th>" for c in frame.columns)
    body = []
    for i in range(len(frame)):
        cells = []
        for column in frame.columns:
            value = frame[column].iloc[i]
            text = (format(value, formats[column]) if column in formats and pd.notna(value)
                    and not isinstance(value, str) else ("" if pd.isna(value) else str(value)))
            tag = "th scope=\"row\"" if column == row_header else "td"
            cells.append(f"<{tag}>{esc(text)}</{tag.split()[0]}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="table-note">{esc(disclosure.footnote())}</p>' if protected.needs_footnote else ""
    return scroll_wrap(f'<table class="{css_class}"><caption>{esc(caption)}</caption>'
                       f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>", caption) + note


def scroll_wrap(table_markup: str, label: str) -> str:
    """A table inside a region that scrolls sideways on its own, so the page never does.

    The region is focusable (keyboard users can scroll it) and named after the table's caption.
    """
    return (f'<div class="table-wrap" role="region" aria-label="{esc(label)}" tabindex="0">'
            f"{table_markup}</div>")


def definition_list(items: Iterable[tuple[str, str]]) -> str:
    """A <dl> of (term, description) pairs, both escaped."""
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items) + "</dl>"


def bullet_list(items: Sequence[str]) -> str:
    """A <ul> of escaped items."""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"
