"""Covariates known in advance for many series: the table a user fills, and its values checked and aligned.

:func:`make_future_frame` lists every series' next timestamps with its ``future=`` columns empty;
:func:`future_table` reads such a table back as (series, steps, columns) raw values, naming the
first missing series or timestamp. Calendar columns are computed from the timestamps, never asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.data import calendar_features
from lstmcast.data.columns import check_numeric_columns
from lstmcast.errors import ConfigError, DataError


def make_future_frame(panel, horizon: int) -> pd.DataFrame:
    """The long table ``<id>, <time>`` of every series' next ``horizon`` timestamps, with the ``future=``
    columns empty (NaN): fill them and pass the table to ``predict(future=...)``."""
    frame = pd.DataFrame(
        {
            panel.id_name: np.repeat(panel.id_values(), horizon),
            panel.time_name or "ds": panel.future_index(horizon),
        }
    )
    for name in calendar_features.user_columns(panel.future):  # calendar columns are computed, not filled in
        frame[name] = np.nan
    return frame


def future_table(panel, future, steps: int) -> np.ndarray:
    """(S, steps, n_future) raw values of the known-in-advance columns after each series' end.

    future: a long table with the id, time and ``future=`` columns (:func:`make_future_frame`
    builds one); every series needs a value at each of its next ``steps`` timestamps. A
    missing series or timestamp is named in the error.
    """
    every = list(panel.future)
    names, id_name = list(calendar_features.user_columns(every)), panel.id_name
    time_name = panel.time_name or "ds"
    computed = {}
    if len(names) < len(every):  # the calendar columns: from the forecast timestamps, not from the user
        stamps = panel.future_index(steps)
        computed = dict(zip(calendar_features.names(panel.freq), calendar_features.values(stamps, panel.freq).T))
    if not names:
        if future is not None:
            raise ConfigError("future= was given, but this model reads no covariates known in advance from you.")
        cols = [computed[name] for name in every]
        return np.stack(cols, axis=1).reshape(panel.n_series, steps, len(every))
    if future is None:
        raise DataError(
            f"this model reads covariates known in advance {names}: pass future= a long table with the columns "
            f"{[id_name, time_name, *names]} for the next {steps} step(s) of every series "
            "(make_future_frame(horizon) builds it to fill)."
        )
    if not isinstance(future, pd.DataFrame):
        raise DataError(f"future= must be a long table (DataFrame) with the columns {[id_name, time_name, *names]}.")
    missing = [c for c in (id_name, time_name, *names) if c not in future.columns]
    if missing:
        raise DataError(f"future= lacks column(s) {missing}: it must hold {[id_name, time_name, *names]}.")
    check_numeric_columns(future, names, "future= ")
    expected = make_future_frame(panel, steps)
    times = future[time_name]
    if isinstance(panel.times, pd.DatetimeIndex):
        times = pd.to_datetime(times)
        expected[time_name] = pd.DatetimeIndex(expected[time_name]).as_unit("ns").tz_localize(None)
        times = pd.DatetimeIndex(times).as_unit("ns").tz_localize(None)
    given = pd.DataFrame({"_id": future[id_name].astype(str).to_numpy(), "_t": np.asarray(times)})
    given = pd.concat([given, future[names].reset_index(drop=True)], axis=1)
    if given.duplicated(["_id", "_t"]).any():
        row = given[given.duplicated(["_id", "_t"])].iloc[0]
        raise DataError(f"future= repeats series {row['_id']!r} at {row['_t']}: give each timestamp once per series.")
    want = pd.DataFrame({"_id": expected[id_name].astype(str).to_numpy(), "_t": np.asarray(expected[time_name])})
    merged = want.merge(given, on=["_id", "_t"], how="left")
    values = merged[names].to_numpy(np.float64)  # (S * steps, n_future)
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        n_series = len(set(merged.loc[bad, "_id"]))
        raise DataError(
            f"future= has no (finite) value of {names} for series {merged['_id'][i]!r} at {merged['_t'][i]}, "
            f"one of the {steps} forecast step(s) after its last row; {int(bad.sum())} row(s) of {n_series} "
            "series are missing. make_future_frame(horizon) lists every row needed."
        )
    cols = [computed[name] if name in computed else values[:, names.index(name)] for name in every]
    return np.stack(cols, axis=1).reshape(panel.n_series, steps, len(every))
