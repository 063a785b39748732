"""``lstmcast.from_keras`` and ``lstmcast import-keras``: real Keras 3 ``.keras`` files read as data.

The files in tests/fixtures/keras_files/ were written once by real Keras 3 (tests/fixtures/make_keras_files.py),
with Keras's own predictions beside them, so these tests need no Keras: network-level parity on random
inputs, end-to-end parity of ``predict`` with a min-max scaler, the refusals (layer and option named,
damaged files, a Lambda layer refused without running anything), the save/load round trip and the CLI.
"""

import builtins
import json
import marshal
import pickle
import types
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lstmcast
import lstmcast.forecaster  # noqa: F401  (imported before the no-code test patches exec)
import lstmcast.keras.build  # noqa: F401
from keras_fixtures import FIXTURES, HISTORY, META, imported  # tests/keras_fixtures.py
from lstmcast.cli import app
from lstmcast.errors import ConfigError, ModelFileError, OverwriteError, TooShortError
from lstmcast.keras import from_keras
from lstmcast.keras.scaling import scaler_of
from lstmcast.nn import apply

MODELS = list(META["models"])
runner = CliRunner()


@pytest.fixture(scope="module")
def arrays():
    with np.load(FIXTURES / "predictions.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def models():
    return {name: imported(name) for name in MODELS}


def target_range(name: str) -> float:
    m = META["models"][name]
    return m["data_max"][0] - m["data_min"][0]


# -- parity ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_network_gives_keras_predictions(name, models, arrays):
    """The imported network on Keras's recorded random inputs gives Keras's outputs (1e-5)."""
    model = models[name]
    out = np.asarray(apply(model.params_, model.spec_, arrays[f"{name}.x"]))  # (batch, horizon, 1, 1)
    keras = arrays[f"{name}.pred"]  # (batch, outputs)
    np.testing.assert_allclose(out.reshape(keras.shape), keras, atol=1e-5, rtol=0)
    assert model.n_params_ == META["models"][name]["params"]  # Keras's count_params()


@pytest.mark.parametrize("name", MODELS)
def test_predict_gives_keras_forecast(name, models, arrays):
    """predict() after history.csv, min-max scaled as Keras's data was, equals Keras's forecast scaled back."""
    model = models[name]
    forecast = model.predict()
    expected = arrays[f"{name}.forecast"]
    assert list(forecast.columns) == ["y"] and len(forecast) == len(expected)
    assert forecast.index[0] == pd.Timestamp("2024-03-21")  # the day after history.csv's 80 days
    np.testing.assert_allclose(forecast["y"].to_numpy(), expected, atol=1e-5 * target_range(name), rtol=0)


def test_predict_from_newer_history(arrays):
    """Imported with older rows, predict(data=the full history) forecasts from the newer end."""
    full = pd.read_csv(HISTORY)
    model = imported("gru_feature", data=full.iloc[:50])
    assert model.predict().index[0] == pd.Timestamp("2024-02-20")  # after the 50 rows it was given
    forecast = model.predict(data=full)
    np.testing.assert_allclose(
        forecast["y"].to_numpy(), arrays["gru_feature.forecast"], atol=1e-5 * target_range("gru_feature"), rtol=0
    )


def test_scaler_none_reads_values_as_they_are(arrays):
    """scaler=None: the history given is what the network reads (here the window Keras read, already scaled)."""
    window = arrays["tutorial_lstm.window"][0, :, 0]  # (window,) scaled values Keras read
    data = pd.DataFrame({"y": window.astype(np.float64)}, index=pd.date_range("2024-03-01", periods=len(window)))
    model = from_keras(FIXTURES / "tutorial_lstm.keras", data, scaler=None)
    m = META["models"]["tutorial_lstm"]
    scaled = (arrays["tutorial_lstm.forecast"] - m["data_min"][0]) / (m["data_max"][0] - m["data_min"][0])
    np.testing.assert_allclose(model.predict()["y"].to_numpy(), scaled, atol=1e-5, rtol=0)
    assert model.transforms_.scaler.kind == "none"


def test_fitted_scikit_learn_scalers_are_read_as_attributes(models):
    """A fitted MinMaxScaler's or StandardScaler's numbers are read as attributes (here stand-ins)."""
    m = META["models"]["gru_feature"]
    mm = types.SimpleNamespace(
        data_min_=np.array(m["data_min"]), data_max_=np.array(m["data_max"]), feature_range=(0, 1)
    )
    model = imported("gru_feature", scaler=mm, data_min=None, data_max=None)
    pd.testing.assert_frame_equal(model.predict(), models["gru_feature"].predict())
    std = scaler_of(types.SimpleNamespace(mean_=np.array([1.0, 2.0]), scale_=np.array([2.0, 4.0])), ["y", "x"])
    np.testing.assert_allclose(std.transform([[3.0, 10.0]]), [[1.0, 2.0]])
    both = scaler_of("standard", ["y", "x"], mean=[1.0, 2.0], std=[2.0, 4.0])
    np.testing.assert_allclose(both.transform([[3.0, 10.0]]), [[1.0, 2.0]])
    ranged = scaler_of("minmax", ["y"], data_min=10.0, data_max=30.0, feature_range=(-1, 1))
    np.testing.assert_allclose(ranged.transform([[10.0], [20.0], [30.0]]).ravel(), [-1.0, 0.0, 1.0])


def test_recursive_feeds_the_one_step_forecast_back(models, arrays):
    """strategy='recursive' with a one-step model: step 1 is Keras's forecast, later steps read earlier ones."""
    model = imported("tutorial_lstm", strategy="recursive", horizon=3)
    forecast = model.predict()["y"].to_numpy()
    assert len(forecast) == 3 and len(model.predict(horizon=5)) == 5
    np.testing.assert_allclose(
        forecast[0], arrays["tutorial_lstm.forecast"][0], atol=1e-5 * target_range("tutorial_lstm")
    )
    scaler, window = model.transforms_.scaler, model.window_
    rows = list(scaler.transform(pd.read_csv(HISTORY)[["y"]].to_numpy())[-window:, 0])  # scaled, by hand
    for _ in range(3):
        x = np.asarray(rows[-window:], np.float32)[None, :, None]  # (1, window, 1)
        rows.append(float(np.asarray(apply(model.params_, model.spec_, x)).ravel()[0]))
    np.testing.assert_allclose(forecast, scaler.inverse(np.array(rows[-3:])[:, None], [0]).ravel(), rtol=1e-5)


# -- a normal fitted Forecaster ----------------------------------------------------------------------
def test_save_load_round_trip(models, tmp_path):
    """The imported model saves, loads and predicts bit-identically; its settings say where they came from."""
    model = models["stacked_lstm"]
    model.save(tmp_path / "m")
    loaded = lstmcast.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict(), model.predict(), check_exact=True)
    full = pd.read_csv(HISTORY)
    pd.testing.assert_frame_equal(loaded.predict(data=full.iloc[:70]), model.predict(data=full.iloc[:70]))
    assert loaded.spec_ == model.spec_ and loaded.config_["units"] == (8, 4) and loaded.config_["dropout"] == 0.2
    assert loaded.config_["normalize"] == "none" and loaded.config_["ensemble"] == 1
    assert "read from the .keras file" in loaded.choices_["window"].reason
    assert "LSTM" in loaded.summary() and "533" in loaded.summary()
    assert loaded.history_.epochs == 0


