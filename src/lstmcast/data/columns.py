"""A table's value columns: which columns have which role, and whether their values can be computed with.

The target, ``features=`` and ``future=`` columns are found or checked by name (a missing or
repeated name, or one with two roles, is refused naming it); each must hold real numbers
(text with thousands separators is read when ``thousands=`` is given), none infinite or so large
its square overflows. Missing values are filled only when asked (:func:`fill_missing`). Used by
one series (:mod:`lstmcast.data.series`) and by many (:mod:`lstmcast.data.panel_load`) alike.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from lstmcast.data.timefmt import format_time
from lstmcast.errors import ColumnError, DataError, MissingValueError, UnusedColumnsWarning

FILLS = ("interpolate", "ffill", "zero")


MAX_MAGNITUDE = 1e150  # larger values overflow float64 once squared (variance, MSE)


def listing(cols) -> str:
    return ", ".join(repr(str(c)) for c in cols)


def target_columns(frame: pd.DataFrame, target, time_name) -> list[str]:
    if target is None and frame.attrs.get("target") in frame.columns:  # a shipped dataset names its target
        return [str(frame.attrs["target"])]
    if target is None:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) or _numbers_only(frame[c])]
        if "y" in numeric:  # the documented default, as for many series (NeuralForecast's name)
            return ["y"]
        if len(numeric) == 1:
            return numeric
        if len(frame.columns) == 1:  # the one column there is: the numeric check below names its bad value
            return [str(frame.columns[0])]
        raise ColumnError(
            f"cannot tell which column to forecast among {listing(frame.columns)}: pass target= the column name "
            "(a column named y is taken by default)."
        )
    if not isinstance(target, (str, list, tuple)):
        raise ColumnError(
            f"target={target!r} is not a column name: column names are read as text, so pass "
            f"target={str(target)!r} (columns are {listing(frame.columns)})."
        )
    names = [target] if isinstance(target, str) else list(target)
    for name in names:
        if not isinstance(name, str):
            raise ColumnError(f"target column names must be strings, got {name!r}.")
        if name not in frame.columns:
            raise ColumnError(f"target column {name!r} not found; columns are {listing(frame.columns)}.")
    dup = [n for i, n in enumerate(names) if n in names[:i]]
    if dup:
        raise ColumnError(f"target column {dup[0]!r} is named twice: name each column once.")
    return names


def role_columns(frame: pd.DataFrame, features, targets: list[str], role: str) -> list[str]:
    if features is None:
        return []
    if isinstance(features, str) and features == "all" and role == "feature":
        return [c for c in frame.columns if c not in targets and pd.api.types.is_numeric_dtype(frame[c])]
    names = [features] if isinstance(features, str) else list(features)
    for name in names:
        if not isinstance(name, str):
            raise ColumnError(f"{role} column names must be strings, got {name!r}.")
        if name not in frame.columns:
            raise ColumnError(f"{role} column {name!r} not found; columns are {listing(frame.columns)}.")
        if name in targets:
            raise ColumnError(
                f"column {name!r} is both a target and a {role}: targets are already inputs, drop it from "
                f"{'features' if role == 'feature' else 'future'}."
            )
    dup = [n for i, n in enumerate(names) if n in names[:i]]
    if dup:
        raise ColumnError(f"{role} column {dup[0]!r} is named twice: name each column once.")
    return names


def check_numeric(frame: pd.DataFrame, col: str) -> None:
    s = frame[col]
    if pd.api.types.is_complex_dtype(s):
        raise ColumnError(
            f"column {col!r} holds complex numbers (dtype {s.dtype}): lstmcast forecasts real values; pass the "
            "real part (.real), the magnitude (abs()) or both as separate columns."
        )
    if pd.api.types.is_bool_dtype(s) or not (pd.api.types.is_numeric_dtype(s) or _numbers_only(s)):
        row = first_non_number(s.to_numpy(object))
        value = repr(s.iloc[row])
        value = value if len(value) <= 60 else f"{value[:40]}... ({len(value)} characters)"
        hint = "convert it to numbers or choose another column"
        if isinstance(s.iloc[row], str) and THOUSANDS.match(s.iloc[row].strip()):
            hint = "it looks like a number with thousands separators: pass thousands=',' (--thousands ',')"
        raise ColumnError(f"column {col!r} is not numeric (dtype {s.dtype}): value {value} at row {row}; {hint}.")


def check_numeric_columns(frame: pd.DataFrame, names: list[str], lead: str = "") -> None:
    """:func:`check_numeric` of each of ``names`` (rows counted from 0 whatever the index); ``lead`` starts the
    message (``"future= "``: the table it was found in)."""
    rows = frame.reset_index(drop=True)
    for name in names:
        try:
            check_numeric(rows, name)
        except ColumnError as exc:
            raise ColumnError(f"{lead}{exc.args[0]}") from None


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


def first_non_number(values: np.ndarray) -> int:
    """Row of the first cell no float64 column can hold (text that is no number, 10**400), else of the first
    text or True/False cell, else 0: the cell to name when a column is not numeric.

    >>> first_non_number(np.array([1.0, 2, 10**400, "x"], dtype=object))
    2
    >>> first_non_number(np.array(["1", "2", "x", None], dtype=object))
    2
    >>> first_non_number(np.array([1.5, "7", True], dtype=object))
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


def check_infinite(table: pd.DataFrame) -> None:
    for c in table.columns:
        inf = np.isinf(table[c].to_numpy())
        if inf.any():
            row = int(np.argmax(inf))
            raise MissingValueError(
                f"column {c!r} has {int(inf.sum())} infinite value(s), "
                f"first at {format_time(table.index[row])} (row {row}); "
                "replace them with real numbers (fill= handles only NaN)."
            )


def check_magnitude(table: pd.DataFrame) -> None:
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


def fill_missing(s: pd.Series, how: str) -> pd.Series:
    if how == "interpolate":
        return s.interpolate(method="linear", limit_direction="forward")
    if how == "ffill":
        return s.ffill()
    return s.fillna(0.0)


def given_names(value) -> tuple:
    """Column names given as None, one name or a list, as a tuple."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
