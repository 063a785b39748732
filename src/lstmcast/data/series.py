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
(``freq='ms'``, milliseconds, for ``'MS'``). Values beyond :data:`MAX_MAGNITUDE` are refused: their
squares overflow float64.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstmcast.data.calendar import business_days_skipped, frequency, reindex
from lstmcast.data.sources import read_source
from lstmcast.data.timefmt import format_time
from lstmcast.errors import (
    ColumnError,
    ConfigError,
    DataError,
    MissingValueError,
    TimeIndexError,
    UnusedColumnsWarning,
)

FILLS = ("interpolate", "ffill", "zero")
STEPS = ("calendar", "observations")
MAX_MAGNITUDE = 1e150  # larger values overflow float64 once squared (variance, MSE)


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


def future_index(index: pd.Index, freq: str | None, horizon: int, step: int = 1) -> pd.Index:
    """The ``horizon`` timestamps after ``index[-1]`` on ``freq``, or integer steps of ``step``.

    With ``freq="B"`` these are the next business days (weekdays: holidays ahead are not known).
    """
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[-1], periods=horizon + 1, freq=freq, name=index.name)[1:]
    last = int(index[-1])
    return pd.RangeIndex(last + step, last + step * (horizon + 1), step, name=index.name)


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
        time = detected = _date_column(frame, date_format, day_first)
    index, time_name, to_utc = _time_index(frame, time, date_format, day_first)
    if time_name is not None and time_name in frame.columns:
        frame = frame.drop(columns=[time_name])
    targets = _targets(frame, target, time_name)
    known = _features(frame, future, targets, "future")
    feats = [c for c in _features(frame, features, targets, "feature") if features != "all" or c not in known]
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
        _check_numeric(frame, c)
    table = frame[cols].astype(np.float64)
    table.index = index
    freq_used = None
    rows_are, skipped, step = "calendar", 0, 1
    filled: dict[str, int] = {}
    if isinstance(index, pd.DatetimeIndex):
        _check_order(index, time_name)
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
        step, table, n_gaps = _integer_steps(table, time_name, fill)
        if n_gaps:
            filled["missing steps"] = n_gaps
    _check_infinite(table)
    _check_magnitude(table)
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


def with_thousands(frame: pd.DataFrame, cols: list, thousands: str | None) -> pd.DataFrame:
    """``frame`` with its text columns among ``cols`` read as numbers written with ``thousands`` separators
    (``"1,234.5"`` -> 1234.5); a cell that is still no number is left as it is (the numeric check names it)."""
    if thousands is None:
        return frame
    out = frame.copy()
    for c in cols:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            text = out[c].astype("string").str.strip().str.replace(thousands, "", regex=False)
            numbers = pd.to_numeric(text, errors="coerce")
            if not (numbers.isna() & out[c].notna()).any():
                out[c] = numbers.astype(np.float64)
    return out


def warn_unused_columns(unused: list) -> None:
    """Say which columns no role reads: a ``promo`` column without ``future=`` is otherwise ignored in silence."""
    if unused:
        names = ", ".join(repr(str(c)) for c in unused[:10]) + (
            f" and {len(unused) - 10} more" if len(unused) > 10 else ""
        )
        warnings.warn(
            f"column(s) {names} are not used: name them in features= (past values) or future= (values known in "
            "advance) to use them, or drop them from the data to silence this warning.",
            UnusedColumnsWarning,
            stacklevel=4,
        )


def _date_column(frame: pd.DataFrame, date_format: str | None = None, day_first: bool = False) -> str | None:
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
    if len(found) > 1:
        raise ColumnError(f"columns {_listing(found)} all hold dates: pass time= the one that is the time column.")
    return str(found[0]) if found else None


def _time_index(
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
            return _whole_numbers(pd.Series(frame.index, name=name), name), name, False
        return pd.RangeIndex(len(frame)), None, False
    if time not in frame.columns:
        raise ColumnError(
            f"time column {time!r} not found; columns are {_listing(frame.columns)}. Pass time= one of them."
        )
    raw = frame[time]
    if pd.api.types.is_bool_dtype(raw):
        pass  # not a number of steps: parsed (and refused) as timestamps below
    elif pd.api.types.is_integer_dtype(raw) or pd.api.types.is_float_dtype(raw):
        return _whole_numbers(raw, time), time, False
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


def _whole_numbers(raw: pd.Series, name: str) -> pd.Index:
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
        _check_order(idx, name)
    return idx


def _integer_steps(table: pd.DataFrame, name: str, fill: str | None) -> tuple[int, pd.DataFrame, int]:
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


def _listing(cols) -> str:
    return ", ".join(repr(str(c)) for c in cols)


def _targets(frame: pd.DataFrame, target, time_name) -> list[str]:
    if target is None and frame.attrs.get("target") in frame.columns:  # a shipped dataset names its target
        return [str(frame.attrs["target"])]
    if target is None:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) or _numbers_only(frame[c])]
        if len(numeric) == 1:
            return numeric
        if len(frame.columns) == 1:  # the one column there is: the numeric check below names its bad value
            return [str(frame.columns[0])]
        raise ColumnError(
            f"cannot tell which column to forecast among {_listing(frame.columns)}: pass target= the column name."
        )
    if not isinstance(target, (str, list, tuple)):
        raise ColumnError(
            f"target={target!r} is not a column name: column names are read as text, so pass "
            f"target={str(target)!r} (columns are {_listing(frame.columns)})."
        )
    names = [target] if isinstance(target, str) else list(target)
    for name in names:
        if not isinstance(name, str):
            raise ColumnError(f"target column names must be strings, got {name!r}.")
        if name not in frame.columns:
            raise ColumnError(f"target column {name!r} not found; columns are {_listing(frame.columns)}.")
    dup = [n for i, n in enumerate(names) if n in names[:i]]
    if dup:
        raise ColumnError(f"target column {dup[0]!r} is named twice: name each column once.")
    return names


