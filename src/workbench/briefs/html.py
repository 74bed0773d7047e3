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


_LOCK = ('<g transform="translate({x} 0)" class="{cls}"><path d="M3.2 6V4.2a2.8 2.8 0 0 1 5.6 0V6" fill="none" '
         'stroke-width="1.6"/><rect x="1" y="6" width="10" height="7.2" rx="1.2" stroke-width="1.2"/></g>')


def padlocks(level: int | None, *, scale: int = 2) -> str:
    """Five padlocks drawn as one self-contained SVG, the first `level` filled, then the number in text.

    The drawing is hidden from screen readers; the text says "3 of 5" (or "not rated"), so the
    rating never rests on the picture or on colour alone.
    """
    if level is None:
        return '<span class="locks">not rated</span>'
    drawn = "".join(_LOCK.format(x=14 * i, cls="lock-on" if i < level else "lock-off") for i in range(5))
    return (f'<span class="locks"><svg aria-hidden="true" focusable="false" width="{68 * scale}" '
            f'height="{14 * scale}" viewBox="0 0 68 14">{drawn}</svg> '
            f'<span class="locks-text">{int(level)} of 5</span></span>')
