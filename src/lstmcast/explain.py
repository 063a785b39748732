"""Why a forecast is what it is: integrated gradients of the forecast with respect to its inputs.

For a window ``x`` and a baseline window ``x'`` (by default each input column flat at its window
mean: a history with no movement), integrated gradients (Sundararajan et al. 2017) attribute to input
``i`` (a lag of a column, or a covariate's value at a forecast step)

    A_i = (x_i - x'_i) * integral over a in [0, 1] of dF/dx_i (x' + a (x - x')) da

for every forecast step and target ``F``. The attributions of one forecast add up to
``F(x) - F(x')`` (completeness): how far the forecast is from the baseline's, split over the lags
and covariates. The gradients come from ``jax.grad`` through the network itself (the window's
normalization included), the integral from Gauss-Legendre nodes, and every window of a batch is
explained in one compiled call.

Units: the forecast the network makes is in model space (the target after log, differencing and the
scaler). For a model without log or differencing the attributions are mapped to the original scale
(the scaler is affine, so completeness holds there too); otherwise they stay in model space, which
``Explanation.space`` says. An ensemble is explained through the mean of its members' model-space
forecasts (its point forecast is their median on the original scale, which has no gradient). A
combined model (``combine=True``, the default) is explained through its network's forecast: the
statistical candidates it is averaged with read no covariates, only the target's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError

STEPS = 32  # Gauss-Legendre nodes: exact for polynomials of degree 63 along the path


@dataclass(frozen=True)
class Explanation:
    """Attributions of one forecast (or a batch of them) to its inputs.

    lags: (n, horizon, targets, window, columns), the window's inputs (lag ``window - 1`` ... 0 before
    the origin); future: (n, horizon, targets, horizon, n_future) the values of covariates known in
    advance over the forecast steps, or None; forecast and baseline: (n, horizon, targets), the
    forecast from the window and from the baseline window, in ``space``.
    """

    lags: np.ndarray
    future: np.ndarray | None
    forecast: np.ndarray
    baseline: np.ndarray
    columns: tuple[str, ...]
    future_columns: tuple[str, ...]
    targets: tuple[str, ...]
    space: str  # "original" or "model"
    series: tuple = ()  # a model of many series: the id of each window's series

    @property
    def total(self) -> np.ndarray:
        """(n, horizon, targets): the sum of every attribution, which equals ``forecast - baseline``."""
        out = self.lags.sum(axis=(-2, -1))
        return out + self.future.sum(axis=(-2, -1)) if self.future is not None else out

    def window_of(self, series) -> int:
        """The window (index into the first axis) of series ``series`` of a model of many series."""
        by_text = {str(s): i for i, s in enumerate(self.series)}
        if str(series) not in by_text:
            raise ConfigError(f"series {series!r} is not explained here; its series start {list(self.series[:3])!r}.")
        return by_text[str(series)]

    def by_column(self, window: int = 0) -> pd.DataFrame:
        """Attribution per input column (lags summed) of window ``window``: rows (step, target), columns the inputs.

        Covariates known in advance add a ``<name> (future)`` column, their values over the forecast steps.
        """
        data = {name: self.lags[window, :, :, :, j].sum(axis=-1) for j, name in enumerate(self.columns)}
        for j, name in enumerate(self.future_columns):
            data[f"{name} (future)"] = self.future[window, :, :, :, j].sum(axis=-1)
        return self._frame(data)

    def by_lag(self, window: int = 0) -> pd.DataFrame:
        """Attribution per lag (columns summed) of window ``window``: rows (step, target), columns ``t-k``
        (``t-0``: the last row before the forecast)."""
        w = self.lags.shape[3]
        data = {f"t-{w - 1 - i}": self.lags[window, :, :, i, :].sum(axis=-1) for i in range(w)}
        return self._frame(data)

    def _frame(self, data: dict) -> pd.DataFrame:
        h, k = self.lags.shape[1:3]
        index = pd.MultiIndex.from_product([range(1, h + 1), list(self.targets)], names=["step", "target"])
        return pd.DataFrame({name: np.asarray(v).reshape(h * k) for name, v in data.items()}, index=index)

    def __repr__(self) -> str:
        n, h, k, w, c = self.lags.shape
        return (
            f"Explanation({n} forecast(s) of {h} step(s) x {k} target(s) over a window of {w} x {c} inputs"
            + (f" and {len(self.future_columns)} future covariate(s)" if self.future_columns else "")
            + f", {self.space} space)"
        )


def integrated_gradients(params, spec, loss, windows, future, baseline_windows, baseline_future, steps=STEPS):
    """(lag attributions (n, H, k, window, columns), future attributions (n, H, k, H, n_future) or None,
    forecast (n, H, k), baseline forecast (n, H, k)), all in model space, in one compiled call."""
    import jax.numpy as jnp

    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = jnp.asarray((nodes + 1.0) / 2.0, jnp.float32)
    weights = jnp.asarray(weights / 2.0, jnp.float32)
    fut = future if future is not None else jnp.zeros((windows.shape[0], spec.horizon, 0), jnp.float32)
    base_fut = baseline_future if baseline_future is not None else fut
    program = _program(spec, loss, future is not None)
    lags, fut_attr, forecast, base = program(
        params,
        jnp.asarray(windows, jnp.float32),
        jnp.asarray(fut, jnp.float32),
        jnp.asarray(baseline_windows, jnp.float32),
        jnp.asarray(base_fut, jnp.float32),
        alphas,
        weights,
    )
    return (
        np.asarray(lags, np.float64),
        np.asarray(fut_attr, np.float64) if future is not None else None,
        np.asarray(forecast, np.float64),
        np.asarray(base, np.float64),
    )


@lru_cache(maxsize=16)
def _program(spec, loss, has_future: bool):
    import jax
    import jax.numpy as jnp

    from lstmcast.nn.scaling import denormalize
    from lstmcast.train.programs import forward, members_of

    def point(params, x, fut):  # one window (window, columns), (H, n_future) -> (H, k): members' mean
        def member(p):
            out = forward(p, spec, x[None], fut[None] if has_future else None)
            return loss.point(denormalize(*out, spec.head))[0]

        if members_of(params) > 1:
            return jnp.mean(jax.vmap(member)(params), axis=0)
        return member(params)

    def one(params, x, fut, bx, bfut, alphas, weights):
        def grads(a):
            jac = jax.jacrev(point, argnums=(1, 2))(params, bx + a * (x - bx), bfut + a * (fut - bfut))
            return jac  # ((H, k, window, columns), (H, k, H, n_future))

        gx, gf = jax.vmap(grads)(alphas)  # a leading axis of path points
        gx = jnp.tensordot(weights, gx, axes=1)
        gf = jnp.tensordot(weights, gf, axes=1)
        return gx * (x - bx), gf * (fut - bfut), point(params, x, fut), point(params, bx, bfut)

    return jax.jit(jax.vmap(one, in_axes=(None, 0, 0, 0, 0, None, None)))


def explain_forecast(model, data=None, future=None, steps: int = STEPS) -> Explanation:
    """:meth:`lstmcast.Forecaster.explain`: the forecast after the data's end, attributed to its inputs."""
    from lstmcast import params as P
    from lstmcast.forecasting import forecast_inputs
    from lstmcast.strategies import get_strategy

    model._check_fitted()
    P.integer(2, hi=1024)("steps", steps)
    cfg, spec = model.config_, model.spec_
    if get_strategy(cfg["strategy"]).one_step:
        raise ConfigError(
            "explain() attributes a direct model's forecast for now; this model is recursive (strategy='recursive'): "
            "refit with strategy='direct' to explain it."
        )
    if model.is_panel_:
        return _explain_panel(model, data, future, steps)
    series, values, tail, start, _ = forecast_inputs(model, None, data, future)
    s = int(start[0])
    windows = values[None, s : s + spec.window]  # (1, window, columns) model space
    fut = values[None, s + spec.window : s + spec.window + spec.horizon, spec.n_inputs - spec.n_future :]
    has_future = spec.n_future > 0
    return _explained(
        model, windows, fut if has_future else None, steps, series.columns, series.future, series.targets, None
    )


