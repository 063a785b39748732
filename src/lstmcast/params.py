"""The one table of the Forecaster's parameters.

Every argument of :class:`~lstmcast.Forecaster` is declared here once, with
its default, the values it accepts, its help text and the part of the
library it configures (``group``). The table drives:

* the Forecaster's signature, ``get_params`` / ``set_params`` (scikit-learn's
  ``clone`` and grid searches work) and the checks ``fit`` runs;
* :class:`~lstmcast.train.config.TrainConfig`, built from the ``train`` group;
* every option of ``lstmcast train`` / ``backtest`` and every key of their
  ``--config`` TOML files, with the same names.

>>> import numpy as np
>>> PARAMS["window"].check_value(np.int64(24))
24
>>> PARAMS["units"].parse("64,32")
(64, 32)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lstmcast.errors import ConfigError

GROUPS = ("forecast", "network", "data", "transform", "train", "run")


@dataclass(frozen=True)
class Param:
    """One parameter: its default, its check, how text becomes a value, and its help."""

    name: str
    default: Any
    check: Callable[[str, Any], Any]  # (name, value) -> the value to use, or ConfigError
    help: str
    group: str
    cli_type: type = str  # the type of the command-line option (bool makes --x/--no-x)
    parse_text: Callable[[str, str], Any] | None = None  # command-line text -> value (default: cli_type)

    def check_value(self, value):
        return self.check(self.name, value)

    def convert(self, value):
        """A value from the command line (text) or a TOML file (typed) -> the Python value, unchecked."""
        if isinstance(value, str) and self.parse_text is not None:
            return self.parse_text(self.name, value)
        if isinstance(value, str) and self.cli_type in (int, float):
            return _number_text(self.name, value, self.cli_type)
        if isinstance(value, list):
            return tuple(value)
        return value

    def parse(self, value):
        """A value from the command line (text) or a TOML file (typed) -> the checked argument."""
        return self.check(self.name, self.convert(value))


# -- checks: each takes (name, value) and returns the value to use -------------------------------
# NumPy scalars are accepted, but NumPy is not imported for them: a NumPy value means NumPy is loaded,
# and the command line's --help, which builds its options from this table, stays free of it.
def _numpy_types(*names: str) -> tuple:
    np = sys.modules.get("numpy")
    return tuple(getattr(np, n) for n in names) if np is not None else ()


def _is_bool(v) -> bool:
    return isinstance(v, (bool, *_numpy_types("bool_")))


def _is_int(v) -> bool:
    return isinstance(v, (int, *_numpy_types("integer"))) and not _is_bool(v)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, *_numpy_types("integer", "floating"))) and not _is_bool(v)


def integer(lo: int = 1, optional: bool = False, what: str = "", hi: int | None = None) -> Callable:
    def check(name, v):
        if v is None and optional:
            return None
        if not _is_int(v) or v < lo or (hi is not None and v > hi):
            kind = "a positive integer" if lo == 1 else f"an integer >= {lo}"
            if hi is not None:
                kind = f"an integer from {lo} to {hi}"
            raise ConfigError(f"{name}={v!r} must be {kind}{what}.")
        return int(v)

    return check


def number(lo: float | None = None, hi: float | None = None, *, lo_open=False, hi_open=False, optional=False, what=""):
    def check(name, v):
        if v is None and optional:
            return None
        ok = _is_number(v) and math.isfinite(float(v))
        if ok and lo is not None:
            ok = float(v) > lo if lo_open else float(v) >= lo
        if ok and hi is not None:
            ok = float(v) < hi if hi_open else float(v) <= hi
        if not ok:
            left = "" if lo is None else ("(" if lo_open else "[") + f"{lo:g}"
            right = "" if hi is None else f"{hi:g}" + (")" if hi_open else "]")
            where = f" in {left}, {right}" if lo is not None and hi is not None else ""
            if lo is not None and hi is None:
                where = f" {'>' if lo_open else '>='} {lo:g}"
            raise ConfigError(f"{name}={v!r} must be a finite number{where}{what}.")
        return float(v)

    return check


def choice(*options: str, optional: bool = False) -> Callable:
    def check(name, v):
        if v is None and optional:
            return None
        if not isinstance(v, str) or v not in options:
            raise ConfigError.choice(name, v, options)
        return v

    return check


def column_name(name, v):
    if not isinstance(v, str) or not v.strip() or v != v.strip():
        raise ConfigError(f"{name}={v!r} must be a column name: non-empty text without surrounding spaces.")
    return v


def boolean(name, v):
    if not _is_bool(v):
        raise ConfigError(f"{name}={v!r} must be True or False.")
    return bool(v)


def units(name, v):
    values = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if not values or not all(_is_int(u) and u >= 1 for u in values):
        raise ConfigError(f"{name}={v!r} must be one or more positive integers, e.g. units=(64, 32).")
    return tuple(int(u) for u in values)


def value_range(name, v):
    if not isinstance(v, (tuple, list)) or len(v) != 2 or not all(_is_number(x) for x in v):
        raise ConfigError(f"{name}={v!r} must be two numbers (low, high), e.g. (0, 1).")
    lo, hi = float(v[0]), float(v[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(f"{name}={tuple(v)!r} needs finite low < high, e.g. (0, 1).")
    return (lo, hi)


def quantile_levels(name, v):
    values = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if not values or not all(_is_number(q) and 0.0 < float(q) < 1.0 for q in values):
        raise ConfigError(f"{name}={v!r} must be one or more numbers strictly between 0 and 1, e.g. (0.1, 0.5, 0.9).")
    out = tuple(sorted({float(q) for q in values}))
    if len(out) != len(values):
        raise ConfigError(f"{name}={tuple(v)!r} repeats a quantile; give each once.")
    if not (0.5 in out or (out[0] < 0.5 < out[-1])):
        raise ConfigError(
            f"{name}={out!r} must include 0.5 or quantiles on both sides of it: the point forecast is the median."
        )
    return out


def part(name, v):
    """A held-out part: a fraction in (0, 1), a row count, or the timestamp where it starts."""
    if v is None or (_is_number(v) and v == 0):
        return 0
    if _is_int(v):
        if v < 0:
            raise ConfigError(f"{name}={v!r} rows must be 0 or more.")
        return int(v)
    if _is_number(v):
        if not 0.0 < float(v) < 1.0:
            raise ConfigError(f"{name}={v!r} as a fraction must be between 0 and 1, e.g. {name}=0.2.")
        return float(v)
    if isinstance(v, str):
        import pandas as pd

        try:
            pd.Timestamp(v)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{name}={v!r} must be a fraction (0.2), a row count (24) or a start timestamp ('1959-01')."
            ) from None
        return v
    if type(v).__name__ == "Timestamp":
        return v
    raise ConfigError(f"{name}={v!r} must be a fraction (0.2), a row count (24) or a start timestamp ('1959-01').")


def date_format(name, v):
    if v is None:
        return None
    if not isinstance(v, str) or "%" not in v:
        raise ConfigError(f"{name}={v!r} must be a strftime format such as '%d/%m/%Y' or '%Y-%m-%d %H:%M'.")
    return v


def thousands(name, v):
    if v is None:
        return None
    if not isinstance(v, str) or len(v) != 1 or v.isdigit() or v in ".-+eE":
        raise ConfigError(f"{name}={v!r} must be one character that separates thousands, such as ',' or \"'\" or ' '.")
    return v


def frequency(name, v):
    if v is None:
        return None
    import pandas as pd

    if not isinstance(v, str):
        raise ConfigError(f"{name}={v!r} must be a pandas frequency string such as 'D', 'h', 'MS', 'B'.")
    try:
        pd.tseries.frequencies.to_offset(v)
    except ValueError:
        raise ConfigError(f"{name}={v!r} is not a pandas frequency: use e.g. 'D', 'h', 'MS', 'B', 'YS'.") from None
    return v


def seed(name, v):
    if not _is_int(v) or not 0 <= int(v) < 2**32:
        raise ConfigError(f"{name}={v!r} must be an integer between 0 and 2**32 - 1.")
    return int(v)


def capped(check: Callable, limit: str, fix: str) -> Callable:
    """``check``, then at most the resource limit ``limit`` (:func:`lstmcast.resources.limit`, configurable)."""

    def checked(name, v):
        v = check(name, v)
        if _is_int(v):
            from lstmcast.resources import limit as resource_limit

            most = resource_limit(limit)
            if v > most:
                raise ConfigError(
                    f"{name}={v} is more than lstmcast allows ({most:,}, LSTMCAST_MAX_{limit.upper()}): {fix}."
                )
        return v

    return checked


def auto(check: Callable, what: str) -> Callable:
    """``"auto"`` (chosen from the training data, see lstmcast.auto) or a value ``check`` accepts."""

    def checked(name, v):
        if isinstance(v, str) and v == "auto":
            return "auto"
        try:
            return check(name, v)
        except ConfigError:
            raise ConfigError(f"{name}={v!r} must be 'auto' (chosen from the data) or {what}.") from None

    return checked


def devices(name, v):
    if isinstance(v, str) and v == "all":
        return "all"
    if not _is_int(v) or v < 1:
        raise ConfigError(f"{name}={v!r} must be 'all' (every device JAX sees) or a positive integer.")
    return int(v)


def verbose(name, v):
    if v == "auto":
        return v
    if not _is_int(v) or v not in (0, 1, 2):
        raise ConfigError(
            f"{name}={v!r} must be 'auto' (progress in interactive sessions), 0 (silent), 1 (progress bar) "
            "or 2 (a line per epoch)."
        )
    return int(v)


# -- text (command line) -> value --------------------------------------------------------------
def _number_text(name: str, text: str, cast: type):
    try:
        return cast(text)
    except ValueError:
        kind = "an integer" if cast is int else "a number"
        raise ConfigError(f"{name}={text!r} must be {kind}.") from None


def _list_text(cast: type) -> Callable:
    def parse(name, text):
        try:
            values = tuple(cast(p) for p in text.split(",") if p.strip())
        except ValueError:
            raise ConfigError(f"{name}={text!r} must be comma-separated numbers, e.g. 64,32.") from None
        return values[0] if len(values) == 1 and name == "units" else values

    return parse


def _part_text(name, text):
    """'0.2' -> 0.2, '24' -> 24, '1959-01' -> '1959-01'."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _devices_text(name: str, text: str):
    return "all" if text.strip().lower() == "all" else _number_text(name, text, int)


