"""Rolling-origin backtests: refit (or not) at each cut, forecast the next rows, score with baselines.

Fold ``i`` of ``folds`` trains on rows ``[0, cut_i)`` and forecasts every window
whose targets lie in ``[cut_i, cut_i + step)``, where
``cut_i = rows - (folds - i) * step``. With ``step == horizon`` each fold is
one forecast of the whole horizon. Each refit fits every transform anew on the
fold's own training rows; folds that share a model are predicted in one
batched call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmcast.data import calendar_features
from lstmcast.data.series import load_series
from lstmcast.errors import ConfigError, TooShortError
from lstmcast.evaluate.cv import cv_frame
from lstmcast.evaluate.report import Evaluation, score, seasonal_period
from lstmcast.params import check_params
from lstmcast.uncertainty.calibrated import ensure_calibrated


@dataclass(frozen=True)
class Backtest:
    folds: pd.DataFrame  # one row per fold: cut, first timestamp, refit, windows, metrics of model and baselines
    evaluations: list[Evaluation]  # per fold
    overall: Evaluation  # every fold's forecasts together
    predictions: pd.DataFrame  # NeuralForecast's cross-validation frame (lstmcast.evaluate.cv): ds, cutoff, y, forecast

    def __repr__(self) -> str:
        t = self.overall.table
        return (
            f"Backtest({len(self.evaluations)} folds, {self.overall.n_windows} forecasts of {self.overall.horizon} "
            f"step(s); MASE model {t.loc['model', 'mase']:.3f}, seasonal naive {t.loc['seasonal_naive', 'mase']:.3f}; "
            "see .folds, .overall.table, .predictions)"
        )

    def to_dict(self) -> dict:
        return {
            "folds": [
                {"fold": int(r["fold"]), "test_start": str(r["test_start"]), "refit": bool(r["refit"]), **e.to_dict()}
                for (_, r), e in zip(self.folds.iterrows(), self.evaluations)
            ],
            "overall": self.overall.to_dict(),
        }


def _refits(refit, folds: int) -> list[bool]:
    if refit is True:
        return [True] * folds
    if refit is False:
        return [True] + [False] * (folds - 1)
    if isinstance(refit, int) and refit >= 1:
        return [i % refit == 0 for i in range(folds)]
    raise ConfigError(f"refit={refit!r} must be True, False, or a positive integer k (refit every k folds).")


def run_backtest(
    model,
    data,
    target=None,
    time=None,
    features=None,
    future=None,
    folds: int = 3,
    step: int | None = None,
    refit=True,
    level=None,
) -> Backtest:
    """Backtest a configured (fitted or not) Forecaster on ``data``; ``model`` itself is left unchanged.

    Every refit is a new estimator of ``model``'s class with its parameters (test part 0, silent); ``verbose``
    reports the refits (a bar, or a line each).
    level: also forecast prediction intervals (each refit calibrates its own, about one more fit)
    and score them beside seasonal naive's; ``predictions`` gains ``<alias>-lo-L``/``<alias>-hi-L`` columns and
    ``folds`` the model's coverage, width and MSIS per level.
    """
    from lstmcast.uncertainty.names import SCORE_QUANTILES, all_quantiles, check_levels

    levels = check_levels(level) if level is not None else ()
    taus = all_quantiles(levels, SCORE_QUANTILES) if levels else None
    cfg = check_params(model.get_params())
    if not isinstance(folds, (int, np.integer)) or isinstance(folds, bool) or folds < 1:
        raise ConfigError.positive("folds", folds)
    step = cfg["horizon"] if step is None else step
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step < 1:
        raise ConfigError.positive("step", step)
    folds, step = int(folds), int(step)
    series = load_series(
        data, target=target, time=time, features=features, future=future, freq=cfg["freq"], fill=cfg["fill"]
    )
    n, horizon = len(series), cfg["horizon"]
    if step < horizon:
        raise ConfigError(f"step={step} must be at least the horizon={horizon}, so each fold holds a whole forecast.")
    cuts = [n - (folds - i) * step for i in range(folds)]
    # the fewest training rows the first fold needs ("auto" settings are chosen per refit: their least)
    lag = cfg["difference"] if cfg["difference"] != "auto" else 0
    window = cfg["window"] if cfg["window"] != "auto" else 1
    need = lag + window + horizon
    if cuts[0] < need:
        raise TooShortError(
            f"folds={folds} x step={step} leave {cuts[0]} training rows in the first fold, but window={window} "
            f"and horizon={horizon} need at least {need}: the data needs {need + folds * step} rows, got {n}; "
            "use fewer folds, a smaller step, or more data."
        )
    frame = pd.DataFrame(series.values, index=series.index, columns=list(series.columns))
    # what each refit sees: the data plus the calendar columns it computes itself (calendar=True)
    modelled = calendar_features.add_to_series(series) if cfg["calendar"] else series
    names = {
        "target": list(series.targets),
        "features": list(series.features) or None,
        "future": list(series.future) or None,
    }
    raw = series.values[:, : series.n_targets]
    period = seasonal_period(series.freq, cfg["seasonal_period"])
    params = {**model.get_params(), "test": 0, "verbose": 0}

    # each fold forecasts from every origin whose whole horizon lies in [cut, cut + step)
    fold_origins = [np.arange(c - 1, c + step - horizon, dtype=np.int32) for c in cuts]
    preds: list[np.ndarray | None] = [None] * folds
    quants: list[np.ndarray | None] = [None] * folds
    refits = _refits(refit, folds)
    from lstmcast.train.progress import Steps

    progress = Steps(cfg["verbose"], sum(refits), "Backtest fit")  # the refits themselves stay silent
    i = 0
    while i < folds:  # folds [i, j) share the model fitted at cut i
        j = i + 1
        while j < folds and not refits[j]:
            j += 1
        try:
            fitted = type(model)(**params).fit(frame.iloc[: cuts[i]], **names)  # "auto" settings chosen per refit
        except BaseException:
            progress.close()
            raise
        folds_text = f"fold {i + 1}" if j == i + 1 else f"folds {i + 1}..{j}"
        progress.advance(note=f"{folds_text}, trained on rows 1..{cuts[i]}")
        values = fitted.transforms_.to_model_space(modelled.values)
        together = np.concatenate(fold_origins[i:j]) - fitted.config_["window"] + 1  # window starts
        if levels:  # (n, H, targets), (n, H, targets, Q); a refit calibrates its own (predict never trains)
            out, q = ensure_calibrated(fitted).forecast_intervals(values, raw, together, horizon, taus)
        else:
            out, q = fitted.forecast_at(values, raw, together), None  # one batched call for the group
        bounds = np.cumsum([0] + [len(o) for o in fold_origins[i:j]])
        for k in range(i, j):
            preds[k] = out[bounds[k - i] : bounds[k - i + 1]]
            quants[k] = None if q is None else q[bounds[k - i] : bounds[k - i + 1]]
        i = j
    progress.close()

    evaluations, rows = [], []
    for k, (cut, origins, pred) in enumerate(zip(cuts, fold_origins, preds)):
        ev = score(raw, origins, pred, cut, period, warn=False, quantiles=quants[k], taus=taus, levels=levels)
        evaluations.append(ev)
        rows.append(
            {
                "fold": k,
                "cut": cut,
                "cutoff": series.index[cut - 1],
                "test_start": series.index[cut],
                "refit": refits[k],
                "windows": len(origins),
                **{f"model_{m}": ev.table.loc["model", m] for m in ("mae", "rmse", "mase")},
                "seasonal_naive_mase": ev.table.loc["seasonal_naive", "mase"],
                **_interval_figures(ev),
            }
        )
    all_origins = np.concatenate(fold_origins)
    every_pred = np.concatenate(preds)  # (n, H, k)
    every_q = np.concatenate(quants) if levels else None
    overall = score(
        raw,
        all_origins,
        every_pred,
        cuts[0],
        period,
        warn=False,
        quantiles=every_q,
        taus=taus,
        levels=levels,
    )
    steps = all_origins[:, None] + 1 + np.arange(horizon)[None, :]  # (n, H) rows forecast
    predictions = cv_frame(
        ids=None,
        id_name=None,
        time_name=series.index.name,
        times=series.index[steps.ravel()],
        cutoffs=series.index[all_origins],
        actual=raw[steps],
        pred=every_pred,
        targets=list(series.targets),
        alias=cfg["alias"],
        quantiles=every_q,
        taus=taus,
        levels=levels,
    )
    return Backtest(pd.DataFrame(rows), evaluations, overall, predictions)


def _interval_figures(ev) -> dict:
    """Coverage (percent), mean width and MSIS (Winkler's score scaled like MASE) of the model per level."""
    if ev.intervals is None:
        return {}
    row = ev.intervals.loc["model"]
    return {name: float(row[name]) for name in ev.intervals.columns}
