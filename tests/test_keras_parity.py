"""Weights from a Keras LSTM/GRU layer load one to one and give Keras's outputs.

Runs only where Keras is installed (pip install -r benchmarks/requirements-bench.txt);
Keras is never a dependency of lstmcast.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import jax  # noqa: E402

from lstmcast.nn import NetworkSpec, apply, init_params  # noqa: E402


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_keras_weights_give_keras_outputs(cell):
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype(np.float32)
    layer_cls = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    model = keras.Sequential([keras.Input((9, 3)), layer_cls(6), keras.layers.Dense(2)])
    expected = np.asarray(model(x))
    spec = NetworkSpec(cell=cell, units=(6,), n_inputs=3, window=9, horizon=2)
    params = init_params(jax.random.key(0), spec)
    kernel, recurrent, bias = model.layers[0].get_weights()
    dense_kernel, dense_bias = model.layers[1].get_weights()
    params["layers"][0]["forward"] = {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}
    params["head"] = {"kernel": dense_kernel, "bias": dense_bias}
    ours = np.asarray(apply(params, spec, x))[:, :, 0]
    np.testing.assert_allclose(ours, expected, atol=1e-5)
