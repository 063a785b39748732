"""Hostile inputs (issue 21): what a tiny input may cost, what it may never destroy, and one line for each.

Every test here failed before the fix it covers: resource limits checked before allocation at every
entry point, inputs never outputs, ids kept as written, one clear line per bad input, and files that
stay readable and whole while other processes save. ``benchmarks/hostile.py`` runs the same cases
(and more, at full size) through the command line.
"""

import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lstmcast
from lstmcast import Forecaster
from lstmcast.cli import app
from lstmcast.errors import (
    ColumnError,
    ConfigError,
    DataError,
    MissingValueError,
    ModelFileError,
    NotFittedError,
    TimeIndexError,
)

SMALL = dict(window=6, units=8, epochs=3, batch_size=8, test=0.2, ensemble=1)
KERAS = Path(__file__).parent / "fixtures" / "keras_files"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def monthly(n: int = 80, seed: int = 0) -> pd.DataFrame:
    t = np.arange(n)
    y = 10 + 0.1 * t + np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 0.1, n)
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="MS"), "y": y})


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(**SMALL, verbose=0).fit(monthly(), target="y", time="date")


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    return fitted.save(tmp_path_factory.mktemp("saved") / "m")


@pytest.fixture()
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monthly().assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "data.csv", index=False)
    return tmp_path


def one_line(text: str) -> str:
    return " ".join(text.split())


# --- 1. resources: refused before anything is allocated --------------------------------------------------


def keras_copy(tmp_path: Path, edit=None, weights: bytes | None = None) -> Path:
    with zipfile.ZipFile(KERAS / "tutorial_lstm.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    if edit is not None:
        config = json.loads(files["config.json"])
        edit(config)
        files["config.json"] = json.dumps(config).encode()
    if weights is not None:
        files["model.weights.h5"] = weights
    path = tmp_path / "edited.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n, data in files.items():
            z.writestr(n, data)
    return path


def keras_args():
    return {"target": "y", "time": "ds", "data_min": 0, "data_max": 1}


def test_an_imported_keras_model_over_the_parameter_limit_is_refused_before_its_weights(tmp_path):
    path = keras_copy(tmp_path, lambda c: c["config"]["layers"][1]["config"].update(units=6000))
    with pytest.raises(ConfigError) as e:
        lstmcast.from_keras(path, KERAS / "history.csv", **keras_args())
    assert "(units=6000) has 144," in str(e.value)
    assert "parameters, more than lstmcast allows (100,000,000, LSTMCAST_MAX_PARAMETERS)" in str(e.value)


def test_a_keras_weights_member_is_checked_while_it_is_unpacked(tmp_path, monkeypatch):
    zeros = keras_copy(tmp_path, weights=bytes(64 * 2**20))  # 64 MiB of zeros, a few KB compressed
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match=r"model.weights.h5 is not an HDF5 file \(it starts with b'\\x00"):
        lstmcast.from_keras(zeros, KERAS / "history.csv", **keras_args())
    assert time.perf_counter() - started < 2  # refused at its first chunk, not after unpacking it all
    monkeypatch.setenv("LSTMCAST_MAX_MEMBER_BYTES", "1M")
    padded = keras_copy(tmp_path, weights=b"\x89HDF\r\n\x1a\n" + bytes(3 * 2**20))
    with pytest.raises(ModelFileError, match=r"over lstmcast's limit of 1,048,576 \(LSTMCAST_MAX_MEMBER_BYTES\)"):
        lstmcast.from_keras(padded, KERAS / "history.csv", **keras_args())


def test_a_config_file_must_be_a_small_regular_file(workspace, monkeypatch):
    r = run("train", "data.csv", "--config", "/dev/zero")
    assert r.exit_code == 1
    assert one_line(r.output) == (
        "Error: config file '/dev/zero' is not a regular file (a pipe, device or socket): save it as a file and "
        "pass that."
    )
    Path("big.toml").write_text("# padding\n" * 20_000)
    monkeypatch.setenv("LSTMCAST_MAX_CONFIG_BYTES", "100K")
    r = run("train", "data.csv", "--config", "big.toml")
    assert r.exit_code == 1 and "is 200,000 bytes, more than lstmcast reads (102,400 bytes" in one_line(r.output)


