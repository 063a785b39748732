"""The parameter table: one declaration drives the signature, sklearn's protocol, checks, CLI and TOML."""

import functools
import inspect

import numpy as np
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster
from lstmcast.cli import app
from lstmcast.configfile import model_params, read_config, to_toml
from lstmcast.errors import ConfigError
from lstmcast.params import DEFAULTS, NAMES, PARAMS, check_params, in_group
from lstmcast.train.config import TrainConfig

# a non-default value of every parameter, as Python, command-line text and TOML would give it
EXAMPLES = {
    "window": (12, "12", 12),
    "horizon": (3, "3", 3),
    "combine": (False, None, False),
    "strategy": ("recursive", "recursive", "recursive"),
    "alias": ("LSTM", "LSTM", "LSTM"),
    "cell": ("gru", "gru", "gru"),
    "init": ("prior", "prior", "prior"),
    "units": ((8, 4), "8,4", [8, 4]),
    "dropout": (0.1, "0.1", 0.1),
    "bidirectional": (True, None, True),
    "dense_units": (5, "5", 5),
    "scaler": ("standard", "standard", "standard"),
    "feature_range": ((-1.0, 1.0), "-1,1", [-1.0, 1.0]),
    "log": (True, None, True),
    "difference": (12, "12", 12),
    "normalize": ("mean", "mean", "mean"),
    "ensemble": (3, "3", 3),
    "test": (24, "24", 24),
    "validation": (0.1, "0.1", 0.1),
    "freq": ("MS", "MS", "MS"),
    "fill": ("ffill", "ffill", "ffill"),
    "seasonal_period": (12, "12", 12),
    "epochs": (7, "7", 7),
    "batch_size": (16, "16", 16),
    "steps_per_epoch": (9, "9", 9),
    "optimizer": ("adamw", "adamw", "adamw"),
    "learning_rate": (0.01, "0.01", 0.01),
    "weight_decay": (0.001, "0.001", 0.001),
    "momentum": (0.5, "0.5", 0.5),
    "schedule": ("plateau", "plateau", "plateau"),
    "plateau_factor": (0.25, "0.25", 0.25),
    "plateau_patience": (2, "2", 2),
    "loss": ("huber", "huber", "huber"),
    "calendar": (True, None, True),
    "date_format": ("%d/%m/%Y", "%d/%m/%Y", "%d/%m/%Y"),
    "day_first": (True, None, True),
    "thousands": (",", ",", ","),
    "quantiles": ((0.1, 0.5, 0.9), "0.9,0.1,0.5", [0.5, 0.1, 0.9]),
    "clipnorm": (1.5, "1.5", 1.5),
    "shuffle": (False, None, False),
    "patience": (4, "4", 4),
    "min_delta": (0.001, "0.001", 0.001),
    "restore_best": (False, None, False),
    "devices": ("all", "all", "all"),
    "seed": (3, "3", 3),
    "verbose": (2, "2", 2),
}


@functools.cache
def help_text(command: str) -> str:
    return CliRunner().invoke(app, [command, "--help"], terminal_width=200).output


def test_every_parameter_has_an_example():
    assert sorted(EXAMPLES) == sorted(NAMES)


def test_signature_is_the_table():
    sig = inspect.signature(Forecaster)
    assert list(sig.parameters) == list(NAMES)
    assert all(p.kind is p.KEYWORD_ONLY and p.default == DEFAULTS[p.name] for p in sig.parameters.values())


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_reachable_from_python_cli_and_toml(name, tmp_path):
    python, text, toml = EXAMPLES[name]
    assert python != DEFAULTS[name]
    # Python: stored unchanged, checked to itself
    m = Forecaster(**{name: python})
    assert m.get_params()[name] is python
    assert check_params(m.get_params())[name] == python
    # TOML: a config file key
    path = tmp_path / "c.toml"
    path.write_text(to_toml({name: toml}))
    assert model_params(read_config(path)) == {name: python}
    # command line: an option of train and backtest, parsed by the same table
    flag = "--" + name.replace("_", "-")
    for command in ("train", "backtest"):
        assert flag in help_text(command)
    if text is not None:
        assert PARAMS[name].parse(text) == python


def test_train_config_is_the_train_group():
    assert [f for f in TrainConfig.__dataclass_fields__] == [p.name for p in in_group("train")]


def test_sklearn_clone_and_set_params():
    from sklearn.base import clone

    m = Forecaster(units=(8, 4), window=12, learning_rate=0.01)
    c = clone(m)
    assert c is not m and c.get_params() == m.get_params()
    assert c.set_params(window=24, epochs=3) is c
    assert (c.window, c.epochs, m.window) == (24, 3, 12)
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) 'windw' \(did you mean 'window'\?\)"):
        c.set_params(windw=3)


