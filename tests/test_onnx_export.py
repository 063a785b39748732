"""ONNX export: onnxruntime runs the exported graph and matches lstmcast's own forecasts (float32, 1e-5).

Covers LSTM and GRU, stacked and bidirectional layers, a dense layer, the direct and recursive
strategies, log + differencing + every window normalization, past-only features and covariates
known in advance, ensemble medians of odd and even size, a batch of histories, the JSON beside
the graph, the refusals, and ``lstmcast export``.
"""

import dataclasses
import json

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster, fitting, forecasting
from lstmcast.cli import app
from lstmcast.errors import ConfigError, OverwriteError
from lstmcast.export.onnx_graph import build_graph
from lstmcast.export.sidecar import describe

TOL = 1e-5  # relative, float32
SMALL = {"units": 8, "epochs": 2, "batch_size": 16, "seed": 0, "verbose": 0, "combine": False}  # the graph: the network


def frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A positive monthly series with a season, a trend, a promotion flag (known in advance) and a
    past-only temperature."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    promo = (rng.random(n) < 0.25).astype(float)
    y = 20 + 0.1 * t + 3 * np.sin(2 * np.pi * t / 12) + 2 * promo + rng.normal(0, 0.5, n)
    index = pd.date_range("2001-01-01", periods=n, freq="MS")
    return pd.DataFrame({"y": y, "temp": rng.normal(10, 3, n), "promo": promo}, index=index)


def session(model) -> ort.InferenceSession:
    graph = build_graph(model)
    onnx.checker.check_model(graph, full_check=True)
    return ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])


def history(model, data=None) -> np.ndarray:
    """(rows, columns) float32: the rows the graph reads, from the fitted data or from newer ``data``."""
    rows = model.config_["window"] + model.transforms_.target.lag
    values = model.series_.values if data is None else forecasting.history(model, data).values
    return np.asarray(values[-rows:], np.float32)


def check_parity(name: str, got: np.ndarray, want: np.ndarray) -> None:
    err = np.abs(got - want)
    print(f"{name}: max abs {err.max():.3g}, max rel {(err / np.abs(want)).max():.3g}")  # pytest -s shows them
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


@pytest.fixture(scope="module")
def lstm_log_diff():
    """LSTM, direct, log + first differences, windows relative to their last value, 3 members (odd median)."""
    params = {**SMALL, "window": 8, "horizon": 4, "log": True, "difference": 1, "normalize": "last", "ensemble": 3}
    return Forecaster(**params).fit(frame(), target="y")


@pytest.fixture(scope="module")
def gru_stacked_bidirectional():
    """GRU (8, 4), bidirectional, a dense layer, a past-only feature, seasonal windows, 2 members (even median)."""
    params = {**SMALL, "cell": "gru", "units": (8, 4), "bidirectional": True, "dense_units": 4, "window": 12}
    params.update(horizon=3, normalize="season", seasonal_period=4, ensemble=2)
    return Forecaster(**params).fit(frame(), target="y", features=["temp"])


@pytest.fixture(scope="module")
def recursive_future():
    """LSTM, recursive, seasonal differencing of logs, a covariate known in advance, one member."""
    params = {**SMALL, "strategy": "recursive", "window": 6, "horizon": 5, "log": True, "difference": 12}
    params.update(normalize="season-mean", seasonal_period=3, ensemble=1)
    return Forecaster(**params).fit(frame(), target="y", future=["promo"])


DIRECT_FUTURE = {
    **SMALL,
    "cell": "gru",
    "window": 10,
    "horizon": 3,
    "normalize": "mean",
    "scaler": "none",
    "ensemble": 1,
}


@pytest.fixture(scope="module")
def direct_future():
    """GRU, direct, a feature and a covariate known in advance (through the future encoder), windows standardized,
    unscaled columns, one member."""
    return Forecaster(**DIRECT_FUTURE).fit(frame(), target="y", features=["temp"], future=["promo"])


@pytest.fixture(scope="module")
def direct_future_unencoded():
    """The same as models saved before the future encoder: the covariate reaches the head directly."""
    saved, fitting.FUTURE_ENCODER = fitting.FUTURE_ENCODER, 0
    try:
        return Forecaster(**DIRECT_FUTURE).fit(frame(), target="y", features=["temp"], future=["promo"])
    finally:
        fitting.FUTURE_ENCODER = saved


