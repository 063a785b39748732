"""One global model for many series: long tables in and out, windows that never cross series."""

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.data.panel_transforms import PanelTransforms
from lstmcast.data.panel_windows import forecast_rows, train_ends, window_starts
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.errors import (
    ColumnError,
    ConfigError,
    DataError,
    NotCalibratedError,
    TooShortError,
    UnseenCategoryWarning,
)
from lstmcast.stats.combination import SeriesCombinations

SMALL = dict(units=8, epochs=2, ensemble=1, verbose=0, seed=0, combine=False)  # the network's own forecasts
# (the default combination of many series with the statistical candidates: tests/test_panel_combination.py)


def panel_frame(n_series=6, seed=0, freq="MS"):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        n = int(rng.integers(40, 70))
        t = np.arange(n)
        level = rng.uniform(10, 1000)
        y = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 0.02 * level, n)
        start = pd.Timestamp("2015-01-01") + pd.DateOffset(months=int(rng.integers(0, 12)))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range(start, periods=n, freq=freq), "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_window_starts_stay_inside_their_series():
    offsets = np.array([0, 10, 13, 30])
    lo, hi = np.array([0, 0, 0]), np.array([10, 3, 17])
    starts = window_starts(offsets, lo, hi, window=4, steps=2)
    # series 0: starts 0..4 (targets up to row 9); series 1 (3 rows): none; series 2: 13..24
    assert starts.tolist() == [0, 1, 2, 3, 4, *range(13, 25)]
    series = np.searchsorted(offsets, starts, side="right") - 1
    assert np.all(starts + 4 + 2 <= offsets[series + 1])


def test_validation_windows_have_their_targets_in_the_validation_rows():
    offsets = np.array([0, 20])
    starts = window_starts(offsets, np.array([16]), np.array([20]), window=4, steps=2)
    assert starts.tolist() == [12, 13, 14]  # targets 16-17, 17-18, 18-19


def test_differenced_windows_read_no_row_before_the_lag():
    """A series' first ``difference`` rows hold no difference: no training or validation window reads them."""
    df = panel_frame()
    model = Forecaster(horizon=3, difference=12, window=12, validation=6, **SMALL).fit(df)
    offsets = model.panel_.offsets()
    for part in ("train", "validation"):
        starts = model.starts_[part]
        local = starts - offsets[np.searchsorted(offsets, starts, side="right") - 1]
        assert len(starts) and local.min() >= 12, part
    train = model.starts_["train"]
    assert (train - offsets[np.searchsorted(offsets, train, side="right") - 1]).min() == 12  # the first valid row


def test_train_ends_cut_each_series():
    ends, fit_ends = train_ends(np.array([50, 20]), test=5, validation=0.1)
    assert fit_ends.tolist() == [45, 15] and np.all(ends < fit_ends)
    with pytest.raises(ConfigError, match=r"test='2020-01': a timestamp cut is not available for many series yet"):
        train_ends(np.array([50]), "2020-01", 0)


def test_panel_scalers_equal_one_scaler_per_series():
    rng = np.random.default_rng(1)
    a, b = rng.normal(5, 2, (30, 2)), rng.normal(-100, 40, (20, 2))
    stacked, offsets = np.concatenate([a, b]), np.array([0, 30, 50])
    for kind in ("minmax", "standard", "none"):
        pt = PanelTransforms.fit(stacked, offsets, np.array([25, 20]), TargetTransform(), kind, (0, 1), 1)
        z = pt.to_model_space(stacked, offsets)
        for part, rows, end in ((a, slice(0, 30), 25), (b, slice(30, 50), 20)):
            one = Scaler(kind, (0, 1)).fit(part[:end])
            assert np.allclose(z[rows], one.transform(part), atol=1e-5)


def test_panel_differencing_never_reads_across_series():
    stacked = np.concatenate([np.arange(10.0), 100 + np.arange(10.0)])[:, None]
    offsets = np.array([0, 10, 20])
    pt = PanelTransforms.fit(stacked, offsets, np.array([10, 10]), TargetTransform(lag=1), "none", (0, 1), 1)
    z = pt.to_model_space(stacked, offsets)
    assert z[10, 0] == 0.0 and np.all(z[11:, 0] == 1.0)  # row 10 would be 100 - 9 across the boundary


