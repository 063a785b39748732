"""One model for many series: the Forecaster's fit on a long-format panel.

Every series is stacked into one (rows, columns) table (``Panel.stacked()``, cut by
``offsets``); training windows are (series, start) pairs written as global row numbers
(:mod:`lstmcast.data.panel_windows`), so the compiled epoch gathers them by index exactly as for
one series and never builds the windows: memory grows with the points, not points x window.
Each series has its own scaler (:mod:`lstmcast.data.panel_transforms`) and every window is
normalized by its own level inside the network (``normalize``), so big and small series share
one network. Series shorter than a window are left-padded with a mask column (:func:`fit_panel`,
:func:`lstmcast.data.panel_windows.mask_column`); a panel without them trains and forecasts
exactly as if padding did not exist. The forecasts live in :mod:`lstmcast.global_forecast`.

Settings left at "auto" are chosen on a sample of the series (:func:`resolve_panel`): the
season from the shared frequency, log when most sampled series want it (and every series is
positive), the window for the median series.
"""

from __future__ import annotations

import numpy as np

from lstmcast.auto import PANEL_SEASONS, Choice, resolve
from lstmcast.data.panel_transforms import MIN_HISTORY, fit_transforms, pad_left, with_mask
from lstmcast.data.panel_windows import train_ends, training_rows, window_starts
from lstmcast.data.statics import StaticEncoding, with_statics
from lstmcast.errors import ConfigError, TooShortError

SAMPLE_SERIES = 64  # series the automatic settings are chosen on


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
            results.append(resolve(cfg, y, freq, loss, seasons=PANEL_SEASONS))
        except (ConfigError, TooShortError):  # a series too short for these settings: the others choose
            continue
    if not results:
        raise TooShortError("no series is long enough to choose the automatic settings: pass window= and horizon=.")
    by_series = dict(zip(picks, results))
    out, choices = by_series.get(median_series, results[0])
    out, choices = dict(out), dict(choices)
    if cfg["log"] == "auto":
        votes = sum(bool(r[0]["log"]) for r in results)
        positive = bool(np.all(stacked[:, :k][training_rows(offsets, ends)] > 0))
        out["log"] = bool(votes * 2 > len(results) and positive)
        why = f"{votes} of {len(results)} sampled series have a spread that grows with the level"
        if votes * 2 > len(results) and not positive:
            why += ", but some series hold values <= 0"
        choices["log"] = Choice(out["log"], why)
    if cfg["window"] == "auto":
        choices["window"] = Choice(out["window"], f"for the median series: {choices['window'].reason}")
    return out, choices


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

    from lstmcast import fitting
    from lstmcast.fitting import (
        ONE_SERIES_STATE,
        choose_epochs,
        copy_as_model,
        fine_tune_choices,
        forks,
        init_members,
        loss_space,
        network_spec,
        reporter,
        run_training,
        set_fitted,
        start_from_copy,
        step_budget,
        train_config,
    )
    from lstmcast.resources import check_training
    from lstmcast.strategies import get_strategy
    from lstmcast.train.losses import check_settings, check_targets, get_loss

    strategy = get_strategy(cfg["strategy"])
    if cfg["calendar"]:
        from lstmcast.data import calendar_features

        panel = calendar_features.add_to_panel(panel)
    strategy.check_roles(
        many_series=True,
        features=panel.features,
        future=panel.future,
        static=() if panel.static is None else list(panel.static.columns),
    )
    k, stacked, offsets = panel.n_targets, panel.stacked(), panel.offsets()
    ends, fit_ends = train_ends(panel.lengths, cfg["test"], cfg["validation"])
    loss = get_loss(cfg["loss"], quantiles=cfg["quantiles"])
    check_settings(loss, {key: v for key, v in cfg.items() if not (key == "scaler" and v == "minmax")})
    check_targets(loss, stacked[training_rows(offsets, ends), :k], panel.targets)
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
    n_inputs = len(panel.columns) + (statics.width if statics else 0) + int(padded)
    spec = network_spec(
        cfg, loss, steps, n_inputs, k, len(panel.future), statics=statics, static_at=k + len(panel.features)
    )
    check_training(spec, min(cfg["batch_size"], len(starts["train"])), cfg["ensemble"])
    callback = on_epoch_end if on_epoch_end is not None else reporter(cfg["verbose"], loss_space(cfg, loss.name))
    copy = _train_copy_first(model, cfg, loss, panel, ends, spec)  # None: the final model trains alone
    fit_starts = starts["train"]
    forked = copy is not None and forks(cfg, model)  # the copy was trained as one model (panel_conformal.train_copy)
    if copy is not None:  # the final model starts from the copy's weights (its members forked: FORK_JITTER)
        initial, key = start_from_copy(copy, spec, cfg, forked)
    else:  # no initializer run for weights that start from the copy's
        initial, key = init_members(spec, cfg["seed"], cfg["ensemble"], cfg["init"])
    if copy is not None and copy.history_.interrupted:  # Ctrl-C while the copy trained: its weights, no more
        params = copy_as_model(copy, spec, cfg, forked)
        history = copy.history_
        cfg["epochs"] = copy.config_["epochs"]
        choices["epochs"] = Choice(cfg["epochs"], "Ctrl-C: the copy trained without each series' newest rows only")
    else:
        if copy is not None:  # fine-tune the copy on every row, from its parameters
            fit_starts = step_budget(cfg, train_config(cfg), starts["train"], fitting.FINE_TUNE_STEPS)
            fine_tune_choices(
                cfg, choices, forked, f"it trained {copy.config_['epochs']} epochs without each series' newest rows"
            )
        else:
            choose_epochs(cfg, choices, len(starts["train"]))
        params, history = run_training(spec, loss, cfg, table, starts, initial, key, callback, fit_starts)
    set_fitted(
        model, cfg, spec, loss, params, history, choices, stale=ONE_SERIES_STATE,
        panel_=panel, transforms_=transforms, values_=values, ends_=ends, starts_=starts, statics_=statics,
    )  # fmt: skip
    jax.block_until_ready(model.params_)
    model._copy = copy
    try:
        _combine(model, cfg, loss, panel.n_series, history.interrupted)
    finally:
        model.__dict__.pop("_copy", None)


