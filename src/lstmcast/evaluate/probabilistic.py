"""Probabilistic-forecast metrics on the original scale: quantile loss, CRPS, interval scores, calibration.

A forecast with uncertainty is a quantile array ``q`` of shape (n, H, k, Q) -- n forecasts, H steps,
k targets, Q quantile levels -- at the sorted levels ``taus`` (Q,), each strictly between 0 and 1;
the actual values ``y`` have shape (n, H, k). Any shape works as long as ``q`` is ``y``'s shape
plus one last axis of length Q. An interval of level L percent is the pair of quantiles
``(1 - L/100) / 2`` and ``1 - (1 - L/100) / 2`` (see :mod:`lstmcast.uncertainty.names`).

Every metric is NaN when any value it scores is NaN (a missing value is never scored as 0 or as
"not covered"): a NaN in ``y`` makes every result NaN, a NaN in one quantile level makes NaN every
result that reads that level. Empty arrays score NaN too. Scaled metrics divide by ``scale``, the
MASE scale of :func:`lstmcast.evaluate.metrics.mase_scale`, and are NaN unless it is finite and positive.
Wrong shapes raise :class:`~lstmcast.errors.DataError`, wrong ``taus`` or levels
:class:`~lstmcast.errors.ConfigError` (both are ``ValueError``).

>>> y = np.array([1.0, 4.0])
>>> q = np.array([[0.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
>>> round(pinball(y, q, [0.1, 0.5, 0.9]), 10)
0.5
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError, DataError
from lstmcast.evaluate.baselines import seasonal_naive
from lstmcast.uncertainty.names import check_levels, level_quantiles, number_text

TAU_TOLERANCE = 1e-9  # a level's quantiles are found among taus within this distance


# Quantile (whole-distribution) scores
def pinball(y, q, taus) -> float:
    """Mean pinball (quantile) loss over every forecast, step, target and level.

    For level ``tau`` the loss is ``max(tau * (y - q), (tau - 1) * (y - q))``.
    """
    y, q, taus = _check_quantiles(y, q, taus)
    u = y[..., None] - q  # (n, H, k, Q)
    return _mean(np.maximum(taus * u, (taus - 1.0) * u))


def crps(y, q, taus) -> float:
    """CRPS approximated from quantiles: ``2 *`` the mean pinball loss over ``taus``.

    This is the standard quantile approximation: CRPS is ``2 * integral of pinball over tau in
    (0, 1)`` (Gneiting & Raftery 2007, Laio & Tamea 2007), and the mean over ``taus`` is that
    integral's rule; it is exact in the limit of a dense even grid. It is most accurate for midpoint
    levels ``(i - 0.5) / Q``; the levels ``i / (Q + 1)`` (0.01 ... 0.99) overstate it by about ``1/Q``.
    """
    return 2.0 * pinball(y, q, taus)


def scaled_crps(y, q, taus, scale: float) -> float:
    """:func:`crps` divided by ``scale`` (:func:`~lstmcast.evaluate.metrics.mase_scale` of the training part)."""
    return _scaled(crps(y, q, taus), scale)


# Central intervals
def interval_pair(q, taus, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The (n, H, k) lower and upper bounds of the ``level`` percent interval, taken from ``q``.

    Raises ConfigError naming the quantiles that are missing from ``taus`` (matched within 1e-9).
    """
    level = _check_level(level)
    taus = _check_taus(taus)
    q = np.asarray(q, np.float64)
    if q.ndim == 0 or q.shape[-1] != len(taus):
        raise DataError(f"q has shape {q.shape} but taus has {len(taus)} levels: q's last axis must be {len(taus)}.")
    wanted = level_quantiles(level)
    found = [np.flatnonzero(np.abs(taus - t) <= TAU_TOLERANCE) for t in wanted]
    missing = [t for t, idx in zip(wanted, found) if idx.size == 0]
    if missing:
        raise ConfigError(
            f"level={number_text(level)} needs the quantiles {_text(wanted)} but taus={_text(taus)} lacks "
            f"{_text(missing)}: add them to taus, or score a level whose quantiles taus has."
        )
    return q[..., found[0][0]], q[..., found[1][0]]  # (n, H, k) each


def coverage(y, lo, hi) -> float:
    """Fraction of actual values with ``lo <= y <= hi``."""
    y, lo, hi = _same_shape(y=y, lo=lo, hi=hi)
    if _any_nan(y, lo, hi):
        return float("nan")
    return _mean((lo <= y) & (y <= hi))


def width(lo, hi) -> float:
    """Mean interval width ``hi - lo``."""
    lo, hi = _same_shape(lo=lo, hi=hi)
    return _mean(hi - lo)


