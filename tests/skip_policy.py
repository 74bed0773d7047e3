"""The skip policy: a skipped test is a failure unless its reason is on tests/allowed_skips.txt.

Missing data or a missing test dependency must not pass silently as a skip. Loaded for the whole
run (tests/ and the nbval notebooks) by the conftest.py at the project's root.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ALLOWED_SKIPS = Path("tests") / "allowed_skips.txt"  # relative to the rootdir


def allowed_skip_patterns(config: pytest.Config) -> list[re.Pattern[str]]:
    """The regular expressions of the allow-list (one a line; blank lines and `#` comments ignored)."""
    path = config.rootpath / ALLOWED_SKIPS
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [re.compile(line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _fail_unless_allowed(report: pytest.TestReport | pytest.CollectReport, config: pytest.Config) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):  # an xfail is not a skip
        return
    reason = _skip_reason(report)
    if any(p.search(reason) for p in allowed_skip_patterns(config)):
        return
    report.outcome = "failed"
    report.longrepr = (f"skipped for a reason not on {ALLOWED_SKIPS.as_posix()}: {reason}\n"
                       "Install what the test needs (`pip install -e '.[test]'`) or ship its data in tests/data; "
                       f"allow a skip only if it is truly needed, with a line and a comment in {ALLOWED_SKIPS.as_posix()}.")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    _fail_unless_allowed(report, item.config)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport:
    """A module-level skip (`pytest.importorskip` at the top of a file) happens at collection."""
    report = yield
    _fail_unless_allowed(report, collector.config)
    return report


