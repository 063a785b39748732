"""Matplotlib figures, written to PNG or SVG. Nothing here trains or reads files.

Figures are ``matplotlib.figure.Figure`` objects drawn without pyplot, so
plotting never touches matplotlib's backend or pyplot's global figure list.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from lstmcast.errors import ConfigError

FORMATS = (".png", ".svg")
PART_LABELS = {"train": "Training predictions", "validation": "Validation predictions", "test": "Test predictions"}


def _save(fig, path) -> Path:
    """Write ``fig`` atomically (a temporary sibling, then a rename; a link at ``path`` is replaced, not followed)."""
    from lstmcast.io.files import write_file

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"plot path {str(path)!r} must end in .png or .svg.")
    fig.tight_layout()
    return write_file(path, lambda tmp: fig.savefig(tmp, dpi=110, format=suffix[1:]))


def _axes(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def plot_in_sample(actual: pd.DataFrame, in_sample: pd.DataFrame, path, title: str = "") -> Path:
    """Actual series, with one-step predictions on the training, validation and test windows.

    actual: the series (one column per target); in_sample: ``Forecaster.predict_in_sample()``.
    """
    target = actual.columns[0]
    fig, ax = _axes((11, 4.5))
    ax.plot(actual.index, actual[target], color="0.35", lw=1.4, label="Actual")
    colors = {"train": "tab:blue", "validation": "tab:green", "test": "tab:orange"}
    for part, frame in in_sample.groupby("part", sort=False):
        ax.plot(frame.index, frame[f"{target}_pred"], color=colors[part], lw=1.1, label=PART_LABELS[part])
    test = in_sample[in_sample["part"] == "test"]
    if len(test):
        ax.axvline(test.index[0], color="0.6", ls="--", lw=0.8)
    ax.set_title(title or f"{target}: actual vs one-step predictions")
    ax.set_xlabel(actual.index.name or "step")
    ax.set_ylabel(str(target))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False)
    return _save(fig, path)


def plot_forecast(
    history: pd.DataFrame, forecast: pd.DataFrame, path, last: int | None = None, title: str = ""
) -> Path:
    """The forecast after the (last ``last`` rows of the) history, one panel line per target."""
    hist = history.iloc[-last:] if last else history
    fig, ax = _axes((11, 4.5))
    for col in forecast.columns:
        line = ax.plot(hist.index, hist[col], lw=1.4, label=f"{col} (history)")[0]
        joined = pd.concat([hist[[col]].iloc[-1:], forecast[[col]]])
        ax.plot(
            joined.index, joined[col], lw=1.6, ls="--", marker=".", color=line.get_color(), label=f"{col} (forecast)"
        )
    ax.axvline(hist.index[-1], color="0.6", ls=":", lw=0.8)
    ax.set_title(title or f"Forecast of {len(forecast)} step(s)")
    ax.legend(loc="best")
    return _save(fig, path)


def plot_history(loss: list[float], val_loss: list[float], path, title: str = "Training loss") -> Path:
    """Loss curves per epoch (log scale)."""
    fig, ax = _axes((8, 4))
    epochs = range(1, len(loss) + 1)
    ax.plot(epochs, loss, label="loss")
    if val_loss:
        ax.plot(epochs, val_loss, label="val_loss")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.legend()
    return _save(fig, path)


def plot_backtest(predictions: pd.DataFrame, path, title: str = "Backtest: forecasts from each origin") -> Path:
    """Actual values over the folds, and each fold's forecast paths (``Backtest.predictions``)."""
    fig, ax = _axes((11, 4.5))
    actual = predictions.drop_duplicates("time").sort_values("time")
    ax.plot(actual["time"], actual["actual"], color="0.35", lw=1.4, marker=".", label="Actual")
    cmap = matplotlib.colormaps["tab10"]
    for fold, frame in predictions.groupby("fold"):
        for i, (_, path_rows) in enumerate(frame.groupby("origin")):
            ax.plot(
                path_rows["time"],
                path_rows["prediction"],
                color=cmap(fold % 10),
                lw=1.2,
                label=f"fold {fold}" if i == 0 else None,
            )
        ax.axvline(frame["time"].min(), color=cmap(fold % 10), ls=":", lw=0.8)
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=6, frameon=False)
    return _save(fig, path)