@pytest.mark.parametrize("name", ["lstm_log_diff", "gru_stacked_bidirectional"])
def test_matches_predict(name, request):
    model = request.getfixturevalue(name)
    got = session(model).run(None, {"history": history(model)[None]})[0]  # (1, horizon, targets)
    check_parity(name, got[0], model.predict().to_numpy())


def test_recursive_with_future_covariate(recursive_future):
    model = recursive_future
    promo = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    future = pd.DataFrame({"promo": promo}, index=model.make_future_frame().index)
    got = session(model).run(None, {"history": history(model)[None], "future": promo.astype(np.float32)[None, :, None]})
    check_parity("recursive_future", got[0][0], model.predict(future=future).to_numpy())


def test_direct_with_feature_and_future_covariate(direct_future):
    model = direct_future
    promo = np.array([0.0, 1.0, 1.0])
    future = pd.DataFrame({"promo": promo}, index=model.make_future_frame().index)
    got = session(model).run(None, {"history": history(model)[None], "future": promo.astype(np.float32)[None, :, None]})
    check_parity("direct_future", got[0][0], model.predict(future=future).to_numpy())


def test_a_batch_of_newer_histories(lstm_log_diff):
    """Two histories in one call, each matching predict(data=...) on it."""
    model = lstm_log_diff
    newer = [frame(130, seed=0)[["y"]], frame(140, seed=5)[["y"]] * 1.5]
    batch = np.stack([history(model, d) for d in newer])  # (2, rows, columns)
    got = session(model).run(None, {"history": batch})[0]
    want = np.stack([model.predict(data=d).to_numpy() for d in newer])
    check_parity("batch_of_two", got, want)


@pytest.mark.parametrize(
    "change",
    [{"normalize": m, "season": 4} for m in ("none", "last", "scale", "season", "season-mean")]
    + [{"normalize": "season", "season": 16}],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_every_window_normalization(direct_future, change):
    """The same weights read under each normalization (a season of 4 within the window of 10, and one of 16
    longer than it)."""
    check_future_parity(direct_future, change)


@pytest.mark.parametrize("relative", [True, False], ids=["relative", "level"])
def test_covariates_read_without_the_encoder(direct_future_unencoded, relative):
    """Models saved before the future encoder read covariates relative to their window mean, or (older ones)
    at their level."""
    assert direct_future_unencoded.spec_.future_encoder == 0 and "future" not in direct_future_unencoded.params_
    check_future_parity(direct_future_unencoded, {"future_relative": relative})


def check_future_parity(fitted, change):
    model = Forecaster()
    model.__dict__.update(fitted.__dict__)
    model.spec_ = dataclasses.replace(fitted.spec_, **change)
    promo = np.array([1.0, 1.0, 0.0])
    future = pd.DataFrame({"promo": promo}, index=model.make_future_frame().index)
    got = session(model).run(None, {"history": history(model)[None], "future": promo.astype(np.float32)[None, :, None]})
    check_parity(str(change), got[0][0], model.predict(future=future).to_numpy())


def test_sidecar_json_and_files(lstm_log_diff, tmp_path):
    path = lstm_log_diff.to_onnx(tmp_path / "air.onnx")
    info = json.loads((tmp_path / "air.onnx.json").read_text())
    assert info["inputs"]["history"]["shape"] == ["batch", 9, 1] and info["inputs"]["history"]["columns"] == ["y"]
    assert info["outputs"]["forecast"]["shape"] == ["batch", 4, 1] and "future" not in info["inputs"]
    assert info["time"]["freq"] == "MS" and info["time"]["next"][0] == "2011-01-01T00:00:00"
    assert "the median of the 3 ensemble members' forecasts" in info["in_graph"]
    assert any("differencing by lag 1" in s for s in info["in_graph"])
    graph = onnx.load(path)
    assert json.loads({p.key: p.value for p in graph.metadata_props}["lstmcast"]) == info
    example = np.asarray(info["example"]["history"], np.float32)[None]
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"history": example})[0]
    np.testing.assert_allclose(got[0], lstm_log_diff.predict().to_numpy(), rtol=TOL, atol=TOL)
    with pytest.raises(OverwriteError, match=r"refusing to overwrite .*air\.onnx'.*pass overwrite=True"):
        lstm_log_diff.to_onnx(path)
    (tmp_path / "air.onnx").unlink()
    with pytest.raises(OverwriteError, match=r"air\.onnx\.json'"):  # the description would be replaced too
        lstm_log_diff.to_onnx(path)
    assert not path.exists()
    assert lstm_log_diff.to_onnx(path, overwrite=True) == path and path.exists()
    with pytest.raises(ConfigError, match=r"forecast\.csv' must end in \.onnx, e\.g\. forecast\.onnx"):
        lstm_log_diff.to_onnx(tmp_path / "forecast.csv")


