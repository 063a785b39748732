"""One process's share of a many-series data set: a Parquet dataset partitioned by id, or a list of files.

In a multi-process run (:func:`lstmcast.runtime.distributed`) each process reads only its share
of the files, never the others (:func:`read_share`). The files are listed in sorted order (paths
relative to the dataset's folder) and cut into ``processes`` contiguous runs, as even as the file
count allows: process ``p`` of ``P`` reads files ``[p * F // P, (p + 1) * F // P)``. Contiguous
runs keep the series' global order (shard 0's, then shard 1's, ...) the order of the sorted files.

A hive-style partitioned dataset (``<folder>/id=<value>/part.parquet``, as
``DataFrame.to_parquet(folder, partition_cols=["id"])`` writes it) gets its partition columns back
from the folder names, as text (the same type in every process, whatever its values look like).
A series must live in one file or one partition: its rows are never split over processes.

>>> import tempfile, pandas as pd
>>> folder = tempfile.mkdtemp()
>>> pd.DataFrame({"id": ["a", "a", "b", "b"], "y": [1.0, 2.0, 3.0, 4.0]}).to_parquet(folder, partition_cols=["id"])
>>> [f.parent.name for f in shard_files(folder)]
['id=a', 'id=b']
>>> read = read_share(folder, process=1, processes=2)
>>> read.frame.to_dict("list"), read.files
({'y': [3.0, 4.0], 'id': ['b', 'b']}, ('id=b',))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstmcast.data.panel import Panel
from lstmcast.errors import ConfigError, DataError

PARQUET = (".parquet", ".parq", ".pq")
GROUP_ROWS = 2_000_000  # rows read and checked at a time (load_share)


def shard_files(source) -> list[Path]:
    """The sorted Parquet files of ``source``: a folder (searched recursively, hidden and ``_``-prefixed
    files such as ``_SUCCESS`` skipped) or a list of file paths (sorted as given paths)."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        root = Path(source)
        files = [
            f
            for f in root.rglob("*")
            if f.is_file()
            and f.suffix.lower() in PARQUET
            and not any(part.startswith((".", "_")) for part in f.relative_to(root).parts)
        ]
        if not files:
            raise DataError(
                f"{source}: the folder holds no Parquet file (*.parquet): give a partitioned dataset's folder."
            )
        return sorted(files, key=lambda f: f.relative_to(root).as_posix())
    if isinstance(source, (str, Path)):
        raise ConfigError(
            f"{source}: a sharded fit reads a folder of Parquet files (a dataset partitioned by id) or a list of "
            "files; this is neither."
        )
    files = [Path(f) for f in source]
    if not files:
        raise ConfigError("the list of files to shard is empty: give at least one Parquet file per process.")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{missing[0]}: no such file ({len(missing)} of the {len(files)} given are missing).")
    if len(set(files)) < len(files):
        raise ConfigError("the list of files names a file twice: each file is one process's, once.")
    return sorted(files, key=lambda f: f.as_posix())


