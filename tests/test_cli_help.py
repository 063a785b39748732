"""The command line's help: fast (no JAX, NumPy or pandas behind --help), with the Forecaster's defaults,
flags without a type, no hidden arguments in the usage line; errors name flags where Python names keywords."""

import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster
from lstmcast.cli import app
from lstmcast.errors import LstmcastError

runner = CliRunner()
HEAVY = ("jax", "numpy", "pandas", "matplotlib")


def help_of(*command: str) -> tuple[str, list[str]]:
    """(the help text, the heavy modules loaded) of ``lstmcast COMMAND --help`` through the console script's main."""
    code = (
        "import sys\n"
        f"sys.argv = ['lstmcast', *{list(command)!r}, '--help']\n"
        "from lstmcast.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    env = {**os.environ, "COLUMNS": "250"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return out.stdout, eval(out.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("command", [(), ("train",), ("predict",), ("datasets", "list")])
def test_help_loads_nothing_heavy_and_shows_no_bool_types(command):
    text, loaded = help_of(*command)
    assert loaded == [], f"lstmcast {' '.join(command)} --help imported {loaded} (timing: benchmarks/cli_startup.py)"
    assert "Show this message and exit." in text and "<bool>" not in text


def test_train_help_shows_the_forecasters_defaults():
    text, _ = help_of("train")
    lines, flag = {}, None
    for line in text.splitlines():  # an option's help may wrap over several lines
        if line.startswith("│ --"):
            flag = line.split()[1]
        if flag is not None:
            lines[flag] = lines.get(flag, "") + line
    expected = {"--window": "auto", "--units": "50", "--loss": "mae", "--test": "0", "--verbose": "auto"}
    for flag, default in expected.items():
        assert f"[default: {default}]" in lines[flag], lines[flag]
    assert Forecaster().loss == "mae" and Forecaster().units == 50
    assert "[default: --no-calendar]" in lines["--calendar"]


def test_predict_usage_has_no_hidden_argument_and_future_is_described():
    text, _ = help_of("predict")
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "extra" not in usage and usage.split()[-1] == "{model}"
    assert "known-in-advance (--future) columns over the forecast steps" in text


def test_cli_errors_name_flags_where_python_names_keywords(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0] * 20, "b": [2.0, 1.0, 0.0] * 20}).to_csv(tmp_path / "two.csv", index=False)
    with pytest.raises(LstmcastError) as python:
        Forecaster(units=4, epochs=1).fit(tmp_path / "two.csv")
    assert "target=" in str(python.value)
    r = runner.invoke(app, ["train", str(tmp_path / "two.csv"), "--out", str(tmp_path / "m")])
    assert r.exit_code == 1
    assert "--target" in r.output and "target=" not in r.output
    r = runner.invoke(app, ["train", str(tmp_path / "two.csv"), "--target", "a", "--batch-size", "0"])
    assert "Error: --batch-size 0 must be a positive integer." in r.output
