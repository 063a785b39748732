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


def orthonormal_columns(a: jax.Array) -> jax.Array:
    """Q of the thin QR decomposition ``a = QR`` with R's diagonal positive: a (m, n), m >= n -> (m, n).

    Gram-Schmidt with every column orthogonalized twice against those before it (CGS2), which is as
    accurate as Householder's QR for a well-conditioned matrix such as a Gaussian draw. Not LAPACK's
    ``jnp.linalg.qr``: on CPU that runs in OpenBLAS, whose threads, woken for a 200 x 50 matrix on a busy
    2-core machine, stalled an LSTM(50)'s initialization 0.2-1.1 s (more than its training epochs).
    """
    m, n = a.shape

    def column(j, q):  # q: the first j columns done, the others still zero
        v = jax.lax.dynamic_index_in_dim(a, j, axis=1, keepdims=False)  # (m,)
        for _ in range(2):
            v = v - q @ (q.T @ v)
        return jax.lax.dynamic_update_index_in_dim(q, v / jnp.linalg.norm(v), j, axis=1)

    return jax.lax.fori_loop(0, n, column, jnp.zeros_like(a))


def orthogonal(key: jax.Array, shape: tuple[int, int], dtype=jnp.float32) -> jax.Array:
    """A (rows, cols) matrix with orthonormal rows or columns (Keras ``Orthogonal``, gain 1)."""
    rows, cols = shape
    flat = jax.random.normal(key, (max(rows, cols), min(rows, cols)), jnp.float32)
    q = orthonormal_columns(flat)  # unique: R's diagonal positive, as Keras makes it
    if rows < cols:
        q = q.T
    return q.astype(dtype)