def _auto_text(cast: type) -> Callable:
    def parse(name, text):
        if text.strip().lower() == "auto":
            return "auto"
        if cast is bool:
            if text.strip().lower() in ("true", "yes", "1"):
                return True
            if text.strip().lower() in ("false", "no", "0"):
                return False
            raise ConfigError(f"{name}={text!r} must be auto, true or false.")
        return _number_text(name, text, cast)

    return parse


def _optional_text(cast: type) -> Callable:
    def parse(name, text):
        return None if text.strip().lower() in ("", "none") else _number_text(name, text, cast)

    return parse


# -- the table ---------------------------------------------------------------------------------
_TABLE = (
    # forecast
    Param(
        "window",
        "auto",
        auto(integer(), "a positive integer"),
        "Past steps the network reads; auto: two seasons (or 2 x horizon), within the data.",
        "forecast",
        str,
        _auto_text(int),
    ),
    Param(
        "horizon", 1, capped(integer(), "horizon", "ask for fewer steps"), "Future steps to forecast.", "forecast", int
    ),
    Param(
        "combine",
        True,
        boolean,
        "Combine the network with naive, seasonal naive, SES, damped-trend and Theta forecasts, the best on "
        "the newest rows weighted equally (point losses, one series); the intervals are the combination's own.",
        "forecast",
        bool,
    ),
    Param(
        "strategy",
        "direct",
        choice("direct", "recursive"),
        "direct (the head emits every step) or recursive (one step, fed back).",
        "forecast",
    ),
    Param(
        "alias",
        "forecast",
        column_name,
        "Name of the forecast column in backtest() and cross_validation() (NeuralForecast's model alias).",
        "forecast",
    ),
    # network
    Param("cell", "lstm", choice("lstm", "gru"), "Recurrent cell: lstm or gru.", "network"),
    Param("units", 50, units, "Units per stacked recurrent layer, e.g. 50 or 64,32.", "network", str, _list_text(int)),
    Param(
        "dropout",
        0.0,
        number(0.0, 1.0, hi_open=True),
        "Dropout after each recurrent layer (training only), as Keras Dropout layers.",
        "network",
        float,
    ),
    Param("bidirectional", False, boolean, "Read each window both ways.", "network", bool),
    Param("dense_units", 0, integer(0), "Hidden dense layer before the head (0: none).", "network", int),
    # transforms
    Param(
        "scaler",
        "minmax",
        choice("minmax", "standard", "robust", "none"),
        "minmax, standard, robust or none (fitted on the training part).",
        "transform",
    ),
    Param("feature_range", (0.0, 1.0), value_range, "minmax range, e.g. 0,1.", "transform", str, _list_text(float)),
    Param(
        "log",
        "auto",
        auto(boolean, "True or False"),
        "Forecast log(target); auto: when positive and the spread grows with the level.",
        "transform",
        bool,  # --log / --no-log; leaving both out means auto
        _auto_text(bool),
    ),
    Param(
        "difference",
        "auto",
        auto(integer(0), "an integer >= 0"),
        "Difference the target at this lag (1, or seasonal like 12); auto: the season when it is strong.",
        "transform",
        str,
        _auto_text(int),
    ),
    Param(
        "normalize",
        "auto",
        choice("auto", "none", "last", "mean", "season", "season-mean", "scale"),
        "Scale-free windows relative to their last value (last), mean, or season (season, season-mean), or "
        "divided by their mean absolute value (scale; counts); auto: season with a season, else last.",
        "transform",
    ),
    # data
    Param(
        "test",
        0,
        part,
        "Held-out end for evaluate(): fraction (0.2), rows (24) or start date (1959-01); 0: train on all rows.",
        "data",
        str,
        _part_text,
    ),
    Param(
        "validation",
        0.0,
        part,
        "Held out before the test part, for val_loss and early stopping.",
        "data",
        str,
        _part_text,
    ),
    Param("freq", None, frequency, "pandas frequency (D, MS, B...); inferred when absent.", "data"),
    Param(
        "date_format",
        None,
        date_format,
        "strftime format of the time column's text, e.g. %d/%m/%Y (default: inferred from the values).",
        "data",
    ),
    Param("day_first", False, boolean, "Read dates such as 01/02/2015 day first (1 February).", "data", bool),
    Param(
        "thousands",
        None,
        thousands,
        "Thousands separator of numbers written as text, e.g. ',' to read '1,234' as 1234.",
        "data",
    ),
    Param(
        "fill",
        None,
        choice("interpolate", "ffill", "zero", optional=True),
        "Fill NaN and missing timestamps: interpolate, ffill or zero.",
        "data",
    ),
    Param(
        "calendar",
        False,
        boolean,
        "Add calendar features (time of day, day of week, month... by frequency) as covariates known in advance.",
        "data",
        bool,
    ),
    Param(
        "seasonal_period",
        None,
        integer(optional=True),
        "Season length: for the window, seasonal windows, seasonal naive and MASE (default: from the frequency).",
        "data",
        int,
        _optional_text(int),
    ),
    # training
    Param(
        "epochs",
        "auto",
        capped(auto(integer(), "a positive integer"), "epochs", "use fewer epochs, or early stopping (patience=)"),
        "Training epochs; auto: about 500 optimizer steps (at most 500 epochs).",
        "train",
        str,
        _auto_text(int),
    ),
    Param(
        "ensemble",
        5,
        integer(hi=100),
        "Models trained together from seeds seed..seed+K-1; the forecast is their median.",
        "train",
        int,
    ),
    Param("batch_size", 32, integer(), "Windows per optimizer step; the last partial batch is masked.", "train", int),
    Param(
        "steps_per_epoch",
        None,
        integer(optional=True),
        "Cap on optimizer steps per epoch (a new random sample of windows each epoch).",
        "train",
        int,
        _optional_text(int),
    ),
    Param("optimizer", "adam", choice("adam", "adamw", "sgd", "rmsprop"), "adam, adamw, sgd or rmsprop.", "train"),
    Param("learning_rate", 1e-3, number(0.0, lo_open=True), "Learning rate.", "train", float),
    Param("weight_decay", 1e-4, number(0.0), "Decoupled weight decay (adamw only).", "train", float),
    Param("momentum", 0.9, number(0.0, 1.0, hi_open=True), "Momentum (sgd only).", "train", float),
    Param(
        "schedule",
        "constant",
        choice("constant", "cosine", "plateau"),
        "constant, cosine (to 0 over all steps) or plateau (reduce on a stalled monitored loss).",
        "train",
    ),
    Param(
        "plateau_factor",
        0.5,
        number(0.0, 1.0, lo_open=True, hi_open=True),
        "schedule=plateau: LR factor.",
        "train",
        float,
    ),
    Param("plateau_patience", 5, integer(), "schedule=plateau: epochs without improvement first.", "train", int),
    Param(
        "loss",
        "mae",
        choice("mse", "mae", "huber", "quantile", "normal", "studentt", "negbin"),
        "mae (the median, what MASE scores), mse (the tutorials') or huber (delta 1) for point forecasts; "
        "quantile (a head emitting quantiles=, never crossing), or normal, studentt, negbin (counts) trained "
        "by likelihood.",
        "train",
    ),
    Param(
        "quantiles",
        (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975),
        quantile_levels,
        "The quantiles a loss='quantile' head emits (others are interpolated between them).",
        "train",
        str,
        _list_text(float),
    ),
    Param(
        "clipnorm",
        None,
        number(0.0, lo_open=True, optional=True),
        "Clip gradients by global norm.",
        "train",
        float,
        _optional_text(float),
    ),
    Param("shuffle", True, boolean, "Reshuffle the training windows every epoch.", "train", bool),
    Param(
        "patience",
        None,
        integer(optional=True),
        "Early stopping after this many epochs without improvement.",
        "train",
        int,
        _optional_text(int),
    ),
    Param("min_delta", 0.0, number(0.0), "Smallest decrease of the monitored loss that counts.", "train", float),
    Param("restore_best", True, boolean, "With early stopping, end with the best epoch's weights.", "train", bool),
    Param(
        "devices",
        1,
        devices,
        "Devices each training batch is split over: 1, a count, or all (every GPU or CPU device JAX sees, "
        "every process's after jax.distributed.initialize); results match one device up to float rounding.",
        "train",
        str,
        _devices_text,
    ),
    # run
    Param("seed", 0, seed, "Fixes initialization, shuffling and dropout.", "run", int),
    Param(
        "verbose",
        "auto",
        verbose,
        "auto (a progress bar in IPython, Jupyter or the Python prompt, silent in scripts), 0 silent, "
        "1 progress bar, 2 one line per epoch; calibration and backtests report their steps too.",
        "run",
        str,
        _auto_text(int),
    ),
)

