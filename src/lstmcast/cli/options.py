"""Every Forecaster argument as a command-line option, and TOML config files with the same names.

Options default to "not given" so that a value from ``--config file.toml``
survives unless the command line overrides it; what neither gives keeps the
Forecaster's own default.
"""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path
from typing import Optional

import typer

from lstmcast.errors import ConfigError

# name -> (command-line type, help)
MODEL_OPTIONS: dict[str, tuple[type, str]] = {
    "window": (int, "Past steps the network reads."),
    "horizon": (int, "Future steps to forecast."),
    "strategy": (str, "direct (one head for every step) or recursive (one step, fed back)."),
    "cell": (str, "lstm or gru."),
    "units": (str, "Units per stacked recurrent layer, e.g. 50 or 64,32."),
    "dropout": (float, "Dropout between stacked layers."),
    "bidirectional": (bool, "Read each window both ways."),
    "dense_units": (int, "Hidden dense layer before the head (0: none)."),
    "scaler": (str, "minmax, standard, robust or none (fitted on the training part)."),
    "feature_range": (str, "minmax range, e.g. 0,1."),
    "log": (bool, "Forecast log(target); positive data only."),
    "difference": (int, "Difference the target at this lag (1, or seasonal like 12)."),
    "test": (str, "Held-out end: fraction (0.2), rows (24) or start date (1959-01)."),
    "validation": (str, "Held out before the test part, for val_loss and early stopping."),
    "epochs": (int, "Training epochs."),
    "batch_size": (int, "Windows per optimizer step."),
    "steps_per_epoch": (int, "Cap on optimizer steps per epoch (a new sample of windows each epoch)."),
    "optimizer": (str, "adam, adamw, sgd or rmsprop."),
    "learning_rate": (float, "Learning rate."),
    "schedule": (str, "constant, cosine or plateau."),
    "loss": (str, "mse, mae or huber."),
    "clipnorm": (float, "Clip gradients by global norm."),
    "patience": (int, "Early stopping after this many epochs without improvement."),
    "restore_best": (bool, "With early stopping, keep the best epoch's weights."),
    "freq": (str, "pandas frequency (D, MS, B...); inferred when absent."),
    "fill": (str, "Fill NaN and missing timestamps: interpolate, ffill or zero."),
    "seasonal_period": (int, "Season length for seasonal naive and MASE."),
    "seed": (int, "Fixes initialization, shuffling and dropout."),
}
DATA_KEYS = ("data", "target", "time", "features")


def _split_list(text: str, cast, name: str):
    try:
        return tuple(cast(p) for p in str(text).split(",") if p.strip())
    except ValueError:
        raise ConfigError(f"{name}={text!r} must be comma-separated numbers, e.g. 64,32.") from None


def _part(text):
    """'0.2' -> 0.2, '24' -> 24, '1959-01' -> '1959-01'."""
    if isinstance(text, (int, float)):
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def convert(name: str, value):
    """A value from the command line or a TOML file -> the Forecaster's argument."""
    if name == "units":
        return tuple(value) if isinstance(value, list) else _split_list(value, int, name)
    if name == "feature_range":
        return tuple(value) if isinstance(value, list) else _split_list(value, float, name)
    if name in ("test", "validation"):
        return _part(value)
    return value


def model_parameters() -> list[inspect.Parameter]:
    params = []
    for name, (kind, help_text) in MODEL_OPTIONS.items():
        flag = "--" + name.replace("_", "-")
        decls = [f"{flag}/--no-{flag[2:]}"] if kind is bool else [flag]
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(None, *decls, help=help_text, rich_help_panel="Model and training"),
                annotation=Optional[kind],  # noqa: UP045 (typer reads this annotation)
            )
        )
    return params


def with_model_options(fn):
    """Add every MODEL_OPTIONS option to a command; ``fn`` receives them as ``model_options`` (given ones only)."""
    sig = inspect.signature(fn)
    own = [p for p in sig.parameters.values() if p.name != "model_options"]

    def command(**kwargs):
        given = {k: kwargs.pop(k) for k in MODEL_OPTIONS if kwargs.get(k) is not None}
        for k in MODEL_OPTIONS:
            kwargs.pop(k, None)
        return fn(model_options=given, **kwargs)

    command.__signature__ = sig.replace(parameters=own + model_parameters())
    command.__name__, command.__doc__ = fn.__name__, fn.__doc__
    return command


def read_config(path: Path | None) -> dict:
    """A flat TOML table with option names (model options plus data, target, time, features)."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist: check the path.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}.") from None
    unknown = sorted(set(doc) - set(MODEL_OPTIONS) - set(DATA_KEYS))
    if unknown:
        raise ConfigError(
            f"config file {str(path)!r} has unknown key(s) {', '.join(unknown)}: use the option names of "
            "'lstmcast train --help' with underscores (e.g. batch_size)."
        )
    return doc


def forecaster_kwargs(config: dict, given: dict) -> dict:
    """Config-file values overridden by command-line ones, converted for Forecaster(**kwargs)."""
    merged = {k: v for k, v in config.items() if k in MODEL_OPTIONS}
    merged.update(given)
    return {k: convert(k, v) for k, v in merged.items()}


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, (int, float)):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(values: dict) -> str:
    """Flat TOML; None values are left out (they mean 'the default')."""
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items() if v is not None)
