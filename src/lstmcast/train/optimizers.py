"""optax optimizers built from a TrainConfig, with the learning rate kept in the state.

The learning rate lives in ``opt_state.hyperparams`` (``optax.inject_hyperparams``)
so reduce-on-plateau can change it between epochs without recompiling.
"""

from __future__ import annotations

import optax

from lstmcast.train.config import TrainConfig


def build_optimizer(cfg: TrainConfig, total_steps: int) -> optax.GradientTransformation:
    if cfg.schedule == "cosine":
        lr = optax.cosine_decay_schedule(cfg.learning_rate, decay_steps=max(total_steps, 1))
    else:
        lr = cfg.learning_rate
    if cfg.optimizer == "adam":
        opt = optax.inject_hyperparams(optax.adam)(learning_rate=lr, eps=1e-7)  # Keras's epsilon
    elif cfg.optimizer == "adamw":
        opt = optax.inject_hyperparams(optax.adamw)(learning_rate=lr, eps=1e-7, weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "sgd":
        opt = optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=cfg.momentum)
    else:
        opt = optax.inject_hyperparams(optax.rmsprop)(learning_rate=lr, decay=0.9, eps=1e-7)
    if cfg.clipnorm is not None:
        opt = optax.chain(optax.clip_by_global_norm(cfg.clipnorm), opt)
    return opt


def _hyperparams(opt_state):
    state = opt_state[-1] if isinstance(opt_state, tuple) and not hasattr(opt_state, "hyperparams") else opt_state
    return state.hyperparams


def current_lr(opt_state) -> float:
    lr = _hyperparams(opt_state)["learning_rate"]
    return float(lr)


def scale_lr(opt_state, factor: float) -> None:
    """Multiply the learning rate held in the state (in place: the dict is mutable)."""
    hp = _hyperparams(opt_state)
    hp["learning_rate"] = hp["learning_rate"] * factor
