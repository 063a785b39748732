"""Scale-free windows: each window's targets expressed relative to its own level, and outputs mapped back.

A network trained on windows normalized by their own level forecasts a series that
trends beyond anything seen in training as sensibly as one inside its range: it
only ever sees shapes, never absolute levels (the idea of DeepAR's mean scaling and
of reversible instance normalization). The loss is computed on the normalized
targets too, so every window weighs the same whatever its level.

Modes (``NetworkSpec.normalize``):

* ``"none"``: the window as it is (the tutorials' model).
* ``"last"``: ``(x - last value) / scale``, the scale being the window's mean
  absolute step ``mean |x[t] - x[t-1]|`` (the denominator of MASE, within the
  window); forecasts are changes from the last value in units of typical steps.
* ``"mean"``: ``(x - window mean) / window standard deviation``.
* ``"season-mean"``: ``(x - profile[phase]) / scale``: the profile is the mean of the
  window's values at each phase of the season (``NetworkSpec.season``), the scale the
  window's mean absolute seasonal step ``mean |x[t] - x[t-m]|`` (its mean absolute step when
  the window is exactly one season long); forecasts are deviations
  from the window's average season, which averages away noise that seasonal naive repeats.
* ``"season"``: the same inputs, but forecasts are deviations from halfway between the
  average season and the last season (seasonal naive), which also follows a season that
  changes. Both season modes fall back to ``"last"`` when the season is 1 or longer than
  the window.
* ``"es"``: ES-RNN's: relative to a Holt-Winters level and season run over the window, whose
  smoothing coefficients are learned with the network (:mod:`lstmcast.nn.holt_winters`).
* ``"mixed"``: an ensemble whose members differ in their normalization (N-BEATS's diversity):
  even members read their windows as ``"season"`` does, odd members as ``"es"`` does; the flag
  is ``params["smoothing"]["es"]`` (set by :func:`lstmcast.fitting.init_members`, never
  trained); it needs two members or more.
* ``"scale"``: ``x / max(mean |x|, 1)``: divided by the window's mean absolute value and
  never shifted (DeepAR's mean scaling), so a positive mean stays positive. Meant for
  counts in their own units (``loss="negbin"``, ``scaler="none"``): the floor of one count
  keeps windows of under one count on average, and windows of zeros, as they are.

Other modes' scales are floored at ``FLOOR`` x max(mean |x|, 1) so a flat window does not divide by zero.

Shapes: targets (batch, window, k) -> loc of the inputs (batch, window or 1, k), loc of the
outputs (batch, horizon or 1, k), scale (batch, 1, k).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lstmcast.nn import holt_winters
from lstmcast.nn.heads import to_model_space

MODES = ("none", "last", "mean", "season", "season-mean", "es", "mixed", "scale")
LEARNED = ("es", "mixed")  # modes with smoothing coefficients among the parameters
FLOOR = 1e-4
COUNT_FLOOR = 1.0  # normalize="scale": the smallest scale, one count


def window_stats(targets, mode: str, season: int = 1, horizon: int = 1, smoothing: dict | None = None):
    """(loc of the inputs, loc of the outputs, scale) of each window's target columns.

    smoothing: the network's learned smoothing logits (``params["smoothing"]``), for modes "es" and "mixed"."""
    if mode == "none":
        ones = jnp.ones_like(targets[:, :1])
        return jnp.zeros_like(ones), jnp.zeros_like(ones), ones
    if mode == "scale":
        zeros = jnp.zeros_like(targets[:, :1])
        return zeros, zeros, jnp.maximum(jnp.mean(jnp.abs(targets), axis=1, keepdims=True), COUNT_FLOOR)
    if mode in LEARNED:  # the learned recursion's locations, "season"'s scale
        closed_in, closed_out, scale = window_stats(targets, "season", season, horizon)
        loc_in, loc_out = holt_winters.locations(targets, smoothing, season, horizon)
        if mode == "mixed":  # this member's flag picks "es" or "season"; both are cheap beside the network
            flag = jax.lax.stop_gradient(smoothing["es"]) > 0.0  # (1,) weight decay shrinks a 1, never flips it
            loc_in = jnp.where(flag, loc_in, jnp.broadcast_to(closed_in, loc_in.shape))
            loc_out = jnp.where(flag, loc_out, jnp.broadcast_to(closed_out, loc_out.shape))
        return loc_in, loc_out, scale
    window = targets.shape[1]
    floor = FLOOR * jnp.maximum(jnp.mean(jnp.abs(targets), axis=1, keepdims=True), 1.0)
    if mode in ("season", "season-mean") and 1 < season <= window:
        phase = (jnp.arange(window) - window) % season  # the last row has phase season - 1
        onehot = (phase[:, None] == jnp.arange(season)[None, :]).astype(targets.dtype)  # (window, season)
        profile = jnp.einsum("bwk,ws->bsk", targets, onehot) / jnp.sum(onehot, axis=0)[None, :, None]
        loc_in = profile[:, phase]  # (batch, window, k)
        loc_out = profile[:, jnp.arange(horizon) % season]  # (batch, horizon, k)
        if mode == "season":  # halfway between the average season and the last one (seasonal naive)
            last = targets[:, window - season + jnp.arange(horizon) % season]  # (batch, horizon, k)
            loc_out = 0.5 * (loc_out + last)
        if window > season:
            spread = jnp.mean(jnp.abs(targets[:, season:] - targets[:, :-season]), axis=1, keepdims=True)
        else:  # a window of exactly one season holds no seasonal step: its mean absolute step instead
            spread = jnp.mean(jnp.abs(jnp.diff(targets, axis=1)), axis=1, keepdims=True)
        return loc_in, loc_out, jnp.maximum(spread, floor)
    if mode in ("last", "season", "season-mean"):
        loc = targets[:, -1:]
        steps = jnp.abs(jnp.diff(targets, axis=1))
        spread = jnp.mean(steps, axis=1, keepdims=True) if window > 1 else jnp.zeros_like(loc)
    else:
        loc = jnp.mean(targets, axis=1, keepdims=True)
        spread = jnp.std(targets, axis=1, keepdims=True)
    return loc, loc, jnp.maximum(spread, floor)


def normalize_window(x, k: int, mode: str, season: int = 1, horizon: int = 1, smoothing: dict | None = None):
    """x (batch, window, n_inputs) with its first k (target) columns normalized; returns (x, loc_out, scale)."""
    loc_in, loc_out, scale = window_stats(x[:, :, :k], mode, season, horizon, smoothing)
    if mode == "none":
        return x, loc_out, scale
    return jnp.concatenate([(x[:, :, :k] - loc_in) / scale, x[:, :, k:]], axis=-1), loc_out, scale


def denormalize(out, loc, scale, head: str = "point"):
    """Network outputs (batch, H, k, outputs) in window units -> model space (loc (batch, H or 1, k)).

    Every output of a point or quantile head moves and stretches with the window; a
    distribution head's spread only stretches and its shape stays (nn/heads.py).
    """
    return to_model_space(out, loc, scale, head)
