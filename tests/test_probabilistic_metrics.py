"""The probabilistic metrics give the values worked out by hand, match closed forms, and fail loudly."""

import math
import re
from statistics import NormalDist

import numpy as np
import pytest

from lstmcast.errors import ConfigError, DataError
from lstmcast.evaluate.baselines import seasonal_naive
from lstmcast.evaluate.probabilistic import (
    calibration_table,
    coverage,
    crps,
    interval_metrics,
    interval_pair,
    msis,
    pinball,
    quantile_calibration,
    scaled_crps,
    seasonal_naive_quantiles,
    width,
    winkler,
)

NORMAL = NormalDist()

# The running example: two forecasts of one step and one target, at levels 0.1, 0.5, 0.9.
#   y = 1 with quantiles [0, 2, 3];  y = 4 with quantiles [1, 2, 3].
TAUS = [0.1, 0.5, 0.9]
Y = np.array([1.0, 4.0]).reshape(2, 1, 1)  # (n, H, k)
Q = np.array([[0.0, 2.0, 3.0], [1.0, 2.0, 3.0]]).reshape(2, 1, 1, 3)  # (n, H, k, Q)
LO = np.array([0.0, 1.0]).reshape(2, 1, 1)  # the 80% interval: the 0.1 and 0.9 quantiles
HI = np.array([3.0, 3.0]).reshape(2, 1, 1)


def normal_crps(mu, sigma, y):
    """Closed-form CRPS of N(mu, sigma^2) at y."""
    z = (y - mu) / sigma
    return sigma * (z * (2 * NORMAL.cdf(z) - 1) + 2 * NORMAL.pdf(z) - 1 / math.sqrt(math.pi))


def z_of(taus):
    return np.array([NORMAL.inv_cdf(t) for t in taus])


# Hand-computed values
def test_pinball_by_hand():
    """The pinball loss is max(tau u, (tau - 1) u) with u = y - q, averaged over values and levels."""
    # y = 1: u = [1, -1, -2] -> [0.1 * 1, 0.5 * 1, 0.1 * 2] = [0.1, 0.5, 0.2], sum 0.8
    # y = 4: u = [3, 2, 1]   -> [0.1 * 3, 0.5 * 2, 0.9 * 1] = [0.3, 1.0, 0.9], sum 2.2
    # mean over 6 values: 3.0 / 6 = 0.5
    assert pinball(Y, Q, TAUS) == pytest.approx(0.5, rel=1e-15)


def test_crps_is_twice_the_mean_pinball_and_scales_like_mase():
    """CRPS = 2 * mean pinball; scaled CRPS divides by the MASE scale, NaN for an unusable scale."""
    # 2 * 0.5 = 1.0; / 4 = 0.25
    assert crps(Y, Q, TAUS) == pytest.approx(1.0, rel=1e-15)
    assert scaled_crps(Y, Q, TAUS, 4.0) == pytest.approx(0.25, rel=1e-15)
    for scale in (0.0, -1.0, float("nan"), float("inf"), None):
        assert math.isnan(scaled_crps(Y, Q, TAUS, scale))


def test_interval_pair_takes_the_levels_quantiles():
    """The 80% interval is the 0.1 and 0.9 quantiles, found within 1e-9 of the asked levels."""
    lo, hi = interval_pair(Q, TAUS, 80)
    np.testing.assert_array_equal(lo, LO)
    np.testing.assert_array_equal(hi, HI)
    lo, hi = interval_pair(Q, [0.1 + 5e-10, 0.5, 0.9 - 5e-10], 80)  # within tolerance
    np.testing.assert_array_equal(lo, LO)


def test_interval_pair_names_the_missing_quantiles():
    """A level whose quantiles taus does not hold is an error that names them."""
    msg = "level=95 needs the quantiles [0.025, 0.975] but taus=[0.1, 0.5, 0.9] lacks [0.025, 0.975]: "
    with pytest.raises(
        ConfigError, match=re.escape(msg + "add them to taus, or score a level whose quantiles taus has.")
    ):
        interval_pair(Q, TAUS, 95)
    msg = "level=80 needs the quantiles [0.1, 0.9] but taus=[0.10000001, 0.5, 0.9] lacks [0.1]: "
    with pytest.raises(ConfigError, match=re.escape(msg)):
        interval_pair(Q, [0.1 + 1e-8, 0.5, 0.9], 80)  # 1e-8 is outside the 1e-9 tolerance