def _features(frame: pd.DataFrame, features, targets: list[str], role: str) -> list[str]:
    if features is None:
        return []
    if isinstance(features, str) and features == "all" and role == "feature":
        return [c for c in frame.columns if c not in targets and pd.api.types.is_numeric_dtype(frame[c])]
    names = [features] if isinstance(features, str) else list(features)
    for name in names:
        if not isinstance(name, str):
            raise ColumnError(f"{role} column names must be strings, got {name!r}.")
        if name not in frame.columns:
            raise ColumnError(f"{role} column {name!r} not found; columns are {_listing(frame.columns)}.")
        if name in targets:
            raise ColumnError(
                f"column {name!r} is both a target and a {role}: targets are already inputs, drop it from "
                f"{'features' if role == 'feature' else 'future'}."
            )
    dup = [n for i, n in enumerate(names) if n in names[:i]]
    if dup:
        raise ColumnError(f"{role} column {dup[0]!r} is named twice: name each column once.")
    return names


def _check_numeric(frame: pd.DataFrame, col: str) -> None:
    s = frame[col]
    if pd.api.types.is_complex_dtype(s):
        raise ColumnError(
            f"column {col!r} holds complex numbers (dtype {s.dtype}): lstmcast forecasts real values; pass the "
            "real part (.real), the magnitude (abs()) or both as separate columns."
        )
    if pd.api.types.is_bool_dtype(s) or not (pd.api.types.is_numeric_dtype(s) or _numbers_only(s)):
        row = _first_non_number(s.to_numpy(object))
        value = repr(s.iloc[row])
        value = value if len(value) <= 60 else f"{value[:40]}... ({len(value)} characters)"
        hint = "convert it to numbers or choose another column"
        if isinstance(s.iloc[row], str) and THOUSANDS.match(s.iloc[row].strip()):
            hint = "it looks like a number with thousands separators: pass thousands=',' (--thousands ',')"
        raise ColumnError(f"column {col!r} is not numeric (dtype {s.dtype}): value {value} at row {row}; {hint}.")


def _numbers_only(s: pd.Series) -> bool:
    """An object column holding only real numbers and missing values (None, NaN): numeric, as float64."""
    if s.dtype != object:
        return False

    def number(v) -> bool:
        if v is None or isinstance(v, (float, np.floating)):
            return True
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and abs(v) <= 2**53

    return all(number(v) for v in s.to_numpy(object))


THOUSANDS = re.compile(r"^[-+]?\d{1,3}([,.' ]\d{3})+([.,]\d+)?$")  # "1,234", "1.234.567,5"


def _first_non_number(values: np.ndarray) -> int:
    """Row of the first cell no float64 column can hold (text that is no number, 10**400), else of the first
    text or True/False cell, else 0: the cell to name when a column is not numeric.

    >>> _first_non_number(np.array([1.0, 2, 10**400, "x"], dtype=object))
    2
    >>> _first_non_number(np.array(["1", "2", "x", None], dtype=object))
    2
    >>> _first_non_number(np.array([1.5, "7", True], dtype=object))
    1
    """
    typed = None  # the first text or boolean cell, in case every cell converts
    for row, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            continue  # missing: the missing-value check names it
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number, str)):
            typed = row if typed is None else typed
            continue
        try:
            float(v)
        except (ValueError, OverflowError):
            return row
        if isinstance(v, str):
            typed = row if typed is None else typed
        elif isinstance(v, int) and not -(2**63) <= v < 2**63:  # beyond int64: pandas kept the column as objects
            return row
    return 0 if typed is None else typed


def _check_order(index: pd.Index, name: str | None) -> None:
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


def _check_magnitude(table: pd.DataFrame) -> None:
    """Refuse values whose squares overflow float64 (variances, squared errors and scalers would be inf or NaN)."""
    for c in table.columns:
        v = np.abs(table[c].to_numpy())
        big = v > MAX_MAGNITUDE  # NaN compares False: left to the NaN check
        if big.any():
            row = int(np.argmax(big))
            raise DataError(
                f"column {c!r} has values too large to compute with: {table[c].iloc[row]:.3g} at "
                f"{format_time(table.index[row])} (row {row}); values beyond +-{MAX_MAGNITUDE:.0e} overflow "
                "float64 in variances and squared errors: rescale the column (e.g. divide it by a power of ten)."
            )


def _fill(s: pd.Series, how: str) -> pd.Series:
    if how == "interpolate":
        return s.interpolate(method="linear", limit_direction="forward")
    if how == "ffill":
        return s.ffill()
    return s.fillna(0.0)
