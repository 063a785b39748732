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
forecasts (its point forecast is their median on the original scale, which has no gradient).
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

    @property
    def total(self) -> np.ndarray:
        """(n, horizon, targets): the sum of every attribution, which equals ``forecast - baseline``."""
        out = self.lags.sum(axis=(-2, -1))
        return out + self.future.sum(axis=(-2, -1)) if self.future is not None else out

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
    from lstmcast.strategies import get_strategy

    model._check_fitted()
    model._one_series("explain()")
    P.integer(2, hi=1024)("steps", steps)
    cfg, spec = model.config_, model.spec_
    if get_strategy(cfg["strategy"]).one_step:
        raise ConfigError(
            "explain() attributes a direct model's forecast for now; this model is recursive (strategy='recursive'): "
            "refit with strategy='direct' to explain it."
        )
    series, values, tail, start, _ = model._forecast_inputs(None, data, future)
    s = int(start[0])
    windows = values[None, s : s + spec.window]  # (1, window, columns) model space
    fut = values[None, s + spec.window : s + spec.window + spec.horizon, spec.n_inputs - spec.n_future :]
    base = np.broadcast_to(windows.mean(axis=1, keepdims=True), windows.shape)
    base_fut = np.broadcast_to(windows[:, :, spec.n_inputs - spec.n_future :].mean(axis=1, keepdims=True), fut.shape)
    has_future = spec.n_future > 0
    lags, fut_attr, forecast, baseline = integrated_gradients(
        model.params_,
        spec,
        model.loss_,
        windows,
        fut if has_future else None,
        base,
        base_fut if has_future else None,
        steps,
    )
    space = "model"
    tf = model.transforms_
    if not tf.target.log and tf.target.lag == 0:  # only the scaler stands between model space and the data: affine
        k = spec.n_targets
        slope = _target_slopes(tf, k)  # (k,) original units per model unit
        lags, forecast, baseline = lags * slope[:, None, None], forecast * slope, baseline * slope
        forecast, baseline = forecast + _target_offsets(tf, k), baseline + _target_offsets(tf, k)
        fut_attr = fut_attr * slope[:, None, None] if fut_attr is not None else None
        space = "original"
    return Explanation(
        lags=lags,
        future=fut_attr,
        forecast=forecast,
        baseline=baseline,
        columns=tuple(series.columns),
        future_columns=tuple(series.future),
        targets=tuple(series.targets),
        space=space,
    )


def _target_slopes(transforms, k: int) -> np.ndarray:
    """Original units per model unit of each target (the scaler is affine)."""
    return np.asarray(transforms.scaler.scale_[:k], np.float64)


def _target_offsets(transforms, k: int) -> np.ndarray:
    return np.asarray(transforms.scaler.offset_[:k], np.float64)
