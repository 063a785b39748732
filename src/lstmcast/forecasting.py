"""A fitted Forecaster's forecasts: the rows a forecast reads, the forecast, its intervals and draws.

:func:`forecast_inputs` builds the model-space rows after the history (newer ``data`` read in the
training schema, the ``future=`` covariates over the forecast steps); :func:`forecast_at` runs the
network on windows and undoes the transforms (an ensemble's median, then the combination);
:func:`forecast_intervals` adds conformal or the head's own quantiles. ``predict``,
``sample_paths``, ``actual`` and ``predict_in_sample`` of one series are built from them; many
series are forecast by :mod:`lstmcast.global_forecast`.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from lstmcast import params as P
from lstmcast.data import calendar_features
from lstmcast.data.newdata import future_values, load_history
from lstmcast.data.pipeline import part_starts
from lstmcast.data.series import Series
from lstmcast.data.sources import reading
from lstmcast.errors import ConfigError, DataError, IntervalWarning
from lstmcast.fitting import check_finite
from lstmcast.resources import check_forecast
from lstmcast.series_model import split_series
from lstmcast.strategies import get_strategy
from lstmcast.uncertainty.calibrated import require_calibration
from lstmcast.uncertainty.head_quantiles import SAMPLES, head_paths, head_quantiles
from lstmcast.uncertainty.names import all_quantiles, check_levels, check_quantiles, level_columns, quantile_column

MAX_SAMPLES = 100_000  # sample paths per ensemble member at most


def predict(
    model, horizon: int | None = None, data=None, future=None, level=None, quantiles=None, samples=None
) -> pd.DataFrame:
    """The work of :meth:`~lstmcast.Forecaster.predict`."""
    if model.is_panel_:
        from lstmcast.global_forecast import predict_panel

        horizon = model.config_["horizon"] if horizon is None else horizon
        P.PARAMS["horizon"].check_value(horizon)
        check_forecast(model, horizon)  # before any array is allocated
        levels = check_levels(level) if level is not None else ()
        qs = check_quantiles(quantiles) if quantiles is not None else ()
        return predict_panel(model, horizon, data, future, levels, qs, predict_samples(model, samples))
    series, values, tail, start, horizon = forecast_inputs(model, horizon, data, future)
    levels = check_levels(level) if level is not None else ()
    qs = check_quantiles(quantiles) if quantiles is not None else ()
    n_samples = predict_samples(model, samples)
    if not levels and not qs:
        out = model.forecast_at(values, tail[:, : series.n_targets], start, horizon)  # (1, horizon, targets)
        return pd.DataFrame(out[0], index=series.future_index(horizon), columns=list(series.targets))
    taus = all_quantiles(levels, qs)
    out, q = model.forecast_intervals(values, tail[:, : series.n_targets], start, horizon, taus, n_samples)
    return interval_frame(out[0], q[0], taus, levels, qs, series.targets, series.future_index(horizon))


def sample_paths(model, samples: int = 100, horizon: int | None = None, data=None, future=None) -> pd.DataFrame:
    """The work of :meth:`~lstmcast.Forecaster.sample_paths`."""
    if model.is_panel_:
        return _panel_sample_paths(model, samples, horizon, data, future)
    series, values, tail, start, horizon = forecast_inputs(model, horizon, data, future)
    check_spread(model, "sample_paths()")
    n = check_samples(model, samples)
    undo = undo_one(model, tail[:, : series.n_targets], start)
    paths = head_paths(model, values, start, horizon, n, undo)[:, 0]  # (draws, H, k)
    index = series.future_index(horizon)
    draws = paths.shape[0]
    frame = pd.DataFrame(paths.reshape(draws * horizon, -1), columns=list(series.targets))
    frame.insert(0, index.name or "time", np.tile(index.to_numpy(), draws))
    frame.insert(0, "sample", np.repeat(np.arange(draws), horizon))
    return frame


def _panel_sample_paths(model, samples, horizon, data, future) -> pd.DataFrame:
    """``sample_paths`` of a model of many series: ``sample``, the id and time columns, the targets."""
    from lstmcast.global_forecast import forecast_panel

    check_spread(model, "sample_paths()")
    n = check_samples(model, samples)
    horizon = model.config_["horizon"] if horizon is None else horizon
    P.PARAMS["horizon"].check_value(horizon)
    panel, _, paths = forecast_panel(model, horizon, data, future, samples=n, paths=True)  # (draws, S, H, k)
    draws, cells = paths.shape[0], panel.n_series * horizon
    frame = pd.DataFrame(paths.reshape(draws * cells, -1), columns=list(panel.targets))
    frame.insert(0, panel.time_name or "ds", np.tile(np.asarray(panel.future_index(horizon)), draws))
    frame.insert(0, panel.id_name, np.tile(np.repeat(panel.id_values(), horizon), draws))
    frame.insert(0, "sample", np.repeat(np.arange(draws), cells))
    return frame


def check_samples(model, samples) -> int:
    """``samples=`` checked (a distribution or quantile model only); the default when None."""
    if samples is None:
        return SAMPLES
    P.integer(1, hi=MAX_SAMPLES)("samples", samples)
    check_spread(model, "samples=")
    return int(samples)


def predict_samples(model, samples) -> int:
    """``predict``'s ``samples=``: :func:`check_samples`, refused where predicting would not read it (a direct
    model's quantiles are its head's, in closed form), rather than ignored."""
    n = check_samples(model, samples)
    if samples is not None and not get_strategy(model.config_["strategy"]).one_step:
        raise ConfigError(
            f"samples={samples} sets how many sample paths a recursive model's quantiles are read from; this "
            "model is direct (strategy='direct'), and its quantiles come from its head in closed form: leave "
            "samples out (sample_paths(samples=...) draws paths of either kind)."
        )
    return n


def check_spread(model, what: str) -> None:
    """Refuse ``what`` (drawing from the forecast distribution) for a model that forecasts a point."""
    model._check_fitted()
    if model.loss_.kind == "point":
        raise ConfigError(
            f"{what} draws from a distribution, and loss={model.loss_.name!r} forecasts a point: train with "
            "loss='normal', 'studentt', 'negbin' or 'quantile', or use predict(level=...) for conformal intervals."
        )


def forecast_inputs(model, horizon, data, future):
    """(series, model-space rows, raw tail rows, window start, horizon) of a forecast after the data's end."""
    model._check_fitted()
    cfg = model.config_
    horizon = cfg["horizon"] if horizon is None else horizon
    P.PARAMS["horizon"].check_value(horizon)
    check_forecast(model, horizon)  # before any array is allocated
    strategy = get_strategy(cfg["strategy"])
    if not strategy.one_step and horizon > model.spec_.horizon:
        raise ConfigError(
            f"horizon={horizon} is longer than the horizon={model.spec_.horizon} this direct model was trained "
            "for: refit with a longer horizon, or use strategy='recursive'."
        )
    series = history(model, data)
    need = model.history_rows_()
    steps = horizon if strategy.one_step else model.spec_.horizon
    tail = series.values[-need:]  # the rows a forecast reads (fewer when newer data holds fewer)
    if data is not None:  # newer history: log needs positive values where the forecast reads them
        model.transforms_.target.check(
            tail[:, : series.n_targets],
            list(series.targets),
            series.index[-need:],
            offset=len(series.values) - len(tail),
            fix="this model forecasts log values, so the rows it reads must be positive.",
        )
    values = np.concatenate([model.transforms_.to_model_space(tail), future_rows(model, series, future, steps)])
    start = np.array([len(tail) - cfg["window"]], np.int32)
    return series, values, tail, start, horizon


