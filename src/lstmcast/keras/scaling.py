"""The scaling a Keras model's inputs went through, given by the user, as a fitted lstmcast Scaler.

A Keras model reads scaled values and emits scaled forecasts; the file does not say
how they were scaled, so the user says it: ``scaler="minmax"`` with the per-column
``data_min`` / ``data_max`` (and ``feature_range``) a scikit-learn ``MinMaxScaler``
was fitted to, ``scaler="standard"`` with ``mean`` / ``std``, ``scaler=None`` (raw
values), or a fitted scikit-learn ``MinMaxScaler`` / ``StandardScaler`` itself, whose
numbers are read as attributes (nothing is unpickled). Columns are the model's input
columns in order: the targets, then the features.

>>> s = scaler_of("minmax", ["y"], data_min=10.0, data_max=30.0)
>>> float(s.transform([[20.0]])[0, 0])
0.5
"""

from __future__ import annotations

import numpy as np

from lstmcast.data.transforms import Scaler
from lstmcast.errors import ConfigError

KINDS = ("minmax", "standard", "none")


def scaler_of(scaler, columns, data_min=None, data_max=None, feature_range=(0.0, 1.0), mean=None, std=None) -> Scaler:
    """A fitted :class:`~lstmcast.data.transforms.Scaler` that scales ``columns`` as the Keras model's data was."""
    columns = list(columns)
    if hasattr(scaler, "data_min_") and hasattr(scaler, "data_max_"):  # a fitted scikit-learn MinMaxScaler
        _unused("a fitted MinMaxScaler", data_min=data_min, data_max=data_max, mean=mean, std=std)
        return _minmax(columns, scaler.data_min_, scaler.data_max_, tuple(getattr(scaler, "feature_range", (0, 1))))
    if hasattr(scaler, "scale_") and hasattr(scaler, "mean_"):  # a fitted scikit-learn StandardScaler
        _unused("a fitted StandardScaler", data_min=data_min, data_max=data_max, mean=mean, std=std)
        n = len(columns)
        center = np.zeros(n) if scaler.mean_ is None else scaler.mean_  # with_mean=False
        spread = np.ones(n) if scaler.scale_ is None else scaler.scale_  # with_std=False
        return _standard(columns, center, spread)
    kind = "none" if scaler is None else scaler
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConfigError(
            f"scaler={scaler!r} is not supported: use 'minmax' (with data_min= and data_max=), 'standard' "
            "(with mean= and std=), None, or a fitted scikit-learn MinMaxScaler or StandardScaler."
        )
    if kind == "minmax":
        _unused("scaler='minmax'", mean=mean, std=std)
        if data_min is None or data_max is None:
            raise ConfigError(
                "scaler='minmax' needs data_min= and data_max=, the per-column minimum and maximum the Keras "
                "model's scaler was fitted to (scikit-learn: scaler.data_min_, scaler.data_max_)."
            )
        return _minmax(columns, data_min, data_max, feature_range)
    if kind == "standard":
        _unused("scaler='standard'", data_min=data_min, data_max=data_max)
        if mean is None or std is None:
            raise ConfigError(
                "scaler='standard' needs mean= and std=, the per-column mean and standard deviation the Keras "
                "model's scaler was fitted to (scikit-learn: scaler.mean_, scaler.scale_)."
            )
        return _standard(columns, mean, std)
    _unused("scaler=None", data_min=data_min, data_max=data_max, mean=mean, std=std)
    out = Scaler("none")
    out.offset_, out.scale_ = np.zeros(len(columns)), np.ones(len(columns))
    return out


def _unused(what: str, **given) -> None:
    stray = [name for name, value in given.items() if value is not None]
    if stray:
        raise ConfigError(f"{stray[0]}= is not used with {what}: leave it out, or choose the scaler it belongs to.")


def _per_column(name: str, value, columns: list[str]) -> np.ndarray:
    """``value`` as one finite number per column (a single number only for a single column)."""
    try:
        arr = np.asarray(value, np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} must be numbers, one per input column {columns}.") from None
    if arr.shape != (len(columns),):
        raise ConfigError(
            f"{name}={value!r} gives {arr.size} value(s), but the model reads {len(columns)} input column(s) "
            f"{columns}: give one per column, in that order."
        )
    if not np.isfinite(arr).all():
        raise ConfigError(f"{name}={value!r} must be finite numbers.")
    return arr


def _minmax(columns: list[str], data_min, data_max, feature_range) -> Scaler:
    """scikit-learn's MinMaxScaler: ``(x - min) / (max - min) * (high - low) + low``; a constant column's range is 1."""
    lo_x, hi_x = _per_column("data_min", data_min, columns), _per_column("data_max", data_max, columns)
    bad = np.flatnonzero(hi_x < lo_x)
    if bad.size:
        j = bad[0]
        raise ConfigError(
            f"data_max={float(hi_x[j])!r} is below data_min={float(lo_x[j])!r} for column {columns[j]!r}: swap them, "
            "or pass the scaler's data_max_ and data_min_."
        )
    from lstmcast import params as P

    out = Scaler("minmax", P.PARAMS["feature_range"].check_value(feature_range))  # two numbers, low < high
    lo, hi = out.feature_range
    span = np.where(hi_x > lo_x, hi_x - lo_x, 1.0)  # as scikit-learn's _handle_zeros_in_scale
    out.scale_ = span / (hi - lo)
    out.offset_ = lo_x - lo * out.scale_
    return out


def _standard(columns: list[str], mean, std) -> Scaler:
    center, spread = _per_column("mean", mean, columns), _per_column("std", std, columns)
    bad = np.flatnonzero(spread <= 0)
    if bad.size:
        raise ConfigError(f"std={float(spread[bad[0]])!r} for column {columns[bad[0]]!r} must be positive.")
    out = Scaler("standard")
    out.offset_, out.scale_ = center, spread
    return out
