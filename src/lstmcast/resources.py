"""What a configuration will cost, checked before anything is allocated.

:func:`check_training` estimates the parameter count of the network (all ensemble members) and the
memory of one training step, and refuses with a :class:`~lstmcast.errors.ConfigError` above the
limits, so ``units=1_000_000_000`` is one clear error instead of an allocation failure or a
process abort inside XLA.

Limits: :data:`MAX_PARAMETERS` parameters, and step memory of at most half of the machine's RAM
(``os.sysconf``), or of ``LSTMCAST_MAX_MEMORY`` bytes when that environment variable is set
(suffixes K, M, G, T accepted: ``LSTMCAST_MAX_MEMORY=8G``).

The same budget bounds every other entry point, each checked before its arrays exist; each limit
has a default here and an environment variable that changes it (:func:`limit`):

=======================  ==============================  ====================================
what                     default                         variable
=======================  ==============================  ====================================
parameters               :data:`MAX_PARAMETERS`          ``LSTMCAST_MAX_PARAMETERS``
one step / one forecast  half the RAM                    ``LSTMCAST_MAX_MEMORY``
forecast horizon         :data:`MAX_HORIZON` steps       ``LSTMCAST_MAX_HORIZON``
epochs                   :data:`MAX_EPOCHS`              ``LSTMCAST_MAX_EPOCHS``
optimizer steps          :data:`MAX_STEPS`               ``LSTMCAST_MAX_STEPS``
config file              :data:`MAX_CONFIG_BYTES`        ``LSTMCAST_MAX_CONFIG_BYTES``
archive member, unpacked :data:`MAX_MEMBER_BYTES`        ``LSTMCAST_MAX_MEMBER_BYTES``
=======================  ==============================  ====================================

Entry points: ``fit`` (:func:`check_training`, :func:`check_schedule`), ``predict`` and
``make_future_frame`` (:func:`check_forecast`; the horizon parameter itself is bounded by
:func:`limit`), ``from_keras`` (:func:`check_parameters` from the declared shapes, and member sizes
while unpacking), ``load`` (:func:`check_parameters` from the document, before the weights are
read) and config files (:func:`check_file_size`).

The step estimate is deliberately simple: a recurrent layer keeps ``gates`` arrays of
(window, batch, units) float32 per direction for the backward pass, and the backward pass needs
about as much again (:data:`ACTIVATION_FACTOR`); the parameters are held four times (weights,
gradients and the two Adam moments). Members of an ensemble train together, so everything is
multiplied by their number.
"""

from __future__ import annotations

import os

from lstmcast.cell_table import DECLARED
from lstmcast.errors import ConfigError

MAX_PARAMETERS = 100_000_000  # all ensemble members together
MAX_HORIZON = 100_000  # forecast steps (monthly data: over 8,000 years)
MAX_EPOCHS = 1_000_000
MAX_STEPS = 100_000_000  # optimizer steps of one fit (epochs x batches)
MAX_CONFIG_BYTES = 1_000_000  # a TOML config holds a few dozen keys
MAX_MEMBER_BYTES = 2_000_000_000  # one unpacked member of a .keras archive
DEFAULTS = {
    "parameters": MAX_PARAMETERS,
    "horizon": MAX_HORIZON,
    "epochs": MAX_EPOCHS,
    "steps": MAX_STEPS,
    "config_bytes": MAX_CONFIG_BYTES,
    "member_bytes": MAX_MEMBER_BYTES,
}
BYTES = 4  # float32
ACTIVATION_FACTOR = 3  # saved activations, their gradients and temporaries
PARAMETER_COPIES = 4  # weights, gradients, two optimizer moments
GATES = {name: d.gates for name, d in DECLARED.items()}  # lstmcast.cell_table
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


def parse_bytes(text: str, variable: str = "LSTMCAST_MAX_MEMORY") -> int:
    """``"8G"`` -> 8 * 2**30; plain numbers are bytes."""
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    scale = _SUFFIXES.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in _SUFFIXES else t
    try:
        value = float(number) * scale
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise ConfigError(f"{variable}={text!r} is not a size: use bytes or a number with K, M, G or T (e.g. 8G).")
    return int(value)


def limit(name: str) -> int:
    """The limit ``name`` (a key of :data:`DEFAULTS`): ``$LSTMCAST_MAX_<NAME>`` when set, else the default.

    Byte limits accept K, M, G, T suffixes; the others are whole numbers.
    """
    variable = f"LSTMCAST_MAX_{name.upper()}"
    text = os.environ.get(variable, "").strip()
    if not text:
        return DEFAULTS[name]
    if name.endswith("bytes"):
        return parse_bytes(text, variable)
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{variable}={text!r} is not a limit: use a positive whole number.")
    return value


