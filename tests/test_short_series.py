"""Series shorter than the window still train and are forecast: left padding with a mask (issue 12)."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import lstmcast
from lstmcast import Forecaster
from lstmcast.data.panel_transforms import MIN_HISTORY, pad_left, with_mask
from lstmcast.data.panel_windows import forecast_rows, mask_column, window_starts
from lstmcast.errors import ModelFileError, ShortSeriesWarning, TooShortError
from lstmcast.io.saving import _digest
from lstmcast.strategies import get_strategy

WINDOW, H = 12, 3
SMALL = dict(units=8, epochs=2, ensemble=1, verbose=0, seed=0, window=WINDOW, horizon=H, combine=False)
LONG = {"a": 48, "b": 60, "c": 40}
SHORT = {"d": 10, "e": 6}  # shorter than the window: they train and are forecast only when padded


def frame(lengths, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for i, (sid, n) in enumerate(lengths.items()):
        t = np.arange(n)
        level = rng.uniform(10, 1000)
        y = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 0.02 * level, n)
        ds = pd.date_range("2015-01-01", periods=n, freq="MS") + pd.DateOffset(months=i)
        frames.append(pd.DataFrame({"unique_id": sid, "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


DF = frame({**LONG, **SHORT})


@pytest.fixture(scope="module")
def padded():
    return Forecaster(**SMALL).fit(DF)


@pytest.fixture(scope="module")
def padded_diff():
    """Differenced (lag 1) with a recursive strategy: the mask is fed back with each forecast."""
    return Forecaster(**SMALL, difference=1, strategy="recursive").fit(DF)


def test_pad_left_copies_the_first_valid_row_with_mask_zero():
    values = np.arange(10, dtype=np.float32).reshape(5, 2)  # series 0: rows 0-2, series 1: rows 3-4
    offsets = np.array([0, 3, 5])
    masked = with_mask(values, offsets, lag=1, at=1)  # (5, 3): target, mask, feature
    assert masked[:, 1].tolist() == [0, 1, 1, 0, 1]
    table, table_offsets = pad_left(masked, offsets, pad=2, lag=1, mask_at=1)
    assert table_offsets.tolist() == [0, 5, 9]
    # series 0: 2 copies + its own first (lag) row become copies of its row 1; series 1 likewise of row 4
    assert table[:, 0].tolist() == [2, 2, 2, 2, 4, 8, 8, 8, 8]
    assert table[:, 1].tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 1]
    assert table[:, 2].tolist() == [3, 3, 3, 3, 5, 9, 9, 9, 9]


def test_forecast_rows_pad_a_short_series_and_mark_the_forecast_steps_valid():
    values = with_mask(np.arange(20, dtype=np.float32)[:, None], np.array([0, 17, 20]), lag=1, at=1)
    block, starts = forecast_rows(values, np.array([0, 17, 20]), window=4, lag=1, steps=2, mask_at=1)
    block = block.reshape(2, 7, 2)
    assert block[0, :5, 0].tolist() == [12, 13, 14, 15, 16] and block[0, :5, 1].tolist() == [1] * 5
    assert block[1, :5, 0].tolist() == [18, 18, 18, 18, 19]  # 3 rows: row 17 has no difference, 18 is the first
    assert block[1, :5, 1].tolist() == [0, 0, 0, 1, 1]
    assert block[:, 5:, 1].tolist() == [[1, 1], [1, 1]] and starts.tolist() == [1, 8]


def test_short_series_train_and_every_series_is_forecast(padded):
    spec, panel = padded.spec_, padded.panel_
    assert mask_column(spec, panel) == 1 and spec.n_inputs == 2
    out = padded.predict()
    assert sorted(out.unique_id.unique()) == sorted({**LONG, **SHORT}) and len(out) == 5 * H
    assert np.isfinite(out.y).all()
    # the short series' windows are in the training set
    pad = WINDOW - MIN_HISTORY
    table_offsets = panel.offsets() + pad * np.arange(panel.n_series + 1)
    series = np.searchsorted(table_offsets, padded.starts_["train"], side="right") - 1
    assert {panel.ids[s] for s in series} == set(LONG) | set(SHORT)


@pytest.mark.parametrize("which", ["padded", "padded_diff"])
def test_padded_rows_never_reach_a_training_target(which, request):
    model = request.getfixturevalue(which)
    panel, spec, lag = model.panel_, model.spec_, model.config_["difference"]
    offsets, pad = panel.offsets(), WINDOW - MIN_HISTORY
    at = mask_column(spec, panel)
    table, table_offsets = pad_left(with_mask(model.values_, offsets, lag, at), offsets, pad, lag, at)
    starts = np.concatenate([model.starts_["train"], model.starts_["validation"]])
    series = np.searchsorted(table_offsets, starts, side="right") - 1
    local = starts - table_offsets[series]  # (n,) padded local row of each window's start
    targets = local[:, None] + WINDOW + np.arange(spec.horizon)[None, :]  # (n, horizon)
    assert np.all(table[table_offsets[series][:, None] + targets, at] == 1)  # real rows with a value
    assert np.all(targets < pad + panel.lengths[series][:, None])  # inside the series, never the next one
    assert np.all(local >= 0)
    # every window reads at least MIN_HISTORY valid rows, so a copied first row is never news to it
    valid = table[table_offsets[series][:, None] + local[:, None] + np.arange(WINDOW), at]  # (n, window)
    assert valid.sum(axis=1).min() >= MIN_HISTORY and np.all(np.diff(valid, axis=1) >= 0)


def test_a_panel_without_short_series_is_unchanged(tmp_path):
    df = frame(LONG)
    model = Forecaster(**SMALL).fit(df)
    spec, panel, lag = model.spec_, model.panel_, model.config_["difference"]
    assert mask_column(spec, panel) is None and spec.n_inputs == 1
    # the training windows of the unpadded table, exactly as before padding existed
    zero = np.zeros(panel.n_series, np.int64)
    expected = window_starts(panel.offsets(), zero + lag, model.ends_, WINDOW, spec.horizon)
    assert np.array_equal(model.starts_["train"], expected)
    # the forecast: each series' last window of values_, no mask column, no padding
    block, starts = forecast_rows(model.values_, panel.offsets(), WINDOW, lag, spec.horizon)
    z = get_strategy("direct").forecast(model.params_, spec, model.loss_, block, starts, H)[0]  # (S, H, 1)
    history = model.transforms_.history_levels(panel.stacked()[:, :1], panel.offsets()[1:] - 1)
    reference = model.transforms_.to_original(z, np.arange(panel.n_series), history)
    assert np.array_equal(model.predict()["y"].to_numpy(), reference.ravel())
    model.save(tmp_path / "m")
    assert "mask" not in json.loads((tmp_path / "m" / "model.json").read_text())["panel"]


def test_short_series_in_newer_data_seen_and_unseen(padded):
    seen = DF[DF.unique_id.isin(["a", "d"])]
    out = padded.predict(data=seen)
    full = padded.predict()
    assert np.array_equal(out["y"].to_numpy(), full[full.unique_id.isin(["a", "d"])]["y"].to_numpy())
    new = frame({"new": 5}, seed=3).assign(unique_id="new")
    fresh = padded.predict(data=pd.concat([seen, new], ignore_index=True))
    assert sorted(fresh.unique_id.unique()) == ["a", "d", "new"] and np.isfinite(fresh.y).all()
    lo, hi = new.y.min(), new.y.max()
    assert np.all(np.abs(fresh[fresh.unique_id == "new"].y - (lo + hi) / 2) < 3 * (hi - lo) + 1)


def test_save_load_round_trip_is_exact(padded, padded_diff, tmp_path):
    for name, model in (("direct", padded), ("recursive", padded_diff)):
        model.save(tmp_path / name)
        doc = json.loads((tmp_path / name / "model.json").read_text())
        assert doc["panel"]["mask"] is True and doc["network"]["n_inputs"] == 2
        back = lstmcast.load(tmp_path / name)
        assert back.predict().equals(model.predict())
        newer = DF[DF.unique_id.isin(["b", "e"])]
        assert back.predict(data=newer).equals(model.predict(data=newer))


def test_the_schema_counts_the_mask_column(padded, tmp_path):
    padded.save(tmp_path / "m")
    dst = tmp_path / "edited"
    shutil.copytree(tmp_path / "m", dst)
    doc = json.loads((dst / "model.json").read_text())
    del doc["panel"]["mask"]
    doc["document_sha256"] = _digest(doc)
    (dst / "model.json").write_text(json.dumps(doc, indent=1))
    with pytest.raises(ModelFileError, match=r"network.n_inputs is 2 but the schema names 1 column;"):
        lstmcast.load(dst)


def test_recursive_and_differenced_short_series_are_forecast(padded_diff):
    assert padded_diff.config_["difference"] == 1 and mask_column(padded_diff.spec_, padded_diff.panel_) == 1
    out = padded_diff.predict(horizon=4)
    assert len(out) == 5 * 4 and np.isfinite(out.y).all()


def test_a_series_below_the_minimum_is_refused_at_fit_and_one_above_it_warned():
    tiny = frame({"tiny": 1}, seed=5).assign(unique_id="tiny")
    three = frame({"three": 3}, seed=6).assign(unique_id="three")
    with pytest.raises(
        TooShortError,
        match=r"^series 'tiny' has 1 row\(s\), and a series needs at least 2 \(2 rows of history\) to be forecast; "
        r"1 series are that short: leave them out or give them more history\.$",
    ):
        Forecaster(**SMALL).fit(pd.concat([DF, tiny, three], ignore_index=True))
    with pytest.warns(ShortSeriesWarning) as caught:
        model = Forecaster(**SMALL).fit(pd.concat([DF, three], ignore_index=True))
    assert str(caught[0].message) == (
        "1 series hold fewer than the 5 training rows a window needs (2 rows of history + horizon 3; window=12 is "
        "padded on the left), e.g. 'three' with 3: they add no training window but are forecast from their padded "
        "history; give them more history for a better forecast."
    )
    out = model.predict()  # 'three' trained nothing but is forecast
    assert "three" in set(out.unique_id) and np.isfinite(out.y).all()
    with pytest.raises(TooShortError, match=r"^series 'tiny' has 1 row\(s\), and a forecast needs at least 2"):
        model.predict(data=pd.concat([DF, tiny], ignore_index=True))


def test_a_model_trained_without_short_series_refuses_them_by_the_window():
    model = Forecaster(**SMALL).fit(frame(LONG))
    message = r"series 'd' has 10 row\(s\), and a forecast reads the last 12 \(window=12\)"
    with pytest.raises(TooShortError, match=message):
        model.predict(data=DF[DF.unique_id.isin(["a", "d"])])


def test_backtest_forecasts_short_series_from_their_padded_history():
    lengths = {"a": 48, "b": 40, "s": 21}  # s: 12, 15 and 18 rows before the 3 cuts: one season at least
    df = frame(lengths)
    bt = Forecaster(**{**SMALL, "window": 18}).backtest(df, folds=3)
    assert bt.overall["left_out"] == [0, 0, 0]
    assert bt.metrics.set_index("unique_id")["forecasts"].to_dict() == {"a": 3, "b": 3, "s": 3}
    assert np.isfinite(bt.predictions["forecast"]).all()


def test_intervals_of_a_padded_model(padded):
    out = padded.calibrate().predict(level=[80])
    assert np.all(out["y-lo-80"] <= out["y"]) and np.all(out["y"] <= out["y-hi-80"])
    assert set(out.unique_id) == set(LONG) | set(SHORT)


def test_mask_sits_after_static_columns_and_before_future_ones(tmp_path):
    df = DF.assign(region=DF.unique_id.map(lambda s: "n" if s in "ace" else "s"), size=DF.unique_id.map(ord) * 1.0)
    model = Forecaster(**SMALL, calendar=True).fit(df, static=["region", "size"])
    spec, panel = model.spec_, model.panel_
    assert panel.columns == ("y", "calendar_month_sin", "calendar_month_cos") and spec.static_columns == 2
    assert (spec.static_at, mask_column(spec, panel), spec.n_inputs, spec.n_future) == (1, 3, 6, 2)
    out = model.predict()
    assert len(out) == 5 * H and np.isfinite(out.y).all()
    model.save(tmp_path / "m")
    newer = df[df.unique_id.isin(["a", "e"])]
    assert lstmcast.load(tmp_path / "m").predict(data=newer).equals(model.predict(data=newer))
