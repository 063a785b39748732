"""Training settings as one frozen, hashable dataclass, built from the ``train`` group of the parameter table.

Only part of it shapes the compiled programs (:meth:`TrainConfig.program_key`): the
optimizer's kind, the loss, the batch size, the step cap, shuffling and whether
gradients are clipped. Learning rate, weight decay, momentum and the clipping
norm travel into the compiled epoch as values, and epochs, early stopping and
the plateau settings are read by the Python loop between epochs, so changing
them never recompiles.
"""

from __future__ import annotations

from dataclasses import asdict, make_dataclass
from typing import Any

from lstmcast.params import in_group

TRAIN_PARAMS = in_group("train")
PROGRAM_FIELDS = ("optimizer", "loss", "batch_size", "steps_per_epoch", "shuffle")


def _post_init(self) -> None:
    for p in TRAIN_PARAMS:
        object.__setattr__(self, p.name, p.check_value(getattr(self, p.name)))


def _to_dict(self) -> dict:
    return asdict(self)


def _program_key(self) -> tuple:
    """What the compiled epoch depends on (everything else is a value passed in)."""
    return (*(getattr(self, f) for f in PROGRAM_FIELDS), self.clipnorm is not None)


def _hyperparams(self) -> dict[str, float]:
    """The optimizer's numeric settings, passed into the compiled epoch as values."""
    return {
        "learning_rate": self.learning_rate,
        "weight_decay": self.weight_decay,
        "momentum": self.momentum,
        "clipnorm": self.clipnorm if self.clipnorm is not None else 1.0,
    }


TrainConfig = make_dataclass(
    "TrainConfig",
    [(p.name, Any, p.default) for p in TRAIN_PARAMS],
    frozen=True,
    namespace={
        "__post_init__": _post_init,
        "to_dict": _to_dict,
        "program_key": _program_key,
        "hyperparams": _hyperparams,
        "__doc__": "Training settings; every field is a Forecaster parameter of group 'train' (lstmcast.params).",
    },
)
TrainConfig.__module__ = __name__
