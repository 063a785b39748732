"""The naive baselines and the scoring report give the values worked out by hand."""

import warnings

import numpy as np
import pytest

from lstmcast.evaluate.baselines import baseline_forecasts, drift, mean, naive, seasonal_naive
from lstmcast.evaluate.report import ModelDoesNotBeatBaselineWarning, score

# Two targets, rows 0..9:
#   row:   0   1   2   3   4   5   6   7   8   9
#   col 0: 1   2   4   7  11  16  22  29  37  46
#   col 1: 5   3   8   1   9   2   7   4   6   0
Y = np.array(
    [[1, 5], [2, 3], [4, 8], [7, 1], [11, 9], [16, 2], [22, 7], [29, 4], [37, 6], [46, 0]],
    dtype=np.float64,
)
ORIGINS = np.array([3, 5])
H = 4


def test_naive_repeats_the_last_value():
    """Naive: y[origin] for every step, per target."""
    # origin 3 -> (7, 1); origin 5 -> (16, 2)
    expected = np.array([[[7, 1]] * 4, [[16, 2]] * 4], dtype=np.float64)
    got = naive(Y, ORIGINS, H)
    assert got.shape == (2, 4, 2)
    np.testing.assert_array_equal(got, expected)


def test_seasonal_naive_horizon_longer_than_period():
    """Seasonal naive at step h reads y[origin + h - m * ceil(h / m)], going back two seasons once h > m."""
    # m = 3, h = 1..4 -> m * ceil(h / m) = [3, 3, 3, 6]
    # origin 3: rows 3 + h - back = [1, 2, 3, 1]; origin 5: rows [3, 4, 5, 3]
    expected = np.array(
        [
            [[2, 3], [4, 8], [7, 1], [2, 3]],  # y[1], y[2], y[3], y[1]
            [[7, 1], [11, 9], [16, 2], [7, 1]],  # y[3], y[4], y[5], y[3]
        ],
        dtype=np.float64,
    )
    np.testing.assert_array_equal(seasonal_naive(Y, ORIGINS, H, period=3), expected)


def test_seasonal_naive_several_seasons_ahead():
    """With h up to 2.5 seasons the forecast cycles through the last season seen."""
    # m = 2, origin 4, h = 1..5 -> back = 2 * ceil(h / 2) = [2, 2, 4, 4, 6] -> rows [3, 4, 3, 4, 3]
    got = seasonal_naive(Y, np.array([4]), 5, period=2)
    np.testing.assert_array_equal(got[0, :, 0], [7, 11, 7, 11, 7])
    np.testing.assert_array_equal(got[0, :, 1], [1, 9, 1, 9, 1])


def test_seasonal_naive_with_period_one_is_naive():
    """Period 1 reads back ceil(h) = h rows: always the origin's value."""
    np.testing.assert_array_equal(seasonal_naive(Y, ORIGINS, H, period=1), naive(Y, ORIGINS, H))


def test_drift_extends_the_line_through_first_and_last():
    """Drift: y[o] + h * (y[o] - y[0]) / o, per target."""
    # origin 3: slopes ((7 - 1) / 3, (1 - 5) / 3) = (2, -4/3)
    #   col 0: 7 + 2h = 9, 11, 13, 15;  col 1: 1 - 4h/3 = -1/3, -5/3, -3, -13/3
    # origin 5: slopes ((16 - 1) / 5, (2 - 5) / 5) = (3, -0.6)
    #   col 0: 16 + 3h = 19, 22, 25, 28;  col 1: 2 - 0.6h = 1.4, 0.8, 0.2, -0.4
    expected = np.array(
        [
            [[9, -1 / 3], [11, -5 / 3], [13, -3], [15, -13 / 3]],
            [[19, 1.4], [22, 0.8], [25, 0.2], [28, -0.4]],
        ]
    )
    np.testing.assert_allclose(drift(Y, ORIGINS, H), expected, rtol=0, atol=1e-14)


def test_drift_at_the_first_row_is_flat():
    """At origin 0 there is no line yet: the slope is 0, not a division by zero."""
    np.testing.assert_array_equal(drift(Y, np.array([0]), 3), [[[1, 5], [1, 5], [1, 5]]])


def test_mean_of_the_history_up_to_the_origin():
    """Mean: the average of rows 0..origin, included, per target."""
    # origin 3: col 0 (1 + 2 + 4 + 7) / 4 = 3.5;  col 1 (5 + 3 + 8 + 1) / 4 = 4.25
    # origin 5: col 0 (14 + 11 + 16) / 6 = 41/6;  col 1 (17 + 9 + 2) / 6 = 14/3
    expected = np.array([[[3.5, 4.25]] * 4, [[41 / 6, 14 / 3]] * 4])
    np.testing.assert_allclose(mean(Y, ORIGINS, H), expected, rtol=0, atol=1e-14)


