"""Loss objects: each owns the head's width per target and step, and what the outputs mean.

The network emits ``(batch, horizon, targets, loss.n_outputs)``, read as ``loss.head``
says (nn/heads.py); the loss says how to score those outputs against the targets
(``per_window``), how to read a point forecast out of them (``point``), their quantiles
(``quantiles``, NumPy, closed form) and draws from them (``draw`` / ``sample``, JAX).

* :class:`PointLoss` (mse, mae, huber): one value per step and target.
* :class:`QuantileLoss`: the pinball loss of ``levels`` quantiles that never cross;
  quantiles between them are interpolated linearly, and levels outside them refused.
* :class:`NormalLoss`, :class:`StudentTLoss`, :class:`NegBinLoss` (counts): negative
  log-likelihoods of a distribution's parameters.

Losses are scored in window units (nn/scaling.py), so big and small windows weigh the
same; a location-scale likelihood differs there from model space only by ``log(scale)``,
a constant. Counts are the exception (``model_space``): their likelihood is scored on
the counts themselves, with the mean mapped back to counts first. Losses are frozen and
hashable: the compiled programs take them as static arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from lstmcast.errors import ConfigError, DataError
from lstmcast.loss_table import HEADS, LOSSES, named
from lstmcast.params import DEFAULTS

DEFAULT_QUANTILES: tuple[float, ...] = tuple(DEFAULTS["quantiles"])


class Loss(Protocol):
    name: str
    kind: ClassVar[str]  # "point" | "quantile" | "distribution"
    head: ClassVar[str]  # the network's head (nn/heads.py)
    n_outputs: int  # head outputs per target and step
    model_space: ClassVar[bool]  # per_window scores model-space outputs and targets (else window units)
    counts: ClassVar[bool]  # non-negative whole numbers in their own units (lstmcast.loss_table)

    def per_window(self, out, y):  # out (batch, H, targets, n_outputs), y (batch, H, targets) -> (batch,)
        ...

    def point(self, out):  # (batch, H, targets, n_outputs) -> (batch, H, targets)
        ...

    def quantiles(self, out, taus) -> np.ndarray:  # (..., n_outputs), (Q,) -> (..., Q) float64
        ...

    def draw(self, out, key):  # (..., n_outputs) -> (...,): one draw per set of parameters
        ...

    def sample(self, out, key, n_samples: int):  # (..., n_outputs) -> (n_samples, ...)
        ...

    def to_dict(self) -> dict: ...


def declared(cls):
    """A loss class's kind, head and width (its head's, when fixed) from :mod:`lstmcast.loss_table`, by its name."""
    d = LOSSES[cls.name]
    cls.kind, cls.head, cls.counts = d.kind, d.head, d.counts
    if HEADS[d.head].width is not None:
        cls.n_outputs = HEADS[d.head].width
    return cls


@declared
@dataclass(frozen=True)
class PointLoss:
    """mse, mae or huber (delta 1) of a single output per step and target."""

    name: str = "mse"
    kind: ClassVar[str]
    head: ClassVar[str]
    n_outputs: ClassVar[int] = 1
    model_space: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.name not in POINT_LOSSES:
            raise ConfigError.choice("loss", self.name, tuple(POINT_LOSSES))

    def per_window(self, out, y):
        return POINT_LOSSES[self.name](out[..., 0] - y)

    def point(self, out):
        return out[..., 0]

    def quantiles(self, out, taus):
        raise ConfigError(self._no_spread("quantiles"))

    def draw(self, out, key):
        raise ConfigError(self._no_spread("sample paths"))

    def sample(self, out, key, n_samples: int):
        raise ConfigError(self._no_spread("sample paths"))

    def _no_spread(self, what: str) -> str:
        return (
            f"loss={self.name!r} forecasts one value per step and has no {what}: train with loss='quantile', "
            "'normal', 'studentt' or 'negbin', or use conformal intervals."
        )

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name}


def _mse(err):
    return jnp.mean(err**2, axis=(1, 2))


def _mae(err):
    return jnp.mean(jnp.abs(err), axis=(1, 2))


def _huber(err, delta: float = 1.0):
    a = jnp.abs(err)
    return jnp.mean(jnp.where(a <= delta, 0.5 * err**2, delta * (a - 0.5 * delta)), axis=(1, 2))


POINT_LOSSES = {"mse": _mse, "mae": _mae, "huber": _huber}


class _Spread:
    """What quantile and distribution losses share: samples from draws, checked levels, no crossing."""

    def sample(self, out, key, n_samples: int):
        """n_samples independent draws: (..., n_outputs) -> (n_samples, ...)."""
        return self.draw(jnp.broadcast_to(out, (n_samples, *out.shape)), key)

    def quantiles(self, out, taus) -> np.ndarray:
        """Model-space quantiles (..., Q) at levels ``taus`` (Q,); sorted levels never cross."""
        taus = _levels(taus)
        q = self._quantiles(np.asarray(out, np.float64), taus)  # (..., Q)
        order = np.argsort(taus, kind="stable")
        q[..., order] = np.maximum.accumulate(q[..., order], axis=-1)  # exact: no rounding may cross them
        return q

    def point(self, out):
        """A distribution's mean, its first parameter."""
        return out[..., 0]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name}