def test_a_seasonal_period_longer_than_the_series_is_refused():
    with pytest.raises(ConfigError) as e:
        Forecaster(**SMALL, seasonal_period=10**9).fit(monthly(), target="y", time="date")
    assert str(e.value).startswith("seasonal_period=1000000000 is longer than the training part (64 rows)")


def test_horizons_are_bounded_in_the_library(fitted, monkeypatch):
    with pytest.raises(ConfigError, match=r"horizon=1000000000 is more than lstmcast allows \(100,000"):
        fitted.predict(horizon=10**9)
    with pytest.raises(ConfigError, match=r"horizon=1000000000 is more than lstmcast allows"):
        fitted.make_future_frame(10**9)
    monkeypatch.setenv("LSTMCAST_MAX_HORIZON", "5")
    with pytest.raises(ConfigError, match=r"horizon=6 is more than lstmcast allows \(5, LSTMCAST_MAX_HORIZON\)"):
        fitted.make_future_frame(6)
    monkeypatch.setenv("LSTMCAST_MAX_HORIZON", "abc")
    with pytest.raises(ConfigError, match=r"LSTMCAST_MAX_HORIZON='abc' is not a limit"):
        fitted.predict()


def test_a_forecast_over_the_memory_budget_is_refused_before_it_runs(monkeypatch):
    model = Forecaster(**{**SMALL, "strategy": "recursive"}, verbose=0).fit(monthly(), target="y", time="date")
    monkeypatch.setenv("LSTMCAST_MAX_MEMORY", "1M")
    with pytest.raises(ConfigError) as e:
        model.predict(horizon=99_999)
    assert "predict(horizon=99999) of 1 series x 1 members needs about 1.5 MiB, more than the 1.0 MiB" in str(e.value)


def test_epochs_and_steps_are_bounded(monkeypatch, workspace):
    with pytest.raises(ConfigError, match=r"epochs=99999999999999999999 is more than lstmcast allows \(1,000,000"):
        Forecaster(**{**SMALL, "epochs": 99999999999999999999}).fit(monthly(), target="y", time="date")
    Path("c.toml").write_text("target = 'y'\nepochs = 99999999999999999999\n")
    r = run("train", "data.csv", "--config", "c.toml")
    assert r.exit_code == 1 and "--epochs 99999999999999999999 is more than lstmcast allows" in one_line(r.output)
    monkeypatch.setenv("LSTMCAST_MAX_STEPS", "10")
    with pytest.raises(
        ConfigError,
        match=r"epochs=3 of \d+ batches is \d+ optimizer steps, more than lstmcast runs \(10, LSTMCAST_MAX_STEPS\)",
    ):
        Forecaster(**SMALL).fit(monthly(), target="y", time="date")


def test_a_loaded_model_over_the_parameter_limit_is_refused(saved, monkeypatch):
    monkeypatch.setenv("LSTMCAST_MAX_PARAMETERS", "10")
    with pytest.raises(ConfigError, match=r"parameters, more than lstmcast allows \(10, LSTMCAST_MAX_PARAMETERS\)"):
        lstmcast.load(saved)


# --- 2. nothing destroyed ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["same path", "symlink", "config"])
def test_a_command_never_writes_over_its_input(workspace, how):
    Path("c.toml").write_text("target = 'y'\nepochs = 1\nunits = 4\nensemble = 1\n")
    if how == "symlink":
        os.symlink("data.csv", "link.csv")
    out = {"same path": "data.csv", "symlink": "link.csv", "config": "c.toml"}[how]
    before = {p: Path(p).read_bytes() for p in ("data.csv", "c.toml")}
    r = run("train", "data.csv", "--config", "c.toml", "--out", out, "--force")
    assert r.exit_code == 1
    assert "--force (overwrite=True) never replaces a command's input; choose another --out" in one_line(r.output)
    assert {p: Path(p).read_bytes() for p in before} == before


def test_a_model_folder_holding_the_input_is_not_replaced(workspace):
    Path("m").mkdir()
    Path("data.csv").rename("m/data.csv")
    r = run("train", "m/data.csv", "--target", "y", "--epochs", "1", "--out", "m", "--force")
    assert r.exit_code == 1 and "it is (or holds) the input file 'm/data.csv'" in one_line(r.output)
    assert Path("m/data.csv").exists()