def share(n_files: int, process: int, processes: int) -> range:
    """The file numbers (in sorted order) process ``process`` of ``processes`` reads: one contiguous run.

    >>> [list(share(5, p, 2)) for p in range(2)]
    [[0, 1], [2, 3, 4]]
    """
    if n_files < processes:
        raise ConfigError(
            f"{n_files} file(s) for {processes} processes: every process needs at least one file of series; "
            f"write the data in at least {processes} files (partition_cols=[id] writes one per series)."
        )
    return range(process * n_files // processes, (process + 1) * n_files // processes)


@dataclass(frozen=True)
class ShardRead:
    """What one process read: its rows and which files they came from (paths relative to the dataset)."""

    frame: pd.DataFrame | None  # None once loaded (load_share)
    files: tuple[str, ...]
    process: int
    processes: int
    rows: int


def _partition_values(path: Path, root: Path | None) -> dict[str, str]:
    """The hive ``key=value`` folders between ``root`` and the file, as text columns."""
    if root is None:
        return {}
    values = {}
    for part in path.relative_to(root).parts[:-1]:
        if "=" in part:
            key, value = part.split("=", 1)
            values[key] = _unescape(value)
    return values


def _unescape(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)  # pyarrow percent-encodes partition values that are not safe in a path


def _read_files(paths: list[Path], root: Path | None, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of ``paths`` as one table, each file's columns copied into it in turn (one copy at a time)."""
    import pyarrow.parquet as pq

    sizes = [pq.ParquetFile(path).metadata.num_rows for path in paths]
    out: dict[str, np.ndarray] = {}
    at = 0
    for path, n in zip(paths, sizes):
        table = pq.read_table(path, columns=columns)
        found = {c: table.column(c).to_numpy() for c in table.column_names if not c.startswith("__index_level_")}
        del table
        for key, value in _partition_values(path, root).items():
            if key in found and not all(str(v) == value for v in np.unique(found[key])):
                raise DataError(f"{path}: its column {key!r} disagrees with its folder {key}={value}.")
            found[key] = np.full(n, value, dtype=object)
        if not out:
            out = {c: np.empty(sum(sizes), v.dtype) for c, v in found.items()}
        if list(found) != list(out):
            raise DataError(
                f"{path} holds the columns {list(found)}, the first file {list(out)}: write the files alike."
            )
        for c, v in found.items():
            if v.dtype != out[c].dtype:
                raise DataError(
                    f"{path}: column {c!r} is {v.dtype}, {out[c].dtype} in the first file: write every file with the "
                    "same types."
                )
            out[c][at : at + n] = v
        at += n
    return pd.DataFrame(out, copy=False)


def _mine(source, process: int, processes: int) -> tuple[list[Path], Path | None, tuple[str, ...]]:
    """(this process's files, the dataset's folder or None, the files' names as recorded)."""
    files = shard_files(source)
    root = Path(source) if isinstance(source, (str, Path)) else None
    mine = [files[i] for i in share(len(files), process, processes)]
    named = tuple(p.relative_to(root).parent.as_posix() if root else str(p) for p in mine)
    if root is not None and not all(n != "." for n in named):  # plain files in the folder: name the files
        named = tuple(p.relative_to(root).as_posix() for p in mine)
    return mine, root, named


def read_share(source, process: int, processes: int, columns: list[str] | None = None) -> ShardRead:
    """Read only process ``process``'s share of ``source`` (:func:`shard_files`, :func:`share`) as one table.

    Partition columns (hive ``key=value`` folders) are added as text, after the file's own columns.
    A file that already holds a partition column with other values is refused.
    """
    mine, root, named = _mine(source, process, processes)
    frame = _read_files(mine, root, columns)
    return ShardRead(frame=frame, files=named, process=process, processes=processes, rows=len(frame))


def load_share(source, process: int, processes: int, load: Callable[[pd.DataFrame], Panel]) -> tuple[Panel, ShardRead]:
    """Process ``process``'s share of ``source`` as one Panel, read and checked ``GROUP_ROWS`` rows at a time.

    ``load`` turns a table into a Panel (``load_panel`` with the user's columns). Each group of files
    is loaded, checked and kept as a Panel; the groups' panels are then merged in id order
    (:func:`lstmcast.data.panel_merge.merge_panels`), so the loader's working memory is one group's.
    """
    import pyarrow.parquet as pq

    from lstmcast.data.panel_merge import merge_panels

    mine, root, named = _mine(source, process, processes)
    pieces, group, rows, total = [], [], 0, 0
    for i, path in enumerate(mine):
        group.append(path)
        rows += pq.ParquetFile(path).metadata.num_rows
        if rows >= GROUP_ROWS or i == len(mine) - 1:
            pieces.append(load(_read_files(group, root)))
            total += rows
            group, rows = [], 0
    read = ShardRead(frame=None, files=named, process=process, processes=processes, rows=total)
    return merge_panels(pieces), read