def test_forecast_rows_take_each_series_tail():
    values = np.arange(20, dtype=np.float32)[:, None]
    block, starts = forecast_rows(values, np.array([0, 12, 20]), window=3, lag=1, steps=2)
    assert block[:, 0].tolist() == [8, 9, 10, 11, 0, 0, 16, 17, 18, 19, 0, 0]
    assert starts.tolist() == [1, 7]


def test_global_fit_and_long_predict_with_nixtla_columns():
    df = panel_frame()
    model = Forecaster(horizon=3, **SMALL).fit(df)
    assert model.is_panel_ and model.columns_()["id"] == "unique_id"
    out = model.predict()
    assert list(out.columns) == ["unique_id", "ds", "y"] and len(out) == 6 * 3
    for sid, g in out.groupby("unique_id"):
        last = df[df.unique_id == sid].ds.max()
        assert g.ds.tolist() == list(pd.date_range(last, periods=4, freq="MS")[1:])
    assert np.isfinite(out.y).all()
    # the same seed, the same forecast bits
    again = Forecaster(horizon=3, **SMALL).fit(df).predict()
    assert np.array_equal(out.y.to_numpy(), again.y.to_numpy())


def test_global_model_with_custom_column_names_and_new_series():
    df = panel_frame().rename(columns={"unique_id": "store", "ds": "month", "y": "sales"})
    model = Forecaster(horizon=2, **SMALL).fit(df, id="store", target="sales", time="month")
    newer = panel_frame(n_series=2, seed=9).rename(columns={"unique_id": "store", "ds": "month", "y": "sales"})
    newer["store"] = ["s0"] * (newer.store == "s0").sum() + ["brand-new"] * (newer.store == "s1").sum()
    out = model.predict(data=newer)
    assert set(out.store) == {"s0", "brand-new"} and list(out.columns) == ["store", "month", "sales"]


def test_global_model_scales_big_and_small_series_alike():
    # two copies of one shape, 1000x apart: scale-free windows forecast them 1000x apart
    t = np.arange(60)
    y = 50 + 10 * np.sin(2 * np.pi * t / 12)
    ds = pd.date_range("2015-01-01", periods=60, freq="MS")
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": "small", "ds": ds, "y": y}),
            pd.DataFrame({"unique_id": "big", "ds": ds, "y": 1000 * y}),
        ]
    )
    out = Forecaster(horizon=3, **{**SMALL, "epochs": 5}).fit(df).predict().set_index(["unique_id", "ds"]).y
    assert np.allclose(out["big"].to_numpy(), 1000 * out["small"].to_numpy(), rtol=1e-3)


def test_what_a_model_of_many_series_cannot_do_says_so(tmp_path):
    model = Forecaster(horizon=3, **SMALL).fit(panel_frame())
    with pytest.raises(ConfigError, match=r"evaluate\(\) of many series scores the fitted data's test part"):
        model.evaluate(level=[80])
    with pytest.raises(ConfigError, match=r"samples= draws from a distribution, and loss='\w+' forecasts"):
        model.predict(level=[80], samples=10)  # as for one series


def test_a_series_too_short_to_forecast_is_named():
    df = panel_frame()
    model = Forecaster(horizon=3, window=24, **SMALL).fit(df)
    short = df[df.unique_id == "s1"].head(10)
    with pytest.raises(TooShortError, match=r"series 's1' has 10 row\(s\), and a forecast reads the last 24"):
        model.predict(data=short)


def test_a_global_model_round_trips_through_save_and_load(tmp_path):
    model = Forecaster(horizon=3, **SMALL).fit(panel_frame())
    before = model.predict()
    model.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.is_panel_ and loaded.predict().equals(before)
    # a damaged per-series array is refused before anything is built
    from safetensors.numpy import load_file

    from lstmcast.errors import ModelFileError
    from lstmcast.io.saving import read_model

    arrays = load_file(str(tmp_path / "m" / "model.safetensors"))
    arrays["panel.scaler_scale"] = arrays["panel.scaler_scale"][:-1]
    state = {**read_model(tmp_path / "m"), "arrays": arrays}
    with pytest.raises(ModelFileError, match=r"array panel.scaler_scale is float64 of shape \(5, 1\), this model"):
        Forecaster.from_state(state)


