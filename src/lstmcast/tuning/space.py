"""Search spaces: parameter name -> choices or a range, checked with the parameter table.

A space is a dict such as ``{"units": [32, 64], "learning_rate": (1e-4, 1e-2, "log")}``:

* a list (or set) of values: a choice among them (each checked as the parameter's value);
* a tuple ``(low, high)``: a range, over the integers when both bounds are ints, else the reals;
* a tuple ``(low, high, "log")``: a range searched on a log scale.

The default space is :data:`lstmcast.params.SPACE`, declared next to the parameter table.

>>> space = check_space({"units": [16, (32, 16)], "dropout": (0.0, 0.3)})
>>> space["units"].values, space["dropout"].kind
((16, (32, 16)), 'float')
"""

from __future__ import annotations

from dataclasses import dataclass

from lstmcast.errors import ConfigError
from lstmcast.params import PARAMS, SPACE, unknown_message

# settings that define the task, the data or the run rather than the model: set them on the Forecaster
NOT_TUNED = {
    "horizon": "it defines the forecast asked for",
    "test": "the tuner scores trials on its own rolling origins",
    "validation": "the tuner scores trials on its own rolling origins",
    "freq": "it describes the data",
    "fill": "it describes the data",
    "seasonal_period": "it describes the data (and scales MASE)",
    "seed": "every trial uses the tuner's seed",
    "verbose": "it changes no forecast",
    "devices": "it changes no forecast",
}
OPTUNA_TYPES = (type(None), bool, int, float, str)  # what Optuna stores as a categorical choice


@dataclass(frozen=True)
class Dimension:
    """One tuned parameter: a choice among ``values``, or an int / float range [low, high]."""

    name: str
    kind: str  # "choice" | "int" | "float"
    values: tuple = ()
    low: float = 0.0
    high: float = 0.0
    log: bool = False

    def suggest(self, trial):
        """The value an Optuna trial draws for this parameter (a Forecaster value, e.g. a units tuple)."""
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        if self.kind == "float":
            return trial.suggest_float(self.name, self.low, self.high, log=self.log)
        labels = [label(v) for v in self.values]  # Optuna stores plain values: a tuple travels as its text
        return self.values[labels.index(trial.suggest_categorical(self.name, labels))]


def label(value):
    """A choice as Optuna stores it: plain values unchanged, a units tuple as ``"64,32"``."""
    if isinstance(value, OPTUNA_TYPES):
        return value
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def check_space(space: dict) -> dict[str, Dimension]:
    """Every entry of ``space`` checked with the parameter table; one ConfigError naming what is wrong."""
    if not isinstance(space, dict) or not space:
        raise ConfigError(
            f"space={space!r} must be a non-empty dict of parameter name -> list of choices or (low, high), "
            "e.g. {'units': [32, 64], 'learning_rate': (1e-4, 1e-2, 'log')}."
        )
    unknown = sorted(str(k) for k in set(space) - set(PARAMS))
    if unknown:
        raise ConfigError(unknown_message(unknown, "space: unknown parameter(s)"))
    out = {}
    for name, spec in space.items():
        if name in NOT_TUNED:
            raise ConfigError(f"space: {name!r} cannot be tuned: {NOT_TUNED[name]}; set it on the Forecaster.")
        out[name] = _dimension(name, spec)
    return out


def _dimension(name: str, spec) -> Dimension:
    param = PARAMS[name]
    if isinstance(spec, (list, set, frozenset)):
        if not spec:
            raise ConfigError(f"space: {name}=[] offers no choice; give at least one value, or leave {name} out.")
        given = sorted(spec, key=repr) if isinstance(spec, (set, frozenset)) else spec
        values = tuple(tuple(v) if isinstance(v, list) else v for v in given)  # as given (units 32 stays 32)
        for v in values:
            _checked(param, v)
        labels = [label(v) for v in values]
        if len(set(map(repr, labels))) != len(labels):
            raise ConfigError(f"space: {name}={list(spec)!r} repeats a choice; give each once.")
        return Dimension(name, "choice", values=values)
    if isinstance(spec, tuple) and len(spec) in (2, 3):
        log = len(spec) == 3
        if log and spec[2] != "log":
            raise ConfigError(f"space: {name}={spec!r}: the third item of a range can only be 'log'.")
        low, high = spec[0], spec[1]
        both_int = all(isinstance(b, int) and not isinstance(b, bool) for b in (low, high))
        if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in (low, high)) or not low < high:
            raise ConfigError(f"space: {name}={spec!r} must be a range (low, high) of numbers with low < high.")
        if log and low <= 0:
            raise ConfigError(f"space: {name}={spec!r} on a log scale needs low > 0.")
        for bound in (low, high):
            _checked(param, int(bound) if both_int else float(bound))
        return Dimension(name, "int" if both_int else "float", low=low, high=high, log=log)
    raise ConfigError(
        f"space: {name}={spec!r} must be a list of choices, e.g. [32, 64], or a range (low, high), e.g. (0.0, 0.3)."
    )


def _checked(param, value):
    try:
        return param.check_value(value)
    except ConfigError as exc:
        raise ConfigError(f"space: {exc}") from None


DEFAULT_SPACE = check_space(SPACE)  # the declared default, checked once at import


def read_space(path) -> dict:
    """A search space from a TOML file: ``units = [32, 64]`` (choices), ``dropout = {low = 0.0, high = 0.3}``
    or ``learning_rate = {low = 1e-4, high = 1e-2, log = true}`` (ranges); checked by :func:`check_space`."""
    import tomllib

    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"space file {str(path)!r} does not exist: check the path.") from None
    except IsADirectoryError:
        raise ConfigError(f"space file {str(path)!r} is a folder: pass the .toml file.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"space file {str(path)!r} is not valid TOML: {exc}.") from None
    space = {}
    for name, spec in doc.items():
        if isinstance(spec, dict):
            keys = set(spec)
            if not {"low", "high"} <= keys <= {"low", "high", "log"}:
                raise ConfigError(
                    f"space file {str(path)!r}: {name}={spec!r} must be a list of choices or a range "
                    "{low = ..., high = ...} (log = true for a log scale)."
                )
            spec = (spec["low"], spec["high"]) + (("log",) if spec.get("log") is True else ())
        space[name] = spec
    return space
