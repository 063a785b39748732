"""Validate a table into a :class:`Series`: time index, target and feature columns, frequency.

Nothing is dropped or filled silently. NaN, infinities, duplicated, unsorted
or missing timestamps raise an error that names the column, the timestamp and
the row, and the fix; filling happens only when asked (``fill=``) and is
reported in ``Series.filled``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstmcast.data.sources import read_source
from lstmcast.data.timefmt import format_time
from lstmcast.errors import ColumnError, ConfigError, MissingValueError, TimeIndexError

FILLS = ("interpolate", "ffill", "zero")


@dataclass(frozen=True)
class Series:
    """A validated table: ``values`` (rows, targets + features) in float64."""

    index: pd.Index  # DatetimeIndex, or RangeIndex of integer steps
    values: np.ndarray  # (rows, n_targets + n_features): targets first
    targets: tuple[str, ...]
    features: tuple[str, ...]
    freq: str | None  # pandas frequency string; None for integer steps
    time_name: str | None
    filled: dict = field(default_factory=dict)  # column -> number of values filled

    @property
    def n_targets(self) -> int:
        return len(self.targets)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.targets + self.features

    def __len__(self) -> int:
        return len(self.index)

    def future_index(self, horizon: int) -> pd.Index:
        """The ``horizon`` timestamps (or steps) after the last row."""
        return future_index(self.index, self.freq, horizon)


def future_index(index: pd.Index, freq: str | None, horizon: int) -> pd.Index:
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[-1], periods=horizon + 1, freq=freq, name=index.name)[1:]
    return pd.RangeIndex(int(index[-1]) + 1, int(index[-1]) + 1 + horizon, name=index.name)


def load_series(
    data,
    target: str | list[str] | None = None,
    time: str | None = None,
    features: list[str] | str | None = None,
    freq: str | None = None,
    fill: str | None = None,
) -> Series:
    """Read and validate ``data``.

    target: the column(s) to forecast; may be left out when there is one numeric column.
    time: the time column; when absent, a DatetimeIndex is used if present, else row steps.
    features: extra input columns, or ``"all"`` for every other numeric column.
    freq: pandas frequency (``"D"``, ``"MS"``, ``"B"``...); inferred when absent.
    fill: ``"interpolate"``, ``"ffill"`` or ``"zero"`` to fill NaN and missing timestamps.
    """
    if fill is not None and fill not in FILLS:
        raise ConfigError.choice("fill", fill, FILLS)
    frame = read_source(data)
    frame.columns = [str(c) for c in frame.columns]
    index, time_name = _time_index(frame, time)
    if time_name is not None and time_name in frame.columns:
        frame = frame.drop(columns=[time_name])
    targets = _targets(frame, target, time_name)
    feats = _features(frame, features, targets)
    cols = list(targets) + list(feats)
    for c in cols:
        _check_numeric(frame, c)
    table = frame[cols].astype(np.float64)
    table.index = index
    freq_used = None
    filled: dict[str, int] = {}
    if isinstance(index, pd.DatetimeIndex):
        _check_order(index, time_name)
        freq_used = _frequency(index, time_name, freq)
        table, n_gaps = _reindex(table, freq_used, time_name, fill)
        if n_gaps:
            filled["missing timestamps"] = n_gaps
    _check_infinite(table)
    for c in cols:
        n_nan = int(table[c].isna().sum())
        if n_nan and fill is None:
            first = int(np.argmax(table[c].isna().to_numpy()))
            raise MissingValueError(
                f"column {c!r} has {n_nan} NaN value(s), first at {format_time(table.index[first])} (row {first}); "
                f"clean the data or pass fill='interpolate', 'ffill' or 'zero'."
            )
        if n_nan:
            table[c] = _fill(table[c], fill)
            filled[c] = n_nan
            if table[c].isna().any():  # ffill/interpolate cannot fill a leading gap
                raise MissingValueError(
                    f"column {c!r} starts with NaN, which fill={fill!r} cannot fill; "
                    "drop the leading rows or use fill='zero'."
                )
    return Series(
        index=table.index,
        values=table.to_numpy(np.float64),
        targets=tuple(targets),
        features=tuple(feats),
        freq=freq_used,
        time_name=time_name,
        filled=filled,
    )


def _time_index(frame: pd.DataFrame, time: str | None) -> tuple[pd.Index, str | None]:
    if time is None:
        if isinstance(frame.index, pd.DatetimeIndex):
            return frame.index, frame.index.name or "index"
        return pd.RangeIndex(len(frame)), None
    if time not in frame.columns:
        raise ColumnError(
            f"time column {time!r} not found; columns are {_listing(frame.columns)}. Pass time= one of them."
        )
    raw = frame[time]
    if pd.api.types.is_integer_dtype(raw):
        idx = pd.Index(raw.to_numpy(), name=time)
        if idx.has_duplicates or not idx.is_monotonic_increasing:
            _check_order(idx, time)
        return idx, time
    parsed = pd.to_datetime(raw, errors="coerce")
    bad = parsed.isna() & raw.notna()
    if raw.isna().any() or bad.any():
        row = int(np.argmax((bad | raw.isna()).to_numpy()))
        raise TimeIndexError(
            f"time column {time!r} has a value that is not a timestamp: {raw.iloc[row]!r} at row {row}; "
            "fix or remove that row."
        )
    return pd.DatetimeIndex(parsed, name=time), time


def _listing(cols) -> str:
    return ", ".join(repr(str(c)) for c in cols)


def _targets(frame: pd.DataFrame, target, time_name) -> list[str]:
    if target is None:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        if len(numeric) == 1:
            return numeric
        raise ColumnError(
            f"cannot tell which column to forecast among {_listing(frame.columns)}: pass target= the column name."
        )
    names = [target] if isinstance(target, str) else list(target)
    for name in names:
        if name not in frame.columns:
            raise ColumnError(f"target column {name!r} not found; columns are {_listing(frame.columns)}.")
    return names


def _features(frame: pd.DataFrame, features, targets: list[str]) -> list[str]:
    if features is None:
        return []
    if isinstance(features, str) and features == "all":
        return [c for c in frame.columns if c not in targets and pd.api.types.is_numeric_dtype(frame[c])]
    names = [features] if isinstance(features, str) else list(features)
    for name in names:
        if name not in frame.columns:
            raise ColumnError(f"feature column {name!r} not found; columns are {_listing(frame.columns)}.")
        if name in targets:
            raise ColumnError(
                f"column {name!r} is both a target and a feature: targets are already inputs, drop it from features."
            )
    return names


def _check_numeric(frame: pd.DataFrame, col: str) -> None:
    s = frame[col]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        coerced = pd.to_numeric(s, errors="coerce")
        bad = coerced.isna() & s.notna()
        row = int(np.argmax(bad.to_numpy())) if bad.any() else 0
        raise ColumnError(
            f"column {col!r} is not numeric (dtype {s.dtype}): value {s.iloc[row]!r} at row {row}; "
            "convert it to numbers or choose another column."
        )


def _check_order(index: pd.Index, name: str | None) -> None:
    dup = index.duplicated()
    if dup.any():
        row = int(np.argmax(dup))
        raise TimeIndexError(
            f"time column {name!r} has {int(dup.sum())} duplicate timestamp(s), "
            f"first {format_time(index[row])} at row {row}; "
            "remove or aggregate the duplicates (e.g. df.groupby(time).mean())."
        )
    if not index.is_monotonic_increasing:
        row = int(np.argmax(np.asarray(index[1:]) < np.asarray(index[:-1]))) + 1
        raise TimeIndexError(
            f"time column {name!r} is not sorted: row {row} ({format_time(index[row])}) is earlier than row {row - 1} "
            f"({format_time(index[row - 1])}); sort the data by time first."
        )


def _frequency(index: pd.DatetimeIndex, name: str | None, freq: str | None) -> str:
    if freq is not None:
        try:
            pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise ConfigError(f"freq={freq!r} is not a pandas frequency: use e.g. 'D', 'h', 'MS', 'B', 'YS'.") from None
        return freq
    if len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns that infer_freq will return an offset
            warnings.simplefilter("ignore")
            inferred = pd.infer_freq(index)
        if inferred is not None:
            return getattr(inferred, "freqstr", inferred)
        # a regular series with gaps: the coarsest calendar grid that holds every timestamp, gaps reported later
        guess = _grid_frequency(index)
        if guess is not None:
            return guess
    raise TimeIndexError(
        f"cannot infer the frequency of time column {name!r} "
        f"({len(index)} rows from {format_time(index[0])} to {format_time(index[-1])}): "
        "pass freq= (e.g. 'D', 'h', 'MS', 'B')."
    )


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
        raise TimeIndexError(
            f"time column {name!r} has {len(missing)} missing timestamp(s) against frequency {freq!r}, "
            f"first {format_time(missing[0])} (between rows {row - 1} and {row}); "
            "pass fill='interpolate', 'ffill' or 'zero' to insert and fill them, "
            "or pass the right freq= (e.g. 'B' for business days)."
        )


def _reindex(table: pd.DataFrame, freq: str, name: str | None, fill: str | None) -> tuple[pd.DataFrame, int]:
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


def _check_infinite(table: pd.DataFrame) -> None:
    for c in table.columns:
        inf = np.isinf(table[c].to_numpy())
        if inf.any():
            row = int(np.argmax(inf))
            raise MissingValueError(
                f"column {c!r} has {int(inf.sum())} infinite value(s), "
                f"first at {format_time(table.index[row])} (row {row}); "
                "replace them with real numbers (fill= handles only NaN)."
            )


def _fill(s: pd.Series, how: str) -> pd.Series:
    if how == "interpolate":
        return s.interpolate(method="linear", limit_direction="forward")
    if how == "ffill":
        return s.ffill()
    return s.fillna(0.0)
