"""Time-ordered train / validation / test cuts.

A part is given as a fraction of the rows (``0.2``), a number of rows
(``24``), or the timestamp where it begins (``"1959-01"``). Parts are
contiguous and in time order: train, then validation, then test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lstmcast.errors import ConfigError


@dataclass(frozen=True)
class Split:
    """Row cuts: train ``[0, train_end)``, validation ``[train_end, val_end)``, test ``[val_end, n)``."""

    train_end: int
    val_end: int
    n: int

    @property
    def n_train(self) -> int:
        return self.train_end

    @property
    def n_val(self) -> int:
        return self.val_end - self.train_end

    @property
    def n_test(self) -> int:
        return self.n - self.val_end

    def bounds(self) -> dict[str, tuple[int, int]]:
        """Each part's rows as ``[lo, hi)``."""
        return {
            "train": (0, self.train_end),
            "validation": (self.train_end, self.val_end),
            "test": (self.val_end, self.n),
        }


def _rows(part, name: str, n: int, index: pd.Index) -> int:
    """How many rows a part takes from the end of ``n`` rows."""
    if part is None or part == 0:
        return 0
    if isinstance(part, bool):
        raise ConfigError(f"{name}={part!r} must be a fraction, a row count or a start timestamp.")
    if isinstance(part, float):
        if not 0.0 < part < 1.0:
            raise ConfigError(f"{name}={part!r} as a fraction must be between 0 and 1, e.g. {name}=0.2.")
        return int(round(n * part))
    if isinstance(part, int):
        if part < 0 or part >= n:
            raise ConfigError(f"{name}={part!r} rows must be between 0 and the {n} rows of the data.")
        return part
    if not isinstance(index, pd.DatetimeIndex):
        raise ConfigError(
            f"{name}={part!r} is a timestamp, but the data has no time column: use a fraction or row count."
        )
    start = pd.Timestamp(part)
    row = int(index.searchsorted(start))
    if row == 0 or row >= n:
        raise ConfigError(
            f"{name}={part!r} starts outside the data ({index[0]} to {index[-1]}): pick a date inside it."
        )
    return n - row


def make_split(n: int, index: pd.Index, test=0.2, validation=0.0) -> Split:
    """Cut ``n`` rows into train | validation | test (validation sits just before test)."""
    n_test = _rows(test, "test", n, index)
    if isinstance(validation, (str, pd.Timestamp)):
        n_val = _rows(validation, "validation", n, index) - n_test
        if n_val <= 0:
            raise ConfigError(f"validation={validation!r} must start before the test part.")
    else:
        n_val = _rows(validation, "validation", n, index)
    if n_test + n_val >= n:
        raise ConfigError(f"test and validation take {n_test + n_val} of {n} rows, leaving none to train on.")
    return Split(train_end=n - n_test - n_val, val_end=n - n_test, n=n)
