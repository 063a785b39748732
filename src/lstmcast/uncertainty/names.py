"""Levels, quantiles and the names of their forecast columns (Nixtla's convention).

A central interval of level L (percent) is the pair of quantiles ``(1 - L/100) / 2`` and
``1 - (1 - L/100) / 2``: ``level=[80, 95]`` asks for the 0.025, 0.1, 0.9 and 0.975 quantiles.
Columns are named after the target, as NeuralForecast and StatsForecast name them after the
model: ``y-lo-80``, ``y-hi-80`` for a level, ``y-q-10`` for the 0.1 quantile (``y-q-2.5`` for 0.025).
"""

from __future__ import annotations

import math

import numpy as np

from lstmcast.errors import ConfigError

SCORE_QUANTILES = tuple(round(0.05 * i, 2) for i in range(1, 20))  # pinball and CRPS are scored on 0.05..0.95


def check_levels(levels) -> tuple[float, ...]:
    """Sorted unique levels in percent, each strictly between 0 and 100."""
    values = _as_tuple(levels)
    if not values or not all(_is_number(v) and 0.0 < float(v) < 100.0 for v in values):
        raise ConfigError(
            f"level={levels!r} must be one or more percentages strictly between 0 and 100, e.g. [80, 95]."
        )
    small = [v for v in values if float(v) < 1.0]
    if small:
        raise ConfigError(
            f"level={levels!r}: levels are percentages (80 for an 80% interval), and {small[0]!r} would be a "
            f"{small[0]}% interval; write level=[{100 * float(small[0]):g}], or quantiles=[...] for quantiles."
        )
    return tuple(sorted({float(v) for v in values}))


def check_quantiles(quantiles) -> tuple[float, ...]:
    """Sorted unique quantile levels, each strictly between 0 and 1."""
    values = _as_tuple(quantiles)
    if not values or not all(_is_number(q) and 0.0 < float(q) < 1.0 for q in values):
        raise ConfigError(
            f"quantiles={quantiles!r} must be one or more numbers strictly between 0 and 1, e.g. [0.1, 0.5, 0.9]."
        )
    return tuple(sorted({float(q) for q in values}))


def level_quantiles(level: float) -> tuple[float, float]:
    """(lower, upper) quantile levels of the central interval of ``level`` percent."""
    a = (1.0 - level / 100.0) / 2.0
    return round(a, 10), round(1.0 - a, 10)


def all_quantiles(levels=(), quantiles=()) -> np.ndarray:
    """(Q,) sorted unique quantile levels needed for ``levels`` and ``quantiles``."""
    taus = {float(q) for q in quantiles}
    for level in levels:
        taus.update(level_quantiles(level))
    return np.array(sorted(taus), np.float64)


def number_text(x: float) -> str:
    """80.0 -> '80', 2.5 -> '2.5' (the number as it appears in a column name)."""
    x = round(float(x), 8)
    return str(int(x)) if x == int(x) else f"{x:g}"


def level_columns(target: str, level: float) -> tuple[str, str]:
    return f"{target}-lo-{number_text(level)}", f"{target}-hi-{number_text(level)}"


def quantile_column(target: str, q: float) -> str:
    return f"{target}-q-{number_text(100.0 * q)}"


def _as_tuple(v) -> tuple:
    if v is None:
        return ()
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(v)
    return (v,)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(float(v))