def test_intervals_refused_for_weights_lstmcast_did_not_train(models, tmp_path):
    """Conformal intervals retrain a copy of the model; a Keras-trained one cannot be copied that way."""
    model = models["tutorial_lstm"]
    with pytest.raises(ConfigError, match=r"weights were not trained by lstmcast \(trained in Keras"):
        model.predict(level=[80])
    model.save(tmp_path / "m")
    with pytest.raises(ConfigError, match="Forecast without level=/quantiles="):
        lstmcast.load(tmp_path / "m").predict(quantiles=[0.1, 0.9])


def test_top_level_name():
    assert lstmcast.from_keras is from_keras and "from_keras" in lstmcast.__all__


# -- refusals: layers and options --------------------------------------------------------------------
def test_unsupported_layer_is_named():
    with pytest.raises(ConfigError, match=r"layer 'conv1d' \(Conv1D\) is not supported: lstmcast imports LSTM, GRU"):
        from_keras(FIXTURES / "conv1d.keras", HISTORY, target="y", time="ds", data_min=0, data_max=1)


def test_gru_reset_before_is_refused():
    with pytest.raises(ConfigError, match=r"\(GRU\) has reset_after=False: lstmcast's GRU is Keras's default"):
        from_keras(FIXTURES / "gru_reset_before.keras", HISTORY, target="y", time="ds", data_min=0, data_max=1)