def winkler(y, lo, hi, level: float) -> float:
    """Mean interval score of Gneiting & Raftery (2007), also called the Winkler score.

    ``(hi - lo) + (2 / alpha) * (lo - y) * [y < lo] + (2 / alpha) * (y - hi) * [y > hi]``,
    with ``alpha = 1 - level / 100``: the width plus a penalty for each value outside.
    """
    alpha = 1.0 - _check_level(level) / 100.0
    y, lo, hi = _same_shape(y=y, lo=lo, hi=hi)
    if _any_nan(y, lo, hi):
        return float("nan")
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as it should be
        below = np.where(y < lo, lo - y, 0.0)  # (n, H, k)
        above = np.where(y > hi, y - hi, 0.0)  # (n, H, k)
        return _mean((hi - lo) + (2.0 / alpha) * (below + above))


def msis(y, lo, hi, level: float, scale: float) -> float:
    """Mean scaled interval score (the M4 competition's): :func:`winkler` divided by the MASE ``scale``."""
    return _scaled(winkler(y, lo, hi, level), scale)


# Summaries
def interval_metrics(y, q, taus, levels, scale: float) -> dict[str, float]:
    """``coverage_L``, ``width_L`` and ``msis_L`` for each level L, then ``pinball`` and ``scaled_crps``.

    Coverage is a fraction (0..1); ``pinball`` and ``scaled_crps`` use every level in ``taus``.
    ``levels`` may be empty; L is written as in column names (80, 2.5).
    """
    y, q, taus = _check_quantiles(y, q, taus)
    out: dict[str, float] = {}
    for level in _levels(levels):
        lo, hi = interval_pair(q, taus, level)
        name = number_text(level)
        out[f"coverage_{name}"] = coverage(y, lo, hi)
        out[f"width_{name}"] = width(lo, hi)
        out[f"msis_{name}"] = msis(y, lo, hi, level, scale)
    out["pinball"] = pinball(y, q, taus)
    out["scaled_crps"] = scaled_crps(y, q, taus, scale)
    return out


def calibration_table(y, q, taus, levels) -> pd.DataFrame:
    """One row per level: nominal ``level`` and observed ``coverage`` in percent, the percent of actual
    values ``below`` the interval and ``above`` it, the mean ``width`` and ``n``, the number of values scored.

    A calibrated forecast has ``coverage`` near ``level`` and ``below`` near ``above``.
    """
    y, q, taus = _check_quantiles(y, q, taus)
    rows = []
    for level in _levels(levels):
        lo, hi = interval_pair(q, taus, level)  # (n, H, k) each
        nan = _any_nan(y, lo, hi)
        below = float("nan") if nan else 100.0 * _mean(y < lo)
        above = float("nan") if nan else 100.0 * _mean(y > hi)
        rows.append((level, 100.0 * coverage(y, lo, hi), below, above, width(lo, hi), int(y.size)))
    table = pd.DataFrame(rows, columns=["level", "coverage", "below", "above", "width", "n"])
    return table.astype({"level": np.float64, "coverage": np.float64, "n": np.int64})


def quantile_calibration(y, q, taus) -> pd.DataFrame:
    """One row per quantile level: ``quantile`` (tau) and ``observed``, the fraction of ``y <= q``.

    A calibrated forecast has ``observed`` near ``quantile``.
    """
    y, q, taus = _check_quantiles(y, q, taus)
    observed = [float("nan") if _any_nan(y, q[..., i]) else _mean(y <= q[..., i]) for i in range(len(taus))]
    return pd.DataFrame({"quantile": taus, "observed": np.array(observed, np.float64)})


