"""Per-window losses. Each maps (batch, horizon, targets) errors to (batch,) values."""

from __future__ import annotations

import jax.numpy as jnp


def _mse(err):
    return jnp.mean(err**2, axis=(1, 2))


def _mae(err):
    return jnp.mean(jnp.abs(err), axis=(1, 2))


def _huber(err, delta: float = 1.0):
    a = jnp.abs(err)
    return jnp.mean(jnp.where(a <= delta, 0.5 * err**2, delta * (a - 0.5 * delta)), axis=(1, 2))


LOSS_FUNCTIONS = {"mse": _mse, "mae": _mae, "huber": _huber}


def per_window_loss(name: str, pred, target):
    """pred, target: (batch, horizon, targets) -> (batch,)"""
    return LOSS_FUNCTIONS[name](pred - target)
