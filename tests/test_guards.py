"""Guards of issue 15: training that ends well or says why, resources checked first, one-line input errors."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from interrupt import stop_before_first_epoch  # tests/interrupt.py
from lstmcast import Forecaster
from lstmcast.cli import app
from lstmcast.data.series import load_series
from lstmcast.data.sources import read_source
from lstmcast.errors import (
    ColumnError,
    ConfigError,
    DataError,
    TrainingDivergedError,
    TrainingInterrupted,
)
from lstmcast.evaluate.metrics import mape, smape
from lstmcast.resources import check_training, parse_bytes

runner = CliRunner()
TINY = {"window": 6, "units": 4, "epochs": 3, "ensemble": 1, "verbose": 0, "test": 0}
CLI_TINY = ["--window", "6", "--units", "4", "--epochs", "3", "--ensemble", "1"]


def monthly(n=60, scale=1.0):
    t = np.arange(n)
    return pd.DataFrame(
        {"date": pd.date_range("2000-01-01", periods=n, freq="MS"), "y": (10 + np.sin(t / 2) + 0.1 * t) * scale}
    )


@pytest.fixture
def csv(tmp_path):
    path = tmp_path / "m.csv"
    monthly().to_csv(path, index=False)
    return path


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


# -- A: training that ends well or says why ----------------------------------------------------
def test_ctrl_c_before_the_first_epoch_raises_and_keeps_the_model_unfitted(monkeypatch):
    stop_before_first_epoch(monkeypatch)
    model = Forecaster(**TINY)
    with pytest.raises(TrainingInterrupted) as e:
        model.fit(monthly(), target="y", time="date")
    assert str(e.value) == "training was interrupted before the first epoch finished: nothing was saved."
    assert not hasattr(model, "params_")


def test_ctrl_c_after_an_epoch_keeps_the_best_weights():
    def stop(epoch, epochs, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    model = Forecaster(**TINY).fit(monthly(), target="y", time="date", on_epoch_end=stop)
    h = model.history_
    assert h.interrupted and h.epochs == 2 and h.best_epoch in (1, 2)
    assert np.isfinite(model.predict().to_numpy()).all()


def test_cli_ctrl_c_before_the_first_epoch_saves_nothing(monkeypatch, csv, tmp_path):
    stop_before_first_epoch(monkeypatch)
    r = cli("train", csv, "--target", "y", "--time", "date", *CLI_TINY, "--out", tmp_path / "m", "-q")
    assert r.exit_code == 130
    assert r.output.strip() == "Error: training was interrupted before the first epoch finished: nothing was saved."
    assert not (tmp_path / "m").exists()
    r = cli("train", csv, "--target", "y", "--time", "date", *CLI_TINY, "--out", tmp_path / "m", "--json")
    assert r.exit_code == 130 and json.loads(r.stdout)["error"]["type"] == "TrainingInterrupted"


def test_cli_ctrl_c_after_an_epoch_saves_the_best_weights_and_says_so(monkeypatch, csv, tmp_path):
    import lstmcast.train.progress as progress

    def printer(verbose, console=None):
        def stop(epoch, epochs, logs):
            if epoch == 2:
                raise KeyboardInterrupt

        return stop

    monkeypatch.setattr(progress, "epoch_printer", printer)
    r = cli("train", csv, "--target", "y", "--time", "date", *CLI_TINY, "--out", tmp_path / "m")
    assert r.exit_code == 130, r.output  # saved, said so, and the exit code says Ctrl-C
    assert "Training interrupted at epoch 2/3; the best weights (epoch " in r.output
    assert "were saved." in r.output
    assert (tmp_path / "m" / "model.json").exists()
    monkeypatch.undo()
    stop_before_first_epoch(monkeypatch, after=2)
    r = cli("train", csv, "--target", "y", "--time", "date", *CLI_TINY, "--out", tmp_path / "m2", "--json")
    assert r.exit_code == 130 and json.loads(r.stdout)["interrupted"] is True
    assert (tmp_path / "m2" / "model.json").exists()


def test_a_non_finite_loss_raises_and_fits_nothing():
    model = Forecaster(**{**TINY, "learning_rate": 1e30, "loss": "mse"})  # squared errors overflow to inf
    with pytest.raises(TrainingDivergedError) as e:
        model.fit(monthly(), target="y", time="date")
    assert str(e.value).startswith("training diverged: the training loss is nan at epoch 1/3, so nothing was fitted")
    assert "(learning_rate=1e+30: try 0.001)" in str(e.value) and "scaler='none'" in str(e.value)
    assert not hasattr(model, "params_")


def test_huge_data_without_a_scaler_diverges_with_the_causes_named():
    model = Forecaster(**{**TINY, "scaler": "none", "normalize": "none", "log": False, "difference": 0, "loss": "mse"})
    with pytest.raises(TrainingDivergedError, match=r"the data's magnitude is too large"):
        model.fit(monthly(scale=1e30), target="y", time="date")


def test_cli_diverged_training_saves_nothing(csv, tmp_path):
    args = ["--target", "y", "--time", "date", *CLI_TINY, "--loss", "mse", "--learning-rate", "1e30"]
    r = cli("train", csv, *args, "--out", tmp_path / "m")
    assert r.exit_code == 1 and "training diverged: the training loss is nan at epoch 1/3" in r.output
    assert not (tmp_path / "m").exists()


def test_values_whose_squares_overflow_are_refused():
    with pytest.raises(DataError) as e:
        load_series(monthly(scale=1e300), target="y", time="date")
    assert str(e.value) == (
        "column 'y' has values too large to compute with: 1e+301 at 2000-01-01 (row 0); values beyond +-1e+150 "
        "overflow float64 in variances and squared errors: rescale the column (e.g. divide it by a power of ten)."
    )


def test_smape_and_mape_of_nan_are_nan_never_zero():
    assert math.isnan(smape([1.0, np.nan], [1.0, 1.0]))
    assert math.isnan(smape([1.0, 2.0], [np.nan, 2.0]))
    assert math.isnan(mape([np.nan, 2.0], [1.0, 2.0]))
    assert math.isnan(mape([1.0, 2.0], [1.0, np.nan]))
    # |1 - 3| * 2 / (1 + 3) = 1 -> 100 %, the pair (0, 0) counts 0: mean 50 %
    assert smape([0.0, 1.0], [0.0, 3.0]) == 50.0
    # an infinite forecast of a finite value is completely wrong: 200 %
    assert smape([1.0], [np.inf]) == 200.0
    assert math.isnan(smape([np.inf], [np.inf]))


# -- B: resources checked before allocation ----------------------------------------------------
def test_a_billion_units_is_refused_before_init():
    with pytest.raises(ConfigError) as e:
        Forecaster(**{**TINY, "units": 1_000_000_000}).fit(monthly(), target="y", time="date")
    assert str(e.value) == (
        "units=1000000000 makes a network of 4,000,000,009,000,000,001 parameters, more than lstmcast trains "
        "(100,000,000, LSTMCAST_MAX_PARAMETERS): use fewer units, layers or ensemble members."
    )


def test_step_memory_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setenv("LSTMCAST_MAX_MEMORY", "1M")
    with pytest.raises(ConfigError) as e:
        Forecaster(**{**TINY, "units": 512}).fit(monthly(), target="y", time="date")
    assert str(e.value).startswith("one training step of units=512, window=6, batch_size=32, ensemble=1 needs about ")
    assert str(e.value).endswith(
        "more than the 1.0 MiB allowed (half the machine's memory, or LSTMCAST_MAX_MEMORY): use fewer units, "
        "a shorter window, a smaller batch_size or fewer members."
    )


def test_memory_limit_parsing():
    assert parse_bytes("8G") == 8 * 2**30 and parse_bytes("1.5k") == 1536 and parse_bytes("100") == 100
    with pytest.raises(ConfigError, match=r"LSTMCAST_MAX_MEMORY='lots' is not a size"):
        parse_bytes("lots")


def test_ensemble_members_count_in_the_parameter_limit():
    from lstmcast.nn.network import NetworkSpec

    # one LSTM(200) on one input: 4 * 200 * (1 + 200 + 1) + a dense head of 201 = 161,801
    with pytest.raises(ConfigError, match=r"of 161,801,000 parameters \(1,000 members x 161,801\)"):
        check_training(NetworkSpec(units=(200,)), 32, 1000)


def test_cli_huge_units_is_one_line(csv):
    r = cli("train", csv, "--target", "y", "--time", "date", *CLI_TINY, "--units", "1000000000")
    assert r.exit_code == 1 and r.output.startswith("Error: --units 1000000000 makes a network of")
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "freq,msg",
    [
        (
            "ms",
            "freq='ms' would put about 155,174,400,001 timestamps between 2000-01-01 and 2004-12-01 for 60 rows, "
            "more than 100,000,000: pass the data's own frequency (did you mean 'MS'?), or leave freq= out to "
            "infer it.",
        ),
        (
            "s",
            "freq='s' would put about 155,174,401 timestamps between 2000-01-01 and 2004-12-01 for 60 rows, "
            "more than 100,000,000: pass the data's own frequency, or leave freq= out to infer it.",
        ),
    ],
)
def test_a_frequency_with_a_huge_grid_is_refused_before_building_it(freq, msg):
    with pytest.raises(ConfigError) as e:
        load_series(monthly(), target="y", time="date", freq=freq)
    assert str(e.value) == msg


# -- C: one-line errors for hostile inputs -----------------------------------------------------
def test_utf16_csv(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(monthly().to_csv(index=False), encoding="utf-16")
    with pytest.raises(DataError) as e:
        read_source(path)
    assert str(e.value) == (
        f"data file {str(path)!r} is encoded as UTF-16, not UTF-8: save it as UTF-8 (e.g. 'CSV UTF-8' in a "
        "spreadsheet), or read it with pandas.read_csv(path, encoding='utf-16') and pass the DataFrame."
    )


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_and_binary_data(tmp_path, encoding):
    path = tmp_path / "u.csv"
    path.write_text(monthly().to_csv(index=False), encoding=encoding)
    with pytest.raises(DataError, match=r"is encoded as UTF-16, not UTF-8: save it as UTF-8"):
        read_source(path)
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(DataError) as e:
        read_source(path)
    assert str(e.value) == f"data file {str(path)!r} holds binary data, not CSV text: pass a CSV or Parquet file."


def test_latin1_csv(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"date,caf\xe9\n2000-01-01,1\n")
    with pytest.raises(DataError, match=r"is not UTF-8 text \(byte b'\\xe9'\): save it as UTF-8"):
        read_source(path)


def test_tz_aware_timestamps_across_dst_are_converted_to_utc():
    stamps = pd.date_range("2021-03-20", periods=300, freq="h", tz="Europe/Berlin")
    frame = pd.DataFrame({"time": stamps.strftime("%Y-%m-%dT%H:%M:%S%z"), "y": np.sin(np.arange(300) / 5)})
    s = load_series(frame, target="y", time="time")
    assert s.freq == "h" and str(s.index.tz) == "UTC" and s.to_utc
    assert s.index[0] == pd.Timestamp("2021-03-19 23:00", tz="UTC")
    assert s.index_note == (
        "the time column's timestamps have several UTC offsets (daylight saving time): they were converted to UTC, "
        "and forecasts are labelled in UTC"
    )
    model = Forecaster(**TINY).fit(frame, target="y", time="time")
    assert model.predict().index[0] == pd.Timestamp("2021-04-01 11:00", tz="UTC")
    assert model.predict(data=frame.iloc[-50:]).index[0] == pd.Timestamp("2021-04-01 11:00", tz="UTC")


def test_csv_content_in_a_parquet_file(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_text("date,y\n2000-01-01,1\n")
    with pytest.raises(DataError) as e:
        read_source(path)
    assert str(e.value) == (
        f"data file {str(path)!r} is not a Parquet file (it holds text: if it is CSV, rename it to .csv): "
        "pass a real Parquet or CSV file."
    )


def test_a_directory_as_data(tmp_path):
    with pytest.raises(DataError) as e:
        read_source(tmp_path)
    assert str(e.value) == f"data path {str(tmp_path)!r} is a folder, not a file: pass a CSV or Parquet file."


def test_duplicate_column_names_in_a_csv_and_a_frame(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("date,y,y\n2000-01-01,1,2\n")
    with pytest.raises(ColumnError) as e:
        read_source(path)
    assert str(e.value) == (
        f"data file {str(path)!r} has two columns named 'y': rename one of them (column names must be unique)."
    )
    frame = pd.DataFrame([[1.0, 2.0]], columns=["y", "y"])
    with pytest.raises(ColumnError, match=r"^the data has two columns named 'y'"):
        Forecaster(**TINY).fit(frame, target="y")


@pytest.mark.parametrize("sep,shown,flag", [(";", "';'", "';'"), ("\t", "'\\t' (tab)", "'\\t'")])
def test_a_csv_with_another_separator_gets_a_hint(tmp_path, sep, shown, flag):
    path = tmp_path / "s.csv"
    monthly().to_csv(path, index=False, sep=sep)
    with pytest.raises(DataError) as e:
        read_source(path)
    assert str(e.value) == (
        f"data file {str(path)!r} was read as one column, and its header contains {shown}: the values seem "
        f"separated by {shown}, not ','; pass sep={flag} (--sep {flag}) or save the file comma-separated."
    )
    assert list(read_source(path, sep=sep).columns) == ["date", "y"]


def test_cli_sep_option(tmp_path):
    path = tmp_path / "s.csv"
    monthly().to_csv(path, index=False, sep=";")
    r = cli("train", path, "--sep", ";", "--target", "y", "--time", "date", *CLI_TINY, "--out", tmp_path / "m", "-q")
    assert r.exit_code == 0, r.output


def test_complex_values_are_refused():
    frame = pd.DataFrame({"y": np.arange(30) + 1j})
    with pytest.raises(ColumnError) as e:
        load_series(frame, target="y")
    assert str(e.value) == (
        "column 'y' holds complex numbers (dtype complex128): lstmcast forecasts real values; pass the real part "
        "(.real), the magnitude (abs()) or both as separate columns."
    )


def test_future_as_a_string_is_refused():
    frame = monthly()
    frame["price"] = np.arange(len(frame), dtype=float)
    model = Forecaster(**{**TINY, "strategy": "recursive"}).fit(frame, target="y", time="date", future="price")
    with pytest.raises(DataError, match=r"^future= must be a table of numbers with columns \['price'\]"):
        model.predict(future="price")


def test_newer_data_without_the_time_column_is_refused_and_periods_are_kept_as_timestamps():
    from lstmcast import Forecaster, datasets
    from lstmcast.errors import DataError

    air = datasets.load("airpassengers")
    m = Forecaster(window=12, units=4, epochs=1, ensemble=1).fit(air.to_frame().reset_index(), time="month")
    with pytest.raises(DataError) as e:
        m.predict(data=air.to_frame().reset_index(drop=True))
    assert str(e.value) == (
        "the data has no time column 'month', which the model was trained with: include it, so the forecast is "
        "labelled with the right timestamps."
    )
    periods = air.copy()
    periods.index = air.index.to_period("M")
    p = Forecaster(window=12, units=4, epochs=1, ensemble=1).fit(periods)
    assert str(p.predict().index[0].date()) == "1961-01-01"
