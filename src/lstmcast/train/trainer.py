"""The training loop: compiled epochs, validation, early stopping, plateau, Ctrl-C.

Python runs once per epoch; everything inside an epoch is one compiled program
(:mod:`lstmcast.train.programs`). With ``devices`` above one, the epoch splits each batch
over the devices and its arrays live replicated on them (:mod:`lstmcast.train.sharding`);
validation, the history and the returned parameters stay on this process's own device.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lstmcast.errors import TrainingDivergedError, TrainingInterrupted
from lstmcast.nn.network import NetworkSpec, Params
from lstmcast.resources import check_schedule
from lstmcast.train.config import TrainConfig
from lstmcast.train.history import History
from lstmcast.train.losses import Loss
from lstmcast.train.optimizers import python_learning_rate, schedule_values, set_hyperparams
from lstmcast.train.programs import bucket, epoch_arrays, members_of, training_programs, window_loss
from lstmcast.train.sharding import local, replicate, training_mesh

EpochCallback = Callable[[int, int, dict], None]  # (epoch, epochs, logs)
TARGET_STEPS, MIN_EPOCHS, MAX_EPOCHS = 500, 1, 500  # epochs="auto"


def steps_per_epoch(cfg: TrainConfig, n_windows: int) -> int:
    """Optimizer steps in one epoch over ``n_windows`` windows."""
    bs = min(cfg.batch_size, bucket(n_windows))
    n = -(-n_windows // bs)
    return min(n, cfg.steps_per_epoch) if cfg.steps_per_epoch is not None else n


def auto_epochs(cfg: TrainConfig, n_windows: int, target: int | None = None) -> int:
    """Epochs making about ``target`` (TARGET_STEPS, read at the call) optimizer steps, within [MIN_EPOCHS, MAX_EPOCHS].

    Rounded to the nearest whole epoch, not up: a long series of 246 batches gets 2 epochs
    (492 steps), not 3 (738): the fit of an 8,000-point half-hourly series took a third longer
    than its 500 steps needed.

    >>> from lstmcast.train.config import TrainConfig
    >>> [auto_epochs(TrainConfig(batch_size=32), n) for n in (100, 4000, 7856, 20000)]
    [125, 4, 2, 1]
    """
    per_epoch = steps_per_epoch(cfg, n_windows)
    target = TARGET_STEPS if target is None else target
    return int(min(max(round(target / per_epoch), MIN_EPOCHS), MAX_EPOCHS))


def _epoch_key(key, epoch: int, members: int):
    """The epoch's key: ``fold_in(key, epoch)``, per member for an ensemble (keys (members,))."""
    if members == 1:
        return jax.random.fold_in(key, epoch)
    return jax.vmap(jax.random.fold_in, in_axes=(0, None))(key, epoch)


