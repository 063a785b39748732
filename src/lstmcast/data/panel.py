"""The :class:`Panel`: many validated series with the same columns and frequency, stored stacked.

Every series' values sit one after another in one (rows, columns) float64 array, cut by
``offsets()``, with one stacked time index beside it. ``Panel.series`` builds each :class:`Series`
when it is read (views of the stacked arrays, read-only), so 100,000 series cost no 100,000
pandas objects. Reading and checking a long table into a Panel is
:mod:`lstmcast.data.panel_load` (``load_panel``, ``is_long``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from lstmcast.data.calendar import grid_points
from lstmcast.data.columns import listing
from lstmcast.data.series import Series
from lstmcast.data.time_column import future_index
from lstmcast.errors import ConfigError, DataError

FAST_GRID = 10_000_000  # a shared calendar grid longer than this is not built: the series are checked one by one


@dataclass(frozen=True, eq=False)
class Panel:
    """Many validated series with the same columns and frequency, stacked: ``values[offsets()[i]:offsets()[i+1]]``."""

    ids: tuple[str, ...]  # sorted as strings
    values: np.ndarray  # (total_rows, n_targets + n_features + n_future) float64, read-only, series after series
    row_offsets: np.ndarray  # (n_series + 1,) int64: series i is rows row_offsets[i]:row_offsets[i + 1]
    times: pd.Index  # (total_rows,) DatetimeIndex, or int64 steps (per series 0, 1, ... without a time column)
    targets: tuple[str, ...]
    features: tuple[str, ...]  # past-only covariates
    future: tuple[str, ...]  # covariates known in advance
    freq: str | None  # shared pandas frequency; None for integer steps
    time_name: str | None
    id_name: str
    static: pd.DataFrame | None = None  # (n_series, static columns), index = ids; None without static=
    static_categorical: tuple[str, ...] = ()  # static columns kept as strings
    filled: dict = field(default_factory=dict)  # id -> that series' filled dict (only ids with something filled)
    skipped: dict = field(default_factory=dict)  # id -> business days skipped, trading days only (only ids with some)
    steps: str = "calendar"  # "observations": rows are trading days (see load_series)
    step: int = 1  # the shared step of an integer time column
    to_utc: bool = False
    time_detected: bool = False
    id_kind: str = "str"  # "int" when the id column held integers: outputs give them back as integers

    def __repr__(self) -> str:  # not 100,000 ids
        return (
            f"Panel({self.n_series} series, {self.total_rows} rows, columns {self.columns}, freq={self.freq!r}, "
            f"ids {self.ids[:3]}{'...' if self.n_series > 3 else ''})"
        )

    @property
    def n_series(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def id_values(self) -> np.ndarray:
        """(n_series,) the ids as the user gave them: integers when the id column held integers, else text."""
        if self.id_kind == "int":
            return np.asarray(self.ids, dtype=np.int64)
        return np.asarray(self.ids, dtype=object)

    @property
    def lengths(self) -> np.ndarray:
        """(n_series,) rows of each series."""
        return np.diff(self.row_offsets)

    @property
    def total_rows(self) -> int:
        return int(self.row_offsets[-1])

    @property
    def columns(self) -> tuple[str, ...]:
        return self.targets + self.features + self.future

    @property
    def n_targets(self) -> int:
        return len(self.targets)

    def offsets(self) -> np.ndarray:
        """(n_series + 1,) cumulative row offsets of the series in :meth:`stacked`."""
        return self.row_offsets

    def stacked(self) -> np.ndarray:
        """(total_rows, columns) float64, every series' values one after another (read-only, not a copy)."""
        return self.values

    @property
    def series(self) -> PanelSeries:
        """The panel's :class:`Series`, in ``ids`` order, each built when it is read."""
        return PanelSeries(self)

    def position(self, id) -> int:
        """Where series ``id`` sits in ``ids``."""
        i = self._positions.get(str(id))
        if i is None:
            raise DataError(f"series {str(id)!r} is not in the panel; its ids start {listing(self.ids[:3])}.")
        return i

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {sid: i for i, sid in enumerate(self.ids)}

    def get(self, id) -> Series:
        """The :class:`Series` of ``id``."""
        return self.series[self.position(id)]

    def subset(self, ids) -> Panel:
        """The panel of these series (kept in the panel's order)."""
        keep = np.unique([self.position(i) for i in ids])
        return self._take(keep, self.row_offsets[keep], self.row_offsets[keep + 1])

    def cut(self, last: int) -> Panel:
        """Every series without its ``last`` rows (a hold-out of the newest rows); each must keep one row."""
        if isinstance(last, bool) or not isinstance(last, (int, np.integer)) or last < 0:
            raise ConfigError(f"last={last!r} must be a whole number of rows, 0 or more.")
        short = np.flatnonzero(self.lengths <= last)
        if len(short):
            i = int(short[0])
            raise DataError(
                f"series {self.ids[i]!r} has {self.lengths[i]} row(s): cutting its last {last} leaves none; "
                "drop the short series (subset()) or cut fewer rows."
            )
        return self._take(np.arange(self.n_series), self.row_offsets[:-1], self.row_offsets[1:] - last)

    def tail(self, rows: int) -> Panel:
        """Every series' last ``rows`` rows (all of a shorter series)."""
        if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < 1:
            raise ConfigError.positive("rows", rows)
        stop = self.row_offsets[1:]
        return self._take(np.arange(self.n_series), np.maximum(stop - rows, self.row_offsets[:-1]), stop)

    def future_index(self, horizon: int) -> pd.Index:
        """(n_series * horizon,) the ``horizon`` timestamps (or steps) after each series' last row, series after
        series (as :meth:`Series.future_index`, without one pandas call per series)."""
        last = self.times[self.row_offsets[1:] - 1]  # (n_series,)
        k = np.arange(1, horizon + 1)
        if not isinstance(self.times, pd.DatetimeIndex):
            return pd.Index((last.to_numpy(np.int64)[:, None] + self.step * k).ravel(), name=self.time_name)
        ends, unit = last.asi8, self.times.unit
        out = np.empty((len(last), horizon), np.int64)
        todo = np.ones(len(last), bool)
        lo, hi = last.min(), last.max()
        if grid_points(lo, hi, self.freq) <= FAST_GRID:  # one grid from the earliest end holds every series' future
            n = len(pd.date_range(lo, hi, freq=self.freq))
            grid = pd.date_range(lo, periods=n + horizon, freq=self.freq).as_unit(unit).asi8  # (n + horizon,)
            pos = np.minimum(np.searchsorted(grid, ends), len(grid) - 1)
            on = (grid[pos] == ends) & (pos < n)
            out[on] = grid[pos[on, None] + k]
            todo = ~on
        for j in np.flatnonzero(todo):  # an end off that grid (another phase): its own dates
            out[j] = future_index(last[j : j + 1], self.freq, horizon).as_unit(unit).asi8
        return _datetimes(out.ravel(), self.times)

    def _take(self, which: np.ndarray, start: np.ndarray, stop: np.ndarray) -> Panel:
        """The panel of series ``which`` keeping rows ``start[j]:stop[j]`` (stacked row numbers) of each."""
        lengths = stop - start
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        rows = np.repeat(start - offsets[:-1], lengths) + np.arange(offsets[-1])
        ids = tuple(self.ids[i] for i in which)
        kept = set(ids)
        values = self.values[rows]
        values.flags.writeable = offsets.flags.writeable = False
        return replace(
            self,
            ids=ids,
            values=values,
            row_offsets=offsets,
            times=self.times[rows],
            static=None if self.static is None else self.static.loc[list(ids)],
            filled={i: f for i, f in self.filled.items() if i in kept},
            skipped={i: n for i, n in self.skipped.items() if i in kept},
        )