def test_coverage_width_winkler_msis_by_hand():
    """Coverage, width, interval score and MSIS of the running example's 80% interval."""
    # y = 1 in [0, 3]: inside; y = 4 in [1, 3]: above -> coverage 1 / 2
    assert coverage(Y, LO, HI) == 0.5
    # widths [3, 2] -> 2.5
    assert width(LO, HI) == 2.5
    # alpha = 0.2, 2 / alpha = 10: [3, 2 + 10 * (4 - 3)] = [3, 12] -> 7.5; MSIS with scale 2: 3.75
    assert winkler(Y, LO, HI, 80) == pytest.approx(7.5, rel=1e-15)
    assert msis(Y, LO, HI, 80, 2.0) == pytest.approx(3.75, rel=1e-15)
    assert math.isnan(msis(Y, LO, HI, 80, 0.0))


def test_winkler_penalises_values_below():
    """A value under the interval adds (2 / alpha) times its distance below lo."""
    # level 50: alpha = 0.5, 2 / alpha = 4; y = -1 under [0, 1]: 1 + 4 * 1 = 5; y = 0.5 inside: 1 -> 3
    assert winkler([-1.0, 0.5], [0.0, 0.0], [1.0, 1.0], 50) == pytest.approx(3.0, rel=1e-15)
    # an interval that covers everything scores its width
    assert winkler([0.2], [0.0], [1.0], 95) == 1.0


def test_interval_metrics_keys_and_values():
    """Per level coverage, width and MSIS, then pinball and scaled CRPS over every tau."""
    out = interval_metrics(Y, Q, TAUS, [80], 2.0)
    assert out == pytest.approx(
        {"coverage_80": 0.5, "width_80": 2.5, "msis_80": 3.75, "pinball": 0.5, "scaled_crps": 0.5}, rel=1e-15
    )
    assert list(out) == ["coverage_80", "width_80", "msis_80", "pinball", "scaled_crps"]
    # levels come sorted and named as in columns; no levels leaves the two quantile scores
    q = np.concatenate([Q[..., :1], Q], axis=-1)  # (2, 1, 1, 4): add 0.025 == the 0.1 quantile
    q = np.concatenate([q, Q[..., -1:]], axis=-1)  # (2, 1, 1, 5): add 0.975 == the 0.9 quantile
    keys = list(interval_metrics(Y, q, [0.025, 0.1, 0.5, 0.9, 0.975], [95, 80], 2.0))
    assert keys[:6] == ["coverage_80", "width_80", "msis_80", "coverage_95", "width_95", "msis_95"]
    assert list(interval_metrics(Y, Q, TAUS, [], 2.0)) == ["pinball", "scaled_crps"]


def test_calibration_table_by_hand():
    """One row per level with coverage, below and above in percent, the mean width and the count."""
    table = calibration_table(Y, Q, TAUS, [80])
    assert list(table.columns) == ["level", "coverage", "below", "above", "width", "n"]
    # coverage 1/2 -> 50%; nothing below 0 or 1; y = 4 above 3 -> 50%; width 2.5; 2 values
    assert table.iloc[0].to_dict() == {
        "level": 80.0,
        "coverage": 50.0,
        "below": 0.0,
        "above": 50.0,
        "width": 2.5,
        "n": 2,
    }
    assert table["level"].dtype == np.float64 and table["n"].dtype == np.int64


def test_quantile_calibration_by_hand():
    """The observed fraction of actual values at or under each quantile."""
    table = quantile_calibration(Y, Q, TAUS)
    # 0.1: 1 <= 0 no, 4 <= 1 no -> 0; 0.5: 1 <= 2 yes, 4 <= 2 no -> 0.5; 0.9: 1 <= 3 yes, 4 <= 3 no -> 0.5
    assert table.to_dict("list") == {"quantile": [0.1, 0.5, 0.9], "observed": [0.0, 0.5, 0.5]}


def test_perfect_point_quantiles_score_zero():
    """Every quantile equal to the actual value: no loss, full coverage, zero width."""
    q = np.repeat(Y[..., None], 3, axis=-1)  # (2, 1, 1, 3)
    out = interval_metrics(Y, q, TAUS, [80], 1.0)
    assert out == {"coverage_80": 1.0, "width_80": 0.0, "msis_80": 0.0, "pinball": 0.0, "scaled_crps": 0.0}


# Against known distributions
def test_crps_from_a_dense_grid_matches_the_normal_closed_form():
    """99 evenly spaced (midpoint) quantiles of N(mu, sigma) give the closed-form CRPS within 1%."""
    taus = (np.arange(1, 100) - 0.5) / 99  # (99,)
    mu, sigma = 1.0, 2.0
    for y in (-3.0, 0.0, 1.0, 2.5, 6.0):
        q = (mu + sigma * z_of(taus)).reshape(1, 1, 1, -1)  # (1, 1, 1, 99)
        assert crps(np.full((1, 1, 1), y), q, taus) == pytest.approx(normal_crps(mu, sigma, y), rel=0.01)


