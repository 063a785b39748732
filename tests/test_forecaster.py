import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster, datasets
from lstmcast.errors import ConfigError, DataError, NotFittedError, TooShortError

SMALL = dict(window=6, units=8, epochs=3, batch_size=8, test=0.2, ensemble=1, combine=False)  # the network alone


def test_predict_before_fit():
    with pytest.raises(NotFittedError) as e:
        Forecaster().predict()
    assert str(e.value) == "This Forecaster is not fitted yet: call fit(data, target=...) first, or load a saved model."


def test_init_stores_arguments_unchanged():
    units = (4, 3)
    m = Forecaster(units=units, window=7)
    assert m.get_params()["units"] is units
    assert repr(m) == "Forecaster(window=7, units=(4, 3))"


def test_fit_returns_self_and_forecasts_future_timestamps():
    air = datasets.load("airpassengers")
    m = Forecaster(horizon=3, **SMALL)
    assert m.fit(air) is m
    out = m.predict()
    assert list(out.index) == list(pd.date_range("1961-01-01", periods=3, freq="MS"))
    assert list(out.columns) == ["passengers"]
    assert np.isfinite(out.to_numpy()).all()


def test_scaler_sees_training_rows_only():
    y = np.concatenate([np.linspace(0, 1, 80), np.full(20, 1000.0)])
    m = Forecaster(**SMALL).fit(y)
    assert m.transforms_.scaler.to_dict()["scale"] == [1.0]  # max 1, min 0 on the 80 training rows


def test_too_short_names_rows_needed():
    with pytest.raises(TooShortError) as e:
        Forecaster(window=10, horizon=2, test=0.2).fit(np.arange(12.0))
    assert str(e.value) == (
        "window=10 and horizon=2 need a training part of at least 12 rows and at least 2 row(s) in each held-out "
        "part: the data needs 15 rows, got 12; use a shorter window or horizon, a smaller test/validation part, "
        "or more data."
    )


def test_direct_model_refuses_longer_horizon():
    m = Forecaster(horizon=2, **SMALL).fit(datasets.load("sine", length=100))
    with pytest.raises(ConfigError, match="horizon=5 is longer than the horizon=2"):
        m.predict(horizon=5)


def test_recursive_refuses_past_only_features():
    """Feeding forecasts back needs every input at future steps: past-only columns would leak realised values."""
    df = pd.DataFrame({"y": np.sin(np.arange(120) / 5), "x": np.cos(np.arange(120) / 5)})
    with pytest.raises(ConfigError) as e:
        Forecaster(strategy="recursive", **SMALL).fit(df, target="y", features=["x"])
    assert str(e.value) == (
        "strategy='recursive' cannot use past-only features ['x']: forecasting step by step needs their values "
        "after the forecast origin, which are unknown. Pass columns whose future values you know as future=[...], "
        "or use strategy='direct'."
    )


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_known_future_columns_need_their_future_values(strategy):
    days = pd.date_range("2020-01-01", periods=120, freq="D", name="day")
    df = pd.DataFrame({"y": np.sin(np.arange(120) / 5), "x": np.cos(np.arange(120) / 5)}, index=days)
    m = Forecaster(strategy=strategy, horizon=3, **SMALL).fit(df, target="y", future=["x"])
    with pytest.raises(DataError) as e:
        m.predict()
    assert str(e.value) == (
        "this model reads covariates known in advance ['x']: pass future= a table with those columns for the 3 "
        "forecast step(s) (from 2020-04-30)."
    )
    future = pd.DataFrame({"x": [0.1, 0.2, 0.3]})  # in order, no timestamps
    out = m.predict(future=future)
    assert out.shape == (3, 1) and list(out.index) == list(pd.date_range("2020-04-30", periods=3))
    by_date = future.set_index(pd.date_range("2020-04-30", periods=3)).iloc[::-1]  # matched by timestamp
    assert m.predict(future=by_date).equals(out)
    other = m.predict(future=future.assign(x=[0.9, -0.9, 0.5]))
    assert not np.allclose(out.to_numpy(), other.to_numpy())  # the future values reach the forecast
    with pytest.raises(DataError, match="future= has no row for 2020-05-01"):
        m.predict(future=pd.DataFrame({"x": [1.0]}, index=pd.date_range("2020-04-30", periods=1)))
    with pytest.raises(DataError) as e:  # text in a covariate: named with its row, not a bare ValueError
        m.predict(future=pd.DataFrame({"x": [0.1, "yes", 0.3]}))
    assert str(e.value.args[0]) == (
        "future= column 'x' is not numeric (dtype object): value 'yes' at row 1; convert it to numbers or choose "
        "another column."
    )


