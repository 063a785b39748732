"""The compiled programs: one training epoch, forecasts of many windows (direct or recursive), and draws.

An epoch is one XLA program: the shuffle, the gathering of every minibatch's
windows from the series by index, the forward and backward passes and the
optimizer update all happen inside one ``lax.scan``. Windows are never
materialized: a window starting at ``s`` reads ``inputs[s : s + window]``, its
targets are ``inputs[s + window : s + window + horizon, :targets]`` and the
covariates known in advance over its horizon the same rows' last ``n_future``
columns.

Compile once per shape class: the series' rows and the number of windows are
padded up to powers of two (:func:`bucket`) and the real count travels as a
value, so a series one row longer, another backtest fold or a new history
reuses the compiled program. Steps past the real windows are skipped by a
``lax.cond``. Only the network, the loss and the settings in
``TrainConfig.program_key()`` select a program; the learning rate and the other
optimizer settings are values in the optimizer state.

With ``devices=`` above one the epoch is the same program with each step's batch split
over the devices (:mod:`lstmcast.train.sharding`); with one device it is unchanged.

Quantile and distribution heads add two draw programs: ancestral sample paths of a
one-step model (:func:`sample_paths`, every path of a chunk of windows in one network
batch, one ``lax.scan`` over the steps) and independent per-step draws of a direct one
(:func:`sample_windows`). A point loss compiles exactly the programs it did before.

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
import numpy as np
import optax
from jax.sharding import Mesh

from lstmcast.nn.network import NetworkSpec, apply
from lstmcast.nn.scaling import denormalize, normalize_window
from lstmcast.train.config import TrainConfig
from lstmcast.train.losses import Loss
from lstmcast.train.optimizers import build_optimizer, with_learning_rate
from lstmcast.train.sharding import padded_batch, replicated, split_batch

EVAL_CHUNK = 4096  # windows per step when evaluating or predicting
MIN_BUCKET = 8


def bucket(n: int) -> int:
    """The padded size for ``n`` items: the next power of two (at least MIN_BUCKET).

    >>> [bucket(n) for n in (1, 8, 9, 790, 1024, 1025)]
    [8, 8, 16, 1024, 1024, 2048]
    """
    return max(MIN_BUCKET, 1 << max(int(n) - 1, 0).bit_length())


def pad_rows(values: np.ndarray, rows: int) -> np.ndarray:
    """values (n, columns) float32, zero rows appended up to ``rows`` (never read by a valid window)."""
    values = np.asarray(values, np.float32)
    return np.concatenate([values, np.zeros((rows - len(values), values.shape[1]), np.float32)])


def pad_starts(starts: np.ndarray) -> np.ndarray:
    starts = np.asarray(starts, np.int32)
    return np.concatenate([starts, np.zeros(bucket(len(starts)) - len(starts), np.int32)])


def gather(inputs, starts, spec: NetworkSpec):
    """Windows by index: inputs (time, n_inputs), starts (batch,) ->
    x (batch, window, n_inputs), y (batch, horizon, n_targets), future (batch, horizon, n_future) or None.
    """
    x = inputs[starts[:, None] + jnp.arange(spec.window)]  # (batch, window, n_inputs)
    after = inputs[starts[:, None] + spec.window + jnp.arange(spec.horizon)]  # (batch, horizon, n_inputs)
    future = after[:, :, spec.n_inputs - spec.n_future :] if spec.n_future else None
    return x, after[:, :, : spec.n_targets], future


def forward(params, spec: NetworkSpec, x, future, key=None):
    """The network on scale-free windows: outputs in window units (batch, H, targets, outputs), and
    (loc, scale) (batch, 1, targets) that map them back to model space (nn/scaling.py)."""
    smoothing = params.get("smoothing")  # normalize="es": the learned coefficients (nn/holt_winters.py)
    xn, loc, scale = normalize_window(x, spec.n_targets, spec.normalize, spec.season, spec.horizon, smoothing)
    return apply(params, spec, xn, future=future, key=key), loc, scale


def score(loss: Loss, spec: NetworkSpec, out, y, loc, scale):
    """Per-window loss (batch,) of outputs in window units against targets y (batch, H, targets) in model space:
    scored in window units, or in model space for a loss that says so (counts: ``loss.model_space``)."""
    if getattr(loss, "model_space", False):
        return loss.per_window(denormalize(out, loc, scale, spec.head), y)
    return loss.per_window(out, (y - loc) / scale)


def over_members(fn, members: int, n_args: int, batched: int = 1):
    """``fn`` mapped over an ensemble's leading axis of its first ``batched`` arguments (members > 1)."""
    if members == 1:
        return fn
    return jax.vmap(fn, in_axes=(0,) * batched + (None,) * (n_args - batched))


