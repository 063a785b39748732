"""One network of a model as ONNX nodes, in float32 as lstmcast computes it: the window's
normalization (nn/scaling.py), the recurrent stack on ONNX's native ``LSTM``/``GRU`` operators,
the dense layers and the head (nn/network.py ``apply``), and the way back to model space
(train/programs.py ``forward`` then ``denormalize``), for a point head.

Weights map from Keras's layout (nn/cells.py) to ONNX's:

* LSTM: Keras's kernel columns are the gates (i, f, c, o), ONNX's ``W`` rows (i, o, f, c):
  ``W = kernel.T`` with its blocks reordered, ``R`` likewise from the recurrent kernel, and
  ``B = [bias, zeros]`` (ONNX adds an input and a recurrent bias; Keras has one).
* GRU (``reset_after=True``): the gate order (z, r, h) is ONNX's too; the input and the recurrent
  bias rows are ONNX's ``Wb`` and ``Rb``, and ``linear_before_reset=1`` applies the reset gate
  after the recurrent matmul, as Keras does.
* Bidirectional: ONNX's forward and reverse directions; a stacked layer reads the full sequence
  ``Y`` (time, directions, batch, U) -> (time, batch, directions * U), the head the final states
  ``Y_h`` (directions, batch, U) -> (batch, directions * U): the forward pass after the whole window
  and the backward one after reading it reversed, as ``nn/network.py`` concatenates them.
"""

from __future__ import annotations

import numpy as np

from lstmcast.cell_table import DECLARED
from lstmcast.export.onnx_ops import GraphBuilder
from lstmcast.nn.network import NetworkSpec
from lstmcast.nn.scaling import COUNT_FLOOR, FLOOR

OPERATORS = {name: d.onnx_operator for name, d in DECLARED.items() if d.onnx_operator}  # lstmcast.cell_table
ONNX_GATES = {name: d.onnx_gates for name, d in DECLARED.items() if d.onnx_operator}  # Keras's blocks, ONNX order


