"""Small, safe displays for notebooks: a few lines of text and a compact HTML table.

Objects that hold data (panels, registers, briefs) show what they are, not their contents: a
researcher sees the initiative, the sizes and where the data came from, and asks for the rest.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def key_value_table(caption: str, rows: Iterable[tuple[str, object]], css_class: str = "workbench-summary") -> str:
    """A two-column HTML table (row headers, values), every text escaped."""
    body = "".join(f'<tr><th scope="row">{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>'
                   for k, v in rows)
    return f'<table class="{css_class}"><caption>{html.escape(caption)}</caption><tbody>{body}</tbody></table>'


def shorten(text: object, limit: int = 60) -> str:
    """Text on one line, at most `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."