def test_baseline_forecasts_has_every_baseline():
    """baseline_forecasts returns each baseline's forecasts, with the period passed to seasonal naive."""
    got = baseline_forecasts(Y, ORIGINS, H, 3)
    assert sorted(got) == ["drift", "mean", "naive", "seasonal_naive"]
    np.testing.assert_array_equal(got["naive"], naive(Y, ORIGINS, H))
    np.testing.assert_array_equal(got["seasonal_naive"], seasonal_naive(Y, ORIGINS, H, 3))
    np.testing.assert_array_equal(got["drift"], drift(Y, ORIGINS, H))
    np.testing.assert_array_equal(got["mean"], mean(Y, ORIGINS, H))


# score(): one target, period 2, rows 0..7
#   row: 0  1  2  3  4  5  6   7
#   y:   0  4  2  6  4  8  6  10
# MASE scale from the rows before train_end = 6: lag-2 differences of [0, 4, 2, 6, 4, 8]
#   = |2-0|, |6-4|, |4-2|, |8-6| = 2, 2, 2, 2 -> scale 2
# origins [4, 5], horizon 2 -> actuals: origin 4 -> y[5], y[6] = [8, 6]; origin 5 -> y[6], y[7] = [6, 10]
# seasonal naive (m = 2, back [2, 2]): origin 4 -> y[3], y[4] = [6, 4]; origin 5 -> y[4], y[5] = [4, 8]
#   |errors| [2, 2, 2, 2] -> MAE 2 -> MASE 1
# naive: [4, 4], [8, 8] -> |errors| [4, 2, 2, 2] -> MAE 2.5 -> MASE 1.25
# drift: origin 4 slope (4 - 0) / 4 = 1 -> [5, 6]; origin 5 slope (8 - 0) / 5 = 1.6 -> [9.6, 11.2]
#   |errors| [3, 0, 3.6, 1.2] -> MAE 7.8 / 4 = 1.95 -> MASE 0.975
# mean: origin 4 (0+4+2+6+4) / 5 = 3.2; origin 5 (16 + 8) / 6 = 4
#   |errors| [4.8, 2.8, 2, 6] -> MAE 15.6 / 4 = 3.9 -> MASE 1.95
# best baseline by MAE: drift (1.95)
S_Y = np.array([0, 4, 2, 6, 4, 8, 6, 10], dtype=np.float64)[:, None]
S_ORIGINS = np.array([4, 5])


def test_score_model_beating_seasonal_naive():
    """score() puts the model's MASE next to each baseline's, picks the best baseline by MAE, and gives the skill."""
    # model: [8, 7], [6, 9] -> errors [0, -1], [0, 1] -> MAE 0.5 -> MASE 0.25; MSE 2 / 4 = 0.5
    model = np.array([[[8.0], [7.0]], [[6.0], [9.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelDoesNotBeatBaselineWarning)
        ev = score(S_Y, S_ORIGINS, model, train_end=6, period=2)
    assert (ev.period, ev.n_windows, ev.horizon) == (2, 2, 2)
    assert ev.table.loc["model", "mae"] == 0.5
    assert ev.table.loc["model", "mse"] == 0.5
    assert ev.table.loc["model", "mase"] == 0.25
    mase = ev.table["mase"]
    assert mase["seasonal_naive"] == 1.0
    assert mase["naive"] == 1.25
    assert mase["drift"] == pytest.approx(0.975, rel=1e-14)
    assert mase["mean"] == pytest.approx(1.95, rel=1e-14)
    assert ev.best_baseline == "drift"
    assert ev.beats_seasonal_naive is True
    # skill = 1 - 0.5 / 1.95 = 29/39
    assert ev.skill == pytest.approx(29 / 39, rel=1e-14)


def test_score_model_losing_to_seasonal_naive_warns():
    """A model whose MASE is not below seasonal naive's is flagged, warned about, and has negative skill."""
    # model = the naive forecast: MAE 2.5, MASE 1.25 > 1
    model = np.array([[[4.0], [4.0]], [[8.0], [8.0]]])
    with pytest.warns(ModelDoesNotBeatBaselineWarning, match=r"MASE 1\.250 vs 1\.000, period 2"):
        ev = score(S_Y, S_ORIGINS, model, train_end=6, period=2)
    assert ev.table.loc["model", "mase"] == 1.25
    assert ev.beats_seasonal_naive is False
    assert ev.best_baseline == "drift"
    # skill = 1 - 2.5 / 1.95 = -11/39
    assert ev.skill == pytest.approx(-11 / 39, rel=1e-14)