def onnx_weights(cell: str, layer: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One direction's Keras weights -> ONNX's (W (G*U, D), R (G*U, U), B (2*G*U,))."""
    kernel, recurrent = np.asarray(layer["kernel"]), np.asarray(layer["recurrent_kernel"])  # (D, G*U), (U, G*U)
    units, order = recurrent.shape[0], ONNX_GATES[cell]

    def blocks(a: np.ndarray) -> np.ndarray:  # (..., G*U) -> (..., G*U) in ONNX's gate order
        return np.concatenate([a[..., g * units : (g + 1) * units] for g in order], axis=-1)

    bias = np.asarray(layer["bias"])
    rows = (bias, np.zeros_like(bias)) if bias.ndim == 1 else (bias[0], bias[1])  # LSTM: one bias; GRU: two
    return blocks(kernel).T, blocks(recurrent).T, np.concatenate([blocks(rows[0]), blocks(rows[1])])


def recurrent_stack(b: GraphBuilder, spec: NetworkSpec, layers: list, x: str) -> str:
    """x (batch, window, inputs) -> the last layer's final state(s) (batch, directions * U)."""
    seq = b.op("Transpose", x, perm=[1, 0, 2])  # (time, batch, inputs)
    dirs = len(spec.directions)
    for i, (layer, units) in enumerate(zip(layers, spec.units)):
        mapped = [onnx_weights(spec.cell, layer[d]) for d in spec.directions]
        w, r, bias = (b.const(np.stack([m[j] for m in mapped])) for j in range(3))  # (dirs, ...) each
        extra = {"linear_before_reset": 1} if spec.cell == "gru" else {}
        direction = "bidirectional" if spec.bidirectional else "forward"
        last = i == len(layers) - 1
        y, y_h = b.op_n(
            OPERATORS[spec.cell],
            [seq, w, r, bias],
            2,
            skip=(0,) if last else (1,),
            hidden_size=units,
            direction=direction,
            **extra,
        )
        if last:
            states = b.op("Transpose", y_h, perm=[1, 0, 2])  # (batch, dirs, U)
            return b.reshape(states, [0, dirs * units])  # (batch, dirs * U): forward, then backward
        seq = b.op("Transpose", y, perm=[0, 2, 1, 3])  # (time, batch, dirs, U)
        seq = b.reshape(seq, [0, 0, dirs * units])  # (time, batch, dirs * U)
    raise AssertionError("a network has at least one recurrent layer")


def window_stats(b: GraphBuilder, t: str, spec: NetworkSpec):
    """(loc of the inputs, loc of the outputs, scale) of windows' targets t (batch, window, k), as
    nn/scaling.py ``window_stats``; a location that is zero is None, and all three are None for "none"."""
    mode, season, window, horizon = spec.normalize, spec.season, spec.window, spec.horizon
    if mode == "none":
        return None, None, None
    level = b.mean(b.op("Abs", t), 1)  # (batch, 1, k) mean |x|
    if mode == "scale":
        return None, None, b.op("Max", level, b.const(COUNT_FLOOR))
    floor = b.op("Mul", b.const(FLOOR), b.op("Max", level, b.const(1.0)))  # (batch, 1, k)
    if mode in ("season", "season-mean") and 1 < season <= window:
        phase = (np.arange(window) - window) % season  # the last row has phase season - 1
        onehot = (np.arange(season)[:, None] == phase[None, :]).astype(np.float32)  # (season, window)
        sums = b.op("MatMul", b.const(onehot), t)  # (batch, season, k)
        profile = b.op("Div", sums, b.const(onehot.sum(axis=1)[:, None]))  # (batch, season, k)
        loc_in = b.op("Gather", profile, b.ints(phase), axis=1)  # (batch, window, k)
        steps = np.arange(horizon) % season
        loc_out = b.op("Gather", profile, b.ints(steps), axis=1)  # (batch, horizon, k)
        if mode == "season":  # halfway between the average season and the last one
            last = b.op("Gather", t, b.ints(window - season + steps), axis=1)  # (batch, horizon, k)
            loc_out = b.op("Mul", b.const(0.5), b.op("Add", loc_out, last))
        lag = season if window > season else 1  # a window of one season: its mean absolute step
        spread = _mean_abs_step(b, t, window, lag)
        return loc_in, loc_out, b.op("Max", spread, floor)
    if mode in ("last", "season", "season-mean"):
        loc = b.take(t, 1, window - 1, window)  # (batch, 1, k)
        if window == 1:
            return loc, loc, floor
        return loc, loc, b.op("Max", _mean_abs_step(b, t, window, 1), floor)
    loc = b.mean(t, 1)  # "mean": (batch, 1, k)
    centered = b.op("Sub", t, loc)
    spread = b.op("Sqrt", b.mean(b.op("Mul", centered, centered), 1))  # the population standard deviation
    return loc, loc, b.op("Max", spread, floor)


def _mean_abs_step(b: GraphBuilder, t: str, window: int, lag: int) -> str:
    """mean |t[s] - t[s - lag]| over the window: (batch, 1, k)."""
    step = b.op("Sub", b.take(t, 1, lag, window), b.take(t, 1, 0, window - lag))  # (batch, window - lag, k)
    return b.mean(b.op("Abs", step), 1)


def network_forecast(b: GraphBuilder, spec: NetworkSpec, params: dict, x: str, future: str | None) -> str:
    """One member's point forecast in model space (batch, spec.horizon, k) from model-space windows
    x (batch, window, columns) and the covariates known in advance future (batch, spec.horizon, n_future)."""
    k, columns = spec.n_targets, spec.n_inputs
    t = b.take(x, 2, 0, k) if columns > k else x  # (batch, window, k)
    loc_in, loc_out, scale = window_stats(b, t, spec)
    xn = x
    if scale is not None:
        tn = b.op("Div", b.op("Sub", t, loc_in) if loc_in is not None else t, scale)  # window units
        xn = b.concat([tn, b.take(x, 2, k, columns)], 2) if columns > k else tn  # (batch, window, columns)
    features = [recurrent_stack(b, spec, params["layers"], xn)]  # (batch, dirs * U)
    if spec.n_future:
        width = spec.n_future
        if spec.future_encoder or spec.future_relative:  # (older models read the levels alone)
            past = b.take(xn, 2, columns - spec.n_future, columns)  # (batch, window, n_future)
            relative = b.op("Sub", future, b.mean(past, 1))  # changes from the covariates' mean over the window
            if spec.future_encoder:  # one ReLU layer over each step's levels and changes (nn/network.py)
                enc = params["future"]
                both = b.concat([future, relative], 2)  # (batch, horizon, 2 * n_future)
                future = b.op("Relu", b.op("Add", b.op("MatMul", both, b.const(enc["kernel"])), b.const(enc["bias"])))
                width = spec.future_encoder
            else:
                future = relative
        features.append(b.reshape(future, [0, spec.horizon * width]))  # (batch, horizon * width)
    h = b.concat(features, 1)  # (batch, features_width)
    if "dense" in params:
        dense = params["dense"]
        h = b.op("Relu", b.op("Add", b.op("MatMul", h, b.const(dense["kernel"])), b.const(dense["bias"])))
    head = params["head"]
    out = b.op("Add", b.op("MatMul", h, b.const(head["kernel"])), b.const(head["bias"]))  # (batch, horizon * k)
    out = b.reshape(out, [0, spec.horizon, k])  # window units
    if scale is not None:
        out = b.op("Mul", out, scale)
    return b.op("Add", out, loc_out) if loc_out is not None else out  # (batch, horizon, k) model space
