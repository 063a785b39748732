"""Calendar features as covariates known in advance: the cycles a frequency has, as sine and cosine.

``calendar=True`` adds, by the data's frequency:

* sub-daily (hourly, half-hourly, minutes): time of day and day of week;
* daily and business daily: day of week and day of year;
* weekly: week of year; monthly: month of year; quarterly: quarter of year.

Each cycle is a pair ``sin(2 pi t / period)``, ``cos(2 pi t / period)`` (December sits next to
January), named ``calendar_<cycle>_sin`` / ``_cos``. They are computed from the timestamps, so
they need no values from the user over the horizon: ``predict()`` computes them for the
forecast timestamps. Yearly data and integer steps have no calendar cycle and are refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError

PREFIX = "calendar_"


def _time_of_day(ix: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return ix.hour + ix.minute / 60 + ix.second / 3600, 24.0


def _day_of_week(ix: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return np.asarray(ix.day_of_week, np.float64), 7.0


def _day_of_year(ix: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return np.asarray(ix.day_of_year - 1, np.float64), 365.25


def _week_of_year(ix: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return np.asarray(ix.isocalendar().week, np.float64) - 1, 52.18


def _month(ix: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return np.asarray(ix.month - 1, np.float64), 12.0


def _quarter(ix: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    return np.asarray(ix.quarter - 1, np.float64), 4.0


CYCLES = {
    "time_of_day": _time_of_day,
    "day_of_week": _day_of_week,
    "day_of_year": _day_of_year,
    "week_of_year": _week_of_year,
    "month": _month,
    "quarter": _quarter,
}


def cycles(freq: str | None) -> tuple[str, ...]:
    """The calendar cycles of a pandas frequency; ConfigError when it has none."""
    if freq is None:
        raise ConfigError(
            "calendar=True needs timestamps: this data is indexed by integer steps, which have no calendar; "
            "leave calendar out or give the data a time column of dates."
        )
    offset = pd.tseries.frequencies.to_offset(freq)
    step = pd.Timedelta(offset.nanos, "ns") if _fixed(offset) else None
    name = type(offset).__name__
    if step is not None and step < pd.Timedelta(days=1):
        return ("time_of_day", "day_of_week")
    if name in ("Day", "BusinessDay", "CustomBusinessDay"):
        return ("day_of_week", "day_of_year")
    if name == "Week":
        return ("week_of_year",)
    if "Month" in name:
        return ("month",)
    if "Quarter" in name:
        return ("quarter",)
    raise ConfigError(
        f"calendar=True: the frequency {freq!r} has no calendar cycle to add (yearly data repeats no season "
        "within a year); leave calendar out."
    )


def _fixed(offset) -> bool:
    try:
        offset.nanos  # noqa: B018 (raises for calendar offsets such as months)
    except (ValueError, AttributeError):
        return False
    return True


def names(freq: str | None) -> tuple[str, ...]:
    """The column names ``calendar=True`` adds for this frequency."""
    return tuple(f"{PREFIX}{c}_{part}" for c in cycles(freq) for part in ("sin", "cos"))


def values(index: pd.DatetimeIndex, freq: str | None) -> np.ndarray:
    """(rows, 2 * cycles) the calendar features of ``index``, in the order of :func:`names`."""
    if not isinstance(index, pd.DatetimeIndex):
        raise ConfigError("calendar=True needs timestamps: this data is indexed by integer steps.")
    out = []
    for c in cycles(freq):
        t, period = CYCLES[c](index)
        angle = 2 * np.pi * np.asarray(t, np.float64) / period
        out += [np.sin(angle), np.cos(angle)]
    return np.stack(out, axis=1)


def is_calendar(name: str) -> bool:
    return name.startswith(PREFIX)


def add_to_series(series):
    """``series`` with the calendar columns appended as covariates known in advance (the last columns)."""
    return _appended(series, series.index, series.values)


def add_to_panel(panel):
    """``panel`` with the calendar columns appended to every series (from its timestamps)."""
    return _appended(panel, panel.times, panel.stacked(), read_only=True)


def _appended(table, times, rows: np.ndarray, read_only: bool = False):
    """A Series or Panel with the calendar columns of ``times`` after its ``rows`` (rows, columns)."""
    import dataclasses

    clash = [c for c in table.columns if is_calendar(c)]
    if clash:
        raise ConfigError(
            f"calendar=True adds columns named {PREFIX}*, but the data already has {clash[0]!r}: rename it."
        )
    stacked = np.concatenate([rows, values(times, table.freq)], axis=1)  # (rows, columns + 2 * cycles)
    stacked.flags.writeable = not read_only
    return dataclasses.replace(table, values=stacked, future=table.future + names(table.freq))


def user_columns(columns) -> tuple[str, ...]:
    """The columns a user gives (the calendar ones are computed)."""
    return tuple(c for c in columns if not is_calendar(c))
