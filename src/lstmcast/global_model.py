"""One model for many series: the Forecaster's fit and predict on a long-format panel.

Every series is stacked into one (rows, columns) table (``Panel.stacked()``, cut by
``offsets``); training windows are (series, start) pairs written as global row numbers, so
the compiled epoch gathers them by index exactly as for one series and never builds the
windows: memory grows with the points, not points x window. No window crosses two series.
Each series has its own scaler (:mod:`lstmcast.data.panel_transforms`) and every window is
normalized by its own level inside the network (``normalize``), so big and small series share
one network. Forecasts of all series run in chunks of ``PREDICT_CHUNK`` windows. Series shorter
than a window are left-padded with a mask column (:func:`fit_panel`, :func:`mask_column`); a panel
without them trains and forecasts exactly as if padding did not exist.

Settings left at "auto" are chosen on a sample of the series (:func:`resolve_panel`): the
season from the shared frequency, log when most sampled series want it (and every series is
positive), the window for the median series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmcast.auto import Choice, resolve
from lstmcast.data.panel_transforms import MIN_HISTORY, PanelTransforms, forecast_sources, pad_left, with_mask
from lstmcast.data.split import make_split
from lstmcast.data.transforms import TargetTransform
from lstmcast.errors import ConfigError, DataError, TooShortError

SAMPLE_SERIES = 64  # series the automatic settings are chosen on
PREDICT_CHUNK = 16384  # windows per forecast call (bounds the memory of 100,000 series)


def train_ends(lengths: np.ndarray, test, validation) -> tuple[np.ndarray, np.ndarray]:
    """(S,) rows of each series' training part and (S,) of its training + validation part.

    ``test`` and ``validation`` are row counts or fractions of each series; timestamps are not
    available for many series yet.
    """
    for name, part in (("test", test), ("validation", validation)):
        if isinstance(part, str):
            raise ConfigError(
                f"{name}={part!r}: a timestamp cut is not available for many series yet; give a number of rows "
                f"per series (e.g. {name}=12) or a fraction (e.g. {name}=0.2)."
            )
    train = np.empty(len(lengths), np.int64)
    fit_end = np.empty(len(lengths), np.int64)
    for n in np.unique(lengths):  # few distinct lengths: one split each
        split = make_split(int(n), pd.RangeIndex(int(n)), test, validation)
        train[lengths == n] = split.train_end
        fit_end[lengths == n] = split.train_end + split.n_val
    return train, fit_end


def window_starts(offsets: np.ndarray, lo: np.ndarray, hi: np.ndarray, window: int, steps: int) -> np.ndarray:
    """Global start rows of every window whose targets lie in each series' rows ``[lo, hi)``.

    offsets (S + 1,); lo, hi (S,) local rows. A window starting at local row s reads rows
    s .. s + window - 1 and forecasts s + window .. s + window + steps - 1.
    """
    first = np.maximum(lo - window, 0)  # (S,) the first start whose targets begin at or after lo
    count = np.maximum(hi - window - steps + 1 - first, 0)  # (S,)
    base = np.repeat(offsets[:-1] + first, count)
    within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return (base + within).astype(np.int32)


def resolve_panel(cfg: dict, stacked: np.ndarray, offsets: np.ndarray, ends: np.ndarray, freq, loss, k: int):
    """The "auto" settings for a panel, chosen on up to ``SAMPLE_SERIES`` of its series, with reasons."""
    n_series = len(offsets) - 1
    picks = np.unique(np.linspace(0, n_series - 1, min(SAMPLE_SERIES, n_series)).round().astype(int))
    lengths = ends[picks]
    median_series = picks[np.argsort(lengths)[len(picks) // 2]]
    results = []
    for s in picks:
        y = stacked[offsets[s] : offsets[s] + ends[s], :k]
        try:
            results.append(resolve(cfg, y, freq, loss))
        except ConfigError:
            continue
    if not results:
        raise TooShortError("no series is long enough to choose the automatic settings: pass window= and horizon=.")
    by_series = dict(zip(picks, results))
    out, choices = by_series.get(median_series, results[0])
    out, choices = dict(out), dict(choices)
    if cfg["log"] == "auto":
        votes = sum(bool(r[0]["log"]) for r in results)
        positive = bool(np.all(stacked[:, :k][_training_rows(offsets, ends)] > 0))
        out["log"] = bool(votes * 2 > len(results) and positive)
        why = f"{votes} of {len(results)} sampled series have a spread that grows with the level"
        if votes * 2 > len(results) and not positive:
            why += ", but some series hold values <= 0"
        choices["log"] = Choice(out["log"], why)
    if cfg["window"] == "auto":
        choices["window"] = Choice(out["window"], f"for the median series: {choices['window'].reason}")
    return out, choices


def _training_rows(offsets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    rows = np.repeat(np.arange(len(ends)), np.diff(offsets))
    local = np.arange(offsets[-1]) - offsets[rows]
    return local < ends[rows]


def fit_transforms(stacked, offsets, ends, cfg: dict, k: int) -> PanelTransforms:
    target = TargetTransform(log=cfg["log"], lag=cfg["difference"])
    return PanelTransforms.fit(stacked, offsets, ends, target, cfg["scaler"], tuple(cfg["feature_range"]), k)


def forecast_rows(values: np.ndarray, offsets: np.ndarray, window: int, lag: int, steps: int, mask_at=None):
    """Each series' last ``window + lag`` model-space rows then ``steps`` zero rows (future covariates go there).

    mask_at: the padding mask's column of ``values`` (:func:`mask_column`), or None: a series shorter than
    ``window + lag`` rows is then padded on the left with its first valid row (mask 0), and the forecast
    steps' mask is 1 (a recursive forecast feeds them back as inputs).
    Returns ((S * (window + lag + steps), columns) float32, (S,) window starts in it).
    """
    need = window + lag
    n_series, width = len(offsets) - 1, values.shape[1]
    block = np.zeros((n_series, need + steps, width), np.float32)
    if mask_at is None:
        rows = offsets[1:, None] - need + np.arange(need)[None, :]  # (S, need)
        block[:, :need] = values[rows]
    else:
        rows, valid = forecast_sources(offsets, need, lag)  # (S, need) each
        block[:, :need] = values[rows]
        block[:, :need, mask_at] = valid
        block[:, need:, mask_at] = 1.0
    stride = need + steps
    return block.reshape(n_series * stride, width), (np.arange(n_series) * stride + lag).astype(np.int32)


def mask_column(spec, panel) -> int | None:
    """The padding mask's column in the network's inputs (after the static ones, before ``future=``'s), or
    None for a model trained without short series (its inputs are the panel's columns and the static ones)."""
    plain = len(panel.columns) + spec.static_columns
    return plain - len(panel.future) if spec.n_inputs > plain else None


def forecast_minimum(model) -> int:
    """Rows a series needs to be forecast: ``window + difference``, or with padding ``difference + 2``."""
    lag = model.config_["difference"]
    if mask_column(model.spec_, model.panel_) is None:
        return model.config_["window"] + lag
    return lag + MIN_HISTORY


def model_inputs(model, panel, values: np.ndarray) -> np.ndarray:
    """Model-space rows (rows, columns) of ``panel`` as the network reads them: with the mask column when the
    model was trained with padding (1 on each series' rows from ``difference`` on)."""
    at = mask_column(model.spec_, model.panel_)
    return values if at is None else with_mask(values, panel.offsets(), model.config_["difference"], at)


def fit_panel(model, panel, cfg: dict, on_epoch_end=None) -> None:
    """Train ``model`` (a Forecaster) on every series of ``panel`` with checked settings ``cfg``.

    Sets the fitted attributes: ``panel_``, ``transforms_`` (per-series), ``values_`` (model
    space, stacked), ``ends_`` (each series' training rows), ``starts_`` (rows of the training table:
    ``values_``, or its left-padded copy when series are short), and those of any fit.

    A series whose training part holds no whole window (fewer than ``window + difference + steps``
    rows) is padded on the left when it holds at least ``difference + 2 + steps`` rows
    (:func:`lstmcast.data.panel_transforms.pad_left`): every series then gets ``window - 2`` rows
    of padding, the network reads one more input column (the mask), and a window's targets are
    always real rows after at least two valid ones. Without such series nothing changes.
    """
    import jax

    from lstmcast.fitting import init_members, loss_space, refit, reporter
    from lstmcast.nn.network import NetworkSpec
    from lstmcast.resources import check_training
    from lstmcast.strategies import get_strategy
    from lstmcast.train.config import TRAIN_PARAMS, TrainConfig
    from lstmcast.train.losses import check_settings, check_targets, get_loss
    from lstmcast.train.trainer import TARGET_STEPS, auto_epochs, train

    strategy = get_strategy(cfg["strategy"])
    if cfg["calendar"]:
        from lstmcast.data import calendar_features

        panel = calendar_features.add_to_panel(panel)
    strategy.check_roles(features=panel.features, future=panel.future)
    k, stacked, offsets = panel.n_targets, panel.stacked(), panel.offsets()
    ends, fit_ends = train_ends(panel.lengths, cfg["test"], cfg["validation"])
    loss = get_loss(cfg["loss"], quantiles=cfg["quantiles"])
    check_settings(loss, {key: v for key, v in cfg.items() if not (key == "scaler" and v == "minmax")})
    check_targets(loss, stacked[_training_rows(offsets, ends), :k], panel.targets)
    cfg, choices = resolve_panel(cfg, stacked, offsets, ends, panel.freq, loss, k)
    check_settings(loss, cfg)
    if cfg["log"]:
        _check_positive(stacked, offsets, ends, panel, k)
    steps = strategy.model_horizon(cfg["horizon"])
    window, lag = cfg["window"], cfg["difference"]
    # series with no whole training window that padding lets train or forecast: then every series is padded
    padded = bool(np.any((ends < window + lag + steps) & (panel.lengths >= lag + MIN_HISTORY)))
    pad = max(window - MIN_HISTORY, 0) if padded else 0
    table_offsets = offsets + pad * np.arange(len(offsets))  # (S + 1,) of the training table
    # a window's first target row: after MIN_HISTORY valid rows when padded (the rows shift by pad within each
    # series), else after a whole window from row ``lag`` (a series' first ``lag`` rows hold no difference)
    first = np.full_like(ends, lag + (MIN_HISTORY if padded else window))  # (S,)
    starts = {
        "train": window_starts(table_offsets, pad + first, pad + ends, window, steps),
        "validation": window_starts(table_offsets, pad + np.maximum(ends, first), pad + fit_ends, window, steps),
    }
    if len(starts["train"]) == 0:
        longest = int(panel.lengths.max())
        raise TooShortError(
            f"no series holds a training window: window={window} + horizon={steps}"
            + (f" + difference={lag}" if lag else "")
            + f" rows are needed (a series shorter than the window: {lag + MIN_HISTORY + steps}), the longest "
            f"series has {longest}; use a shorter window or horizon."
        )
    _refuse_unforecastable(panel, lag)  # a model that could not forecast every series it was given
    _warn_short(panel, ends, lag, steps, window)
    transforms = fit_transforms(stacked, offsets, ends, cfg, k)
    statics = StaticEncoding.fit(panel)  # None without static=
    values = with_statics(transforms.to_model_space(stacked, offsets), panel, statics)  # (rows, columns) float32
    table = values
    if padded:  # the mask column after the static ones, then every series left-padded
        at = len(panel.columns) + (statics.width if statics else 0) - len(panel.future)
        table, _ = pad_left(with_mask(values, offsets, lag, at), offsets, pad, lag, at)
    spec = NetworkSpec(
        cell=cfg["cell"],
        units=cfg["units"],
        n_inputs=len(panel.columns) + (statics.width if statics else 0) + int(padded),
        window=cfg["window"],
        horizon=steps,
        n_targets=k,
        dropout=cfg["dropout"],
        bidirectional=cfg["bidirectional"],
        dense_units=cfg["dense_units"],
        n_outputs=loss.n_outputs,
        n_future=len(panel.future),
        normalize=cfg["normalize"],
        season=cfg["seasonal_period"],
        head=loss.head,
        future_relative=True,
        n_static=statics.n_numeric if statics else 0,
        static_cards=statics.cards if statics else (),
        static_at=(k + len(panel.features)) if statics else 0,
    )
    check_training(spec, min(cfg["batch_size"], len(starts["train"])), cfg["ensemble"])
    initial, key = init_members(spec, cfg["seed"], cfg["ensemble"])
    callback = on_epoch_end if on_epoch_end is not None else reporter(cfg["verbose"], loss_space(cfg, loss.name))
    if cfg["epochs"] == "auto":
        cfg["epochs"] = auto_epochs(TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS}), len(starts["train"]))
        choices["epochs"] = Choice(cfg["epochs"], f"about {TARGET_STEPS} optimizer steps")
    else:
        choices["epochs"] = Choice(cfg["epochs"], "set by you")
    train_cfg = TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS})
    try:
        params, history = train(
            initial,
            spec,
            loss,
            train_cfg,
            table,
            starts["train"],
            key,
            val_starts=starts["validation"],
            on_epoch_end=callback,
        )
    finally:
        if getattr(callback, "progress", None) is not None:
            callback.progress.stop()
    if train_cfg.patience is not None and len(starts["validation"]) and history.best_epoch and not history.interrupted:
        params = refit(params, history, initial, spec, loss, train_cfg, table, starts, key)
    model.config_, model.spec_, model.loss_, model.params_, model.history_ = cfg, spec, loss, params, history
    model.choices_ = choices
    model.panel_, model.transforms_, model.values_, model.ends_, model.starts_ = panel, transforms, values, ends, starts
    model.statics_ = statics
    for name in ("series_", "split_", "calibration_", "series_scales_"):  # none of the one-series state
        model.__dict__.pop(name, None)
    jax.block_until_ready(model.params_)


