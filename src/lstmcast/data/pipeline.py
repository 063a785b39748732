"""From a validated Series to the arrays the network trains on, and back.

Model space: targets go through the :class:`TargetTransform` (log, differencing),
then every column through the :class:`Scaler`; both are fitted on the training
rows only. Forecasts come back through the exact inverses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.data.series import Series
from lstmcast.data.split import Split
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.data.windows import window_starts
from lstmcast.errors import TooShortError

PARTS = ("train", "validation", "test")


@dataclass(frozen=True)
class Transforms:
    """The fitted transforms of one model."""

    scaler: Scaler
    target: TargetTransform
    n_targets: int

    def to_model_space(self, values: np.ndarray) -> np.ndarray:
        """(rows, targets + features) raw -> (rows, columns) float32; rows before ``lag`` are 0 (never read)."""
        z = np.array(values, np.float64)
        z[:, : self.n_targets] = self.target.forward(z[:, : self.n_targets])
        out = self.scaler.transform(z)
        out[: self.target.first_row] = 0.0
        return out.astype(np.float32)

    def to_original(self, pred: np.ndarray, levels_history: np.ndarray) -> np.ndarray:
        """Scaled forecasts (n, H, targets) -> original scale, given (n, lag, targets) past levels."""
        z = self.scaler.inverse(np.asarray(pred, np.float64), slice(0, self.n_targets))
        return self.target.inverse(z, levels_history)

    def history_levels(self, raw_targets: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """(rows, targets) raw -> (n, lag, targets): the levels at rows ``origin - lag + 1 .. origin``."""
        lag = self.target.lag
        levels = self.target.levels(raw_targets)
        rows = origins[:, None] + np.arange(1 - lag, 1)[None, :]  # (n, lag)
        return levels[rows]


def fit_transforms(series: Series, train_end: int, scaler: Scaler, target: TargetTransform) -> Transforms:
    """Fit on rows ``[0, train_end)`` only: later rows cannot change the result."""
    k = series.n_targets
    train = np.array(series.values[:train_end], np.float64)
    target.check(train[:, :k], list(series.targets), series.index)
    train[:, :k] = target.forward(train[:, :k])
    scaler.fit(train[target.first_row :])
    return Transforms(scaler, target, k)


def part_starts(split: Split, window: int, horizon: int, first_row: int) -> dict[str, np.ndarray]:
    """Window starts of each part: a window belongs to the part holding all its targets."""
    return {p: window_starts(window, horizon, lo, hi, first_row) for p, (lo, hi) in split.bounds().items()}


def rows_needed(window: int, horizon: int, lag: int, n_rows: int, split_rows) -> int:
    """Smallest row count for which every requested part holds at least one window."""
    for n in range(window + horizon + lag, 10 * n_rows + window + horizon + lag + 10):
        train, val, test = split_rows(n)
        if train >= lag + window + horizon and (val == 0 or val >= horizon) and (test == 0 or test >= horizon):
            return n
    return n_rows + 1


def check_length(
    series: Series, split: Split, starts: dict, window: int, horizon: int, lag: int, split_rows, chosen=None
) -> None:
    """Raise TooShortError, saying how many rows are needed, when a part has no window.

    chosen: the window's Choice when ``window="auto"`` picked it; the message then says so, and why.
    """
    bounds = split.bounds()
    empty = [p for p in PARTS if len(starts[p]) == 0 and (p == "train" or bounds[p][1] > bounds[p][0])]
    if not empty:
        return
    needed = rows_needed(window, horizon, lag, len(series), split_rows)
    parts = f"a training part of at least {lag + window + horizon} rows"
    if split.n_val or split.n_test:
        parts += f" and at least {horizon} row(s) in each held-out part"
    diff = f" plus difference={lag}" if lag else ""
    shown = f"window={window}"
    if chosen is not None and chosen.reason != "set by you":
        shown = f"window='auto' (it chose {window}: {chosen.reason})"
    raise TooShortError(
        f"{shown} and horizon={horizon}{diff} need {parts}: the data needs {needed} rows, got {len(series)}; "
        "use a shorter window or horizon, a smaller test/validation part, or more data."
    )