class PanelSeries(Sequence):
    """A panel's series as a read-only sequence of :class:`Series`, each built on access."""

    def __init__(self, panel: Panel):
        self._panel = panel

    def __len__(self) -> int:
        return self._panel.n_series

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        p = self._panel
        i = range(len(self))[i]  # IndexError past the end, negative indexes counted from it
        a, b = int(p.row_offsets[i]), int(p.row_offsets[i + 1])
        index = pd.RangeIndex(b - a) if p.time_name is None else p.times[a:b]
        sid = p.ids[i]
        return Series(
            index=index,
            values=p.values[a:b],
            targets=p.targets,
            features=p.features,
            freq=p.freq,
            time_name=p.time_name,
            filled=dict(p.filled.get(sid, {})),
            future=p.future,
            steps=p.steps,
            skipped=p.skipped.get(sid, 0),
            step=p.step,
            to_utc=p.to_utc,
            time_detected=p.time_detected,
        )


def _datetimes(i8: np.ndarray, like: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """int64 timestamps (UTC-based, in ``like``'s unit) as a DatetimeIndex with ``like``'s time zone and name."""
    idx = pd.DatetimeIndex(i8.view(f"M8[{like.unit}]"), name=like.name)
    return idx.tz_localize("UTC").tz_convert(like.tz) if like.tz is not None else idx
