"""The point-forecast metrics give the values worked out by hand on tiny arrays."""

import math

import numpy as np
import pytest

from lstmcast.evaluate.metrics import all_metrics, mae, mape, mase_scale, mse, rmse, smape

# The running example: y = [1, 2, 4], p = [2, 2, 2] -> errors y - p = [-1, 0, 2].
Y = [1.0, 2.0, 4.0]
P = [2.0, 2.0, 2.0]


def test_mse():
    """MSE is the mean of the squared errors."""
    # squares [1, 0, 4] -> 5 / 3
    assert mse(Y, P) == pytest.approx(5 / 3, rel=1e-15)


def test_rmse():
    """RMSE is the square root of the MSE."""
    # sqrt(5 / 3)
    assert rmse(Y, P) == pytest.approx(math.sqrt(5 / 3), rel=1e-15)


def test_mae():
    """MAE is the mean of the absolute errors."""
    # |errors| [1, 0, 2] -> 3 / 3 = 1
    assert mae(Y, P) == 1.0


def test_metrics_of_a_perfect_forecast_are_zero():
    """A forecast equal to the actuals scores 0 on every error metric."""
    y = [3.0, -1.0, 2.5]
    assert (mse(y, y), rmse(y, y), mae(y, y), mape(y, y), smape(y, y)) == (0.0, 0.0, 0.0, 0.0, 0.0)


def test_metrics_pool_every_element_of_any_shape():
    """Arrays of shape (n, H, targets) are scored over all their elements, not per row or column."""
    # y - p = [[-1, 0], [2, 1]] -> squares [1, 0, 4, 1] -> mse 6 / 4; |errors| sum 4 -> mae 1
    y = np.array([[[1.0], [2.0]], [[4.0], [3.0]]])
    p = np.array([[[2.0], [2.0]], [[2.0], [2.0]]])
    assert mse(y, p) == 1.5
    assert mae(y, p) == 1.0


def test_mape_in_percent():
    """MAPE is 100 * mean(|(y - p) / y|)."""
    # y = [2, 4, 5], p = [1, 5, 5] -> |e / y| = [1/2, 1/4, 0] -> mean 0.75 / 3 = 0.25 -> 25 %
    assert mape([2.0, 4.0, 5.0], [1.0, 5.0, 5.0]) == 25.0


def test_mape_divides_by_the_absolute_actual():
    """A negative actual gives a positive percentage error."""
    # y = [-2], p = [-1] -> |(-2 - -1) / -2| = 1/2 -> 50 %
    assert mape([-2.0], [-1.0]) == 50.0


def test_mape_of_integer_inputs():
    """Integer inputs are not truncated by integer division."""
    # y = [1, 2, 4], p = [2, 2, 2] -> |e / y| = [1, 0, 1/2] -> mean 1.5 / 3 = 0.5 -> 50 %
    assert mape([1, 2, 4], [2, 2, 2]) == 50.0


def test_mape_with_a_zero_actual_is_nan():
    """One zero actual makes MAPE undefined: NaN, not inf and not a number that skips it."""
    assert math.isnan(mape([0.0, 2.0], [1.0, 2.0]))
    assert math.isnan(mape([0.0], [0.0]))


def test_smape_in_percent():
    """sMAPE is 100 * mean(2|y - p| / (|y| + |p|))."""
    # y = [1, 2, 4], p = [2, 2, 2] -> [2*1/3, 0/4, 2*2/6] = [2/3, 0, 2/3] -> mean 4/9 -> 400/9 %
    assert smape(Y, P) == pytest.approx(400 / 9, rel=1e-15)


def test_smape_pairs_both_zero_count_zero():
    """A pair where actual and forecast are both 0 adds 0 to the mean (and still counts in it)."""
    # y = [0, 1], p = [0, 3] -> [0 (both 0), 2*2/4 = 1] -> mean 1/2 -> 50 %
    assert smape([0.0, 1.0], [0.0, 3.0]) == 50.0
    assert smape([0.0, 0.0], [0.0, 0.0]) == 0.0


def test_smape_is_at_most_200():
    """A zero actual with a nonzero forecast gives the maximum, 200 %."""
    # y = [0], p = [1] -> 2*1 / (0 + 1) = 2 -> 200 %; and opposite signs: 2*2 / (1 + 1) = 2
    assert smape([0.0], [1.0]) == 200.0
    assert smape([1.0], [-1.0]) == 200.0


def test_mase_scale_seasonal_lag():
    """The scale is the mean |train[t] - train[t - period]| over the training rows."""
    # train = [1, 3, 2, 6, 4], period 2 -> |[2, 6, 4] - [1, 3, 2]| = [1, 3, 2] -> mean 2
    assert mase_scale(np.array([1.0, 3.0, 2.0, 6.0, 4.0]), 2) == 2.0


def test_mase_scale_lag_one():
    """Period 1 is the in-sample naive forecast's MAE."""
    # |[3, 2, 6, 4] - [1, 3, 2, 6]| = [2, 1, 4, 2] -> 9 / 4
    assert mase_scale(np.array([1.0, 3.0, 2.0, 6.0, 4.0]), 1) == 2.25


def test_mase_scale_period_as_long_as_train_falls_back_to_lag_one():
    """A period not shorter than the training data leaves no seasonal pair, so lag 1 is used."""
    train = np.array([1.0, 3.0, 2.0, 6.0, 4.0])
    # len 5 is not > 5, nor > 12 -> lag 1 -> 9 / 4 as in test_mase_scale_lag_one
    assert mase_scale(train, 5) == 2.25
    assert mase_scale(train, 12) == 2.25
    # len 5 > 4 -> lag 4: one pair |4 - 1| = 3
    assert mase_scale(train, 4) == 3.0


def test_mase_scale_of_one_value_is_nan():
    """One training value has no difference to average: NaN."""
    assert math.isnan(mase_scale(np.array([5.0]), 1))
    assert math.isnan(mase_scale(np.array([5.0]), 7))


def test_mase_scale_of_a_constant_series_is_zero():
    """A constant training series has scale 0 (which all_metrics turns into a NaN MASE)."""
    assert mase_scale(np.array([2.0, 2.0, 2.0, 2.0]), 2) == 0.0


def test_all_metrics():
    """all_metrics gives every metric, and MASE = MAE / scale."""
    # the running example: mse 5/3, rmse sqrt(5/3), mae 1, mape [1, 0, 1/2] -> 50 %,
    # smape 400/9 %, mase 1 / 2 = 0.5
    got = all_metrics(Y, P, 2.0)
    assert list(got) == ["mse", "rmse", "mae", "mape", "smape", "mase"]
    assert got == pytest.approx(
        {"mse": 5 / 3, "rmse": math.sqrt(5 / 3), "mae": 1.0, "mape": 50.0, "smape": 400 / 9, "mase": 0.5}, rel=1e-15
    )


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan"), float("inf")])
def test_all_metrics_mase_nan_without_a_usable_scale(scale):
    """A zero, negative, NaN or infinite scale gives a NaN MASE; the other metrics are unaffected."""
    got = all_metrics(Y, P, scale)
    assert math.isnan(got["mase"])
    assert got["mae"] == 1.0
    assert got["mse"] == pytest.approx(5 / 3, rel=1e-15)
