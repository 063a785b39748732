"""Which column of a long table is what: the id, the time, the targets, the features and the static columns.

The Nixtla names (``unique_id``, ``ds``, ``y``) are taken when they exist and nothing else is
named; a column given two roles, or a name that is not a column, is refused naming it. Index
levels become columns, and the time column is read in table order (:func:`time_values`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.data.columns import listing, role_columns, target_columns
from lstmcast.data.sources import _check_unique_columns, read_source
from lstmcast.data.time_column import date_column, time_index, whole_numbers
from lstmcast.errors import ColumnError, EmptyDataError

ID, TIME, TARGET = "unique_id", "ds", "y"  # the Nixtla convention, used when those columns exist


def long_frame(data, id_name: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """(the table with named index levels as columns and string column names, the column a DatetimeIndex became).

    A DataFrame is read as it is, not copied (nothing here writes to it).
    """
    if isinstance(data, pd.DataFrame):
        _check_unique_columns(list(data.columns), "the data")
        if len(data) == 0:
            raise EmptyDataError("the data has no rows: check the file or filter that produced it.")
        frame = data
    else:
        frame = read_source(data, text=(id_name,) if id_name else ())  # ids as written: "007" is not 7
    index_time = None
    if isinstance(frame.index, pd.PeriodIndex):  # periods become the timestamps where they start
        frame = frame.set_axis(frame.index.to_timestamp(), axis=0)
    if isinstance(frame.index, pd.DatetimeIndex):
        index_time = str(frame.index.name or "index")
    if index_time is not None or any(n is not None for n in frame.index.names):
        names = [str(n) for n in frame.index.names if n is not None] or [index_time]
        if not set(names) & {str(c) for c in frame.columns}:  # (unique_id, ds) index levels become columns
            frame = frame.reset_index()
        else:
            index_time = None
    return frame.set_axis([str(c) for c in frame.columns], axis=1), index_time


def column_roles(frame, id, target, time, features, future, static):
    """(id, time, targets, features, future, static column names, whether the time column was found by its dates)."""
    cols = frame.columns
    id_name = ID if id is None else id
    if id_name not in cols:
        raise ColumnError(
            f"id column {id_name!r} not found; columns are {listing(cols)}. Pass id= the column that names each series."
        )
    statics = _names(static, "static", cols)
    for role, given in (("target", target), ("features", features), ("future", future)):
        if id_name in _names(given, role, None):
            raise ColumnError(f"column {id_name!r} is the id column: it cannot be in {role}= too.")
        both = [c for c in _names(given, role, None) if c in statics]
        if both:
            raise ColumnError(
                f"column {both[0]!r} is both static and in {role}=: a static column holds one value per series; "
                f"keep it in one of static= and {role}=."
            )
    for name, role in ((time, "time"), *((s, "static") for s in statics)):
        if name == id_name:
            raise ColumnError(f"column {id_name!r} is the id column: it cannot be the {role} column too.")
    if time in statics:
        raise ColumnError(f"column {time!r} is static: it cannot be the time column too.")
    rest = frame.iloc[:0].drop(columns=[id_name, *statics])  # names and dtypes are enough here
    detected = False
    if time is None:
        time = TIME if TIME in rest.columns else date_column(frame.drop(columns=[id_name, *statics]))
        detected = time is not None and time != TIME
    elif time not in cols:
        raise ColumnError(f"time column {time!r} not found; columns are {listing(cols)}. Pass time= one of them.")
    if time is not None:
        rest = rest.drop(columns=[time])
    if target is None and TARGET in rest.columns:
        target = TARGET
    targets = target_columns(rest, target, time)
    known = role_columns(rest, future, targets, "future")
    feats = [c for c in role_columns(rest, features, targets, "feature") if features != "all" or c not in known]
    both = [c for c in feats if c in known]
    if both:
        raise ColumnError(
            f"column {both[0]!r} is both a past-only feature and a future= column: "
            "keep it in future= if its values are known in advance, else in features=."
        )
    return id_name, time, targets, feats, known, statics, detected


def _names(given, role: str, cols) -> list[str]:
    """Column names given as one name or a list; checked against ``cols`` unless it is None."""
    if given is None or (isinstance(given, str) and given == "all"):
        return []
    names = [given] if isinstance(given, str) else list(given)
    for name in names if cols is not None else ():
        if name not in cols:
            raise ColumnError(f"{role} column {name!r} not found; columns are {listing(cols)}.")
        if names.count(name) > 1:
            raise ColumnError(f"{role} column {name!r} is named twice: name each column once.")
    return names


def time_values(
    frame: pd.DataFrame, time: str | None, date_format=None, day_first=False
) -> tuple[pd.Index | None, bool]:
    """(the time column as a DatetimeIndex or int64 Index in table order, or None; whether it was converted to UTC)."""
    if time is None:
        return None, False
    raw = frame[time]
    if not pd.api.types.is_bool_dtype(raw) and pd.api.types.is_numeric_dtype(raw):
        if pd.api.types.is_integer_dtype(raw) and not raw.isna().any():
            return pd.Index(raw.to_numpy(np.int64)), False
        floats = raw.to_numpy(np.float64, na_value=np.nan)
        if (~np.isfinite(floats) | (floats != np.round(floats))).any():
            whole_numbers(raw, time)  # raises its error, naming the row
        return pd.Index(floats.astype(np.int64)), False
    index, _, to_utc = time_index(frame, time, date_format, day_first)
    return index, to_utc