def _refuse_unforecastable(panel, lag: int) -> None:
    """TooShortError naming the series too short to ever be forecast (fewer than ``lag + MIN_HISTORY`` rows)."""
    tiny = np.flatnonzero(panel.lengths < lag + MIN_HISTORY)
    if len(tiny):
        i = int(tiny[0])
        history = f"difference={lag} + 2" if lag else "2"
        raise TooShortError(
            f"series {panel.ids[i]!r} has {panel.lengths[i]} row(s), and a series needs at least {lag + MIN_HISTORY} "
            f"({history} rows of history) to be forecast; {len(tiny)} series are that short: leave them out or give "
            "them more history."
        )


def _warn_short(panel, ends: np.ndarray, lag: int, steps: int, window: int) -> None:
    """A ShortSeriesWarning naming the series that add no training window even with padding."""
    need = lag + MIN_HISTORY + steps
    short = np.flatnonzero(ends < need)
    if not len(short):
        return
    import warnings

    from lstmcast.errors import ShortSeriesWarning

    i = int(short[0])
    history = f"difference={lag} + 2" if lag else "2"
    warnings.warn(
        f"{len(short)} series hold fewer than the {need} training rows a window needs ({history} rows of history "
        f"+ horizon {steps}; window={window} is padded on the left), e.g. {panel.ids[i]!r} with {ends[i]}: they add "
        "no training window but are forecast from their padded history; give them more history for a better "
        "forecast.",
        ShortSeriesWarning,
        stacklevel=4,
    )