def test_scikit_learn_utilities_read_the_estimator():
    from sklearn.exceptions import NotFittedError as SklearnNotFitted
    from sklearn.utils import estimator_html_repr, get_tags
    from sklearn.utils.validation import check_is_fitted

    m = Forecaster(window=12)
    assert "window=12" in estimator_html_repr(m)  # scikit-learn 1.6+ reads __sklearn_tags__ first
    assert get_tags(m).target_tags.required is False
    with pytest.raises(SklearnNotFitted):
        check_is_fitted(m)


def test_unknown_constructor_argument_is_a_type_error():
    with pytest.raises(TypeError) as e:
        Forecaster(hidden=3, epoch=2)
    assert str(e.value) == (
        "Forecaster() got unexpected keyword argument(s) 'epoch' (did you mean 'epochs'?), 'hidden': "
        "see help(lstmcast.Forecaster) for the parameters."
    )


@pytest.mark.parametrize(
    "kw,msg",
    [
        ({"seasonal_period": 0}, "seasonal_period=0 must be a positive integer."),
        ({"dense_units": 2.5}, "dense_units=2.5 must be an integer >= 0."),
        ({"units": 4.7}, "units=4.7 must be one or more positive integers, e.g. units=(64, 32)."),
        ({"units": "4"}, "units='4' must be one or more positive integers, e.g. units=(64, 32)."),
        ({"epochs": True}, "epochs=True must be 'auto' (chosen from the data) or a positive integer."),
        ({"window": 0}, "window=0 must be 'auto' (chosen from the data) or a positive integer."),
        ({"ensemble": 0}, "ensemble=0 must be an integer from 1 to 100."),
        ({"devices": 0}, "devices=0 must be 'all' (every device JAX sees) or a positive integer."),
        ({"devices": "auto"}, "devices='auto' must be 'all' (every device JAX sees) or a positive integer."),
        ({"ensemble": 100_000}, "ensemble=100000 must be an integer from 1 to 100."),
        ({"learning_rate": float("nan")}, "learning_rate=nan must be a finite number > 0."),
        ({"dropout": 1.0}, "dropout=1.0 must be a finite number in [0, 1)."),
        ({"cell": "rnn"}, "cell='rnn' is not supported: use one of 'lstm', 'gru'."),
        ({"cell": "lstn"}, "cell='lstn' is not supported: use one of 'lstm', 'gru'. Did you mean 'lstm'?"),
        (
            {"quantiles": (0.5, 1.0)},
            "quantiles=(0.5, 1.0) must be one or more numbers strictly between 0 and 1, e.g. (0.1, 0.5, 0.9).",
        ),
        ({"quantiles": (0.5, 0.5)}, "quantiles=(0.5, 0.5) repeats a quantile; give each once."),
        ({"feature_range": (1, 0)}, "feature_range=(1, 0) needs finite low < high, e.g. (0, 1)."),
        ({"test": 1.5}, "test=1.5 as a fraction must be between 0 and 1, e.g. test=0.2."),
        ({"seed": 2**70}, f"seed={2**70} must be an integer between 0 and 2**32 - 1."),
        ({"freq": "xyz"}, "freq='xyz' is not a pandas frequency: use e.g. 'D', 'h', 'MS', 'B', 'YS'."),
    ],
)
def test_checks_run_in_fit_with_one_clear_message(kw, msg):
    m = Forecaster(**kw)  # stored unchanged: scikit-learn checks in fit
    with pytest.raises(ConfigError) as e:
        m.fit(np.arange(100.0))
    assert str(e.value) == msg


def test_numpy_integers_are_accepted_everywhere():
    cfg = check_params({"window": np.int64(5), "epochs": np.int32(2), "units": (np.int64(3),), "seed": np.int64(1)})
    assert (cfg["window"], cfg["epochs"], cfg["units"], cfg["seed"]) == (5, 2, (3,), 1)
    assert type(cfg["epochs"]) is int


def test_command_line_text_errors_name_the_option():
    with pytest.raises(ConfigError, match=r"units='4\.7' must be comma-separated numbers"):
        PARAMS["units"].parse("4.7")
    with pytest.raises(ConfigError, match=r"epochs='many' must be an integer\."):
        PARAMS["epochs"].parse("many")
    with pytest.raises(ConfigError, match=r"dense_units='3' must be an integer >= 0\."):
        PARAMS["dense_units"].check_value("3")  # a TOML string where a number belongs


def test_toml_strings_where_numbers_belong_are_refused(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('dense_units = "3"\n')
    with pytest.raises(ConfigError, match=r"^dense_units='3' must be an integer >= 0\.$"):
        model_params(read_config(path))