def test_coverage_of_a_known_distribution_is_near_nominal():
    """Quantiles of the true distribution cover about level% of its samples (4 binomial sd)."""
    rng = np.random.default_rng(0)
    n = 20_000
    mu = rng.normal(size=(n, 1, 1)) * 5  # (n, 1, 1): each forecast its own mean
    sigma = rng.uniform(0.5, 3.0, size=(n, 1, 1))
    y = mu + sigma * rng.normal(size=(n, 1, 1))
    taus = np.array([0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975])
    q = mu[..., None] + sigma[..., None] * z_of(taus)  # (n, 1, 1, 7)
    table = calibration_table(y, q, taus, [50, 80, 95])
    for _, row in table.iterrows():
        p = row["level"] / 100
        tol = 400 * math.sqrt(p * (1 - p) / n)  # 4 sd, in percent
        assert abs(row["coverage"] - row["level"]) < tol
        assert abs(row["below"] - row["above"]) < 2 * tol
    observed = quantile_calibration(y, q, taus)["observed"].to_numpy()
    assert np.all(np.abs(observed - taus) < 4 * np.sqrt(taus * (1 - taus) / n))


# The seasonal naive benchmark
# A series of period 3: rows 0..2 = [1, 2, 3], rows 3..5 = [2, 4, 3]; then more rows.
SERIES = np.array([1.0, 2.0, 3.0, 2.0, 4.0, 3.0, 5.0, 1.0, 2.0, 6.0, 0.0]).reshape(-1, 1)  # (rows, 1)
ONE_SD = [NORMAL.cdf(-1.0), 0.5, NORMAL.cdf(1.0)]  # quantiles at point -/+ one sd


def test_seasonal_naive_sigma_by_hand():
    """sigma is the RMS of y[t] - y[t - 3] over the training rows."""
    # train_end 6: residuals rows 3..5 minus rows 0..2 = [2 - 1, 4 - 2, 3 - 3] = [1, 2, 0]
    # sigma = sqrt((1 + 4 + 0) / 3) = sqrt(5 / 3)
    q = seasonal_naive_quantiles(SERIES, np.array([5]), 1, 3, ONE_SD, 6)  # (1, 1, 1, 3)
    assert q[0, 0, 0, 2] - q[0, 0, 0, 1] == pytest.approx(math.sqrt(5 / 3), rel=1e-12)
    assert q[0, 0, 0, 1] - q[0, 0, 0, 0] == pytest.approx(math.sqrt(5 / 3), rel=1e-12)


def test_seasonal_naive_sd_grows_by_sqrt_2_after_one_season_and_the_median_is_the_point():
    """Steps 1..3 have sd sigma, steps 4..6 sigma * sqrt(2), steps 7..9 sigma * sqrt(3)."""
    origins = np.array([2, 3])
    q = seasonal_naive_quantiles(SERIES, origins, 9, 3, ONE_SD, 6)  # (2, 9, 1, 3)
    np.testing.assert_array_equal(q[..., 1], seasonal_naive(SERIES, origins, 9, 3))
    sd = q[..., 2] - q[..., 1]  # (2, 9, 1)
    sigma = math.sqrt(5 / 3)
    expected = sigma * np.sqrt([1, 1, 1, 2, 2, 2, 3, 3, 3])
    np.testing.assert_allclose(sd[:, :, 0], np.tile(expected, (2, 1)), rtol=1e-12)


def test_seasonal_naive_quantiles_per_target_and_short_training():
    """Each target has its own sigma; with train_end <= period the lag (and its growth) is 1."""
    y = np.hstack([SERIES, 10 * SERIES])  # (rows, 2)
    q = seasonal_naive_quantiles(y, np.array([5]), 2, 3, ONE_SD, 6)  # (1, 2, 2, 3)
    sd = q[0, 0, :, 2] - q[0, 0, :, 1]  # (2,)
    np.testing.assert_allclose(sd, [math.sqrt(5 / 3), 10 * math.sqrt(5 / 3)], rtol=1e-12)
    # train_end 3 <= period 3: residuals y[1:3] - y[0:2] = [1, 1] -> sigma 1; sd 1, sqrt(2) at steps 1, 2
    q = seasonal_naive_quantiles(SERIES, np.array([5]), 2, 3, ONE_SD, 3)  # (1, 2, 1, 3)
    np.testing.assert_allclose(q[0, :, 0, 2] - q[0, :, 0, 1], [1.0, math.sqrt(2)], rtol=1e-12)


def test_seasonal_naive_quantiles_nan_in_training_makes_that_target_nan():
    """A NaN in a target's training rows gives that target NaN quantiles, the other target none."""
    y = np.hstack([SERIES, SERIES])  # (rows, 2)
    y[1, 1] = np.nan
    q = seasonal_naive_quantiles(y, np.array([8]), 2, 3, ONE_SD, 6)  # (1, 2, 2, 3)
    assert np.isnan(q[..., 1, :]).all() and not np.isnan(q[..., 0, :]).any()


