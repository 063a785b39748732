"""The forecasting network: stacked recurrent layers and a dense head.

A pure function of ``(params, inputs)``; the shape of everything is fixed by a
frozen :class:`NetworkSpec` that the estimator builds from the data in ``fit``.

inputs (batch, window, n_inputs) -> outputs (batch, horizon, n_targets)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial

import jax
import jax.numpy as jnp

from lstmcast.errors import ConfigError
from lstmcast.nn import cudnn
from lstmcast.nn.cells import CELLS, init_cell, run_layer
from lstmcast.nn.init import glorot_uniform

Params = dict


@dataclass(frozen=True)
class NetworkSpec:
    """Shape of a network. Everything but ``cell`` and ``units`` is read from the data."""

    cell: str = "lstm"  # "lstm" or "gru"
    units: tuple[int, ...] = (50,)  # one entry per stacked recurrent layer
    n_inputs: int = 1  # features per time step (targets included)
    window: int = 10  # time steps the network reads
    horizon: int = 1  # future steps it emits (direct strategy)
    n_targets: int = 1  # series it forecasts
    dropout: float = 0.0  # between recurrent layers, training only
    bidirectional: bool = False  # read each window both ways
    dense_units: int = 0  # an optional hidden dense layer (ReLU) before the head

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ConfigError.choice("cell", self.cell, CELLS)
        units = tuple(int(u) for u in (self.units if isinstance(self.units, (tuple, list)) else (self.units,)))
        object.__setattr__(self, "units", units)
        if not units or any(u < 1 for u in units):
            raise ConfigError(f"units={self.units!r} must be one or more positive integers, e.g. units=(64, 32).")
        for name in ("n_inputs", "window", "horizon", "n_targets"):
            if int(getattr(self, name)) < 1:
                raise ConfigError.positive(name, getattr(self, name))
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout={self.dropout!r} must be in [0, 1).")
        if self.dense_units < 0:
            raise ConfigError(f"dense_units={self.dense_units!r} must be 0 (no hidden dense layer) or positive.")

    @property
    def directions(self) -> tuple[str, ...]:
        return ("forward", "backward") if self.bidirectional else ("forward",)

    @property
    def n_outputs(self) -> int:
        return self.horizon * self.n_targets

    def to_dict(self) -> dict:
        d = asdict(self)
        d["units"] = list(self.units)
        return d


@partial(jax.jit, static_argnums=1)  # one compiled (and disk-cached) program instead of ~25 eager ops
def init_params(key: jax.Array, spec: NetworkSpec) -> Params:
    """Fresh parameters with Keras's default initializers."""
    keys = iter(jax.random.split(key, 2 * len(spec.units) + 2))
    layers = []
    width = spec.n_inputs
    for units in spec.units:
        layers.append({d: init_cell(next(keys), spec.cell, width, units) for d in spec.directions})
        width = units * len(spec.directions)
    params: Params = {"layers": layers}
    if spec.dense_units:
        params["dense"] = _init_dense(next(keys), width, spec.dense_units)
        width = spec.dense_units
    params["head"] = _init_dense(next(keys), width, spec.n_outputs)
    return params


def _init_dense(key: jax.Array, n_in: int, n_out: int) -> dict[str, jax.Array]:
    return {"kernel": glorot_uniform(key, (n_in, n_out)), "bias": jnp.zeros((n_out,), jnp.float32)}


def _dropout(key: jax.Array | None, x: jax.Array, rate: float) -> jax.Array:
    if key is None or rate == 0.0:
        return x
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


def apply(params: Params, spec: NetworkSpec, inputs: jax.Array, *, key: jax.Array | None = None) -> jax.Array:
    """Forecast from windows.

    inputs: (batch, window, n_inputs) -> (batch, horizon, n_targets).
    ``key`` turns dropout on (training); leave it ``None`` to predict.
    """
    if cudnn.applies(spec):  # NVIDIA GPU: cuDNN's fused LSTM
        x = cudnn.last_states(params["layers"], spec, inputs)  # (batch, U * directions)
    else:
        x = _scan_stack(params["layers"], spec, inputs, key)
    if "dense" in params:  # x: (batch, U * directions)
        x = jax.nn.relu(x @ params["dense"]["kernel"] + params["dense"]["bias"])
    out = x @ params["head"]["kernel"] + params["head"]["bias"]  # (batch, horizon * n_targets)
    return out.reshape(out.shape[0], spec.horizon, spec.n_targets)


def _scan_stack(layers, spec: NetworkSpec, inputs: jax.Array, key) -> jax.Array:
    """The recurrent stack as scans: inputs (batch, window, n_inputs) -> (batch, U * directions)."""
    unroll = spec.window if spec.window <= 16 else 1
    x = jnp.swapaxes(inputs, 0, 1)  # (time, batch, features)
    for layer in layers[:-1]:
        outs = [run_layer(spec.cell, layer[d], x, reverse=(d == "backward"), unroll=unroll) for d in spec.directions]
        x = jnp.concatenate(outs, axis=-1)  # (time, batch, U * directions)
        if key is not None:
            key, sub = jax.random.split(key)
            x = _dropout(sub, x, spec.dropout)
    # the last layer gives only its state after the whole window (the backward half's after reading it reversed)
    last = [
        run_layer(spec.cell, layers[-1][d], x, reverse=(d == "backward"), unroll=unroll, last_only=True)
        for d in spec.directions
    ]
    return jnp.concatenate(last, axis=-1)  # (batch, U * directions)
