"""Weights from Keras LSTM/GRU models load one to one into lstmcast and give Keras's predictions.

The Keras side is a committed fixture (tests/fixtures/keras_parity.npz and .json,
written by tests/fixtures/make_keras_fixture.py), so this runs without Keras;
Keras is never a dependency of lstmcast. Where Keras is installed, the live test
rebuilds the models and checks that the fixture is still what Keras gives.
"""

import importlib.util
import json
import os
from pathlib import Path

import jax
import numpy as np
import pytest

from lstmcast.nn import NetworkSpec, apply, init_params

FIXTURES = Path(__file__).parent / "fixtures"
META = json.loads((FIXTURES / "keras_parity.json").read_text())
MODELS = list(META["models"])
WEIGHTS = ("kernel", "recurrent_kernel", "bias")


def spec_of(model: dict) -> NetworkSpec:
    """The lstmcast network with a Keras model's shape: Dense(k) is horizon k of one target."""
    _, window, n_inputs = model["input_shape"]
    return NetworkSpec(
        cell=model["cell"],
        units=tuple(model["units"]),
        n_inputs=n_inputs,
        window=window,
        horizon=model["outputs"],
        n_targets=1,
        bidirectional=model["bidirectional"],
    )


def predict_with_keras_weights(arrays, name: str, model: dict) -> np.ndarray:
    """lstmcast's predictions (batch, outputs) with the Keras weights of ``name`` put into its params."""
    spec = spec_of(model)
    params = init_params(jax.random.key(0), spec)
    for i, layer in enumerate(params["layers"]):
        for direction in spec.directions:  # ("forward",) or ("forward", "backward"), concatenated in that order
            for w in WEIGHTS:
                keras_w = arrays[f"{name}.layer{i}.{direction}.{w}"]
                assert keras_w.shape == layer[direction][w].shape, (name, i, direction, w)
                layer[direction][w] = keras_w
    for w in ("kernel", "bias"):
        assert arrays[f"{name}.head.{w}"].shape == params["head"][w].shape, (name, "head", w)
        params["head"][w] = arrays[f"{name}.head.{w}"]
    out = np.asarray(apply(params, spec, arrays[f"{name}.x"]))
    # Keras's Dense(k) output (batch, k) is lstmcast's (batch, horizon=k, n_targets=1), with any trailing
    # per-step axis of width 1 (a point forecast's head width) allowed
    batch, k = arrays[f"{name}.pred"].shape
    assert out.shape[:3] == (batch, k, 1) and all(d == 1 for d in out.shape[3:]), out.shape
    return out.reshape(batch, k)


@pytest.fixture(scope="module")
def fixture_arrays():
    with np.load(FIXTURES / "keras_parity.npz") as z:
        return {k: z[k] for k in z.files}


def test_fixture_covers_the_layer_kinds():
    """The committed fixture has LSTM and GRU, single, stacked and bidirectional models."""
    models = META["models"].values()
    assert {m["cell"] for m in models} == {"lstm", "gru"}
    assert any(len(m["units"]) > 1 and not m["bidirectional"] for m in models)
    assert any(m["bidirectional"] for m in models)


@pytest.mark.parametrize("name", MODELS)
def test_keras_weights_give_keras_predictions(name, fixture_arrays):
    """lstmcast with a Keras model's weights predicts what Keras predicted (fixture, no Keras needed)."""
    ours = predict_with_keras_weights(fixture_arrays, name, META["models"][name])
    np.testing.assert_allclose(ours, fixture_arrays[f"{name}.pred"], atol=1e-5, rtol=0)


def _fixture_script():
    spec = importlib.util.spec_from_file_location("make_keras_fixture", FIXTURES / "make_keras_fixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", MODELS)
def test_live_keras_matches_fixture(name, fixture_arrays):
    """With Keras installed: live Keras predictions equal lstmcast's and the committed fixture's.

    A failure of the fixture comparison alone means Keras changed: refresh the
    fixture with the command in tests/fixtures/make_keras_fixture.py.
    """
    os.environ.setdefault("KERAS_BACKEND", "jax")
    pytest.importorskip("keras")
    live, meta = _fixture_script().export(name, META["models"][name]["seed"])
    ours = predict_with_keras_weights(live, name, meta)
    np.testing.assert_allclose(ours, live[f"{name}.pred"], atol=1e-5, rtol=0)
    assert sorted(live) == sorted(k for k in fixture_arrays if k.startswith(f"{name}."))
    for key, value in live.items():
        if key != f"{name}.pred":
            np.testing.assert_array_equal(value, fixture_arrays[key], err_msg=key)
    np.testing.assert_allclose(live[f"{name}.pred"], fixture_arrays[f"{name}.pred"], atol=1e-5, rtol=0)
