"""Matplotlib figures, returned and, given a path, written to PNG or SVG. Nothing here trains or reads files.

Figures are ``matplotlib.figure.Figure`` objects drawn without pyplot, so
plotting never touches matplotlib's backend or pyplot's global figure list.
Without a path every function returns its Figure, which Jupyter shows inline
(axes-level ones, :func:`plot_fan` and :func:`plot_calibration`, return the Axes
when you pass ``ax=``); with a path it returns the path written.
Like every output file, a plot is written atomically and replaces what is at its
path; refusing to overwrite is the caller's choice (the CLI's ``--force``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure as _MatplotlibFigure

from lstmcast.errors import ColumnError, ConfigError, DataError, EmptyDataError
from lstmcast.uncertainty.names import check_levels, level_columns, number_text

FORMATS = (".png", ".svg")


class Figure(_MatplotlibFigure):
    """A matplotlib Figure that shows itself in Jupyter and IPython as its PNG.

    Without pyplot nothing registers matplotlib's display hook, so a plain Figure would show as
    ``<Figure size 1100x450 with 1 Axes>``; this one carries its own (``_repr_png_``). It is an
    ordinary ``matplotlib.figure.Figure`` otherwise (``savefig``, ``axes``...).
    """

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        return buffer.getvalue()


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


def _finish(fig: Figure, path) -> Figure | Path:
    """The Figure (no path), or the path it was written to."""
    if path is None:
        fig.tight_layout()
        return fig
    return _save(fig, path)


def _axes(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def plot_in_sample(
    actual: pd.DataFrame, in_sample: pd.DataFrame, path=None, title: str = "", note: str = ""
) -> Figure | Path:
    """Actual series, with one-step predictions on the training, validation and test windows.

    actual: the series (one column per target); in_sample: ``Forecaster.predict_in_sample()``.
    note: a line printed under the title (the CLI's holdout score). path: write the figure there.
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
    if note:
        ax.text(0.01, 0.98, note, transform=ax.transAxes, va="top", ha="left", fontsize="small", color="0.2")
    ax.set_xlabel(actual.index.name or "step")
    ax.set_ylabel(str(target))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False)
    return _finish(fig, path)


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
    fig, ax = _axes((11, 4.5))
    for col in forecast_targets(forecast):
        line = ax.plot(hist.index, hist[col], lw=1.4, label=f"{col} (history)")[0]
        joined = pd.concat([hist[[col]].iloc[-1:], forecast[[col]]])
        ax.plot(
            joined.index, joined[col], lw=1.6, ls="--", marker=".", color=line.get_color(), label=f"{col} (forecast)"
        )
    ax.axvline(hist.index[-1], color="0.6", ls=":", lw=0.8)
    ax.set_title(title or f"Forecast of {len(forecast)} step(s)")
    ax.legend(loc="best")
    return _finish(fig, path)


def plot_history(
    loss: list[float], val_loss: list[float], path=None, title: str = "Training loss", space: str = ""
) -> Figure | Path:
    """Loss curves per epoch (log scale); space: what the loss is measured on (``Forecaster.loss_space_``)."""
    fig, ax = _axes((8, 4))
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
    return _finish(fig, path)


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
    return _finish(fig, path)


# ---- prediction intervals: fan charts and calibration ----------------------------------------------

MAX_PANELS = 12  # plot_fans draws at most this many targets
MIN_HISTORY = 24  # rows of history shown at least when last=None (otherwise 4 x the horizon)
FAN_COLOR = "tab:blue"
_DERIVED = re.compile(r"^(?P<target>.+)-(?P<kind>lo|hi|q)-(?P<number>\d+(?:\.\d+)?)$")


def forecast_targets(forecast: pd.DataFrame) -> list:
    """The point-forecast columns of ``forecast``: every column but ``t-lo-L``, ``t-hi-L`` and ``t-q-Q``."""
    names = {str(c) for c in forecast.columns}
    return [c for c in forecast.columns if not _derived_from(c, names)]


def _derived_from(column, names: set) -> bool:
    match = _DERIVED.match(column) if isinstance(column, str) else None
    return match is not None and match["target"] in names


def forecast_levels(forecast: pd.DataFrame, target) -> tuple[float, ...]:
    """The levels (percent, ascending) that have both a ``target-lo-L`` and a ``target-hi-L`` column."""
    names = {str(c) for c in forecast.columns}
    found = set()
    for name in names:
        match = _DERIVED.match(name)
        if match and match["target"] == str(target) and match["kind"] == "lo":
            level = float(match["number"])
            lo, hi = level_columns(str(target), level)
            if name == lo and hi in names and 0.0 < level < 100.0:
                found.add(level)
    return tuple(sorted(found))


