"""optax optimizers whose numeric settings are values in their state, not constants of the program.

``optax.inject_hyperparams`` keeps the learning rate, weight decay, momentum and
clipping norm in ``opt_state.hyperparams``, so the compiled epoch is shared by
every value of them; the epoch sets each step's learning rate from the base rate
and the schedule (:func:`with_learning_rate`), and reduce-on-plateau changes the
base rate between epochs without recompiling.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import optax


def build_optimizer(kind: str, clip: bool) -> optax.GradientTransformation:
    """The optimizer ``kind`` (adam, adamw, sgd, rmsprop), with gradient clipping by global norm if ``clip``."""

    def make(learning_rate, weight_decay, momentum, clipnorm):
        if kind == "adam":
            opt = optax.adam(learning_rate, eps=1e-7)  # Keras's epsilon
        elif kind == "adamw":
            opt = optax.adamw(learning_rate, eps=1e-7, weight_decay=weight_decay)
        elif kind == "sgd":
            opt = optax.sgd(learning_rate, momentum=momentum)
        else:
            opt = optax.rmsprop(learning_rate, decay=0.9, eps=1e-7)
        return optax.chain(optax.clip_by_global_norm(clipnorm), opt) if clip else opt

    return optax.inject_hyperparams(make)(learning_rate=1e-3, weight_decay=0.0, momentum=0.0, clipnorm=1.0)


def set_hyperparams(opt_state, values: dict[str, float]):
    """A fresh state with the optimizer's numeric settings (``TrainConfig.hyperparams()``) put in."""
    hp = dict(opt_state.hyperparams)
    hp.update({k: jnp.full(jnp.shape(hp[k]), v, jnp.float32) for k, v in values.items() if k in hp})  # per member
    return opt_state._replace(hyperparams=hp)


def schedule_values(base_lr: float, cosine: bool, total_steps: int) -> dict:
    """What the compiled epoch needs to compute each step's learning rate."""
    return {
        "base_lr": jnp.float32(base_lr),
        "cosine": jnp.float32(1.0 if cosine else 0.0),
        "total_steps": jnp.float32(max(total_steps, 1)),
    }


def learning_rate_at(hp, step):
    """base_lr, or with the cosine schedule base_lr * (1 + cos(pi * step / total)) / 2 (optax's cosine decay)."""
    progress = jnp.minimum(step, hp["total_steps"]) / hp["total_steps"]
    factor = 0.5 * (1.0 + jnp.cos(jnp.pi * progress))
    return hp["base_lr"] * jnp.where(hp["cosine"] > 0, factor, 1.0)


def python_learning_rate(base_lr: float, cosine: bool, total_steps: int, step: int) -> float:
    """:func:`learning_rate_at` in Python, for the history."""
    if not cosine:
        return base_lr
    progress = min(step, max(total_steps, 1)) / max(total_steps, 1)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * progress))


def with_learning_rate(opt_state, hp, step):
    """opt_state with the learning rate of optimizer step ``step`` (inside the compiled epoch)."""
    return opt_state._replace(hyperparams={**opt_state.hyperparams, "learning_rate": learning_rate_at(hp, step)})
