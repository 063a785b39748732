"""A fitted point-loss Forecaster as one ONNX graph: raw history in, original-scale forecast out.

Inputs (float32; ``batch`` is free):

* ``history`` (batch, window + lag, columns): the newest rows of the series on the original scale,
  in the training schema's column order (targets, past-only features, covariates known in advance);
  ``lag`` is the differencing lag (0 without differencing).
* ``offset``, ``scale`` (batch, columns), only for a model of many series: each history's series'
  scaler statistics (``transforms_.offset[s]``, ``transforms_.scale[s]``; listed per trained series
  in the JSON beside the graph), so one graph forecasts a batch of different series, and series
  never seen in training with statistics fitted on their own history (as ``predict(data=...)`` does).
* ``future`` (batch, steps, n_future), only for models with ``future=`` covariates: their values
  over the forecast steps (the model's horizon).

Output: ``forecast`` (batch, horizon, targets), float32, on the original scale.

Inside the graph, as ``Forecaster.predict`` computes it: the targets' log and differencing and
the scaler in float64 (lstmcast's transforms run in float64), the model-space window cast to
float32; per member, the window's normalization, the network and the way back to model space in
float32 (:mod:`lstmcast.export.onnx_network`), fed back ``horizon`` times for the recursive
strategy (the loop is unrolled: the horizon is fixed at export); then in float64 the scaler's
inverse, the differencing undone from the history's last ``lag`` levels, ``exp``, and an
ensemble's median over its members (TopK; an even count averages the two middle values, as
``np.median``).
"""

from __future__ import annotations

import jax
import numpy as np
import onnx
from onnx import TensorProto, helper

from lstmcast.errors import ConfigError
from lstmcast.export.onnx_network import OPERATORS, network_forecast
from lstmcast.export.onnx_ops import GraphBuilder
from lstmcast.strategies import get_strategy
from lstmcast.train.programs import members_of

SUPPORTED = "models of one or many series with a point loss (loss='mse', 'mae' or 'huber')"


def check_exportable(model) -> None:
    """Refuse, with what is supported, a model the graph cannot express: every reason at once, each with its fix."""
    model._check_fitted()
    reasons = []
    if model.is_panel_:
        from lstmcast.data.panel_windows import mask_column

        if mask_column(model.spec_, model.panel_) is not None:
            reasons.append(
                "ONNX export of a model trained with short series padded on the left (a mask input) is not "
                f"supported: it exports {SUPPORTED}; fit on series holding at least window + horizon rows to export."
            )
    if model.loss_.kind != "point":
        reasons.append(
            f"ONNX export of loss={model.loss_.name!r} ({model.loss_.kind} head) is not supported: it exports "
            f"{SUPPORTED}; train with loss='mae' (the default), 'mse' or 'huber' to export."
        )
    if not model.is_panel_ and model.transforms_.scaler.ignored:
        reasons.append(
            "ONNX export of a model that does not read its covariates known in advance is not supported: its "
            "validation left them out (choices_['future']), and the graph reads every column; refit with "
            "combine=False to export a network that reads them."
        )
    combination = getattr(model, "combination_", None)
    if combination is not None and not combination.network_only():
        reasons.append(
            f"ONNX export of a combined forecast is not supported: this model forecasts {combination.chosen()} "
            "(combine=True, the default), and the graph holds the network alone; refit with combine=False to "
            "export it."
        )
    spec = model.spec_
    if spec.cell not in OPERATORS:  # by capability: a registered cell without an ONNX operator
        reasons.append(
            f"ONNX export of cell={spec.cell!r} is not supported: the graph has an operator for "
            f"{', '.join(repr(c) for c in OPERATORS)} only; train with one of those to export."
        )
    if spec.normalize in ("es", "mixed"):  # a recursion over each window: no graph for it yet
        reasons.append(
            f"ONNX export of normalize={spec.normalize!r} (a learned Holt-Winters recursion over each window) "
            f"is not supported: it exports {SUPPORTED} whose windows are normalized in closed form; refit with "
            "normalize='season' (or 'last') to export."
        )
    if spec.static_columns:
        static = getattr(getattr(model, "panel_", None), "static", None)
        names = list(static.columns) if static is not None else []  # in the order given
        reasons.append(
            f"ONNX export of a model with static attributes (static={names}) is not supported: the graph has no "
            f"input for them; it exports {SUPPORTED} and no static=. Refit without static= to export."
        )
    if spec.kind != "recurrent":
        reasons.append(f"ONNX export of a {spec.kind!r} network is not supported: it exports {SUPPORTED}.")
    values = np.asarray(model.panel_.stacked() if model.is_panel_ else model.series_.values, np.float64)
    biggest = float(np.nanmax(np.abs(values))) if values.size else 0.0
    if (
        biggest > float(np.finfo(np.float32).max) / 16
    ):  # the graph computes in float32: these would become inf, then NaN
        reasons.append(
            f"ONNX export computes in float32, but this model was fitted on values up to {biggest:.3g}, beyond "
            f"float32's range ({np.finfo(np.float32).max:.3g}): its forecasts would be NaN; rescale the data "
            "(e.g. divide it by a power of ten) and fit again to export it."
        )
    if reasons:
        raise ConfigError(reasons[0] if len(reasons) == 1 else " Also: ".join(reasons))


