"""Training settings as one frozen, hashable dataclass (it keys the compiled programs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lstmcast.errors import ConfigError

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
LOSSES = ("mse", "mae", "huber")
SCHEDULES = ("constant", "cosine", "plateau")


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 50  # passes over the training windows
    batch_size: int = 32  # windows per optimizer step; the last partial batch is masked, not dropped
    optimizer: str = "adam"  # adam | adamw | sgd | rmsprop
    learning_rate: float = 1e-3
    schedule: str = "constant"  # constant | cosine (to 0 over all steps) | plateau (on val loss)
    loss: str = "mse"  # mse | mae | huber (delta 1)
    clipnorm: float | None = None  # clip gradients by global norm
    weight_decay: float = 1e-4  # adamw only
    momentum: float = 0.9  # sgd only
    shuffle: bool = True  # reshuffle the training windows every epoch
    steps_per_epoch: int | None = None  # cap on optimizer steps per epoch (a fresh sample each epoch); None: all
    patience: int | None = None  # early stopping: epochs without improvement before stopping
    min_delta: float = 0.0  # smallest change that counts as an improvement
    restore_best: bool = True  # with early stopping, end with the best epoch's weights
    plateau_factor: float = 0.5  # schedule="plateau": multiply the learning rate by this
    plateau_patience: int = 5  # ... after this many epochs without improvement

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError.positive(name, value)
        if self.steps_per_epoch is not None and (not isinstance(self.steps_per_epoch, int) or self.steps_per_epoch < 1):
            raise ConfigError(f"steps_per_epoch={self.steps_per_epoch!r} must be a positive integer, or None for all.")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError.choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.loss not in LOSSES:
            raise ConfigError.choice("loss", self.loss, LOSSES)
        if self.schedule not in SCHEDULES:
            raise ConfigError.choice("schedule", self.schedule, SCHEDULES)
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate!r} must be positive, e.g. 1e-3.")
        if self.clipnorm is not None and not self.clipnorm > 0:
            raise ConfigError(f"clipnorm={self.clipnorm!r} must be positive, or None for no clipping.")
        if self.patience is not None and (not isinstance(self.patience, int) or self.patience < 1):
            raise ConfigError(f"patience={self.patience!r} must be a positive integer, or None for no early stopping.")
        if not 0.0 < self.plateau_factor < 1.0:
            raise ConfigError(f"plateau_factor={self.plateau_factor!r} must be between 0 and 1.")

    def to_dict(self) -> dict:
        return asdict(self)