def train(
    params: Params,
    spec: NetworkSpec,
    loss: Loss,
    cfg: TrainConfig,
    inputs: np.ndarray,
    train_starts: np.ndarray,
    key: jax.Array,
    val_starts: np.ndarray | None = None,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[Params, History]:
    """Train ``params`` on the windows of ``inputs`` (time, n_inputs) starting at ``train_starts``.

    The targets are the first ``spec.n_targets`` columns of ``inputs``. An ensemble's params
    (and ``key``) carry a leading members axis; its members train together in one compiled
    epoch, and the history holds their mean losses. Returns the trained (or, with early
    stopping and ``restore_best``, the best) parameters and the history. ``cfg.devices`` above
    one trains data-parallel (every process of a ``jax.distributed`` run calls this with the same
    arguments and gets the same parameters). Ctrl-C ends
    training after the current epoch's program returns, keeping the best weights so far
    (``history.interrupted``); before the first epoch finished it raises TrainingInterrupted.
    A NaN or infinite training or validation loss raises TrainingDivergedError naming the
    epoch and the likely causes: diverged weights are never returned.
    """
    n_windows = int(len(train_starts))
    check_schedule(auto_epochs(cfg, n_windows) if cfg.epochs == "auto" else cfg.epochs, steps_per_epoch(cfg, n_windows))
    members = members_of(params)
    mesh = training_mesh(cfg.devices)
    programs = training_programs(spec, loss, cfg, n_windows, members, mesh)
    inputs_d, starts_d, n_d = epoch_arrays(inputs, train_starts, spec)
    has_val = val_starts is not None and len(val_starts) > 0
    opt_state = set_hyperparams(programs.init_optimizer(params), cfg.hyperparams())
    on_mesh = (lambda tree: replicate(tree, mesh)) if mesh is not None else (lambda tree: tree)
    own = local if mesh is not None else (lambda tree: tree)  # this process's copy of replicated params
    params, opt_state, inputs_d, starts_d, n_d = on_mesh((params, opt_state, inputs_d, starts_d, n_d))
    steps = steps_per_epoch(cfg, n_windows)
    epochs = auto_epochs(cfg, n_windows) if cfg.epochs == "auto" else cfg.epochs
    cosine, base_lr = cfg.schedule == "cosine", cfg.learning_rate
    history = History()
    best, best_params, since_best, since_plateau = np.inf, params, 0, 0
    try:
        for epoch in range(epochs):
            t0 = time.perf_counter()
            step0 = epoch * steps
            lr = python_learning_rate(base_lr, cosine, steps * epochs, step0)
            hp = schedule_values(base_lr, cosine, steps * epochs)
            epoch_key, step0_d, hp = on_mesh((_epoch_key(key, epoch, members), jnp.int32(step0), hp))
            params, opt_state, loss_value = programs.epoch(
                params, opt_state, epoch_key, inputs_d, starts_d, n_d, step0_d, hp
            )
            loss_value = float(jnp.mean(own(loss_value)))  # waits for the epoch to finish
            logs = {"loss": loss_value, "learning_rate": lr}
            if has_val:
                logs["val_loss"] = window_loss(own(params), spec, loss, inputs, val_starts)
                history.val_loss.append(logs["val_loss"])
            seconds = time.perf_counter() - t0
            history.loss.append(loss_value)
            history.learning_rate.append(lr)
            history.seconds.append(seconds)
            monitored = logs.get("val_loss", loss_value)
            if not (np.isfinite(loss_value) and np.isfinite(monitored)):
                raise TrainingDivergedError(diverged_message(epoch + 1, epochs, logs, base_lr))
            if monitored < best - cfg.min_delta:
                best, best_params, since_best, since_plateau = monitored, params, 0, 0
                history.best_epoch = epoch + 1
            else:
                since_best += 1
                since_plateau += 1
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, epochs, {**logs, "seconds": seconds})
            if cfg.schedule == "plateau" and since_plateau >= cfg.plateau_patience:
                base_lr *= cfg.plateau_factor
                since_plateau = 0
            if cfg.patience is not None and since_best >= cfg.patience:
                history.stopped_early = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
        if history.best_epoch is None:  # no epoch finished: there are no trained weights to keep
            raise TrainingInterrupted(
                "training was interrupted before the first epoch finished: nothing was saved."
            ) from None
    if history.seconds:
        rest = history.seconds[1:]
        history.compile_seconds = max(history.seconds[0] - (float(np.median(rest)) if rest else 0.0), 0.0)
    if history.best_epoch is not None and ((cfg.patience is not None and cfg.restore_best) or history.interrupted):
        params = best_params
    return own(params), history


def diverged_message(epoch: int, epochs: int, logs: dict, learning_rate: float) -> str:
    """The error of a training run whose loss became NaN or infinite at ``epoch`` (1-based)."""
    which = "training" if not np.isfinite(logs["loss"]) else "validation"
    value = logs["loss"] if which == "training" else logs["val_loss"]
    return (
        f"training diverged: the {which} loss is {value} at epoch {epoch}/{epochs}, so nothing was fitted or saved. "
        f"Likely causes: the learning rate is too large (learning_rate={learning_rate:g}: try "
        f"{min(learning_rate / 10, 1e-3):g}), the data's magnitude is too large "
        "for float32 (rescale it), or scaler='none' (use 'minmax' or 'standard', or log=True)."
    )
