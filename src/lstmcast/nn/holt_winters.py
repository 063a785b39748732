"""ES-RNN's normalization: a learned Holt-Winters recursion over each window (``normalize="es"``).

Smyl's M4 winner (ES-RNN, 2018) feeds the LSTM a window divided by an exponential-smoothing
level and seasonality whose smoothing coefficients are learned by gradient descent together
with the network. This is its additive form, run over each window inside the compiled
program:

* The window's first season starts the recursion: level ``l`` = its mean, seasonal
  components ``s[p]`` = its deviations from that mean (one per phase ``p``).
* Every later row ``x_t`` updates them with the learned coefficients ``alpha`` (level) and
  ``gamma`` (season), both in (0, 1)::

      l_t      = alpha * (x_t - s[p_t]) + (1 - alpha) * l_{t-1}
      s[p_t]  <- gamma * (x_t - l_t)    + (1 - gamma) * s[p_t]

* The network reads ``(x_t - l_T - s_t) / scale``: each row less the window's last level
  and the seasonal component it was read with (the first season's rows, which only started
  the recursion, with their phase's final component: read with their starting components they
  would all be the same number); it forecasts ``(y - l_T - s[p]) / scale`` over the horizon,
  with the seasonal components as the recursion left them.

Without a season (or a window that holds under one season and one row more) it is simple
exponential smoothing of the level, started at the window's first row. ``alpha`` near 1
is ``normalize="last"``; ``gamma`` of one half after one season is close to
``normalize="season"``: the recursion learns where between them (and beyond) each series sits.

The coefficients are ``sigmoid(GAIN * logit)``, one pair per target column, in the
parameters under ``"smoothing"`` (so a saved model keeps them and the optimizer trains
them); ``GAIN`` lets Adam's steps, sized for the network's weights, move them over a fit.
In a model of many series the pair is shared by the series (ES-RNN's is per series).
The scale is ``normalize="season"``'s, computed there: the window's mean absolute seasonal step.

Shapes: targets (batch, window, k) -> loc of the inputs (batch, window, k), loc of the
outputs (batch, horizon, k).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lstmcast.nn.unroll import unroll

GAIN = 10.0  # coefficient = sigmoid(GAIN * logit)


def init_coefficients(k: int, flag: bool = False) -> dict[str, jax.Array]:
    """Logits of zero: both coefficients start at one half. ``flag``: with the member's mode flag of
    ``normalize="mixed"`` (0: "season"; set per member by ``fitting.init_members``)."""
    out = {"level": jnp.zeros((k,), jnp.float32), "season": jnp.zeros((k,), jnp.float32)}
    if flag:
        out["es"] = jnp.zeros((1,), jnp.float32)
    return out


def coefficients(smoothing: dict) -> tuple[jax.Array, jax.Array]:
    """(alpha, gamma), each (k,) in (0, 1), from the saved logits."""
    return jax.nn.sigmoid(GAIN * smoothing["level"]), jax.nn.sigmoid(GAIN * smoothing["season"])


def seasonal(season: int, window: int) -> bool:
    """Whether the window holds a first season to start from (as ``normalize="season"``: up to the whole window)."""
    return 1 < season <= window


def recursion(targets, alpha, gamma, season: int):
    """The recursion over each window.

    targets (batch, window, k); alpha, gamma (k,) ->
    level (batch, k) after the last row, components (batch, m, k) by phase from the row after the
    window on, used (batch, window, k) the seasonal component each row was read with
    (m = 1 and components of zero without a season; the first season's rows with their phase's final
    component).
    """
    m = season if seasonal(season, targets.shape[1]) else 1
    first = targets[:, :m]  # (batch, m, k)
    level = jnp.mean(first, axis=1)  # (batch, k)
    components = first - level[:, None] if m > 1 else jnp.zeros_like(first)  # (batch, m, k)
    rest = jnp.swapaxes(targets[:, m:], 0, 1)  # (window - m, batch, k)

    def step(carry, x):
        level, components = carry  # (batch, k), (batch, m, k): [:, 0] is this row's phase
        s = components[:, 0]
        level = alpha * (x - s) + (1.0 - alpha) * level
        if m > 1:
            s_new = gamma * (x - level) + (1.0 - gamma) * s
            components = jnp.concatenate([components[:, 1:], s_new[:, None]], axis=1)  # next phase first
        return (level, components), s

    (level, components), used = jax.lax.scan(
        step, (level, components), rest, unroll=unroll(rest.shape[0])
    )  # used (window - m, batch, k)
    first_used = components[:, (jnp.arange(m) - targets.shape[1]) % m]  # (batch, m, k) final, by the rows' phase
    used = jnp.concatenate([first_used, jnp.swapaxes(used, 0, 1)], axis=1)  # (batch, window, k)
    return level, components, used


def locations(targets, smoothing: dict, season: int, horizon: int):
    """(loc of the inputs, loc of the outputs) of each window (module docstring); the scale is
    ``normalize="season"``'s (nn/scaling.py)."""
    alpha, gamma = coefficients(smoothing)
    level, components, used = recursion(targets, alpha, gamma, season)
    m = components.shape[1]
    loc_in = level[:, None] + used  # (batch, window, k)
    loc_out = level[:, None] + components[:, jnp.arange(horizon) % m]  # (batch, horizon, k)
    return loc_in, loc_out
