"""Transforms fitted on the training rows only, each with an exact inverse.

* :class:`Scaler` -- per-column ``minmax`` (with ``feature_range``), ``standard``,
  ``robust`` (median / IQR) or ``none``.
* :class:`TargetTransform` -- ``log`` and differencing (lag 1 or seasonal) of
  the target columns, applied before scaling.

Fitted state is plain numbers (``to_dict`` / ``from_dict``) so a saved model
stores it as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmcast.data.timefmt import format_time
from lstmcast.errors import ConfigError, TransformError

SCALERS = ("minmax", "standard", "robust", "none")


@dataclass
class Scaler:
    """Per-column affine scaling: ``scaled = (x - offset) / scale``.

    ``ignored``: columns the model does not read, scaled to 0 whatever their values (the covariates known
    in advance that did not help in validation, :func:`lstmcast.series_model.fit_series`).
    """

    kind: str = "minmax"
    feature_range: tuple[float, float] = (0.0, 1.0)
    offset_: np.ndarray | None = field(default=None, repr=False)
    scale_: np.ndarray | None = field(default=None, repr=False)
    ignored: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in SCALERS:
            raise ConfigError.choice("scaler", self.kind, SCALERS)
        lo, hi = self.feature_range
        if not lo < hi:
            raise ConfigError(f"feature_range={tuple(self.feature_range)!r} needs low < high, e.g. (0, 1).")

    def fit(self, x: np.ndarray) -> Scaler:
        """x: (rows, columns), the training rows only."""
        x = np.asarray(x, np.float64)
        if self.kind == "minmax":
            lo, hi = self.feature_range
            xmin, xmax = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
            span = _nonzero(xmax - xmin, x)
            self.scale_ = span / (hi - lo)
            self.offset_ = xmin - lo * self.scale_
        elif self.kind == "standard":
            self.offset_, self.scale_ = np.nanmean(x, axis=0), _nonzero(np.nanstd(x, axis=0), x)
        elif self.kind == "robust":
            q1, med, q3 = np.nanpercentile(x, [25, 50, 75], axis=0)
            self.offset_, self.scale_ = med, _nonzero(q3 - q1, x)
        else:
            self.offset_, self.scale_ = np.zeros(x.shape[1]), np.ones(x.shape[1])
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        out = (np.asarray(x, np.float64) - self.offset_) / self.scale_
        if self.ignored:
            out[..., list(self.ignored)] = 0.0
        return out

    def inverse(self, x: np.ndarray, columns: slice | list[int] | None = None) -> np.ndarray:
        """Back to the original scale; ``columns`` picks the fitted columns x holds (last axis)."""
        cols = slice(None) if columns is None else columns
        return np.asarray(x, np.float64) * self.scale_[cols] + self.offset_[cols]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "feature_range": list(self.feature_range),
            "offset": self.offset_.tolist(),
            "scale": self.scale_.tolist(),
            **({"ignored": list(self.ignored)} if self.ignored else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Scaler:
        s = cls(kind=d["kind"], feature_range=tuple(d["feature_range"]), ignored=tuple(d.get("ignored", ())))
        s.offset_, s.scale_ = np.asarray(d["offset"], np.float64), np.asarray(d["scale"], np.float64)
        return s


def _nonzero(span: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A constant column keeps scale 1 instead of dividing by zero.

    "Constant" includes spreads below 1e-12 of the column's largest magnitude (or subnormal): they
    are rounding noise, and dividing by them overflows (a robust scale of 2e-311 turned 1.0 into inf).
    """
    magnitude = np.nan_to_num(np.nanmax(np.abs(x), axis=0), nan=0.0)
    return np.where(span > np.maximum(magnitude * 1e-12, np.finfo(np.float64).tiny), span, 1.0)


@dataclass(frozen=True)
class TargetTransform:
    """``log`` then differencing by ``lag``, on the target columns.

    Forward: ``z[t] = f(y[t]) - f(y[t - lag])`` (rows before ``lag`` undefined).
    Inverse of a forecast needs the ``lag`` known levels before it.
    """

    log: bool = False
    lag: int = 0  # 0: no differencing; 1: first differences; 12: seasonal for monthly data

    def __post_init__(self) -> None:
        if not isinstance(self.lag, int) or self.lag < 0:
            raise ConfigError(f"difference={self.lag!r} must be 0 (none), 1, or a seasonal lag such as 12.")

    @property
    def first_row(self) -> int:
        """First row whose transformed value is defined."""
        return self.lag

    def check(self, y: np.ndarray, names: list[str], index, offset: int = 0, fix: str = "") -> None:
        """TransformError naming the first value log cannot take; ``offset``: the row number of y[0] in the data."""
        if not self.log:
            return
        bad = np.argwhere(~(y > 0))
        if bad.size:
            row, col = bad[0]
            raise TransformError(
                f"log transform needs positive values, but column {names[col]!r} has {len(bad)} value(s) <= 0, "
                f"first {float(y[row, col])!r} at {format_time(index[row])} (row {row + offset}); "
                + (fix or "drop log=True or shift the data above zero.")
            )

    def levels(self, y: np.ndarray) -> np.ndarray:
        """The series the differences are taken of: y or log(y)."""
        return np.log(y) if self.log else np.asarray(y, np.float64)

    def forward(self, y: np.ndarray) -> np.ndarray:
        """(rows, targets) -> (rows, targets) with the first ``lag`` rows NaN."""
        lv = self.levels(y)
        if not self.lag:
            return lv
        z = np.full_like(lv, np.nan)
        z[self.lag :] = lv[self.lag :] - lv[: -self.lag]
        return z

    def inverse(self, z: np.ndarray, history: np.ndarray) -> np.ndarray:
        """Forecast paths back to the original scale.

        z: (n, horizon, targets) transformed forecasts, each path starting just
        after its origin; history: (n, lag, targets) the last ``lag`` levels
        (``levels(y)``) up to each origin. Returns (n, horizon, targets).
        """
        if self.lag:
            horizon = z.shape[1]
            path = np.concatenate([history, np.zeros_like(z)], axis=1)  # (n, lag + horizon, targets)
            for h in range(horizon):
                path[:, self.lag + h] = path[:, h] + z[:, h]
            lv = path[:, self.lag :]
        else:
            lv = z
        return np.exp(lv) if self.log else lv

    def to_dict(self) -> dict:
        return {"log": self.log, "lag": self.lag}
