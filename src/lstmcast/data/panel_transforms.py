"""Transforms of many series at once: per-series scalers as arrays, applied to the stacked rows.

A panel's series are stacked one after another into one (rows, columns) table (``offsets``
(S + 1,) cut it). Each series gets its own scaler, fitted on its own training rows, so big and
small series reach the network on the same scale; the target transform (log, differencing)
has the same settings for every series. Everything is vectorized over series: 100,000 series
cost a few NumPy passes, not 100,000 Python calls.

Differencing runs over the stacked rows, so the first ``lag`` rows of each series hold a
difference across two series: they are never read (window starts begin ``lag`` rows into each
series, ``TargetTransform.first_row``) and are left out of the scalers' fit.

Series shorter than a window still train and forecast when padded on the left, in model space
(after the scalers, so padding never counts in a fit): :func:`with_mask` adds a column that is 1
on rows holding a value and 0 elsewhere, :func:`pad_left` puts copies of each series' first
valid row before it with mask 0 (the series' first ``lag`` rows become such copies too). A copy
of the first valid row, not zeros: the per-window normalization (nn/scaling.py) then sees a flat
stretch at the series' own level, and no window can read a value it has not seen (every window
that reads padding also reads that first row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.data.transforms import SCALERS, TargetTransform
from lstmcast.errors import ConfigError

MIN_HISTORY = 2  # valid (differenced) rows a padded window must hold: one real step, so its scale reads data


def series_of_rows(offsets: np.ndarray) -> np.ndarray:
    """(rows,) the series each stacked row belongs to."""
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


@dataclass(frozen=True)
class PanelTransforms:
    """The fitted transforms of a global model: one target transform, one scaler per series.

    ``offset`` and ``scale`` (S, columns): ``scaled = (x - offset[s]) / scale[s]`` for series s.
    """

    target: TargetTransform
    kind: str
    feature_range: tuple[float, float]
    offset: np.ndarray  # (S, columns)
    scale: np.ndarray  # (S, columns)
    n_targets: int

    @classmethod
    def fit(
        cls,
        stacked: np.ndarray,
        offsets: np.ndarray,
        train_ends: np.ndarray,
        target: TargetTransform,
        kind: str,
        feature_range=(0.0, 1.0),
        n_targets: int = 1,
    ) -> PanelTransforms:
        """Fit each series' scaler on its rows ``[first_row, train_end)`` of the transformed table.

        stacked: (rows, columns) raw; offsets: (S + 1,); train_ends: (S,) rows of each series' training part.
        """
        if kind not in SCALERS:
            raise ConfigError.choice("scaler", kind, SCALERS)
        if kind == "robust":
            raise ConfigError(
                "scaler='robust' is not available for many series yet: use 'minmax', 'standard' or 'none'."
            )
        z = _forward(stacked, offsets, target, n_targets)  # (rows, columns)
        rows = series_of_rows(offsets)
        local = np.arange(len(z)) - offsets[rows]
        used = (local >= target.first_row) & (local < train_ends[rows])  # (rows,) training rows of each series
        n_series, width = len(offsets) - 1, z.shape[1]
        if kind == "none":
            return cls(
                target, kind, tuple(feature_range), np.zeros((n_series, width)), np.ones((n_series, width)), n_targets
            )
        ids = rows[used]
        x = z[used]
        count = np.bincount(ids, minlength=n_series)[:, None].astype(np.float64)  # (S, 1)
        if kind == "minmax":
            lo_range, hi_range = feature_range
            xmin = np.full((n_series, width), np.inf)
            xmax = np.full((n_series, width), -np.inf)
            np.minimum.at(xmin, ids, x)
            np.maximum.at(xmax, ids, x)
            span = _nonzero(xmax - xmin, np.maximum(np.abs(xmin), np.abs(xmax)))
            scale = span / (hi_range - lo_range)
            offset = xmin - lo_range * scale
        else:  # standard
            total = np.zeros((n_series, width))
            np.add.at(total, ids, x)
            mean = total / np.maximum(count, 1)
            sq = np.zeros((n_series, width))
            np.add.at(sq, ids, (x - mean[ids]) ** 2)
            std = np.sqrt(sq / np.maximum(count, 1))
            offset, scale = mean, _nonzero(std, np.abs(mean) + std)
        return cls(target, kind, tuple(feature_range), offset, scale, n_targets)

    def to_model_space(self, stacked: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """(rows, columns) raw -> float32 model space; each series' first ``lag`` rows are 0 (never read)."""
        z = _forward(stacked, offsets, self.target, self.n_targets)
        rows = series_of_rows(offsets)
        out = (z - self.offset[rows]) / self.scale[rows]
        local = np.arange(len(z)) - offsets[rows]
        out[local < self.target.first_row] = 0.0
        return out.astype(np.float32)

    def to_original(self, pred: np.ndarray, series: np.ndarray, levels_history: np.ndarray) -> np.ndarray:
        """Scaled forecasts (n, H, targets) of ``series`` (n,) -> original scale, given (n, lag, targets) levels."""
        k = self.n_targets
        z = np.asarray(pred, np.float64) * self.scale[series, None, :k] + self.offset[series, None, :k]
        return self.target.inverse(z, levels_history)

    def history_levels(self, raw_targets: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """(rows, targets) raw stacked -> (n, lag, targets): the levels at rows ``origin - lag + 1 .. origin``."""
        lag = self.target.lag
        levels = self.target.levels(raw_targets)
        return levels[origins[:, None] + np.arange(1 - lag, 1)[None, :]]

    def subset(self, series: np.ndarray) -> PanelTransforms:
        return PanelTransforms(
            self.target, self.kind, self.feature_range, self.offset[series], self.scale[series], self.n_targets
        )


def _forward(stacked: np.ndarray, offsets: np.ndarray, target: TargetTransform, k: int) -> np.ndarray:
    z = np.array(stacked, np.float64)
    z[:, :k] = target.forward(z[:, :k])
    if target.lag:  # rows whose difference reaches into the previous series: defined as 0, never read
        rows = series_of_rows(offsets)
        local = np.arange(len(z)) - offsets[rows]
        z[local < target.lag, :k] = 0.0
    return z


def _nonzero(span: np.ndarray, magnitude: np.ndarray) -> np.ndarray:
    """A constant column of a series keeps scale 1 (as :func:`lstmcast.data.transforms._nonzero`)."""
    magnitude = np.nan_to_num(magnitude, nan=0.0, posinf=0.0)
    return np.where(np.isfinite(span) & (span > np.maximum(magnitude * 1e-12, np.finfo(np.float64).tiny)), span, 1.0)


def with_mask(values: np.ndarray, offsets: np.ndarray, lag: int, at: int) -> np.ndarray:
    """(rows, columns) model space -> (rows, columns + 1) float32 with the mask column inserted at ``at``:
    1 on each series' rows from ``lag`` on, 0 on its first ``lag`` rows (no difference there)."""
    rows = series_of_rows(offsets)
    valid = (np.arange(len(values)) - offsets[rows] >= lag).astype(np.float32)  # (rows,)
    return np.concatenate([values[:, :at], valid[:, None], values[:, at:]], axis=1).astype(np.float32)


def pad_left(values: np.ndarray, offsets: np.ndarray, pad: int, lag: int, mask_at: int):
    """Each series after ``pad`` copies of its first valid row (local row ``lag``), mask 0 on the copies.

    values (rows, columns) with the mask column at ``mask_at`` (:func:`with_mask`); offsets (S + 1,).
    The series' own first ``lag`` rows become copies too. Returns ((rows + S * pad, columns) float32,
    (S + 1,) offsets): series s keeps its local row r at padded local row ``pad + r``.
    """
    lengths = np.diff(offsets)
    padded = (offsets + pad * np.arange(len(offsets))).astype(np.int64)  # (S + 1,)
    rows = series_of_rows(padded)  # (rows + S * pad,)
    local = np.arange(padded[-1]) - padded[rows] - pad  # the series' own row number, negative on the padding
    source = offsets[rows] + np.minimum(np.maximum(local, lag), np.maximum(lengths[rows] - 1, 0))
    out = np.array(values[source], np.float32)
    out[:, mask_at] = local >= lag
    return out, padded


def forecast_sources(offsets: np.ndarray, need: int, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ((S, need) global, (S, need) valid) of each series' last ``need`` rows, left-padded: a row before
    the series' first valid one (local ``lag``) reads that row instead and is not valid."""
    lengths = np.diff(offsets)
    local = lengths[:, None] - need + np.arange(need)[None, :]  # (S, need)
    valid = local >= lag
    source = offsets[:-1, None] + np.minimum(np.maximum(local, lag), np.maximum(lengths[:, None] - 1, 0))
    return source, valid


def fit_transforms(stacked, offsets, ends, cfg: dict, k: int) -> PanelTransforms:
    """Per-series scalers fitted on each series' rows ``[0, end)`` with the checked settings ``cfg``."""
    target = TargetTransform(log=cfg["log"], lag=cfg["difference"])
    return PanelTransforms.fit(stacked, offsets, ends, target, cfg["scaler"], tuple(cfg["feature_range"]), k)