def build_graph(model) -> onnx.ModelProto:
    """The ONNX model of ``model``'s point forecast (see the module's docstring for its inputs)."""
    check_exportable(model)
    spec, cfg, tf = model.spec_, model.config_, model.transforms_
    panel = model.is_panel_
    targets = (model.panel_ if panel else model.series_).targets
    k, columns, n_future = spec.n_targets, spec.n_inputs, spec.n_future
    lag, window, horizon = tf.target.lag, cfg["window"], cfg["horizon"]
    recursive = get_strategy(cfg["strategy"]).one_step
    steps = horizon if recursive else spec.horizon  # future rows the forecast reads

    b = GraphBuilder()
    if panel:  # each series' scaler statistics are inputs, one row per history: (batch, 1, columns) float64
        offset, scale = (b.unsqueeze(b.cast(name, np.float64), 1) for name in ("offset", "scale"))

        def cols(t, lo, hi):
            return b.take(t, 2, lo, hi)
    else:  # the one series' scaler: constants (columns,)
        offset = b.const(np.asarray(tf.scaler.offset_, np.float64), np.float64)
        scale = b.const(np.asarray(tf.scaler.scale_, np.float64), np.float64)

        def cols(t, lo, hi):
            return b.take(t, 0, lo, hi)

    history = "history"
    x, levels = _model_space_history(b, history, k, window, lag, tf.target.log, offset, scale, columns)
    futm = None
    if n_future:  # (batch, steps, n_future) -> model space, float32
        fut = b.op("Sub", b.cast("future", np.float64), cols(offset, columns - n_future, columns))
        futm = b.cast(b.op("Div", fut, cols(scale, columns - n_future, columns)), np.float32)

    members = members_of(model.params_)
    weights = jax.tree.map(np.asarray, model.params_)  # (members, ...) leaves for an ensemble
    outs = []
    for m in range(members):
        params = weights if members == 1 else jax.tree.map(lambda a, m=m: a[m], weights)
        if recursive:
            z = _recursive(b, spec, params, x, futm, horizon, window)
        else:
            z = network_forecast(b, spec, params, x, futm)  # (batch, horizon, k): a direct model's whole horizon
        outs.append(b.unsqueeze(z, 0))  # (1, batch, horizon, k)
    z = b.cast(b.concat(outs, 0), np.float64)  # (members, batch, horizon, k) model space
    y = _to_original(b, z, levels, horizon, lag, tf.target.log, cols(offset, 0, k), cols(scale, 0, k))
    forecast = b.alias(b.cast(_median(b, y, members), np.float32), "forecast")  # (batch, horizon, k)

    inputs = [helper.make_tensor_value_info(history, TensorProto.FLOAT, ["batch", window + lag, columns])]
    if panel:
        inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", columns]) for n in ("offset", "scale")]
    if n_future:
        inputs.append(helper.make_tensor_value_info("future", TensorProto.FLOAT, ["batch", steps, n_future]))
    outputs = [helper.make_tensor_value_info(forecast, TensorProto.FLOAT, ["batch", horizon, k])]
    doc = (
        f"lstmcast forecast of {', '.join(targets)}: {horizon} step(s) from the last {window + lag} rows "
        f"({members} member(s), {cfg['cell']} {list(spec.units)}, strategy {cfg['strategy']})"
    )
    return b.model(inputs, outputs, "lstmcast_forecast", doc, {})


