"""Turn any supported source into a pandas DataFrame: CSV, Parquet, pandas, NumPy.

Files are checked before pandas parses them, so a wrong file is one clear error, not a parser's
traceback: a folder, UTF-16/UTF-32 or binary content, text that is not UTF-8, CSV text in a
``.parquet`` file, a CSV read as one column whose header shows another separator (``sep=``), and
repeated column names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstmcast.errors import ColumnError, DataError, EmptyDataError

SEPARATORS = {";": "';'", "\t": "'\\t' (tab)", "|": "'|'"}  # a one-column CSV whose header holds one of these


def read_source(data, sep: str | None = None, text: tuple[str, ...] = (), **options) -> pd.DataFrame:
    """CSV/Parquet path, pandas Series/DataFrame or NumPy array -> DataFrame (a copy).

    text: columns read from a CSV exactly as written, as strings (series ids: ``"007"`` stays
    ``"007"``, ``"1e3"`` is not 1000, ``"NA"`` is an id, not a missing value; only an empty cell
    is missing). options: ``thousands=`` (``"1,234"`` read as 1234), passed to the CSV reader.

    sep: the CSV separator (default ``","``, tab for ``.tsv``). A CSV read as one column whose
    header holds ``;``, a tab or ``|`` is refused with a hint to pass ``sep=``. Files that are not
    UTF-8 text, are not what their suffix says, or repeat a column name are refused with one line
    naming the problem and the fix.
    """
    if isinstance(data, (str, Path)):
        frame = _read_file(Path(data), sep, tuple(text), options)
    elif isinstance(data, pd.DataFrame):
        frame = data.copy()
    elif isinstance(data, pd.Series):
        if isinstance(data.index, pd.MultiIndex):  # (id, time) levels: many series, not one
            levels = [str(n) if n is not None else f"level {i}" for i, n in enumerate(data.index.names)]
            raise DataError(
                f"the Series has a {data.index.nlevels}-level index ({', '.join(levels)}), which holds several "
                "series, not one: pass series.reset_index() and name its columns, fit(frame, id=..., time=...)."
            )
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
    _check_unique_columns(list(frame.columns), "the data")
    if len(frame) == 0:
        raise EmptyDataError("the data has no rows: check the file or filter that produced it.")
    return frame


READING = {"date_format": None, "day_first": False, "thousands": None}  # Forecaster parameters of reading data


def reading(cfg: dict, warn_unused: bool = True) -> dict:
    """The keywords of load_series / load_panel that a model's settings ``cfg`` give: how to read dates and
    numbers written as text (``date_format``, ``day_first``, ``thousands``), the same at fit and predict time;
    ``warn_unused=False`` for newer data, whose extra columns were already named at fit time."""
    return {**{k: cfg.get(k, v) for k, v in READING.items()}, "warn_unused": warn_unused}


def _read_file(path: Path, sep: str | None, text: tuple[str, ...] = (), options: dict | None = None) -> pd.DataFrame:
    name = repr(str(path))
    if not path.exists():
        raise DataError(f"data file {name} does not exist: check the path.")
    if path.is_dir():
        raise DataError(f"data path {name} is a folder, not a file: pass a CSV or Parquet file.")
    if not path.is_file():  # read more than once below: a FIFO would hang, a device never end
        raise DataError(
            f"data path {name} is not a regular file (a pipe, device or socket): save the data to a file and pass that."
        )
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    if suffix in (".csv", ".txt", ".tsv") or path.name.endswith(".csv.gz"):
        sep = sep if sep is not None else ("\t" if suffix == ".tsv" else ",")
        if not path.name.endswith(".gz"):
            _check_text(path)
        try:
            header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str).iloc[0].tolist()
            frame = pd.read_csv(path, sep=sep, **_text_columns(header, text), **(options or {}))
        except pd.errors.EmptyDataError:
            raise EmptyDataError(f"data file {name} is empty: it needs a header row and data rows.") from None
        except UnicodeDecodeError as exc:
            raise DataError(
                f"data file {name} is not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r}): "
                "save it as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet), or read it with "
                "pandas.read_csv(path, encoding=...) and pass the DataFrame."
            ) from None
        except (pd.errors.ParserError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(
                f"data file {name} could not be read as CSV ({first}): check that it is a table of "
                "comma-separated values with one header row (or pass sep=)."
            ) from None
        _check_separator(frame, path, sep)
        _check_unique_columns([str(h) for h in header], f"data file {name}")
        return frame
    raise DataError(f"cannot tell the format of {name}: use a .csv or .parquet file.")


def _text_columns(header: list, text: tuple[str, ...]) -> dict:
    """read_csv arguments that read the ``text`` columns as written (str, only an empty cell missing) and
    every other column as pandas does by default."""
    wanted = [c for c in text if c in header]
    if not wanted:
        return {}
    from pandas._libs.parsers import STR_NA_VALUES

    words = sorted(STR_NA_VALUES)
    return {
        "dtype": {c: str for c in wanted},
        "keep_default_na": False,
        "na_values": {c: ([""] if c in wanted else words) for c in header if isinstance(c, str)},
    }


def _read_parquet(path: Path) -> pd.DataFrame:
    name = repr(str(path))
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"PAR1":
        looks = " (it holds text: if it is CSV, rename it to .csv)" if _is_text(path) else ""
        raise DataError(f"data file {name} is not a Parquet file{looks}: pass a real Parquet or CSV file.")
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise DataError(f"reading {name} needs pyarrow: pip install pyarrow, or convert the file to CSV.") from None
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"data file {name} is a damaged Parquet file ({first}): write it again.") from None


def _is_text(path: Path, size: int = 4096) -> bool:
    with open(path, "rb") as f:
        head = f.read(size)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is fine
            return False
    return b"\x00" not in head


def _check_text(path: Path) -> None:
    """Refuse UTF-16/UTF-32 (by their byte-order mark or NUL bytes) and binary files before pandas reads them."""
    name = repr(str(path))
    with open(path, "rb") as f:
        head = f.read(4096)
    boms = {
        b"\xff\xfe\x00\x00": "UTF-32",
        b"\x00\x00\xfe\xff": "UTF-32",
        b"\xff\xfe": "UTF-16",
        b"\xfe\xff": "UTF-16",
    }
    encoding = next((enc for bom, enc in boms.items() if head.startswith(bom)), None)
    if encoding is None and b"\x00" in head:
        sample = head[: len(head) // 2 * 2]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = max(len(sample) // 2, 1)
        if max(even, odd) > 0.9 * half and min(even, odd) < 0.1 * half:  # ASCII text as UTF-16 without a BOM
            encoding = "UTF-16"
        else:
            raise DataError(f"data file {name} holds binary data, not CSV text: pass a CSV or Parquet file.")
    if encoding is not None:
        raise DataError(
            f"data file {name} is encoded as {encoding}, not UTF-8: save it as UTF-8 (e.g. 'CSV UTF-8' in a "
            f"spreadsheet), or read it with pandas.read_csv(path, encoding='{encoding.lower()}') and pass the "
            "DataFrame."
        )


def _check_separator(frame: pd.DataFrame, path: Path, sep: str) -> None:
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    for other, shown in SEPARATORS.items():
        if other != sep and other in header:
            flag = "'\\t'" if other == "\t" else shown
            raise DataError(
                f"data file {str(path)!r} was read as one column, and its header contains {shown}: the values seem "
                f"separated by {shown}, not {sep!r}; pass sep={flag} (--sep {flag}) or save the file comma-separated."
            )


def _check_unique_columns(names: list, where: str) -> None:
    seen: set[str] = set()
    for n in names:
        if str(n) in seen:
            raise ColumnError(
                f"{where} has two columns named {str(n)!r}: rename one of them (column names must be unique)."
            )
        seen.add(str(n))
