"""Briefs: plain-language text, accessible charts, the brief's sections, HTML export, the index.

    from workbench import briefs
    brief = briefs.OutcomeBrief.build(panel, result)
    brief.header(); brief.findings(); brief.footer()

The exporter (nbconvert) is imported only when used, so a notebook kernel that builds a brief
does not pay for it.
"""

from workbench.briefs.brief import RECORD_MIME, OutcomeBrief
from workbench.briefs.figures import Chart, trend_chart
from workbench.briefs.html import Html
from workbench.briefs.index import index_html, write_index

__all__ = ["Chart", "Html", "OutcomeBrief", "RECORD_MIME", "brief_record", "export_html",
           "index_html", "trend_chart", "write_index"]


def __getattr__(name: str):
    if name in ("export_html", "brief_record"):
        from workbench.briefs import export

        return getattr(export, name)
    raise AttributeError(f"module 'workbench.briefs' has no attribute {name!r}")
