"""Naive forecasts every model must beat, computed from the actual history.

Each function takes the actual series y (rows, targets), the forecast origins
(n,) -- the last row each forecast may see -- and the horizon H, and returns
(n, H, targets).
"""

from __future__ import annotations

import numpy as np


def naive(y: np.ndarray, origins: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The last value, repeated."""
    return np.repeat(y[origins][:, None, :], horizon, axis=1)


def seasonal_naive(y: np.ndarray, origins: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The value one season before each target: ``y[t - period * ceil(h / period)]``."""
    h = np.arange(1, horizon + 1)
    back = period * ((h - 1) // period + 1)  # (H,)
    rows = origins[:, None] + h[None, :] - back[None, :]  # (n, H)
    return y[rows]


def drift(y: np.ndarray, origins: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The line from the first value through the last one, extended."""
    h = np.arange(1, horizon + 1)[None, :, None]  # (1, H, 1)
    slope = (y[origins] - y[0]) / np.maximum(origins, 1)[:, None]  # (n, targets)
    return y[origins][:, None, :] + h * slope[:, None, :]


def mean(y: np.ndarray, origins: np.ndarray, horizon: int, period: int = 1) -> np.ndarray:
    """The mean of all history up to the origin."""
    csum = np.cumsum(y, axis=0)  # (rows, targets)
    m = csum[origins] / (origins + 1)[:, None]
    return np.repeat(m[:, None, :], horizon, axis=1)


BASELINE_FUNCTIONS = {"naive": naive, "seasonal_naive": seasonal_naive, "drift": drift, "mean": mean}


def baseline_forecasts(y: np.ndarray, origins: np.ndarray, horizon: int, period: int) -> dict[str, np.ndarray]:
    """Every baseline's (n, H, targets) forecasts."""
    return {name: f(y, origins, horizon, period) for name, f in BASELINE_FUNCTIONS.items()}
