"""Plain-language text follows the numbers: direction, certainty, and no overclaiming."""

from __future__ import annotations

from workbench.analysis.results import Estimate, Result
from workbench.briefs import text
from workbench.evidence.panels import Indicator

RATE = Indicator("x", "Emergency hospital admissions", "emergency admission rate", "health",
                 "per 1,000 residents", 1000.0, "lower", "")
SHARE = Indicator("y", "NEET", "NEET rate", "social", "percent of 16-17 year olds", 100.0, "lower", "")


def result(estimate, low, high, p, gap=0.0, n_pre=6, pre_p=0.5):
    return Result("did", "m", (Estimate("treated", estimate, 0.3, low, high, p),), {},
                  {"first_post_period": 2010}, {"pre_period_trend_gap": gap, "n_pre_periods": n_pre,
                                                  "pre_trend_p_value": pre_p})


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


def test_diverging_pre_trends_are_flagged_in_words_from_the_joint_test():
    parallel = text.pre_trend_sentence(result(-4.0, -4.8, -3.4, 1e-6, gap=0.01, pre_p=0.42), RATE)
    assert "moved broadly in parallel" in parallel and "p-value 0.42" in parallel
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