def make_future_frame(model, horizon: int | None = None) -> pd.DataFrame:
    """The work of :meth:`~lstmcast.Forecaster.make_future_frame`."""
    model._check_fitted()
    horizon = model.config_["horizon"] if horizon is None else horizon
    P.PARAMS["horizon"].check_value(horizon)
    check_forecast(model, horizon, "make_future_frame")  # before any array is allocated
    if model.is_panel_:
        from lstmcast.data.panel_future import make_future_frame

        return make_future_frame(model.panel_, horizon)
    s = model.series_
    user = calendar_features.user_columns(s.future)  # calendar columns are computed, not filled in
    return pd.DataFrame({name: np.nan for name in user}, index=s.future_index(horizon))


def forecast_intervals(model, values, raw_targets, starts, horizon, taus, samples: int = SAMPLES):
    """The work of :meth:`~lstmcast.Forecaster.forecast_intervals`."""
    model._check_fitted()
    point = model.forecast_at(values, raw_targets, starts, horizon)  # (n, H, targets)
    if model.loss_.kind != "point":
        q = head_quantiles(model, values, starts, horizon, taus, samples, undo_one(model, raw_targets, starts))
        return point, q
    require_calibration(model)
    cal = model.calibration_
    if horizon > cal.horizon:
        raise ConfigError(
            f"horizon={horizon} is longer than the {cal.horizon} steps the intervals were calibrated for: "
            "ask for intervals up to that horizon, or refit with a longer horizon."
        )
    levels = sorted({round(100 * abs(2 * t - 1), 8) for t in taus if t != 0.5})
    short = cal.short_levels(levels)
    if short:
        warnings.warn(
            f"only {cal.origins} calibration errors: the {short[0]:g}% bounds are the largest error seen and "
            f"may cover less than {short[0]:g}% (a longer history gives more errors).",
            IntervalWarning,
            stacklevel=5,  # here <- Forecaster.forecast_intervals <- predict or evaluate <- Forecaster's <- the user
        )
    return point, cal.quantiles(point, np.asarray(taus, np.float64))


