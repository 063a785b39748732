"""One conformance suite over the kinds of fitted model: one series, many series (a long table) and a Keras
import. Each kind keeps the same contract: finite forecasts, files that predict bit for bit, a summary that
counts its parameters, intervals once calibrated (or a refusal that says why), the cross-validation shape
of a backtest, the service answering what ``predict()`` gives, and ONNX graphs that forecast as it does."""

import json

import jax
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from keras_fixtures import imported  # tests/keras_fixtures.py
from lstmcast import Forecaster, load
from lstmcast.errors import ConfigError, NotCalibratedError
from lstmcast.serve.app import build_registry, create_app
from tiny import NET  # tests/tiny.py: the configurations test files share

TINY = {**NET, "combine": False}
T = np.arange(60)
ONE = pd.DataFrame({"ds": pd.date_range("2020-01-01", periods=60, freq="D"), "y": 10 + np.sin(T / 3) + T / 30})
MANY = pd.concat(
    [ONE.assign(unique_id=f"s{i}", y=ONE["y"] * (i + 1))[["unique_id", "ds", "y"]] for i in range(3)],
    ignore_index=True,
)


@pytest.fixture(scope="module", params=["one", "many", "keras"])
def kind(request):
    """(name, the fitted model, the data it was fitted on or None)."""
    if request.param == "one":
        return "one", Forecaster(**TINY).fit(ONE, target="y", time="ds"), ONE
    if request.param == "many":
        return "many", Forecaster(**TINY).fit(MANY), MANY
    return "keras", imported("stacked_lstm"), None


def _numbers(frame: pd.DataFrame) -> np.ndarray:
    return frame.select_dtypes("number").to_numpy(np.float64)


def test_forecasts_are_finite_and_laid_out_by_kind(kind):
    name, model, _ = kind
    out = model.predict()
    assert np.isfinite(_numbers(out)).all()
    if name == "many":
        assert list(out.columns) == ["unique_id", "ds", "y"] and len(out) == 3 * 3
        assert out.groupby("unique_id")["ds"].min().eq(pd.Timestamp("2020-03-01")).all()
    else:
        assert list(out.columns) == ["y"] and len(out) == model.config_["horizon"]


def test_saved_files_predict_bit_for_bit(kind, tmp_path):
    _, model, _ = kind
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(_numbers(load(tmp_path / "m").predict()), _numbers(model.predict()))


def test_the_summary_counts_the_parameters(kind):
    _, model, _ = kind
    text = str(model.summary(print_fn=None))
    assert f"Total params: {model.n_params_:,}" in text
    leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(model.params_)]
    members = model.config_["ensemble"]
    assert sum(a.size for a in leaves) == model.n_params_ * members


def test_intervals_come_once_calibrated_or_are_refused_with_the_reason(kind):
    name, model, _ = kind
    if name == "keras":  # its training data and loss are unknown: no conformal scores to make
        with pytest.raises((ConfigError, NotCalibratedError), match="Keras"):
            model.calibrate()
        return
    fresh = Forecaster(**TINY).fit(
        *((MANY,) if name == "many" else (ONE,)), **({} if name == "many" else {"target": "y"})
    )
    with pytest.raises(NotCalibratedError, match="calibrate"):
        fresh.predict(level=[80])
    out = fresh.calibrate().predict(level=[80])
    assert (out["y-lo-80"] <= out["y"]).all() and (out["y"] <= out["y-hi-80"]).all()
    np.testing.assert_array_equal(out["y"].to_numpy(), fresh.predict()["y"].to_numpy())


def test_a_backtest_returns_the_cross_validation_shape(kind):
    name, model, data = kind
    if name == "keras":  # a configuration to refit is what a backtest scores; an imported network has none
        pytest.skip("a Keras import is a fitted network, not a configuration to refit")
    bt = Forecaster(**TINY).backtest(data, folds=2, refit=False)
    ids = ["unique_id"] if name == "many" else []
    assert list(bt.predictions.columns) == [*ids, "ds", "cutoff", "y", "forecast"]
    assert bt.predictions["cutoff"].nunique() == 2 and np.isfinite(bt.predictions["forecast"]).all()
    assert len(bt.folds) == 2


def test_the_service_answers_what_predict_gives(kind, tmp_path):
    _, model, _ = kind
    model.save(tmp_path / "served")
    with TestClient(create_app(build_registry(model=tmp_path / "served"))) as client:
        r = client.post("/forecast", json={})
    assert r.status_code == 200, r.text
    served = [row["y"] for row in r.json()["forecast"]]
    np.testing.assert_array_equal(served, model.predict()["y"].to_numpy())


def test_onnx_forecasts_as_predict_does_from_its_own_example(kind, tmp_path):
    """Every kind's graph comes with a description holding an example input (many series: the first series'
    rows with its offset and scale); run on it, the graph gives predict()'s forecast of that series."""
    ort = pytest.importorskip("onnxruntime")
    _, model, _ = kind
    path = model.to_onnx(tmp_path / "m.onnx")
    example = json.loads((tmp_path / "m.onnx.json").read_text())["example"]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: np.asarray(example[i.name], np.float32)[None] for i in session.get_inputs()}
    got = session.run(None, feeds)[0][0]  # (horizon, targets)
    want = model.predict()["y"].to_numpy()[: model.config_["horizon"]]
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-5, atol=1e-5)
