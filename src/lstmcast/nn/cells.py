"""The registry of recurrent cells: LSTM and GRU with Keras's parameter layout.

A :class:`Cell` is a cell's declaration (:mod:`lstmcast.cell_table`: gate count,
bias layout, states, ONNX and Keras mappings) with its arithmetic attached: its
step (for the plain autodiff scan) and, where one exists, a layer with a
hand-written backward pass. A new cell is a declaration there and one
``register_cell(declared(...))`` here; a cell without a fast layer runs as a
``lax.scan`` that JAX differentiates.

Parameters of one recurrent layer (``units`` = U, input width = D):

* LSTM: ``kernel`` (D, 4U), ``recurrent_kernel`` (U, 4U), ``bias`` (4U,);
  gate order i, f, c, o (Keras).
* GRU (``reset_after=True``): ``kernel`` (D, 3U), ``recurrent_kernel`` (U, 3U),
  ``bias`` (2, 3U) -- row 0 is the input bias, row 1 the recurrent bias; gate
  order z, r, h (Keras).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

import jax
import jax.numpy as jnp

from lstmcast.cell_table import DECLARED, CellDeclaration
from lstmcast.errors import ConfigError
from lstmcast.nn.init import glorot_uniform, orthogonal
from lstmcast.nn.recurrence import gru_layer, lstm_layer


@dataclass(frozen=True)
class Cell(CellDeclaration):
    """One kind of recurrent cell: its declaration (:mod:`lstmcast.cell_table`) and its arithmetic."""

    step: Callable = field(kw_only=True)  # params -> step(carry, xp) for the reference scan; carry: (batch, U) states
    layer: Callable | None = field(default=None, kw_only=True)  # fast layer(x, kernel, bias, recurrent, unroll,
    # last_only) with a hand-written backward pass, or None: the scan that JAX differentiates

    def count(self, n_inputs: int, units: int) -> int:
        """Parameters of one layer, equal to Keras's count."""
        return self.gates * units * (n_inputs + units) + self.bias_rows * self.gates * units

    def init(self, key: jax.Array, n_inputs: int, units: int) -> dict[str, jax.Array]:
        """Keras's default initialization: Glorot kernel, orthogonal recurrent kernel, zero (or forget 1) bias."""
        k_in, k_rec = jax.random.split(key)
        width = self.gates * units
        bias = jnp.zeros((width,) if self.bias_rows == 1 else (self.bias_rows, width), jnp.float32)
        if self.forget_bias:
            bias = bias.at[units : 2 * units].set(1.0)
        return {
            "kernel": glorot_uniform(k_in, (n_inputs, width)),
            "recurrent_kernel": orthogonal(k_rec, (units, width)),
            "bias": bias,
        }


CELLS: dict[str, Cell] = {}


def register_cell(cell: Cell) -> Cell:
    """Make ``cell=cell.name`` available everywhere (network, summary, saving, CLI)."""
    CELLS[cell.name] = cell
    return cell


def get_cell(name: str) -> Cell:
    if name not in CELLS:
        raise ConfigError.choice("cell", name, tuple(CELLS))
    return CELLS[name]


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


def declared(name: str, step: Callable, layer: Callable | None = None) -> Cell:
    """The :class:`Cell` of a declaration in :mod:`lstmcast.cell_table` with its arithmetic attached."""
    d = DECLARED[name]
    return Cell(**{f.name: getattr(d, f.name) for f in fields(d)}, step=step, layer=layer)


register_cell(declared("lstm", _lstm_step, lstm_layer))
register_cell(declared("gru", _gru_step, gru_layer))


def count_params(cell: str, n_inputs: int, units: int) -> int:
    """Parameters of one recurrent layer, equal to Keras's count."""
    return get_cell(cell).count(n_inputs, units)


def init_cell(key: jax.Array, cell: str, n_inputs: int, units: int) -> dict[str, jax.Array]:
    """Keras's default initialization of one layer of ``cell``."""
    return get_cell(cell).init(key, n_inputs, units)


def run_layer_autodiff(
    cell: str, params: dict[str, jax.Array], x: jax.Array, *, reverse: bool = False, unroll: int = 1
):
    """Reference version of :func:`run_layer`: a plain scan, differentiated by JAX."""
    c = get_cell(cell)
    xp = project_inputs(params, x)  # (time, batch, gates * U)
    h0 = jnp.zeros((x.shape[1], params["recurrent_kernel"].shape[0]), xp.dtype)  # (batch, U)
    _, hs = jax.lax.scan(c.step(params), (h0,) * c.n_states, xp, reverse=reverse, unroll=unroll)
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
    """Run one recurrent layer over a time-major sequence, with the hand-written backward pass where one exists.

    x: (time, batch, D) -> outputs (time, batch, U) in the input's time order.
    With ``reverse`` the layer reads the sequence from its end (the backward
    half of a bidirectional layer); its outputs are still aligned with ``x``.
    With ``last_only`` it returns only the state after reading the whole
    sequence, (batch, U): ``outputs[-1]``, or ``outputs[0]`` with ``reverse``.
    Same values as :func:`run_layer_autodiff`, faster gradients.
    """
    c = get_cell(cell)
    if c.layer is None:
        hs = run_layer_autodiff(cell, params, x, reverse=reverse, unroll=unroll)
        return (hs[0] if reverse else hs[-1]) if last_only else hs
    if reverse:
        x = x[::-1]
    out = c.layer(x, params["kernel"], params["bias"], params["recurrent_kernel"], unroll, last_only)
    return out[::-1] if reverse and not last_only else out
