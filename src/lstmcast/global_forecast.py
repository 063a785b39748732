"""Forecasts of a global model for many series: every series' next steps, in chunks, as one long table.

The model's newest rows of each series (or newer history given as ``data``; a series never seen
in training gets a scaler fitted on its own history) are cut into one forecast window per series
(:func:`lstmcast.data.panel_windows.forecast_rows`), with the known-in-advance columns
(:mod:`lstmcast.data.panel_future`) and static attributes over the forecast steps, and run in
chunks of ``PREDICT_CHUNK`` windows, so 100,000 series fit in memory. Intervals come from the
head's own quantiles or from pooled conformal errors (:mod:`lstmcast.uncertainty.panel_conformal`).
The fit lives in :mod:`lstmcast.global_model`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.data.panel_future import future_table
from lstmcast.data.panel_transforms import MIN_HISTORY, PanelTransforms, fit_transforms
from lstmcast.data.panel_windows import forecast_rows, mask_column, model_inputs
from lstmcast.data.statics import with_statics
from lstmcast.errors import ConfigError, TooShortError
from lstmcast.uncertainty.calibrated import require_calibration

PREDICT_CHUNK = 16384  # windows per forecast call (bounds the memory of 100,000 series)


def predict_panel(model, horizon: int, data=None, future=None, levels=(), quantiles=(), samples=None, windows=None):
    """A long table ``<id>, <time>, <targets>``: ``horizon`` steps after each series' end.

    data: newer history of some or all series, in the training columns (a series never seen in
    training gets a scaler fitted on its own history); by default the training panel.
    levels / quantiles: interval and quantile columns (``<target>-lo-80``, ``<target>-q-10``): conformal
    for a point loss, once calibrated (``calibrate()``, :mod:`lstmcast.uncertainty.panel_conformal`), the head's
    own for a quantile or distribution loss (:mod:`lstmcast.uncertainty.head_quantiles`).
    windows: a list that receives ``(first series, end series, block, starts)`` of every chunk of forecast
    windows instead of forecasting; then ``(panel, transforms)`` is returned (``Forecaster.explain``).
    """
    from lstmcast.uncertainty.names import all_quantiles

    if windows is not None:
        return forecast_panel(model, horizon, data, future, windows=windows)
    taus = all_quantiles(levels, quantiles) if levels or quantiles else None
    panel, out, q = forecast_panel(model, horizon, data, future, taus, samples)
    if q is not None:
        return _interval_table(panel, out, q, taus, horizon, levels, quantiles)
    frame = pd.DataFrame(out.reshape(-1, panel.n_targets), columns=list(panel.targets))
    frame.insert(0, panel.time_name or "ds", panel.future_index(horizon))
    frame.insert(0, panel.id_name, np.repeat(panel.id_values(), horizon))
    return frame


def forecast_panel(
    model, horizon: int, data=None, future=None, taus=None, samples=None, paths: bool = False, windows=None
):
    """(panel, point (S, H, targets), quantiles (S, H, targets, Q) at ``taus`` or None) after each series' end.

    The panel is ``data`` loaded in the training columns (or the training panel); its series' order is
    the forecasts' order. paths: the third item is instead a distribution head's draws (draws, S, H, targets),
    ``samples`` per member (:func:`lstmcast.uncertainty.head_quantiles.head_paths`). windows: as in
    :func:`predict_panel`.
    """
    from lstmcast.strategies import get_strategy
    from lstmcast.uncertainty.head_quantiles import SAMPLES, head_paths, head_quantiles

    cfg = model.config_
    strategy = get_strategy(cfg["strategy"])
    if not strategy.one_step and horizon > model.spec_.horizon:
        raise ConfigError(
            f"horizon={horizon} is longer than the horizon={model.spec_.horizon} this direct model was trained "
            "for: refit with a longer horizon, or use strategy='recursive'."
        )
    panel, transforms, values = model.panel_, model.transforms_, model.values_
    if data is not None:
        panel, transforms, values = newer_panel(model, data)
    window, lag = cfg["window"], transforms.target.lag
    need = window + lag
    mask_at = mask_column(model.spec_, model.panel_)
    least = need if mask_at is None else lag + MIN_HISTORY
    short = np.flatnonzero(panel.lengths < least)
    if len(short):
        i = int(short[0])
        if mask_at is None:
            reads = f"a forecast reads the last {need} (window={window}" + (f" + difference={lag}" if lag else "")
        else:
            reads = f"a forecast needs at least {least} (" + (f"difference={lag} + " if lag else "")
            reads += "2 rows of history"
        raise TooShortError(
            f"series {panel.ids[i]!r} has {panel.lengths[i]} row(s), and {reads}); {len(short)} series are that "
            "short: give them more history or leave them out."
        )
    steps = horizon if strategy.one_step else model.spec_.horizon
    offsets, k = panel.offsets(), panel.n_targets
    values = model_inputs(model, panel, values)  # (rows, columns (+ the mask))
    n_future, width = len(panel.future), values.shape[1]
    upcoming = None
    if n_future:
        raw_future = future_table(panel, future, steps)  # (S, steps, n_future) raw
        scaled = transforms.offset.shape[1]  # the scalers' columns: targets, features, future (no statics, no mask)
        cols = slice(scaled - n_future, scaled)
        upcoming = ((raw_future - transforms.offset[:, None, cols]) / transforms.scale[:, None, cols]).astype(
            np.float32
        )
    elif future is not None:
        raise ConfigError("future= was given, but this model was trained without future= covariates.")
    raw = panel.stacked()[:, :k]
    origins = offsets[1:] - 1  # (S,) each series' last row
    history = transforms.history_levels(raw, origins)  # (S, lag, k)
    head = taus is not None and model.loss_.kind != "point"
    out = np.empty((panel.n_series, horizon, k))
    q = np.empty((panel.n_series, horizon, k, len(taus))) if head else None
    drawn = []  # per chunk (draws, n, H, k), with paths=True
    for lo in range(0, panel.n_series, PREDICT_CHUNK):
        hi = min(lo + PREDICT_CHUNK, panel.n_series)
        sub = np.concatenate([[0], np.cumsum(panel.lengths[lo:hi])]) + offsets[lo]
        block, starts = forecast_rows(values, sub, window, lag, steps, mask_at)
        if model.spec_.static_columns:  # the rows after each window carry its series' attributes too
            a, b = model.spec_.static_at, model.spec_.static_at + model.spec_.static_columns
            block = block.reshape(hi - lo, -1, block.shape[1])
            block[:, need:, a:b] = block[:, :1, a:b]
            block = block.reshape(-1, block.shape[2])
        if upcoming is not None:  # the known-in-advance columns over each series' forecast steps
            block = block.reshape(hi - lo, -1, block.shape[1])
            block[:, need:, width - n_future :] = upcoming[lo:hi]
            block = block.reshape(-1, block.shape[2])
        if windows is not None:
            windows.append((lo, hi, block, starts))
            continue
        series, levels = np.arange(lo, hi), history[lo:hi]

        def undo(z, reps, series=series, levels=levels):  # (reps * n, H, k) scaled -> original
            return transforms.to_original(z, np.tile(series, reps), np.tile(levels, (reps, 1, 1)))

        z = strategy.forecast(model.params_, model.spec_, model.loss_, block, starts, horizon)  # (members, n, H, k)
        point = undo(z.reshape(-1, *z.shape[2:]), z.shape[0])  # (members * n, H, k) original scale
        out[lo:hi] = np.median(point.reshape(z.shape), axis=0) if z.shape[0] > 1 else point
        if head:
            q[lo:hi] = head_quantiles(model, block, starts, horizon, taus, samples or SAMPLES, undo)
        if paths:
            drawn.append(head_paths(model, block, starts, horizon, samples or SAMPLES, undo))
    if windows is not None:
        return panel, transforms
    if not np.isfinite(out).all():
        from lstmcast.fitting import check_finite

        check_finite(out)
    if paths:
        return panel, out, np.concatenate(drawn, axis=1)
    combination = getattr(model, "combination_", None)  # per series (a combined fit, :mod:`lstmcast.calibration`)
    if combination is not None and model.loss_.kind == "point":
        known = model.panel_._positions
        positions = np.arange(panel.n_series) if data is None else np.array([known.get(i, -1) for i in panel.ids])
        out = combination.forecast(out, raw, offsets, positions, horizon)
    if taus is not None and not head:
        q = _conformal(model, panel, out, horizon, taus, data is not None)
    return panel, out, q


def newer_panel(model, data):
    """(panel, transforms, model-space values) of newer history ``data`` in the training columns."""
    from lstmcast.data.panel_load import load_panel
    from lstmcast.data.sources import reading

    trained = model.panel_
    cfg = model.config_
    from lstmcast.data import calendar_features

    user_future = list(calendar_features.user_columns(trained.future))
    encoding = getattr(model, "statics_", None)
    panel = load_panel(
        data,
        id=trained.id_name,
        target=list(trained.targets),
        time=trained.time_name,
        features=list(trained.features) or None,
        future=user_future or None,
        static=list(encoding.names) if encoding else None,
        freq=trained.freq,
        fill=cfg["fill"],
        **reading(cfg, warn_unused=False),  # dates and numbers read as at fit time
    )
    if cfg.get("calendar"):
        panel = calendar_features.add_to_panel(panel)
    if panel.freq != trained.freq:
        raise ConfigError(f"the data's frequency is {panel.freq!r}, the model was trained on {trained.freq!r}.")
    known = np.array([trained._positions.get(i, -1) for i in panel.ids])
    fresh = fit_transforms(panel.stacked(), panel.offsets(), panel.lengths, cfg, panel.n_targets)
    offset, scale = fresh.offset.copy(), fresh.scale.copy()
    seen = known >= 0
    offset[seen], scale[seen] = model.transforms_.offset[known[seen]], model.transforms_.scale[known[seen]]
    transforms = PanelTransforms(fresh.target, fresh.kind, fresh.feature_range, offset, scale, fresh.n_targets)
    return panel, transforms, with_statics(transforms.to_model_space(panel.stacked(), panel.offsets()), panel, encoding)


def _conformal(model, panel, out, horizon: int, taus, newer: bool) -> np.ndarray:
    """(S, H, targets, Q) conformal quantiles around the point forecasts ``out`` (the model calibrated)."""
    from lstmcast.uncertainty.panel_conformal import panel_quantiles, series_scales

    require_calibration(model)
    cal = model.calibration_
    if horizon > cal.horizon:
        raise ConfigError(
            f"horizon={horizon} is longer than the {cal.horizon} steps the intervals were calibrated for: "
            "ask for intervals up to that horizon, or refit with a longer horizon."
        )
    scales = model.series_scales_
    if newer:  # series of the newer data: a trained series keeps its scale, a new one gets its own
        known = np.array([model.panel_._positions.get(i, -1) for i in panel.ids])
        fresh = series_scales(
            panel.stacked()[:, : panel.n_targets], panel.offsets(), panel.lengths, model.config_["seasonal_period"]
        )
        scales = np.where((known >= 0)[:, None], model.series_scales_[np.maximum(known, 0)], fresh)
    return panel_quantiles(cal, scales, out, taus)  # (S, H, k, Q)


def _interval_table(panel, out, q, taus, horizon, levels, quantiles) -> pd.DataFrame:
    """The long forecast table with interval and quantile columns (per target, as for one series)."""
    from lstmcast.uncertainty.names import level_columns, level_quantiles, quantile_column

    where = {round(float(t), 10): i for i, t in enumerate(taus)}
    columns: dict[str, np.ndarray] = {
        panel.id_name: np.repeat(panel.id_values(), horizon),
        panel.time_name or "ds": panel.future_index(horizon),
    }
    for j, name in enumerate(panel.targets):  # the order of interval_frame: point, lo/hi per level, quantiles
        columns[name] = out[:, :, j].ravel()
        for level in levels:
            lo, hi = level_quantiles(level)
            lo_name, hi_name = level_columns(name, level)
            columns[lo_name], columns[hi_name] = q[:, :, j, where[lo]].ravel(), q[:, :, j, where[hi]].ravel()
        for tau in quantiles:
            columns[quantile_column(name, tau)] = q[:, :, j, where[round(float(tau), 10)]].ravel()
    return pd.DataFrame(columns)
