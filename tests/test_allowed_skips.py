"""The skip policy in tests/skip_policy.py: a skip is a failure unless tests/allowed_skips.txt allows its reason."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.skip_policy import allowed_skip_patterns

pytest_plugins = ["pytester"]

ALLOW_LIST = "# tests for the policy\n^needs an AVX-512 CPU\n"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A tiny project whose conftest uses this project's skip hooks and whose allow-list is ALLOW_LIST."""
    pytester.syspathinsert(ROOT)  # so that `tests.skip_policy` is this project's, not a folder of the tiny one
    pytester.makeconftest("from tests.skip_policy import pytest_make_collect_report, pytest_runtest_makereport\n")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "allowed_skips.txt").write_text(ALLOW_LIST)
    return pytester


def test_a_skip_for_a_reason_not_on_the_list_fails(project):
    project.makepyfile(test_it="""
        import pytest

        def test_needs_data():
            pytest.skip("reference folder not found")

        def test_needs_a_package():
            pytest.importorskip("a_package_that_is_not_installed")
    """)
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*skipped for a reason not on tests/allowed_skips.txt: reference folder not found*"])


def test_a_skip_in_a_fixture_or_a_mark_fails_too(project):
    project.makepyfile(test_it="""
        import pytest

        @pytest.fixture
        def data():
            pytest.skip("no data")

        def test_fixture(data):
            pass

        @pytest.mark.skipif(True, reason="not today")
        def test_mark():
            pass
    """)
    project.runpytest().assert_outcomes(errors=2)  # both skip during setup, so they fail as errors


def test_a_module_level_skip_fails_the_collection(project):
    project.makepyfile(test_it="""
        import pytest
        pytest.importorskip("a_package_that_is_not_installed")

        def test_x():
            pass
    """)
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    assert result.ret != 0


def test_an_allowed_skip_stays_a_skip_and_an_xfail_is_untouched(project):
    project.makepyfile(test_it="""
        import pytest

        @pytest.mark.skipif(True, reason="needs an AVX-512 CPU")
        def test_mark():
            pass

        def test_call():
            pytest.skip("needs an AVX-512 CPU (this one has AVX2)")

        @pytest.mark.xfail(reason="known bug")
        def test_xfail():
            assert False
    """)
    result = project.runpytest()
    result.assert_outcomes(skipped=2, xfailed=1)
    assert result.ret == 0


def test_the_project_allow_list_is_short_and_every_line_compiles(pytestconfig):
    patterns = allowed_skip_patterns(pytestconfig)
    assert 1 <= len(patterns) <= 5
    assert any(p.search("needs an AVX-512 CPU") for p in patterns)
