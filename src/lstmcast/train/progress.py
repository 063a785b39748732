"""Epoch reporting through rich: a line per epoch (verbose=2) or a progress bar (verbose=1)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from lstmcast.train.trainer import EpochCallback


def format_logs(logs: dict) -> str:
    parts = [f"loss: {logs['loss']:.4g}"]
    if "val_loss" in logs:
        parts.append(f"val_loss: {logs['val_loss']:.4g}")
    return " - ".join(parts)


def epoch_printer(verbose: int, console: Console | None = None) -> EpochCallback:
    """A callback printing Keras-like lines (``Epoch 3/50 - 0.04s - loss: 0.0012``) or driving a bar."""
    console = console or Console()
    if verbose == 2:

        def line(epoch: int, epochs: int, logs: dict) -> None:
            console.print(f"Epoch {epoch}/{epochs} - {logs['seconds']:.2f}s - {format_logs(logs)}", highlight=False)

        return line

    progress = Progress(
        TextColumn("Epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[logs]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = None

    def bar(epoch: int, epochs: int, logs: dict) -> None:
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task("train", total=epochs, logs="")
        progress.update(task, completed=epoch, logs=format_logs(logs))
        if epoch >= epochs:
            progress.stop()

    bar.progress = progress  # so callers can stop it early (early stopping, Ctrl-C)
    return bar