def check_parameters(total: int, what: str, fix: str) -> None:
    """Refuse a network of ``total`` parameters (all members) over the limit, before it is allocated."""
    most = limit("parameters")
    if total > most:
        raise ConfigError(
            f"{what} has {total:,} parameters, more than lstmcast allows ({most:,}, LSTMCAST_MAX_PARAMETERS): {fix}."
        )


def check_training(spec, batch: int, members: int = 1) -> None:
    """Refuse a network too large to train here (parameter count or one step's memory), before it is built."""
    per_member = spec.count()
    total = per_member * members
    units = ",".join(str(u) for u in spec.units)
    most = limit("parameters")
    if total > most:
        each = f" ({members:,} members x {per_member:,})" if members > 1 else ""
        raise ConfigError(
            f"units={units} makes a network of {total:,} parameters{each}, more than lstmcast trains "
            f"({most:,}, LSTMCAST_MAX_PARAMETERS): use fewer units, layers or ensemble members."
        )
    allowed = memory_limit()
    need = step_bytes(spec, batch, members)
    if allowed is not None and need > allowed:
        raise ConfigError(
            f"one training step of units={units}, window={spec.window}, batch_size={batch}, ensemble={members} "
            f"needs about {_size(need)}, more than the {_size(allowed)} allowed (half the machine's memory, or "
            "LSTMCAST_MAX_MEMORY): use fewer units, a shorter window, a smaller batch_size or fewer members."
        )


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def check_schedule(epochs: int, batches: int) -> None:
    """Refuse ``epochs`` epochs of ``batches`` batches each over the epoch or step limits, before training."""
    most = limit("epochs")
    if epochs > most:
        raise ConfigError(
            f"epochs={epochs} is more than lstmcast trains ({most:,}, LSTMCAST_MAX_EPOCHS): use fewer epochs, "
            "or epochs='auto' with early stopping (patience=)."
        )
    steps, most = epochs * max(batches, 1), limit("steps")
    if steps > most:
        raise ConfigError(
            f"epochs={epochs} of {batches:,} batches is {steps:,} optimizer steps, more than lstmcast runs "
            f"({most:,}, LSTMCAST_MAX_STEPS): use fewer epochs or a larger batch_size."
        )


def forecast_bytes(horizon: int, series: int, members: int, outputs: int) -> int:
    """Estimated bytes of one forecast: float32 (members, series, horizon, outputs), its float64 copy,
    and the frame built from it."""
    return int(horizon) * max(series, 1) * max(members, 1) * max(outputs, 1) * BYTES * 4


def check_forecast(model, horizon: int, what: str = "predict") -> None:
    """Refuse a forecast of ``horizon`` steps whose arrays would not fit in memory, before any is allocated."""
    most = limit("horizon")
    if horizon > most:
        raise ConfigError(
            f"horizon={horizon} is more than lstmcast forecasts ({most:,} steps, LSTMCAST_MAX_HORIZON): "
            "ask for fewer steps."
        )
    series = model.panel_.n_series if "panel_" in model.__dict__ else 1
    members = int(model.config_.get("ensemble", 1) or 1)
    outputs = max(getattr(model.spec_, "n_targets", 1), 1) * max(getattr(model.spec_, "n_outputs", 1), 1)
    need, allowed = forecast_bytes(horizon, series, members, outputs), memory_limit()
    if allowed is not None and need > allowed:
        raise ConfigError(
            f"{what}(horizon={horizon}) of {series:,} series x {members} members needs about {_size(need)}, more "
            f"than the {_size(allowed)} allowed (half the machine's memory, or LSTMCAST_MAX_MEMORY): ask for "
            "fewer steps, or fewer series at a time."
        )


def check_file_size(path, what: str, name: str = "config_bytes") -> None:
    """Refuse a special file (FIFO, device, socket) or one over the size limit, before it is read."""
    import stat

    try:
        info = os.stat(path)
    except OSError:
        return  # the reader says what is wrong with a missing path
    if stat.S_ISDIR(info.st_mode):
        return
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            f"{what} {str(path)!r} is not a regular file (a pipe, device or socket): save it as a file and pass that."
        )
    most = limit(name)
    if info.st_size > most:
        raise ConfigError(
            f"{what} {str(path)!r} is {info.st_size:,} bytes, more than lstmcast reads ({most:,} bytes, "
            f"LSTMCAST_MAX_{name.upper()}): check that it is the right file."
        )
