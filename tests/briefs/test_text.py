"""Plain-language text follows the numbers: direction, certainty, and no overclaiming."""

from __future__ import annotations

import pandas as pd

from workbench.analysis.results import Estimate, Result
from workbench.briefs import text
from workbench.evidence.panels import Indicator

RATE = Indicator("x", "Emergency hospital admissions", "emergency admission rate", "health",
                 "per 1,000 residents", 1000.0, "lower", "")
SHARE = Indicator("y", "NEET", "NEET rate", "social", "percent of 16-17 year olds", 100.0, "lower", "")


def result(estimate, low, high, p, gap=0.0, n_pre=6, pre_p=0.5, drift=None):
    """A did result; with `drift`, group means 2004-2015 (start 2010) whose pre-period gap moves by it a year."""
    frame = pd.DataFrame()
    if drift is not None:
        years = list(range(2004, 2016))
        frame = pd.DataFrame({"period": years, "comparison": 50.0,
                              "pilot": [53.0 + drift * (y - 2004) for y in years], "post": [y >= 2010 for y in years]})
    return Result("did", "m", (Estimate("treated", estimate, 0.3, low, high, p),), {},
                  {"first_post_period": 2010}, {"pre_period_trend_gap": gap, "n_pre_periods": n_pre,
                                                  "pre_trend_p_value": pre_p}, frame)


def test_clear_reduction_is_stated_as_a_finding_with_its_unit():
    h = text.headline(result(-4.118, -4.81, -3.43, 1e-6), RATE, "Total Place")
    assert h == ("The emergency admission rate in Total Place pilot areas was 4.12 per 1,000 residents lower "
                 "than the comparison areas' trend suggests, from 2010 onwards")


def test_interval_spanning_zero_is_no_clear_difference_and_shows_both_directions():
    r = result(0.75, -0.24, 1.74, 0.14)
    assert text.headline(r, RATE, "Total Place").startswith("No clear difference in the emergency admission rate")
    s = text.estimate_sentence(r, RATE)
    assert "anywhere from 0.24 per 1,000 residents lower to 1.74 per 1,000 residents higher" in s
    assert "(95% confidence interval -0.24 to +1.74)" in s
    assert "could easily arise by chance" in text.p_value_sentence(r)


def test_percentages_are_differences_in_percentage_points():
    s = text.estimate_sentence(result(-0.915, -1.209, -0.621, 1e-8), SHARE)
    assert "0.92 percentage points lower" in s and "between 0.62 and 1.21 percentage points lower" in s
    assert "less than 0.001" in text.p_value_sentence(result(-0.915, -1.209, -0.621, 1e-8))


def test_trends_are_called_parallel_only_when_the_drift_is_small_next_to_the_finding():
    # Lever: mean(2010..2015) - mean(2004..2009) = 6 years; the interval's end nearest zero is -3.4,
    # so a drift of 3.4 / 6 = 0.567 a year would overturn it.
    parallel = text.pre_trend_sentence(result(-4.0, -4.8, -3.4, 1e-6, pre_p=0.42, drift=0.01), RATE)
    assert "moved broadly in parallel" in parallel and "p-value 0.42" in parallel
    assert "0.567 per 1,000 residents a year" in parallel and "cannot prove" in parallel
    # The Whole-Place case: the gap closing by 0.6 a year before the start, a test that does not reject
    converging = text.pre_trend_sentence(result(-4.0, -4.8, -3.4, 1e-6, pre_p=0.3, drift=-0.6), RATE)
    assert "parallel" not in converging.replace("not proof that pilot and comparison areas moved in parallel", "")
    assert "not proof" in converging and "artefact of diverging trends" in converging
    # Without group means to measure the drift, a test that fails to reject is not called parallel either
    unmeasured = text.pre_trend_sentence(result(-4.0, -4.8, -3.4, 1e-6, gap=0.01, pre_p=0.42), RATE)
    assert "not proof" in unmeasured and "broadly in parallel" not in unmeasured


def test_diverging_pre_trends_are_flagged_in_words_from_the_joint_test():
    diverging = text.pre_trend_sentence(result(-4.0, -4.8, -3.4, 1e-6, gap=0.8, pre_p=0.0004), RATE)
    assert "treat the estimate with caution" in diverging and "less than 0.001" in diverging
    assert "too few periods" in text.pre_trend_sentence(result(-4.0, -4.8, -3.4, 1e-6, n_pre=1), RATE)


def test_rating_and_multiplicity_sentences_report_the_numbers():
    import pandas as pd

    from workbench.analysis.rating import EvidenceRating

    assert text.rating_sentence(EvidenceRating(3, 4)) == (
        "Strength of evidence: 4 out of 5 (strong); Maryland Scientific Methods Scale level 3.")
    table = pd.DataFrame({"p_value": [0.01, 0.04, 0.6], "p_adjusted": [0.03, 0.06, 0.6]})
    assert "2 had a p-value below 0.05" in text.multiplicity_sentence(table)
    assert "1 still do" in text.multiplicity_sentence(table)


def test_numbers_are_rounded_for_reading():
    assert [text.number(x) for x in (4.118, 0.9152, 123.456, 12345.6, -0.0123)] == [
        "4.12", "0.92", "123", "12,346", "-0.01"]


def test_the_pre_period_is_counted_in_periods_and_years_when_periods_pool_several_years():
    from workbench.briefs.text import _before

    class Pooled:
        sample = {"first_period": 2001, "first_post_period": 2010}

    class Annual:
        sample = {"first_period": 2004, "first_post_period": 2010}

    assert _before(Pooled, 3) == "3 periods (9 years)"
    assert _before(Annual, 6) == "6 years"
