"""Heads: what the network's last dense layer means for each loss, and how its outputs reach model space.

The dense layer emits raw numbers (batch, H, targets, n_outputs). Inside ``apply`` a head
maps them to valid parameters in window units (:func:`constrain`); outside, with each
window's level and scale (nn/scaling.py), :func:`to_model_space` maps those parameters to
model space. Each parameter is mapped by what it is: a location moves and stretches with
the window, a spread only stretches, a shape parameter stays as it is.

========  ==============================================================  =====================================
head      window units (``constrain``)                                    model space (``to_model_space``)
========  ==============================================================  =====================================
point     as emitted                                                      ``out * scale + loc``
quantile  ``q_0 = raw_0``, ``q_j = q_(j-1) + softplus(raw_j)``: quantiles  ``q * scale + loc`` (scale > 0 keeps
          never cross, by construction                                    the order)
normal    ``mu = raw_0``, ``sigma = softplus(raw_1) + SIGMA_FLOOR``       ``mu * scale + loc``, ``sigma * scale``
studentt  mu and sigma as normal, ``df = 2 + softplus(raw_2)`` (a finite  mu and sigma as normal, df untouched
          variance)
negbin    ``mu = softplus(raw_0) + MU_FLOOR`` (the mean),                 ``mu * scale``, alpha untouched
          ``alpha = softplus(raw_1) + ALPHA_FLOOR`` (the dispersion)
========  ==============================================================  =====================================

The negative binomial (counts) has mean ``mu`` and variance ``mu + alpha * mu**2``.
Like DeepAR, its windows are divided by their own mean absolute value and never shifted
(``normalize="scale"``, or ``"none"``), so the mean stays positive. Unlike DeepAR, which
divides alpha by the square root of the scale and feeds the scale to the network as an
input, alpha is left as it is: it is the squared coefficient of variation of the counts'
gamma mixing, a pure number, so the network that sees only scale-free windows learns the
same relative over-dispersion at every level (the Poisson part of the variance, ``mu``,
already grows with the level).

>>> import jax.numpy as jnp
>>> q = constrain(jnp.array([3.0, -1.0, 5.0, -40.0]), "quantile")  # raw outputs in any order
>>> bool(jnp.all(jnp.diff(q) >= 0)), float(q[0])
(True, 3.0)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lstmcast.errors import ConfigError
from lstmcast.loss_table import HEADS as DECLARED_HEADS

HEADS = tuple(DECLARED_HEADS)  # each head's width, label and needs: lstmcast.loss_table
WIDTHS = {n: d.width for n, d in DECLARED_HEADS.items() if d.width is not None}  # point and quantile take any
LABELS = {n: d.label for n, d in DECLARED_HEADS.items() if d.label is not None}
UNSHIFTED = ("scale", "none")  # window normalizations that keep a positive mean positive (negbin)
SIGMA_FLOOR = 1e-3  # window units: a series with no noise left cannot drive its likelihood to infinity
MU_FLOOR = 1e-6  # window units
ALPHA_FLOOR = 1e-4  # keeps 1 / alpha (the number of gamma "successes") within float32's lgamma precision
DF_MIN = 2.0  # student-t degrees of freedom stay above 2: the variance is finite


def check_head(head: str, n_outputs: int, normalize: str) -> None:
    """Refuse a head with the wrong width, or a count head whose windows are shifted."""
    if head not in HEADS:
        raise ConfigError.choice("head", head, HEADS)
    width = WIDTHS.get(head)
    if width is not None and n_outputs != width:
        raise ConfigError(f"n_outputs={n_outputs} does not fit head={head!r}, which emits {width} parameters per step.")
    if DECLARED_HEADS[head].unshifted and normalize not in UNSHIFTED:
        raise ConfigError(
            f"normalize={normalize!r} cannot be used with loss={head!r}: counts need windows divided by their "
            "level and never shifted; use normalize='scale' (or 'none')."
        )


def constrain(raw, head: str):
    """Raw head outputs (..., n_outputs) -> the head's parameters in window units (same shape)."""
    if head not in _CONSTRAIN:
        raise ConfigError.choice("head", head, HEADS)
    return _CONSTRAIN[head](raw)


def _location_spread(raw):
    """normal: (mu, sigma); studentt: (mu, sigma, df), df > DF_MIN."""
    sigma = jax.nn.softplus(raw[..., 1]) + SIGMA_FLOOR
    rest = [DF_MIN + jax.nn.softplus(raw[..., 2])] if raw.shape[-1] == 3 else []
    return jnp.stack([raw[..., 0], sigma, *rest], axis=-1)


def _counts(raw):
    """negbin: (mu, alpha), both positive."""
    return jnp.stack([jax.nn.softplus(raw[..., 0]) + MU_FLOOR, jax.nn.softplus(raw[..., 1]) + ALPHA_FLOOR], axis=-1)


def monotone(raw):
    """Quantiles that never cross: (..., Q) -> the first output plus cumulative softplus increments.

    Accumulated one level at a time (not by ``cumsum``, which XLA may associate differently
    for each level): each quantile is the previous one plus a non-negative step, so the
    order holds exactly in floating point too.
    """
    steps = jax.nn.softplus(raw[..., 1:])  # (..., Q - 1) >= 0
    levels = [raw[..., 0]]
    for j in range(raw.shape[-1] - 1):
        levels.append(levels[-1] + steps[..., j])
    return jnp.stack(levels, axis=-1)


def to_model_space(out, loc, scale, head: str = "point"):
    """Head parameters (batch, H, k, n_outputs) in window units -> model space; loc (batch, H or 1, k),
    scale (batch, 1, k) as nn/scaling.py computes them."""
    if head not in _TO_MODEL_SPACE:
        raise ConfigError.choice("head", head, HEADS)
    return _TO_MODEL_SPACE[head](out, loc, scale)


def _moved(out, loc, scale):
    """Every output is a location (a point, or quantiles): it moves and stretches with the window."""
    return out * scale[..., None] + loc[..., None]


def _location_first(out, loc, scale):
    """The location moves, the spread only stretches, a shape parameter (df) stays."""
    moved = [out[..., 0] * scale + loc, out[..., 1] * scale]
    return jnp.stack(moved + [out[..., j] for j in range(2, out.shape[-1])], axis=-1)


def _mean_only(out, loc, scale):
    """Windows are never shifted (check_head): loc is 0; the mean stretches, the dispersion stays."""
    return jnp.stack([out[..., 0] * scale, out[..., 1]], axis=-1)


# each declared head's arithmetic (lstmcast.loss_table declares its width, label and needs)
_CONSTRAIN = {"point": lambda raw: raw, "quantile": monotone, "normal": _location_spread,
              "studentt": _location_spread, "negbin": _counts}  # fmt: skip
_TO_MODEL_SPACE = {"point": _moved, "quantile": _moved, "normal": _location_first,
                   "studentt": _location_first, "negbin": _mean_only}  # fmt: skip
assert set(_CONSTRAIN) == set(_TO_MODEL_SPACE) == set(HEADS), "every declared head needs its arithmetic here"
