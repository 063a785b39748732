"""A table's time column read into an index: timestamps or whole-number steps, checked for order and steps.

The time column is named (``time=``), found (the one column of dates), or is the table's own
index; timestamps are parsed (a format, day first, several UTC offsets converted to UTC), and
must fit in nanoseconds; a numeric time column holds whole steps on one constant step. A
duplicate or unsorted timestamp is refused naming its row. :func:`future_index` gives the
timestamps or steps after the last row.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lstmcast.data.columns import listing
from lstmcast.data.timefmt import format_time
from lstmcast.errors import ColumnError, TimeIndexError


def future_index(index: pd.Index, freq: str | None, horizon: int, step: int = 1) -> pd.Index:
    """The ``horizon`` timestamps after ``index[-1]`` on ``freq``, or integer steps of ``step``.

    With ``freq="B"`` these are the next business days (weekdays: holidays ahead are not known).
    """
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[-1], periods=horizon + 1, freq=freq, name=index.name)[1:]
    last = int(index[-1])
    return pd.RangeIndex(last + step, last + step * (horizon + 1), step, name=index.name)


def date_column(frame: pd.DataFrame, date_format: str | None = None, day_first: bool = False) -> str | None:
    """The one column holding dates, when time= is not given: a datetime column, or text whose values all
    parse as dates. None when there is none; several such columns are refused (name one with time=)."""
    found = []
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            found.append(c)
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            sample = col.dropna().head(20).astype(str)
            if len(sample) and sample.str.contains(r"\d").all():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parsed = pd.to_datetime(sample, errors="coerce", format=date_format, dayfirst=day_first)
                if parsed.notna().all() and (parsed.dt.year >= 1000).all():  # '1,5' parses as year 1: not a date
                    found.append(c)
                elif date_format is None and not day_first and _day_first_only(sample):
                    raise ColumnError(
                        f"column {str(c)!r} holds dates written day first ({sample.iloc[int(parsed.isna().argmax())]!r}"
                        "), which are read month first unless told: pass day_first=True, or date_format= "
                        "(e.g. '%d/%m/%Y')."
                    )
    if len(found) > 1:
        raise ColumnError(f"columns {listing(found)} all hold dates: pass time= the one that is the time column.")
    return str(found[0]) if found else None


def _day_first_only(sample: pd.Series) -> bool:
    """Whether text dates with a four-digit year all parse day first (31/01/2024) where some do not month first."""
    if not sample.str.contains(r"\d{4}").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", dayfirst=True)
    return bool(parsed.notna().all() and (parsed.dt.year >= 1000).all())


def time_index(
    frame: pd.DataFrame, time: str | None, date_format: str | None = None, day_first: bool = False
) -> tuple[pd.Index, str | None, bool]:
    """(time index, its name, whether timestamps with several UTC offsets were converted to UTC)."""
    if time is None:
        if isinstance(frame.index, pd.PeriodIndex):  # periods become the timestamps where they start
            frame.index = frame.index.to_timestamp()
        if isinstance(frame.index, pd.DatetimeIndex):
            return _nanoseconds(frame.index, frame.index.name), frame.index.name or "index", False
        idx = frame.index
        named = idx.name is not None and str(idx.name) not in frame.columns
        row_steps = isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1
        if named and pd.api.types.is_integer_dtype(idx) and not row_steps:
            # a named integer index (e.g. years) is a time index; unnamed, or 0, 1, 2...: row steps
            name = str(idx.name)
            return whole_numbers(pd.Series(frame.index, name=name), name), name, False
        return pd.RangeIndex(len(frame)), None, False
    if time not in frame.columns:
        raise ColumnError(
            f"time column {time!r} not found; columns are {listing(frame.columns)}. Pass time= one of them."
        )
    raw = frame[time]
    if pd.api.types.is_bool_dtype(raw):
        pass  # not a number of steps: parsed (and refused) as timestamps below
    elif pd.api.types.is_integer_dtype(raw) or pd.api.types.is_float_dtype(raw):
        return whole_numbers(raw, time), time, False
    parsed, to_utc = _parse_times(raw, date_format, day_first)
    bad = parsed.isna() & raw.notna()
    if raw.isna().any() or bad.any():
        row = int(np.argmax((bad | raw.isna()).to_numpy()))
        how = f" in date_format={date_format!r}" if date_format else ""
        raise TimeIndexError(
            f"time column {time!r} has a value that is not a timestamp{how}: {raw.iloc[row]!r} at row {row}; "
            "fix or remove that row."
        )
    return _nanoseconds(pd.DatetimeIndex(parsed, name=time), time), time, to_utc


def _nanoseconds(index: pd.DatetimeIndex, name: str | None) -> pd.DatetimeIndex:
    """``index``, whose dates must fit in nanoseconds, the unit the calendar computations here use: dates
    outside that range (before 1677-09-21 or after 2262-04-11) are refused with one line naming the first."""
    try:
        index.as_unit("ns")  # checked only: the index keeps the unit pandas gave it
        return index
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        years = np.asarray(index.year)
        bad = (years < 1678) | (years > 2261)
        row = int(np.argmax(bad)) if bad.any() else 0
        raise TimeIndexError(
            f"time column {name or 'index'!r} holds {index[row].isoformat()} at row {row}, outside the dates lstmcast "
            f"reads ({pd.Timestamp.min.date()} to {pd.Timestamp.max.date()}): give the time as whole numbers "
            "(e.g. years) instead, or drop those rows."
        ) from None


def _parse_times(raw: pd.Series, date_format: str | None = None, day_first: bool = False) -> tuple[pd.Series, bool]:
    """(timestamps, whether they were converted to UTC); unparseable values become NaT.

    ``date_format`` (strftime) reads every value in that format; ``day_first`` reads ambiguous
    dates such as 01/02/2015 as 1 February. Without them, pandas infers the format:

    Text with several UTC offsets (a local zone across daylight saving time) cannot share one
    fixed offset, so it is converted to UTC rather than refused. Dates that do not all parse
    month first but all parse day first (13/01/2023) are read day first, every one of them.
    """
    if date_format is not None or day_first:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return pd.to_datetime(raw, errors="coerce", format=date_format, dayfirst=day_first), False
            except (ValueError, TypeError):  # several UTC offsets
                return pd.to_datetime(raw, errors="coerce", format=date_format, dayfirst=day_first, utc=True), True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas warns about mixed offsets before (or instead of) raising
            parsed = pd.to_datetime(raw, errors="coerce")
    except (ValueError, TypeError):  # pandas 3: "Mixed timezones detected"
        parsed = None
    if parsed is None or (parsed.dtype == object and parsed.notna().any()):  # pandas 2: an object column
        return pd.to_datetime(raw, errors="coerce", utc=True), True
    if (parsed.isna() & raw.notna()).any() and not pd.api.types.is_numeric_dtype(raw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            day_first = pd.to_datetime(raw, errors="coerce", dayfirst=True)
        if not (day_first.isna() & raw.notna()).any():  # 13/01/2023 exists only day first: read them all so
            return day_first, False
    return parsed, False


def whole_numbers(raw: pd.Series, name: str) -> pd.Index:
    """A numeric time column as an integer Index, sorted and without duplicates; floats must be whole numbers."""
    if pd.api.types.is_integer_dtype(raw) and not raw.isna().any():
        values = raw.to_numpy(np.int64)
    else:
        floats = raw.to_numpy(np.float64, na_value=np.nan)
        bad = ~np.isfinite(floats) | (floats != np.round(floats))
        if bad.any():
            row = int(np.argmax(bad))
            raise TimeIndexError(
                f"time column {name!r} has a value that is not a whole number: {float(floats[row])!r} at row {row}; "
                "a numeric time column holds whole steps (e.g. years): fix that row or pass time= another column."
            )
        values = floats.astype(np.int64)
    idx = pd.Index(values, name=name)
    if idx.has_duplicates or not idx.is_monotonic_increasing:
        check_order(idx, name)
    return idx


def integer_steps(table: pd.DataFrame, name: str, fill: str | None) -> tuple[int, pd.DataFrame, int]:
    """(step, table on the full grid of that step, number of steps inserted) for an integer time index.

    The step is the most common difference between consecutive values; any other difference is a
    gap (missing steps, refused unless ``fill=`` is given) or a value off that step (always refused).
    """
    values = table.index.to_numpy(np.int64)
    if len(values) < 2:
        return 1, table, 0
    diffs = np.diff(values)
    uniq, counts = np.unique(diffs, return_counts=True)
    step = int(uniq[np.argmax(counts)])  # positive: the values are sorted without duplicates
    first, last = int(values[0]), int(values[-1])
    off = (values - first) % step != 0
    if off.any():
        row = int(np.argmax(off))
        raise TimeIndexError(
            f"time column {name!r} steps by {step} (its most common difference) but value {values[row]} at row {row} "
            f"is off that step (counting from {first}); pass data on one constant step."
        )
    n_missing = (last - first) // step + 1 - len(values)
    if n_missing == 0:
        return step, table, 0
    if fill is None:
        row = int(np.argmax(diffs != step)) + 1
        raise TimeIndexError(
            f"time column {name!r} steps by {step} but has {n_missing} missing step(s), first between "
            f"{values[row - 1]} (row {row - 1}) and {values[row]} (row {row}); insert the missing rows, "
            "or pass fill='interpolate', 'ffill' or 'zero' to insert and fill them."
        )
    out = table.reindex(pd.RangeIndex(first, last + step, step, name=name))
    return step, out, n_missing


def check_order(index: pd.Index, name: str | None) -> None:
    dup = index.duplicated()
    if dup.any():
        row = int(np.argmax(dup))
        raise TimeIndexError(
            f"time column {name!r} has {int(dup.sum())} duplicate timestamp(s), "
            f"first {format_time(index[row])} at row {row}; "
            "remove or aggregate the duplicates (e.g. df.groupby(time).mean()); if the table holds several "
            "series in long format (an id column), pass id= that column (--id on the command line): one model "
            "for every series."
        )
    if not index.is_monotonic_increasing:
        row = int(np.argmax(np.asarray(index[1:]) < np.asarray(index[:-1]))) + 1
        raise TimeIndexError(
            f"time column {name!r} is not sorted: row {row} ({format_time(index[row])}) is earlier than row {row - 1} "
            f"({format_time(index[row - 1])}); sort the data by time first."
        )
