"""Training on series sharded over processes: each shard holds its own rows and windows, never the others'.

The global batch of every step is the union of one local batch per shard: ``b = ceil(batch_size / P)``
windows drawn from each shard's own windows (its own shuffle, keyed by the epoch and the
shard's number). A window's weight is ``1 / (the step's real windows over every shard)``, so
the step's loss is the mean over the global batch, as one device computes it; a shard with
fewer windows steps on with weight-0 windows (every shard runs the same number of steps:
the most any shard needs, capped by ``steps_per_epoch``). Each shard sums its weighted
losses; the gradient is that sum's gradient added over the shards (``psum``: the all-reduce
of :mod:`lstmcast.train.sharding`), and every process applies the same update.

With ``steps_per_epoch`` capping an epoch well below its windows, each shard instead draws its ``b``
windows a step at random, whatever its size: with shards of equal size (files of equal series counts)
a window's chance is the one-process chance; a smaller shard's windows are drawn more often.

With a :class:`lstmcast.train.agree.Group` of several shards in one process, the same program
runs on one device with every shard's batch side by side (rows of shard ``s`` offset by
``s * rows``): the same global batches, the reference a distributed run matches up to the
order of float additions. Dropout masks: the same distribution, not the same bits.
"""

from __future__ import annotations

import time
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
import optax

from lstmcast.errors import TrainingDivergedError
from lstmcast.nn.network import NetworkSpec
from lstmcast.resources import check_schedule
from lstmcast.train.agree import Group
from lstmcast.train.config import TrainConfig
from lstmcast.train.history import History
from lstmcast.train.losses import Loss
from lstmcast.train.optimizers import (
    build_optimizer,
    python_learning_rate,
    schedule_values,
    set_hyperparams,
    with_learning_rate,
)
from lstmcast.train.programs import forward, gather, members_of, over_members, score
from lstmcast.train.sharding import AXIS, UNCHECKED, local, replicate, shard_map
from lstmcast.train.trainer import MAX_EPOCHS, MIN_EPOCHS, TARGET_STEPS, diverged_message


