"""The forecasting network: stacked recurrent layers and a dense head, behind one network protocol.

A network is a frozen spec with ``kind``, ``init(key)``, ``apply(params, inputs,
future=, key=)``, ``count()``, ``layer_rows()`` and ``to_dict()``; the estimator
builds it from the data in ``fit`` and saving stores ``to_dict()`` (with its
``kind``). :data:`NETWORKS` maps kinds to spec classes, so another architecture
plugs in at one place. :class:`NetworkSpec` is the recurrent one:

inputs (batch, window, n_inputs), future (batch, horizon, n_future) ->
outputs (batch, horizon, n_targets, n_outputs)

``n_outputs`` is the loss's head width per target and step (1 for a point
forecast) and ``head`` what those outputs are (nn/heads.py: a point, quantiles
that never cross, or a distribution's parameters); ``n_future`` counts the
covariates known in advance whose values over the horizon reach the head
(direct strategy).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import partial
from typing import ClassVar

import jax
import jax.numpy as jnp

from lstmcast.errors import ConfigError
from lstmcast.nn import cudnn, holt_winters
from lstmcast.nn.cells import get_cell, run_layer
from lstmcast.nn.heads import LABELS, check_head, constrain
from lstmcast.nn.init import glorot_uniform
from lstmcast.nn.scaling import LEARNED, MODES
from lstmcast.nn.summary import LayerRow, numbered
from lstmcast.nn.unroll import unroll

Params = dict


@dataclass(frozen=True)
class NetworkSpec:
    """Shape of a recurrent network. Everything but the cell, units and layers is read from the data and loss."""

    kind: ClassVar[str] = "recurrent"

    cell: str = "lstm"  # a registered cell (nn/cells.py): "lstm" or "gru"
    units: tuple[int, ...] = (50,)  # one entry per stacked recurrent layer
    n_inputs: int = 1  # features per time step (targets included)
    window: int = 10  # time steps the network reads
    horizon: int = 1  # future steps it emits (direct strategy)
    n_targets: int = 1  # series it forecasts
    dropout: float = 0.0  # after each recurrent layer, training only
    bidirectional: bool = False  # read each window both ways
    dense_units: int = 0  # an optional hidden dense layer (ReLU) before the head
    n_outputs: int = 1  # head outputs per target and step (the loss's width)
    n_future: int = 0  # known-in-advance covariates whose horizon values reach the head
    normalize: str = "none"  # scale-free windows, one of nn/scaling.py's MODES ("none", "last", "season", ...)
    season: int = 1  # the seasonal period, for normalize="season" (nn/scaling.py)
    head: str = "point"  # what the outputs are (nn/heads.py): "point" | "quantile" | "normal" | "studentt" | "negbin"
    future_relative: bool = False  # the head reads future covariates minus their mean over the window
    # > 0: each horizon step's covariates, at their level and minus their window mean, pass through one
    # ReLU layer of this width (shared by the steps) before the head; a response that is not a straight
    # line (demand against temperature) needs it. 0: the covariates reach the head directly.
    future_encoder: int = 0
    # static attributes of many series, as constant input columns at static_at: n_static numeric ones,
    # then one integer code per categorical one (0 = a category never seen), embedded (static_cards)
    n_static: int = 0
    static_cards: tuple[int, ...] = ()
    static_at: int = 0

    def __post_init__(self) -> None:
        get_cell(self.cell)
        units = tuple(int(u) for u in (self.units if isinstance(self.units, (tuple, list)) else (self.units,)))
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "static_cards", tuple(int(c) for c in self.static_cards))
        if not units or any(u < 1 for u in units):
            raise ConfigError(f"units={self.units!r} must be one or more positive integers, e.g. units=(64, 32).")
        for name in ("n_inputs", "window", "horizon", "n_targets", "n_outputs"):
            if int(getattr(self, name)) < 1:
                raise ConfigError.positive(name, getattr(self, name))
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout={self.dropout!r} must be in [0, 1).")
        if self.dense_units < 0 or self.n_future < 0:
            raise ConfigError(f"dense_units={self.dense_units!r} must be 0 (no hidden dense layer) or positive.")
        if self.normalize not in MODES:
            raise ConfigError.choice("normalize", self.normalize, MODES)
        check_head(self.head, int(self.n_outputs), self.normalize)

    @property
    def directions(self) -> tuple[str, ...]:
        return ("forward", "backward") if self.bidirectional else ("forward",)

    @property
    def head_width(self) -> int:
        return self.horizon * self.n_targets * self.n_outputs

    @property
    def features_width(self) -> int:
        """Width of what the dense layers read: the last recurrent state(s), the future covariates and the
        static attributes (numeric ones and the categorical ones' embeddings)."""
        static = self.n_static + sum(embedding_dims(self.static_cards))
        per_step = (self.future_encoder or self.n_future) if self.n_future else 0
        return self.units[-1] * len(self.directions) + self.horizon * per_step + static

    @property
    def static_columns(self) -> int:
        return self.n_static + len(self.static_cards)

    @property
    def recurrent_inputs(self) -> int:
        """Columns the recurrence reads per step: every input column but the static ones."""
        return self.n_inputs - self.static_columns

    # -- the network protocol --------------------------------------------------------------------
    def init(self, key: jax.Array) -> Params:
        return init_params(key, self)

    def apply(self, params: Params, inputs, *, future=None, key=None):
        return apply(params, self, inputs, future=future, key=key)

    def count(self) -> int:
        return sum(r.params for r in self.layer_rows())

    def layer_rows(self) -> list[LayerRow]:
        """One row per layer, with Keras's names, output shapes and parameter counts."""
        cell = get_cell(self.cell)
        rows: list[LayerRow] = []
        width, n_dir = self.recurrent_inputs, len(self.directions)
        base = "bidirectional" if self.bidirectional else self.cell
        kind = f"Bidirectional({cell.label})" if self.bidirectional else cell.label
        for i, units in enumerate(self.units):
            out_width = units * n_dir
            shape = (None, out_width) if i == len(self.units) - 1 else (None, self.window, out_width)
            rows.append(LayerRow(numbered(base, i), kind, shape, cell.count(width, units) * n_dir))
            width = out_width
        for j, (card, dim) in enumerate(zip(self.static_cards, embedding_dims(self.static_cards))):
            rows.append(LayerRow(numbered("embedding", j), "Embedding", (None, dim), card * dim))
        if self.n_future and self.future_encoder:
            shape, count = (None, self.horizon, self.future_encoder), (2 * self.n_future + 1) * self.future_encoder
            rows.append(LayerRow("future_encoder", "Dense", shape, count))
        if self.n_future or self.static_columns:
            width = self.features_width
            rows.append(LayerRow("concatenate", "Concatenate", (None, width), 0))
        dense = 0
        if self.dense_units:
            rows.append(LayerRow("dense", "Dense", (None, self.dense_units), (width + 1) * self.dense_units))
            width, dense = self.dense_units, 1
        rows.append(LayerRow(numbered("dense", dense), "Dense", (None, self.head_width), (width + 1) * self.head_width))
        if self.normalize in LEARNED:
            rows.insert(
                0,
                LayerRow(
                    "exponential_smoothing",
                    "HoltWinters",
                    (None, self.window, self.n_targets),
                    2 * self.n_targets + (self.normalize == "mixed"),  # "mixed": and the member's flag
                ),
            )
        if self.head != "point":  # parameter-free: raw outputs -> valid quantiles or distribution parameters
            shape = (None, self.horizon, self.n_targets, self.n_outputs)
            rows.append(LayerRow(f"{self.head}_head", LABELS[self.head], shape, 0))
        return rows

    def to_dict(self) -> dict:
        d = asdict(self)
        d["units"] = list(self.units)
        d["static_cards"] = list(self.static_cards)
        return {"kind": self.kind, **d}


NETWORKS: dict[str, type] = {NetworkSpec.kind: NetworkSpec}


def network_from_dict(d: dict):
    """A network spec saved with ``to_dict()``; documents without ``kind`` (format 1) are recurrent, and
    those without ``head`` (saved before distribution heads) have a point head, and those without
    ``future_relative`` read their future covariates as they are."""
    d = dict(d)
    kind = d.pop("kind", "recurrent")
    if kind not in NETWORKS:
        raise ConfigError.choice("network kind", kind, tuple(NETWORKS))
    if "units" in d:
        d["units"] = tuple(d["units"])
    return NETWORKS[kind](**d)


def init_params(key: jax.Array, spec: NetworkSpec) -> Params:
    """Fresh parameters with Keras's default initializers.

    What only shapes the arithmetic (window, season, dropout, how the windows are normalized unless
    the normalization has parameters) is left out of the compiled program's key: networks that
    differ only there share one initializer program, and get the same parameters from the same key.
    """
    normalize = spec.normalize if spec.normalize in LEARNED else "none"
    return _init_params(key, replace(spec, window=1, season=1, dropout=0.0, future_relative=False, normalize=normalize))


@partial(jax.jit, static_argnums=1)  # one compiled (and disk-cached) program instead of ~25 eager ops
def _init_params(key: jax.Array, spec: NetworkSpec) -> Params:
    cell = get_cell(spec.cell)
    keys = iter(jax.random.split(key, 2 * len(spec.units) + 2))
    layers = []
    width = spec.recurrent_inputs
    for units in spec.units:
        layers.append({d: cell.init(next(keys), width, units) for d in spec.directions})
        width = units * len(spec.directions)
    params: Params = {"layers": layers}
    if spec.static_cards:  # one table per categorical attribute, uniform +-0.05 (Keras's default)
        cards, dims = spec.static_cards, embedding_dims(spec.static_cards)
        tables = jax.random.split(jax.random.fold_in(key, EMBEDDING_STREAM), len(cards))  # apart from the others
        params["embeddings"] = [
            jax.random.uniform(k, (card, dim), jnp.float32, -0.05, 0.05) for k, card, dim in zip(tables, cards, dims)
        ]
    width = spec.features_width
    if spec.dense_units:
        params["dense"] = _init_dense(next(keys), width, spec.dense_units)
        width = spec.dense_units
    params["head"] = _init_dense(next(keys), width, spec.head_width)
    if spec.n_future and spec.future_encoder:  # its own stream: networks without it keep their parameters
        params["future"] = _init_dense(jax.random.fold_in(key, FUTURE_STREAM), 2 * spec.n_future, spec.future_encoder)
    if spec.normalize in LEARNED:  # the window's Holt-Winters coefficients, learned with the rest
        params["smoothing"] = holt_winters.init_coefficients(spec.n_targets, flag=spec.normalize == "mixed")
    return params


EMBEDDING_STREAM = 0x5EED  # the embeddings' key: fold_in, so networks without statics keep their streams
FUTURE_STREAM = 0xF07E  # the future encoder's, likewise


def embedding_dims(cards) -> tuple[int, ...]:
    """Embedding width of each categorical attribute: about half its categories, 1 to 16."""
    return tuple(max(1, min(16, (int(c) + 1) // 2)) for c in cards)


def _static_features(params: Params, spec: NetworkSpec, columns: jax.Array) -> jax.Array:
    """columns (batch, n_static + n_categorical): numeric attributes, then integer codes -> (batch, features)."""
    parts = [columns[:, : spec.n_static]]
    for j, table in enumerate(params.get("embeddings", [])):
        code = jnp.clip(columns[:, spec.n_static + j].astype(jnp.int32), 0, table.shape[0] - 1)  # (batch,)
        parts.append(table[code])  # (batch, dim)
    return jnp.concatenate(parts, axis=-1)


def _init_dense(key: jax.Array, n_in: int, n_out: int) -> dict[str, jax.Array]:
    return {"kernel": glorot_uniform(key, (n_in, n_out)), "bias": jnp.zeros((n_out,), jnp.float32)}


def _dropout(key: jax.Array | None, x: jax.Array, rate: float) -> jax.Array:
    if key is None or rate == 0.0:
        return x
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


def apply(params: Params, spec: NetworkSpec, inputs: jax.Array, *, future=None, key: jax.Array | None = None):
    """Forecast from windows.

    inputs: (batch, window, n_inputs); future: (batch, horizon, n_future) or None ->
    (batch, horizon, n_targets, n_outputs), the head's parameters in window units
    (nn/heads.py). ``key`` turns dropout on (training); leave it ``None`` to predict.
    """
    static = None
    if spec.static_columns:  # constant per window: read from its first row, and kept out of the recurrence
        a, b = spec.static_at, spec.static_at + spec.static_columns
        static = _static_features(params, spec, inputs[:, 0, a:b])  # (batch, n_static + embedding dims)
        inputs = jnp.concatenate([inputs[:, :, :a], inputs[:, :, b:]], axis=-1)  # (batch, window, recurrent)
    if cudnn.applies(spec):  # NVIDIA GPU: cuDNN's fused LSTM
        x = cudnn.last_states(params["layers"], spec, inputs)  # (batch, U * directions)
    else:
        x = _scan_stack(params["layers"], spec, inputs, key)
    if key is not None and spec.dropout:
        x = _dropout(jax.random.fold_in(key, len(spec.units)), x, spec.dropout)
    if spec.n_future:  # the covariates' values over the horizon reach the head
        x = jnp.concatenate([x, _future_features(params, spec, inputs, future)], axis=-1)  # (batch, features_width)
    if static is not None:
        x = jnp.concatenate([x, static], axis=-1)
    if "dense" in params:
        x = jax.nn.relu(x @ params["dense"]["kernel"] + params["dense"]["bias"])
    out = x @ params["head"]["kernel"] + params["head"]["bias"]  # (batch, head_width)
    out = out.reshape(out.shape[0], spec.horizon, spec.n_targets, spec.n_outputs)
    return constrain(out, spec.head)  # a point head's outputs pass unchanged


def _future_features(params: Params, spec: NetworkSpec, inputs: jax.Array, future: jax.Array) -> jax.Array:
    """inputs (batch, window, n_inputs), future (batch, horizon, n_future) -> (batch, horizon * per step)."""
    if spec.future_encoder or spec.future_relative:  # (older models read the levels alone)
        past = inputs[:, :, inputs.shape[2] - spec.n_future :]  # (batch, window, n_future)
        relative = future - jnp.mean(past, axis=1, keepdims=True)  # changes, as the targets are relative to the window
        if spec.future_encoder:
            both = jnp.concatenate([future, relative], axis=-1)  # (batch, horizon, 2 * n_future)
            future = jax.nn.relu(both @ params["future"]["kernel"] + params["future"]["bias"])  # (batch, horizon, E)
        else:
            future = relative
    return future.reshape(future.shape[0], -1)


def _scan_stack(layers, spec: NetworkSpec, inputs: jax.Array, key) -> jax.Array:
    """The recurrent stack as scans: inputs (batch, window, n_inputs) -> (batch, U * directions)."""
    steps = unroll(spec.window)
    x = jnp.swapaxes(inputs, 0, 1)  # (time, batch, features)
    for i, layer in enumerate(layers[:-1]):
        outs = [run_layer(spec.cell, layer[d], x, reverse=(d == "backward"), unroll=steps) for d in spec.directions]
        x = jnp.concatenate(outs, axis=-1)  # (time, batch, U * directions)
        if key is not None:
            x = _dropout(jax.random.fold_in(key, i), x, spec.dropout)
    # the last layer gives only its state after the whole window (the backward half's after reading it reversed)
    last = [
        run_layer(spec.cell, layers[-1][d], x, reverse=(d == "backward"), unroll=steps, last_only=True)
        for d in spec.directions
    ]
    return jnp.concatenate(last, axis=-1)  # (batch, U * directions)
