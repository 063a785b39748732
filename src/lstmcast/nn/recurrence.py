"""LSTM and GRU recurrences with hand-written backward passes.

Autodiff of a ``lax.scan`` accumulates the recurrent kernel's gradient inside
the backward loop: one small (U, batch) x (batch, gates*U) matmul and a
read-modify-write of a (U, gates*U) accumulator per time step. Here the
backward loop only carries the state gradients; the kernel gradient is one
large matmul over all time steps afterwards, which is what makes training
fast on CPU. ``tests/test_nn_recurrence.py`` checks both passes against plain
autodiff in float64.

Both take the projected inputs ``xp`` (time, batch, gates * U) -- input bias
included -- and return every hidden state (time, batch, U), starting from zeros.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp


def fast_tanh(x: jax.Array) -> jax.Array:
    """tanh as ``2 * sigmoid(2x) - 1``: XLA's CPU tanh is ~3x slower than its logistic.

    Within 4e-7 of ``jnp.tanh`` in float32 (the cancellation near 0 is absolute, not relative),
    and to rounding in float64.
    """
    return 2.0 * jax.nn.sigmoid(2.0 * x) - 1.0


def _shift(hs: jax.Array) -> jax.Array:
    """States before each step: (time, batch, U) -> zeros, h_0, ..., h_{T-2}."""
    return jnp.concatenate([jnp.zeros_like(hs[:1]), hs[:-1]], axis=0)


# -- LSTM ----------------------------------------------------------------------
def _lstm_forward(xp, recurrent, unroll):
    units = recurrent.shape[0]
    h0 = jnp.zeros((xp.shape[1], units), xp.dtype)  # (batch, U)

    def step(carry, x_t):  # x_t: (batch, 4U)
        h, c = carry
        z = x_t + h @ recurrent
        i, f, g, o = jnp.split(z, 4, axis=-1)
        i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), fast_tanh(g), jax.nn.sigmoid(o)
        c = f * c + i * g
        tc = fast_tanh(c)
        h = o * tc
        return (h, c), (h, c, (i, f, g, o), tc)

    # gates stay four (time, batch, U) arrays: slicing them out of one (time, batch, 4U) array
    # in the backward loop made that loop ~2x slower on CPU
    _, (hs, cs, gates, tcs) = jax.lax.scan(step, (h0, h0), xp, unroll=unroll)
    return hs, cs, gates, tcs  # (time, batch, U) x 2, 4 x (time, batch, U), (time, batch, U): tanh(c)


@partial(jax.custom_vjp, nondiff_argnums=(2,))
def lstm_recurrence(xp: jax.Array, recurrent: jax.Array, unroll: int = 1) -> jax.Array:
    """xp (time, batch, 4U), recurrent (U, 4U) -> hidden states (time, batch, U)."""
    return _lstm_forward(xp, recurrent, unroll)[0]


def _lstm_fwd(xp, recurrent, unroll):
    hs, cs, gates, tcs = _lstm_forward(xp, recurrent, unroll)
    return hs, (hs, cs, gates, tcs, recurrent)


def _lstm_bwd(unroll, res, dhs):
    hs, cs, gates, tcs, recurrent = res
    c_prev = _shift(cs)
    rec_t = recurrent.T  # (4U, U)

    def step(carry, inputs):
        dh_next, dc_next = carry
        dh_out, tc, cp, (i, f, g, o) = inputs
        dh = dh_out + dh_next
        dc = dc_next + dh * o * (1.0 - tc * tc)
        dz = jnp.concatenate(
            [dc * g * i * (1.0 - i), dc * cp * f * (1.0 - f), dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o)],
            axis=-1,
        )  # (batch, 4U)
        return (dz @ rec_t, dc * f), dz

    zeros = jnp.zeros_like(hs[0])
    _, dzs = jax.lax.scan(step, (zeros, zeros), (dhs, tcs, c_prev, gates), reverse=True, unroll=unroll)
    d_recurrent = jnp.einsum("tbu,tbg->ug", _shift(hs), dzs)  # one matmul over all steps
    return dzs, d_recurrent


lstm_recurrence.defvjp(_lstm_fwd, _lstm_bwd)


# -- GRU (reset_after=True) -----------------------------------------------------
def _gru_forward(xp, recurrent, recurrent_bias, unroll):
    units = recurrent.shape[0]
    h0 = jnp.zeros((xp.shape[1], units), xp.dtype)

    def step(h, x_t):  # x_t: (batch, 3U)
        x_z, x_r, x_h = jnp.split(x_t, 3, axis=-1)
        r_z, r_r, r_h = jnp.split(h @ recurrent + recurrent_bias, 3, axis=-1)
        z = jax.nn.sigmoid(x_z + r_z)
        r = jax.nn.sigmoid(x_r + r_r)
        n = fast_tanh(x_h + r * r_h)
        h_new = z * h + (1.0 - z) * n
        return h_new, (h_new, (z, r, n, r_h))

    _, (hs, acts) = jax.lax.scan(step, h0, xp, unroll=unroll)
    return hs, acts  # (time, batch, U), 4 x (time, batch, U) (kept apart, as for the LSTM)


@partial(jax.custom_vjp, nondiff_argnums=(3,))
def gru_recurrence(xp: jax.Array, recurrent: jax.Array, recurrent_bias: jax.Array, unroll: int = 1) -> jax.Array:
    """xp (time, batch, 3U), recurrent (U, 3U), recurrent_bias (3U,) -> hidden states (time, batch, U)."""
    return _gru_forward(xp, recurrent, recurrent_bias, unroll)[0]


def _gru_fwd(xp, recurrent, recurrent_bias, unroll):
    hs, acts = _gru_forward(xp, recurrent, recurrent_bias, unroll)
    return hs, (hs, acts, recurrent)


def _gru_bwd(unroll, res, dhs):
    hs, acts, recurrent = res
    h_prev = _shift(hs)
    rec_t = recurrent.T  # (3U, U)

    def step(dh_next, inputs):
        dh_out, hp, (z, r, n, r_h) = inputs
        dh = dh_out + dh_next
        dn = dh * (1.0 - z) * (1.0 - n * n)
        dz = dh * (hp - n) * z * (1.0 - z)
        dr = dn * r_h * r * (1.0 - r)
        d_rec = jnp.concatenate([dz, dr, dn * r], axis=-1)  # gradient of h @ recurrent + bias: (batch, 3U)
        d_x = jnp.concatenate([dz, dr, dn], axis=-1)  # gradient of the projected input: (batch, 3U)
        return dh * z + d_rec @ rec_t, (d_x, d_rec)

    _, (dxs, drecs) = jax.lax.scan(step, jnp.zeros_like(hs[0]), (dhs, h_prev, acts), reverse=True, unroll=unroll)
    d_recurrent = jnp.einsum("tbu,tbg->ug", h_prev, drecs)
    return dxs, d_recurrent, jnp.sum(drecs, axis=(0, 1))


gru_recurrence.defvjp(_gru_fwd, _gru_bwd)