def local_batch(batch_size: int, shards: int) -> int:
    """Windows each shard contributes to a step: ``batch_size`` over the shards, rounded up.

    >>> local_batch(32, 2), local_batch(1024, 3)
    (16, 342)
    """
    return -(-batch_size // shards)


def plan(cfg: TrainConfig, counts: np.ndarray) -> dict:
    """Steps per epoch, epochs, the local batch and whether windows are sampled, from every shard's window count.

    Every process computes the same plan from the same (gathered) ``counts``.
    """
    b = local_batch(cfg.batch_size, len(counts))
    steps = -(-int(counts.max()) // b)  # the shard with the most windows sets the steps
    if cfg.steps_per_epoch is not None:
        steps = min(steps, cfg.steps_per_epoch)
    # a few steps per epoch over many windows: draw them (with replacement) instead of a full shuffle
    sampled = bool(cfg.shuffle and cfg.steps_per_epoch is not None and 4 * steps * b <= int(counts.min()))
    epochs = cfg.epochs
    if epochs == "auto":
        epochs = int(min(max(round(TARGET_STEPS / steps), MIN_EPOCHS), MAX_EPOCHS))
    return {"batch": b, "steps": steps, "epochs": epochs, "sampled": sampled}


def all_reduce(value, grads):
    """``psum`` over the shards of the loss and the gradient as ONE flat buffer.

    Leaf by leaf, each array pays the collective's latency: 1.8 ms a step for the default network's
    5 arrays between two CPU processes, against 0.34 ms for one buffer (benchmarks/scale.py).
    """
    leaves, tree = jax.tree.flatten(grads)
    flat = jax.lax.psum(jnp.concatenate([value[None], *(leaf.ravel() for leaf in leaves)]), AXIS)
    sizes = np.cumsum([1, *(leaf.size for leaf in leaves)])
    parts = [flat[a:b].reshape(leaf.shape) for a, b, leaf in zip(sizes[:-1], sizes[1:], leaves)]
    return flat[0], jax.tree.unflatten(tree, parts)


@lru_cache(maxsize=8)
def epoch_program(spec: NetworkSpec, loss: Loss, key: tuple, b: int, steps: int, sampled: bool, members, mesh):
    """The jitted epoch ``(params, opt_state, key, inputs, starts, counts, shard_ids, step0, hp)``.

    inputs (L, rows, columns) and starts (L, windows) hold this process's L shards; counts (P,) every
    shard's real windows; shard_ids (L,) the numbers of the ones held here.
    """
    optimizer_kind, _, _, _, shuffle, clip = key
    optimizer = build_optimizer(optimizer_kind, clip)

    def per_device(params, opt_state, key, inputs, starts, counts, shard_ids, step0, hp):
        n_local, rows, width = inputs.shape
        n_bucket = starts.shape[1]
        shuffle_key, dropout_key = jax.random.split(key)
        mine = counts[shard_ids]  # (L,)
        position = jnp.arange(steps)[:, None] * b + jnp.arange(b)[None, :]  # (steps, b) place in a shard's order

        def order_of(shard, n):  # (steps, b) window numbers of one shard
            k = jax.random.fold_in(shuffle_key, shard)
            if sampled:
                order = jax.random.randint(k, (steps * b,), 0, jnp.maximum(n, 1))
            elif shuffle:  # the real windows first, in random order
                real = jnp.arange(n_bucket) < n
                order = jnp.argsort(jnp.where(real, jax.random.uniform(k, (n_bucket,)), 2.0))
            else:
                order = jnp.arange(n_bucket)
            order = jnp.concatenate([order, jnp.zeros((max(steps * b - n_bucket, 0),), order.dtype)])
            return order[: steps * b].reshape(steps, b)

        def valid_of(n):  # (steps, b): which places hold a real window
            return jnp.broadcast_to(n > 0, (steps, b)) if sampled else position < n

        orders = jax.vmap(order_of)(shard_ids, mine)  # (L, steps, b)
        per_step = jnp.sum(jax.vmap(valid_of)(counts), axis=(0, 2))  # (steps,) real windows over every shard
        weights = jax.vmap(valid_of)(mine) / jnp.maximum(per_step, 1)[None, :, None]  # (L, steps, b)
        row_of = jax.vmap(lambda s, o: s[o])(starts, orders) + (jnp.arange(n_local) * rows)[:, None, None]
        flat = inputs.reshape(n_local * rows, width)  # shard s's rows from s * rows
        batches = jnp.swapaxes(row_of, 0, 1).reshape(steps, n_local * b)  # (steps, L * b) global row numbers
        weights = jnp.swapaxes(weights, 0, 1).reshape(steps, n_local * b)

        def local_sum(params, idx, w, k):
            x, y, future = gather(flat, idx, spec)
            out, loc, scale = forward(params, spec, x, future, k if spec.dropout else None)
            return jnp.sum(score(loss, spec, out, y, loc, scale) * w)

        grad_fn = jax.value_and_grad(local_sum)

        def step(carry, batch):
            params, opt_state, total = carry
            idx, w, i = batch
            k = jax.random.fold_in(jax.random.fold_in(dropout_key, i), shard_ids[0])
            value, grads = grad_fn(params, idx, w, k)
            if mesh is not None:  # the gradient all-reduce: every shard's sum added
                value, grads = all_reduce(value, grads)
            opt_state = with_learning_rate(opt_state, hp, step0 + i)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state, total + value * per_step[i]), None

        (params, opt_state, total), _ = jax.lax.scan(
            step, (params, opt_state, jnp.float32(0)), (batches, weights, jnp.arange(steps))
        )
        return params, opt_state, total / jnp.sum(per_step)  # mean loss over the epoch's windows

    fn = over_members(per_device, members, 9, batched=3)
    if mesh is not None:
        from jax.sharding import PartitionSpec as P

        whole, split = P(), P(AXIS)
        fn = shard_map(
            fn,
            mesh=mesh,
            in_specs=(whole, whole, whole, split, split, whole, split, whole, whole),
            out_specs=(whole, whole, whole),
            **UNCHECKED,  # the scan's carry starts replicated; the psum keeps it so
        )
    return optimizer, jax.jit(fn)


def stack_shards(tables: list[np.ndarray], starts: list[np.ndarray], rows: int, n_bucket: int):
    """(L, rows, columns) float32 and (L, n_bucket) int32: each shard's table and window starts, zero-padded."""
    width = tables[0].shape[1]
    inputs = np.zeros((len(tables), rows, width), np.float32)
    first = np.zeros((len(tables), n_bucket), np.int32)
    for i, (t, s) in enumerate(zip(tables, starts)):
        inputs[i, : len(t)] = t
        first[i, : len(s)] = s
    return inputs, first


def validation_loss(params, spec: NetworkSpec, loss: Loss, group: Group, tables, val_starts) -> float:
    """The mean loss over every shard's validation windows (each shard scores its own; sums and counts gathered)."""
    from lstmcast.train.programs import window_loss

    local = [
        np.asarray([window_loss(params, spec, loss, t, v) * len(v) if len(v) else 0.0, len(v)], np.float64)
        for t, v in zip(tables, val_starts)
    ]
    total = np.sum(group.gather(local), axis=0)  # (sum, count) over every shard
    return float(total[0] / max(total[1], 1))


def train_sharded(
    params,
    spec: NetworkSpec,
    loss: Loss,
    cfg: TrainConfig,
    group: Group,
    tables,
    starts,
    key,
    on_epoch_end=None,
    val_starts=None,
):
    """Train ``params`` on this process's shards (``tables[i]`` (rows, columns), ``starts[i]`` its window starts).

    Every process of the group calls this at once; each returns the same parameters and history.
    ``val_starts[i]``: shard i's validation windows, scored after every epoch over every shard
    (:func:`validation_loss`), which early stopping (``cfg.patience``) then monitors, as one process does.
    """
    counts = np.concatenate(group.gather([np.asarray([len(s)], np.int64) for s in starts]))  # (P,)
    sizes = np.concatenate(group.gather([np.asarray([len(t)], np.int64) for t in tables]))
    p = plan(cfg, counts)
    check_schedule(p["epochs"], p["steps"])
    # every shard's table padded to the longest (a masked window reads rows 0 .. window + horizon); no power-of-two
    # buckets: the epoch's shape is the plan's anyway, and at 1,000,000 series a bucket wastes up to 1 GB a table
    rows = int(sizes.max()) + spec.window + spec.horizon
    inputs, first = stack_shards(tables, starts, rows, int(counts.max()))
    members = members_of(params)
    optimizer, program = epoch_program(
        spec, loss, cfg.program_key(), p["batch"], p["steps"], p["sampled"], members, group.mesh
    )
    opt_state = set_hyperparams(jax.jit(over_members(optimizer.init, members, 1))(params), cfg.hyperparams())
    ids = np.asarray(group.mine, np.int32)
    if group.distributed:
        from jax.sharding import NamedSharding
        from jax.sharding import PartitionSpec as P

        split = NamedSharding(group.mesh, P(AXIS))
        put = lambda a: jax.make_array_from_process_local_data(split, a)  # noqa: E731  (1, ...) -> (P, ...)
        inputs, first, ids = put(inputs), put(first), put(ids)
        params, opt_state, counts_d = replicate((params, opt_state, counts.astype(np.int32)), group.mesh)
        on_mesh = lambda tree: replicate(tree, group.mesh)  # noqa: E731
        own = local
    else:  # on the device once, not at every epoch's call
        inputs, first, ids = jax.device_put(inputs), jax.device_put(first), jax.device_put(ids)
        counts_d = jnp.asarray(counts.astype(np.int32))
        on_mesh = own = lambda tree: tree  # noqa: E731
    history, total_steps = History(), p["steps"] * p["epochs"]
    cosine, base_lr = cfg.schedule == "cosine", cfg.learning_rate
    has_val = val_starts is not None and group.total_sum([len(v) for v in val_starts]) > 0
    best, best_params, since_best = np.inf, params, 0
    for epoch in range(p["epochs"]):
        t0 = time.perf_counter()
        step0 = epoch * p["steps"]
        epoch_key = (
            jax.random.fold_in(key, epoch) if members == 1 else jax.vmap(jax.random.fold_in, (0, None))(key, epoch)
        )
        hp = schedule_values(base_lr, cosine, total_steps)
        epoch_key, step0_d, hp = on_mesh((epoch_key, jnp.int32(step0), hp))
        params, opt_state, value = program(params, opt_state, epoch_key, inputs, first, counts_d, ids, step0_d, hp)
        value = float(jnp.mean(own(value)))
        lr = python_learning_rate(base_lr, cosine, total_steps, step0)
        logs = {"loss": value, "learning_rate": lr}
        if has_val:
            logs["val_loss"] = validation_loss(own(params), spec, loss, group, tables, val_starts)
            history.val_loss.append(logs["val_loss"])
        seconds = time.perf_counter() - t0
        history.loss.append(value)
        history.learning_rate.append(lr)
        history.seconds.append(seconds)
        monitored = logs.get("val_loss", value)
        if not (np.isfinite(value) and np.isfinite(monitored)):
            raise TrainingDivergedError(diverged_message(epoch + 1, p["epochs"], logs, base_lr))
        if monitored < best - cfg.min_delta:
            best, best_params, since_best = monitored, params, 0
            history.best_epoch = epoch + 1
        else:
            since_best += 1
        if on_epoch_end is not None:
            on_epoch_end(epoch + 1, p["epochs"], {**logs, "seconds": seconds})
        if cfg.patience is not None and since_best >= cfg.patience:
            history.stopped_early = True
            break
    if cfg.patience is not None and cfg.restore_best and history.best_epoch is not None:
        params = best_params
    if len(history.seconds) > 1:
        history.compile_seconds = max(history.seconds[0] - float(np.median(history.seconds[1:])), 0.0)
    return own(params), history, p