def test_seasonal_naive_quantiles_errors():
    """Bad arguments are errors that name the argument and the fix."""
    with pytest.raises(ConfigError, match=re.escape("origins must lie in rows 2 to 10 (one season of history for ")):
        seasonal_naive_quantiles(SERIES, np.array([1, 4]), 2, 3, ONE_SD, 6)
    msg = "train_end=1 must be an integer from 2 to 11 (the rows of y): sigma needs at least one in-sample residual."
    with pytest.raises(ConfigError, match=re.escape(msg)):
        seasonal_naive_quantiles(SERIES, np.array([5]), 2, 3, ONE_SD, 1)
    with pytest.raises(ConfigError, match=re.escape("horizon=0 must be a positive integer.")):
        seasonal_naive_quantiles(SERIES, np.array([5]), 0, 3, ONE_SD, 6)
    with pytest.raises(DataError, match=re.escape("y has shape (11,): seasonal_naive_quantiles needs the series")):
        seasonal_naive_quantiles(SERIES[:, 0], np.array([5]), 2, 3, ONE_SD, 6)


# NaN honesty
def test_nan_in_y_makes_every_metric_nan():
    """A missing actual value is never scored as 0 or as 'not covered'."""
    y = Y.copy()
    y[1, 0, 0] = np.nan
    assert math.isnan(pinball(y, Q, TAUS)) and math.isnan(crps(y, Q, TAUS))
    assert math.isnan(coverage(y, LO, HI)) and math.isnan(winkler(y, LO, HI, 80))
    assert all(math.isnan(v) for k, v in interval_metrics(y, Q, TAUS, [80], 1.0).items() if k != "width_80")
    row = calibration_table(y, Q, TAUS, [80]).iloc[0]
    assert math.isnan(row["coverage"]) and math.isnan(row["below"]) and math.isnan(row["above"])
    assert quantile_calibration(y, Q, TAUS)["observed"].isna().all()


def test_nan_in_one_quantile_makes_nan_what_reads_it():
    """A NaN median spoils the whole-distribution scores, not the 80% interval's."""
    q = Q.copy()
    q[0, 0, 0, 1] = np.nan
    out = interval_metrics(Y, q, TAUS, [80], 1.0)
    assert math.isnan(out["pinball"]) and math.isnan(out["scaled_crps"])
    assert out["coverage_80"] == 0.5
    assert quantile_calibration(Y, q, TAUS)["observed"].isna().tolist() == [False, True, False]
    q[1, 0, 0, 0] = np.nan  # now a lower bound too
    assert math.isnan(width(*interval_pair(q, TAUS, 80))) and math.isnan(coverage(Y, *interval_pair(q, TAUS, 80)))


# Input checks
def test_mismatched_shapes_name_both():
    with pytest.raises(
        DataError,
        match=re.escape(
            "q has shape (2, 1, 1, 2) but y has shape (2, 1, 1) and taus has 3 levels: q must have shape (2, 1, 1, 3)."
        ),
    ):
        pinball(Y, Q[..., :2], TAUS)
    with pytest.raises(
        DataError, match=re.escape("lo has shape (1, 1, 1) but y has shape (2, 1, 1): they must match.")
    ):
        coverage(Y, LO[:1], HI)
    with pytest.raises(DataError, match=re.escape("hi has shape (2,) but lo has shape (2, 1, 1): they must match.")):
        width(LO, HI.ravel())


@pytest.mark.parametrize(
    "taus", [[0.5, 0.1, 0.9], [0.1, 0.1, 0.9], [0.0, 0.5, 0.9], [0.1, 0.5, 1.0], [0.1, np.nan, 0.9]]
)
def test_taus_must_be_increasing_and_inside_0_1(taus):
    shown = "[" + ", ".join(repr(float(t)) for t in taus) + "]"
    msg = f"taus={shown} must be increasing quantile levels strictly between 0 and 1, e.g. [0.1, 0.5, 0.9]."
    with pytest.raises(ConfigError, match=re.escape(msg)):
        pinball(Y, Q, taus)


def test_level_must_be_a_percentage():
    with pytest.raises(
        ConfigError, match=re.escape("level=100 must be a percentage strictly between 0 and 100, e.g. 80.")
    ):
        winkler(Y, LO, HI, 100)
    with pytest.raises(ConfigError, match=re.escape("level='80' must be a percentage")) as info:
        interval_pair(Q, TAUS, "80")
    assert isinstance(info.value, ValueError)


def test_metrics_are_deterministic():
    """The same inputs give bit-identical results."""
    rng = np.random.default_rng(1)
    y = rng.normal(size=(5, 3, 2))
    q = np.sort(rng.normal(size=(5, 3, 2, 3)), axis=-1)
    assert interval_metrics(y, q, TAUS, [80], 1.3) == interval_metrics(y.copy(), q.copy(), TAUS, [80], 1.3)