def _explained(model, windows, fut, steps, columns, future_columns, targets, slopes) -> Explanation:
    """Integrated gradients of ``windows`` (n, window, columns) from flat baselines, mapped to the original scale
    where only an affine scaler separates the two (``slopes``: (n, 2, k) scale and offset per window, or None
    for the one series' scaler)."""
    spec = model.spec_
    base = np.broadcast_to(windows.mean(axis=1, keepdims=True), windows.shape)
    base_fut = None
    if fut is not None:
        past = windows[:, :, spec.n_inputs - spec.n_future :]
        base_fut = np.broadcast_to(past.mean(axis=1, keepdims=True), fut.shape)
    lags, fut_attr, forecast, baseline = integrated_gradients(
        model.params_, spec, model.loss_, windows, fut, base, base_fut, steps
    )
    space = "model"
    tf = model.transforms_
    if not tf.target.log and tf.target.lag == 0:  # only the scaler stands between model space and the data: affine
        k = spec.n_targets
        if slopes is None:
            slopes = np.broadcast_to(np.stack([_target_slopes(tf, k), _target_offsets(tf, k)]), (len(windows), 2, k))
        slope, offset = slopes[:, None, 0, :], slopes[:, None, 1, :]  # (n, 1, k): original units per model unit
        lags, fut_attr = (
            lags * slope[..., None, None],
            fut_attr * slope[..., None, None] if fut_attr is not None else None,
        )
        forecast, baseline = forecast * slope + offset, baseline * slope + offset
        space = "original"
    return Explanation(
        lags=lags,
        future=fut_attr,
        forecast=forecast,
        baseline=baseline,
        columns=tuple(columns),
        future_columns=tuple(future_columns),
        targets=tuple(targets),
        space=space,
    )


