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
    """Mean absolute percentage error, in percent.

    NaN when an actual value is 0 (the percentage is undefined) and NaN when any actual or
    predicted value is NaN (a missing value is never scored as 0); infinite values give inf or NaN.
    """
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if np.isnan(y).any() or np.isnan(p).any() or np.any(y == 0):
        return float("nan")
    with np.errstate(invalid="ignore", over="ignore"):
        return float(100.0 * np.mean(np.abs((y - p) / y)))


def smape(y, p) -> float:
    """Symmetric MAPE in percent (0..200): mean of ``2 |y - p| / (|y| + |p|)``.

    Denominators are handled explicitly: a pair where both values are 0 is a perfect forecast and
    counts as 0; any NaN in ``y`` or ``p`` makes the result NaN (never silently 0); a pair with an
    infinite value and a finite one scores 200 (completely wrong), two infinities NaN.
    """
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if np.isnan(y).any() or np.isnan(p).any():
        return float("nan")
    with np.errstate(invalid="ignore", over="ignore"):
        denom = np.abs(y) + np.abs(p)
        diff = np.abs(y - p)
        ratio = np.where(np.isinf(denom), np.where(np.isinf(diff), 2.0, np.nan), 0.0)
        finite = np.isfinite(denom) & (denom > 0)
        ratio = np.where(finite, 2.0 * diff / np.where(finite, denom, 1.0), ratio)
        ratio = np.where(np.isinf(denom) & (np.isinf(y) ^ np.isinf(p)), 2.0, ratio)
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