@dataclass(frozen=True)
class Programs:
    """The jitted functions of one (network, loss, program key, windows bucket, ensemble size).

    With an ensemble of ``members`` models, params, opt_state and key carry a leading members
    axis and every member trains inside the same compiled epoch (``jax.vmap``).
    """

    optimizer: optax.GradientTransformation
    init_optimizer: Callable  # params -> opt_state, compiled
    # (params, opt_state, key, inputs, starts, n_windows, step0, hp) -> (params, opt_state, mean loss)
    epoch: Callable


def epoch_arrays(inputs, starts, spec: NetworkSpec):
    """Device arrays an epoch reads: (inputs padded to its bucket, starts padded to theirs, the real count)."""
    rows = bucket(len(inputs) + spec.horizon)
    return jnp.asarray(pad_rows(inputs, rows)), jnp.asarray(pad_starts(starts)), jnp.int32(len(starts))


def training_programs(
    spec: NetworkSpec, loss: Loss, cfg: TrainConfig, n_windows: int, members: int = 1, mesh: Mesh | None = None
) -> Programs:
    """The compiled epoch for ``n_windows`` training windows (shared by every count in the same bucket).

    With a ``mesh`` (:func:`lstmcast.train.sharding.training_mesh`) each step's batch is split over
    its devices, and the epoch takes and returns arrays replicated on them.
    """
    return _training_programs(spec, loss, cfg.program_key(), bucket(n_windows), members, mesh)


