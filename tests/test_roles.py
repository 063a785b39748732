"""The column-role table (lstmcast.roles) is the one source of role names: keywords, options, config keys,
the saved schema and the strategies' capability checks all follow it."""

import inspect

import numpy as np
import pandas as pd
import pytest
import typer

from lstmcast import Forecaster, roles
from lstmcast.configfile import DATA_KEYS, column_names, read_config
from lstmcast.errors import ConfigError
from lstmcast.roles import COVARIATES, MANY_SERIES, NAMES, ROLES, VALUE_COLUMNS, value_columns
from lstmcast.strategies import STRATEGIES, get_strategy
from tiny import NET  # tests/tiny.py: the configurations test files share

TINY = {**NET, "combine": False}


def test_every_role_is_a_keyword_of_every_method_that_reads_data():
    for method in (Forecaster.fit, Forecaster.backtest, Forecaster.cross_validation, Forecaster.tune):
        keywords = set(inspect.signature(method).parameters)
        assert set(NAMES) <= keywords, (method.__name__, set(NAMES) - keywords)


def test_fit_documents_every_role_from_the_table():
    doc = Forecaster.fit.__doc__
    assert "{roles}" not in doc
    for role in ROLES.values():
        assert f"{role.name}: {role.help}." in doc


def _options(command_name: str) -> dict:
    from lstmcast.cli.app import app

    group = typer.main.get_command(app)
    return {p.name: p for p in group.commands[command_name].params}


@pytest.mark.parametrize("command", ["train", "backtest", "tune"])
def test_data_commands_take_an_option_per_role_with_the_tables_help(command):
    options = _options(command)
    for role in ROLES.values():
        assert role.name in options, (command, role.name)
        assert role.option in options[role.name].opts
        assert role.help[1:] in options[role.name].help
        assert options[role.name].rich_help_panel == "Data"


def test_import_keras_takes_only_the_roles_of_one_series_without_covariates_known_in_advance():
    options = _options("import-keras")
    assert {"target", "time", "features"} <= set(options)
    assert not {"id", "static", "future"} & set(options)


def test_config_file_keys_are_the_roles(tmp_path):
    assert DATA_KEYS == ("data", *NAMES)
    path = tmp_path / "c.toml"
    path.write_text('target = "a,b"\ntime = "t"\nfeatures = "all"\nstatic = ["s"]\nid = "store"\n')
    assert read_config(path) == {"target": ["a", "b"], "time": "t", "features": "all", "static": ["s"], "id": "store"}
    path.write_text('statics = ["s"]\n')  # a misspelt role is named with its fix, for the command line's users
    with pytest.raises(ConfigError) as e:
        read_config(path)
    assert str(e.value).endswith(
        "unknown key(s) 'statics' (did you mean 'static'?): its keys are the parameters (lstmcast train --help; "
        "batch_size for --batch-size) and the data's data, target, id, time, features, future, static."
    )


@pytest.mark.parametrize("key", [n for n, r in ROLES.items() if not r.several])
def test_a_role_of_one_column_is_refused_a_list(key):
    with pytest.raises(ConfigError, match=rf"{key}='a,b' names 2 columns; {key} takes one column"):
        column_names(key, "a,b")
    with pytest.raises(ConfigError, match=rf"{key}=\['a'\] must be one column name"):
        column_names(key, ["a"])


def test_strategies_read_the_covariates_the_table_says_they_can():
    assert get_strategy("direct").roles == frozenset(COVARIATES)
    past_only = {n for n in COVARIATES if not ROLES[n].known_ahead}
    assert past_only == {"features"}
    assert get_strategy("recursive").roles == frozenset(COVARIATES) - past_only
    assert set(STRATEGIES) == {"direct", "recursive"}


def test_roles_of_many_series_are_refused_for_one_series_and_taken_for_many():
    assert MANY_SERIES == ("id", "static")
    recursive = get_strategy("recursive")
    with pytest.raises(ConfigError, match=r"static=\['s'\]: static attributes describe each of many series.*id="):
        recursive.check_roles(static=["s"])
    recursive.check_roles(many_series=True, static=["s"], future=["f"])  # known in advance: readable
    with pytest.raises(ConfigError, match=r"strategy='recursive' cannot use past-only features \['x'\]"):
        recursive.check_roles(many_series=True, features=["x"])
    get_strategy("direct").check_roles(many_series=True, features=["x"], future=["f"], static=["s"])
    with pytest.raises(ConfigError, match=r"static=\['kind'\]: static"):  # one name is one column, not letters
        recursive.check_roles(**roles.many_series_only(roles.columns_of(static="kind")))


def test_a_recursive_global_model_reads_static_attributes():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b", "c"], 40),
            "ds": np.tile(np.arange(40), 3),
            "y": np.concatenate([np.sin(np.arange(40) / 3) + i + rng.normal(0, 0.1, 40) for i in range(3)]),
            "kind": np.repeat(["x", "y", "x"], 40),
        }
    )
    model = Forecaster(strategy="recursive", **TINY).fit(frame, static=["kind"])
    assert model.columns_["static"] == ["kind"]
    out = model.predict()
    assert out.shape == (9, 3) and np.isfinite(out["y"]).all()


def test_saved_schema_lists_the_value_columns_in_the_tables_order():
    frame = pd.DataFrame({"y": np.sin(np.arange(60) / 4), "x": np.arange(60.0), "f": np.cos(np.arange(60) / 4)})
    model = Forecaster(**TINY).fit(frame, target="y", features=["x"], future=["f"])
    schema = model.to_state()["schema"]
    assert VALUE_COLUMNS == ("targets", "features", "future")
    assert {k: schema[k] for k in VALUE_COLUMNS} == {"targets": ["y"], "features": ["x"], "future": ["f"]}
    assert value_columns(schema) == ["y", "x", "f"]
    assert value_columns({"targets": ["y"], "features": []}) == ["y"]  # format 1 has no future list


def test_doc_lines_are_one_per_role():
    assert roles.doc_lines().count("\n") == len(ROLES) - 1


def test_internal_functions_take_every_role_as_one_dict():
    columns = roles.columns_of(target="y", static=["s"])
    assert list(columns) == list(NAMES) and columns["static"] == ["s"] and columns["id"] is None
    assert set(roles.one_series(columns)) == set(NAMES) - set(MANY_SERIES)
    with pytest.raises(TypeError, match=r"not column roles: \['price'\]"):
        roles.columns_of(price="p")
