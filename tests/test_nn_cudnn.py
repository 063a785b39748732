"""The cuDNN weight packing, checked on CPU against jax.experimental.rnn's reference LSTM.

The fused kernel itself needs an NVIDIA GPU; this checks that our Keras-layout
parameters reach it in cuDNN's layout (same outputs as our scan).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import rnn

from lstmcast.nn import NetworkSpec, cudnn, init_params
from lstmcast.nn.network import _scan_stack


@pytest.mark.parametrize("units,bidirectional", [((6,), False), ((5, 5), False), ((4,), True), ((3, 3), True)])
def test_packed_weights_reproduce_our_stack(units, bidirectional):
    spec = NetworkSpec(cell="lstm", units=units, n_inputs=2, window=7, bidirectional=bidirectional)
    params = init_params(jax.random.key(0), spec)
    params = jax.tree.map(
        lambda a: a + 0.2 * np.random.default_rng(a.size).normal(size=a.shape).astype(a.dtype), params
    )
    x = jnp.asarray(np.random.default_rng(1).normal(size=(3, 7, 2)).astype(np.float32))
    ours = _scan_stack(params["layers"], spec, x, None)
    n_layers, n_dir, u = len(units), len(spec.directions), units[0]
    W_ih, W_hh, b_ih, b_hh = rnn.unpack_lstm_weights(cudnn.pack(params["layers"], spec), 2, u, n_layers, bidirectional)
    h0 = jnp.zeros((n_layers * n_dir, 3, u))
    y, _, _ = rnn.lstm_ref(
        x, h0, h0, W_ih, W_hh, b_ih, b_hh, jnp.full((3,), 7, jnp.int32), 2, u, n_layers, 0.0, bidirectional
    )
    ref = y[:, -1] if not bidirectional else jnp.concatenate([y[:, -1, :u], y[:, 0, u:]], axis=-1)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(ref), atol=1e-5)


def test_cudnn_is_off_on_cpu_and_for_gru_or_mixed_widths():
    if jax.default_backend() != "gpu":
        assert not cudnn.applies(NetworkSpec(cell="lstm", units=(8,)))
    assert not cudnn.applies(NetworkSpec(cell="gru", units=(8,)))
    assert not cudnn.applies(NetworkSpec(cell="lstm", units=(8, 4)))
