"""Every capability for many series, through the library and the CLI, on a 6-series long table.

Intervals and known-in-advance covariates in backtests, quantile and distribution heads,
static attributes from the command line and the config file, and the backtest command's
--id / --output / --plot for long tables.
"""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster
from lstmcast.cli import app

H = 3
TINY = dict(units=8, epochs=2, ensemble=1, verbose=0, seed=0, horizon=H, window=12)


def long_table(n_series=6, rows=40, counts=False, seed=0):
    """store, month, sales (+ price known in advance, region and size per store)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(rows)
        price = rng.normal(size=rows)
        level = rng.uniform(10, 100)
        y = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + 2 * price + rng.normal(0, 0.05 * level, rows)
        if counts:
            y = rng.poisson(np.maximum(y, 1)).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "store": f"s{i}",
                    "month": pd.date_range("2015-01-01", periods=rows, freq="MS"),
                    "sales": y,
                    "price": price,
                    "region": "north" if i % 2 else "south",
                    "size": float(i),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


DF = long_table()
COLUMNS = dict(id="store", time="month", target="sales")


@pytest.fixture(scope="module")
def bt():
    return Forecaster(**TINY).backtest(DF, **COLUMNS, future=["price"], folds=2, level=[80])


def test_backtest_of_many_series_with_intervals_and_future(bt):
    p = bt.predictions
    assert list(p.columns) == ["store", "month", "cutoff", "sales", "forecast", "forecast-lo-80", "forecast-hi-80"]
    assert len(p) == 6 * 2 * H
    assert (p["forecast-lo-80"] <= p["forecast"]).all() and (p["forecast"] <= p["forecast-hi-80"]).all()
    inside = (p["forecast-lo-80"] <= p["sales"]) & (p["sales"] <= p["forecast-hi-80"])
    assert bt.overall["coverage_80"] == pytest.approx(inside.mean())
    assert bt.overall["width_80"] == pytest.approx((p["forecast-hi-80"] - p["forecast-lo-80"]).mean())
    last = p["cutoff"] == p["cutoff"].max()
    assert bt.folds["coverage_80"].iloc[1] == pytest.approx(inside[last].mean())
    assert np.isfinite(bt.folds[["msis_80", "scaled_crps"]].to_numpy()).all()


def test_backtest_forecasts_read_the_future_columns_after_each_cut(bt):
    """The last fold equals a model fitted on the rows before its cut, given the data's own prices after it."""
    cut = DF.groupby("store").cumcount() < 40 - H
    model = Forecaster(**{**TINY, "test": 0}).fit(DF[cut], **COLUMNS, future=["price"])
    future = DF[~cut][["store", "month", "price"]]
    expected = model.predict(future=future)
    got = bt.predictions[bt.predictions["cutoff"] == bt.predictions["cutoff"].max()]
    assert np.array_equal(got["forecast"].to_numpy(), expected["sales"].to_numpy())
    changed = future.assign(price=future["price"] + 5.0)
    assert not np.allclose(model.predict(future=changed)["sales"], expected["sales"])


def test_cross_validation_of_many_series():
    cv = Forecaster(**TINY).cross_validation(DF, h=2, n_windows=2, step_size=3, **COLUMNS)
    assert list(cv.columns) == ["store", "month", "cutoff", "sales", "forecast"]
    stamps = DF["month"].drop_duplicates().sort_values().tolist()
    assert sorted(cv["cutoff"].unique()) == [stamps[-2 - 1 - 3], stamps[-2 - 1]]  # NeuralForecast's cutoffs
    assert len(cv) == 6 * 2 * 2


