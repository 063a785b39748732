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

HEADS = ("point", "quantile", "normal", "studentt", "negbin")
WIDTHS = {"normal": 2, "studentt": 3, "negbin": 2}  # outputs per target and step; point and quantile take any
LABELS = {"quantile": "MonotoneQuantiles", "normal": "Normal", "studentt": "StudentT", "negbin": "NegativeBinomial"}
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
    if head == "negbin" and normalize not in UNSHIFTED:
        raise ConfigError(
            f"normalize={normalize!r} cannot be used with loss='negbin': counts need windows divided by their "
            "level and never shifted; use normalize='scale' (or 'none')."
        )


def constrain(raw, head: str):
    """Raw head outputs (..., n_outputs) -> the head's parameters in window units (same shape)."""
    if head == "point":
        return raw
    if head == "quantile":
        return monotone(raw)
    if head in ("normal", "studentt"):
        sigma = jax.nn.softplus(raw[..., 1]) + SIGMA_FLOOR
        if head == "normal":
            return jnp.stack([raw[..., 0], sigma], axis=-1)
        return jnp.stack([raw[..., 0], sigma, DF_MIN + jax.nn.softplus(raw[..., 2])], axis=-1)
    if head == "negbin":
        return jnp.stack([jax.nn.softplus(raw[..., 0]) + MU_FLOOR, jax.nn.softplus(raw[..., 1]) + ALPHA_FLOOR], axis=-1)
    raise ConfigError.choice("head", head, HEADS)


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
    if head in ("point", "quantile"):
        return out * scale[..., None] + loc[..., None]
    if head in ("normal", "studentt"):
        moved = [out[..., 0] * scale + loc, out[..., 1] * scale]  # location moves, spread only stretches
        return jnp.stack(moved + ([out[..., 2]] if head == "studentt" else []), axis=-1)
    if head == "negbin":  # windows are never shifted (check_head): loc is 0
        return jnp.stack([out[..., 0] * scale, out[..., 1]], axis=-1)
    raise ConfigError.choice("head", head, HEADS)
