"""Unrolled and rolled recurrences compute the same forecasts and gradients (nn/unroll.py).

The suite runs with ``LSTMCAST_UNROLL=0`` (conftest.py), rolled loops that compile faster; the
library unrolls windows of up to 16 steps. Both programs are traced here, each by its own
``jax.jit``, and must agree to float tolerance.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lstmcast.nn import holt_winters
from lstmcast.nn.network import NetworkSpec, apply, init_params
from lstmcast.nn.unroll import UNROLL_UP_TO, unroll


def test_short_scans_are_unrolled_whole_up_to_the_limit(monkeypatch):
    monkeypatch.delenv("LSTMCAST_UNROLL", raising=False)
    assert [unroll(n) for n in (1, 10, UNROLL_UP_TO, UNROLL_UP_TO + 1)] == [1, 10, UNROLL_UP_TO, 1]
    monkeypatch.setenv("LSTMCAST_UNROLL", "0")
    assert unroll(10) == 1


def _run(monkeypatch, limit: str, fn, *args):
    monkeypatch.setenv("LSTMCAST_UNROLL", limit)
    return jax.jit(fn)(*args)  # a fresh jit: traced with this limit


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_stack_gives_the_same_forecasts_and_gradients_unrolled_or_not(monkeypatch, cell):
    spec = NetworkSpec(cell=cell, units=(5, 3), n_inputs=2, window=9, horizon=2, bidirectional=cell == "gru")
    params = init_params(jax.random.PRNGKey(0), spec)
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 9, 2))  # (batch, window, n_inputs)

    def loss(p, x):
        return jnp.sum(apply(p, spec, x) ** 2)

    def both(p, x):
        return apply(p, spec, x), jax.grad(loss)(p, x)

    (f_on, g_on), (f_off, g_off) = (_run(monkeypatch, limit, both, params, x) for limit in ("16", "0"))
    np.testing.assert_allclose(f_on, f_off, rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.tree_util.tree_leaves(g_on), jax.tree_util.tree_leaves(g_off), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_the_smoothing_recursion_is_the_same_unrolled_or_not(monkeypatch):
    targets = jax.random.normal(jax.random.PRNGKey(2), (3, 12, 1)) + 5.0  # (batch, window, k)
    alpha, gamma = jnp.array([0.3]), jnp.array([0.2])

    def seasonal(t, a, g):
        return holt_winters.recursion(t, a, g, 4)

    on, off = (_run(monkeypatch, limit, seasonal, targets, alpha, gamma) for limit in ("16", "0"))
    for a, b in zip(on, off, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
