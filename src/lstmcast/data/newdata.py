"""New data for a fitted model: newer history, and the future values of covariates known in advance.

Both are checked against the columns and frequency the model was fitted on,
with the same data layer as ``fit`` (:func:`~lstmcast.data.series.load_series`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.data.columns import check_numeric_columns
from lstmcast.data.series import Series, load_series
from lstmcast.data.sources import read_source
from lstmcast.data.timefmt import format_time
from lstmcast.errors import DataError


def load_history(schema: Series, data, fill: str | None, need: int, **reading) -> Series:
    """``data`` validated in the fitted ``schema`` (same targets, covariates, frequency); at least ``need`` rows."""
    frame = read_source(data)
    frame.columns = [str(c) for c in frame.columns]
    time = schema.time_name if schema.time_name in frame.columns else None  # else in the index, or row steps
    if time is None and isinstance(schema.index, pd.DatetimeIndex) and not _timestamps(frame.index):
        raise DataError(
            f"the data has no time column {schema.time_name!r}, which the model was trained with: include it, "
            "so the forecast is labelled with the right timestamps."
        )
    series = load_series(
        frame,
        target=list(schema.targets),
        time=time,
        features=list(schema.features) or None,
        future=list(schema.future) or None,
        freq=schema.freq,
        fill=fill,
        steps=schema.steps,
        **{"warn_unused": False, **reading},
    )
    if len(series) < need:
        raise DataError(f"predicting needs the last {need} rows (window + difference), got {len(series)}.")
    return series


def future_values(series: Series, future, horizon: int) -> np.ndarray | None:
    """(horizon, n_future) raw values of the covariates known in advance, after the end of ``series``.

    future: a DataFrame (or array with those columns in order) holding the ``future=``
    columns for at least ``horizon`` rows; rows are matched by timestamp when it has the
    time column or a DatetimeIndex, else taken in order.
    """
    names = list(series.future)
    if not names:
        return None
    if future is None:
        raise DataError(
            f"this model reads covariates known in advance {names}: pass future= a table with those columns "
            f"for the {horizon} forecast step(s) (from {format_time(series.future_index(1)[0])})."
        )
    if isinstance(future, pd.DataFrame):
        frame = future
    else:
        arr = np.asarray(future)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != len(names) or not np.issubdtype(arr.dtype, np.number):
            raise DataError(f"future= must be a table of numbers with columns {names}, got shape {arr.shape}.")
        frame = pd.DataFrame(arr, columns=names)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise DataError(f"future= lacks column(s) {missing}: it must hold {names} for {horizon} step(s).")
    expected = series.future_index(horizon)
    stamps = None
    if series.time_name is not None and series.time_name in frame.columns:
        stamps = pd.Index(
            pd.to_datetime(frame[series.time_name])
            if isinstance(expected, pd.DatetimeIndex)
            else frame[series.time_name]
        )
    elif isinstance(frame.index, pd.DatetimeIndex):
        stamps = frame.index
    if stamps is not None:
        where = pd.Index(stamps).get_indexer(expected)
        if (where < 0).any():
            first = expected[int(np.argmax(where < 0))]
            raise DataError(
                f"future= has no row for {format_time(first)}: it needs {names} at each of the {horizon} "
                f"forecast timestamps {format_time(expected[0])} .. {format_time(expected[-1])}."
            )
        rows = frame.iloc[where]
    else:
        if len(frame) < horizon:
            raise DataError(f"future= must hold {names} for {horizon} step(s), got {len(frame)} row(s).")
        rows = frame.iloc[:horizon]
    check_numeric_columns(rows, names, "future= ")
    values = rows[names].to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(
            f"future= column {names[c]!r} has a missing or infinite value at {format_time(expected[r])} "
            f"(row {r}): give every forecast step a real value."
        )
    return values


def _timestamps(index: pd.Index) -> bool:
    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex))
