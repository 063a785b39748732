"""Progress through rich: a line per epoch (verbose=2) or a progress bar (verbose=1).

``verbose="auto"`` (the default) is 1 in an interactive session (IPython, Jupyter, the Python
prompt) and 0 in scripts and services, where the command line prints its own progress.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from lstmcast.train.trainer import EpochCallback


def interactive() -> bool:
    """Whether a person is watching: an IPython or Jupyter session, or the Python prompt (``python -i``)."""
    shell = sys.modules.get("IPython")
    if shell is not None and getattr(shell, "get_ipython", lambda: None)() is not None:
        return True
    return hasattr(sys, "ps1") or bool(sys.flags.interactive)


def resolve_verbose(verbose) -> int:
    """0, 1 or 2: ``"auto"`` becomes 1 in an interactive session and 0 elsewhere."""
    if verbose == "auto":
        return 1 if interactive() else 0
    return int(verbose)


def _bar_works(console: Console) -> bool:
    """A live bar needs a terminal, or ipywidgets in Jupyter; elsewhere lines are printed instead."""
    if console.is_jupyter:
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return False
    return True


def say(verbose, text: str, console: Console | None = None) -> None:
    """Print one line of news (what is running and why) unless ``verbose`` is 0."""
    if resolve_verbose(verbose):
        (console or Console()).print(text, highlight=False, soft_wrap=True)


class Steps:
    """Progress over a few long steps (backtest refits): a bar (1), a line per step (2) or nothing (0)."""

    def __init__(self, verbose, total: int, what: str, console: Console | None = None) -> None:
        self.level, self.total, self.what, self.done = resolve_verbose(verbose), total, what, 0
        self.console = (console or Console()) if self.level else None
        self.progress = None
        if self.level == 1 and _bar_works(self.console):
            self.progress = Progress(
                TextColumn(f"{what} {{task.completed}}/{{task.total}}"),
                BarColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.task = self.progress.add_task(what, total=total)
            self.progress.start()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done)
        elif self.level:
            line = f"{self.what} {self.done}/{self.total}" + (f" - {note}" if note else "")
            self.console.print(line, highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _jupyter_line() -> EpochCallback:
    """One line in a notebook cell, rewritten each epoch (a carriage return; no widgets needed)."""

    def line(epoch: int, epochs: int, logs: dict) -> None:
        end = "\n" if epoch >= epochs else ""
        sys.stdout.write(f"\rEpoch {epoch}/{epochs} - {logs['seconds']:.2f}s - {format_logs(logs)}{end}")
        sys.stdout.flush()

    return line


def format_logs(logs: dict) -> str:
    parts = [f"loss: {logs['loss']:.4g}"]
    if "val_loss" in logs:
        parts.append(f"val_loss: {logs['val_loss']:.4g}")
    return " - ".join(parts)


def epoch_printer(verbose, console: Console | None = None, space: str = "") -> EpochCallback:
    """A callback printing Keras-like lines (``Epoch 3/50 - 0.04s - loss: 0.0012``) or driving a bar.

    space: what the loss is measured on (:func:`lstmcast.fitting.loss_space`), printed once before
    the first epoch so the numbers are not read as errors on the data's own scale.
    """
    console = console or Console()
    verbose = resolve_verbose(verbose) or 1
    if space:
        console.print(f"Loss: {space}", highlight=False, soft_wrap=True)
    if verbose == 1 and console.is_jupyter and not _bar_works(console):  # Jupyter without ipywidgets
        return _jupyter_line()
    if verbose == 2 or not _bar_works(console):

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
