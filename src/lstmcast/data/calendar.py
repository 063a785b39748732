"""Calendar frequencies of a time index: inferred or given, trading days, and the grid the rows must fill.

:func:`frequency` infers a pandas frequency (or checks a given one), falls back to the
coarsest calendar grid that holds every timestamp of a gappy series, and tells trading
days (weekdays with a few holidays missing) from calendar gaps; :func:`reindex` puts the
rows on their grid, reporting or filling missing timestamps. A ``freq=`` whose grid over
the data's span would exceed :data:`MAX_GRID_POINTS` is refused before it is built.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lstmcast.data.timefmt import format_time
from lstmcast.errors import ConfigError, TimeIndexError

TRADING_MISSING_SHARE = 0.10  # at most this share of the business-day grid missing (holidays)
TRADING_LONGEST_GAP = 5  # and no run of more missing business days than this (one week)
MAX_GRID_POINTS = 100_000_000  # a freq= whose grid over the data's span is longer is refused before it is built


def frequency(
    index: pd.DatetimeIndex, name: str | None, freq: str | None, trading_days: bool = True
) -> tuple[str, int | None]:
    """(frequency, business days skipped when the rows are trading days, else None)."""
    if freq is not None:
        try:
            pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise ConfigError(f"freq={freq!r} is not a pandas frequency: use e.g. 'D', 'h', 'MS', 'B', 'YS'.") from None
        return freq, None
    if len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns that infer_freq will return an offset
            warnings.simplefilter("ignore")
            inferred = pd.infer_freq(index)
        if inferred is not None:
            return getattr(inferred, "freqstr", inferred), None
        skipped = _trading_days(index) if trading_days else None
        if skipped is not None:
            return "B", skipped
        # a regular series with gaps: the coarsest calendar grid that holds every timestamp, gaps reported later
        guess = _grid_frequency(index)
        if guess is not None:
            return guess, None
    raise TimeIndexError(
        f"cannot infer the frequency of time column {name!r} "
        f"({len(index)} rows from {format_time(index[0])} to {format_time(index[-1])}): "
        "pass freq= (e.g. 'D', 'h', 'MS', 'B'); dates written day first (31/01/2024) need day_first=True."
    )


def _trading_days(index: pd.DatetimeIndex) -> int | None:
    """The number of business days missing when ``index`` reads as trading days, else None.

    Trading days: every timestamp a weekday at midnight, at most ``TRADING_MISSING_SHARE`` of the
    business days from the first to the last date missing, and no more than ``TRADING_LONGEST_GAP``
    of them in a row (market holidays, not a hole in the data).
    """
    if index.tz is not None:
        index = index.tz_localize(None)
    if not (index == index.normalize()).all() or (index.day_of_week >= 5).any():
        return None
    days = index.to_numpy().astype("datetime64[D]")
    position = np.busday_count(days[0], days)  # place of each date on the business-day grid
    grid = int(position[-1]) + 1
    missing = grid - len(index)
    if missing <= 0 or missing > TRADING_MISSING_SHARE * grid:
        return None
    if int(np.diff(position).max()) - 1 > TRADING_LONGEST_GAP:
        return None
    return missing


def business_days_skipped(index: pd.DatetimeIndex, name: str | None) -> int:
    """The business days missing between the first and last timestamp; each must be a weekday at midnight."""
    naive = index.tz_localize(None) if index.tz is not None else index
    off = (naive != naive.normalize()) | (naive.day_of_week >= 5)
    if off.any():
        row = int(np.argmax(off))
        raise TimeIndexError(
            f"time column {name!r}: timestamp {format_time(index[row])} at row {row} is not a business day at "
            "midnight, so the rows cannot be read as trading days; drop or fix that row."
        )
    days = naive.to_numpy().astype("datetime64[D]")
    return int(np.busday_count(days[0], days[-1])) + 1 - len(index)


def _grid_frequency(index: pd.DatetimeIndex) -> str | None:
    """The candidate frequency with the fewest grid points that still contains every timestamp.

    Grids with more than 1.5 times as many points as rows are not trusted (too many gaps to be a guess).
    """
    first, span = index[0], index[-1] - index[0]
    limit = int(1.5 * len(index))
    mode = pd.Series(index[1:] - index[:-1]).value_counts().index[0]
    day = pd.Timedelta(days=1)
    shortest = {  # the shortest step of each candidate: grids that would be too long are never built
        "YS": 365 * day,
        "YE": 365 * day,
        "QS": 89 * day,
        "QE": 89 * day,
        "MS": 28 * day,
        "ME": 28 * day,
        f"W-{first.day_name()[:3].upper()}": 7 * day,
        "B": day,
        "D": day,
        "h": pd.Timedelta(hours=1),
        "min": pd.Timedelta(minutes=1),
        "s": pd.Timedelta(seconds=1),
        _step_freq(mode): mode,
    }
    best, best_len = None, limit + 1
    for freq, step in shortest.items():
        if span / step > 1.5 * limit + 2 * 7:  # even the sparsest grid of this kind is too long
            continue
        grid = pd.date_range(first, index[-1], freq=freq)
        if len(index) <= len(grid) < best_len and index.isin(grid).all():
            best, best_len = freq, len(grid)
    return best


def _step_freq(step: pd.Timedelta) -> str:
    """A fixed step as a frequency string: whole days as 'D' / '7D', else pandas's own ('h', '15min')."""
    day = pd.Timedelta(days=1)
    if step % day == pd.Timedelta(0):
        n = step // day
        return "D" if n == 1 else f"{n}D"
    return pd.tseries.frequencies.to_offset(step).freqstr