@lru_cache(maxsize=32)
def _training_programs(
    spec: NetworkSpec, loss: Loss, key: tuple, n_bucket: int, members: int, mesh: Mesh | None = None
) -> Programs:
    optimizer_kind, _, batch_size, steps_per_epoch, shuffle, clip = key
    bs = min(batch_size, n_bucket)
    width = padded_batch(bs, mesh)  # the step's batch, masked windows added to split it evenly over the devices
    max_batches = -(-n_bucket // bs)
    if steps_per_epoch is not None:  # a sample of the shuffled windows each epoch, for huge series
        max_batches = min(max_batches, steps_per_epoch)
    optimizer = build_optimizer(optimizer_kind, clip)
    # steps_per_epoch covering under a quarter of the windows: sample them instead of shuffling all
    sampled = shuffle and steps_per_epoch is not None and 4 * max_batches * bs <= n_bucket

    def batch_loss(params, x, y, future, weights, key):
        out, loc, scale = forward(params, spec, x, future, key if spec.dropout else None)  # (batch, H, k, outs)
        return jnp.sum(score(loss, spec, out, y, loc, scale) * weights)  # scored in window units (counts: model space)

    grad_fn = jax.value_and_grad(batch_loss)
    everywhere = replicated(mesh) if mesh is not None else None
    if mesh is not None:  # data parallel: the loss of each device's share of (idx, w), summed over the devices

        def window_sum(params, inputs, starts, idx, w, key):
            x, y, future = gather(inputs, starts[idx], spec)  # this device's windows (batch / devices, ...)
            return batch_loss(params, x, y, future, w, key)

        sharded_grad_fn = jax.value_and_grad(split_batch(window_sum, mesh))  # grads all-reduced by JAX

    def epoch(params, opt_state, key, inputs, starts, n_windows, step0, hp):
        shuffle_key, dropout_key = jax.random.split(key)
        if sampled:  # a few steps over a huge series: draw the windows (with replacement), no full shuffle
            order = jax.random.randint(shuffle_key, (max_batches * bs,), 0, n_windows)
        elif shuffle:  # the real windows first, in random order
            real = jnp.arange(n_bucket) < n_windows
            order = jnp.argsort(jnp.where(real, jax.random.uniform(shuffle_key, (n_bucket,)), 2.0))
        else:
            order = jnp.arange(n_bucket)
        pad = max(max_batches * bs - n_bucket, 0)
        order = jnp.concatenate([order, jnp.zeros((pad,), order.dtype)])[: max_batches * bs]
        n_batches = jnp.minimum((n_windows + bs - 1) // bs, max_batches)
        used = jnp.minimum(n_batches * bs, n_windows)  # windows seen this epoch
        valid = (jnp.arange(max_batches * bs) < used).reshape(max_batches, bs)
        # each batch averages over its own real windows, as Keras does with a short last batch
        weights = valid / jnp.maximum(jnp.sum(valid, axis=1, keepdims=True), 1)  # (max_batches, bs)
        batches = order.reshape(max_batches, bs)
        if width > bs:  # weight-0 windows (index 0) fill each batch up to a multiple of the devices
            batches = jnp.pad(batches, ((0, 0), (0, width - bs)))  # (max_batches, width)
            weights = jnp.pad(weights, ((0, 0), (0, width - bs)))

        def step(carry, batch):
            idx, w, i = batch
            if mesh is not None:  # the weights stay whole on every device; only the network's windows are split
                w = jax.lax.with_sharding_constraint(w, everywhere)

            def update(carry):
                params, opt_state, total = carry
                if mesh is None:
                    x, y, future = gather(inputs, starts[idx], spec)
                    loss_value, grads = grad_fn(params, x, y, future, w, jax.random.fold_in(dropout_key, i))
                else:
                    step_key = jax.random.fold_in(dropout_key, i)
                    loss_value, grads = sharded_grad_fn(params, inputs, starts, idx, w, step_key)
                opt_state = with_learning_rate(opt_state, hp, step0 + i)
                updates, opt_state = optimizer.update(grads, opt_state, params)
                params = optax.apply_updates(params, updates)
                return params, opt_state, total + loss_value * jnp.sum(w > 0)

            return jax.lax.cond(i < n_batches, update, lambda c: c, carry), None

        (params, opt_state, total), _ = jax.lax.scan(
            step,
            (params, opt_state, jnp.float32(0)),
            (batches, weights, jnp.arange(max_batches)),
        )
        return params, opt_state, total / used  # mean loss over the epoch's windows

    if mesh is None:
        epoch_program = jax.jit(over_members(epoch, members, 8, batched=3))
    else:  # every argument and result replicated on the mesh's devices
        epoch_program = jax.jit(
            over_members(epoch, members, 8, batched=3), in_shardings=everywhere, out_shardings=everywhere
        )
    return Programs(
        optimizer=optimizer,
        init_optimizer=jax.jit(over_members(optimizer.init, members, 1)),
        epoch=epoch_program,
    )


def _chunks(n: int) -> tuple[int, int]:
    """(n_chunks, chunk) covering bucket(n) windows, chunks of at most EVAL_CHUNK."""
    padded = bucket(n)
    chunk = min(EVAL_CHUNK, padded)
    return padded // chunk, chunk


@lru_cache(maxsize=32)
def _direct_program(spec: NetworkSpec, n_chunks: int, chunk: int, members: int):
    def predict(params, inputs, starts):
        def one(idx):
            x, _, future = gather(inputs, idx, spec)
            return denormalize(*forward(params, spec, x, future), spec.head)  # (chunk, horizon, targets, outputs)

        out = jax.lax.map(one, starts.reshape(n_chunks, chunk))
        return out.reshape(n_chunks * chunk, *out.shape[2:])

    return jax.jit(over_members(predict, members, 3))


def _prepare(inputs, starts, extra_rows: int):
    """Pad rows and starts to their buckets: (inputs, starts, n) ready for a compiled program."""
    n = int(len(starts))
    inputs = np.asarray(inputs, np.float32)
    return jnp.asarray(pad_rows(inputs, bucket(len(inputs) + extra_rows))), jnp.asarray(pad_starts(starts)), n


def members_of(params) -> int:
    """Ensemble size of a parameter pytree: its leading axis when stacked (head kernel 3-D), else 1."""
    kernel = params["head"]["kernel"]
    return int(kernel.shape[0]) if kernel.ndim == 3 else 1


def predict_windows(params, spec: NetworkSpec, inputs, starts) -> jax.Array:
    """Network outputs in model space for the windows at ``starts``: (members, n, horizon, targets, outputs).

    inputs: (rows, n_inputs) model space; rows after a window's end are read only for the
    covariates known in advance (``spec.n_future``). Computed in chunks of at most
    EVAL_CHUNK windows so memory stays bounded. A single model has one member.
    """
    inputs, starts_d, n = _prepare(inputs, starts, spec.horizon)
    members = members_of(params)
    out = _direct_program(spec, *_chunks(n), members)(params, inputs, starts_d)
    return out[:, :n] if members > 1 else out[None, :n]


@lru_cache(maxsize=32)
def _recursive_program(spec: NetworkSpec, loss: Loss, horizon: int, n_chunks: int, chunk: int, members: int):
    k, n_in = spec.n_targets, spec.n_inputs

    def predict(params, inputs, starts):
        def one(idx):  # idx (chunk,)
            windows = inputs[idx[:, None] + jnp.arange(spec.window)]  # (chunk, window, n_inputs)
            after = inputs[idx[:, None] + spec.window + jnp.arange(horizon)]  # (chunk, horizon, n_inputs)

            def step(windows, h):
                row = after[:, h]  # (chunk, n_inputs): covariates known in advance at the forecast step
                future = row[:, None, n_in - spec.n_future :] if spec.n_future else None
                z = loss.point(denormalize(*forward(params, spec, windows, future), spec.head))[:, 0]  # (chunk, k)
                new = jnp.concatenate([z, row[:, k:]], axis=-1)[:, None]  # (chunk, 1, n_inputs)
                return jnp.concatenate([windows[:, 1:], new], axis=1), z

            _, zs = jax.lax.scan(step, windows, jnp.arange(horizon))  # (horizon, chunk, targets)
            return jnp.swapaxes(zs, 0, 1)

        out = jax.lax.map(one, starts.reshape(n_chunks, chunk))  # (n_chunks, chunk, horizon, targets)
        return out.reshape(n_chunks * chunk, horizon, k)

    return jax.jit(over_members(predict, members, 3))


def predict_recursive(params, spec: NetworkSpec, loss: Loss, inputs, starts, horizon: int) -> jax.Array:
    """One-step forecasts fed back ``horizon`` times, in one compiled ``lax.scan``: (members, n, horizon, targets).

    inputs: (rows, n_inputs) model space, holding for each forecast step the covariates known in
    advance (the target columns of rows after the origin are never read).
    """
    inputs, starts_d, n = _prepare(inputs, starts, horizon)
    members = members_of(params)
    out = _recursive_program(spec, loss, horizon, *_chunks(n), members)(params, inputs, starts_d)
    return out[:, :n] if members > 1 else out[None, :n]


@lru_cache(maxsize=32)
def _loss_program(spec: NetworkSpec, loss: Loss, n_chunks: int, chunk: int, members: int):
    def losses(params, inputs, starts):
        def one(idx):
            x, y, future = gather(inputs, idx, spec)
            out, loc, scale = forward(params, spec, x, future)
            return score(loss, spec, out, y, loc, scale)  # (chunk,): as in training

        return jax.lax.map(one, starts.reshape(n_chunks, chunk)).reshape(-1)

    return jax.jit(over_members(losses, members, 3))


def window_loss(params, spec: NetworkSpec, loss: Loss, inputs, starts) -> float:
    """Mean loss over the windows starting at ``starts`` (no training; averaged over an ensemble's members)."""
    inputs, starts_d, n = _prepare(inputs, starts, spec.horizon)
    per_window = _loss_program(spec, loss, *_chunks(n), members_of(params))(params, inputs, starts_d)
    return float(jnp.mean(per_window[..., :n]))


# -- draws: sample paths (recursive) and per-step draws (direct) ---------------------------------
# Each window draws from its own key, fold_in(fold_in(key, member), start row): a window's draws
# do not depend on which other windows share the call, their order, chunking or padding.


def _sample_chunks(n: int, samples: int) -> tuple[int, int]:
    """(n_chunks, chunk) covering bucket(n) windows, with chunk * samples at most about EVAL_CHUNK rows."""
    padded = bucket(n)
    chunk = min(padded, 1 << (max(EVAL_CHUNK // samples, 1).bit_length() - 1))  # a power of two
    return padded // chunk, chunk


def _members_arg(members: int):
    """The member numbers the programs fold into the key: 0 for one model, (members,) for an ensemble."""
    return jnp.arange(members, dtype=jnp.int32) if members > 1 else jnp.int32(0)


@lru_cache(maxsize=32)
def _paths_program(spec: NetworkSpec, loss: Loss, horizon: int, samples: int, n_chunks: int, chunk: int, members: int):
    k, n_in, rows = spec.n_targets, spec.n_inputs, chunk * samples

    def paths(params, member, key, inputs, starts):
        key = jax.random.fold_in(key, member)

        def one(idx):  # idx (chunk,)
            keys = jax.vmap(lambda s: jax.random.fold_in(key, s))(idx)  # one key per window
            windows = inputs[idx[:, None] + jnp.arange(spec.window)]  # (chunk, window, n_inputs)
            after = inputs[idx[:, None] + spec.window + jnp.arange(horizon)]  # (chunk, horizon, n_inputs)
            windows = jnp.repeat(windows, samples, axis=0)  # (chunk * samples, window, n_inputs): one per path

            def step(windows, h):
                row = jnp.repeat(after[:, h], samples, axis=0)  # (chunk * samples, n_inputs)
                future = row[:, None, n_in - spec.n_future :] if spec.n_future else None
                out = denormalize(*forward(params, spec, windows, future), spec.head)  # (rows, 1, k, outputs)
                out = out.reshape(chunk, samples, k, spec.n_outputs)
                z = jax.vmap(lambda o, kw: loss.draw(o, jax.random.fold_in(kw, h)))(out, keys)  # (chunk, samples, k)
                new = jnp.concatenate([z.reshape(rows, k), row[:, k:]], axis=-1)[:, None]  # (rows, 1, n_inputs)
                return jnp.concatenate([windows[:, 1:], new], axis=1), z  # each path reads its own draws

            _, zs = jax.lax.scan(step, windows, jnp.arange(horizon))  # (horizon, chunk, samples, k)
            return jnp.moveaxis(zs, 0, 2)  # (chunk, samples, horizon, k)

        out = jax.lax.map(one, starts.reshape(n_chunks, chunk))  # (n_chunks, chunk, samples, horizon, k)
        return out.reshape(n_chunks * chunk, samples, horizon, k)

    return jax.jit(over_members(paths, members, 5, batched=2))


def sample_paths(params, spec: NetworkSpec, loss: Loss, inputs, starts, horizon: int, key, samples: int) -> jax.Array:
    """Ancestral sample paths of a one-step model, (members, n, samples, horizon, targets) in model space.

    Each path feeds its own draw back as the newest input (DeepAR's sampling), inside one compiled
    ``lax.scan`` over the steps with every path of a chunk of windows in one network batch.
    inputs and starts as in :func:`predict_recursive`; ``key`` fixes every draw.
    """
    inputs, starts_d, n = _prepare(inputs, starts, horizon)
    members = members_of(params)
    program = _paths_program(spec, loss, horizon, samples, *_sample_chunks(n, samples), members)
    out = program(params, _members_arg(members), key, inputs, starts_d)
    return out[:, :n] if members > 1 else out[None, :n]


@lru_cache(maxsize=32)
def _draws_program(spec: NetworkSpec, loss: Loss, samples: int, n_chunks: int, chunk: int, members: int):
    def draws(params, member, key, inputs, starts):
        key = jax.random.fold_in(key, member)

        def one(idx):
            x, _, future = gather(inputs, idx, spec)
            out = denormalize(*forward(params, spec, x, future), spec.head)  # (chunk, horizon, targets, outputs)
            return jax.vmap(lambda o, s: loss.sample(o, jax.random.fold_in(key, s), samples))(out, idx)

        out = jax.lax.map(one, starts.reshape(n_chunks, chunk))  # (n_chunks, chunk, samples, horizon, targets)
        return out.reshape(n_chunks * chunk, *out.shape[2:])

    return jax.jit(over_members(draws, members, 5, batched=2))


def sample_windows(params, spec: NetworkSpec, loss: Loss, inputs, starts, key, samples: int) -> jax.Array:
    """Draws from each step's forecast distribution, each step independently:
    (members, n, samples, spec.horizon, targets) in model space (inputs and starts as in predict_windows)."""
    inputs, starts_d, n = _prepare(inputs, starts, spec.horizon)
    members = members_of(params)
    program = _draws_program(spec, loss, samples, *_sample_chunks(n, samples), members)
    out = program(params, _members_arg(members), key, inputs, starts_d)
    return out[:, :n] if members > 1 else out[None, :n]
