"""The command line's workflows as library functions (lstmcast.workflow): what ``lstmcast train`` and
``lstmcast backtest`` run, callable from Python, with every refusal before any work."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster, datasets, workflow
from lstmcast.cli import app
from lstmcast.errors import ConfigError, OverwriteError
from tiny import NET  # tests/tiny.py: the configurations test files share

TINY = {**NET, "combine": False}
COLUMNS = {"target": "passengers", "time": "month"}


@pytest.fixture(scope="module")
def air_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("wf") / "air.csv"
    datasets.load("airpassengers").to_csv(path)
    return path


def _panel(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], 30),
            "ds": np.tile(np.arange(30), 2),
            "y": rng.normal(10, 1, 60),
        }
    )
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    return path


def test_train_to_folder_fits_calibrates_saves_scores_and_plots(air_csv, tmp_path):
    lines = []
    model = Forecaster(**TINY, test=12)
    done = workflow.train_to_folder(
        model, air_csv, tmp_path / "m", COLUMNS, plot=tmp_path / "fit.png", say=lines.append
    )
    assert done.model is model
    assert (tmp_path / "m" / "config.toml").is_file() and (tmp_path / "fit.png").stat().st_size > 0
    assert 'target = "passengers"' in (tmp_path / "m" / "config.toml").read_text()
    assert done.evaluation is not None and done.holdout is None and not done.interrupted
    assert lines == ["Calibrating prediction intervals (about one more fit; --no-intervals skips it)..."]
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.calibration_ is not None
    np.testing.assert_array_equal(loaded.predict(level=[80]).to_numpy(), done.model.predict(level=[80]).to_numpy())


def test_train_to_folder_refuses_before_any_work(air_csv, tmp_path):
    with pytest.raises(OverwriteError):
        workflow.train_to_folder(Forecaster(**TINY), air_csv, air_csv, COLUMNS)  # the data file is never an output
    panel = _panel(tmp_path)
    with pytest.raises(ConfigError, match="--plot of the training fit is not available for many series"):
        workflow.train_to_folder(
            Forecaster(**TINY), panel, tmp_path / "p", {"id": "unique_id"}, plot=tmp_path / "p.png"
        )
    assert not (tmp_path / "p").exists()


def test_backtest_to_files_writes_the_forecasts_and_refuses_first(air_csv, tmp_path):
    result = workflow.backtest_to_files(
        Forecaster(**TINY), air_csv, COLUMNS, folds=2, refit=False, output=tmp_path / "cv.csv"
    )
    written = pd.read_csv(tmp_path / "cv.csv")
    assert list(written.columns) == list(result.predictions.columns)
    assert len(written) == 2 * NET["horizon"]  # two folds of a whole horizon
    with pytest.raises(ConfigError, match="--calibration needs --level"):
        workflow.backtest_to_files(Forecaster(**TINY), air_csv, COLUMNS, calibration=tmp_path / "c.png")
    with pytest.raises(ConfigError, match="--calibration is for one series for now"):
        workflow.backtest_to_files(
            Forecaster(**TINY), _panel(tmp_path), {"id": "unique_id"}, level=[80], calibration=tmp_path / "c.png"
        )
    with pytest.raises(OverwriteError):
        workflow.backtest_to_files(Forecaster(**TINY), air_csv, COLUMNS, output=tmp_path / "cv.csv")  # exists


@pytest.mark.parametrize(("command", "function"), [("train", "train_to_folder"), ("backtest", "backtest_to_files")])
def test_the_commands_call_one_library_function_with_what_they_parsed(command, function, air_csv, monkeypatch):
    calls = []

    def stand_in(*args, **kwargs):
        calls.append((args, kwargs))
        raise ConfigError("stopped here")

    monkeypatch.setattr(workflow, function, stand_in)
    args = [command, str(air_csv), "--target", "passengers", "--time", "month", "--units", "4", "--horizon", "2"]
    r = CliRunner().invoke(app, args + (["--out", "x"] if command == "train" else []))
    assert r.exit_code == 1 and "stopped here" in r.output
    ((args, kwargs),) = calls
    model, data, columns = args[0], args[1], args[-1]
    assert data == air_csv and isinstance(model, Forecaster)
    assert model.units == (4,) and model.horizon == 2  # as the parameter table parses the options
    assert columns["target"] == "passengers" and columns["time"] == "month"
