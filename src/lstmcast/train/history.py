"""What happened during training, epoch by epoch."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    loss: list[float] = field(default_factory=list)  # mean training loss of each epoch (scaled data)
    val_loss: list[float] = field(default_factory=list)  # validation loss, when there is a validation part
    learning_rate: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time of each epoch
    compile_seconds: float = 0.0  # the first epoch's extra time (tracing + compiling or cache load)
    best_epoch: int | None = None  # 1-based, by the monitored loss
    stopped_early: bool = False
    interrupted: bool = False  # Ctrl-C: training stopped, best weights kept
    refit_epochs: int | None = None  # after early stopping: epochs retrained on training + validation windows

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def monitor(self) -> list[float]:
        return self.val_loss if self.val_loss else self.loss

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
