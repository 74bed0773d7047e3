"""Plain-language text follows the numbers: direction, size against the baseline, certainty, no overclaiming."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from workbench.analysis.rating import EvidenceRating, Reason
from workbench.analysis.report import report
from workbench.analysis.results import Estimate, Result
from workbench.briefs import text
from workbench.evidence.panels import Indicator

RATE = Indicator("x", "Emergency hospital admissions", "emergency admission rate", "health",
                 "per 1,000 residents", 1000.0, "lower", "")
SHARE = Indicator("y", "NEET", "NEET rate", "social", "percent of 16-17 year olds", 100.0, "lower", "")
LONG = Indicator("z", "16-17 year olds not in education, employment or training", "NEET rate", "social",
                 "percent of 16-17 year olds", 100.0, "lower", "")


def rep(estimate, low, high, p, n_pre=6, pre_p=0.5, drift=0.0, level=50.0, design="did"):
    """The report of a did result with group means 2004-2015 (start 2010): the comparison flat at 50, the
    pilots at `level` + 3 whose gap moves by `drift` a year (so the 2009 baseline is level + 3 + 5 drift)."""
    years = list(range(2004, 2016))
    frame = pd.DataFrame({"period": years, "comparison": level,
                          "pilot": [level + 3.0 + drift * (y - 2004) for y in years], "post": [y >= 2010 for y in years]})
    return report(Result(design, "m", (Estimate("treated", estimate, 0.3, low, high, p),), {},
                         {"first_post_period": 2010, "first_period": 2004, "n_treated_units": 20},
                         {"n_pre_periods": n_pre, "pre_trend_p_value": pre_p, "comparison_group": True}, frame))


def test_the_headline_gives_the_size_relative_to_the_pilots_baseline_in_at_most_20_words():
    h = text.headline(rep(-4.118, -4.81, -3.43, 1e-6, level=97.0), RATE, "Total Place")
    assert h == ("Emergency hospital admissions: 4.1% lower in Total Place pilot areas than comparison areas "
                 "suggest, from 2010 onwards")       # 4.118 of the 2009 level 100
    assert text.words(h) <= text.HEADLINE_WORDS
    long = text.headline(rep(-0.9, -1.2, -0.6, 1e-6, level=7.0), LONG, "Community Budgets, first phase")
    assert text.words(long) <= 20 and "9%" in long      # shortened, the size kept


def test_causal_verbs_only_when_the_rating_carries_them():
    clear = rep(-4.0, -4.8, -3.4, 1e-6)
    causal = text.headline(clear, RATE, "Total Place", causal=True)
    plain = text.headline(clear, RATE, "Total Place", causal=False)
    assert causal.startswith("Total Place reduced emergency hospital admissions")
    assert not any(re.search(rf"\b{v}\b", plain) for v in text.CAUSAL_VERBS)
    # a result that is not clear never gets a causal verb, whatever the rating
    null = text.headline(rep(0.75, -0.24, 1.74, 0.14), RATE, "Total Place", causal=True)
    assert null.startswith("No clear difference") and not any(re.search(rf"\b{v}\b", null) for v in text.CAUSAL_VERBS)


def test_interval_spanning_zero_is_no_clear_difference_and_says_what_it_rules_out():
    r = rep(0.75, -0.24, 1.74, 0.14)
    s = text.estimate_sentence(r, RATE)
    assert "anywhere from 0.24 per 1,000 residents lower to 1.74 per 1,000 residents higher" in s
    assert "(95% confidence interval -0.24 to +1.74)" in s
    assert "could easily arise by chance" in text.p_value_sentence(r)
    out = text.rules_out_sentence(r, RATE)
    assert "rules out a fall of more than 0.24 per 1,000 residents (0.5% of the 2009 level)" in out
    assert "a rise of more than 1.74 per 1,000 residents (3.3% of the 2009 level)" in out
    assert text.rules_out_sentence(rep(-4.0, -4.8, -3.4, 1e-6), RATE) == ""      # a clear finding: nothing to rule out


def test_intervals_are_described_as_allowing_for_chance_only():
    s = text.estimate_sentence(rep(-0.915, -1.209, -0.621, 1e-8), SHARE)
    assert "Allowing for chance only (not for any bias in the comparison)" in s
    assert "0.92 percentage points" in s and "between 0.62 and 1.21 percentage points lower" in s
    assert "less than 0.001" in text.p_value_sentence(rep(-0.915, -1.209, -0.621, 1e-8))


def test_a_design_without_an_interval_says_so_and_names_its_placebo_inference():
    r = report(Result("synthetic_control", "m", (Estimate("average", -1.1, float("nan"), float("nan"), float("nan"),
                                                          0.02),), {},
                      {"first_post_period": 2012, "n_treated_units": 3},
                      {"n_placebos": 50, "placebo_rank": 1, "placebo_p_value": 0.02, "n_pre_periods": 8}))
    s = text.estimate_sentence(r, RATE)
    assert "no confidence interval" in s and "placebo test" in s and "nan" not in s
    assert r.clear                                          # placebo p 0.02 < 0.05


def test_trends_are_called_parallel_only_when_the_drift_is_small_next_to_the_finding():
    # Lever: mean(2010..2015) - mean(2004..2009) = 6 years; the interval's end nearest zero is -3.4,
    # so a drift of 3.4 / 6 = 0.567 a year would overturn it.
    parallel = text.pre_trend_sentence(rep(-4.0, -4.8, -3.4, 1e-6, pre_p=0.42, drift=0.01), RATE)
    assert "moved broadly in parallel" in parallel and "p-value 0.42" in parallel
    assert "0.567 per 1,000 residents a year" in parallel and "cannot prove" in parallel
    # The Whole-Place case: the gap closing by 0.6 a year before the start, a test that does not reject
    converging = text.pre_trend_sentence(rep(-4.0, -4.8, -3.4, 1e-6, pre_p=0.3, drift=-0.6), RATE)
    assert "parallel" not in converging.replace("not proof that pilot and comparison areas moved in parallel", "")
    assert "not proof" in converging and "artefact of diverging trends" in converging
    assert "would disappear if the gap had kept drifting" in text.overturn_sentence(
        rep(-4.0, -4.8, -3.4, 1e-6, pre_p=0.3, drift=-0.6), RATE)


def test_diverging_pre_trends_are_flagged_in_words_from_the_joint_test():
    diverging = text.pre_trend_sentence(rep(-4.0, -4.8, -3.4, 1e-6, pre_p=0.0004), RATE)
    assert "already drifting apart" in diverging and "less than 0.001" in diverging
    assert "too few periods" in text.pre_trend_sentence(rep(-4.0, -4.8, -3.4, 1e-6, n_pre=1), RATE)


def test_the_rating_sentence_gives_padlocks_in_words_and_the_weightiest_reason():
    rating = EvidenceRating(2, 1, (Reason("S1", "Compared."), Reason("S6", "It drifted."), Reason("P2", "Few.")))
    assert text.rating_sentence(rating) == "Strength of evidence: 1 of 5 padlocks (very weak). It drifted."
    assert text.rating_sentence(rating, said=("S6",)) == "Strength of evidence: 1 of 5 padlocks (very weak). Few."
    assert text.rating_sentence(EvidenceRating(3, 3, (Reason("S1", "Compared."),))) == (
        "Strength of evidence: 3 of 5 padlocks (moderate).")


def test_multiplicity_sentence_reports_the_numbers():
    table = pd.DataFrame({"p_value": [0.01, 0.04, 0.6], "p_adjusted": [0.03, 0.06, 0.6]})
    assert "2 had a p-value below 0.05" in text.multiplicity_sentence(table)
    assert "1 still do" in text.multiplicity_sentence(table)


@pytest.mark.parametrize("value, expected", [(0.04, "4%"), (0.123, "12%"), (0.0004, "less than 0.1%"),
                                             (-0.021, "2.1%"), (0.01, "1%")])
def test_percent(value, expected):
    assert text.percent(value) == expected


def test_every_registered_initiative_pilot_and_indicator_gets_a_headline_of_at_most_20_words_with_its_size():
    from workbench.evidence import initiatives, load
    from workbench.evidence.panels import indicator

    names = [i.short for i in initiatives().values()]
    names += [f"{i.short}: {p.name}" for i in initiatives().values() for p in i.pilots]
    results = [rep(-4.0, -4.8, -3.4, 1e-6), rep(0.75, -0.24, 1.74, 0.14)]
    too_long = [(h, text.words(h)) for ind_id in load("indicators")["indicator"]
                for name in names for r in results for causal in (False, True)
                if text.words(h := text.headline(r, indicator(ind_id), name, causal=causal)) > 20 or "%" not in h]
    assert too_long == []
