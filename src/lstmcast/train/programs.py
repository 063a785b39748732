"""The compiled programs of training: one epoch, and the loss/predictions over windows.

An epoch is one XLA program: the shuffle, the gathering of every minibatch's
windows from the series by index, the forward and backward passes and the
optimizer update all happen inside one ``lax.scan``. Windows are never
materialized: a window starting at ``s`` is ``inputs[s : s + window]`` with
target ``targets[s + window : s + window + horizon]``.

Parameters stay a pytree of the layers' arrays. (Raveling them into one flat
vector looked attractive for the optimizer update but made each step 15-30x
slower on CPU: the unravel's slices and the gradient's concatenation dominate.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import optax

from lstmcast.nn.network import NetworkSpec, apply
from lstmcast.train.config import TrainConfig
from lstmcast.train.losses import per_window_loss
from lstmcast.train.optimizers import build_optimizer

EVAL_CHUNK = 4096  # windows per step when evaluating or predicting


def gather_windows(inputs, targets, starts, window: int, horizon: int):
    """Windows by index.

    inputs (time, n_inputs), targets (time, n_targets), starts (batch,) ->
    x (batch, window, n_inputs), y (batch, horizon, n_targets)
    """
    x = inputs[starts[:, None] + jnp.arange(window)]  # (batch, window, n_inputs)
    y = targets[starts[:, None] + window + jnp.arange(horizon)]  # (batch, horizon, n_targets)
    return x, y


@dataclass(frozen=True)
class Programs:
    """The jitted functions for one (network, training config, windows per epoch)."""

    optimizer: optax.GradientTransformation
    init_optimizer: Callable  # params -> opt_state, compiled
    epoch: Callable  # (params, opt_state, key, inputs, targets, starts) -> (params, opt_state, loss)


@lru_cache(maxsize=32)
def training_programs(spec: NetworkSpec, cfg: TrainConfig, n_windows: int) -> Programs:
    """Build (once per process and configuration) the compiled epoch."""
    bs = min(cfg.batch_size, n_windows)
    n_batches = -(-n_windows // bs)
    if cfg.steps_per_epoch is not None:  # a sample of the shuffled windows each epoch, for huge series
        n_batches = min(n_batches, cfg.steps_per_epoch)
    used = min(n_batches * bs, n_windows)  # windows seen per epoch
    optimizer = build_optimizer(cfg, total_steps=n_batches * cfg.epochs)
    use_dropout = spec.dropout > 0 and len(spec.units) > 1

    def batch_loss(params, x, y, weights, key):
        pred = apply(params, spec, x, key=key if use_dropout else None)  # (batch, horizon, targets)
        return jnp.sum(per_window_loss(cfg.loss, pred, y) * weights)

    grad_fn = jax.value_and_grad(batch_loss)

    def epoch(params, opt_state, key, inputs, targets, starts):
        shuffle_key, dropout_key = jax.random.split(key)
        order = jax.random.permutation(shuffle_key, n_windows) if cfg.shuffle else jnp.arange(n_windows)
        order = order[:used]
        pad = n_batches * bs - used
        order = jnp.concatenate([order, jnp.zeros((pad,), order.dtype)]).reshape(n_batches, bs)
        valid = (jnp.arange(n_batches * bs) < used).reshape(n_batches, bs)
        # each batch averages over its own real windows, as Keras does with a short last batch
        weights = valid / jnp.sum(valid, axis=1, keepdims=True)  # (n_batches, bs)

        def step(carry, batch):
            params, opt_state, total = carry
            idx, w, i = batch
            x, y = gather_windows(inputs, targets, starts[idx], spec.window, spec.horizon)
            loss, grads = grad_fn(params, x, y, w, jax.random.fold_in(dropout_key, i))
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            return (params, opt_state, total + loss * jnp.sum(w > 0)), None

        (params, opt_state, total), _ = jax.lax.scan(
            step, (params, opt_state, jnp.float32(0)), (order, weights, jnp.arange(n_batches))
        )
        return params, opt_state, total / used  # mean loss over the epoch's windows

    return Programs(optimizer=optimizer, init_optimizer=jax.jit(optimizer.init), epoch=jax.jit(epoch))


@lru_cache(maxsize=32)
def _predict_program(spec: NetworkSpec, n_chunks: int, chunk: int):
    def predict(params, inputs, starts):
        padded = jnp.concatenate([starts, jnp.zeros((n_chunks * chunk - starts.shape[0],), starts.dtype)])

        def one(idx):
            x = inputs[idx[:, None] + jnp.arange(spec.window)]  # (chunk, window, n_inputs)
            return apply(params, spec, x)

        out = jax.lax.map(one, padded.reshape(n_chunks, chunk))  # (n_chunks, chunk, horizon, targets)
        return out.reshape(n_chunks * chunk, spec.horizon, spec.n_targets)[: starts.shape[0]]

    return jax.jit(predict)


def predict_windows(params, spec: NetworkSpec, inputs, starts) -> jax.Array:
    """Forecasts for the windows starting at ``starts``: (n, horizon, targets).

    Computed in chunks of at most EVAL_CHUNK windows so memory stays bounded.
    """
    n = int(starts.shape[0])
    chunk = min(EVAL_CHUNK, max(n, 1))
    n_chunks = max(-(-n // chunk), 1)
    return _predict_program(spec, n_chunks, chunk)(params, jnp.asarray(inputs), jnp.asarray(starts, jnp.int32))


def window_loss(params, spec: NetworkSpec, loss: str, inputs, targets, starts) -> float:
    """Mean loss over the windows starting at ``starts`` (no training)."""
    pred = predict_windows(params, spec, inputs, starts)  # (n, horizon, targets)
    starts = jnp.asarray(starts, jnp.int32)
    y = jnp.asarray(targets)[starts[:, None] + spec.window + jnp.arange(spec.horizon)]  # (n, horizon, targets)
    return float(jnp.mean(per_window_loss(loss, pred, y)))
