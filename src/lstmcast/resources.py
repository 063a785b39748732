"""What a configuration will cost, checked before anything is allocated.

:func:`check_training` estimates the parameter count of the network (all ensemble members) and the
memory of one training step, and refuses with a :class:`~lstmcast.errors.ConfigError` above the
limits, so ``units=1_000_000_000`` is one clear error instead of an allocation failure or a
process abort inside XLA.

Limits: :data:`MAX_PARAMETERS` parameters, and step memory of at most half of the machine's RAM
(``os.sysconf``), or of ``LSTMCAST_MAX_MEMORY`` bytes when that environment variable is set
(suffixes K, M, G, T accepted: ``LSTMCAST_MAX_MEMORY=8G``).

The step estimate is deliberately simple: a recurrent layer keeps ``gates`` arrays of
(window, batch, units) float32 per direction for the backward pass, and the backward pass needs
about as much again (:data:`ACTIVATION_FACTOR`); the parameters are held four times (weights,
gradients and the two Adam moments). Members of an ensemble train together, so everything is
multiplied by their number.
"""

from __future__ import annotations

import os

from lstmcast.errors import ConfigError

MAX_PARAMETERS = 100_000_000  # all ensemble members together
BYTES = 4  # float32
ACTIVATION_FACTOR = 3  # saved activations, their gradients and temporaries
PARAMETER_COPIES = 4  # weights, gradients, two optimizer moments
GATES = {"lstm": 4, "gru": 3}
_SUFFIXES = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def step_bytes(spec, batch: int, members: int = 1) -> int:
    """Estimated bytes of one training step of ``members`` networks of ``spec`` on ``batch`` windows."""
    gates = GATES.get(spec.cell, 4)
    directions = 2 if spec.bidirectional else 1
    activations = batch * spec.window * sum(spec.units) * gates * directions * BYTES * ACTIVATION_FACTOR
    weights = spec.count() * BYTES * PARAMETER_COPIES
    return int(members * (activations + weights))


def memory_limit() -> int | None:
    """Bytes one training step may use: ``LSTMCAST_MAX_MEMORY`` if set, else half the RAM (None if unknown)."""
    text = os.environ.get("LSTMCAST_MAX_MEMORY", "").strip()
    if text:
        return parse_bytes(text)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return None


def parse_bytes(text: str) -> int:
    """``"8G"`` -> 8 * 2**30; plain numbers are bytes."""
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    scale = _SUFFIXES.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in _SUFFIXES else t
    try:
        value = float(number) * scale
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise ConfigError(
            f"LSTMCAST_MAX_MEMORY={text!r} is not a size: use bytes or a number with K, M, G or T (e.g. 8G)."
        )
    return int(value)


def check_training(spec, batch: int, members: int = 1) -> None:
    """Refuse a network too large to train here (parameter count or one step's memory), before it is built."""
    per_member = spec.count()
    total = per_member * members
    units = ",".join(str(u) for u in spec.units)
    if total > MAX_PARAMETERS:
        each = f" ({members:,} members x {per_member:,})" if members > 1 else ""
        raise ConfigError(
            f"units={units} makes a network of {total:,} parameters{each}, more than lstmcast trains "
            f"({MAX_PARAMETERS:,}): use fewer units, layers or ensemble members."
        )
    limit = memory_limit()
    need = step_bytes(spec, batch, members)
    if limit is not None and need > limit:
        raise ConfigError(
            f"one training step of units={units}, window={spec.window}, batch_size={batch}, ensemble={members} "
            f"needs about {_size(need)}, more than the {_size(limit)} allowed (half the machine's memory, or "
            "LSTMCAST_MAX_MEMORY): use fewer units, a shorter window, a smaller batch_size or fewer members."
        )


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
