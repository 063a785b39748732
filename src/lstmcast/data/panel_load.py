"""Loading a long table of many series (told apart by an id column) into a Panel, validated per series.

``load_panel`` reads a long table (``unique_id, ds, y`` by default, the Nixtla convention) into a
:class:`Panel`: every series' values stacked one after another in one (rows, columns) float64
array, cut by ``offsets()``, with one stacked time index beside it. Every check of
:func:`lstmcast.data.series.load_series` applies per series, and its error is raised again with
the series named first (``series 'store_7': column 'y' has 2 NaN value(s), ...``); row numbers in
those messages count the series' own rows in time order.

Decisions:

* Ids are ``str(id)``, sorted as strings (``'10'`` before ``'2'``): the same panel whatever the
  order of the rows. Rows are sorted by (id, time), so a shuffled table is accepted.
* One frequency for all series: ``freq=``, or the one inferred from the longest series. Another
  series agrees when its rows are consecutive points of that grid (series of one or two rows
  always are, when they fit it); a series of 3 or more rows that infers another frequency is
  refused, naming both series. Integer time columns share one step the same way.
* Fast path: with the rows sorted once, duplicates, gaps, off-grid rows and non-finite values are
  found with NumPy over all series at once; only the series it flags go through ``load_series``
  (which then raises its own error, or fills them when ``fill=`` asks). 100,000 series of 200
  rows load in seconds.
* Static columns (``static=``) hold one value per series: numeric ones (booleans included) are
  kept as float, other ones (text, or a pandas ``category`` column, the way to mark integer
  codes as categories) as strings and listed in ``static_categorical``.

The roles of the columns are read in :mod:`lstmcast.data.panel_roles`, the rows sorted and
checked per series in :mod:`lstmcast.data.panel_rows`; this module holds the order they run in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstmcast.data.calendar import frequency
from lstmcast.data.columns import FILLS, check_numeric, warn_unused_columns, with_thousands
from lstmcast.data.panel import Panel
from lstmcast.data.panel_roles import ID, TARGET, TIME, column_roles, long_frame, time_values
from lstmcast.data.panel_rows import SortedRows, bad_series, culprit, series_ids, sort_order, splice, static_table
from lstmcast.data.sources import read_source
from lstmcast.errors import ColumnError, ConfigError


def many_series(data, id=None, target=None, time=None, **other_roles) -> bool:
    """Whether ``data`` goes to the many-series path: a :class:`Panel`, or a long table (``id=`` given, or
    Nixtla's ``unique_id``, ``ds`` and ``y`` columns with neither ``target=`` nor ``time=`` naming others)."""
    if isinstance(data, Panel):
        return True
    return is_long(data, id) and (id is not None or (target is None and time is None))


def is_long(data, id=None) -> bool:
    """True when ``id=`` is given, or the columns ``unique_id``, ``ds`` and ``y`` all exist (read from the header)."""
    if id is not None:
        return True
    return {ID, TIME, TARGET} <= _column_names(data)


def _column_names(data) -> set[str]:
    if isinstance(data, pd.DataFrame):
        return {str(c) for c in data.columns} | {str(n) for n in data.index.names if n is not None}
    if isinstance(data, (str, Path)):
        path = Path(data)
        try:
            if not path.is_file():  # a FIFO would block here (and be read twice): read_source refuses it
                return {str(c) for c in read_source(data).columns}
            if path.suffix.lower() in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                return set(pq.read_schema(path).names)
            if path.suffix.lower() in (".csv", ".tsv", ".txt") or path.name.endswith(".csv.gz"):
                return {str(c) for c in pd.read_csv(path, nrows=0, sep="\t" if path.suffix == ".tsv" else ",").columns}
        except (OSError, ValueError, ImportError):  # read_source below says what is wrong with the file
            pass
    return {str(c) for c in read_source(data).columns}


def load_panel(
    data,
    id: str | None = None,
    target: str | list[str] | None = None,
    time: str | None = None,
    features: list[str] | str | None = None,
    future: list[str] | str | None = None,
    static: list[str] | str | None = None,
    freq: str | None = None,
    fill: str | None = None,
    *,
    date_format: str | None = None,
    day_first: bool = False,
    thousands: str | None = None,
    warn_unused: bool = True,
) -> Panel:
    """Read and validate a long table of many series into a :class:`Panel`.

    id: the column naming each series (default ``"unique_id"``). time: the time column (default
    ``"ds"`` when it exists, else found as by ``load_series``; without one, each series' rows are
    steps in table order). target: default ``"y"`` when it exists, else the one numeric column.
    static: columns holding one value per series. features, future, freq, fill: as ``load_series``,
    applied to every series.
    """
    reading = {"date_format": date_format, "day_first": day_first, "thousands": thousands, "warn_unused": warn_unused}
    return _load(data, id, target, time, features, future, static, freq, fill, fast=True, **reading)


def _load(
    data,
    id,
    target,
    time,
    features,
    future,
    static,
    freq,
    fill,
    fast: bool,
    date_format=None,
    day_first=False,
    thousands=None,
    warn_unused=True,
) -> Panel:
    """``load_panel``; ``fast=False`` sends every series through ``load_series`` (the reference the tests compare)."""
    if fill is not None and fill not in FILLS:
        raise ConfigError.choice("fill", fill, FILLS)
    if freq is not None:
        frequency(pd.DatetimeIndex([]), None, freq)  # refuses a string that is no pandas frequency
    frame, index_time = long_frame(data, ID if id is None else id)
    time = index_time if time is None and index_time is not None else time
    id_name, time, targets, feats, known, statics, detected = column_roles(
        frame, id, target, time, features, future, static
    )
    if warn_unused:
        warn_unused_columns([c for c in frame.columns if c not in {id_name, time, *targets, *feats, *known, *statics}])
    frame = with_thousands(frame, [*targets, *feats, *known], thousands)
    codes_in, ids = series_ids(frame[id_name], id_name)
    times, to_utc = time_values(frame, time, date_format, day_first)
    order = sort_order(codes_in, times, len(ids))
    codes = codes_in if order is None else codes_in[order]  # (total_rows,) series of each sorted row
    lengths = np.bincount(codes, minlength=len(ids))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if times is None:  # no time column: each series' rows are steps 0, 1, ... in table order
        times = pd.Index(np.arange(len(codes)) - np.repeat(offsets[:-1], lengths))
    elif order is not None:
        times = times.take(order)
    table = SortedRows(frame, order, codes, offsets, times, time, ids, id_name, targets, feats, known, fill)
    static_frame, categorical = static_table(table, statics, id_name)
    for c in table.columns:
        try:
            check_numeric(frame, c)
        except ColumnError:
            table.validate(culprit(frame[c], codes_in), freq=freq)  # the same error, naming a series
            raise
    table.first_duplicate()
    panel_freq, steps, step, rep = table.shared_grid(freq, lengths)
    values = frame[table.columns].to_numpy(np.float64)  # (total_rows, columns)
    if order is not None:
        values = values[order]
    elif not values.flags.owndata:  # a view of the caller's table: copy before anything is written
        values = values.copy()
    irregular = table.irregular(panel_freq, steps, step)
    steps = table.agree(np.flatnonzero(irregular), lengths, panel_freq if freq is None else None, step, rep, steps)
    slow = irregular | bad_series(values, codes, len(ids)) | (not fast)
    found = {int(i): table.slow(int(i), panel_freq, steps, step) for i in np.flatnonzero(slow)}
    values, times, offsets = splice(values, times, offsets, found)
    values.flags.writeable = offsets.flags.writeable = False
    return Panel(
        ids=ids,
        values=values,
        row_offsets=offsets,
        times=times.rename(time),
        targets=tuple(targets),
        features=tuple(feats),
        future=tuple(known),
        freq=panel_freq,
        time_name=time,
        id_name=id_name,
        static=static_frame,
        static_categorical=categorical,
        filled={ids[i]: s.filled for i, s in found.items() if s.filled},
        skipped={ids[i]: s.skipped for i, s in found.items() if s.skipped},
        steps=steps,
        step=step,
        id_kind="int" if pd.api.types.is_integer_dtype(frame[id_name]) else "str",
        to_utc=to_utc,
        time_detected=detected,
    )
