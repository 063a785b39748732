"""Panels of disjoint series merged into one, in id order (``Panel.ids`` stay sorted as text).

A process's share of a big data set is read and checked a group of files at a time
(:func:`lstmcast.data.shards.load_share`); merging the groups' panels copies each one's rows
straight to their place in the merged arrays and frees it, so the peak holds the merged panel
and the groups not yet copied, never the loader's working memory for the whole share.

>>> import pandas as pd
>>> from lstmcast.data.panel_load import load_panel
>>> def panel(id, y):
...     return load_panel(pd.DataFrame({"unique_id": id, "ds": pd.date_range("2024-01-01", periods=len(y)), "y": y}))
>>> merged = merge_panels([panel("b", [1.0, 2, 3]), panel("a", [4.0, 5, 6, 7])])
>>> merged.ids, merged.stacked()[:, 0].tolist(), merged.lengths.tolist()
(('a', 'b'), [4.0, 5.0, 6.0, 7.0, 1.0, 2.0, 3.0], [4, 3])
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from lstmcast.data.panel import Panel
from lstmcast.errors import DataError

SHARED = ("targets", "features", "future", "freq", "time_name", "id_name", "steps", "step", "static_categorical")


def merge_panels(pieces: list[Panel]) -> Panel:
    """One Panel of every series of ``pieces`` (which must share columns, frequency and time type), sorted by id.

    ``pieces`` is emptied as its panels are copied. A series id in two pieces is refused: a series lives in
    one file.
    """
    if len(pieces) == 1:
        return pieces.pop()
    first = pieces[0]
    for piece in pieces[1:]:
        for name in SHARED:
            if getattr(piece, name) != getattr(first, name):
                raise DataError(
                    f"the files disagree on {name}: {getattr(first, name)!r} in some, {getattr(piece, name)!r} in "
                    "others; write every file with the same columns" + (" and pass freq=." if name == "freq" else ".")
                )
        if _time_kind(piece.times) != _time_kind(first.times):
            raise DataError(
                f"the files' time columns differ ({_time_kind(first.times)} and {_time_kind(piece.times)}): "
                "write every file's times alike."
            )
    if len({p.static is None for p in pieces}) > 1 or (
        first.static is not None and len({tuple(p.static.columns) for p in pieces}) > 1
    ):
        raise DataError("the files disagree on the static columns: write every file with the same columns.")
    ids = np.concatenate([np.asarray(p.ids, dtype=object) for p in pieces])
    rank = np.argsort(ids, kind="stable")  # (S,) old series number of each new place
    ids = ids[rank]
    twice = np.flatnonzero(ids[1:] == ids[:-1])
    if len(twice):
        raise DataError(
            f"series {ids[twice[0]]!r} is in two files ({len(twice)} such series): a series must live in one file."
        )
    static = None if first.static is None else pd.concat([p.static for p in pieces]).iloc[rank]  # one row a series
    lengths = np.concatenate([p.lengths for p in pieces])
    place = np.empty(len(rank), np.int64)
    place[rank] = np.arange(len(rank))  # (S,) new place of each old series
    offsets = np.concatenate([[0], np.cumsum(lengths[rank])]).astype(np.int64)
    values = np.empty((int(offsets[-1]), first.values.shape[1]), np.float64)
    stamps = np.empty(int(offsets[-1]), np.int64)
    like, name = first.times, first.times.name
    filled, skipped, kinds = {}, {}, set()
    start = 0
    while pieces:
        piece = pieces.pop(0)
        lens = piece.lengths
        within = np.arange(piece.total_rows) - np.repeat(piece.row_offsets[:-1], lens)  # row in its series
        rows = np.repeat(offsets[place[start : start + piece.n_series]], lens) + within  # (rows,) new row numbers
        values[rows] = piece.values
        stamps[rows] = _ints(piece.times)
        filled.update(piece.filled)
        skipped.update(piece.skipped)
        kinds.add(piece.id_kind)
        start += piece.n_series
        del piece, within, rows
    values.flags.writeable = offsets.flags.writeable = False
    return replace(
        first,
        ids=tuple(ids),
        values=values,
        row_offsets=offsets,
        times=_times_from(stamps, like).rename(name),
        filled=filled,
        skipped=skipped,
        id_kind="int" if kinds == {"int"} else "str",
        static=static,
    )


def _time_kind(times: pd.Index) -> str:
    if isinstance(times, pd.DatetimeIndex):
        return f"datetime[{times.unit}, {times.tz}]"
    return str(times.dtype)


def _ints(times: pd.Index) -> np.ndarray:
    return times.asi8 if isinstance(times, pd.DatetimeIndex) else times.to_numpy(np.int64)


def _times_from(stamps: np.ndarray, like: pd.Index) -> pd.Index:
    """An index of ``like``'s kind (datetimes of its unit and zone, or integers) from int64 ``stamps``."""
    if not isinstance(like, pd.DatetimeIndex):
        return pd.Index(stamps)
    index = pd.DatetimeIndex(stamps.view(f"M8[{like.unit}]"))
    return index if like.tz is None else index.tz_localize("UTC").tz_convert(like.tz)
