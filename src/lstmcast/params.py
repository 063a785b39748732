"""The one table of the Forecaster's parameters.

Every argument of :class:`~lstmcast.Forecaster` is declared here once, with
its default, the values it accepts, its help text and the part of the
library it configures (``group``). The table drives:

* the Forecaster's signature, ``get_params`` / ``set_params`` (scikit-learn's
  ``clone`` and grid searches work) and the checks ``fit`` runs;
* :class:`~lstmcast.train.config.TrainConfig`, built from the ``train`` group;
* every option of ``lstmcast train`` / ``backtest`` and every key of their
  ``--config`` TOML files, with the same names.

The checks a parameter names are in :mod:`lstmcast.param_checks`, the parsers of its
command-line text in :mod:`lstmcast.param_text`; this module holds the table itself.

>>> import numpy as np
>>> PARAMS["window"].check_value(np.int64(24))
24
>>> PARAMS["units"].parse("64,32")
(64, 32)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lstmcast.cell_table import NAMES as CELL_NAMES
from lstmcast.errors import ConfigError
from lstmcast.loss_table import NAMES as LOSS_NAMES
from lstmcast.param_checks import (
    auto,
    boolean,
    choice,
    column_name,
    date_format,
    devices,
    frequency,
    integer,
    is_int,
    number,
    part,
    quantile_levels,
    seed,
    thousands,
    units,
    value_range,
    verbose,
)
from lstmcast.param_text import auto_text, devices_text, list_text, number_text, optional_text, part_text

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
            return number_text(self.name, value, self.cli_type)
        if isinstance(value, list):
            return tuple(value)
        return value

    def parse(self, value):
        """A value from the command line (text) or a TOML file (typed) -> the checked argument."""
        return self.check(self.name, self.convert(value))


# a check capped at a resource limit: here, not in param_checks, which then needs nothing of lstmcast but errors
def capped(check: Callable, limit: str, fix: str) -> Callable:
    """``check``, then at most the resource limit ``limit`` (:func:`lstmcast.resources.limit`, configurable)."""

    def checked(name, v):
        v = check(name, v)
        if is_int(v):
            from lstmcast.resources import limit as resource_limit

            most = resource_limit(limit)
            if v > most:
                raise ConfigError(
                    f"{name}={v} is more than lstmcast allows ({most:,}, LSTMCAST_MAX_{limit.upper()}): {fix}."
                )
        return v

    return checked


# -- the table ---------------------------------------------------------------------------------
_TABLE = (
    # forecast
    Param(
        "window",
        "auto",
        auto(integer(), "a positive integer"),
        "Past steps the network reads; auto: two seasons (or 2 x horizon; many series: three), within the data.",
        "forecast",
        str,
        auto_text(int),
    ),
    Param(
        "horizon", 1, capped(integer(), "horizon", "ask for fewer steps"), "Future steps to forecast.", "forecast", int
    ),
    Param(
        "combine",
        True,
        boolean,
        "Combine the network with naive, seasonal naive, SES, damped-trend and Theta forecasts, the best on "
        "the newest rows weighted equally (point losses; many series: each its own, up to 2,000 series); the "
        "intervals are the combination's own.",
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
    Param("cell", "lstm", choice(*CELL_NAMES), f"Recurrent cell: {' or '.join(CELL_NAMES)}.", "network"),
    Param("units", 50, units, "Units per stacked recurrent layer, e.g. 50 or 64,32.", "network", str, list_text(int)),
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
    Param(
        "init",
        "random",
        choice("random", "prior"),
        "Starting weights: random (Keras's initializers) or prior (the pretrained prior shipped inside the "
        "package, for an LSTM(50) over the target alone; other networks start at random).",
        "network",
    ),
    # transforms
    Param(
        "scaler",
        "minmax",
        choice("minmax", "standard", "robust", "none"),
        "minmax, standard, robust or none (fitted on the training part).",
        "transform",
    ),
    Param("feature_range", (0.0, 1.0), value_range, "minmax range, e.g. 0,1.", "transform", str, list_text(float)),
    Param(
        "log",
        "auto",
        auto(boolean, "True or False"),
        "Forecast log(target); auto: when positive and the spread grows with the level.",
        "transform",
        bool,  # --log / --no-log; leaving both out means auto
        auto_text(bool),
    ),
    Param(
        "difference",
        "auto",
        auto(integer(0), "an integer >= 0"),
        "Difference the target at this lag (1, or seasonal like 12); auto: the season when it is strong.",
        "transform",
        str,
        auto_text(int),
    ),
    Param(
        "normalize",
        "auto",
        choice("auto", "none", "last", "mean", "season", "season-mean", "es", "mixed", "scale"),
        "Scale-free windows relative to their last value (last), mean, season (season, season-mean) or a "
        "learned Holt-Winters level and season (es, ES-RNN's), or divided by their mean absolute value (scale; "
        "counts); auto: season with a season, else last.",
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
        part_text,
    ),
    Param(
        "validation",
        0.0,
        part,
        "Held out before the test part, for val_loss and early stopping.",
        "data",
        str,
        part_text,
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
        optional_text(int),
    ),
    # training
    Param(
        "epochs",
        "auto",
        capped(auto(integer(), "a positive integer"), "epochs", "use fewer epochs, or early stopping (patience=)"),
        "Training epochs; auto: about 500 optimizer steps (at most 500 epochs).",
        "train",
        str,
        auto_text(int),
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
        optional_text(int),
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
        choice(*LOSS_NAMES),
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
        list_text(float),
    ),
    Param(
        "clipnorm",
        None,
        number(0.0, lo_open=True, optional=True),
        "Clip gradients by global norm.",
        "train",
        float,
        optional_text(float),
    ),
    Param("shuffle", True, boolean, "Reshuffle the training windows every epoch.", "train", bool),
    Param(
        "patience",
        None,
        integer(optional=True),
        "Early stopping after this many epochs without improvement.",
        "train",
        int,
        optional_text(int),
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
        devices_text,
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
        auto_text(int),
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


def unknown_message(
    names: list[str],
    lead: str = "unknown parameter(s)",
    known=NAMES,
    see: str = "see help(lstmcast.Forecaster) for the parameters",
) -> str:
    """``unknown parameter(s) 'windw' (did you mean 'window'?): see help(lstmcast.Forecaster) ...``"""
    import difflib

    hints = []
    for n in names:
        close = difflib.get_close_matches(n, list(known), n=1)
        hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"{lead} {', '.join(hints)}: {see}."


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
    "cell": list(CELL_NAMES),
    "loss": ["mae", "huber"],
    "normalize": ["auto", "last", "mean"],
}
if set(SPACE) - set(PARAMS):  # a renamed parameter must not leave the search space behind
    raise ImportError(f"lstmcast.params.SPACE names unknown parameter(s) {sorted(set(SPACE) - set(PARAMS))}.")
