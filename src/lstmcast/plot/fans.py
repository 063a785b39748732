"""Prediction intervals drawn: fan charts of one or many series, and the calibration of the intervals.

A fan is the history, the point forecast and one band per interval level, narrowest darkest.
The levels are read from the forecast's ``<target>-lo-<L>`` / ``<target>-hi-<L>`` columns.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

from lstmcast.errors import ColumnError, ConfigError, DataError, EmptyDataError
from lstmcast.plot.figure import MAX_PANELS, Figure, new_axes, save
from lstmcast.uncertainty.names import check_levels, level_columns, number_text

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
        _, ax = new_axes((11, 4.5))
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
        save(fig, path)
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
        _, ax = new_axes((5.5, 5.5))
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
        save(ax.figure, path)
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
        save(fig, path)
    return fig