def _check_positive(stacked, offsets, ends, panel, k: int) -> None:
    from lstmcast.errors import TransformError

    bad = np.flatnonzero(np.any(~(stacked[:, :k] > 0), axis=1) & _training_rows(offsets, ends))
    if len(bad):
        s = int(np.searchsorted(offsets, bad[0], side="right") - 1)
        raise TransformError(
            f"series {panel.ids[s]!r}: log=True needs positive values, but it holds {stacked[bad[0], 0]:g} "
            f"(row {int(bad[0] - offsets[s])}); drop log=True or shift the data above zero."
        )


def predict_panel(model, horizon: int, data=None, future=None, levels=(), quantiles=(), samples=None, windows=None):
    """A long table ``<id>, <time>, <targets>``: ``horizon`` steps after each series' end.

    data: newer history of some or all series, in the training columns (a series never seen in
    training gets a scaler fitted on its own history); by default the training panel.
    levels / quantiles: interval and quantile columns (``<target>-lo-80``, ``<target>-q-10``): conformal
    for a point loss, calibrated on first use (:mod:`lstmcast.uncertainty.panel_conformal`), the head's
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
        panel, transforms, values = _newer(model, data)
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
    if taus is not None and not head:
        q = _conformal(model, panel, out, horizon, taus, data is not None)
    return panel, out, q


def _newer(model, data):
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
    """(S, H, targets, Q) conformal quantiles around the point forecasts ``out`` (calibrated on first use)."""
    from lstmcast.uncertainty.panel_conformal import panel_quantiles, series_scales

    if getattr(model, "calibration_", None) is None:
        model.calibrate()
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


def make_future_frame(panel, horizon: int) -> pd.DataFrame:
    """The long table ``<id>, <time>`` of every series' next ``horizon`` timestamps, with the ``future=``
    columns empty (NaN): fill them and pass the table to ``predict(future=...)``."""
    frame = pd.DataFrame(
        {
            panel.id_name: np.repeat(panel.id_values(), horizon),
            panel.time_name or "ds": panel.future_index(horizon),
        }
    )
    from lstmcast.data import calendar_features

    for name in calendar_features.user_columns(panel.future):  # calendar columns are computed, not filled in
        frame[name] = np.nan
    return frame


def future_table(panel, future, steps: int) -> np.ndarray:
    """(S, steps, n_future) raw values of the known-in-advance columns after each series' end.

    future: a long table with the id, time and ``future=`` columns (:func:`make_future_frame`
    builds one); every series needs a value at each of its next ``steps`` timestamps. A
    missing series or timestamp is named in the error.
    """
    from lstmcast.data import calendar_features

    every = list(panel.future)
    names, id_name = list(calendar_features.user_columns(every)), panel.id_name
    time_name = panel.time_name or "ds"
    computed = {}
    if len(names) < len(every):  # the calendar columns: from the forecast timestamps, not from the user
        stamps = panel.future_index(steps)
        computed = dict(zip(calendar_features.names(panel.freq), calendar_features.values(stamps, panel.freq).T))
    if not names:
        if future is not None:
            raise ConfigError("future= was given, but this model reads no covariates known in advance from you.")
        cols = [computed[name] for name in every]
        return np.stack(cols, axis=1).reshape(panel.n_series, steps, len(every))
    if future is None:
        raise DataError(
            f"this model reads covariates known in advance {names}: pass future= a long table with the columns "
            f"{[id_name, time_name, *names]} for the next {steps} step(s) of every series "
            "(make_future_frame(horizon) builds it to fill)."
        )
    if not isinstance(future, pd.DataFrame):
        raise DataError(f"future= must be a long table (DataFrame) with the columns {[id_name, time_name, *names]}.")
    missing = [c for c in (id_name, time_name, *names) if c not in future.columns]
    if missing:
        raise DataError(f"future= lacks column(s) {missing}: it must hold {[id_name, time_name, *names]}.")
    expected = make_future_frame(panel, steps)
    times = future[time_name]
    if isinstance(panel.times, pd.DatetimeIndex):
        times = pd.to_datetime(times)
        expected[time_name] = pd.DatetimeIndex(expected[time_name]).as_unit("ns").tz_localize(None)
        times = pd.DatetimeIndex(times).as_unit("ns").tz_localize(None)
    given = pd.DataFrame({"_id": future[id_name].astype(str).to_numpy(), "_t": np.asarray(times)})
    given = pd.concat([given, future[names].reset_index(drop=True)], axis=1)
    if given.duplicated(["_id", "_t"]).any():
        row = given[given.duplicated(["_id", "_t"])].iloc[0]
        raise DataError(f"future= repeats series {row['_id']!r} at {row['_t']}: give each timestamp once per series.")
    want = pd.DataFrame({"_id": expected[id_name].astype(str).to_numpy(), "_t": np.asarray(expected[time_name])})
    merged = want.merge(given, on=["_id", "_t"], how="left")
    values = merged[names].to_numpy(np.float64)  # (S * steps, n_future)
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        n_series = len(set(merged.loc[bad, "_id"]))
        raise DataError(
            f"future= has no (finite) value of {names} for series {merged['_id'][i]!r} at {merged['_t'][i]}, "
            f"one of the {steps} forecast step(s) after its last row; {int(bad.sum())} row(s) of {n_series} "
            "series are missing. make_future_frame(horizon) lists every row needed."
        )
    cols = [computed[name] if name in computed else values[:, names.index(name)] for name in every]
    return np.stack(cols, axis=1).reshape(panel.n_series, steps, len(every))


@dataclass(frozen=True)
class StaticEncoding:
    """How a panel's static attributes reach the network: numeric ones standardized over the series,
    categorical ones as integer codes (1.. in sorted order; 0 for a category never seen in training)."""

    numeric: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    categorical: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]

    @classmethod
    def fit(cls, panel) -> StaticEncoding | None:
        if panel.static is None:
            return None
        table = panel.static
        numeric = tuple(c for c in table.columns if c not in panel.static_categorical)
        values = table[list(numeric)].to_numpy(np.float64) if numeric else np.zeros((len(table), 0))
        std = values.std(axis=0)
        return cls(
            numeric,
            tuple(float(v) for v in values.mean(axis=0)),
            tuple(float(v) if v > 0 else 1.0 for v in std),
            tuple(panel.static_categorical),
            tuple(tuple(sorted(set(table[c]))) for c in panel.static_categorical),
        )

    @property
    def names(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    @property
    def n_numeric(self) -> int:
        return len(self.numeric)

    @property
    def cards(self) -> tuple[int, ...]:
        return tuple(len(c) + 1 for c in self.categories)  # + the unknown category, code 0

    @property
    def width(self) -> int:
        return len(self.numeric) + len(self.categorical)

    def encode(self, static: pd.DataFrame) -> np.ndarray:
        """(S, width) float32: standardized numeric attributes, then category codes."""
        missing = [c for c in self.names if c not in static.columns]
        if missing:
            raise ConfigError(f"the data lacks the static column(s) {missing} the model was trained with.")
        cols = [(static[c].to_numpy(np.float64) - m) / s for c, m, s in zip(self.numeric, self.mean, self.std)]
        for c, cats in zip(self.categorical, self.categories):
            where = {v: i + 1 for i, v in enumerate(cats)}
            cols.append(np.array([where.get(str(v), 0) for v in static[c]], np.float64))
        return np.stack(cols, axis=1).astype(np.float32) if cols else np.zeros((len(static), 0), np.float32)

    def to_dict(self) -> dict:
        return {
            "numeric": list(self.numeric),
            "mean": list(self.mean),
            "std": list(self.std),
            "categorical": list(self.categorical),
            "categories": [list(c) for c in self.categories],
        }

    @classmethod
    def from_dict(cls, d: dict) -> StaticEncoding:
        return cls(
            tuple(d["numeric"]),
            tuple(float(v) for v in d["mean"]),
            tuple(float(v) for v in d["std"]),
            tuple(d["categorical"]),
            tuple(tuple(str(v) for v in c) for c in d["categories"]),
        )


def with_statics(values: np.ndarray, panel, encoding: StaticEncoding | None, encoded=None) -> np.ndarray:
    """Model-space rows (rows, columns) with each series' encoded attributes inserted after the past-only
    features, constant over its rows (NetworkSpec.static_at). ``encoded`` (S, width): already encoded
    (a loaded model keeps them), else from ``panel.static``."""
    if encoding is None:
        return values
    if encoded is None:
        if panel.static is None:
            raise ConfigError(f"the data lacks the static column(s) {list(encoding.names)} the model was trained with.")
        encoded = encoding.encode(panel.static)
    at = panel.n_targets + len(panel.features)
    rows = np.repeat(np.asarray(encoded, np.float32), panel.lengths, axis=0)  # (rows, width)
    return np.concatenate([values[:, :at], rows, values[:, at:]], axis=1).astype(np.float32)
