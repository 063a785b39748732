"""How a fitted or configured Forecaster is scored: ``evaluate``, ``backtest`` and ``cross_validation``.

:func:`evaluate_model` scores the held-out (test or validation) windows of a fitted model on the
original scale, beside the naive baselines (:mod:`lstmcast.evaluate.report`); :func:`backtest`
and :func:`cross_validation` send one series to :mod:`lstmcast.evaluate.backtest` and many to
:mod:`lstmcast.evaluate.panel_backtest`, which refit the configuration at rolling origins.
"""

from __future__ import annotations

import pandas as pd

from lstmcast import params as P
from lstmcast.data.panel_load import many_series
from lstmcast.data.pipeline import part_starts
from lstmcast.errors import ConfigError, DataError
from lstmcast.evaluate.peers import check_against
from lstmcast.evaluate.report import Evaluation, score, seasonal_period
from lstmcast.forecasting import data_parts
from lstmcast.roles import many_series_only, one_series
from lstmcast.strategies import get_strategy
from lstmcast.train.losses import point_error
from lstmcast.train.programs import window_loss
from lstmcast.uncertainty.names import SCORE_QUANTILES, all_quantiles, check_levels


def evaluate_model(model, data=None, part: str = "test", warn: bool = True, level=None, against=None) -> Evaluation:
    """The work of :meth:`~lstmcast.Forecaster.evaluate`."""
    model._check_fitted()
    peers = check_against(against)
    if model.is_panel_:  # one forecast of the horizon from each series' training end
        if data is not None or level is not None or peers:
            raise ConfigError(
                "evaluate() of many series scores the fitted data's test part, without level= or against=."
            )
        from lstmcast.evaluate.panel_backtest import evaluate_panel

        return evaluate_panel(model)
    if part not in ("test", "validation"):
        raise ConfigError.choice("part", part, ("test", "validation"))
    cfg = model.config_
    # windows whose whole horizon lies in the part (recursive models train on one step)
    s, values, split = data_parts(model, data)
    starts = part_starts(split, cfg["window"], cfg["horizon"], model.transforms_.target.first_row)[part]
    if len(starts) == 0:
        raise DataError(
            f"the {part} part holds no window: this model trained on every row; fit with {part}= set "
            f"(e.g. {part}=0.2, --{part} 0.2) to hold rows out, or score the configuration with backtest() "
            "(lstmcast backtest)."
        )
    raw = s.values[:, : s.n_targets]
    origins = starts + cfg["window"] - 1
    combination = getattr(model, "combination_", None)
    scaled = (  # the network's own loss: not a score of a combined forecast, which the table scores
        window_loss(model.params_, model.spec_, point_error(model.loss_), values, starts)
        if combination is None or combination.network_only()
        else None
    )
    period = seasonal_period(s.freq, cfg["seasonal_period"])
    if peers:
        from lstmcast.evaluate.peers import peer_forecasts

        extra = peer_forecasts(raw, origins, cfg["horizon"], period)
    else:
        extra = None
    if level is None:
        pred = model.forecast_at(values, raw, starts)
        return score(raw, origins, pred, split.train_end, period, scaled_mse=scaled, warn=warn, peers=extra)
    levels = check_levels(level)
    taus = all_quantiles(levels, SCORE_QUANTILES)
    pred, q = model.forecast_intervals(values, raw, starts, cfg["horizon"], taus)
    return score(
        raw,
        origins,
        pred,
        split.train_end,
        period,
        scaled_mse=scaled,
        warn=warn,
        quantiles=q,
        taus=taus,
        levels=levels,
        peers=extra,
    )


def backtest(model, data, columns: dict, folds: int = 3, step: int | None = None, refit=True, level=None):
    """The work of :meth:`~lstmcast.Forecaster.backtest`; ``columns``: every role's columns (lstmcast.roles)."""
    from lstmcast.evaluate.backtest import run_backtest

    if many_series(data, **columns):
        from lstmcast.evaluate.panel_backtest import run_panel_backtest

        return run_panel_backtest(model, data, folds=folds, step=step, refit=refit, level=level, **columns)
    strategy = get_strategy(P.check_params(model.get_params())["strategy"])
    strategy.check_roles(**many_series_only(columns))
    return run_backtest(model, data, folds=folds, step=step, refit=refit, level=level, **one_series(columns))


def cross_validation(
    model,
    df,
    columns: dict,
    h: int | None = None,
    n_windows: int = 1,
    step_size: int | None = None,
    refit=False,
    level=None,
) -> pd.DataFrame:
    """The work of :meth:`~lstmcast.Forecaster.cross_validation`."""
    model = model if h is None else type(model)(**{**model.get_params(), "horizon": h})
    if many_series(df, **columns):
        from lstmcast.evaluate.panel_backtest import run_panel_backtest

        bt = run_panel_backtest(model, df, n_windows, step_size, refit, level=level, end_cutoffs=True, **columns)
        return bt.predictions
    bt = backtest(model, df, columns, n_windows, step_size, refit, level)
    # one series: a fold forecasts from every row of its step; NeuralForecast's cutoff is the fold's last
    p = bt.predictions
    fold = pd.Index(bt.folds["cutoff"]).searchsorted(p["cutoff"], side="right")  # (rows,) fold + 1
    last = p["cutoff"].groupby(fold).transform("max")
    return p[p["cutoff"] == last].reset_index(drop=True)
