"""Exponential smoothing of seasonally adjusted histories: SES, damped trend and Theta.

These are the statistical members of the default forecast's combination
(:mod:`lstmcast.stats.combination`): the M4 competition's "Comb" benchmark members (SES and
the damped trend) and its Theta method, which beat far larger models on short noisy
series. Every function works on a batch of histories ``x`` (B, L) at once (one per forecast
origin), with one set of parameters:

* ``fit(x) -> params``: smoothing parameters by least squares of the one-step errors on one
  history ``x`` (1, L);
* ``forecast(x, params, h) -> (B, h)``: the state filtered through each history with those
  parameters, then extended ``h`` steps.

The state starts from the first values of each history (level x[0], trend the mean first
difference of the first five values), so the same rows always give the same forecast.
The damped trend follows Gardner & McKenzie (1985), ``phi`` in [0.8, 0.98] as in Hyndman
et al.'s ETS; Theta is SES with drift (Hyndman & Billah 2003): the SES forecast plus half
the slope of the least-squares line through the history.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

ALPHA = (0.01, 0.99)
BETA = (0.001, 0.5)
PHI = (0.8, 0.98)


def _ses(x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """((B,) final levels, (B,) sums of squared one-step errors) of simple exponential smoothing."""
    level, sse = x[:, 0].copy(), np.zeros(len(x))
    for t in range(1, x.shape[1]):
        e = x[:, t] - level
        sse += e * e
        level += alpha * e
    return level, sse


def _damped(x: np.ndarray, alpha: float, beta: float, phi: float):
    """((B,) final levels, (B,) final trends, (B,) sums of squared one-step errors) of the damped trend."""
    k = min(x.shape[1] - 1, 4)
    level = x[:, 0].copy()
    trend = (x[:, k] - x[:, 0]) / k if k > 0 else np.zeros(len(x))
    sse = np.zeros(len(x))
    for t in range(1, x.shape[1]):
        pred = level + phi * trend
        e = x[:, t] - pred
        sse += e * e
        level = pred + alpha * e
        trend = phi * trend + alpha * beta * e
    return level, trend, sse


def fit_ses(x: np.ndarray) -> tuple[float, ...]:
    if x.shape[1] < 3:
        return (0.5,)
    res = optimize.minimize_scalar(
        lambda a: float(_ses(x, a)[1][0]), bounds=ALPHA, method="bounded", options={"xatol": 1e-4}
    )
    return (float(res.x),)


def forecast_ses(x: np.ndarray, params, h: int) -> np.ndarray:
    level, _ = _ses(x, params[0])
    return np.repeat(level[:, None], h, axis=1)  # (B, h)


def _grid_search(sse, lo: np.ndarray, hi: np.ndarray, start: np.ndarray, rounds: int = 4) -> np.ndarray:
    """Minimize ``sse(P) -> (P,)``, vectorized over parameter sets (P, d), inside the box [lo, hi].

    A coarse grid ``start`` (P, d) first, then ``rounds`` local 3^d grids around the best point,
    each half as wide: a few vectorized passes over the history instead of hundreds of
    scalar ones (Nelder-Mead took 0.7 s per damped fit on 500 rows).
    """
    best = start[np.argmin(sse(start))]
    width = (hi - lo) / 8
    offsets = np.stack(np.meshgrid(*[np.array([-1.0, 0.0, 1.0])] * len(lo), indexing="ij"), -1).reshape(-1, len(lo))
    for _ in range(rounds):
        cands = np.clip(best[None, :] + offsets * width[None, :], lo, hi)  # (3^d, d)
        best = cands[np.argmin(sse(cands))]
        width = width / 2
    return best


def _damped_sse(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(P,) sums of squared one-step errors of the damped trend on one history ``x`` (1, L) per parameters (P, 3)."""
    xs = np.broadcast_to(x, (len(p), x.shape[1]))
    return _damped(xs, p[:, 0], p[:, 1], p[:, 2])[2]


def fit_damped(x: np.ndarray) -> tuple[float, ...]:
    if x.shape[1] < 6:
        return (0.5, 0.1, 0.9)
    lo = np.array([ALPHA[0], BETA[0], PHI[0]])
    hi = np.array([ALPHA[1], BETA[1], PHI[1]])
    grid = np.stack(
        np.meshgrid(
            [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99],
            [0.001, 0.01, 0.05, 0.1, 0.2, 0.35, 0.5],
            [0.8, 0.85, 0.9, 0.94, 0.98],
            indexing="ij",
        ),
        -1,
    ).reshape(-1, 3)  # (315, 3)
    best = _grid_search(lambda p: _damped_sse(x, p), lo, hi, grid)
    return tuple(float(v) for v in best)


def forecast_damped(x: np.ndarray, params, h: int) -> np.ndarray:
    alpha, beta, phi = params
    level, trend, _ = _damped(x, alpha, beta, phi)
    damp = np.cumsum(phi ** np.arange(1, h + 1))  # (h,) phi + phi^2 + ... + phi^k
    return level[:, None] + damp[None, :] * trend[:, None]  # (B, h)


def forecast_theta(x: np.ndarray, params, h: int) -> np.ndarray:
    alpha = params[0]
    n = x.shape[1]
    level, _ = _ses(x, alpha)
    if n < 3:
        return np.repeat(level[:, None], h, axis=1)
    t = np.arange(n, dtype=np.float64) - (n - 1) / 2
    slope = (x - x.mean(axis=1, keepdims=True)) @ t / np.dot(t, t)  # (B,) the theta=0 line's slope
    k = np.arange(1, h + 1, dtype=np.float64)
    drift = 0.5 * (k - 1 + 1.0 / alpha - ((1.0 - alpha) ** n) / alpha)  # (h,) Hyndman & Billah (2003)
    return level[:, None] + slope[:, None] * drift[None, :]  # (B, h)


# name -> (fit, forecast); Theta's smoothing parameter is SES's
METHODS = {
    "ses": (fit_ses, forecast_ses),
    "damped": (fit_damped, forecast_damped),
    "theta": (fit_ses, forecast_theta),
}
N_PARAMS = {"ses": 1, "damped": 3, "theta": 1}  # parameters each method's fit returns
