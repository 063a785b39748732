"""LSTM and GRU recurrences as pure functions, with Keras's parameter layout.

Parameters of one recurrent layer (``units`` = U, input width = D):

* LSTM: ``kernel`` (D, 4U), ``recurrent_kernel`` (U, 4U), ``bias`` (4U,);
  gate order i, f, c, o (Keras).
* GRU (``reset_after=True``): ``kernel`` (D, 3U), ``recurrent_kernel`` (U, 3U),
  ``bias`` (2, 3U) -- row 0 is the input bias, row 1 the recurrent bias; gate
  order z, r, h (Keras).

:func:`run_layer` runs a layer with the hand-written backward passes of
:mod:`lstmcast.nn.recurrence`; :func:`run_layer_autodiff` is the plain scan
that JAX differentiates, kept as the reference the tests compare against.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from lstmcast.nn.init import glorot_uniform, orthogonal
from lstmcast.nn.recurrence import gru_layer, lstm_layer

CELLS = ("lstm", "gru")
GATES = {"lstm": 4, "gru": 3}


def count_params(cell: str, n_inputs: int, units: int) -> int:
    """Parameters of one recurrent layer, equal to Keras's count."""
    gates = GATES[cell]
    bias = gates * units * (2 if cell == "gru" else 1)
    return gates * units * (n_inputs + units) + bias


def init_cell(key: jax.Array, cell: str, n_inputs: int, units: int) -> dict[str, jax.Array]:
    """Keras's default initialization: Glorot kernel, orthogonal recurrent kernel, forget bias 1."""
    gates = GATES[cell]
    k_in, k_rec = jax.random.split(key)
    kernel = glorot_uniform(k_in, (n_inputs, gates * units))
    recurrent = orthogonal(k_rec, (units, gates * units))
    if cell == "lstm":
        bias = jnp.zeros((4 * units,), jnp.float32).at[units : 2 * units].set(1.0)  # forget gate
    else:
        bias = jnp.zeros((2, 3 * units), jnp.float32)
    return {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}


def project_inputs(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    """Input projection of all time steps at once.

    x: (time, batch, D) -> (time, batch, gates * U), input bias included.
    """
    bias = params["bias"]
    input_bias = bias if bias.ndim == 1 else bias[0]
    return x @ params["kernel"] + input_bias


def _lstm_step(params):
    recurrent = params["recurrent_kernel"]  # (U, 4U)

    def step(carry, xp):  # xp: (batch, 4U)
        h, c = carry
        z = xp + h @ recurrent
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    return step


def _gru_step(params):
    recurrent = params["recurrent_kernel"]  # (U, 3U)
    recurrent_bias = params["bias"][1]  # (3U,)

    def step(carry, xp):  # xp: (batch, 3U)
        (h,) = carry
        x_z, x_r, x_h = jnp.split(xp, 3, axis=-1)
        r_z, r_r, r_h = jnp.split(h @ recurrent + recurrent_bias, 3, axis=-1)
        z = jax.nn.sigmoid(x_z + r_z)
        r = jax.nn.sigmoid(x_r + r_r)
        candidate = jnp.tanh(x_h + r * r_h)
        h = z * h + (1.0 - z) * candidate
        return (h,), h

    return step


_STEPS: dict[str, Callable] = {"lstm": _lstm_step, "gru": _gru_step}


def run_layer_autodiff(
    cell: str, params: dict[str, jax.Array], x: jax.Array, *, reverse: bool = False, unroll: int = 1
):
    """Reference version of :func:`run_layer`: a plain scan, differentiated by JAX."""
    xp = project_inputs(params, x)  # (time, batch, gates * U)
    units = params["recurrent_kernel"].shape[0]
    h0 = jnp.zeros((x.shape[1], units), xp.dtype)  # (batch, U)
    carry = (h0, h0) if cell == "lstm" else (h0,)
    _, hs = jax.lax.scan(_STEPS[cell](params), carry, xp, reverse=reverse, unroll=unroll)
    return hs  # (time, batch, U)


def run_layer(
    cell: str,
    params: dict[str, jax.Array],
    x: jax.Array,
    *,
    reverse: bool = False,
    unroll: int = 1,
    last_only: bool = False,
):
    """Run one recurrent layer over a time-major sequence, with the hand-written backward pass.

    x: (time, batch, D) -> outputs (time, batch, U) in the input's time order.
    With ``reverse`` the layer reads the sequence from its end (the backward
    half of a bidirectional layer); its outputs are still aligned with ``x``.
    With ``last_only`` it returns only the state after reading the whole
    sequence, (batch, U): ``outputs[-1]``, or ``outputs[0]`` with ``reverse``.
    Same values as :func:`run_layer_autodiff`, faster gradients.
    """
    if reverse:
        x = x[::-1]
    layer = lstm_layer if cell == "lstm" else gru_layer
    out = layer(x, params["kernel"], params["bias"], params["recurrent_kernel"], unroll, last_only)
    return out[::-1] if reverse and not last_only else out
