"""One series' fit: the split in time order, the transforms, the network built from the data, and training.

:func:`fit_series` is the fit of a loaded :class:`~lstmcast.data.series.Series` with checked
settings (``Forecaster.fit`` for one series); it sets the fitted attributes of the model it is
given. With ``combine=True`` (and ``epochs="auto"``) a validation copy trains first on the rows
before the newest ones (:func:`train_copy`): its forecasts of those rows calibrate the intervals
and choose the combination (:mod:`lstmcast.calibration`), and the final model fine-tunes from
its weights. Many series are fitted by :mod:`lstmcast.global_model`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lstmcast import fitting
from lstmcast import params as P
from lstmcast.auto import Choice, resolve
from lstmcast.data.pipeline import check_length, fit_transforms, part_starts
from lstmcast.data.series import Series
from lstmcast.data.split import make_split
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.errors import ConfigError, TrainingInterrupted
from lstmcast.fitting import (
    PANEL_STATE,
    choose_epochs,
    copy_as_model,
    fine_tune_choices,
    fine_tunes,
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
    unvalidated,
)
from lstmcast.resources import check_training
from lstmcast.stats.combination import NETWORK, mase_scale, scores
from lstmcast.strategies import get_strategy
from lstmcast.train.losses import check_settings, check_targets, get_loss
from lstmcast.train.trainer import EpochCallback
from lstmcast.uncertainty.conformal import CALIBRATION_FIXED, MIN_WINDOWS, calibration_plan

FUTURE_RELATIVE = True  # new models read future covariates relative to their window mean (nn/network.py)
MIN_CONFORMAL = 5  # fewer calibration origins than this: the final model's in-sample errors are used


def fit_series(model, series: Series, cfg: dict, on_epoch_end: EpochCallback | None = None):
    """Train ``model`` on a loaded series with checked settings ``cfg`` (one series' ``fit``); returns it."""
    strategy = get_strategy(cfg["strategy"])
    split = make_split(len(series), series.index, cfg["test"], cfg["validation"])
    loss = get_loss(cfg["loss"], quantiles=cfg["quantiles"])
    check_settings(loss, {k: v for k, v in cfg.items() if not (k == "scaler" and v == "minmax")})
    check_targets(loss, series.values[: split.train_end, : series.n_targets], series.targets)
    cfg, choices = resolve(cfg, series.values[: split.train_end, : series.n_targets], series.freq, loss)
    check_settings(loss, cfg)
    target_tf = TargetTransform(log=cfg["log"], lag=cfg["difference"])
    steps = strategy.model_horizon(cfg["horizon"])
    split, starts = split_series(series, cfg)
    rows = split_rows(series, cfg)
    check_length(series, split, starts, cfg["window"], steps, target_tf.lag, rows, choices["window"])
    transforms = fit_transforms(series, split.train_end, Scaler(cfg["scaler"], tuple(cfg["feature_range"])), target_tf)
    if getattr(model, "_blind", False):  # a validation copy that does not read the covariates known in advance
        transforms.scaler.ignored = future_columns(series)
    spec = network_spec(
        cfg, loss, steps, len(series.columns), series.n_targets, len(series.future), future_relative=FUTURE_RELATIVE
    )
    values = transforms.to_model_space(series.values)  # (rows, columns)
    check_training(spec, min(cfg["batch_size"], len(starts["train"])), cfg["ensemble"])  # before any allocation
    callback = on_epoch_end if on_epoch_end is not None else reporter(cfg["verbose"], loss_space(cfg, loss.name))
    train_cfg = train_config(cfg)
    copy = None  # the validation copy, trained first when the combination will need it
    if cfg["epochs"] == "auto" and cfg["combine"] and loss.kind == "point" and cfg["patience"] is None:
        cutoff, origins = calibration_plan(
            split.train_end, cfg["horizon"], cfg["window"] + target_tf.lag + steps + MIN_WINDOWS - 1
        )
        if origins >= MIN_CONFORMAL:
            copy = train_copy(model, series, cfg, cutoff)
            if series.future and not copy.history_.interrupted:
                copy = _validate_covariates(model, series, cfg, copy, split.train_end, origins, choices)
                if copy.transforms_.scaler.ignored:  # the final model does not read them either
                    transforms.scaler.ignored = copy.transforms_.scaler.ignored
                    values = transforms.to_model_space(series.values)
    fit_starts = starts["train"]
    forked = copy is not None and forks(cfg, model)  # the copy was trained as one model (train_copy)
    if copy is not None:  # the final model starts from the copy's weights (its members forked: FORK_JITTER)
        initial, train_key = start_from_copy(copy, spec, cfg, forked)
    else:
        initial, train_key = init_members(spec, cfg["seed"], cfg["ensemble"], cfg["init"])
    if copy is not None and copy.history_.interrupted:  # Ctrl-C while the copy trained: it is the model
        params = copy_as_model(copy, spec, cfg, forked)
        transforms, history = copy.transforms_, copy.history_
        values = transforms.to_model_space(series.values)
        cfg["epochs"] = copy.config_["epochs"]
        choices["epochs"] = Choice(cfg["epochs"], f"Ctrl-C: the copy trained on rows 1..{cutoff} only")
    else:
        if copy is not None:  # fine-tune the copy on every row, from its parameters
            fit_starts = step_budget(cfg, train_cfg, starts["train"], fitting.FINE_TUNE_STEPS)
            fine_tune_choices(cfg, choices, forked, f"it trained about {fitting.COPY_STEPS} steps on rows 1..{cutoff}")
        elif cfg["epochs"] == "auto" and getattr(model, "_step_target", None):  # a validation copy
            fit_starts = step_budget(cfg, train_cfg, starts["train"], model._step_target)
            choices["epochs"] = Choice(cfg["epochs"], f"about {model._step_target} optimizer steps")
        else:
            choose_epochs(cfg, choices, len(starts["train"]))
        params, history = run_training(spec, loss, cfg, values, starts, initial, train_key, callback, fit_starts)
    set_fitted(
        model, cfg, spec, loss, params, history, choices, stale=PANEL_STATE,
        transforms_=transforms, series_=series, split_=split, starts_=starts, values_=values,
        n_rows_=len(series), first_index_=series.index[0],
    )  # fmt: skip
    if cfg["combine"] and (alone := unvalidated(loss, history.interrupted)) is not None:
        choices["combine"] = alone
    elif cfg["combine"]:
        try:  # validation picks the combination; the intervals come with it
            model._copy = copy
            model.calibrate()
        except TrainingInterrupted:  # Ctrl-C while the copy trained: the network alone, as Ctrl-C leaves it
            for name in ("calibration_", "holdout_", "combination_"):
                model.__dict__.pop(name, None)
            history.interrupted = True
            choices["combine"] = Choice(NETWORK, "Ctrl-C while the validation copy trained: the network alone")
        finally:
            model.__dict__.pop("_copy", None)
    return model


def future_columns(s: Series) -> tuple[int, ...]:
    """The columns of the covariates known in advance (the last ones of ``s.values``)."""
    width = len(s.columns)
    return tuple(range(width - len(s.future), width))


def _validate_covariates(model, s: Series, cfg: dict, copy, n: int, origins: int, choices: dict):
    """The validation copy the fit goes on with: ``copy`` (it reads the covariates known in advance), or a copy
    trained without them when that one validates better; ``choices["future"]`` says which, with both scores.

    Covariates that do not help on the validation origins must not make the forecast worse (issue 19):
    a copy that reads them as zeros (``Scaler.ignored``) trains on the same rows, both forecast from the same
    origins, and the lower validation MASE of the networks decides. A tie keeps the covariates.
    """
    blind = train_copy(model, s, cfg, copy.n_rows_, blind=True)
    if blind.history_.interrupted:  # Ctrl-C: the copy that reads them, as the fit had it
        return copy
    scored = {}
    for name, sub in (("with", copy), ("without", blind)):
        first, pred = copy_forecasts(sub, s, cfg, n, origins)
        scored[name] = network_score(pred, s, first, cfg["horizon"], cfg["seasonal_period"])
    names = ", ".join(repr(c) for c in s.future)
    where = f"on the {origins} origins after row {copy.n_rows_}"
    if scored["without"] < scored["with"]:
        choices["future"] = Choice(
            "ignored",
            f"the network validated better without the covariates known in advance ({names}): MASE "
            f"{scored['without']:.3f} without them against {scored['with']:.3f} with them {where}; the forecast "
            "does not read them (predict still takes their values; combine=False keeps them unvalidated)",
        )
        return blind
    choices["future"] = Choice(
        "read",
        f"validated: MASE {scored['with']:.3f} with the covariates known in advance ({names}) against "
        f"{scored['without']:.3f} without them {where}",
    )
    return copy


def copy_forecasts(sub, s, cfg: dict, n: int, origins: int) -> tuple[np.ndarray, np.ndarray]:
    """((origins,) the last row each forecast sees, (origins, H, targets) the forecasts) of the validation copy
    ``sub`` (trained on the first ``sub.n_rows_`` rows of series ``s``) from each origin after its rows, up to
    row ``n`` of the training part."""
    values = sub.transforms_.to_model_space(s.values[:n])
    first = np.arange(origins) + sub.n_rows_ - 1
    return first, sub.forecast_at(values, s.values[:n, : s.n_targets], first - cfg["window"] + 1, cfg["horizon"])


def network_score(pred: np.ndarray, s, first: np.ndarray, horizon: int, m: int) -> float:
    """The validation MASE of forecasts ``pred`` (n, H, targets) of series ``s`` from the origins ``first`` (n,),
    scaled as the combination's candidates are (:func:`lstmcast.stats.combination.scores`)."""
    raw = s.values[:, : s.n_targets]
    rows = first[:, None] + np.arange(1, horizon + 1)[None, :]  # (n, H)
    return scores({NETWORK: pred}, raw[rows], mase_scale(raw[: first[0] + 1], m))[NETWORK]


def train_copy(model, s: Series, cfg: dict, cutoff: int, blind: bool = False):
    """The validation copy: the same settings (the automatic ones as chosen on all rows), trained on rows 1..cutoff.

    Its forecasts from the origins after ``cutoff`` are the conformal scores and pick the
    combination; with ``epochs="auto"`` the final model fine-tunes from its weights. blind: the copy does not
    read the covariates known in advance (:func:`_validate_covariates`).
    """
    from lstmcast.train.progress import say

    verbose = P.PARAMS["verbose"].check_value(model.verbose)  # as set now, not at fit time
    if blind:
        say(verbose, f"Validation: training a copy on rows 1..{cutoff} without the covariates known in advance...")
    elif cfg["combine"]:
        say(
            verbose,
            f"Validation: training a copy on rows 1..{cutoff}: its forecasts of the newest rows weigh the network "
            "against the statistical candidates and calibrate the intervals...",
        )
    else:
        say(
            verbose,
            f"Calibrating prediction intervals: training a copy on rows 1..{cutoff} and forecasting the rows after "
            "it (about one more fit; saved with the model)...",
        )
    fixed = {k: cfg[k] for k in CALIBRATION_FIXED}
    if forks(cfg, model):
        fixed["ensemble"] = 1  # one model validates; the final ensemble forks from it (fit_series)
    sub = type(model)(**{**model.get_params(), **fixed, "test": 0, "verbose": verbose, "combine": False})
    if fine_tunes(cfg, model):
        sub._step_target = fitting.COPY_STEPS
    sub._blind = blind
    part = dataclasses.replace(s, index=s.index[:cutoff], values=s.values[:cutoff])
    return fit_series(sub, part, sub._checked())


def split_series(series: Series, cfg: dict):
    """The time-ordered split of ``series`` and the window starts of each part."""
    split = make_split(len(series), series.index, cfg["test"], cfg["validation"])
    steps = get_strategy(cfg["strategy"]).model_horizon(cfg["horizon"])
    return split, part_starts(split, cfg["window"], steps, cfg["difference"])


def split_rows(series: Series, cfg: dict):
    """rows(n) -> (train, validation, test) rows of a series of n rows cut by the settings (0s where none fits)."""

    def rows(n: int):
        try:
            index = series.index[:n] if n <= len(series) else pd.RangeIndex(n)
            s = make_split(n, index, cfg["test"], cfg["validation"])
        except ConfigError:
            return 0, 0, 0
        return s.n_train, s.n_val, s.n_test

    return rows
