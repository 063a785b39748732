"""LSTM and GRU layers with hand-written backward passes.

Autodiff of a ``lax.scan`` accumulates the recurrent kernel's gradient inside
the backward loop: one small (U, batch) x (batch, gates*U) matmul and a
read-modify-write of a (U, gates*U) accumulator per time step. Here the
backward loop only carries the state gradients; the kernel gradient is one
large matmul over all time steps afterwards, which is what makes training
fast on CPU. ``tests/test_nn_recurrence.py`` checks both passes against plain
autodiff in float64.

What else the measurements on a 2-core CPU taught (DESIGN.md has the numbers):

* The forward loop writes every state it starts from, transposed, into one
  (U, time * batch) buffer, so the kernel gradient ``buffer @ dz`` is a plain
  matmul; contracting (time, batch) of the untransposed states made XLA copy
  both operands into transposed layouts first.
* Inputs at most ``SMALL_INPUT`` wide (a univariate series has one) are
  projected inside the step: a few multiply-adds fused with the gates cost
  less than writing and re-reading a (time, batch, gates * U) array. Wider
  inputs are projected by one matmul over all time steps before the loop.
* A layer whose caller only needs the final state (the last layer of a
  network) neither stores nor differentiates the others (``last_only``).
* The gate activations stay separate (time, batch, U) arrays between the two
  passes: slicing them out of one wide array inside the backward loop was slow.
* An ensemble runs these layers under ``jax.vmap`` (members first). Arrays the
  backward pass reshapes are carried as (time * batch, width) buffers written row
  block by row block, not stacked as scan outputs: a stacked output is
  (time, members, batch, width) under vmap, and reshaping it copied it whole
  (~12 MB per step at LSTM(50), window 96, 5 members). The state is carried as
  it is, (batch, U): the batched matmul of a transposed carry ran ~25% slower.

Both layers take time-major inputs ``x`` (time, batch, D) and start from zero
states; they return every hidden state (time, batch, U), or with
``last_only`` the final one (batch, U).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

SMALL_INPUT = 4  # input widths projected inside the step


def fast_tanh(x: jax.Array) -> jax.Array:
    """tanh as ``2 * sigmoid(2x) - 1``: XLA's CPU tanh is ~3x slower than its logistic.

    Within 4e-7 of ``jnp.tanh`` in float32 (the cancellation near 0 is absolute, not relative),
    and to rounding in float64.
    """
    return 2.0 * jax.nn.sigmoid(2.0 * x) - 1.0


def _projection(x, kernel, bias):
    """What the loop scans over, and how a step turns it into gate pre-activations (batch, gates*U)."""
    if x.shape[-1] <= SMALL_INPUT:

        def project(x_t):  # (batch, D) -> (batch, gates*U)
            out = bias
            for d in range(x_t.shape[-1]):
                out = out + x_t[:, d : d + 1] * kernel[d]
            return out

        return x, project
    return x @ kernel + bias, lambda xp_t: xp_t  # (time, batch, gates*U), projected once


def _store(buf, h, t):
    """Write the state h (batch, U), transposed, into block t of buf (U, time * batch)."""
    return jax.lax.dynamic_update_slice(buf, h.T, (0, t * h.shape[0]))


def _state_grad_matmul(dz, recurrent):
    """dz @ recurrent.T without materializing the transpose (~10% faster on CPU): (batch, U)."""
    return jax.lax.dot_general(dz, recurrent, (((1,), (1,)), ((), ())))


def _store_rows(buf, d_t, t):
    """Write d_t (batch, width) into rows t * batch... of buf (time * batch, width)."""
    return jax.lax.dynamic_update_slice(buf, d_t, (t * d_t.shape[0], 0))


def _input_grads(x, kernel, dxp):
    """Gradients of ``x @ kernel + bias`` from dxp (time * batch, gates*U): dx, d_kernel, d_bias.

    A narrow input's kernel gradient is a weighted sum of dxp's rows per input column: as a
    matmul, an ensemble's input (shared by its members, so not batched) made XLA copy dxp of
    every member into one (time * batch, members * gates * U) array first.
    """
    t, b, d = x.shape
    x2 = x.reshape(t * b, d)
    if d <= SMALL_INPUT:
        d_kernel = jnp.stack([jnp.sum(x2[:, j : j + 1] * dxp, axis=0) for j in range(d)])
    else:
        d_kernel = x2.T @ dxp
    return (dxp @ kernel.T).reshape(t, b, d), d_kernel, jnp.sum(dxp, axis=0)


def _split_cotangent(last_only, d_out):
    """(gradient entering the last step, per-step output gradients or None)."""
    if last_only:
        return d_out, None  # (batch, U)
    return jnp.zeros_like(d_out[0]), d_out  # (batch, U), (time, batch, U)


def _layer(scan, bwd, doc: str):
    """A layer from its scan ``(x, kernel, bias, recurrent, unroll, keep_hs, residuals)`` and backward rule.

    Called as ``layer(x, kernel, bias, recurrent, unroll=1, last_only=False)``; the forward rule
    saves the inputs and the scan's residuals for ``bwd(unroll, last_only, res, d_out)``.
    """

    @partial(jax.custom_vjp, nondiff_argnums=(4, 5))
    def layer(x, kernel, bias, recurrent, unroll: int = 1, last_only: bool = False):
        h_last, hs, _ = scan(x, kernel, bias, recurrent, unroll, not last_only, False)
        return h_last if last_only else hs

    def fwd(x, kernel, bias, recurrent, unroll, last_only):
        h_last, hs, saved = scan(x, kernel, bias, recurrent, unroll, not last_only, True)
        return (h_last if last_only else hs), (x, kernel, recurrent, saved)

    layer.defvjp(fwd, bwd)
    layer.__doc__ = doc
    return layer


# -- LSTM ----------------------------------------------------------------------
def _lstm_scan(x, kernel, bias, recurrent, unroll, keep_hs, residuals):
    steps, batch, _ = x.shape
    units = recurrent.shape[0]
    xs, project = _projection(x, kernel, bias)
    h0 = jnp.zeros((batch, units), x.dtype)  # (batch, U)
    buf = jnp.zeros((units, steps * batch), x.dtype) if residuals else None  # states h_{t-1}, transposed

    def step(carry, inputs):
        h, c, buf = carry  # (batch, U) each
        t, x_t = inputs
        if residuals:
            buf = _store(buf, h, t)
        z = project(x_t) + h @ recurrent  # (batch, 4U)
        i, f, g, o = jnp.split(z, 4, axis=-1)
        i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), fast_tanh(g), jax.nn.sigmoid(o)
        c_new = f * c + i * g
        tc = fast_tanh(c_new)
        h_new = o * tc
        out = (h_new if keep_hs else None, (c, (i, f, g, o), tc) if residuals else None)
        return (h_new, c_new, buf), out

    (h_last, _, buf), (hs, saved) = jax.lax.scan(step, (h0, h0, buf), (jnp.arange(steps), xs), unroll=unroll)
    return h_last, hs, (buf, saved)  # (batch, U), (time, batch, U) or None, residuals


def _lstm_bwd(unroll, last_only, res, d_out):
    x, kernel, recurrent, (buf, (c_prevs, gates, tcs)) = res
    dh_last, dhs = _split_cotangent(last_only, d_out)

    steps, batch, _ = x.shape

    def step(carry, inputs):
        dh, dc_next, dzs = carry
        t, dh_out, cp, (i, f, g, o), tc = inputs
        if dh_out is not None:
            dh = dh + dh_out
        dc = dc_next + dh * o * (1.0 - tc * tc)
        dz = jnp.concatenate(
            [dc * g * i * (1.0 - i), dc * cp * f * (1.0 - f), dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o)],
            axis=-1,
        )  # (batch, 4U)
        return (_state_grad_matmul(dz, recurrent), dc * f, _store_rows(dzs, dz, t)), None

    dzs = jnp.zeros((steps * batch, recurrent.shape[1]), x.dtype)  # (time * batch, 4U)
    carry = (dh_last, jnp.zeros_like(dh_last), dzs)
    inputs = (jnp.arange(steps), dhs, c_prevs, gates, tcs)
    (_, _, dzs), _ = jax.lax.scan(step, carry, inputs, reverse=True, unroll=unroll)
    d_recurrent = buf @ dzs  # (U, 4U): one matmul over all steps
    dx, d_kernel, d_bias = _input_grads(x, kernel, dzs)
    return dx, d_kernel, d_bias, d_recurrent


lstm_layer = _layer(
    _lstm_scan,
    _lstm_bwd,
    "x (time, batch, D), kernel (D, 4U), bias (4U,), recurrent (U, 4U) -> hs (time, batch, U) or h (batch, U).",
)


# -- GRU (reset_after=True) -----------------------------------------------------
def _gru_scan(x, kernel, bias, recurrent, unroll, keep_hs, residuals):
    steps, batch, _ = x.shape
    units = recurrent.shape[0]
    xs, project = _projection(x, kernel, bias[0])
    recurrent_bias = bias[1]  # (3U,)
    h0 = jnp.zeros((batch, units), x.dtype)
    buf = jnp.zeros((units, steps * batch), x.dtype) if residuals else None

    def step(carry, inputs):
        h, buf = carry  # the state (batch, U)
        t, x_t = inputs
        if residuals:
            buf = _store(buf, h, t)
        x_z, x_r, x_h = jnp.split(project(x_t), 3, axis=-1)
        r_z, r_r, r_h = jnp.split(h @ recurrent + recurrent_bias, 3, axis=-1)
        z = jax.nn.sigmoid(x_z + r_z)
        r = jax.nn.sigmoid(x_r + r_r)
        n = fast_tanh(x_h + r * r_h)
        h_new = z * h + (1.0 - z) * n
        out = (h_new if keep_hs else None, (h, z, r, n, r_h) if residuals else None)
        return (h_new, buf), out

    (h_last, buf), (hs, saved) = jax.lax.scan(step, (h0, buf), (jnp.arange(steps), xs), unroll=unroll)
    return h_last, hs, (buf, saved)


def _gru_bwd(unroll, last_only, res, d_out):
    x, kernel, recurrent, (buf, acts) = res
    dh_last, dhs = _split_cotangent(last_only, d_out)

    steps, batch, _ = x.shape

    def step(carry, inputs):
        dh, dxs, drecs = carry
        t, dh_out, (hp, z, r, n, r_h) = inputs
        if dh_out is not None:
            dh = dh + dh_out
        dn = dh * (1.0 - z) * (1.0 - n * n)
        dz = dh * (hp - n) * z * (1.0 - z)
        dr = dn * r_h * r * (1.0 - r)
        d_rec = jnp.concatenate([dz, dr, dn * r], axis=-1)  # gradient of h @ recurrent + bias: (batch, 3U)
        d_x = jnp.concatenate([dz, dr, dn], axis=-1)  # gradient of the projected input: (batch, 3U)
        dh = dh * z + _state_grad_matmul(d_rec, recurrent)
        return (dh, _store_rows(dxs, d_x, t), _store_rows(drecs, d_rec, t)), None

    zeros = jnp.zeros((steps * batch, recurrent.shape[1]), x.dtype)  # (time * batch, 3U)
    inputs = (jnp.arange(steps), dhs, acts)
    (_, dxs, drecs), _ = jax.lax.scan(step, (dh_last, zeros, zeros), inputs, reverse=True, unroll=unroll)
    d_recurrent = buf @ drecs  # (U, 3U)
    dx, d_kernel, d_input_bias = _input_grads(x, kernel, dxs)
    return dx, d_kernel, jnp.stack([d_input_bias, jnp.sum(drecs, axis=0)]), d_recurrent


gru_layer = _layer(
    _gru_scan,
    _gru_bwd,
    "x (time, batch, D), kernel (D, 3U), bias (2, 3U), recurrent (U, 3U) -> hs (time, batch, U) or h (batch, U).",
)
