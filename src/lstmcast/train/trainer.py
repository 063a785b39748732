"""The training loop: compiled epochs, validation, early stopping, plateau, Ctrl-C.

Python runs once per epoch; everything inside an epoch is one compiled program
(:mod:`lstmcast.train.programs`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lstmcast.nn.network import NetworkSpec, Params
from lstmcast.train.cache import enable_compilation_cache
from lstmcast.train.config import TrainConfig
from lstmcast.train.history import History
from lstmcast.train.optimizers import current_lr, scale_lr
from lstmcast.train.programs import training_programs, window_loss

EpochCallback = Callable[[int, int, dict], None]  # (epoch, epochs, logs)


def train(
    params: Params,
    spec: NetworkSpec,
    cfg: TrainConfig,
    inputs: np.ndarray,
    targets: np.ndarray,
    train_starts: np.ndarray,
    key: jax.Array,
    val_starts: np.ndarray | None = None,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[Params, History]:
    """Train ``params`` on windows of ``inputs`` (time, n_inputs) -> ``targets`` (time, n_targets).

    Returns the trained (or, with early stopping and ``restore_best``, the best)
    parameters and the history. Ctrl-C ends training after the current epoch's
    program returns, keeping the best weights so far.
    """
    enable_compilation_cache()
    programs = training_programs(spec, cfg, int(len(train_starts)))
    inputs_d, targets_d = jnp.asarray(inputs, jnp.float32), jnp.asarray(targets, jnp.float32)
    starts_d = jnp.asarray(train_starts, jnp.int32)
    has_val = val_starts is not None and len(val_starts) > 0
    opt_state = programs.init_optimizer(params)
    history = History()
    best, best_params, since_best, since_plateau = np.inf, params, 0, 0
    try:
        for epoch in range(cfg.epochs):
            t0 = time.perf_counter()
            lr = current_lr(opt_state)
            params, opt_state, loss = programs.epoch(
                params, opt_state, jax.random.fold_in(key, epoch), inputs_d, targets_d, starts_d
            )
            loss = float(loss)  # waits for the epoch to finish
            logs = {"loss": loss, "learning_rate": lr}
            if has_val:
                logs["val_loss"] = window_loss(params, spec, cfg.loss, inputs_d, targets_d, val_starts)
                history.val_loss.append(logs["val_loss"])
            seconds = time.perf_counter() - t0
            history.loss.append(loss)
            history.learning_rate.append(lr)
            history.seconds.append(seconds)
            monitored = logs.get("val_loss", loss)
            if not np.isfinite(monitored):
                if on_epoch_end is not None:
                    on_epoch_end(epoch + 1, cfg.epochs, {**logs, "seconds": seconds})
                break  # diverged: keep the best weights seen
            if monitored < best - cfg.min_delta:
                best, best_params, since_best, since_plateau = monitored, params, 0, 0
                history.best_epoch = epoch + 1
            else:
                since_best += 1
                since_plateau += 1
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, cfg.epochs, {**logs, "seconds": seconds})
            if cfg.schedule == "plateau" and since_plateau >= cfg.plateau_patience:
                scale_lr(opt_state, cfg.plateau_factor)
                since_plateau = 0
            if cfg.patience is not None and since_best >= cfg.patience:
                history.stopped_early = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
    if history.seconds:
        rest = history.seconds[1:]
        history.compile_seconds = max(history.seconds[0] - (float(np.median(rest)) if rest else 0.0), 0.0)
    diverged = bool(history.loss) and not np.isfinite(history.monitor[-1])
    if history.best_epoch is not None and (
        (cfg.patience is not None and cfg.restore_best) or history.interrupted or diverged
    ):
        params = best_params
    return params, history
