"""Where the windows of many series lie in their stacked table, for training and for forecasting.

A panel's series are stacked into one (rows, columns) table cut by ``offsets`` (S + 1,); a
window is named by its global start row, so a compiled epoch gathers windows by index and no
window crosses two series. This module says which rows each series trains on (:func:`train_ends`),
which windows those rows hold (:func:`window_starts`), the rows a forecast reads
(:func:`forecast_rows`), and, for a model trained with short series padded on the left, where its
mask column is (:func:`mask_column`, :func:`model_inputs`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.data.panel_transforms import MIN_HISTORY, forecast_sources, with_mask
from lstmcast.data.split import make_split
from lstmcast.errors import ConfigError


def train_ends(lengths: np.ndarray, test, validation) -> tuple[np.ndarray, np.ndarray]:
    """(S,) rows of each series' training part and (S,) of its training + validation part.

    ``test`` and ``validation`` are row counts or fractions of each series; timestamps are not
    available for many series yet.
    """
    for name, part in (("test", test), ("validation", validation)):
        if isinstance(part, str):
            raise ConfigError(
                f"{name}={part!r}: a timestamp cut is not available for many series yet; give a number of rows "
                f"per series (e.g. {name}=12) or a fraction (e.g. {name}=0.2)."
            )
    train = np.empty(len(lengths), np.int64)
    fit_end = np.empty(len(lengths), np.int64)
    for n in np.unique(lengths):  # few distinct lengths: one split each
        split = make_split(int(n), pd.RangeIndex(int(n)), test, validation)
        train[lengths == n] = split.train_end
        fit_end[lengths == n] = split.train_end + split.n_val
    return train, fit_end


def window_starts(offsets: np.ndarray, lo: np.ndarray, hi: np.ndarray, window: int, steps: int) -> np.ndarray:
    """Global start rows of every window whose targets lie in each series' rows ``[lo, hi)``.

    offsets (S + 1,); lo, hi (S,) local rows. A window starting at local row s reads rows
    s .. s + window - 1 and forecasts s + window .. s + window + steps - 1.
    """
    first = np.maximum(lo - window, 0)  # (S,) the first start whose targets begin at or after lo
    count = np.maximum(hi - window - steps + 1 - first, 0)  # (S,)
    base = np.repeat(offsets[:-1] + first, count)
    within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return (base + within).astype(np.int32)


def training_rows(offsets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    rows = np.repeat(np.arange(len(ends)), np.diff(offsets))
    local = np.arange(offsets[-1]) - offsets[rows]
    return local < ends[rows]


def forecast_rows(values: np.ndarray, offsets: np.ndarray, window: int, lag: int, steps: int, mask_at=None):
    """Each series' last ``window + lag`` model-space rows then ``steps`` zero rows (future covariates go there).

    mask_at: the padding mask's column of ``values`` (:func:`mask_column`), or None: a series shorter than
    ``window + lag`` rows is then padded on the left with its first valid row (mask 0), and the forecast
    steps' mask is 1 (a recursive forecast feeds them back as inputs).
    Returns ((S * (window + lag + steps), columns) float32, (S,) window starts in it).
    """
    need = window + lag
    n_series, width = len(offsets) - 1, values.shape[1]
    block = np.zeros((n_series, need + steps, width), np.float32)
    if mask_at is None:
        rows = offsets[1:, None] - need + np.arange(need)[None, :]  # (S, need)
        block[:, :need] = values[rows]
    else:
        rows, valid = forecast_sources(offsets, need, lag)  # (S, need) each
        block[:, :need] = values[rows]
        block[:, :need, mask_at] = valid
        block[:, need:, mask_at] = 1.0
    stride = need + steps
    return block.reshape(n_series * stride, width), (np.arange(n_series) * stride + lag).astype(np.int32)


def mask_column(spec, panel) -> int | None:
    """The padding mask's column in the network's inputs (after the static ones, before ``future=``'s), or
    None for a model trained without short series (its inputs are the panel's columns and the static ones)."""
    plain = len(panel.columns) + spec.static_columns
    return plain - len(panel.future) if spec.n_inputs > plain else None


def forecast_minimum(model) -> int:
    """Rows a series needs to be forecast: ``window + difference``, or with padding ``difference + 2``."""
    lag = model.config_["difference"]
    if mask_column(model.spec_, model.panel_) is None:
        return model.config_["window"] + lag
    return lag + MIN_HISTORY


def model_inputs(model, panel, values: np.ndarray) -> np.ndarray:
    """Model-space rows (rows, columns) of ``panel`` as the network reads them: with the mask column when the
    model was trained with padding (1 on each series' rows from ``difference`` on)."""
    at = mask_column(model.spec_, model.panel_)
    return values if at is None else with_mask(values, panel.offsets(), model.config_["difference"], at)