def test_lambda_layer_refused_without_running_anything(monkeypatch):
    """The Lambda layer's stored bytecode is never decoded: no marshal, pickle, eval or exec runs."""

    def forbidden(*args, **kwargs):
        raise AssertionError("code from the model file was about to be decoded or run")

    for module, name in (
        (marshal, "loads"),
        (pickle, "loads"),
        (pickle, "load"),
        (builtins, "eval"),
        (builtins, "exec"),
    ):
        monkeypatch.setattr(module, name, forbidden)
    with pytest.raises(ConfigError, match=r"layer 'lambda' \(Lambda\) holds Python code .*which lstmcast never runs"):
        from_keras(FIXTURES / "lambda.keras", HISTORY, target="y", time="ds", data_min=0, data_max=1)


def rewrite(tmp_path: Path, name: str, edit=None, members=None) -> Path:
    """A copy of ``name``.keras with its config edited (``edit(config)``) or members replaced/removed."""
    with zipfile.ZipFile(FIXTURES / f"{name}.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    if edit is not None:
        config = json.loads(files["config.json"])
        edit(config)
        files["config.json"] = json.dumps(config).encode()
    for member, data in (members or {}).items():
        if data is None:
            files.pop(member)
        else:
            files[member] = data
    path = tmp_path / f"{name}-edited.keras"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return path


def layer(config: dict, i: int) -> dict:
    """The i-th layer's config (0: the InputLayer)."""
    return config["config"]["layers"][i]["config"]


def set_layer(i, **values):
    return lambda c: layer(c, i).update(values)


OPTIONS = {  # name: (fixture, edit, the message's words)
    "stateful": ("tutorial_lstm", set_layer(1, stateful=True), r"\(LSTM\) has stateful=True, which lstmcast does not"),
    "go_backwards": ("tutorial_lstm", set_layer(1, go_backwards=True), r"has go_backwards=True"),
    "return_state": ("tutorial_lstm", set_layer(1, return_state=True), r"has return_state=True"),
    "activation": ("tutorial_lstm", set_layer(1, activation="relu"), r"has activation='relu': lstmcast's LSTM uses"),
    "recurrent_activation": (
        "gru_feature",
        set_layer(1, recurrent_activation="hard_sigmoid"),
        r"\(GRU\) has recurrent_activation='hard_sigmoid'",
    ),
    "last_returns_sequences": (
        "tutorial_lstm",
        set_layer(1, return_sequences=True),
        r"\(return_sequences=True\) is the last recurrent layer and returns every time step",
    ),
    "first_returns_last_state": (
        "stacked_lstm",
        set_layer(1, return_sequences=False),
        r"\(return_sequences=False\) feeds another recurrent layer: it needs return_sequences=True",
    ),
    "mixed_cells": (
        "stacked_lstm",
        lambda c: c["config"]["layers"][3].update(class_name="GRU"),
        r"\(GRU\) differs from the LSTM layer before it: lstmcast stacks one kind of recurrent layer",
    ),
    "head_activation": ("tutorial_lstm", set_layer(2, activation="sigmoid"), r"has activation='sigmoid': the forecast"),
    "hidden_activation": (
        "dense_hidden",
        set_layer(2, activation="tanh"),
        r"lstmcast's hidden Dense layer uses 'relu'",
    ),
    "merge_mode": ("bidirectional_lstm", set_layer(1, merge_mode="sum"), r"has merge_mode='sum'"),
    "dtype_policy": (
        "tutorial_lstm",
        set_layer(1, dtype={"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}),
        r"has dtype policy 'mixed_float16': lstmcast computes in float32",
    ),
    "masking": (
        "tutorial_lstm",
        lambda c: c["config"]["layers"].insert(1, {"module": "keras.layers", "class_name": "Masking", "config": {}}),
        r"\(Masking\) masks time steps",
    ),
    "custom_class": (
        "tutorial_lstm",
        lambda c: c["config"]["layers"][1].update(module="mypackage.layers"),
        r"\(mypackage.layers.LSTM\) is a custom layer class: lstmcast never runs code from a model file",
    ),
    "functional": ("tutorial_lstm", lambda c: c.update(class_name="Functional"), r"is a functional Keras model"),
    "any_window": (
        "tutorial_lstm",
        lambda c: layer(c, 0).update(batch_shape=[None, None, 1]),
        r"accepts windows of any length: pass window=",
    ),
}


@pytest.mark.parametrize("option", OPTIONS)
def test_unsupported_option_is_named(option, tmp_path):
    name, edit, message = OPTIONS[option]
    with pytest.raises(ConfigError, match=message):
        from_keras(rewrite(tmp_path, name, edit), HISTORY, target="y", time="ds", data_min=0, data_max=1)


def test_window_given_for_a_model_of_any_length(tmp_path, arrays):
    path = rewrite(tmp_path, "tutorial_lstm", lambda c: layer(c, 0).update(batch_shape=[None, None, 1]))
    m = META["models"]["tutorial_lstm"]
    model = from_keras(path, HISTORY, target="y", time="ds", data_min=m["data_min"], data_max=m["data_max"], window=10)
    np.testing.assert_allclose(model.predict()["y"].to_numpy(), arrays["tutorial_lstm.forecast"], atol=1e-4)


# -- refusals: files -----------------------------------------------------------------------------
def keras_args():
    return {"target": "y", "time": "ds", "data_min": 0, "data_max": 1}


def test_not_a_keras_file(tmp_path):
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(ModelFileError, match=r"text.keras' is not a .keras file or is truncated \(not a readable zip"):
        from_keras(tmp_path / "text.keras", HISTORY, **keras_args())
    (tmp_path / "old.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ModelFileError, match=r"is an HDF5 file \(Keras 2's .h5 format\), not a Keras 3 .keras file"):
        from_keras(tmp_path / "old.h5", HISTORY, **keras_args())
    with pytest.raises(ModelFileError, match=r"is a folder .* not a .keras file"):
        from_keras(tmp_path, HISTORY, **keras_args())
    with pytest.raises(ModelFileError, match=r"does not exist"):
        from_keras(tmp_path / "absent.keras", HISTORY, **keras_args())


def test_missing_or_broken_config(tmp_path):
    with pytest.raises(ModelFileError, match=r"lacks config.json: it is a zip archive but not a Keras 3 .keras model"):
        from_keras(rewrite(tmp_path, "tutorial_lstm", members={"config.json": None}), HISTORY, **keras_args())
    with pytest.raises(ModelFileError, match=r"config.json is not valid JSON"):
        from_keras(rewrite(tmp_path, "tutorial_lstm", members={"config.json": b"{"}), HISTORY, **keras_args())


def test_truncated_files(tmp_path):
    with zipfile.ZipFile(FIXTURES / "tutorial_lstm.keras") as z:
        weights = z.read("model.weights.h5")
    half = rewrite(tmp_path, "tutorial_lstm", members={"model.weights.h5": weights[: len(weights) // 2]})
    with pytest.raises(ModelFileError, match=r"model.weights.h5 is truncated or (not an HDF5 file|damaged)"):
        from_keras(half, HISTORY, **keras_args())
    data = (FIXTURES / "tutorial_lstm.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"is not a .keras file or is truncated"):
        from_keras(tmp_path / "cut.keras", HISTORY, **keras_args())


def test_weights_that_do_not_match_the_config(tmp_path):
    with zipfile.ZipFile(FIXTURES / "tutorial_lstm.keras") as z:
        weights = z.read("model.weights.h5")
    edited = tmp_path / "w.h5"
    edited.write_bytes(weights)
    with h5py.File(edited, "r+") as f:
        del f["layers/lstm/cell/vars/1"]
    with pytest.raises(ModelFileError, match=r"holds 2 variable\(s\) at 'layers/lstm/cell/vars' for layer 'lstm"):
        from_keras(
            rewrite(tmp_path, "tutorial_lstm", members={"model.weights.h5": edited.read_bytes()}),
            HISTORY,
            **keras_args(),
        )
    wider = rewrite(tmp_path, "tutorial_lstm", set_layer(1, units=51))
    with pytest.raises(
        ModelFileError,
        match=r"the kernel of layer 'lstm.*' \('layers/lstm/cell/vars/0'\) has shape "
        r"\(1, 200\), but the layer's configuration needs \(1, 204\)",
    ):
        from_keras(wider, HISTORY, **keras_args())


# -- refusals: data, scaling, horizon ------------------------------------------------------------
def test_data_and_settings_that_do_not_fit():
    with pytest.raises(ConfigError, match=r"reads 1 input column\(s\) per step, but the data gives 2 \(y, x\)"):
        imported("tutorial_lstm", features=["x"])
    with pytest.raises(TooShortError, match=r"reads windows of 10 rows, but the data has 5"):
        imported("tutorial_lstm", data=pd.read_csv(HISTORY).iloc[:5])
    with pytest.raises(ConfigError, match=r"scaler='minmax' needs data_min= and data_max="):
        imported("tutorial_lstm", data_min=None)
    with pytest.raises(ConfigError, match=r"data_min=\[1, 2\] gives 2 value\(s\), but the model reads 1 input"):
        imported("tutorial_lstm", data_min=[1, 2])
    with pytest.raises(ConfigError, match=r"mean= is not used with scaler='minmax'"):
        imported("tutorial_lstm", mean=[0.0])
    with pytest.raises(ConfigError, match=r"data_max=0.0 is below data_min=1.0 for column 'y'"):
        imported("tutorial_lstm", data_min=1.0, data_max=0.0)
    with pytest.raises(ConfigError, match=r"strategy='recursive' feeds one step back, but .* emits 2 steps"):
        imported("bidirectional_lstm", strategy="recursive")
    with pytest.raises(ConfigError, match=r"strategy='recursive' cannot use past-only features \['x'\]"):
        imported("gru_feature", strategy="recursive")
    with pytest.raises(ConfigError, match=r"horizon=5 differs from the 2 step\(s\)"):
        imported("bidirectional_lstm", horizon=5)
    with pytest.raises(ConfigError, match=r"window=12 differs from the 10 rows"):
        imported("tutorial_lstm", window=12)


# -- the command line ----------------------------------------------------------------------------
def test_cli_import_then_predict(tmp_path, arrays):
    m = META["models"]["gru_feature"]
    out = tmp_path / "imported"
    args = ["import-keras", FIXTURES / "gru_feature.keras", out, "--data", HISTORY, "--target", "y", "--time", "ds"]
    args += ["--features", "x", "--data-min", ",".join(map(str, m["data_min"]))]
    args += ["--data-max", ",".join(map(str, m["data_max"]))]
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    assert f"Model saved to {out}" in r.output and "GRU" in r.output
    r = runner.invoke(app, ["predict", str(out), "--json"])
    assert r.exit_code == 0, r.output
    forecast = [row["y"] for row in json.loads(r.output)["forecast"]]
    np.testing.assert_allclose(forecast, arrays["gru_feature.forecast"], atol=1e-5 * target_range("gru_feature"))
    r = runner.invoke(app, [str(a) for a in args])  # an lstmcast model folder is replaced, as 'train' does
    assert r.exit_code == 0, r.output


def test_cli_errors(tmp_path):
    r = runner.invoke(
        app,
        [
            "import-keras",
            str(FIXTURES / "conv1d.keras"),
            str(tmp_path / "o"),
            "--data",
            str(HISTORY),
            "--data-min",
            "0",
            "--data-max",
            "1",
        ],
    )
    assert r.exit_code == 1
    assert "Error:" in r.output and "layer 'conv1d' (Conv1D) is not supported" in r.output
    assert not (tmp_path / "o").exists()
    r = runner.invoke(
        app,
        [
            "import-keras",
            str(FIXTURES / "tutorial_lstm.keras"),
            str(tmp_path / "o"),
            "--data",
            str(HISTORY),
            "--data-min",
            "0,x",
            "--json",
        ],
    )
    assert r.exit_code == 1
    assert json.loads(r.output)["error"]["message"] == "--data-min '0,x' must be comma-separated numbers, e.g. 0,12.5."
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    r = runner.invoke(
        app,
        [
            "import-keras",
            str(FIXTURES / "tutorial_lstm.keras"),
            str(tmp_path / "taken"),
            "--data",
            str(HISTORY),
            "--data-min",
            "0",
            "--data-max",
            "1",
        ],
    )
    assert r.exit_code == 1 and "the folder holds files lstmcast did not write (notes.txt)" in r.output
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
    copy = tmp_path / "copy.keras"
    copy.write_bytes((FIXTURES / "tutorial_lstm.keras").read_bytes())
    r = runner.invoke(
        app,
        ["import-keras", str(copy), str(copy), "--data", str(HISTORY), "--data-min", "0", "--data-max", "1", "--force"],
    )
    assert r.exit_code == 1 and "it is an input of this command" in r.output
    assert copy.read_bytes() == (FIXTURES / "tutorial_lstm.keras").read_bytes()
    assert issubclass(OverwriteError, FileExistsError)


def test_a_missing_h5py_is_one_line_naming_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "h5py", None)  # as if the keras extra were not installed
    with pytest.raises(ConfigError, match=r"h5py, an optional extra: pip install 'lstmcast\[keras\]'"):
        imported(MODELS[0])
    r = runner.invoke(app, ["import-keras", str(FIXTURES / f"{MODELS[0]}.keras"), "out", "--data", str(HISTORY)])
    assert r.exit_code == 1 and "pip install 'lstmcast[keras]'" in r.output and "ModuleNotFoundError" not in r.output
