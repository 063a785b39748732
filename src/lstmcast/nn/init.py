"""Keras's default initializers, as pure functions of a PRNG key.

Glorot-uniform for input kernels and dense layers, orthogonal for recurrent
kernels, zeros for biases (with the LSTM forget gate set to one by the caller).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def glorot_uniform(key: jax.Array, shape: tuple[int, int], dtype=jnp.float32) -> jax.Array:
    """Uniform in ``[-limit, limit]`` with ``limit = sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = shape
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    return jax.random.uniform(key, shape, dtype, -limit, limit)


def orthogonal(key: jax.Array, shape: tuple[int, int], dtype=jnp.float32) -> jax.Array:
    """A (rows, cols) matrix with orthonormal rows or columns (Keras ``Orthogonal``, gain 1)."""
    rows, cols = shape
    flat = jax.random.normal(key, (max(rows, cols), min(rows, cols)), jnp.float32)
    q, r = jnp.linalg.qr(flat)
    q = q * jnp.sign(jnp.diagonal(r))  # make the decomposition unique, as Keras does
    if rows < cols:
        q = q.T
    return q.astype(dtype)
