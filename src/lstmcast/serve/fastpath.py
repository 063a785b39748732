"""One-window forecasts without the per-call overhead of ``Forecaster.forecast_at``, exactly equal to it.

``Forecaster.predict()`` on one window spends most of its time around the compiled program: device
arrays built eagerly, eager JAX slices of the result, and the program itself run on a batch padded
to 8 windows (``programs.MIN_BUCKET``). A service forecasts one window per request, so
:class:`FastForecast` calls a compiled program directly with NumPy arrays and does the rest of
``forecast_at`` (the transforms' inverse, the ensemble median) in NumPy, as ``forecast_at`` does.

Exactness is checked, not assumed: :meth:`FastForecast.build` tries the program of exactly one
window, then the library's padded one, and keeps the first whose forecasts equal
``Forecaster.forecast_at`` bit for bit on windows of the model's saved rows; if neither does (a
backend whose matmuls depend on the batch size, or a change in the library), there is no fast
path and the service calls ``Forecaster.predict``.

Only one-series models with a point loss (the default) take this path; intervals, quantiles and
many-series models go through ``Forecaster.predict``.

Horizons are padded to buckets. A recursive (one-step) model compiles one program per number of
steps, and a program is never freed while cached, so a client asking for every horizon up to
``--max-horizon`` would compile a thousand of them. :func:`run_steps` rounds a request's horizon
up to the model's own horizon, or above it to the next power of two, and the answer keeps the
first steps: a recursive forecast's step ``h`` reads only the steps before it, so those are the
same bits (checked at build, as the rest). A model with horizon 12 and ``--max-horizon 1000``
compiles at most 8 programs (12, 16, 32, ..., 1024), each once. Buckets beat an LRU of programs:
an LRU bounds memory but lets a client make the service compile again on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.fitting import check_finite
from lstmcast.strategies import get_strategy
from lstmcast.train import programs
from lstmcast.train.programs import bucket, members_of, pad_rows, pad_starts

CHECK_WINDOWS = 8  # windows of the saved rows compared with forecast_at before a fast path is trusted


@dataclass(frozen=True)
class FastForecast:
    """Original-scale forecasts of one window, equal to ``model.forecast_at`` (see :meth:`build`)."""

    model: object  # the fitted one-series Forecaster
    padded: bool  # run the library's program padded to its bucket of windows (else the one-window program)
    buckets: bool = True  # recursive models: run the horizon's bucket of steps (run_steps), keep the first ones

    @classmethod
    def build(cls, model) -> FastForecast | None:
        """A fast path that reproduces ``model.forecast_at`` exactly on the model's saved rows, or None."""
        if model.is_panel_ or model.loss_.kind != "point":
            return None
        for padded in (False, True):
            fast = cls(model, padded)
            if fast._agrees():
                if get_strategy(model.config_["strategy"]).one_step and not fast._buckets_agree():
                    return cls(model, padded, buckets=False)  # exact steps: the library's LRU bounds the programs
                return fast
        return None

    def __call__(
        self, values: np.ndarray, raw_targets: np.ndarray, start: np.ndarray, horizon: int, steps: int | None = None
    ) -> np.ndarray:
        """(horizon, targets) forecast of the window at ``start`` (shape (1,)); arguments as ``forecast_at``'s.

        steps: what a recursive model runs (default: :func:`run_steps`, or ``horizon`` without buckets).
        """
        m = self.model
        z = self._model_space(values, start, horizon, steps)  # (members, 1, horizon, targets)
        members = z.shape[0]
        origins = start + m.config_["window"] - 1
        levels = m.transforms_.history_levels(raw_targets, origins)  # (1, lag, targets)
        paths = m.transforms_.to_original(z.reshape(members, *z.shape[2:]), np.tile(levels, (members, 1, 1)))
        out = np.median(paths.reshape(z.shape), axis=0) if members > 1 else paths  # (1, horizon, targets)
        check_finite(out)
        return out[0]

    def _model_space(self, values: np.ndarray, start: np.ndarray, horizon: int, steps: int | None) -> np.ndarray:
        """Model-space forecasts (members, 1, horizon, targets), as ``Strategy.forecast`` computes them."""
        m = self.model
        spec, params = m.spec_, m.params_
        members = members_of(params)
        one_step = get_strategy(m.config_["strategy"]).one_step
        if steps is None:
            steps = run_steps(horizon, m.config_["horizon"]) if one_step and self.buckets else horizon
        extra = steps if one_step else spec.horizon
        inputs = pad_rows(values, bucket(len(values) + extra))  # (rows bucket, columns) float32
        starts = pad_starts(start) if self.padded else np.asarray(start, np.int32)  # (8,) or (1,)
        chunks = (1, len(starts))
        if one_step:
            out = programs._recursive_program(spec, m.loss_, steps, *chunks, members)(params, inputs, starts)
            out = np.asarray(out)[..., :horizon, :]  # (members, windows, horizon, targets), or without members
        else:
            out = np.asarray(programs._direct_program(spec, *chunks, members)(params, inputs, starts))
            out = m.loss_.point(out)[..., :horizon, :]  # (members, windows, spec horizon -> horizon, targets)
        out = out[:, :1] if members > 1 else out[None, :1]
        return np.asarray(out, np.float64)

    def _agrees(self, steps: int | None = None) -> bool:
        """Whether this path equals ``forecast_at`` bit for bit on up to CHECK_WINDOWS windows of the saved rows."""
        m = self.model
        series, horizon = m.series_, m.config_["horizon"]
        first, last = m.transforms_.target.lag, len(series) - m.config_["window"]
        if last < first:
            return False
        starts = np.unique(np.linspace(first, last, CHECK_WINDOWS).astype(np.int32))  # both paths read the same rows
        values = m.transforms_.to_model_space(series.values)
        raw = series.values[:, : series.n_targets]
        expected = m.forecast_at(values, raw, starts, horizon)  # (n, horizon, targets)
        got = np.stack([self(values, raw, starts[i : i + 1], horizon, steps) for i in range(len(starts))])
        return got.shape == expected.shape and np.array_equal(got, expected)

    def _buckets_agree(self) -> bool:
        """Whether running more steps and keeping the first ``horizon`` gives the bits of running exactly those."""
        horizon = self.model.config_["horizon"]
        return self._agrees(steps=run_steps(horizon + 1, horizon))


def run_steps(horizon: int, model_horizon: int) -> int:
    """Steps a recursive model runs for ``horizon``: its own horizon, or above it the next power of two.

    >>> [run_steps(h, 12) for h in (1, 12, 13, 16, 17, 1000)]
    [12, 12, 16, 16, 32, 1024]
    """
    if horizon <= model_horizon:
        return int(model_horizon)
    return 1 << (int(horizon) - 1).bit_length()
