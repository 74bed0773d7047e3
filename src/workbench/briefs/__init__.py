"""Briefs: plain-language text, accessible charts, the brief's sections, HTML export, the index.

    from workbench import briefs
    brief = briefs.OutcomeBrief.build(panel, result)
    brief.header(); brief.findings(); brief.footer()
"""

from workbench.briefs.brief import RECORD_MIME, OutcomeBrief
from workbench.briefs.export import brief_record, export_html
from workbench.briefs.figures import Chart, trend_chart
from workbench.briefs.html import Html
from workbench.briefs.index import index_html, write_index

__all__ = ["Chart", "Html", "OutcomeBrief", "RECORD_MIME", "brief_record", "export_html",
           "index_html", "trend_chart", "write_index"]
