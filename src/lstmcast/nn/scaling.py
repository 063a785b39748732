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

Scales are floored at ``FLOOR`` x max(mean |x|, 1) so a flat window does not divide by zero.

Shapes: targets (batch, window, k) -> loc, scale (batch, 1, k).
"""

from __future__ import annotations

import jax.numpy as jnp

MODES = ("none", "last", "mean")
FLOOR = 1e-4


def window_stats(targets, mode: str):
    """(loc, scale) of each window's target columns: (batch, 1, k) each."""
    if mode == "none":
        ones = jnp.ones_like(targets[:, :1])
        return jnp.zeros_like(ones), ones
    floor = FLOOR * jnp.maximum(jnp.mean(jnp.abs(targets), axis=1, keepdims=True), 1.0)
    if mode == "last":
        loc = targets[:, -1:]
        steps = jnp.abs(jnp.diff(targets, axis=1))
        spread = jnp.mean(steps, axis=1, keepdims=True) if targets.shape[1] > 1 else jnp.zeros_like(loc)
    else:
        loc = jnp.mean(targets, axis=1, keepdims=True)
        spread = jnp.std(targets, axis=1, keepdims=True)
    return loc, jnp.maximum(spread, floor)


def normalize_window(x, k: int, mode: str):
    """x (batch, window, n_inputs) with its first k (target) columns normalized; returns (x, loc, scale)."""
    loc, scale = window_stats(x[:, :, :k], mode)
    if mode == "none":
        return x, loc, scale
    return jnp.concatenate([(x[:, :, :k] - loc) / scale, x[:, :, k:]], axis=-1), loc, scale


def denormalize(out, loc, scale):
    """Network outputs (batch, H, k, outputs) in window units -> model space."""
    return out * scale[..., None] + loc[..., None]
