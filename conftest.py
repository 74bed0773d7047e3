"""Policy for everything pytest collects in this project (tests/ and notebooks/explore under nbval)."""

from tests.skip_policy import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401