def test_changing_a_structural_parameter_after_fit_makes_the_model_unfitted(tmp_path):
    model = Forecaster(**SMALL, verbose=0).fit(monthly(), target="y", time="date")
    good = model.save(tmp_path / "good")
    before = {p.name: p.read_bytes() for p in good.iterdir()}
    model.set_params(verbose=1)  # not structural: still fitted
    model.predict()
    model.set_params(units=-1)
    with pytest.raises(NotFittedError):
        model.save(good, overwrite=True)
    assert {p.name: p.read_bytes() for p in good.iterdir()} == before
    assert (
        lstmcast.load(good)
        .predict()
        .equals(Forecaster(**SMALL, verbose=0).fit(monthly(), target="y", time="date").predict())
    )


def test_a_state_that_fails_the_schema_is_never_written(fitted, tmp_path):
    from lstmcast.io.saving import save

    state = fitted.to_state()
    state["config"] = {**state["config"], "units": [-1]}
    with pytest.raises(ModelFileError, match=r"the model to save at"):
        save(state, tmp_path / "bad")
    assert list(tmp_path.iterdir()) == []


# --- 3. ids kept as written -----------------------------------------------------------------------------------

IDS = ["007", "7", "1e3", "1000", "NA", "café", "a,b", "日本"]


def long_table(ids=IDS, n=30) -> pd.DataFrame:
    rows = [
        (i, d, 10.0 * k + (t % 5)) for k, i in enumerate(ids) for t, d in enumerate(pd.date_range("2020", periods=n))
    ]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ids_from_a_file_are_kept_as_written(tmp_path, suffix):
    from lstmcast.data.panel_load import load_panel

    path = tmp_path / f"p{suffix}"
    table = long_table()
    table.to_csv(path, index=False) if suffix == ".csv" else table.to_parquet(path, index=False)
    panel = load_panel(path)
    assert sorted(panel.ids) == sorted(IDS) and panel.id_kind == "str"
    model = Forecaster(units=4, epochs=1, ensemble=1, verbose=0, window=6).fit(path)
    assert sorted(model.predict()["unique_id"].unique()) == sorted(IDS)


def test_an_empty_id_cell_is_missing_not_an_id(tmp_path):
    table = long_table(["a", "b"]).astype({"unique_id": object})
    table.loc[3, "unique_id"] = None
    table.to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(MissingValueError, match=r"id column 'unique_id' has 1 missing value\(s\), first at row 3"):
        Forecaster(units=4, epochs=1, ensemble=1).fit(tmp_path / "p.csv")


# --- 4. one line each -----------------------------------------------------------------------------------------


def test_dates_outside_pandas_range_are_one_line():
    frame = pd.DataFrame({"d": [f"{1600 + i}-01-01" for i in range(60)], "y": np.arange(60.0)})
    with pytest.raises(TimeIndexError) as e:
        Forecaster(**SMALL).fit(frame, target="y", time="d")
    assert str(e.value) == (
        "time column 'd' holds 1600-01-01T00:00:00 at row 0, outside the dates lstmcast reads (1677-09-21 to "
        "2262-04-11): give the time as whole numbers (e.g. years) instead, or drop those rows."
    )


def test_a_target_that_is_not_text_names_the_column_to_pass():
    with pytest.raises(ColumnError) as e:
        Forecaster(**SMALL).fit(pd.DataFrame(np.random.rand(60, 2)), target=0)
    assert str(e.value) == (
        "target=0 is not a column name: column names are read as text, so pass target='0' (columns are '0', '1')."
    )


def test_an_infinite_static_value_is_named():
    frame = long_table(["a", "b"]).assign(s=lambda f: np.where(f["unique_id"] == "a", np.inf, 1.0))
    with pytest.raises(MissingValueError) as e:
        Forecaster(**SMALL).fit(frame, static=["s"])
    assert str(e.value) == (
        "series 'a': static column 's' is inf, not a finite number; give every series a finite value, or leave 's' "
        "out of static=."
    )


def test_an_object_series_holding_none_names_the_missing_value():
    with pytest.raises(MissingValueError, match=r"column 'y' has 1 NaN value\(s\), first at 1 \(row 1\)"):
        Forecaster(**SMALL).fit(pd.Series([1.0, None] + [2.0] * 60, dtype=object, name="y"))


def test_thousands_separators_get_a_hint():
    frame = pd.DataFrame({"y": [f"{1000 + i:,}" for i in range(60)]})
    with pytest.raises(ColumnError, match=r"value '1,000' at row 0; it looks like a number with thousands separators"):
        Forecaster(**SMALL).fit(frame)


