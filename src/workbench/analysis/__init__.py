"""Analysis: estimators in a registry, data and a specification in, a Result out.

    from workbench import analysis
    r = analysis.fit("did", df, outcome="y", unit="area", time="year", treatment="post")
    r.tidy(); r.summary(); r.to_dict(); r.plot_data()
"""

from workbench.analysis import did as _did  # noqa: F401  (registers "did")
from workbench.analysis.registry import designs, fit, get, register
from workbench.analysis.results import TIDY_COLUMNS, Estimate, Result

__all__ = ["Estimate", "Result", "TIDY_COLUMNS", "designs", "fit", "get", "register"]
