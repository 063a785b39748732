"""Score forecasts against the actual values, side by side with the baselines."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError
from lstmcast.evaluate.baselines import baseline_forecasts
from lstmcast.evaluate.metrics import all_metrics, mase_scale

FREQ_PERIODS = {"MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "W": 52, "D": 7, "B": 5, "h": 24, "H": 24}


def seasonal_period(freq: str | None, given: int | None = None) -> int:
    """The seasonal period: ``given``, else the usual one for the frequency (MS -> 12, D -> 7...), else 1."""
    if given is not None:
        if not isinstance(given, int) or given < 1:
            raise ConfigError.positive("seasonal_period", given)
        return given
    if freq is None:
        return 1
    base = freq.split("-")[0].lstrip("0123456789")
    return FREQ_PERIODS.get(base, 1)


class ModelDoesNotBeatBaselineWarning(UserWarning):
    """The model's MASE is not below the seasonal naive forecast's."""


@dataclass(frozen=True)
class Evaluation:
    """Metrics of the model and the baselines over the same forecasts."""

    table: pd.DataFrame  # rows: model + baselines; columns: mse, rmse, mae, mape, smape, mase
    period: int  # seasonal period used by seasonal naive and MASE
    n_windows: int  # forecast origins scored
    horizon: int
    best_baseline: str  # by MAE
    skill: float  # 1 - MAE(model) / MAE(best baseline): > 0 means the model is better
    scaled_mse: float | None = None  # the training loss's MSE on the scaled data (Keras's "test loss")
    intervals: pd.DataFrame | None = (
        None  # rows: model, seasonal_naive; coverage_L, width_L, msis_L, pinball, scaled_crps
    )
    calibration: pd.DataFrame | None = None  # the model's nominal vs observed coverage per level

    @property
    def beats_seasonal_naive(self) -> bool:
        return bool(self.table.loc["model", "mase"] < self.table.loc["seasonal_naive", "mase"])

    def to_dict(self) -> dict:
        return {
            "metrics": {name: {k: _num(v) for k, v in row.items()} for name, row in self.table.iterrows()},
            "period": self.period,
            "n_windows": self.n_windows,
            "horizon": self.horizon,
            "best_baseline": self.best_baseline,
            "skill": _num(self.skill),
            "beats_seasonal_naive": self.beats_seasonal_naive,
            "scaled_mse": self.scaled_mse,
            **(
                {
                    "intervals": {n: {k: _num(v) for k, v in r.items()} for n, r in self.intervals.iterrows()},
                    "calibration": [{k: _num(v) for k, v in r.items()} for _, r in self.calibration.iterrows()],
                }
                if self.intervals is not None
                else {}
            ),
        }


def _num(v) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def score(
    y: np.ndarray,
    origins: np.ndarray,
    predictions: np.ndarray,
    train_end: int,
    period: int,
    scaled_mse: float | None = None,
    warn: bool = True,
    quantiles: np.ndarray | None = None,
    taus: np.ndarray | None = None,
    levels=(),
    peers: dict | None = None,
) -> Evaluation:
    """Score ``predictions`` (n, H, targets) made at ``origins`` (n,) of the actual ``y`` (rows, targets).

    peers: other methods' forecasts (n, H, targets) by name, scored as rows of the table after the
    baselines (they are neither the model nor a baseline: the skill stays against the best baseline).

    The MASE scale comes from the rows before ``train_end`` only. ``quantiles`` (n, H, targets, Q)
    at ``taus`` (Q,) add interval metrics for ``levels`` (percent) beside seasonal naive's own
    intervals (from its training residuals); pinball and scaled CRPS are over all ``taus``.
    """
    n, horizon, _ = predictions.shape
    if origins.min() + 1 < period:
        raise ConfigError(
            f"the seasonal period ({period}) is longer than the history before the first forecast "
            f"({origins.min() + 1} rows), and seasonal naive, which the scores are scaled by, needs a whole season: "
            "give the series more history (or fewer folds, or a later test part), or set seasonal_period= to a shorter "
            "season."
        )
    actual = y[origins[:, None] + np.arange(1, horizon + 1)[None, :]]  # (n, H, targets)
    scale = float(np.mean([mase_scale(y[:train_end, j], period) for j in range(y.shape[1])]))
    rows = {"model": all_metrics(actual, predictions, scale)}
    for name, forecast in baseline_forecasts(y, origins, horizon, period).items():
        rows[name] = all_metrics(actual, forecast, scale)
    table = pd.DataFrame(rows).T
    baselines = table.drop(index="model")
    for name, forecast in (peers or {}).items():
        table.loc[name] = pd.Series(all_metrics(actual, forecast, scale))
    best = str(baselines["mae"].idxmin())
    skill = 1.0 - table.loc["model", "mae"] / table.loc[best, "mae"] if table.loc[best, "mae"] > 0 else float("nan")
    intervals = calibration = None
    if quantiles is not None:
        from lstmcast.evaluate import probabilistic as PR

        snaive = PR.seasonal_naive_quantiles(y, origins, horizon, period, taus, train_end)  # (n, H, targets, Q)
        intervals = pd.DataFrame(
            {
                "model": PR.interval_metrics(actual, quantiles, taus, levels, scale),
                "seasonal_naive": PR.interval_metrics(actual, snaive, taus, levels, scale),
            }
        ).T
        calibration = PR.calibration_table(actual, quantiles, taus, levels)
    ev = Evaluation(table, period, n, horizon, best, float(skill), scaled_mse, intervals, calibration)
    if warn and not ev.beats_seasonal_naive:
        warnings.warn(
            f"the model does not beat the seasonal naive forecast (MASE {table.loc['model', 'mase']:.3f} vs "
            f"{table.loc['seasonal_naive', 'mase']:.3f}, period {period}): try more epochs, another window, "
            "or differencing.",
            ModelDoesNotBeatBaselineWarning,
            stacklevel=4,  # here <- lstmcast.evaluation.evaluate_model <- Forecaster.evaluate <- the user
        )
    return ev
