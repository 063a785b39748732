"""Figures of a fit and its checks: in-sample predictions, the forecast, the loss curves, a backtest."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from lstmcast.errors import ColumnError
from lstmcast.plot.fans import forecast_targets
from lstmcast.plot.figure import MAX_PANELS, Figure, finish, new_axes
from lstmcast.uncertainty.names import number_text

PART_LABELS = {"train": "Training predictions", "validation": "Validation predictions", "test": "Test predictions"}


def plot_in_sample(
    actual: pd.DataFrame, in_sample: pd.DataFrame, path=None, title: str = "", note: str = ""
) -> Figure | Path:
    """Actual series, with one-step predictions on the training, validation and test windows.

    actual: the series (one column per target); in_sample: ``Forecaster.predict_in_sample()``.
    note: a line printed under the title (the CLI's holdout score). path: write the figure there.
    """
    target = actual.columns[0]
    fig, ax = new_axes((11, 4.5))
    ax.plot(actual.index, actual[target], color="0.35", lw=1.4, label="Actual")
    colors = {"train": "tab:blue", "validation": "tab:green", "test": "tab:orange"}
    for part, frame in in_sample.groupby("part", sort=False):
        ax.plot(frame.index, frame[f"{target}_pred"], color=colors[part], lw=1.1, label=PART_LABELS[part])
    test = in_sample[in_sample["part"] == "test"]
    if len(test):
        ax.axvline(test.index[0], color="0.6", ls="--", lw=0.8)
    ax.set_title(title or f"{target}: actual vs one-step predictions")
    if note:
        ax.text(0.01, 0.98, note, transform=ax.transAxes, va="top", ha="left", fontsize="small", color="0.2")
    ax.set_xlabel(actual.index.name or "step")
    ax.set_ylabel(str(target))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False)
    return finish(fig, path)


def score_note(evaluation, what: str) -> str:
    """``test part: MAE 12.3 vs seasonal_naive 15.1 (skill +18.5%)`` for a fit plot; "" without an evaluation."""
    if evaluation is None:
        return ""
    table, best = evaluation.table, evaluation.best_baseline
    mae = table.loc["model", "mae"]
    return f"{what}: MAE {mae:.4g} vs {best} {table.loc[best, 'mae']:.4g} (skill {evaluation.skill:+.1%})"


def plot_forecast(
    history: pd.DataFrame, forecast: pd.DataFrame, path=None, last: int | None = None, title: str = ""
) -> Figure | Path:
    """The forecast after the (last ``last`` rows of the) history, one panel line per target.

    Interval and quantile columns (``y-lo-80``...) are left out: :func:`plot_fans` draws them.
    """
    hist = history.iloc[-last:] if last else history
    fig, ax = new_axes((11, 4.5))
    for col in forecast_targets(forecast):
        line = ax.plot(hist.index, hist[col], lw=1.4, label=f"{col} (history)")[0]
        joined = pd.concat([hist[[col]].iloc[-1:], forecast[[col]]])
        ax.plot(
            joined.index, joined[col], lw=1.6, ls="--", marker=".", color=line.get_color(), label=f"{col} (forecast)"
        )
    ax.axvline(hist.index[-1], color="0.6", ls=":", lw=0.8)
    ax.set_title(title or f"Forecast of {len(forecast)} step(s)")
    ax.legend(loc="best")
    return finish(fig, path)


def plot_history(
    loss: list[float], val_loss: list[float], path=None, title: str = "Training loss", space: str = ""
) -> Figure | Path:
    """Loss curves per epoch (log scale); space: what the loss is measured on (``Forecaster.loss_space_``)."""
    fig, ax = new_axes((8, 4))
    epochs = range(1, len(loss) + 1)
    ax.plot(epochs, loss, label="loss")
    if val_loss:
        ax.plot(epochs, val_loss, label="val_loss")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    if space:
        ax.set_ylabel(f"loss: {space.split(';')[0]}", fontsize="small")
    ax.set_title(title)
    ax.legend()
    return finish(fig, path)


def cv_layout(predictions: pd.DataFrame) -> tuple[str | None, str, str, str]:
    """(id column or None, time column, first target, its forecast column) of a cross-validation frame
    (:mod:`lstmcast.evaluate.cv`: ``[id,] ds, cutoff, targets..., forecasts..., interval columns``)."""
    from lstmcast.evaluate.cv import CUTOFF

    cols = [str(c) for c in predictions.columns]
    if CUTOFF not in cols or cols.index(CUTOFF) not in (1, 2):
        raise ColumnError(f"a backtest frame needs [id,] ds, {CUTOFF!r}, targets and forecasts; got {cols}.")
    c = cols.index(CUTOFF)
    after = [x for x in cols[c + 1 :] if "-lo-" not in x and "-hi-" not in x]  # targets then their forecasts
    k = len(after) // 2
    return (cols[0] if c == 2 else None), cols[c - 1], after[0], after[k]


def plot_backtest(
    predictions: pd.DataFrame, path=None, title: str = "Backtest: forecasts from each cutoff", ids=None
) -> Figure | Path:
    """Actual values and each cutoff's forecast (with its widest interval band, if any) of a backtest's
    cross-validation frame; many series: one panel per series, at most 12 (``ids``: which ones)."""
    id_name, time_name, target, forecast = cv_layout(predictions)
    bands = sorted({float(c.rsplit("-", 1)[1]) for c in predictions.columns if str(c).startswith(f"{forecast}-lo-")})
    if id_name is None:
        groups, chosen = [(None, predictions)], [None]
    else:
        all_ids = list(dict.fromkeys(predictions[id_name].tolist()))
        if ids is None:
            pick = np.unique(np.linspace(0, len(all_ids) - 1, min(MAX_PANELS, len(all_ids))).round().astype(int))
            chosen = [all_ids[i] for i in pick]
        else:
            by_text = {str(i): i for i in all_ids}
            unknown = [i for i in map(str, ids) if i not in by_text]
            if unknown:
                raise ColumnError(f"ids: series {unknown[0]!r} is not in the backtest; its ids start {all_ids[:3]!r}.")
            chosen = [by_text[str(i)] for i in ids][:MAX_PANELS]
        groups = [(sid, predictions[predictions[id_name] == sid]) for sid in chosen]
    ncols = 1 if len(chosen) == 1 else 2 if len(chosen) <= 4 else 3
    nrows = math.ceil(len(chosen) / ncols)
    fig = Figure(figsize=(11, 4.5) if ncols == 1 else (5.5 * ncols, 3.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    cmap = matplotlib.colormaps["tab10"]
    for ax, (sid, frame) in zip(axes, groups):
        actual = frame.drop_duplicates(time_name).sort_values(time_name)
        ax.plot(actual[time_name], actual[target], color="0.35", lw=1.4, marker=".", label="Actual")
        for i, (_cutoff, rows) in enumerate(frame.groupby("cutoff", sort=True)):
            color = cmap(i % 10)
            ax.plot(rows[time_name], rows[forecast], color=color, lw=1.2, label=f"cutoff {i}" if i < 10 else None)
            if bands:
                widest = number_text(bands[-1])
                lo, hi = f"{forecast}-lo-{widest}", f"{forecast}-hi-{widest}"
                ax.fill_between(rows[time_name], rows[lo], rows[hi], color=color, alpha=0.15, lw=0)
        if sid is not None:
            ax.set_title(f"{id_name} {sid}")
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    fig.suptitle(title if id_name is None else f"{title} ({len(chosen)} series)")
    axes[0].legend(loc="best", fontsize="small")
    return finish(fig, path)
