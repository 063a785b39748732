"""Split-conformal prediction intervals from rolling-origin errors on the training history.

How a model is calibrated (:func:`calibration_plan`, run by ``Forecaster.calibrate``):

1. The newest ``C`` rows of the training part are set aside: ``origins`` forecast origins
   (``C - H + 1`` of them, ``H`` the horizon), at least ``MIN_ORIGINS`` where the series allows,
   about ``SHARE`` of the rows on long series.
2. A copy of the model (the same settings, the automatic ones as chosen on the whole
   history) is trained on the rows before them, and forecasts ``H`` steps from every
   origin in one batched call. Its errors ``y - yhat`` (origins, H, targets) are the
   calibration scores: errors of a model that never saw those rows, as the final model
   never saw the future.
3. For a central interval of level L at step h, the half-width is the
   ``ceil((n + 1) L / 100)``-th smallest absolute error at that step (n scores), or an
   earlier step's when that is wider: intervals never narrow with the horizon. Above 80%
   the half-width is at least the 80% one times the normal distribution's ratio (1.53 at
   95%): a few dozen overlapping errors rarely show the tail, so the empirical 95% bound
   of the real development set covered 89.4% (``benchmarks/intervals.py``); errors with
   tails heavier than normal keep their own, wider, quantile.

Errors are measured where the model's target transform measures them: on the original
scale, or as differences of logs when the model forecasts ``log(y)`` (``log=True``), so a
series whose noise grows with its level gets intervals that grow with it (``yhat * exp(+-w)``).

The finite-sample guarantee (Vovk et al. 2005; Lei et al. 2018): if the calibration
errors and the future error are exchangeable, the interval covers the actual value with
probability at least L% (and at most L% + 1/(n+1)). Time series are not exactly
exchangeable (trends, changing noise), so the guarantee is approximate; the intervals'
coverage is measured on held-out data by ``benchmarks/intervals.py``. With fewer than
``1 / (1 - L/100) - 1`` scores (19 for 95%) the rank exceeds n: the bound is then the
largest error seen and the coverage statement does not hold (``Calibration.short_levels``).

Quantile ``tau`` is the edge of the central interval of level ``|2 tau - 1|``: below the
point forecast for tau < 0.5, above it for tau > 0.5, the point itself at 0.5. Quantiles
are monotone in tau by construction and never cross.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

ANCHOR = 0.8  # wider levels are at least this level's half-width times the normal distribution's ratio
_NORMAL = NormalDist()
MIN_ORIGINS = 20  # enough for a 95% interval (19 scores) with one to spare
SHARE = 0.2  # the share of the training rows set aside on long series
MIN_WINDOWS = 10  # training windows the calibration model keeps at least
# the settings a calibration model copies from the fitted model (as chosen on the whole history)
CALIBRATION_FIXED = ("seasonal_period", "log", "difference", "normalize", "window")


@dataclass(frozen=True)
class Calibration:
    """Conformal scores of a fitted model: signed errors (origins, H, targets) on the original scale."""

    errors: np.ndarray  # (origins, H, targets) y - yhat of the calibration model (log y - log yhat when log)
    cutoff: int  # rows the calibration model trained on (origins are rows cutoff-1 .. cutoff-1+origins-1)
    method: str = "conformal"  # "conformal": a refit on earlier rows; "naive": naive errors (short series)
    log: bool = False  # errors are differences of logs

    @classmethod
    def from_forecasts(cls, actual, pred, cutoff: int, method: str, log: bool) -> Calibration:
        """Scores from actual and forecast values (origins, H, targets) on the original scale."""
        errors = np.log(actual) - np.log(pred) if log else actual - pred
        return cls(np.asarray(errors, np.float64), cutoff, method, log)

    @property
    def origins(self) -> int:
        return int(self.errors.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.errors.shape[1])

    def half_widths(self, levels: np.ndarray) -> np.ndarray:
        """(H, targets, L) half-widths of the central intervals of ``levels`` (fractions in [0, 1))."""
        scores = np.sort(np.abs(self.errors), axis=0)  # (n, H, k)
        n = scores.shape[0]
        ranks = np.array([min(math.ceil((n + 1) * float(a) - 1e-9), n) for a in levels], np.int64)  # (L,)
        ranks = np.maximum(ranks, 1)
        widths = scores[ranks - 1]  # (L, H, k)
        anchor = scores[max(min(math.ceil((n + 1) * ANCHOR - 1e-9), n), 1) - 1]  # (H, k) the 80% half-width
        for i, a in enumerate(levels):  # tails at least as heavy as a normal distribution's beyond the anchor
            if a > ANCHOR:
                widths[i] = np.maximum(widths[i], anchor * _NORMAL.inv_cdf((1 + a) / 2) / _NORMAL.inv_cdf(0.9))
        # never narrower further ahead: a step's errors are at least its predecessors' in expectation,
        # and with few (overlapping) origins the per-step quantiles are noisy
        return np.moveaxis(np.maximum.accumulate(widths, axis=1), 0, -1)  # (H, k, L)

    def short_levels(self, levels) -> list[float]:
        """The levels (percent) whose conformal rank exceeds the number of scores."""
        n = self.origins
        return [lv for lv in levels if math.ceil((n + 1) * lv / 100.0 - 1e-9) > n]

    def quantiles(self, point: np.ndarray, taus: np.ndarray) -> np.ndarray:
        """Point forecasts (n, H, targets) -> quantiles (n, H, targets, Q) at sorted ``taus``."""
        h = point.shape[1]
        widths = self.half_widths(np.abs(2.0 * taus - 1.0))[:h]  # (H, k, Q)
        sign = np.sign(taus - 0.5)  # (Q,) -1 below the median, +1 above, 0 at it
        if self.log:
            return point[..., None] * np.exp(sign * widths[None])  # (n, H, k, Q)
        return point[..., None] + sign * widths[None]  # (n, H, k, Q)

    def to_dict(self) -> dict:
        return {"method": self.method, "cutoff": int(self.cutoff), "log": self.log, "errors": self.errors.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls(np.asarray(d["errors"], np.float64), int(d["cutoff"]), d["method"], bool(d["log"]))


def calibration_plan(n_rows: int, horizon: int, min_rows: int) -> tuple[int, int]:
    """(cutoff, origins): the calibration model trains on rows ``[0, cutoff)``, forecasts from ``origins`` origins.

    n_rows: rows of the training part; min_rows: the fewest rows a model of these settings
    trains on (window + difference + horizon + MIN_WINDOWS - 1). ``origins`` is 0 when the
    series is too short to set any rows aside.
    """
    want = max(MIN_ORIGINS, math.ceil(SHARE * n_rows) - horizon + 1)
    room = n_rows - min_rows - horizon + 1  # origins that leave min_rows for training
    origins = max(min(want, room), 0)
    return n_rows - origins - horizon + 1, origins
