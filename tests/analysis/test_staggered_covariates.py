"""Callaway-Sant'Anna with covariates (outcome regression, IPW, doubly robust) against R did 2.5.0, csdid
and a planted panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.analysis.test_staggered import MPDTA, _assert_equal_to_csdid, _csdid
from workbench import analysis
from workbench.errors import SpecificationError


@pytest.fixture(scope="module")
def mpdta(reference_data):
    return pd.read_csv(reference_data / "mpdta.csv")


def test_group_time_effects_equal_r_did_with_xformla_lpop_on_mpdta(mpdta, reference_data):
    # R: att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", xformla=~lpop,
    #           est_method="reg", control_group="nevertreated", bstrap=FALSE), did 2.5.0
    ref = pd.read_csv(reference_data / "ref_attgt_R.csv").query("scenario == 'mpdta_nev_reg_cov'")
    ours = analysis.fit("staggered_did", mpdta, **MPDTA, covariates=["lpop"], estimator="reg", n_boot=0)
    both = ours.group_time.merge(ref, left_on=["group", "time"], right_on=["group", "t"], suffixes=("", "_r"))
    assert len(both) == len(ref) == 12
    np.testing.assert_allclose(both["att"], both["att_r"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(both["std_error"], both["se"], rtol=0, atol=1e-6)
    assert "with covariates (lpop)" in ours.method and ours.spec["covariates"] == ["lpop"]


@pytest.mark.parametrize("estimator", ["reg", "ipw", "dr"])
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_cells_aggregations_and_pre_test_equal_csdid_with_a_covariate(mpdta, control, estimator):
    ours = analysis.fit("staggered_did", mpdta, **MPDTA, control=control, covariates=["lpop"], estimator=estimator,
                        n_boot=0)
    _assert_equal_to_csdid(ours, *_csdid(mpdta, MPDTA, control, xformla="lemp ~ lpop", est_method=estimator))


def test_a_covariate_driven_trend_is_removed_by_adjusting_for_the_covariate():
    # Areas with x = 1 trend up by 0.5 a year more than areas with x = 0, and treated areas are mostly
    # x = 1: without the covariate the comparison understates the counterfactual trend and the
    # effect comes out too large; with it, the planted effect of 1.0 is recovered.
    rng = np.random.default_rng(11)
    n, years = 300, np.arange(2000, 2010)
    first = np.where(np.arange(n) < 60, 2005, np.where(np.arange(n) < 120, 2007, 0))
    x = np.where(first > 0, rng.random(n) < 0.8, rng.random(n) < 0.2).astype(float)
    on = (first[:, None] > 0) & (years[None, :] >= first[:, None])
    y = (rng.normal(5, 1, (n, 1)) + 0.5 * x[:, None] * (years - 2000) + 1.0 * on
         + rng.normal(0, 0.3, (n, len(years))))
    df = pd.DataFrame({"unit": np.repeat(np.arange(n), len(years)), "year": np.tile(years, n), "y": y.ravel(),
                       "first": np.repeat(first, len(years)), "x": np.repeat(x, len(years))})
    spec = dict(outcome="y", unit="unit", time="year", cohort="first", n_boot=0)
    naive = analysis.fit("staggered_did", df, **spec).main
    assert naive.ci_low > 1.3                                     # biased upwards by the x-specific trend
    for estimator in ("reg", "ipw", "dr"):
        adjusted = analysis.fit("staggered_did", df, **spec, covariates=["x"], estimator=estimator).main
        assert adjusted.ci_low < 1.0 < adjusted.ci_high, estimator
        assert adjusted.estimate == pytest.approx(1.0, abs=0.1), estimator


def test_bootstrap_bands_work_with_covariates(mpdta):
    r = analysis.fit("staggered_did", mpdta, **MPDTA, covariates=["lpop"], n_boot=199, aggregation="dynamic")
    dynamic = r.aggregate("dynamic")
    assert dynamic["boot_std_error"].notna().all()
    band = dynamic.dropna(subset=["band_low"])
    assert (band["band_low"] <= band["ci_low"] + 1e-12).all() and (band["band_high"] >= band["ci_high"] - 1e-12).all()


def test_a_constant_or_missing_covariate_is_refused_in_one_line(mpdta):
    with pytest.raises(SpecificationError, match="collinear"):
        analysis.fit("staggered_did", mpdta.assign(one=1.0), **MPDTA, covariates=["one"], estimator="reg", n_boot=0)
    with pytest.raises(SpecificationError, match="estimator='logit' is not known"):
        analysis.fit("staggered_did", mpdta, **MPDTA, covariates=["lpop"], estimator="logit", n_boot=0)
    broken = mpdta.assign(lpop=mpdta["lpop"].where(mpdta.index != 7))
    with pytest.raises(SpecificationError, match="covariate 'lpop' has a missing"):
        analysis.fit("staggered_did", broken, **MPDTA, covariates=["lpop"], n_boot=0)
    with pytest.raises(SpecificationError, match="covariate 'nope' is not a column"):
        analysis.fit("staggered_did", mpdta, **MPDTA, covariates=["nope"], n_boot=0)