@declared
@dataclass(frozen=True)
class QuantileLoss(_Spread):
    """Pinball loss of a head emitting the quantiles at ``levels`` (sorted, in (0, 1), spanning 0.5).

    ``point`` is the median (interpolated when 0.5 is not a level). ``quantiles`` interpolates
    linearly between the emitted levels and refuses levels outside them (a clear error naming
    the range: the model knows nothing beyond its outer quantiles). ``draw`` is inverse-CDF
    sampling: u ~ U(0, 1) interpolated, u beyond the outer levels giving the outer quantiles.
    """

    levels: tuple[float, ...] = DEFAULT_QUANTILES
    name: ClassVar[str] = "quantile"
    kind: ClassVar[str]
    head: ClassVar[str]
    model_space: ClassVar[bool] = False

    def __post_init__(self) -> None:
        raw = self.levels
        levels = tuple(float(q) for q in (raw if isinstance(raw, (tuple, list, np.ndarray)) else (raw,)))
        if not levels or not all(0.0 < q < 1.0 for q in levels) or any(np.diff(levels) <= 0):
            raise ConfigError(
                f"quantiles={raw!r} must be increasing numbers strictly between 0 and 1, e.g. (0.1, 0.5, 0.9)."
            )
        if not levels[0] <= 0.5 <= levels[-1]:
            raise ConfigError(
                f"quantiles={levels!r} must include 0.5 or levels on both sides of it: the point forecast is the "
                "median. Add 0.5, e.g. quantiles=(0.1, 0.5, 0.9)."
            )
        object.__setattr__(self, "levels", levels)

    @property
    def n_outputs(self) -> int:
        return len(self.levels)

    def per_window(self, out, y):
        err = y[..., None] - out  # (batch, H, k, Q)
        tau = jnp.asarray(self.levels, out.dtype)
        return jnp.mean(jnp.maximum(tau * err, (tau - 1.0) * err), axis=(1, 2, 3))

    def point(self, out):
        return _interpolate(out, self.levels, 0.5)

    def draw(self, out, key):
        u = jax.random.uniform(key, out.shape[:-1], out.dtype)
        return _interpolate(out, self.levels, u)

    def _quantiles(self, out, taus):
        lo, hi = self.levels[0], self.levels[-1]
        outside = [float(t) for t in taus if not lo - 1e-9 <= t <= hi + 1e-9]
        if outside:
            widest = round(100.0 * (1.0 - 2.0 * max(lo, 1.0 - hi)), 6)
            raise ConfigError(
                f"quantile levels {outside} lie outside the levels this loss='quantile' model emits ({lo:g} to "
                f"{hi:g}): ask for levels within them (central intervals up to level {widest:g}), or retrain with "
                "quantiles= covering them."
            )
        return np.stack([_interpolate(out, self.levels, float(t)) for t in taus], axis=-1)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "quantiles": list(self.levels)}