def test_sidecar_has_covariates_and_intervals(direct_future):
    model = direct_future
    before = describe(model, "m.onnx")
    assert "intervals" not in before and "prediction intervals: none (the model was not calibrated" in str(before)
    model.calibrate()
    info = describe(model, "m.onnx")
    assert info["inputs"]["history"]["columns"] == ["y", "temp", "promo"]
    assert info["inputs"]["future"] == {
        "dtype": "float32",
        "shape": ["batch", 3, 1],
        "columns": ["promo"],
        "about": "the covariates known in advance at the forecast steps, on the original scale",
    }
    future = pd.DataFrame({"promo": [0.0, 1.0, 1.0]}, index=model.make_future_frame().index)
    level = model.predict(level=[80], future=future)
    widths = np.asarray(info["intervals"]["half_widths"]["80"])[:, 0]  # (horizon,)
    np.testing.assert_allclose(level["y-hi-80"] - level["y"], widths, rtol=1e-12)


def test_a_cell_without_an_onnx_operator_is_refused(direct_future, tmp_path, monkeypatch):
    """A cell registered for training but with no ONNX mapping is refused by capability, before any file."""
    from lstmcast.nn import cells

    monkeypatch.setitem(cells.CELLS, "mingru", dataclasses.replace(cells.CELLS["gru"], name="mingru"))
    model = Forecaster()
    model.__dict__.update(direct_future.__dict__)
    model.spec_ = dataclasses.replace(direct_future.spec_, cell="mingru")
    refusal = r"cell='mingru' is not supported: the graph has an operator for 'lstm', 'gru' only"
    with pytest.raises(ConfigError, match=refusal):
        model.to_onnx(tmp_path / "never-written.onnx")
    assert list(tmp_path.iterdir()) == []


def test_refuses_what_the_graph_cannot_express(tmp_path):
    data = frame(60)[["y"]]
    quantile = Forecaster(window=6, units=4, epochs=1, ensemble=1, loss="quantile", verbose=0).fit(data)
    with pytest.raises(ConfigError, match=r"loss='quantile' \(quantile head\) is not supported.*point loss") as refused:
        build_graph(quantile)
    assert "loss='mae' (the default)" in str(refused.value)  # what the parameter table's default is
    long = pd.concat(  # series b is shorter than a window: the model reads a padding mask
        [
            pd.DataFrame({"unique_id": i, "ds": data.index[:n], "y": data["y"].to_numpy()[:n]})
            for i, n in (("a", 60), ("b", 5))
        ]
    )
    padded = Forecaster(window=6, units=4, epochs=1, ensemble=1, verbose=0).fit(long)
    with pytest.raises(ConfigError, match=r"short series padded on the left \(a mask input\) is not supported"):
        padded.to_onnx(tmp_path / "never-written.onnx")
    assert list(tmp_path.iterdir()) == []


runner = CliRunner()


def test_cli_export(lstm_log_diff, tmp_path):
    lstm_log_diff.save(tmp_path / "model")
    out = tmp_path / "out" / "model.onnx"
    r = runner.invoke(app, ["export", str(tmp_path / "model"), "--onnx", str(out)])
    assert r.exit_code == 0, r.output
    assert "model.onnx" in r.output and (tmp_path / "out" / "model.onnx.json").exists()
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(
        None, {"history": history(lstm_log_diff)[None]}
    )[0]
    np.testing.assert_allclose(got[0], lstm_log_diff.predict().to_numpy(), rtol=TOL, atol=TOL)
    r = runner.invoke(app, ["export", str(tmp_path / "model"), "--onnx", str(out)])
    assert r.exit_code == 1 and "refusing to overwrite" in r.output and "--overwrite" in r.output
    r = runner.invoke(app, ["export", str(tmp_path / "model"), "--onnx", str(out), "--overwrite", "-q"])
    assert r.exit_code == 0 and r.output == ""
    r = runner.invoke(app, ["export", str(tmp_path / "missing"), "--onnx", str(tmp_path / "x.onnx")])
    assert r.exit_code == 1 and r.output.startswith("Error:") and len(r.output.strip().splitlines()) == 1
    assert "missing" in r.output and not (tmp_path / "x.onnx").exists()
