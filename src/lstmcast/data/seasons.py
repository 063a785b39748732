"""Season lengths from frequencies, and two tests on a series: seasonal strength and level-dependent spread.

>>> season_length("MS"), season_length("QS-OCT"), season_length("W-SUN"), season_length("30min")
(12, 4, 52, 48)
>>> season_length("B"), season_length("YS"), season_length(None)
(5, 1, 1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CALENDAR = {"M": 12, "MS": 12, "ME": 12, "BMS": 12, "BME": 12, "Q": 4, "QS": 4, "QE": 4, "W": 52, "D": 7, "B": 5}


def season_length(freq: str | None) -> int:
    """The usual season of a pandas frequency: monthly 12, quarterly 4, weekly 52, daily 7, business daily 5,
    hourly 24, half-hourly 48 (a day of sub-daily steps, or an hour when a day would exceed 96 steps), else 1."""
    if freq is None:
        return 1
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return 1
    if isinstance(offset, pd.offsets.Tick):
        step = pd.Timedelta(offset)
        for span in (pd.Timedelta(days=1), pd.Timedelta(hours=1)):
            per = span // step
            if span % step == pd.Timedelta(0) and 2 <= per <= 96:
                return int(per)
        return 1
    base = offset.rule_code.split("-")[0]
    season = CALENDAR.get(base, 1)
    return season // offset.n if offset.n > 1 and season % offset.n == 0 else (season if offset.n == 1 else 1)


def seasonal_strength(x: np.ndarray, m: int) -> float:
    """Strength of the season of ``x`` (rows,) in [0, 1]: ``max(0, 1 - var(R) / var(S + R))``.

    From a classical decomposition: a centred moving average of one season (2 x m for even
    m) is the trend, the mean of the detrended values at each phase the season S, the rest
    the remainder R. 0 for ``m <= 1`` or fewer than two full seasons around the trend.
    Hyndman's nsdiffs takes a seasonal difference above 0.64.
    """
    x = np.asarray(x, np.float64)
    n = len(x)
    if m <= 1 or n < 2 * m + (m % 2 == 0) * 1 + m:
        return 0.0
    weights = np.ones(m + 1) / m if m % 2 == 0 else np.ones(m) / m
    if m % 2 == 0:
        weights[0] = weights[-1] = 0.5 / m
    trend = np.convolve(x, weights, mode="valid")  # centred: trend[i] belongs to x[i + half]
    half = (len(weights) - 1) // 2
    detrended = x[half : half + len(trend)] - trend
    phases = (np.arange(len(detrended)) + half) % m
    means = np.array([detrended[phases == p].mean() for p in range(m)])
    seasonal = (means - means.mean())[phases]
    remainder = detrended - seasonal
    total = np.var(seasonal + remainder)
    return float(max(0.0, 1.0 - np.var(remainder) / total)) if total > 0 else 0.0


def spread_slope(x: np.ndarray, m: int) -> tuple[float, int]:
    """How the spread of ``x`` grows with its level: the slope of log(spread) on log(level) over blocks.

    Blocks of ``max(m, 6)`` rows (one season each when m > 6); a block's level is its mean,
    its spread the standard deviation around a straight line fitted to the block, so a
    trend does not count but a season's amplitude and the noise do. Returns (slope, blocks
    used); slope 0 with fewer than 4 usable blocks, a level that hardly changes, or a
    non-positive series. About 1: multiplicative (log helps), about 0: additive.
    """
    x = np.asarray(x, np.float64)
    if len(x) == 0 or not np.all(x > 0):
        return 0.0, 0
    size = max(m, 6)
    t = np.arange(size) - (size - 1) / 2
    blocks = x[len(x) % size :].reshape(-1, size)  # (blocks, size), the last block ends at the last value
    centred = blocks - blocks.mean(axis=1, keepdims=True)
    slopes = centred @ t / np.dot(t, t)  # (blocks,)
    spread = np.std(centred - slopes[:, None] * t, axis=1)
    keep = spread > 0
    levels, spreads = blocks.mean(axis=1)[keep], spread[keep]
    if len(levels) < 4 or np.ptp(np.log(levels)) < 0.1:
        return 0.0, int(len(levels))
    return float(np.polyfit(np.log(levels), np.log(spreads), 1)[0]), int(len(levels))