def _band_colors(n: int) -> list[tuple[float, float, float]]:
    """n opaque shades of FAN_COLOR, narrowest (darkest) first, widest (lightest) last."""
    base = np.array(to_rgb(FAN_COLOR))
    strengths = np.linspace(0.55, 0.2, n) if n > 1 else [0.35]
    return [tuple(1.0 - s * (1.0 - base)) for s in strengths]


def _fan_levels(forecast: pd.DataFrame, target, levels) -> tuple[float, ...]:
    if levels is None:
        return forecast_levels(forecast, target)
    wanted = check_levels(levels)
    for level in wanted:
        missing = [c for c in level_columns(str(target), level) if c not in forecast.columns]
        if missing:
            have = [number_text(x) for x in forecast_levels(forecast, target)]
            raise ColumnError(
                f"levels={levels!r}: the forecast has no column {missing[0]!r}; predict with "
                f"level=[{number_text(level)}], or leave levels=None to draw the levels it has ({have or 'none'})."
            )
    return wanted


def _check_last(last, horizon: int) -> int:
    if last is None:
        return max(4 * horizon, MIN_HISTORY)
    if isinstance(last, bool) or not isinstance(last, (int, np.integer)) or last < 1:
        raise ConfigError.positive("last", last)
    return int(last)


def _fan(ax, history: pd.DataFrame, forecast: pd.DataFrame, target, levels, last) -> tuple[list, tuple]:
    """Draw one target's fan on ``ax``; returns (legend handles: history, forecast, bands narrow to
    wide; the levels drawn)."""
    if target not in history.columns:
        raise ColumnError(
            f"target {target!r} is in the forecast but not in the history (columns {list(history.columns)!r}): "
            "pass the frame from Forecaster.actual()."
        )
    if isinstance(history.index, pd.DatetimeIndex) != isinstance(forecast.index, pd.DatetimeIndex):
        raise DataError(
            "the history and the forecast must both be indexed by time, or both by integer steps: got "
            f"{type(history.index).__name__} and {type(forecast.index).__name__}."
        )
    found = _fan_levels(forecast, target, levels)
    hist = history[[target]].iloc[-_check_last(last, len(forecast)) :]
    handles = []
    if len(hist):
        handles.append(ax.plot(hist.index, hist[target], color="0.35", lw=1.4, label="History")[0])
        ax.axvline(hist.index[-1], color="0.6", ls=":", lw=0.8)
    joined = pd.concat([hist.iloc[-1:], forecast[[target]]])  # the forecast line starts at the last actual
    marker = "." if len(forecast) <= 60 else None
    handles.append(ax.plot(joined.index, joined[target], color=FAN_COLOR, lw=1.6, marker=marker, label="Forecast")[0])
    bands = {}
    for level, color in reversed(list(zip(found, _band_colors(len(found))))):  # widest first, under the rest
        lo, hi = level_columns(str(target), level)
        bands[level] = ax.fill_between(
            forecast.index,
            forecast[lo].to_numpy(float),
            forecast[hi].to_numpy(float),
            color=color,
            lw=0,
            label=f"{number_text(level)}% interval",
        )
    if isinstance(forecast.index, pd.DatetimeIndex):  # short date labels: panels in a grid are narrow
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return handles + [bands[level] for level in found], found


def plot_fan(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    target=None,
    levels=None,
    last: int | None = None,
    ax=None,
    title: str | None = None,
):
    """One target's forecast after its history, with a shaded band per prediction interval.

    history: ``Forecaster.actual()``; forecast: ``Forecaster.predict(level=[80, 95])`` (interval
    columns ``t-lo-80``, ``t-hi-80``...; without them only the lines are drawn). target: the column
    to draw (needed when the forecast has several). levels: the intervals to shade, by default
    every level the forecast has columns for; wider intervals are lighter. last: rows of history
    shown (default ``max(4 * horizon, 24)``). ax: a matplotlib Axes to draw on (default: a new
    Figure's). title: None for a default, ``""`` for none. Returns the Axes when ``ax`` is given,
    else the new Figure.
    """
    targets = forecast_targets(forecast)
    if target is None:
        if len(targets) != 1:
            raise ConfigError(
                f"the forecast has {len(targets)} targets {targets!r}: pass target= one of them, "
                "or use plot_fans() for one panel per target."
            )
        target = targets[0]
    elif target not in targets:
        raise ColumnError(f"target={target!r} is not a forecast column: use one of {targets!r}.")
    own = ax is None
    if own:
        _, ax = _axes((11, 4.5))
    handles, found = _fan(ax, history, forecast, target, levels, last)
    shown = ", ".join(f"{number_text(level)}%" for level in found)
    default = f"{target}: forecast of {len(forecast)} step(s)" + (f", {shown} intervals" if found else "")
    ax.set_title(default if title is None else title)
    ax.set_xlabel(history.index.name or "step")
    ax.set_ylabel(str(target))
    ax.legend(handles=handles, loc="best")
    if own:
        ax.figure.tight_layout()
        return ax.figure
    return ax