# The benchmark
def seasonal_naive_quantiles(
    y: np.ndarray, origins: np.ndarray, horizon: int, period: int, taus, train_end: int
) -> np.ndarray:
    """(n, H, k, Q) normal quantiles of the seasonal naive forecast, from its own in-sample residuals.

    The textbook benchmark interval (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
    3rd ed., section 5.5): the point is :func:`~lstmcast.evaluate.baselines.seasonal_naive` of the
    actual ``y`` (rows, k) at ``origins`` (n,); ``sigma`` (per target) is the root mean square of the
    residuals ``y[t] - y[t - m]`` over the training rows ``y[:train_end]``, with ``m = period`` when
    ``train_end > period`` and 1 otherwise (as :func:`~lstmcast.evaluate.metrics.mase_scale`); step h
    has sd ``sigma * sqrt(floor((h - 1) / m) + 1)`` and quantile ``point + sd * Phi^-1(tau)``.
    A NaN in a target's training rows makes that target's quantiles NaN. Bad arguments raise ConfigError.
    """
    y = np.asarray(y, np.float64)
    origins = np.asarray(origins)
    taus = _check_taus(taus)
    if y.ndim != 2:
        raise DataError(f"y has shape {y.shape}: seasonal_naive_quantiles needs the series as (rows, targets).")
    rows = len(y)
    for name, value in (("horizon", horizon), ("period", period)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ConfigError.positive(name, value)
    if not isinstance(train_end, (int, np.integer)) or isinstance(train_end, bool) or not 2 <= train_end <= rows:
        raise ConfigError(
            f"train_end={train_end!r} must be an integer from 2 to {rows} (the rows of y): "
            "sigma needs at least one in-sample residual."
        )
    if origins.ndim != 1 or origins.size == 0 or not np.issubdtype(origins.dtype, np.integer):
        raise ConfigError(f"origins must be a non-empty 1-D array of row numbers, got shape {origins.shape}.")
    if origins.min() + 1 < period or origins.max() >= rows:
        raise ConfigError(
            f"origins must lie in rows {period - 1} to {rows - 1} (one season of history for period={period}, "
            f"inside y), got {origins.min()} to {origins.max()}."
        )
    point = seasonal_naive(y, origins, horizon, period)  # (n, H, k)
    m = period if train_end > period else 1
    residuals = y[m:train_end] - y[: train_end - m]  # (train_end - m, k)
    sigma = np.sqrt(np.mean(residuals**2, axis=0))  # (k,)
    steps = np.sqrt((np.arange(horizon) // m + 1).astype(np.float64))  # (H,): h - 1 = 0 .. H - 1
    sd = steps[:, None] * sigma[None, :]  # (H, k)
    z = _normal_quantile(taus)  # (Q,)
    return point[..., None] + sd[None, :, :, None] * z  # (n, H, k, Q)


# Checks and helpers
def _check_taus(taus) -> np.ndarray:
    """(Q,) float64 levels, strictly increasing and strictly between 0 and 1."""
    arr = np.asarray(taus, np.float64) if _numeric(taus) else None
    ok = (
        arr is not None
        and arr.ndim == 1
        and arr.size > 0
        and bool(np.all((arr > 0.0) & (arr < 1.0)))
        and bool(np.all(np.diff(arr) > 0.0))
    )
    if not ok:
        shown = _text(arr) if arr is not None and arr.ndim == 1 else repr(taus)
        raise ConfigError(
            f"taus={shown} must be increasing quantile levels strictly between 0 and 1, e.g. [0.1, 0.5, 0.9]."
        )
    return arr


def _check_quantiles(y, q, taus) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    taus = _check_taus(taus)
    y, q = np.asarray(y, np.float64), np.asarray(q, np.float64)
    want = y.shape + (len(taus),)
    if q.shape != want:
        raise DataError(
            f"q has shape {q.shape} but y has shape {y.shape} and taus has {len(taus)} levels: "
            f"q must have shape {want}."
        )
    return y, q, taus


def _same_shape(**arrays) -> tuple[np.ndarray, ...]:
    (first, a), *rest = ((k, np.asarray(v, np.float64)) for k, v in arrays.items())
    out = [a]
    for name, b in rest:
        if b.shape != a.shape:
            raise DataError(f"{name} has shape {b.shape} but {first} has shape {a.shape}: they must match.")
        out.append(b)
    return tuple(out)


def _check_level(level) -> float:
    if not _numeric(level) or np.ndim(level) != 0 or not 0.0 < float(level) < 100.0:
        raise ConfigError(f"level={level!r} must be a percentage strictly between 0 and 100, e.g. 80.")
    return float(level)


def _levels(levels) -> tuple[float, ...]:
    """Sorted unique levels; None or empty gives none."""
    if levels is None or (isinstance(levels, (list, tuple, np.ndarray)) and len(levels) == 0):
        return ()
    return check_levels(levels)


def _numeric(x) -> bool:
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):  # ragged nested lists
        return False
    return arr.dtype.kind in "iuf"


def _normal_quantile(taus: np.ndarray) -> np.ndarray:
    """Phi^-1 of each level, from the standard library (exact to double precision; scipy is not a dependency)."""
    inv = NormalDist().inv_cdf
    return np.array([inv(float(t)) for t in taus], np.float64)


def _any_nan(*arrays: np.ndarray) -> bool:
    return any(bool(np.isnan(a).any()) for a in arrays)


def _mean(a: np.ndarray) -> float:
    """Mean as float; NaN (without a warning) for an empty array."""
    return float(np.mean(a)) if np.size(a) else float("nan")


def _scaled(value: float, scale) -> float:
    ok = scale is not None and _numeric(scale) and np.ndim(scale) == 0 and math.isfinite(scale) and scale > 0
    return value / float(scale) if ok else float("nan")


def _text(values) -> str:
    """[0.1, 0.9] as '[0.1, 0.9]' (numbers as typed, to 12 decimals, not as numpy prints them)."""
    return "[" + ", ".join(repr(round(float(v), 12)) for v in values) + "]"