def _model_space_history(b: GraphBuilder, history: str, k, window, lag, log, offset: str, scale: str, columns: int):
    """history (batch, window + lag, columns) raw -> (the window in model space (batch, window, columns)
    float32, the last ``lag`` levels (batch, lag, k) float64 or None), as ``Transforms.to_model_space``;
    offset, scale: the scaler's float64 tensors, (columns,) or (batch, 1, columns)."""
    raw = b.cast(history, np.float64)
    rows = window + lag
    targets = b.take(raw, 2, 0, k) if columns > k else raw  # (batch, rows, k)
    lv = b.op("Log", targets) if log else targets
    z = b.op("Sub", b.take(lv, 1, lag, rows), b.take(lv, 1, 0, window)) if lag else lv  # (batch, window, k)
    if columns > k:  # features and covariates: scaled only
        rest = b.take(raw, 2, k, columns)  # (batch, rows, columns - k)
        z = b.concat([z, b.take(rest, 1, lag, rows) if lag else rest], 2)  # (batch, window, columns)
    x = b.op("Div", b.op("Sub", z, offset), scale)
    levels = b.take(lv, 1, window, rows) if lag else None  # (batch, lag, k)
    return b.cast(x, np.float32), levels


def _recursive(b: GraphBuilder, spec, params, x: str, futm, horizon: int, window: int) -> str:
    """One-step forecasts fed back ``horizon`` times (train/programs.py ``predict_recursive``): (batch, horizon, k)."""
    zs = []
    for h in range(horizon):
        fut = b.take(futm, 1, h, h + 1) if futm is not None else None  # (batch, 1, n_future)
        z = network_forecast(b, spec, params, x, fut)  # (batch, 1, k)
        zs.append(z)
        if h < horizon - 1:  # the forecast becomes the newest row, with the covariates known at that step
            new = b.concat([z, fut], 2) if fut is not None else z  # (batch, 1, columns)
            x = b.concat([b.take(x, 1, 1, window), new], 1)  # (batch, window, columns)
    return b.concat(zs, 1)


def _to_original(b: GraphBuilder, z: str, levels, horizon: int, lag: int, log: bool, offset: str, scale: str) -> str:
    """Model-space forecasts (members, batch, horizon, k) float64 -> original scale, as ``Transforms.to_original``
    (offset, scale: the targets' float64 scaler tensors, (k,) or (batch, 1, k))."""
    z = b.op("Add", b.op("Mul", z, scale), offset)
    if lag:  # level[h] = level[h - lag] + z[h], starting from the history's last lag levels
        steps = np.arange(horizon)
        sums = ((steps[:, None] >= steps[None, :]) & ((steps[:, None] - steps[None, :]) % lag == 0)).astype(np.float64)
        start = b.op("Gather", levels, b.ints(steps % lag), axis=1)  # (batch, horizon, k)
        z = b.op("Add", start, b.op("MatMul", b.const(sums, np.float64), z))  # (members, batch, horizon, k)
    return b.op("Exp", z) if log else z


def _median(b: GraphBuilder, y: str, members: int) -> str:
    """y (members, batch, horizon, k) -> the members' median (batch, horizon, k), as ``np.median``."""
    if members > 1:
        top, _ = b.op_n("TopK", [y, b.ints([members // 2 + 1])], 2, axis=0, largest=1, sorted=1)  # descending
        half = members // 2
        y = b.take(top, 0, half, half + 1)  # (1, batch, horizon, k)
        if members % 2 == 0:  # the mean of the two middle values
            y = b.op("Mul", b.op("Add", b.take(top, 0, half - 1, half), y), b.const(0.5, np.float64))
    return b.op("Squeeze", y, b.ints([0]))
