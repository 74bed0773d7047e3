"""Analysis: estimators in a registry, data and a specification in, a Result out.

    from workbench import analysis
    r = analysis.fit("did", df, outcome="y", unit="area", time="year", treatment="post")
    r.tidy(); r.summary(); r.to_dict(); r.plot_data()
    analysis.bacon(df, outcome="y", unit="area", time="year", treatment="post")  # what TWFE averages
    analysis.plot(r); analysis.compare([r, r2])                                    # look, compare
    analysis.report(r, df); analysis.rate(r)              # what any design tells a brief, and how secure
"""

from workbench.analysis import did as _did  # noqa: F401  (each module registers its designs)
from workbench.analysis import event_study as _event_study  # noqa: F401
from workbench.analysis import its as _its  # noqa: F401
from workbench.analysis import meta as _meta  # noqa: F401
from workbench.analysis import staggered as _staggered  # noqa: F401
from workbench.analysis import synthetic_control as _synthetic_control  # noqa: F401
from workbench.analysis import comparison
from workbench.analysis.bacon import bacon
from workbench.analysis.compare import compare
from workbench.analysis.multiplicity import adjust_headlines, benjamini_hochberg
from workbench.analysis.pilots import by_pilot
from workbench.analysis.plots import plot, register_plot
from workbench.analysis.rating import EvidenceRating, rate
from workbench.analysis.registry import designs, fit, get, register
from workbench.analysis.report import DesignReport, Diagnostics, report
from workbench.analysis.results import TIDY_COLUMNS, Estimate, Result
from workbench.analysis.sensitivity import TrendSensitivity, trend_sensitivity

__all__ = ["DesignReport", "Diagnostics", "Estimate", "EvidenceRating", "Result", "TIDY_COLUMNS", "TrendSensitivity", "adjust_headlines", "bacon",
           "benjamini_hochberg", "by_pilot", "compare", "comparison", "designs", "fit", "get", "plot", "rate",
           "register", "report", "register_plot", "trend_sensitivity"]
