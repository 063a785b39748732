"""Turn any supported source into a pandas DataFrame: CSV, Parquet, pandas, NumPy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstmcast.errors import DataError, EmptyDataError


def read_source(data) -> pd.DataFrame:
    """CSV/Parquet path, pandas Series/DataFrame or NumPy array -> DataFrame (a copy)."""
    if isinstance(data, (str, Path)):
        frame = _read_file(Path(data))
    elif isinstance(data, pd.DataFrame):
        frame = data.copy()
    elif isinstance(data, pd.Series):
        frame = data.to_frame(name=data.name if data.name is not None else "y")
    elif isinstance(data, (np.ndarray, list, tuple)):
        arr = np.asarray(data)
        if arr.ndim == 1:
            frame = pd.DataFrame({"y": arr})
        elif arr.ndim == 2:
            names = ["y"] if arr.shape[1] == 1 else [f"y{i}" for i in range(arr.shape[1])]
            frame = pd.DataFrame(arr, columns=names)
        else:
            raise DataError(f"a NumPy array must be 1-D (one series) or 2-D (rows, columns), got shape {arr.shape}.")
    else:
        raise DataError(
            f"cannot read data of type {type(data).__name__}: pass a CSV or Parquet path, "
            "a pandas Series or DataFrame, or a NumPy array."
        )
    if len(frame) == 0:
        raise EmptyDataError("the data has no rows: check the file or filter that produced it.")
    return frame


def _read_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"data file {str(path)!r} does not exist: check the path.")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt", ".tsv") or path.name.endswith(".csv.gz"):
        try:
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
        except pd.errors.EmptyDataError:
            raise EmptyDataError(f"data file {str(path)!r} is empty: it needs a header row and data rows.") from None
    raise DataError(f"cannot tell the format of {str(path)!r}: use a .csv or .parquet file.")