PARAMS: dict[str, Param] = {p.name: p for p in _TABLE}
NAMES: tuple[str, ...] = tuple(PARAMS)
DEFAULTS: dict[str, Any] = {p.name: p.default for p in _TABLE}


def in_group(group: str) -> tuple[Param, ...]:
    return tuple(p for p in _TABLE if p.group == group)


def check_params(values: dict) -> dict:
    """Every parameter checked and normalized (``np.int64`` -> ``int``, lists -> tuples); unknown names refused."""
    unknown = sorted(set(values) - set(PARAMS))
    if unknown:
        raise ConfigError(unknown_message(unknown))
    return {name: PARAMS[name].check_value(values.get(name, DEFAULTS[name])) for name in NAMES}


def unknown_message(names: list[str], lead: str = "unknown parameter(s)") -> str:
    """``unknown parameter(s) 'windw' (did you mean 'window'?): see help(lstmcast.Forecaster) ...``"""
    import difflib

    hints = []
    for n in names:
        close = difflib.get_close_matches(n, NAMES, n=1)
        hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"{lead} {', '.join(hints)}: see help(lstmcast.Forecaster) for the parameters."


def from_jsonable(values: dict) -> dict:
    """Parameters read back from JSON/TOML (lists become the tuples they were)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def jsonable(values: dict) -> dict:
    """Parameters as JSON/TOML values (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


# -- the default search space of Forecaster.tune (lstmcast.tuning) -----------------------------------
# name -> a list of choices, a (low, high) range, or (low, high, "log") for a range searched on a log
# scale; a range of two ints is searched over the integers. Every name and value is checked with the
# table above when lstmcast.tuning is imported. The network's settings only (the combination, data and
# run settings pass through from the Forecaster being tuned). The optimizer's numbers and the schedule
# are values inside the compiled programs, so every trial shares them; each units, cell, loss and
# normalize choice selects its own program (compiled once per shape, then reused), hence few choices.
SPACE: dict[str, Any] = {
    "learning_rate": (1e-4, 1e-2, "log"),
    "schedule": ["constant", "cosine"],
    "units": [32, 64],
    "cell": ["lstm", "gru"],
    "loss": ["mae", "huber"],
    "normalize": ["auto", "last", "mean"],
}
if set(SPACE) - set(PARAMS):  # a renamed parameter must not leave the search space behind
    raise ImportError(f"lstmcast.params.SPACE names unknown parameter(s) {sorted(set(SPACE) - set(PARAMS))}.")
