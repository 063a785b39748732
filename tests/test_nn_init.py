"""The orthogonal initializer: Gram-Schmidt in XLA gives LAPACK's QR factor (R's diagonal positive) to rounding."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lstmcast.nn.init import orthogonal, orthonormal_columns


@pytest.mark.parametrize("shape", [(50, 200), (200, 50), (8, 8), (3, 12), (64, 192)])
def test_orthogonal_is_lapacks_qr_factor(shape):
    rows, cols = shape
    for seed in range(3):
        key = jax.random.key(seed)
        q = np.asarray(orthogonal(key, shape))
        assert q.shape == shape and q.dtype == np.float32
        gram = q @ q.T if rows <= cols else q.T @ q
        np.testing.assert_allclose(gram, np.eye(min(shape)), atol=2e-6)
        flat = jax.random.normal(key, (max(shape), min(shape)), jnp.float32)  # what orthogonal draws
        lq, lr = np.linalg.qr(np.asarray(flat, np.float64))
        lq = lq * np.sign(np.diagonal(lr))
        np.testing.assert_allclose(q if rows >= cols else q.T, lq, atol=5e-6)


def test_orthonormal_columns_under_vmap():
    """Members initialize in one vmapped program; each equals its own unbatched result."""
    a = jax.random.normal(jax.random.key(0), (3, 20, 5))
    batched = jax.vmap(orthonormal_columns)(a)
    for m in range(3):
        np.testing.assert_allclose(np.asarray(batched[m]), np.asarray(orthonormal_columns(a[m])), atol=1e-6)