def future_rows(model, series: Series, future, steps: int) -> np.ndarray:
    """(steps, columns) model-space rows after the history: the known-in-advance covariates, zeros elsewhere."""
    rows = np.zeros((steps, len(series.columns)))
    raw = _future_raw(series, future, steps)
    if raw is None:
        return rows.astype(np.float32)
    lo = len(series.columns) - len(series.future)
    rows[:, lo:] = raw
    scaled = model.transforms_.scaler.transform(rows)
    rows[:, lo:] = scaled[:, lo:]
    return rows.astype(np.float32)


def history(model, data) -> Series:
    """The training series, or newer history ``data`` read in its schema (with the calendar columns)."""
    if data is None:
        return model.series_
    schema = model.series_
    if model.config_.get("calendar"):  # the calendar columns are computed, not read
        schema = dataclasses.replace(schema, future=calendar_features.user_columns(schema.future))
    need = model.config_["window"] + model.transforms_.target.lag
    series = load_history(schema, data, model.config_["fill"], need, **reading(model.config_, warn_unused=False))
    return calendar_features.add_to_series(series) if model.config_.get("calendar") else series


def data_parts(model, data):
    """(series, model-space values, split) of the fitted data, or of ``data`` with the fitted transforms."""
    if data is None:
        if not hasattr(model, "values_"):
            raise DataError(
                f"this model was loaded from disk and keeps only its last {len(model.series_)} rows: "
                "pass data= the series to evaluate or plot."
            )
        return model.series_, model.values_, model.split_
    series = history(model, data)
    split, _ = split_series(series, model.config_)
    return series, model.transforms_.to_model_space(series.values), split


def actual(model, data=None) -> pd.DataFrame:
    """The work of :meth:`~lstmcast.Forecaster.actual`."""
    model._check_fitted()
    if model.is_panel_:
        from lstmcast.global_forecast import newer_panel

        panel = model.panel_ if data is None else newer_panel(model, data)[0]
        frame = pd.DataFrame(panel.stacked()[:, : panel.n_targets], columns=list(panel.targets))
        frame.insert(0, panel.time_name or "ds", panel.times)
        frame.insert(0, panel.id_name, np.repeat(panel.id_values(), panel.lengths))
        return frame
    s = model.series_ if data is None else history(model, data)
    return pd.DataFrame(s.values[:, : s.n_targets], index=s.index, columns=list(s.targets))