def _train_copy_first(model, cfg: dict, loss, panel, ends: np.ndarray, spec):
    """The validation copy a combined fit trains before the final model, which fine-tunes from it (as one series
    does: :func:`lstmcast.series_model.fit_series`); None when the final model trains alone: the fit is not
    combined (:func:`lstmcast.fitting.fine_tunes`), forecasts a distribution, has too many series, or no series
    can set rows aside, or the copy's network differs in shape (its series hold other static categories, or
    need no padding where the whole panel does)."""
    from lstmcast.fitting import fine_tunes
    from lstmcast.stats.combination import combines_panel
    from lstmcast.uncertainty.panel_conformal import copy_plan, train_copy

    if not fine_tunes(cfg, model) or not combines_panel(cfg["combine"], loss.kind, panel.n_series):
        return None
    try:
        origins, _ = copy_plan(cfg, panel, ends)
        copy = train_copy(model, cfg, panel, ends, origins)
    except TooShortError:
        return None
    if copy.spec_ != spec:  # calibrate() trains its own copy after the fit
        return None
    return copy


def _combine(model, cfg: dict, loss, n_series: int, interrupted: bool) -> None:
    """A combined fit (``combine=True``, a point loss) validates a copy now: each series chooses its combination
    with the statistical candidates, and the intervals come with it (:mod:`lstmcast.calibration`)."""
    from lstmcast.fitting import unvalidated
    from lstmcast.stats.combination import COMBINE_SERIES, NETWORK

    if not cfg["combine"]:
        return
    if (alone := unvalidated(loss, interrupted)) is not None:
        model.choices_["combine"] = alone
    elif n_series > COMBINE_SERIES:
        model.choices_["combine"] = Choice(
            NETWORK,
            f"{n_series:,} series: more than the {COMBINE_SERIES:,} a global model combines with statistical "
            "candidates series by series (each fits its own); the network alone (calibrate() gives intervals)",
        )
    else:
        try:
            model.calibrate()
        except TooShortError as exc:
            model.choices_["combine"] = Choice(NETWORK, f"not validated, the network alone: {exc}")


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

    bad = np.flatnonzero(np.any(~(stacked[:, :k] > 0), axis=1) & training_rows(offsets, ends))
    if len(bad):
        s = int(np.searchsorted(offsets, bad[0], side="right") - 1)
        raise TransformError(
            f"series {panel.ids[s]!r}: log=True needs positive values, but it holds {stacked[bad[0], 0]:g} "
            f"(row {int(bad[0] - offsets[s])}); drop log=True or shift the data above zero."
        )
