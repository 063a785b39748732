"""Rolling-origin backtests of one global model over many series (NeuralForecast's cross-validation shape)."""

import json

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.data.panel_load import load_panel
from lstmcast.errors import ConfigError, TooShortError
from lstmcast.evaluate.metrics import mase_scale
from lstmcast.evaluate.panel_backtest import PanelBacktest, run_panel_backtest
from lstmcast.forecaster import Forecaster as F

LENGTHS = {"s0": 40, "s1": 48, "s2": 60, "s3": 20}  # s3 is too short for the first of 3 folds (window 12)
H = 3


def model(**kw):
    kw = {"combine": False, **kw}  # each fold's network alone: the combination is test_panel_combination.py's
    return Forecaster(units=8, epochs=2, ensemble=1, verbose=0, seed=0, horizon=H, window=12, **kw)


def panel_frame(lengths=LENGTHS, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for i, (sid, n) in enumerate(lengths.items()):
        t = np.arange(n)
        level = rng.uniform(10, 1000)
        y = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 0.05 * level, n)
        ds = pd.date_range("2015-01-01", periods=n, freq="MS") + pd.DateOffset(months=i)  # different ends
        frames.append(pd.DataFrame({"unique_id": sid, "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


DF = panel_frame()


@pytest.fixture(scope="module")
def bt():
    return run_panel_backtest(model(), DF, folds=3)


def test_predictions_have_the_cross_validation_shape(bt):
    p = bt.predictions
    assert list(p.columns) == ["unique_id", "ds", "cutoff", "y", "forecast"]
    # 3 series x 3 folds x 3 steps, and s3 in the last 2 folds only
    assert len(p) == 3 * 3 * H + 2 * H
    assert np.isfinite(p["forecast"]).all()
    for sid, n in LENGTHS.items():
        g = p[p.unique_id == sid]
        times = DF[DF.unique_id == sid].set_index("ds")["y"]
        cuts = [c for c in (n - 9, n - 6, n - 3) if c >= 12]  # rows before each cut; a forecast reads 12
        assert g["cutoff"].drop_duplicates().tolist() == [times.index[c - 1] for c in cuts]
        assert g["ds"].tolist() == [times.index[c + h] for c in cuts for h in range(H)]
        assert np.array_equal(g["y"].to_numpy(), times.loc[g["ds"]].to_numpy())  # the actual values, unchanged
    assert bt.overall["left_out"] == [1, 0, 0]
    assert bt.metrics.set_index("unique_id")["forecasts"].to_dict() == {"s0": 3, "s1": 3, "s2": 3, "s3": 2}


def test_per_series_metrics_by_hand(bt):
    sid, n = "s1", LENGTHS["s1"]
    y = DF[DF.unique_id == sid]["y"].to_numpy()
    g = bt.predictions[bt.predictions.unique_id == sid]
    err = g["forecast"].to_numpy() - g["y"].to_numpy()
    scale = np.mean(np.abs(y[12 : n - 9] - y[: n - 9 - 12]))  # seasonal naive in sample, before the first cut
    assert scale == pytest.approx(mase_scale(y[: n - 9], 12))
    naive = np.concatenate([y[c - 12 : c - 12 + H] for c in (n - 9, n - 6, n - 3)])  # one season back
    naive_mae = np.mean(np.abs(naive - g["y"].to_numpy()))
    row = bt.metrics.set_index("unique_id").loc[sid]
    assert row["mae"] == pytest.approx(np.mean(np.abs(err)))
    assert row["rmse"] == pytest.approx(np.sqrt(np.mean(err**2)))
    assert row["mase"] == pytest.approx(np.mean(np.abs(err)) / scale)
    assert row["seasonal_naive_mae"] == pytest.approx(naive_mae)
    assert row["seasonal_naive_mase"] == pytest.approx(naive_mae / scale)
    # s3 joins at fold 1: its scale comes from its rows before that cut
    y3 = DF[DF.unique_id == "s3"]["y"].to_numpy()
    row3 = bt.metrics.set_index("unique_id").loc["s3"]
    assert row3["seasonal_naive_mase"] == pytest.approx(row3["seasonal_naive_mae"] / mase_scale(y3[:14], 12))


def test_overall_pools_the_series(bt):
    m, o = bt.metrics, bt.overall
    p = bt.predictions
    assert o["mae"] == pytest.approx(np.mean(np.abs(p["forecast"] - p["y"])))
    assert o["mase"] == pytest.approx(m["mase"].mean())
    assert o["seasonal_naive_mase"] == pytest.approx(m["seasonal_naive_mase"].mean())
    assert o["relative_mase"] == pytest.approx(np.exp(np.mean(np.log(m["mase"] / m["seasonal_naive_mase"]))))
    assert o["wins"] == int((m["mase"] < m["seasonal_naive_mase"]).sum())
    assert (o["series"], o["folds"], o["forecasts"], o["period"]) == (4, 3, 11, 12)
    assert "\n" not in repr(bt) and repr(bt).startswith("PanelBacktest(4 series x 3 folds of 3 step(s), 1 series-fold")
    json.dumps(bt.to_dict())


def test_folds_hold_each_folds_figures(bt):
    p, f = bt.predictions, bt.folds
    assert list(f["fold"]) == [0, 1, 2] and list(f["series"]) == [3, 4, 4]  # s3 joins at fold 1
    # a series' k-th cutoff from the end is in fold 2 - k (a short series joins late)
    by_series = p.groupby("unique_id")["cutoff"]
    fold = 3 - (by_series.rank(method="dense", ascending=False)).astype(int)
    for i, row in f.iterrows():
        rows = p[fold == i]
        assert row["mae"] == pytest.approx(np.mean(np.abs(rows["forecast"] - rows["y"])))
        assert (row["first_cutoff"], row["last_cutoff"]) == (rows["cutoff"].min(), rows["cutoff"].max())
    assert f["mase"].notna().all()


def test_refit_false_fits_once_and_matches_the_first_fold(bt, monkeypatch):
    calls = []
    original = F.fit

    def counting(self, data, *a, **kw):
        calls.append(data.lengths.tolist())
        return original(self, data, *a, **kw)

    monkeypatch.setattr(F, "fit", counting)
    once = run_panel_backtest(model(), load_panel(DF), folds=3, refit=False)
    assert calls == [[40 - 9, 48 - 9, 60 - 9, 20 - 9]]  # each series' rows before its first cut
    fold0 = bt.predictions.unique_id != "s3"  # s3 joins at fold 1, forecast by the refit there
    first, once_first = (p[fold0].groupby("unique_id").head(H) for p in (bt.predictions, once.predictions))
    assert once_first.equals(first)  # the same fit, the same forecast bits
    later = ~bt.predictions.index.isin(first.index)
    assert not np.array_equal(once.predictions["forecast"][later], bt.predictions["forecast"][later])
    assert once.predictions[["unique_id", "ds", "cutoff", "y"]].equals(
        bt.predictions[["unique_id", "ds", "cutoff", "y"]]
    )
    assert once.overall["refit"] == [True, False, False]
    calls.clear()
    run_panel_backtest(model(), DF, folds=2, refit=True)
    assert calls == [[40 - 6, 48 - 6, 60 - 6, 20 - 6], [40 - 3, 48 - 3, 60 - 3, 20 - 3]]


def test_several_targets_and_own_names():
    df = DF[DF.unique_id != "s3"].rename(columns={"unique_id": "store", "ds": "month", "y": "sales"})
    df["visits"] = df["sales"] * 0.1 + 5
    out = run_panel_backtest(model(), df, folds=1, id="store", time="month", target=["sales", "visits"])
    cols = ["store", "month", "cutoff", "sales", "visits", "sales_forecast", "visits_forecast"]
    assert list(out.predictions.columns) == cols and len(out.predictions) == 3 * H
    assert out.predictions["visits"].to_numpy() == pytest.approx(out.predictions["sales"].to_numpy() * 0.1 + 5)


def test_an_unchanging_series_has_no_mase_and_json_says_none():
    df = panel_frame({"a": 40, "b": 44})
    df.loc[df.unique_id == "b", "y"] = 7.0
    out = run_panel_backtest(model(), df, folds=1)
    row = out.metrics.set_index("unique_id").loc["b"]
    assert np.isnan(row["mase"]) and out.overall["mase_undefined"] == 1
    assert out.to_dict()["metrics"][1]["mase"] is None
    assert out.overall["mase"] == pytest.approx(out.metrics["mase"].iloc[0])  # the other series' alone


@pytest.mark.parametrize(
    "kw,error,message",
    [
        ({"folds": 0}, ConfigError, "folds=0 must be a positive integer."),
        ({"step": 0}, ConfigError, "step=0 must be a positive integer."),
        ({"step": 2}, ConfigError, "step=2 must be at least the horizon=3, so each fold holds a whole forecast."),
        (
            {"refit": "sometimes"},
            ConfigError,
            "refit='sometimes' must be True, False, or a positive integer k (refit every k folds).",
        ),
        (
            {"folds": 17},
            TooShortError,
            "folds=17 x step=3 leave 9 rows before the first cut of the longest series 's2' (60 rows), but a fold "
            "needs at least 15 (window=12 + horizon=3 to train, seasonal_period=12 for seasonal naive): the longest "
            "series needs 66 rows; use fewer folds, a smaller step, or more data.",
        ),
    ],
)
def test_errors_say_what_to_change(kw, error, message):
    with pytest.raises(error) as info:
        run_panel_backtest(model(), DF, **kw)
    assert str(info.value) == message


def test_a_target_named_like_a_result_column_is_refused():
    with pytest.raises(Exception) as info:
        run_panel_backtest(model(), DF.rename(columns={"y": "cutoff"}), target="cutoff")
    assert str(info.value) == (
        "column 'cutoff' would appear twice in the backtest's predictions (unique_id, ds, cutoff, cutoff, forecast): "
        "rename that column of the data, or pass alias= another forecast column name."
    )


def test_the_result_is_frozen(bt):
    assert isinstance(bt, PanelBacktest)
    with pytest.raises(AttributeError):
        bt.overall = {}
