"""cuDNN's fused LSTM on NVIDIA GPUs, through ``jax.experimental.rnn``.

cuDNN packs every (layer, direction) as ``W_ih`` (4U, D), ``W_hh`` (4U, U), then
all biases ``b_ih``, ``b_hh`` (4U,), gate order i, f, g, o -- Keras's order, so
a Keras layer maps as ``W_ih = kernel.T``, ``W_hh = recurrent_kernel.T``,
``b_ih = bias``, ``b_hh = 0``. The path applies to LSTM stacks whose layers all
have the same width, without dropout between layers; everything else (and
every CPU run) uses the scan in :mod:`lstmcast.nn.recurrence`.

Set ``LSTMCAST_CUDNN=0`` to force the scan on a GPU too.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp


def applies(spec) -> bool:
    """Whether cuDNN can run this network here."""
    from lstmcast.nn.cells import get_cell

    if os.environ.get("LSTMCAST_CUDNN", "1") == "0" or not get_cell(spec.cell).cudnn or spec.dropout:
        return False
    if len(set(spec.units)) != 1:
        return False
    try:
        return jax.default_backend() == "gpu"
    except RuntimeError:
        return False


def pack(layers: list[dict], spec) -> jax.Array:
    """Keras-layout layer parameters -> cuDNN's flat weight vector."""
    linear, biases = [], []
    for layer in layers:
        for d in spec.directions:
            p = layer[d]
            linear += [p["kernel"].T.reshape(-1), p["recurrent_kernel"].T.reshape(-1)]
            biases += [p["bias"], jnp.zeros_like(p["bias"])]
    return jnp.concatenate(linear + biases)


def last_states(layers: list[dict], spec, inputs: jax.Array) -> jax.Array:
    """inputs (batch, window, n_inputs) -> the stack's final features (batch, U * directions)."""
    from jax.experimental import rnn

    units, n_layers, n_dir = spec.units[0], len(spec.units), len(spec.directions)
    batch = inputs.shape[0]
    h0 = jnp.zeros((n_layers * n_dir, batch, units), inputs.dtype)
    lengths = jnp.full((batch,), inputs.shape[1], jnp.int32)
    y, _, _ = rnn.lstm(
        inputs,
        h0,
        h0,
        pack(layers, spec),
        lengths,
        input_size=spec.recurrent_inputs,
        hidden_size=units,
        num_layers=n_layers,
        dropout=0.0,
        bidirectional=spec.bidirectional,
    )  # y: (batch, window, U * directions)
    if not spec.bidirectional:
        return y[:, -1]
    return jnp.concatenate([y[:, -1, :units], y[:, 0, units:]], axis=-1)