def test_static_attributes_are_refused_for_one_table():
    with pytest.raises(ConfigError, match=r"static=\['store'\]: static attributes describe each of many series"):
        Forecaster(**SMALL).fit(np.arange(50.0), static=["store"])


def test_differencing_and_log_forecast_on_original_scale():
    air = datasets.load("airpassengers")
    m = Forecaster(log=True, difference=12, horizon=4, **SMALL).fit(air)
    out = m.predict()
    assert (out["passengers"] > 200).all() and (out["passengers"] < 1000).all()
    ins = m.predict_in_sample()
    assert set(ins["part"]) == {"train", "test"}
    assert ins.index[0] == air.index[12 + 6]  # first window after the differencing lag


def test_evaluate_reports_baselines_on_original_scale():
    m = Forecaster(**SMALL).fit(datasets.load("sine", length=300))
    ev = m.evaluate(warn=False)
    assert list(ev.table.index) == ["model", "naive", "seasonal_naive", "drift", "mean"]
    assert list(ev.table.columns) == ["mse", "rmse", "mae", "mape", "smape", "mase"]
    assert ev.n_windows == 60 and ev.scaled_mse > 0
    naive_mae = np.mean(np.abs(np.diff(datasets.load("sine", length=300).to_numpy()[239:])))
    assert ev.table.loc["naive", "mae"] == pytest.approx(naive_mae)


def test_predict_from_newer_data():
    sine = datasets.load("sine", length=200)
    m = Forecaster(**SMALL).fit(sine.iloc[:150])
    newer = m.predict(data=sine.iloc[:200])
    assert list(newer.index) == [200]
    same = m.predict(data=sine.iloc[:150])
    assert same.equals(m.predict())


def test_same_seed_same_forecast_bits():
    sine = datasets.load("sine", length=200)
    a = Forecaster(seed=3, **SMALL).fit(sine).predict_in_sample()
    b = Forecaster(seed=3, **SMALL).fit(sine).predict_in_sample()
    assert a.equals(b)


def test_filling_is_reported_as_a_warning():
    from lstmcast.errors import DataFilledWarning

    y = datasets.load("airpassengers").drop(index=pd.Timestamp("1955-03-01"))
    with pytest.warns(DataFilledWarning, match=r"fill='interpolate' filled: 1 missing timestamps, 1 passengers\."):
        m = Forecaster(fill="interpolate", **SMALL).fit(y)
    assert len(m.series_) == 144


def test_split_by_dates():
    from lstmcast.data import load_series, make_split

    s = load_series(datasets.load("airpassengers"))
    split = make_split(len(s), s.index, test="1959-01", validation="1958-01")
    assert (split.train_end, split.val_end, split.n) == (108, 120, 144)
    m = Forecaster(**{**SMALL, "test": "1960-01", "validation": "1959-01"}).fit(datasets.load("airpassengers"))
    assert m.predict_in_sample().query("part == 'test'").index[0] == pd.Timestamp("1960-01-01")
    assert m.history_.val_loss  # validation loss every epoch


def test_evaluating_a_model_trained_on_every_row_says_how_to_score_it():
    m = Forecaster(**{**SMALL, "test": 0}).fit(datasets.load("sine", length=100))
    with pytest.raises(DataError) as e:
        m.evaluate()
    assert str(e.value) == (
        "the test part holds no window: this model trained on every row; fit with test= set (e.g. test=0.2, "
        "--test 0.2) to hold rows out, or score the configuration with backtest() (lstmcast backtest)."
    )


def test_newer_history_with_a_value_log_cannot_take_is_named():
    """A log model given newer history with 0 where a forecast reads it: value, time and row, not a NaN forecast."""
    from lstmcast.errors import TransformError

    air = datasets.load("airpassengers")
    model = Forecaster(**{**SMALL, "test": 0}, log=True, difference=0).fit(air)
    newer = air.copy()
    newer.iloc[-3] = 0.0
    with pytest.raises(
        TransformError,
        match=r"column 'passengers' has 1 value\(s\) <= 0, first 0.0 at 1960-10-01 \(row 141\); this model "
        r"forecasts log values, so the rows it reads must be positive\.$",
    ):
        model.predict(data=newer)
    newer.iloc[0] = -5.0  # outside the rows the forecast reads: no effect on it
    newer.iloc[-3] = air.iloc[-3]
    assert np.isfinite(model.predict(data=newer).to_numpy()).all()