@pytest.mark.parametrize("loss", ["quantile", "normal", "studentt", "negbin"])
def test_heads_give_intervals_for_many_series(loss):
    df = long_table(counts=loss == "negbin")
    model = Forecaster(**{**TINY, "loss": loss}).fit(df, **COLUMNS)
    out = model.predict(level=[80], quantiles=[0.5])
    assert list(out.columns) == ["store", "month", "sales", "sales-lo-80", "sales-hi-80", "sales-q-50"]
    assert (out["sales-lo-80"] <= out["sales-q-50"]).all() and (out["sales-q-50"] <= out["sales-hi-80"]).all()
    assert (out["sales-lo-80"] < out["sales-hi-80"]).any()
    if loss == "negbin":  # counts stay whole numbers
        assert np.array_equal(out["sales-lo-80"], np.round(out["sales-lo-80"]))
    if loss == "normal":  # draws of every series, centred where its own quantiles are
        paths = model.sample_paths(60)
        assert list(paths.columns) == ["sample", "store", "month", "sales"] and len(paths) == 60 * 6 * H
        median = paths.groupby(["store", "month"])["sales"].median().to_numpy()
        width = (out["sales-hi-80"] - out["sales-lo-80"]).to_numpy()
        assert np.all(np.abs(median - out["sales-q-50"].to_numpy()) < 0.25 * width)
    # each series' quantiles are its own: the same as forecasting that series alone
    one = model.predict(level=[80], data=df[df.store == "s3"])
    assert np.allclose(one[["sales-lo-80", "sales-hi-80"]], out[out.store == "s3"][["sales-lo-80", "sales-hi-80"]])


runner = CliRunner()


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("panel") / "panel.csv"
    DF.to_csv(path, index=False)
    return path


TINY_CLI = ["--units", "8", "--epochs", "2", "--ensemble", "1", "--horizon", "3", "--window", "12"]


def test_cli_backtest_of_a_long_table(panel_csv, tmp_path):
    out, plot = tmp_path / "cv.parquet", tmp_path / "cv.png"
    base = ["backtest", str(panel_csv), "--id", "store", "--time", "month", "--target", "sales"]
    base += ["--static", "region,size", "--future", "price", "--folds", "2", "--level", "80", *TINY_CLI]
    args = [*base, "--output", str(out), "--plot", str(plot)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 folds" in result.output and "All folds: 12 forecasts of 6 series" in result.output
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["store", "month", "cutoff", "sales", "forecast", "forecast-lo-80", "forecast-hi-80"]
    assert frame["store"].nunique() == 6 and plot.stat().st_size > 0
    # an existing output is refused before any training, unless --force; the input never
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "exists" in again.output
    over_input = runner.invoke(app, [*base, "--output", str(panel_csv), "--force"])
    assert over_input.exit_code == 1 and "input" in over_input.output
    wrong = runner.invoke(app, [*base, "--output", str(tmp_path / "cv.txt")])
    assert wrong.exit_code == 1 and "--output" in wrong.output and ".csv or .parquet" in wrong.output
    # --force replaces our earlier output; --json gives the folds and the pooled interval figures
    forced = runner.invoke(app, [*base, "--output", str(out), "--force", "--json"])
    assert forced.exit_code == 0, forced.output
    doc = json.loads(forced.output)
    assert [f["fold"] for f in doc["folds"]] == [0, 1] and 0.0 <= doc["overall"]["coverage_80"] <= 1.0
    assert len(doc["metrics"]) == 6
    assert pd.read_parquet(out).equals(frame)  # the same seed: the same forecasts, bit for bit


def test_cli_static_from_the_option_and_the_config_file(panel_csv, tmp_path):
    model_dir = tmp_path / "model"
    args = ["train", str(panel_csv), "--id", "store", "--time", "month", "--target", "sales"]
    result = runner.invoke(
        app, [*args, "--static", "region,size", "--out", str(model_dir), "--no-intervals", *TINY_CLI]
    )
    assert result.exit_code == 0, result.output
    saved = Forecaster.load(model_dir)
    assert sorted(saved.statics_.names) == ["region", "size"]
    assert saved.columns_["static"] == saved.columns_()["static"]  # an attribute, still callable
    shown = runner.invoke(app, ["summary", str(model_dir)])  # the saved attributes are listed
    assert shown.exit_code == 0 and "Series: 6 (id column 'store'); static attributes: size, region" in shown.output
    toml = (model_dir / "config.toml").read_text()
    assert 'static = ["region", "size"]' in toml
    # the written config reproduces the model, static attributes included
    again = tmp_path / "again"
    result = runner.invoke(
        app, ["train", "--config", str(model_dir / "config.toml"), "--out", str(again), "--no-intervals"]
    )
    assert result.exit_code == 0, result.output
    assert Forecaster.load(again).statics_ == saved.statics_
