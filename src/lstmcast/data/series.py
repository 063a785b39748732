"""Validate a table into a :class:`Series`: time index, target and feature columns, frequency.

Nothing is dropped or filled silently. NaN, infinities, duplicated, unsorted
or missing timestamps raise an error that names the column, the timestamp and
the row, and the fix; filling happens only when asked (``fill=``) and is
reported in ``Series.filled``.

Two kinds of time index are told apart from calendar gaps without options:

* Trading days. When ``freq`` is not given and every timestamp is a weekday at
  midnight (no time of day), but the dates are not regular enough for
  ``pd.infer_freq``, the rows are taken as consecutive observations on business
  days when the business-day grid from the first to the last date misses at most
  10% of its points (:data:`lstmcast.data.calendar.TRADING_MISSING_SHARE`) and no run of more than 5
  consecutive business days (:data:`lstmcast.data.calendar.TRADING_LONGEST_GAP`, one week): market
  holidays. Nothing is inserted or filled; ``Series.freq`` is ``"B"``,
  ``Series.steps`` is ``"observations"``, ``Series.skipped`` counts the missing
  business days, and forecasts are labelled with the next business days. An
  explicit ``freq=`` (``"B"`` included) is a calendar and keeps gap checking.
* Whole-number time columns (years, step numbers). Floats that are all whole
  numbers are read as integers; the step is the most common difference, kept in
  ``Series.step``, and any other difference is a gap or an off-step value.

Timestamps with several UTC offsets (a local zone across daylight saving time) are converted to
UTC (``Series.to_utc``, said in ``Series.index_note``); forecasts are then labelled in UTC.
Before a calendar grid is built, a ``freq=`` that would put more than
:data:`lstmcast.data.calendar.MAX_GRID_POINTS` timestamps over the data's span is refused
(``freq='ms'``, milliseconds, for ``'MS'``). Values beyond
:data:`lstmcast.data.columns.MAX_MAGNITUDE` are refused: their squares overflow float64.

The checks of the value columns are in :mod:`lstmcast.data.columns`, those of the time column in
:mod:`lstmcast.data.time_column`; this module holds the :class:`Series` and the order they run in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstmcast.data.calendar import business_days_skipped, frequency, reindex
from lstmcast.data.columns import (
    FILLS,
    check_infinite,
    check_magnitude,
    check_numeric,
    fill_missing,
    role_columns,
    target_columns,
    warn_unused_columns,
    with_thousands,
)
from lstmcast.data.sources import read_source
from lstmcast.data.time_column import check_order, date_column, future_index, integer_steps, time_index
from lstmcast.data.timefmt import format_time
from lstmcast.errors import (
    ColumnError,
    ConfigError,
    MissingValueError,
)

STEPS = ("calendar", "observations")


@dataclass(frozen=True)
class Series:
    """A validated table: ``values`` (rows, targets + features + future) in float64.

    Columns have roles: ``targets`` are forecast; ``features`` are observed only up to the
    forecast origin (past-only covariates); ``future`` are known in advance (prices,
    holidays, calendar), so their values over the horizon may be read too.
    """

    index: pd.Index  # DatetimeIndex, or RangeIndex of integer steps
    values: np.ndarray  # (rows, n_targets + n_features + n_future): targets first, then past-only, then future
    targets: tuple[str, ...]
    features: tuple[str, ...]  # past-only covariates
    freq: str | None  # pandas frequency string; None for integer steps
    time_name: str | None
    filled: dict = field(default_factory=dict)  # column -> number of values filled
    future: tuple[str, ...] = ()  # covariates known in advance
    steps: str = "calendar"  # "calendar": rows sit on the freq grid; "observations": trading days, gaps skipped
    skipped: int = 0  # calendar points skipped when steps == "observations" (e.g. market holidays)
    step: int = 1  # the step of an integer time index (e.g. 1 for years, 2 for 0, 2, 4...)
    to_utc: bool = False  # timestamps with several UTC offsets (daylight saving time) were converted to UTC
    time_detected: bool = False  # time= was not given and the one column holding dates was used

    @property
    def n_targets(self) -> int:
        return len(self.targets)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.targets + self.features + self.future

    def __len__(self) -> int:
        return len(self.index)

    @property
    def index_note(self) -> str | None:
        """A one-line note on how rows map to time when that is not plain calendar steps, else None."""
        notes = []
        if self.time_detected:
            notes.append(f"time column {self.time_name!r} found by its dates (pass time= to choose another)")
        if self.to_utc:
            notes.append(
                "the time column's timestamps have several UTC offsets (daylight saving time): they were "
                "converted to UTC, and forecasts are labelled in UTC"
            )
        if self.steps == "observations":
            notes.append(
                f"rows are trading days: business days with {self.skipped} missing weekday(s) (holidays) skipped, "
                "not filled; forecasts are labelled with the next business days"
            )
        return "; ".join(notes) or None

    def future_index(self, horizon: int) -> pd.Index:
        """The ``horizon`` timestamps (or steps) after the last row."""
        return future_index(self.index, self.freq, horizon, step=self.step)


def load_series(
    data,
    target: str | list[str] | None = None,
    time: str | None = None,
    features: list[str] | str | None = None,
    freq: str | None = None,
    fill: str | None = None,
    future: list[str] | str | None = None,
    *,
    steps: str | None = None,
    date_format: str | None = None,
    day_first: bool = False,
    thousands: str | None = None,
    warn_unused: bool = True,
) -> Series:
    """Read and validate ``data``.

    target: the column(s) to forecast; may be left out when there is one numeric column.
    time: the time column; when absent, a DatetimeIndex is used if present, else row steps.
    features: past-only input columns, or ``"all"`` for every other numeric column (not in ``future``).
    future: input columns whose values are known in advance (read over the horizon too).
    freq: pandas frequency (``"D"``, ``"MS"``, ``"B"``...); inferred when absent, and weekday dates
        with a few holidays missing are then read as trading days (see the module notes).
    fill: ``"interpolate"``, ``"ffill"`` or ``"zero"`` to fill NaN and missing timestamps (or integer steps).
    steps: None to decide from the data; ``"calendar"`` never reads rows as trading days; ``"observations"``
        reads weekday dates as trading days whatever their gaps (``freq`` must then be ``"B"`` or absent),
        e.g. newer history for a model fitted on trading days.
    """
    if fill is not None and fill not in FILLS:
        raise ConfigError.choice("fill", fill, FILLS)
    if steps is not None and steps not in STEPS:
        raise ConfigError.choice("steps", steps, STEPS)
    if steps == "observations" and freq not in (None, "B"):
        raise ConfigError(
            f"steps='observations' reads rows as trading days on business days, but freq={freq!r}: "
            "pass freq='B' or leave it out."
        )
    frame = read_source(data)
    frame.columns = [str(c) for c in frame.columns]
    detected = None
    if time is None and not isinstance(frame.index, (pd.DatetimeIndex, pd.PeriodIndex)):
        time = detected = date_column(frame, date_format, day_first)
    index, time_name, to_utc = time_index(frame, time, date_format, day_first)
    if time_name is not None and time_name in frame.columns:
        frame = frame.drop(columns=[time_name])
    targets = target_columns(frame, target, time_name)
    known = role_columns(frame, future, targets, "future")
    feats = [c for c in role_columns(frame, features, targets, "feature") if features != "all" or c not in known]
    both = [c for c in feats if c in known]
    if both:
        raise ColumnError(
            f"column {both[0]!r} is both a past-only feature and a future= column: "
            "keep it in future= if its values are known in advance, else in features=."
        )
    cols = list(targets) + list(feats) + list(known)
    if warn_unused:
        warn_unused_columns([c for c in frame.columns if c not in cols])
    frame = with_thousands(frame, cols, thousands)
    for c in cols:
        check_numeric(frame, c)
    table = frame[cols].astype(np.float64)
    table.index = index
    freq_used = None
    rows_are, skipped, step = "calendar", 0, 1
    filled: dict[str, int] = {}
    if isinstance(index, pd.DatetimeIndex):
        check_order(index, time_name)
        if steps == "observations":
            freq_used, trading = "B", business_days_skipped(index, time_name)
        else:
            freq_used, trading = frequency(index, time_name, freq, trading_days=steps is None)
        if trading is not None:  # trading days: rows stay as observed, holidays are not inserted
            rows_are, skipped = "observations", trading
        else:
            table, n_gaps = reindex(table, freq_used, time_name, fill)
            if n_gaps:
                filled["missing timestamps"] = n_gaps
    elif time_name is not None:  # whole-number time column or named integer index
        step, table, n_gaps = integer_steps(table, time_name, fill)
        if n_gaps:
            filled["missing steps"] = n_gaps
    check_infinite(table)
    check_magnitude(table)
    for c in cols:
        n_nan = int(table[c].isna().sum())
        if n_nan and fill is None:
            first = int(np.argmax(table[c].isna().to_numpy()))
            raise MissingValueError(
                f"column {c!r} has {n_nan} NaN value(s), first at {format_time(table.index[first])} (row {first}); "
                f"clean the data or pass fill='interpolate', 'ffill' or 'zero'."
            )
        if n_nan:
            table[c] = fill_missing(table[c], fill)
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
        future=tuple(known),
        freq=freq_used,
        time_name=time_name,
        filled=filled,
        steps=rows_are,
        skipped=skipped,
        step=step,
        to_utc=to_utc,
        time_detected=detected is not None,
    )
