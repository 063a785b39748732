"""ONNX export of a model of many series: one graph forecasts a batch of different series' histories,
each with its own scaler statistics as inputs, and matches ``predict()`` under onnxruntime (float32, 1e-5)."""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster
from lstmcast.cli import app
from lstmcast.errors import ConfigError
from lstmcast.export.onnx_graph import build_graph

TOL = 1e-5
H = 3


def long_table(n_series=6, rows=40, seed=0):
    """store, month, sales (levels 10..1000 apart) and a price known in advance."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(rows)
        price = rng.normal(size=rows)
        level = 10.0 ** rng.uniform(1, 3)
        y = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + level * 0.05 * price + rng.normal(0, 0.02 * level, rows)
        month = pd.date_range("2015-01-01", periods=rows, freq="MS") + pd.DateOffset(months=i)  # different ends
        frames.append(pd.DataFrame({"store": f"s{i}", "month": month, "sales": y, "price": price}))
    return pd.concat(frames, ignore_index=True)


DF = long_table()
COLUMNS = dict(id="store", time="month", target="sales", future=["price"])


def inputs(model, data=None):
    """The graph's inputs for every series of the fitted panel (or of ``data``, a long table of known series)."""
    panel, tf = model.panel_, model.transforms_
    rows = model.config_["window"] + tf.target.lag
    tails = panel.tail(rows)
    history = tails.values.reshape(panel.n_series, rows, -1).astype(np.float32)
    return {"history": history, "offset": tf.offset.astype(np.float32), "scale": tf.scale.astype(np.float32)}


@pytest.fixture(scope="module")
def model():  # log + differencing, a covariate known in advance, an ensemble of 2 (median), the direct strategy
    return Forecaster(
        units=8, epochs=2, ensemble=2, verbose=0, seed=0, horizon=H, window=12, log=True, difference=1, combine=False
    ).fit(DF, **COLUMNS)  # the graph holds the network: a combined forecast is refused (test_panel_combination.py)


def test_a_batch_of_series_matches_predict(model):
    graph = build_graph(model)
    onnx.checker.check_model(graph, full_check=True)
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["history", "offset", "scale", "future"]
    future = model.make_future_frame()
    future["price"] = np.linspace(-1, 1, len(future))
    feed = inputs(model)
    feed["future"] = future["price"].to_numpy(np.float32).reshape(6, H, 1)
    got = session.run(None, feed)[0]  # (6, H, 1)
    want = model.predict(future=future)["sales"].to_numpy().reshape(6, H, 1)
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)
    # the batch's order is the caller's: series reversed give the forecasts reversed
    reverse = {k: v[::-1].copy() for k, v in feed.items()}
    np.testing.assert_allclose(session.run(None, reverse)[0], got[::-1], rtol=1e-6)


def test_sidecar_lists_each_series_statistics_and_an_example_that_runs(model, tmp_path):
    path = model.to_onnx(tmp_path / "panel.onnx")
    info = json.loads((tmp_path / "panel.onnx.json").read_text())
    assert info["series"]["ids"] == [f"s{i}" for i in range(6)]
    assert np.array_equal(np.array(info["series"]["offset"]), model.transforms_.offset)
    assert info["inputs"]["offset"]["shape"] == ["batch", 2] and info["inputs"]["offset"]["columns"] == [
        "sales",
        "price",
    ]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ex = info["example"]
    future = model.make_future_frame()
    future["price"] = 0.5
    got = session.run(
        None,
        {
            "history": np.array([ex["history"]], np.float32),
            "offset": np.array([ex["offset"]], np.float32),
            "scale": np.array([ex["scale"]], np.float32),
            "future": np.full((1, H, 1), 0.5, np.float32),
        },
    )[0]
    want = model.predict(future=future).query("store == 's0'")["sales"].to_numpy()
    np.testing.assert_allclose(got[0, :, 0], want, rtol=TOL, atol=TOL)


def test_static_attributes_are_refused(tmp_path):
    df = DF.assign(size=DF["store"].str[1:].astype(float))
    model = Forecaster(units=4, epochs=1, ensemble=1, verbose=0, horizon=H, window=12, combine=False).fit(
        df, id="store", time="month", target="sales", static=["size"]
    )
    with pytest.raises(ConfigError) as refused:
        model.to_onnx(tmp_path / "never.onnx")
    # which attributes, and what exports: a refit without them
    assert "static attributes (static=['size'])" in str(refused.value)
    assert "Refit without static= to export" in str(refused.value)
    assert list(tmp_path.iterdir()) == []
    quantile = Forecaster(**{**model.get_params(), "loss": "quantile"})
    quantile.fit(df, id="store", time="month", target="sales", static=["size"])
    with pytest.raises(ConfigError) as refused:  # every reason at once, each with its fix
        quantile.to_onnx(tmp_path / "never.onnx")
    loss, static = str(refused.value).split(" Also: ")
    assert loss.startswith("ONNX export of loss='quantile' (quantile head) is not supported")
    assert static.startswith("ONNX export of a model with static attributes (static=['size'])")


def test_cli_exports_a_model_of_many_series(model, tmp_path):
    model.save(tmp_path / "model")
    out = tmp_path / "panel.onnx"
    r = CliRunner().invoke(app, ["export", str(tmp_path / "model"), "--onnx", str(out)])
    assert r.exit_code == 0, r.output
    loaded = Forecaster.load(tmp_path / "model")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    future = loaded.make_future_frame()
    future["price"] = 0.0
    feed = {**inputs(loaded), "future": np.zeros((6, H, 1), np.float32)}
    want = loaded.predict(future=future)["sales"].to_numpy().reshape(6, H, 1)
    np.testing.assert_allclose(session.run(None, feed)[0], want, rtol=TOL, atol=TOL)
