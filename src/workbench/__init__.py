"""Collaboration Evidence Workbench.

Evidence in, comparative outcome analysis, evidence briefs out::

    from workbench import evidence, analysis, briefs
    panel = evidence.outcome_panel("total_place", "emergency_admissions")
    result = analysis.fit("did", panel.data, outcome="value", unit="area_code",
                          time="period", treatment="treated")
    result.tidy()
"""

from importlib.metadata import PackageNotFoundError, version as _version

from workbench.errors import WorkbenchError

try:
    __version__ = _version("workbench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["WorkbenchError", "__version__"]