def _interpolate(q, levels: tuple[float, ...], u):
    """Linear interpolation of quantiles q (..., Q) emitted at ``levels`` to level ``u``: a number, or
    a JAX array of q's leading shape (draws). u outside the levels gives the outer quantile; values
    are clipped to their two neighbouring quantiles, so rounding never takes one past them."""
    if len(levels) == 1:
        return q[..., 0]
    xp = np if isinstance(q, np.ndarray) else jnp
    if np.ndim(u) == 0 and not isinstance(u, jax.Array):  # a fixed level: its neighbours are known now
        knots = np.asarray(levels)
        j = int(np.clip(np.searchsorted(knots, u, side="right") - 1, 0, len(levels) - 2))
        w = float(np.clip((u - knots[j]) / (knots[j + 1] - knots[j]), 0.0, 1.0))
        lo, hi = q[..., j], q[..., j + 1]
    else:
        knots = jnp.asarray(levels, q.dtype)
        j = jnp.clip(jnp.searchsorted(knots, u, side="right") - 1, 0, len(levels) - 2)
        lo = jnp.take_along_axis(q, j[..., None], axis=-1)[..., 0]
        hi = jnp.take_along_axis(q, j[..., None] + 1, axis=-1)[..., 0]
        w = jnp.clip((u - knots[j]) / (knots[j + 1] - knots[j]), 0.0, 1.0)
    return xp.clip(lo + w * (hi - lo), lo, hi)


@declared
@dataclass(frozen=True)
class NormalLoss(_Spread):
    """Gaussian negative log-likelihood of (mu, sigma); point: mu."""

    name: ClassVar[str] = "normal"
    kind: ClassVar[str]
    head: ClassVar[str]
    n_outputs: ClassVar[int]
    model_space: ClassVar[bool] = False

    def per_window(self, out, y):
        mu, sigma = out[..., 0], out[..., 1]
        z = (y - mu) / sigma
        return jnp.mean(jnp.log(sigma) + 0.5 * z**2 + 0.5 * np.log(2.0 * np.pi), axis=(1, 2))

    def draw(self, out, key):
        return out[..., 0] + out[..., 1] * jax.random.normal(key, out.shape[:-1], out.dtype)

    def _quantiles(self, out, taus):
        from scipy.special import ndtri

        return out[..., :1] + out[..., 1:2] * ndtri(taus)


@declared
@dataclass(frozen=True)
class StudentTLoss(_Spread):
    """Student-t negative log-likelihood of (mu, sigma, df), df > 2; point: mu (the mean)."""

    name: ClassVar[str] = "studentt"
    kind: ClassVar[str]
    head: ClassVar[str]
    n_outputs: ClassVar[int]
    model_space: ClassVar[bool] = False

    def per_window(self, out, y):
        mu, sigma, df = out[..., 0], out[..., 1], out[..., 2]
        z = (y - mu) / sigma
        log_pdf = (
            gammaln(0.5 * (df + 1.0))
            - gammaln(0.5 * df)
            - 0.5 * jnp.log(df * np.pi)
            - jnp.log(sigma)
            - 0.5 * (df + 1.0) * jnp.log1p(z**2 / df)
        )
        return -jnp.mean(log_pdf, axis=(1, 2))

    def draw(self, out, key):
        t = jax.random.t(key, out[..., 2], out.shape[:-1], out.dtype)
        return out[..., 0] + out[..., 1] * t

    def _quantiles(self, out, taus):
        from scipy.special import stdtrit

        return out[..., :1] + out[..., 1:2] * stdtrit(out[..., 2:3], taus)