def test_cli_trains_a_global_model_with_id_and_predicts_a_long_table(tmp_path):
    from typer.testing import CliRunner

    from lstmcast.cli import app

    data = tmp_path / "stores.csv"
    panel_frame().rename(columns={"unique_id": "store"}).to_csv(data, index=False)
    out = tmp_path / "model"
    small = ["--horizon", "3", "--units", "8", "--epochs", "2", "--ensemble", "1"]
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(data), "--id", "store", *small, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 series ('store')" in result.output and "one global model" in result.output
    assert 'id = "store"' in (out / "config.toml").read_text()
    csv = tmp_path / "f.csv"
    result = runner.invoke(app, ["predict", str(out), "-o", str(csv)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(csv)
    assert list(frame.columns) == ["store", "ds", "y"] and len(frame) == 18
    lib = Forecaster.load(out).predict()
    assert np.allclose(frame["y"].to_numpy(), lib["y"].to_numpy())


def test_conformal_intervals_for_many_series_round_trip(tmp_path):
    model = Forecaster(horizon=3, **SMALL).fit(panel_frame())
    with pytest.raises(NotCalibratedError, match=r"earlier rows, about one more fit; saving keeps the scores\)\."):
        model.predict(level=[80])  # predicting never trains
    out = model.calibrate().predict(level=[80, 95], quantiles=[0.1])
    assert list(out.columns) == ["unique_id", "ds", "y", "y-lo-80", "y-hi-80", "y-lo-95", "y-hi-95", "y-q-10"]
    assert (out["y-lo-95"] <= out["y-lo-80"]).all() and (out["y-lo-80"] <= out["y"]).all()
    assert (out["y"] <= out["y-hi-80"]).all() and (out["y-hi-80"] <= out["y-hi-95"]).all()
    assert np.allclose(out["y-q-10"], out["y-lo-80"])
    # big series get wide intervals, small ones narrow: widths follow each series' scale
    width = (out["y-hi-80"] - out["y-lo-80"]).groupby(out["unique_id"]).mean()
    assert width.max() / width.min() > 3
    model.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.predict(level=[80, 95], quantiles=[0.1]).equals(out)


def test_future_covariates_of_many_series_reach_the_forecast():
    rng = np.random.default_rng(3)
    frames = []
    for i in range(4):
        n = 60
        promo = (rng.uniform(size=n) < 0.3).astype(float)
        y = 100 + 10 * i + 30 * promo + rng.normal(0, 1, n)
        ds = pd.date_range("2020-01-01", periods=n, freq="D")
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y, "promo": promo}))
    df = pd.concat(frames, ignore_index=True)
    model = Forecaster(horizon=2, window=14, **{**SMALL, "epochs": 60, "learning_rate": 0.01}).fit(df, future=["promo"])
    frame = model.make_future_frame()
    assert list(frame.columns) == ["unique_id", "ds", "promo"] and frame["promo"].isna().all() and len(frame) == 8
    with pytest.raises(
        DataError, match=r"future= has no \(finite\) value of \['promo'\] for series 's0' at 2020-03-01"
    ):
        model.predict(future=frame)
    with pytest.raises(
        DataError, match=r"future= column 'promo' is not numeric \(dtype object\): value 'yes' at row 0"
    ):
        model.predict(future=frame.assign(promo=["yes"] + [0.0] * 7))
    low = model.predict(future=frame.assign(promo=0.0))
    high = model.predict(future=frame.assign(promo=1.0))
    assert (high["y"] - low["y"]).mean() > 10  # the promotion known in advance lifts the forecast


def test_a_window_of_exactly_one_season_keeps_a_sensible_scale():
    # regression: a 7-row window with season 7 holds no seasonal step; its scale fell to the
    # 1e-4 floor and the training loss was ~3e7 (window units)
    import jax.numpy as jnp

    from lstmcast.nn.scaling import window_stats

    x = jnp.asarray(np.random.default_rng(0).normal(100, 5, (4, 7, 1)), jnp.float32)
    _, _, scale = window_stats(x, "season", season=7, horizon=2)
    expected = np.mean(np.abs(np.diff(np.asarray(x), axis=1)), axis=1)
    assert np.allclose(np.asarray(scale)[:, 0], expected, rtol=1e-5)


