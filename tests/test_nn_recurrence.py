"""The hand-written backward passes equal JAX's autodiff of the plain scan (float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lstmcast.nn.cells import init_cell, run_layer, run_layer_autodiff
from lstmcast.nn.recurrence import SMALL_INPUT


def _float64_params(seed, cell, width, units):
    """A layer's parameters in float64, moved off Keras's initial values (so the forget bias isn't special)."""
    params = jax.tree.map(lambda a: a.astype(jnp.float64), init_cell(jax.random.key(seed), cell, width, units))
    return jax.tree.map(lambda a: a + 0.3 * np.random.default_rng(a.size).normal(size=a.shape), params)


def _assert_same_value_and_grads(loss, reference, params, x):
    """Both losses and their gradients with respect to the parameters and the inputs agree to 1e-10."""
    v1, (gp1, gx1) = jax.value_and_grad(loss, argnums=(0, 1))(params, x)
    v2, (gp2, gx2) = jax.value_and_grad(reference, argnums=(0, 1))(params, x)
    assert abs(float(v1) - float(v2)) < 1e-12
    np.testing.assert_allclose(np.asarray(gx1), np.asarray(gx2), atol=1e-10)
    for a, b in zip(jax.tree.leaves(gp1), jax.tree.leaves(gp2)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-10)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("unroll", [1, 3])
@pytest.mark.parametrize("width", [3, SMALL_INPUT + 2])  # projected inside the step / by one matmul before it
def test_custom_gradients_equal_autodiff(cell, reverse, unroll, width):
    with jax.enable_x64(True):
        params = _float64_params(0, cell, width, 5)
        x = jnp.asarray(np.random.default_rng(1).normal(size=(7, 4, width)))  # (time, batch, D)
        w = jnp.asarray(np.random.default_rng(2).normal(size=(7, 4, 5)))  # weights every output

        def loss(fn):
            return lambda p, x: jnp.sum(jnp.tanh(fn(cell, p, x, reverse=reverse, unroll=unroll)) * w)

        _assert_same_value_and_grads(loss(run_layer), loss(run_layer_autodiff), params, x)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("width", [1, SMALL_INPUT + 2])
def test_last_state_only_equals_autodiff(cell, reverse, width):
    """``last_only`` returns the state after the whole sequence, and its gradients are autodiff's."""
    with jax.enable_x64(True):
        params = _float64_params(3, cell, width, 6)
        x = jnp.asarray(np.random.default_rng(4).normal(size=(9, 2, width)))  # (time, batch, D)
        w = jnp.asarray(np.random.default_rng(5).normal(size=(2, 6)))  # weights the final state

        def last(p, x):
            return jnp.sum(jnp.tanh(run_layer(cell, p, x, reverse=reverse, last_only=True)) * w)

        def reference(p, x):
            hs = run_layer_autodiff(cell, p, x, reverse=reverse)  # (time, batch, U)
            return jnp.sum(jnp.tanh(hs[0] if reverse else hs[-1]) * w)

        _assert_same_value_and_grads(last, reference, params, x)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("last_only", [False, True])
@pytest.mark.parametrize("width", [2, SMALL_INPUT + 2])
def test_members_axis_gradients_equal_autodiff(cell, last_only, width):
    """Under ``jax.vmap`` over an ensemble's members (the training epoch's layout: parameters batched,
    the input shared), the hand-written gradients are still autodiff's, member by member."""
    with jax.enable_x64(True):
        members = [_float64_params(10 + m, cell, width, 5) for m in range(3)]
        params = jax.tree.map(lambda *a: jnp.stack(a), *members)  # a leading members axis
        x = jnp.asarray(np.random.default_rng(6).normal(size=(6, 4, width)))  # (time, batch, D), shared
        w = jnp.asarray(np.random.default_rng(7).normal(size=(4, 5) if last_only else (6, 4, 5)))

        def fast(p, x):
            return jnp.sum(jnp.tanh(run_layer(cell, p, x, last_only=last_only)) * w)

        def reference(p, x):
            hs = run_layer_autodiff(cell, p, x)  # (time, batch, U)
            return jnp.sum(jnp.tanh(hs[-1] if last_only else hs) * w)

        def per_member(fn):
            return jax.vmap(jax.value_and_grad(fn, argnums=(0, 1)), in_axes=(0, None))(params, x)

        grads, reference_grads = per_member(fast), per_member(reference)
        for a, b in zip(jax.tree.leaves(grads), jax.tree.leaves(reference_grads)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-10)