@declared
@dataclass(frozen=True)
class NegBinLoss(_Spread):
    """Negative binomial negative log-likelihood of counts, mean mu and dispersion alpha
    (variance ``mu + alpha * mu**2``), scored on the counts (``model_space``); point: mu."""

    name: ClassVar[str] = "negbin"
    kind: ClassVar[str]
    head: ClassVar[str]
    n_outputs: ClassVar[int]
    model_space: ClassVar[bool] = True

    def per_window(self, out, y):
        mu, alpha = out[..., 0], out[..., 1]
        r = 1.0 / alpha  # the gamma mixing's shape
        log_1p = jnp.log1p(alpha * mu)
        log_pmf = (
            gammaln(y + r) - gammaln(r) - gammaln(y + 1.0) - r * log_1p + y * (jnp.log(alpha) + jnp.log(mu) - log_1p)
        )
        return -jnp.mean(log_pmf, axis=(1, 2))

    def draw(self, out, key):
        """A Poisson draw of a gamma-distributed rate (mean mu, shape 1 / alpha)."""
        mu, alpha = out[..., 0], out[..., 1]
        gamma_key, poisson_key = jax.random.split(key)
        rate = jax.random.gamma(gamma_key, 1.0 / alpha, dtype=out.dtype) * (mu * alpha)
        return jax.random.poisson(poisson_key, jnp.minimum(rate, 1e9)).astype(out.dtype)

    def _quantiles(self, out, taus):
        from scipy.stats import nbinom

        r = 1.0 / out[..., 1:2]
        return nbinom.ppf(taus, r, r / (r + out[..., :1]))


@dataclass(frozen=True)
class PointError:
    """A point loss (mse, mae, huber) of another loss's point forecast, in window units: scores any head's
    point forecast the same way (reports, not training). Built by :func:`point_error`."""

    of: Loss
    name: str = "mse"
    kind: ClassVar[str] = "point"
    model_space: ClassVar[bool] = False

    @property
    def head(self) -> str:
        return self.of.head

    @property
    def counts(self) -> bool:
        return self.of.counts

    @property
    def n_outputs(self) -> int:
        return self.of.n_outputs

    def per_window(self, out, y):
        return POINT_LOSSES[self.name](self.of.point(out) - y)

    def point(self, out):
        return self.of.point(out)


def point_error(loss: Loss, name: str = "mse") -> Loss:
    """``name`` (mse, mae, huber) of ``loss``'s point forecast: ``PointLoss(name)`` for a point head (the same
    compiled program as training with it), else a :class:`PointError` reading the median or the mean."""
    if name not in POINT_LOSSES:
        raise ConfigError.choice("loss", name, tuple(POINT_LOSSES))
    return PointLoss(name) if loss.kind == "point" else PointError(loss, name)


DISTRIBUTIONS = {c.name: c for c in (NormalLoss, StudentTLoss, NegBinLoss)}
NAMES = tuple(LOSSES)  # lstmcast.loss_table; each declared loss is implemented here:
assert (*POINT_LOSSES,) == named("point") and named("quantile") == ("quantile",), "declared vs implemented losses"
assert (*DISTRIBUTIONS,) == named("distribution"), "declared vs implemented distributions"


def _levels(taus) -> np.ndarray:
    taus = np.atleast_1d(np.asarray(taus, np.float64))
    if taus.ndim != 1 or not np.all((taus > 0.0) & (taus < 1.0)):
        raise ConfigError(f"quantile levels {taus.tolist()} must be numbers strictly between 0 and 1.")
    return taus


def get_loss(name: str, quantiles=DEFAULT_QUANTILES) -> Loss:
    """The Loss object for the ``loss=`` parameter (``quantiles=`` sets a quantile head's levels)."""
    if name in POINT_LOSSES:
        return PointLoss(name)
    if name == "quantile":
        return QuantileLoss(tuple(quantiles))
    if name in DISTRIBUTIONS:
        return DISTRIBUTIONS[name]()
    raise ConfigError.choice("loss", name, NAMES)