def predict_in_sample(model, data=None) -> pd.DataFrame:
    """The work of :meth:`~lstmcast.Forecaster.predict_in_sample`."""
    model._check_fitted()
    model._one_series("predict_in_sample()")
    s, values, split = data_parts(model, data)
    raw = s.values[:, : s.n_targets]
    frames = []
    for part, starts in part_starts(split, model.window_, 1, model.transforms_.target.first_row).items():
        if model.spec_.n_future:  # windows whose horizon runs past the data lack their covariates' values
            starts = starts[starts + model.window_ + model.spec_.horizon <= len(s)]
        if len(starts) == 0:
            continue
        pred = model.forecast_at(values, raw, starts, horizon=1)[:, 0]  # (n, targets)
        rows = starts + model.window_
        frame = pd.DataFrame(raw[rows], index=s.index[rows], columns=list(s.targets))
        for j, name in enumerate(s.targets):
            frame[f"{name}_pred"] = pred[:, j]
        frame["part"] = part
        frames.append(frame)
    return pd.concat(frames)


def forecast_at(model, values: np.ndarray, raw_targets: np.ndarray, starts: np.ndarray, horizon=None) -> np.ndarray:
    """The work of :meth:`~lstmcast.Forecaster.forecast_at`."""
    model._check_fitted()
    horizon = model.config_["horizon"] if horizon is None else horizon
    z = get_strategy(model.config_["strategy"]).forecast(
        model.params_, model.spec_, model.loss_, values, starts, horizon
    )  # (members, n, horizon, targets)
    members, n = z.shape[:2]
    origins = starts + model.config_["window"] - 1
    levels = model.transforms_.history_levels(raw_targets, origins)  # (n, lag, targets)
    paths = model.transforms_.to_original(z.reshape(members * n, *z.shape[2:]), np.tile(levels, (members, 1, 1)))
    out = np.median(paths.reshape(z.shape), axis=0) if members > 1 else paths
    combination = getattr(model, "combination_", None)
    if combination is not None:
        out = combination.forecast(out, raw_targets, origins, horizon)
    check_finite(out)
    return out


def undo_one(model, raw, starts):
    """``undo`` for :mod:`lstmcast.uncertainty.head_quantiles`: one series' transforms, each window's levels."""
    levels = model.transforms_.history_levels(raw, starts + model.config_["window"] - 1)  # (n, lag, targets)
    return lambda z, reps: model.transforms_.to_original(z, np.tile(levels, (reps, 1, 1)))


def _future_raw(series: Series, future, steps: int) -> np.ndarray | None:
    """(steps, n_future) raw known-in-advance values after the series: the user's, and the calendar's computed."""
    if not series.future:
        return None
    user = calendar_features.user_columns(series.future)
    given = future_values(dataclasses.replace(series, future=user), future, steps) if user else None
    stamps = series.future_index(steps)
    computed = (
        dict(zip(calendar_features.names(series.freq), calendar_features.values(stamps, series.freq).T))
        if (len(user) < len(series.future))
        else {}
    )
    cols = [computed[name] if name in computed else given[:, user.index(name)] for name in series.future]
    return np.stack(cols, axis=1)


def interval_frame(point, q, taus, levels, quantiles, targets, index) -> pd.DataFrame:
    """The forecast table: per target its point column, then ``-lo-L``/``-hi-L`` per level, then ``-q-P``.

    point (H, targets); q (H, targets, Q) at ``taus``.
    """
    where = {round(float(t), 10): i for i, t in enumerate(taus)}
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(targets):
        columns[name] = point[:, j]
        for level in levels:
            lo, hi = (round((1 - level / 100) / 2, 10), round(1 - (1 - level / 100) / 2, 10))
            lo_name, hi_name = level_columns(name, level)
            columns[lo_name], columns[hi_name] = q[:, j, where[lo]], q[:, j, where[hi]]
        for tau in quantiles:
            columns[quantile_column(name, tau)] = q[:, j, where[round(float(tau), 10)]]
    return pd.DataFrame(columns, index=index)
