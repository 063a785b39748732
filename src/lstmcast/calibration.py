"""``Forecaster.calibrate``: the conformal scores behind a fitted model's intervals, and its combination.

One series: a copy of the model trained on the rows before the newest ones (or the copy the
fit already trained, :func:`lstmcast.series_model.train_copy`) forecasts each of those rows; its
errors are the conformal scores (``calibration_``), its forecasts choose the combination with
the statistical candidates (``combination_``, :mod:`lstmcast.stats.combination`) and are scored
beside the naive baselines (``holdout_``). A series too short to set rows aside gets the naive
forecast's errors instead. Many series pool scale-free errors over the series
(:mod:`lstmcast.uncertainty.panel_conformal`).
"""

from __future__ import annotations

import numpy as np

from lstmcast import series_model
from lstmcast.auto import Choice
from lstmcast.errors import ConfigError, DataError
from lstmcast.evaluate.report import score, seasonal_period
from lstmcast.series_model import MIN_CONFORMAL, copy_forecasts
from lstmcast.stats.combination import GUARD, NETWORK, build_unvalidated, combines_panel
from lstmcast.stats.combination import build as build_combination
from lstmcast.strategies import get_strategy
from lstmcast.uncertainty.calibrated import foreign_weights
from lstmcast.uncertainty.conformal import MIN_WINDOWS, Calibration, calibration_plan


def calibrate(model):
    """The work of :meth:`~lstmcast.Forecaster.calibrate`."""
    model._check_fitted()
    if getattr(model, "calibration_", None) is not None:  # by its combined fit, or an earlier call: the same
        return model
    if model.is_panel_:
        if not hasattr(model, "ends_"):
            raise DataError(
                "this model of many series was loaded from disk without its training series, so it cannot "
                "calibrate prediction intervals: train it with intervals (lstmcast train keeps them) or refit it."
            )
        from lstmcast.uncertainty.panel_conformal import calibrate_panel

        cfg = model.config_
        # more series than COMBINE_SERIES: the network alone (the fit says why in choices_["combine"])
        combine = combines_panel(cfg["combine"], model.loss_.kind, model.panel_.n_series)
        model.calibration_, model.series_scales_, combinations = calibrate_panel(model, combine)
        why = (
            f"scale-free errors of a copy trained without each series' newest rows, pooled over "
            f"{model.calibration_.cutoff} series ({model.calibration_.origins} forecasts)"
        )
        model.__dict__.pop("combination_", None)
        if combinations is not None and combinations.network_leads():
            pooled = ", ".join(f"{k} {v:.3f}" for k, v in sorted(combinations.pooled().items(), key=lambda kv: kv[1]))
            model.choices_["combine"] = Choice(
                NETWORK,
                f"the global network validated within {GUARD} x the best statistical candidate, pooled over the "
                f"series (validation MASE, geometric mean: {pooled}): it forecasts every series alone",
            )
        elif combinations is not None:
            model.combination_ = combinations
            model.choices_["combine"] = Choice("per series", combinations.describe())
            why += "; the combined forecasts' errors, each half of a series' origins weighted as the other chose"
        model.choices_["intervals"] = Choice("conformal", why)
        return model
    foreign = foreign_weights(model)
    if foreign:
        raise ConfigError(foreign)
    if not hasattr(model, "values_"):
        raise DataError(
            "this model was loaded from disk without its whole training series, so it cannot calibrate "
            "prediction intervals: train it with intervals (lstmcast train keeps them by default) or refit it."
        )
    cfg, s = model.config_, model.series_
    n, horizon, lag = model.split_.train_end, cfg["horizon"], model.transforms_.target.lag
    steps = get_strategy(cfg["strategy"]).model_horizon(horizon)
    raw = s.values[:n, : s.n_targets]
    cutoff, origins = calibration_plan(n, horizon, cfg["window"] + lag + steps + MIN_WINDOWS - 1)
    if origins >= MIN_CONFORMAL:
        sub = model.__dict__.pop("_copy", None)  # trained by fit already, or trained now
        if sub is None or sub.n_rows_ != cutoff:
            sub = series_model.train_copy(model, s, cfg, cutoff)
        first, pred = copy_forecasts(sub, s, cfg, n, origins)
        reads_future = bool(s.future) and not model.transforms_.scaler.ignored  # (_validate_covariates)
        method = "conformal"
        why = f"errors of a copy trained on rows 1..{cutoff}, forecasting from the {origins} origins after them"
        if cfg["combine"]:
            model.combination_, pred = build_combination(
                pred, raw, first, cutoff, n, horizon, cfg["seasonal_period"], covariates=reads_future
            )  # pred: each half of the origins combined with the weights the other half chose
            reason = model.combination_.describe()
            if reads_future and model.combination_.network_only() and len(model.combination_.scores) > 1:
                reason += (
                    "; the network reads covariates known in advance, which no statistical candidate sees, and "
                    "validated best: it forecasts alone"
                )
            scored = model.combination_.scores
            if NETWORK not in model.combination_.weights and NETWORK in scored:
                best = min(v for k, v in scored.items() if k != NETWORK)
                reason += (
                    f"; the network gets no share: it validated at {scored[NETWORK]:.3f}, over {GUARD} x the best "
                    f"statistical candidate's {best:.3f} (combine=False forecasts with the network alone)"
                )
            model.choices_["combine"] = Choice(model.combination_.chosen(), reason)
            why += "; the combined forecast's errors, each half of the origins weighted as the other chose"
    else:  # too short to set rows aside: the naive forecast's errors (wide rather than optimistic)
        if cfg["combine"] and n > horizon:
            model.combination_ = build_unvalidated(raw, n, horizon, cfg["seasonal_period"])
            model.choices_["combine"] = Choice(
                model.combination_.chosen(),
                f"the training part ({n} rows) is too short to validate the network: the best statistical "
                f"candidates on the history forecast (combine=False keeps the network); "
                f"{model.combination_.describe()}",
            )
        first = np.arange(n - horizon)  # every origin with a whole horizon after it
        pred = np.repeat(raw[first][:, None, :], horizon, axis=1)  # (origins, H, targets)
        method, cutoff = "naive", n
        why = (
            f"the training part ({n} rows) is too short to set rows aside: the {horizon}-step errors of the "
            "naive forecast over the history (likely wider than the model's errors)"
        )
    rows = first[:, None] + np.arange(1, horizon + 1)[None, :]  # (origins, H)
    model.calibration_ = Calibration.from_forecasts(raw[rows], pred, cutoff, method, bool(cfg["log"]))
    model.holdout_ = None
    if method == "conformal":  # the copy's forecasts are out of sample: score them beside the baselines
        try:
            model.holdout_ = score(
                raw, first, pred, cutoff, seasonal_period(s.freq, cfg["seasonal_period"]), warn=False
            )
        except ConfigError:  # a season longer than the history before the first origin: no baselines
            pass
    model.choices_["intervals"] = Choice(method, why)
    return model