def test_quantiles_out_of_range_say_so(saved):
    r = run("predict", saved, "--quantiles", "0.1", "1")
    assert r.exit_code == 1 and "unexpected argument" not in r.output and "1" in r.output
    assert "quantiles" in r.output


def test_a_comma_inside_a_column_name(workspace):
    frame = pd.read_csv("data.csv").rename(columns={"y": "sales, EUR"})
    frame.to_csv("comma.csv", index=False)
    r = run("train", "comma.csv", "--target", "sales\\, EUR", "--time", "date", "--epochs", "1", "--units", "4",
            "--window", "6", "--ensemble", "1", "--out", "m", "--no-intervals", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert lstmcast.load("m").columns_()["target"] == ["sales, EUR"]


# --- 6. files -------------------------------------------------------------------------------------------------


def test_weights_get_the_mode_of_model_json(saved):
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in saved.iterdir()}
    assert modes["model.safetensors"] == modes["model.json"]


def test_loads_during_saves_read_one_whole_generation(fitted, tmp_path):
    """One process saves two models over one path, alternately; every load here gets one of them, whole."""
    a = tmp_path / "a"
    fitted.save(a)
    other = Forecaster(**{**SMALL, "seed": 1}, verbose=0).fit(monthly(), target="y", time="date")
    b = other.save(tmp_path / "b")
    target = tmp_path / "live"
    fitted.save(target)
    script = (
        "import sys\nfrom lstmcast.io.saving import read_model, save\n"
        "states = [read_model(sys.argv[1]), read_model(sys.argv[2])]\ni = 0\n"
        "print('ready', flush=True)\n"
        "while True:\n    save(states[i % 2], sys.argv[3], overwrite=True)\n    i += 1\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(a), str(b), str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        expected = {fitted.predict()["y"].iloc[0], other.predict()["y"].iloc[0]}
        seen = set()
        for _ in range(300):
            seen.add(lstmcast.load(target).predict()["y"].iloc[0])
    finally:
        proc.kill()
        proc.wait()
    assert seen <= expected and len(seen) >= 1


def test_a_fifo_is_refused_up_front(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match=r"is not a regular file \(a pipe, device or socket\)"):
        Forecaster(**SMALL).fit(fifo, target="y")


def test_formula_ids_are_escaped_in_csv_outputs(tmp_path):
    from lstmcast.cli.output import write_frame

    frame = pd.DataFrame({"unique_id": ["=cmd|' /C calc'!A0", "+1+1", "-5", "@SUM(A1)", "plain"], "y": [1.0] * 5})
    write_frame(frame, tmp_path / "f.csv")
    cells = pd.read_csv(tmp_path / "f.csv", dtype=str)["unique_id"].tolist()
    assert cells == ["'=cmd|' /C calc'!A0", "'+1+1", "-5", "'@SUM(A1)", "plain"]
    write_frame(frame, tmp_path / "f.parquet")  # Parquet is data, not a spreadsheet: kept as written
    assert pd.read_parquet(tmp_path / "f.parquet")["unique_id"].tolist() == frame["unique_id"].tolist()


# --- 7. quiet surprises ---------------------------------------------------------------------------------------


def test_a_series_with_a_multiindex_is_refused():
    series = pd.Series(np.arange(80.0), index=pd.MultiIndex.from_product([["a", "b"], range(40)], names=["id", "t"]))
    with pytest.raises(DataError) as e:
        Forecaster(**SMALL).fit(series)
    assert str(e.value).startswith("the Series has a 2-level index (id, t), which holds several series, not one")


def test_onnx_export_refuses_values_beyond_float32(tmp_path):
    pytest.importorskip("onnx")
    frame = monthly().assign(y=lambda f: f["y"] * 1e40)  # float64 computes with it; float32 cannot hold it
    model = Forecaster(**SMALL, scaler="standard", verbose=0, combine=False).fit(frame, target="y", time="date")
    with pytest.raises(ConfigError, match=r"ONNX export computes in float32, but this model was fitted on values up"):
        model.to_onnx(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_plot_loss_of_an_imported_model_is_refused(tmp_path):
    path = tmp_path / "k"
    r = run("import-keras", KERAS / "tutorial_lstm.keras", path, "--data", KERAS / "history.csv", "--target", "y",
            "--time", "ds", "--data-min", "0", "--data-max", "1")  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("plot", path, "--kind", "loss", "--out", tmp_path / "loss.png")
    assert r.exit_code == 1 and "has no training history" in one_line(r.output)
    assert not (tmp_path / "loss.png").exists()


# --- issue 22: input ergonomics ---------------------------------------------------------------------------------


def day_first_frame(n: int = 40) -> pd.DataFrame:
    days = pd.date_range("2015-02-01", periods=n, freq="D")  # 01/02/2015 is 1 February, day first
    return pd.DataFrame({"date": days.strftime("%d/%m/%Y"), "y": [f"{1000 + 10 * i:,}" for i in range(n)]})


@pytest.mark.parametrize("how", [{"date_format": "%d/%m/%Y"}, {"day_first": True}])
def test_day_first_dates_and_thousands_are_read_as_asked(how):
    model = Forecaster(**SMALL, verbose=0, thousands=",", **how).fit(day_first_frame(), target="y", time="date")
    assert model.series_.index[0] == pd.Timestamp("2015-02-01") and model.series_.freq == "D"
    assert model.series_.values[:2, 0].tolist() == [1000.0, 1010.0]
    newer = day_first_frame(45)  # predict reads newer history the way fit read the data
    assert model.predict(data=newer).index[0] == pd.Timestamp("2015-03-18")


def test_a_date_that_does_not_fit_date_format_is_named():
    frame = day_first_frame().assign(y=lambda f: np.arange(len(f), dtype=float))
    frame.loc[5, "date"] = "2015-02-06"
    with pytest.raises(TimeIndexError) as e:
        Forecaster(**SMALL, date_format="%d/%m/%Y").fit(frame, target="y", time="date")
    assert str(e.value) == (
        "time column 'date' has a value that is not a timestamp in date_format='%d/%m/%Y': '2015-02-06' at row 5; "
        "fix or remove that row."
    )


def test_the_cli_reads_date_format_and_thousands(workspace):
    day_first_frame(60).to_csv("d.csv", index=False)
    fast = ["--epochs", "1", "--units", "4", "--window", "6", "--ensemble", "1", "--no-intervals"]
    r = run("train", "d.csv", "--target", "y", "--time", "date", "--date-format", "%d/%m/%Y", "--thousands", ",",
            *fast, "--out", "m")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert lstmcast.load("m").predict().index[0] == pd.Timestamp("2015-04-02")


def test_columns_no_role_reads_are_named_in_a_warning():
    import warnings

    from lstmcast.errors import UnusedColumnsWarning

    frame = monthly().assign(promo=1.0, note="x")
    with pytest.warns(UnusedColumnsWarning) as w:
        Forecaster(**SMALL, verbose=0).fit(frame, target="y", time="date")
    assert str(w[0].message).startswith("column(s) 'promo', 'note' are not used: name them in features= (past")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedColumnsWarning)  # every column has a role: no warning
        Forecaster(**SMALL, verbose=0).fit(frame.drop(columns="note"), target="y", time="date", future=["promo"])


def test_a_shipped_dataset_carries_its_target(workspace):
    from lstmcast.data.series import load_series

    assert load_series(lstmcast.datasets.load("msft")).targets == ("close",)
    r = run("train", "--dataset", "msft", "--epochs", "1", "--units", "4", "--window", "6", "--ensemble", "1",
            "--out", "m", "--no-intervals", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert lstmcast.load("m").columns_()["target"] == ["close"]


def test_a_file_given_as_a_model_folder_is_named_as_not_a_model(tmp_path):
    (tmp_path / "data.csv").write_text("y\n1\n")
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(tmp_path / "data.csv")
    assert str(e.value).startswith(f"{str(tmp_path / 'data.csv')!r} is not a saved lstmcast model: it needs model.json")


def test_a_too_short_error_says_the_window_was_chosen_by_auto():
    from lstmcast.errors import TooShortError

    frame = pd.DataFrame({"d": pd.date_range("2000", periods=10, freq="h"), "y": np.arange(10) + 1.0})
    with pytest.raises(TooShortError) as e:
        Forecaster(units=4, epochs=1, ensemble=1, test=0.2, horizon=3).fit(frame, target="y", time="d")
    assert str(e.value).startswith(
        "window='auto' (it chose 2: half the 5 rows left for windows (two seasons would be 48)) and horizon=3 need"
    )