def loss_from_dict(d: dict | None) -> Loss:
    """A saved loss; models saved before losses were objects used a point head."""
    if d is None:
        return PointLoss("mse")
    kind = d.get("kind")
    if kind == "point":
        return PointLoss(d["name"])
    if kind == "quantile":
        return QuantileLoss(tuple(d["quantiles"]))
    if kind == "distribution" and d.get("name") in DISTRIBUTIONS:
        return DISTRIBUTIONS[d["name"]]()
    raise ConfigError(f"loss kind {kind!r} (name {d.get('name')!r}) is not supported by this lstmcast.")


# -- settings each loss needs ------------------------------------------------------------------
COUNT_SETTINGS = {"normalize": "scale", "scaler": "none", "log": False, "difference": 0}
COUNT_ALLOWED = {"normalize": ("scale", "none"), "scaler": ("none",), "log": (False,), "difference": (0,)}


def _as_loss(loss) -> Loss:
    return get_loss(loss) if isinstance(loss, str) else loss


def auto_settings(loss) -> dict:
    """The settings ``"auto"`` must resolve to for ``loss`` (a Loss or its name): counts are modelled in
    their own units, in windows divided by their level and never shifted; other losses need nothing."""
    return dict(COUNT_SETTINGS) if _as_loss(loss).counts else {}


def difference_allowed(loss, difference: int, horizon: int, strategy: str) -> bool:
    """Whether quantiles of ``loss`` survive undoing ``difference``: a point always does; a direct
    forecast's per-step quantiles only while every step adds back a known value (horizon <= lag);
    recursive sample paths are undone path by path."""
    return _as_loss(loss).kind == "point" or not difference or strategy == "recursive" or horizon <= difference


def check_settings(loss, cfg: dict) -> None:
    """Raise ConfigError (one line) when ``cfg``'s settings cannot be used with ``loss`` (a Loss or its name).

    Values still ``"auto"`` pass (:func:`auto_settings` says what they must become); call it
    again on the resolved settings.
    """
    loss = _as_loss(loss)
    if loss.counts:
        for key, allowed in COUNT_ALLOWED.items():
            value = cfg.get(key, "auto")
            if _is_auto(value) or any(value == a and isinstance(value, bool) == isinstance(a, bool) for a in allowed):
                continue
            raise ConfigError(
                f"{key}={value!r} cannot be used with loss={loss.name!r}, which models counts in their own units: "
                f"use {key}={COUNT_SETTINGS[key]!r}"
                + (" (or leave it at its default)." if key == "scaler" else " (or leave it 'auto').")
            )
    difference, horizon = cfg.get("difference", 0), cfg.get("horizon", 1)
    strategy = cfg.get("strategy", "direct")
    if not _is_auto(difference) and not difference_allowed(loss, int(difference or 0), int(horizon), strategy):
        raise ConfigError(
            f"difference={difference} with horizon={horizon} cannot be used with loss={loss.name!r} and "
            f"strategy={strategy!r}: quantiles of differences beyond {difference} steps do not add up to quantiles "
            f"of values. Use difference=0, horizon<={difference}, or strategy='recursive' (sample paths)."
        )


def _is_auto(value) -> bool:
    return isinstance(value, str) and value == "auto"


def check_targets(loss, targets, names=None) -> None:
    """Raise DataError when a count loss meets targets (rows, k) that are not non-negative integers."""
    if not _as_loss(loss).counts:
        return
    y = np.asarray(targets, np.float64).reshape(len(targets), -1)
    bad = ~((y >= 0) & (y == np.round(y)))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        column = names[col] if names is not None else f"target {col}"
        raise DataError(
            f"loss='negbin' models counts, but {column!r} holds {y[row, col]:g} at row {row}: counts are "
            "whole numbers >= 0. Use loss='normal' or 'studentt' for other values."
        )