def _report_gaps(index: pd.DatetimeIndex, freq: str, name: str | None) -> None:
    expected = pd.date_range(index[0], index[-1], freq=freq)
    missing = expected.difference(index)
    if len(missing):
        row = int(index.searchsorted(missing[0]))
        if freq != "B":
            other = ", or pass the right freq= (e.g. 'B' for business days)"
        elif _trading_days(index) is not None:
            other = ", or leave freq= out to read the rows as trading days"
        else:
            other = (
                f" (rows are read as trading days only with at most {TRADING_LONGEST_GAP} business days missing "
                f"in a row and {TRADING_MISSING_SHARE:.0%} in all)"
            )
        raise TimeIndexError(
            f"time column {name!r} has {len(missing)} missing timestamp(s) against frequency {freq!r}, "
            f"first {format_time(missing[0])} (between rows {row - 1} and {row}); "
            f"pass fill='interpolate', 'ffill' or 'zero' to insert and fill them{other}."
        )


def grid_points(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> float:
    """About how many timestamps ``freq`` puts from ``first`` to ``last`` (computed, never built)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    try:
        step = pd.Timedelta(offset)  # fixed steps: 'h', '15min', 'ms'...
    except (ValueError, TypeError):
        probe = pd.date_range(first, periods=8, freq=offset)  # calendar steps: the shortest of a few
        step = min(probe[1:] - probe[:-1])
    span = int(pd.Timestamp(last).value) - int(pd.Timestamp(first).value)  # Python ints: spans over 292 years fit
    return span / step.value + 1 if step > pd.Timedelta(0) else float("inf")


def _check_grid(index: pd.DatetimeIndex, freq: str, name: str | None) -> None:
    """Refuse a frequency whose grid over the data's span would exceed MAX_GRID_POINTS, before building it."""
    n = grid_points(index[0], index[-1], freq)
    if n <= MAX_GRID_POINTS:
        return
    hint = ""
    for other in (freq.upper(), freq.swapcase(), freq.lower()):
        if other != freq:
            try:
                if grid_points(index[0], index[-1], other) <= 2 * len(index):
                    hint = f" (did you mean {other!r}?)"
                    break
            except ValueError:
                continue
    raise ConfigError(
        f"freq={freq!r} would put about {n:,.0f} timestamps between {format_time(index[0])} and "
        f"{format_time(index[-1])} for {len(index)} rows, more than {MAX_GRID_POINTS:,}: pass the data's own "
        f"frequency{hint}, or leave freq= out to infer it."
    )


def _is_subdaily(freq: str) -> bool:
    try:
        return pd.Timedelta(pd.tseries.frequencies.to_offset(freq)) < pd.Timedelta(days=1)
    except (ValueError, TypeError):
        return False


def reindex(table: pd.DataFrame, freq: str, name: str | None, fill: str | None) -> tuple[pd.DataFrame, int]:
    _check_grid(table.index, freq, name)
    expected = pd.date_range(table.index[0], table.index[-1], freq=freq)
    if len(expected) == len(table) and expected.equals(table.index):
        return table, 0
    extra = table.index.difference(expected)
    if len(extra):
        row = int(table.index.get_loc(extra[0]))
        raise TimeIndexError(
            f"time column {name!r}: timestamp {format_time(extra[0])} at row {row} is off the frequency {freq!r}; "
            "pass the right freq= or resample the data."
        )
    if fill is None:
        _report_gaps(table.index, freq, name)
    out = table.reindex(expected)
    out.index.name = table.index.name
    return out, len(expected) - len(table)
