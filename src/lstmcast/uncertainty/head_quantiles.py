"""Quantiles and sample paths of a quantile or distribution head, for one series and for many.

Both paths share these functions; they differ only in how a scaled forecast goes back to the
original scale, which the caller passes as ``undo(z, reps)``: ``z`` (reps * n, H, targets) holds
``reps`` copies of the ``n`` windows' forecasts, one copy after the other, and ``undo`` returns
them on the original scale (one series: its transforms with each window's history levels; many
series: each window's own series' scaler too).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np

from lstmcast.fitting import check_finite
from lstmcast.strategies import get_strategy

SAMPLES = 200  # sample paths per ensemble member for a recursive model's quantiles
SAMPLE_STREAM = 7919  # folded into the seed's key for sampling, apart from training's streams

Undo = Callable[[np.ndarray, int], np.ndarray]


def head_paths(model, values, starts, horizon: int, samples: int, undo: Undo) -> np.ndarray:
    """(draws, n, H, targets) original-scale draws of every member (``samples`` each), from the seed's key."""
    cfg = model.config_
    key = jax.random.fold_in(jax.random.key(cfg["seed"]), SAMPLE_STREAM)
    paths = get_strategy(cfg["strategy"]).forecast_samples(
        model.params_, model.spec_, model.loss_, values, starts, horizon, key, samples
    )  # (members, n, S, H, targets)
    paths = np.moveaxis(paths, 2, 1)  # (members, S, n, H, targets)
    draws, n = paths.shape[0] * paths.shape[1], len(starts)
    flat = undo(paths.reshape(draws * n, *paths.shape[3:]), draws)
    out = flat.reshape(draws, n, *flat.shape[1:])
    check_finite(out)
    return out


def head_quantiles(model, values, starts, horizon: int, taus, samples: int, undo: Undo) -> np.ndarray:
    """Original-scale quantiles (n, H, targets, Q) at ``taus`` from a quantile or distribution head.

    direct: each member's closed-form quantiles mapped through the (monotone) transforms, then
    averaged over members (quantile averaging keeps them ordered). recursive: ``samples`` sample
    paths of every member, each undone to the original scale, and their empirical quantiles.
    """
    taus = np.asarray(taus, np.float64)
    strategy = get_strategy(model.config_["strategy"])
    n = len(starts)
    if strategy.one_step:
        paths = head_paths(model, values, starts, horizon, samples, undo)  # (draws, n, H, targets)
        method = "inverted_cdf" if model.loss_.counts else "linear"  # counts stay whole numbers
        return np.moveaxis(np.quantile(paths, taus, axis=0, method=method), 0, -1)  # (n, H, targets, Q)
    q = strategy.forecast_quantiles(model.params_, model.spec_, model.loss_, values, starts, horizon, taus)
    q = np.moveaxis(q, -1, 1)  # (members, Q, n, H, targets)
    members, nq = q.shape[:2]
    flat = undo(q.reshape(members * nq * n, *q.shape[3:]), members * nq)
    q = flat.reshape(members, nq, n, *flat.shape[1:]).mean(axis=0)  # (Q, n, H, targets)
    q = np.sort(np.moveaxis(q, 0, -1), axis=-1)  # float rounding must not reorder them
    check_finite(q)
    return q
