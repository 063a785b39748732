"""Point-forecast metrics on the original scale.

Each takes arrays of the same shape (any shape) of actual and predicted values.
"""

from __future__ import annotations

import numpy as np


def mse(y, p) -> float:
    return float(np.mean((np.asarray(y) - np.asarray(p)) ** 2))


def rmse(y, p) -> float:
    return float(np.sqrt(mse(y, p)))


def mae(y, p) -> float:
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(p))))


def mape(y, p) -> float:
    """Mean absolute percentage error, in percent; NaN when an actual value is 0."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if np.any(y == 0):
        return float("nan")
    return float(100.0 * np.mean(np.abs((y - p) / y)))


def smape(y, p) -> float:
    """Symmetric MAPE in percent (0..200); pairs where both are 0 count as 0."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    denom = np.abs(y) + np.abs(p)
    ratio = np.divide(2.0 * np.abs(y - p), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(ratio))


def mase_scale(train: np.ndarray, period: int) -> float:
    """In-sample MAE of the seasonal naive forecast on the training rows (MASE's denominator)."""
    train = np.asarray(train, np.float64)
    m = period if len(train) > period else 1
    d = np.abs(train[m:] - train[:-m])
    return float(np.mean(d)) if d.size else float("nan")


def all_metrics(y, p, scale: float) -> dict[str, float]:
    """Every metric; ``scale`` is :func:`mase_scale` of the training part."""
    m = mae(y, p)
    return {
        "mse": mse(y, p),
        "rmse": rmse(y, p),
        "mae": m,
        "mape": mape(y, p),
        "smape": smape(y, p),
        "mase": m / scale if scale and np.isfinite(scale) and scale > 0 else float("nan"),
    }