def test_calendar_features_are_computed_for_the_forecast_steps(tmp_path):
    from lstmcast.data import calendar_features

    # one series: a weekly pattern the calendar's day of week describes
    ds = pd.date_range("2021-01-04", periods=140, freq="D")
    y = 50 + 10 * (ds.day_of_week >= 5) + np.random.default_rng(0).normal(0, 1, len(ds))
    one = pd.DataFrame({"ds": ds, "y": y})
    model = Forecaster(horizon=7, calendar=True, **SMALL).fit(one, time="ds")
    assert model.series_.future == calendar_features.names("D")
    assert model.make_future_frame().shape == (7, 0)  # nothing for the user to fill in
    out = model.predict()
    model.save(tmp_path / "one")
    assert Forecaster.load(tmp_path / "one").predict().equals(out)
    newer = model.predict(data=one.iloc[:-7])  # newer history: the calendar columns are added again
    assert list(newer.index) == list(ds[-7:])
    # many series, and a backtest that refits with the calendar
    many = panel_frame()
    panel_model = Forecaster(horizon=3, calendar=True, **SMALL).fit(many)
    assert len(panel_model.predict()) == 18 and panel_model.make_future_frame().columns.tolist() == ["unique_id", "ds"]
    assert Forecaster(horizon=7, calendar=True, **SMALL).backtest(one, time="ds", folds=2).overall.n_windows > 0
    with pytest.raises(ConfigError, match=r"calendar=True needs timestamps"):
        Forecaster(horizon=3, calendar=True, **SMALL).fit(np.arange(50.0))


def test_review_findings_on_many_series(tmp_path):
    from lstmcast.errors import ShortSeriesWarning

    df = panel_frame()
    # integer ids come back as integers, also after saving
    ints = df.assign(unique_id=df.unique_id.str[1:].astype(int))
    model = Forecaster(horizon=3, **SMALL).fit(ints)
    assert model.predict()["unique_id"].dtype.kind == "i"
    model.save(tmp_path / "m")
    assert Forecaster.load(tmp_path / "m").predict()["unique_id"].tolist() == model.predict()["unique_id"].tolist()
    # a flat and a perfectly periodic series get narrow intervals, not ones as wide as their level
    nd = pd.date_range("2017-01-01", periods=40, freq="MS")
    flat = pd.DataFrame({"unique_id": "flat", "ds": nd, "y": 300.0})
    pure = pd.DataFrame({"unique_id": "pure", "ds": nd, "y": 300 + 10 * np.sin(np.arange(40) / 12 * 2 * np.pi)})
    out = (
        Forecaster(horizon=3, **SMALL)
        .fit(pd.concat([df, flat, pure], ignore_index=True))
        .calibrate()
        .predict(level=[80])
    )
    width = (out["y-hi-80"] - out["y-lo-80"]).groupby(out["unique_id"]).max()
    assert width["flat"] < 1 and width["pure"] < 40
    # calendar columns and intervals together (the calibration copy must not add them twice)
    assert len(Forecaster(horizon=3, calendar=True, **SMALL).fit(df).calibrate().predict(level=[80])) == 18
    # a series too short to train is named when fitting (padded on the left, it is still forecast)
    two = pd.DataFrame({"unique_id": "two", "ds": nd[:2], "y": [1.0, 2.0]})
    with pytest.warns(ShortSeriesWarning, match=r"1 series hold fewer than the 5 training rows .*'two' with 2"):
        short = Forecaster(horizon=3, window=12, **SMALL).fit(pd.concat([df, two], ignore_index=True))
    assert "two" in set(short.predict().unique_id)