def _explain_panel(model, data, future, steps: int) -> Explanation:
    """Every series' next forecast explained, the windows of all series in one batched call per chunk."""
    from lstmcast.global_forecast import predict_panel

    spec = model.spec_
    chunks: list = []
    panel, transforms = predict_panel(model, spec.horizon, data, future, windows=chunks)
    k, parts = spec.n_targets, []
    for lo, hi, block, starts in chunks:
        rows = starts[:, None] + np.arange(spec.window)[None, :]  # (n, window)
        windows = block[rows]  # (n, window, inputs)
        fut = None
        if spec.n_future:
            after = starts[:, None] + spec.window + np.arange(spec.horizon)[None, :]
            fut = block[after][:, :, spec.n_inputs - spec.n_future :]
        slopes = np.stack([transforms.scale[lo:hi, :k], transforms.offset[lo:hi, :k]], axis=1)  # (n, 2, k)
        parts.append(_explained(model, windows, fut, steps, (), (), (), slopes))
    names = _panel_columns(model, panel, spec.n_inputs)
    first = parts[0]
    return Explanation(
        lags=np.concatenate([p.lags for p in parts]),
        future=np.concatenate([p.future for p in parts]) if first.future is not None else None,
        forecast=np.concatenate([p.forecast for p in parts]),
        baseline=np.concatenate([p.baseline for p in parts]),
        columns=names,
        future_columns=tuple(panel.future),
        targets=tuple(panel.targets),
        space=first.space,
        series=tuple(panel.id_values()),
    )


def _panel_columns(model, panel, width: int) -> tuple[str, ...]:
    """The names of a global model's input columns: targets, features, statics, the padding mask, future."""
    from lstmcast.data.panel_windows import mask_column

    spec = model.spec_
    names = list(panel.targets) + list(panel.features)
    names += [f"(static {i})" for i in range(spec.static_columns)]
    if mask_column(spec, model.panel_) is not None:
        names.append("(padding mask)")
    names += list(panel.future)
    if len(names) != width:  # the layout changed: name them by position rather than wrongly
        names = [f"input {i}" for i in range(width)]
    return tuple(names)


def _target_slopes(transforms, k: int) -> np.ndarray:
    """Original units per model unit of each target (the scaler is affine)."""
    return np.asarray(transforms.scaler.scale_[:k], np.float64)


def _target_offsets(transforms, k: int) -> np.ndarray:
    return np.asarray(transforms.scaler.offset_[:k], np.float64)
