"""Loss objects: each owns the head's width per target and step, and what the outputs mean.

The network emits ``(batch, horizon, targets, loss.n_outputs)``; the loss says how
to score those outputs against the targets (``per_window``) and how to read a
point forecast out of them (``point``). Point losses emit one value per step and
target. Quantile or distribution heads are further Loss classes with a wider
head (``n_outputs`` quantiles or distribution parameters) and their own
``per_window`` and ``point``; the network, the trainer and saving need no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import jax.numpy as jnp

from lstmcast.errors import ConfigError


class Loss(Protocol):
    name: str
    kind: ClassVar[str]  # "point" | "quantile" | "distribution"
    n_outputs: int  # head outputs per target and step

    def per_window(self, out, y):  # out (batch, H, targets, n_outputs), y (batch, H, targets) -> (batch,)
        ...

    def point(self, out):  # (batch, H, targets, n_outputs) -> (batch, H, targets)
        ...

    def to_dict(self) -> dict: ...


@dataclass(frozen=True)
class PointLoss:
    """mse, mae or huber (delta 1) of a single output per step and target."""

    name: str = "mse"
    kind: ClassVar[str] = "point"
    n_outputs: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if self.name not in POINT_LOSSES:
            raise ConfigError.choice("loss", self.name, tuple(POINT_LOSSES))

    def per_window(self, out, y):
        return POINT_LOSSES[self.name](out[..., 0] - y)

    def point(self, out):
        return out[..., 0]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name}


def _mse(err):
    return jnp.mean(err**2, axis=(1, 2))


def _mae(err):
    return jnp.mean(jnp.abs(err), axis=(1, 2))


def _huber(err, delta: float = 1.0):
    a = jnp.abs(err)
    return jnp.mean(jnp.where(a <= delta, 0.5 * err**2, delta * (a - 0.5 * delta)), axis=(1, 2))


POINT_LOSSES = {"mse": _mse, "mae": _mae, "huber": _huber}


def get_loss(name: str) -> Loss:
    """The Loss object for the ``loss=`` parameter."""
    return PointLoss(name)


def loss_from_dict(d: dict | None) -> Loss:
    """A saved loss; models saved before losses were objects used a point head."""
    if d is None:
        return PointLoss("mse")
    if d.get("kind") != "point":
        raise ConfigError(f"loss kind {d.get('kind')!r} is not supported by this lstmcast.")
    return PointLoss(d["name"])