def plot_fans(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    targets=None,
    path=None,
    levels=None,
    last: int | None = None,
    title: str | None = None,
) -> Figure:
    """A grid of fan charts (:func:`plot_fan`), one panel per target, at most 12.

    targets: the columns to draw (default every target of the forecast). path: write the figure
    there too (.png or .svg, atomically, replacing a file already there, like every plot here).
    Returns the Figure.
    """
    available = forecast_targets(forecast)
    chosen = available if targets is None else list(targets) if isinstance(targets, (list, tuple)) else [targets]
    if not chosen:
        raise ConfigError(f"targets={targets!r} names no target: use some of {available!r}.")
    unknown = [t for t in chosen if t not in available]
    if unknown:
        raise ColumnError(f"targets={list(chosen)!r}: {unknown[0]!r} is not a forecast column; use {available!r}.")
    if len(chosen) > MAX_PANELS:
        raise ConfigError(
            f"plot_fans draws at most {MAX_PANELS} panels, got {len(chosen)} targets: "
            f"pass targets=[...] with at most {MAX_PANELS} of them, e.g. targets={list(chosen[:3])!r}."
        )
    ncols = 1 if len(chosen) == 1 else 2 if len(chosen) <= 4 else 3
    nrows = math.ceil(len(chosen) / ncols)
    fig = Figure(figsize=(11, 4.5) if ncols == 1 else (5.5 * ncols, 3.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    legend = {}
    for ax, target in zip(axes, chosen):
        for handle in _fan(ax, history, forecast, target, levels, last)[0]:
            legend.setdefault(handle.get_label(), handle)
        ax.set_title(str(target))
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    order = sorted(legend, key=lambda label: (label != "History", label != "Forecast", _label_level(label)))
    axes[0].legend([legend[k] for k in order], order, loc="best", fontsize="small")
    fig.suptitle(f"Forecast of {len(forecast)} step(s)" if title is None else title)
    fig.tight_layout()
    if path is not None:
        _save(fig, path)
    return fig


def _label_level(label: str) -> float:
    try:
        return float(label.split("%")[0])
    except ValueError:
        return 0.0


def plot_calibration(table: pd.DataFrame, path=None, ax=None):
    """Observed against nominal coverage, with the diagonal as the ideal.

    table: columns ``level`` (nominal, percent) and ``coverage`` (observed, percent), one point per
    row (a ``target`` column gives one series per target); or, for a reliability diagram, columns
    ``quantile`` and ``observed`` (fractions: the share of actuals below each quantile). Other
    columns are ignored. path: write the figure (.png or .svg). ax: the Axes to draw on. Returns
    the Axes when ``ax`` is given, else the Figure.
    """
    cols = set(table.columns)
    interval, quantile = {"level", "coverage"} <= cols, {"quantile", "observed"} <= cols
    if interval == quantile:
        raise ColumnError(
            "a calibration table needs the columns 'level' and 'coverage' (percent), or 'quantile' and "
            f"'observed' (fractions), not both; got {list(table.columns)!r}."
        )
    x, y = ("level", "coverage") if interval else ("quantile", "observed")
    rows = table.dropna(subset=[x, y])
    if rows.empty:
        raise EmptyDataError(f"the calibration table has no rows with both {x!r} and {y!r}.")
    top = 100.0 if interval else 1.0
    own = ax is None
    if own:
        _, ax = _axes((5.5, 5.5))
    ax.plot([0.0, top], [0.0, top], color="0.5", ls="--", lw=1.0, label="ideal")
    groups = rows.groupby("target", sort=False) if "target" in cols and rows["target"].nunique() > 1 else None
    for name, part in groups if groups is not None else [("observed", rows)]:
        part = part.sort_values(x)
        ax.plot(part[x].to_numpy(float), part[y].to_numpy(float), marker="o", lw=1.2, label=str(name))
    ax.set_xlim(0.0, top)
    ax.set_ylim(0.0, top)
    ax.set_aspect("equal")
    if interval:
        ax.set_xlabel("nominal coverage (%)")
        ax.set_ylabel("observed coverage (%)")
        ax.set_title("Interval calibration")
    else:
        ax.set_xlabel("quantile level")
        ax.set_ylabel("observed fraction of actuals below")
        ax.set_title("Quantile calibration")
    ax.legend(loc="upper left")
    if path is not None:
        _save(ax.figure, path)
    return ax.figure if own else ax


def plot_series(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    id_name: str,
    ids=None,
    target: str | None = None,
    path=None,
    levels=None,
    last: int | None = None,
    title: str | None = None,
) -> Figure:
    """Fan charts of many series (long tables ``<id>, <time>, ...``), one panel per series, at most 12.

    ids: the series to draw (default: up to 12 of them, evenly spread over the ids in order).
    target: the target to draw (default the first). path: write the figure too (.png or .svg).
    """
    time_name = history.columns[1]
    all_ids = list(dict.fromkeys(forecast[id_name].tolist()))
    if ids is None:
        pick = np.unique(np.linspace(0, len(all_ids) - 1, min(MAX_PANELS, len(all_ids))).round().astype(int))
        chosen = [all_ids[i] for i in pick]
    else:
        wanted = [str(i) for i in (ids if isinstance(ids, (list, tuple)) else [ids])]
        by_text = {str(i): i for i in all_ids}
        unknown = [i for i in wanted if i not in by_text]
        if unknown:
            raise ColumnError(f"ids: series {unknown[0]!r} is not in the forecast; its ids start {all_ids[:3]!r}.")
        if len(wanted) > MAX_PANELS:
            raise ConfigError(f"ids= names {len(wanted)} series: at most {MAX_PANELS} fit one picture.")
        chosen = [by_text[i] for i in wanted]
    available = [c for c in forecast_targets(forecast.drop(columns=[id_name]).set_index(time_name))]
    target = available[0] if target is None else target
    ncols = 1 if len(chosen) == 1 else 2 if len(chosen) <= 4 else 3
    nrows = math.ceil(len(chosen) / ncols)
    fig = Figure(figsize=(11, 4.5) if ncols == 1 else (5.5 * ncols, 3.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    legend = {}
    for ax, sid in zip(axes, chosen):
        h = history[history[id_name] == sid].drop(columns=[id_name]).set_index(time_name)
        f = forecast[forecast[id_name] == sid].drop(columns=[id_name]).set_index(time_name)
        for handle in _fan(ax, h, f, target, levels, last)[0]:
            legend.setdefault(handle.get_label(), handle)
        ax.set_title(f"{id_name} {sid}")
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    order = sorted(legend, key=lambda label: (label != "History", label != "Forecast", _label_level(label)))
    axes[0].legend([legend[k] for k in order], order, loc="best", fontsize="small")
    n_series = len(all_ids)
    fig.suptitle(f"{len(chosen)} of {n_series} series" if title is None else title)
    fig.tight_layout()
    if path is not None:
        _save(fig, path)
    return fig


def plot_explanation(explanation, path=None, target=None, window: int = 0, title: str | None = None):
    """An :class:`~lstmcast.explain.Explanation` drawn: attribution per lag and forecast step (a heat map, the
    columns summed) and per input column (bars, one group per step). Returns the Figure, or the path written."""
    targets = list(explanation.targets)
    target = targets[0] if target is None else target
    if target not in targets:
        raise ColumnError(f"target={target!r} is not a forecast target: use one of {targets!r}.")
    by_lag = explanation.by_lag(window).xs(target, level="target")  # (steps, lags)
    by_column = explanation.by_column(window).xs(target, level="target")  # (steps, columns)
    fig = Figure(figsize=(12, 4.2))
    heat, bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    limit = float(np.abs(by_lag.to_numpy()).max()) or 1.0
    image = heat.imshow(by_lag.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    heat.set_xticks(range(by_lag.shape[1]), by_lag.columns, rotation=90, fontsize="small")
    heat.set_yticks(range(by_lag.shape[0]), [f"step {s}" for s in by_lag.index], fontsize="small")
    heat.set_title("by lag (inputs summed)")
    fig.colorbar(image, ax=heat, label=f"attribution ({explanation.space} scale)")
    steps, names = by_column.index.tolist(), list(by_column.columns)
    width = 0.8 / max(len(steps), 1)
    for i, step in enumerate(steps):
        bars.barh(np.arange(len(names)) + i * width, by_column.loc[step].to_numpy(), height=width, label=f"step {step}")
    bars.set_yticks(np.arange(len(names)) + 0.4 - width / 2, names, fontsize="small")
    bars.axvline(0.0, color="0.5", lw=0.8)
    bars.set_title("by input (lags summed)")
    if len(steps) <= 12:
        bars.legend(fontsize="x-small", loc="best")
    f, b = (
        explanation.forecast[window, 0, targets.index(target)],
        explanation.baseline[window, 0, targets.index(target)],
    )
    default = f"{target}: step 1 forecast {f:.4g} = baseline {b:.4g} + attributions ({explanation.space} scale)"
    fig.suptitle(default if title is None else title)
    return _finish(fig, path)
