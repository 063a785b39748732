"""Seed tutorial 000's whole workflow, done right, as one function.

Sine series -> time-ordered 80/20 split -> min-max scaler fitted on the
training part -> every window of 10 values predicting the next -> LSTM(50) +
Dense(1), Adam 1e-3, MSE, 50 epochs at batch size 1 -> test loss (scaled and
original scale, against baselines) -> the next value -> the plot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from lstmcast.train.trainer import EpochCallback

# the seed tutorial's model and workflow, spelled out: nothing chosen automatically
TUTORIAL = dict(
    window=10,
    units=50,
    test=0.2,
    scaler="minmax",
    log=False,
    difference=0,
    normalize="none",
    ensemble=1,
    loss="mse",
    combine=False,  # the network alone: no statistical candidate beside it
)


@dataclass(frozen=True)
class DemoResult:
    model: object  # the fitted Forecaster
    evaluation: object  # Evaluation of the test part
    next_value: float  # forecast of the step after the series, original scale
    plot: Path
    fit_seconds: float  # wall time of fit, compile included
    train_seconds: float  # time inside the epochs (compile included in epoch 1)
    compile_seconds: float

    def to_dict(self) -> dict:
        return {
            "params": self.model.n_params_,
            "epochs": self.model.history_.epochs,
            "final_loss": self.model.history_.loss[-1],
            "test_mse_scaled": self.evaluation.scaled_mse,
            "test_mse": float(self.evaluation.table.loc["model", "mse"]),
            "evaluation": self.evaluation.to_dict(),
            "next_value": self.next_value,
            "plot": str(self.plot),
            "fit_seconds": self.fit_seconds,
            "train_seconds": self.train_seconds,
            "compile_seconds": self.compile_seconds,
        }


def run_demo(
    out_dir: str | Path = "lstmcast-output",
    epochs: int = 50,
    batch_size: int = 1,
    seed: int = 0,
    on_epoch_end: EpochCallback | None = None,
    plot_format: str = "png",
) -> DemoResult:
    """Train the seed model on the sine series and write ``demo.<plot_format>`` into ``out_dir``."""
    from lstmcast import datasets
    from lstmcast.forecaster import Forecaster
    from lstmcast.plot import plot_in_sample

    series = datasets.load("sine")
    model = Forecaster(**TUTORIAL, epochs=epochs, batch_size=batch_size, seed=seed)
    t0 = time.perf_counter()
    model.fit(series, on_epoch_end=on_epoch_end)
    fit_seconds = time.perf_counter() - t0
    evaluation = model.evaluate(warn=False)
    next_value = float(model.predict().iloc[0, 0])
    plot = plot_in_sample(
        series.to_frame(),
        model.predict_in_sample(),
        Path(out_dir) / f"demo.{plot_format}",
        title="Sine wave: LSTM(50) one-step predictions (original scale)",
    )
    h = model.history_
    return DemoResult(model, evaluation, next_value, plot, fit_seconds, sum(h.seconds), h.compile_seconds)