def test_static_attributes_reach_the_network_and_round_trip(tmp_path):
    df = panel_frame()
    ids = sorted(df.unique_id.unique())
    df["region"] = df.unique_id.map({i: ("north" if n % 2 else "south") for n, i in enumerate(ids)})
    df["size"] = df.unique_id.map({i: float(n) for n, i in enumerate(ids)})
    model = Forecaster(horizon=3, **SMALL).fit(df, static=["region", "size"])
    spec = model.spec_
    assert (spec.n_static, spec.static_cards, spec.static_at) == (1, (3,), 1)  # north, south + unknown
    assert "embedding (Embedding)" in model.summary() and model.n_params_ == spec.count()
    out = model.predict()
    model.save(tmp_path / "m")
    assert Forecaster.load(tmp_path / "m").predict().equals(out)
    # the same history under another category, or one never seen, gives another forecast
    s0 = df[df.unique_id == "s0"]
    other = "south" if s0.region.iloc[0] == "north" else "north"
    as_is = model.predict(data=s0)["y"].to_numpy()
    assert not np.allclose(as_is, model.predict(data=s0.assign(region=other))["y"].to_numpy())
    with pytest.warns(UnseenCategoryWarning, match=r"static column 'region': 'east' never appeared in training"):
        assert np.isfinite(model.predict(data=s0.assign(region="east"))["y"]).all()
    with pytest.raises(ColumnError, match=r"static column 'region' not found"):
        model.predict(data=s0.drop(columns=["region"]))


def test_plots_of_many_series_show_a_chosen_few_or_a_spread(tmp_path):
    from typer.testing import CliRunner

    from lstmcast.cli import app
    from lstmcast.plot import plot_series

    model = Forecaster(horizon=3, **SMALL).fit(panel_frame())
    history, forecast = model.actual(), model.calibrate().predict(level=[80])
    assert list(history.columns) == ["unique_id", "ds", "y"] and len(history) == len(model.panel_.stacked())
    fig = plot_series(history, forecast, "unique_id", ids=["s1", "s4"], path=tmp_path / "two.png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["unique_id s1", "unique_id s4"] and (tmp_path / "two.png").read_bytes()[:4] == b"\x89PNG"
    assert len([ax for ax in plot_series(history, forecast, "unique_id").axes if ax.get_visible()]) == 6
    with pytest.raises(ColumnError, match=r"ids: series 'nope' is not in the forecast"):
        plot_series(history, forecast, "unique_id", ids=["nope"])
    model.save(tmp_path / "m")
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "m"), "--plot", str(tmp_path / "p.png"), "--ids", "s2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.png").exists()


def test_evaluate_many_series_on_their_test_parts():
    df = panel_frame()
    model = Forecaster(horizon=3, test=6, **SMALL).fit(df)
    ev = model.evaluate()
    pred = ev.predictions
    assert list(pred.columns) == ["unique_id", "ds", "cutoff", "y", "forecast"] and len(pred) == 6 * 3
    for sid, g in pred.groupby("unique_id"):  # the forecast starts right after the training rows
        rows = df[df.unique_id == sid]
        assert g.ds.tolist() == rows.ds.iloc[-6:-3].tolist() and np.allclose(g.y, rows.y.iloc[-6:-3])
    assert set(ev.metrics.columns) >= {"mase", "seasonal_naive_mase"} and ev.overall["forecasts"] == 6
    with pytest.raises(DataError, match=r"this model trained on every row; fit with test= set"):
        Forecaster(horizon=3, **SMALL).fit(df).evaluate()


def test_refitting_on_the_other_kind_of_data_leaves_nothing_of_the_first_fit():
    rng = np.random.default_rng(3)
    long = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], 40),
            "ds": np.tile(np.arange(40), 2),
            "y": rng.normal(10, 1, 80),
            "kind": np.repeat(["x", "y"], 40),
        }
    )
    model = Forecaster(horizon=2, window=6, units=4, epochs=1, ensemble=1, verbose=0)
    model.fit(rng.normal(10, 1, 80))  # one series, combined: scores and a combination
    assert model.combination_ is not None and model.calibration_ is not None
    model.fit(long, static=["kind"])  # combined too, per series: its own scores and combinations
    left = [n for n in ("series_", "split_", "holdout_") if hasattr(model, n)]
    assert left == [] and model.statics_ is not None
    assert isinstance(model.combination_, SeriesCombinations) and model.calibration_.cutoff == 2
    model.fit(rng.normal(10, 1, 80))
    assert [n for n in ("panel_", "ends_", "statics_") if hasattr(model, n)] == []
    assert model.predict().shape == (2, 1)
