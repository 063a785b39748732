import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lstmcast
from lstmcast import Forecaster, datasets
from lstmcast.errors import ModelFileError

FIXTURE = Path(__file__).parent / "fixtures" / "model_v1"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "model"
    model = Forecaster(
        window=12, horizon=3, units=(8, 4), epochs=2, batch_size=16, log=True, difference=12, test=0.2, ensemble=2
    )
    model.fit(datasets.load("airpassengers")).save(path)
    return model, path


def test_round_trip_in_a_new_process_is_bit_identical(saved):
    model, path = saved
    code = (
        "import sys, json, lstmcast; m = lstmcast.load(sys.argv[1]); "
        "print(json.dumps(m.predict()['passengers'].tolist()))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == model.predict()["passengers"].tolist()


def test_loaded_model_keeps_configuration_and_schema(saved):
    model, path = saved
    loaded = lstmcast.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.summary() == model.summary()
    assert loaded.predict().index.equals(model.predict().index)
    air = datasets.load("airpassengers")
    assert loaded.evaluate(data=air, warn=False).table.equals(model.evaluate(warn=False).table)


def test_saved_folder_holds_no_pickle(saved):
    _, path = saved
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]
    doc = json.loads((path / "model.json").read_text())
    assert doc["format_version"] == 2 and doc["schema"]["freq"] == "MS"


def _copy(path, tmp_path):
    dst = tmp_path / "copy"
    dst.mkdir()
    for f in path.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def test_tampered_weights_are_refused(saved, tmp_path):
    dst = _copy(saved[1], tmp_path)
    data = bytearray((dst / "model.safetensors").read_bytes())
    data[-1] ^= 1
    (dst / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="does not match its checksum: it was modified or truncated"):
        lstmcast.load(dst)


def test_tampered_document_is_refused(saved, tmp_path):
    dst = _copy(saved[1], tmp_path)
    doc = json.loads((dst / "model.json").read_text())
    doc["transforms"]["scaler"]["scale"][0] *= 2
    (dst / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=r"was modified after saving \(checksum mismatch\); refusing it"):
        lstmcast.load(dst)


def test_truncated_document_is_refused(saved, tmp_path):
    dst = _copy(saved[1], tmp_path)
    text = (dst / "model.json").read_text()
    (dst / "model.json").write_text(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match="is truncated or not JSON"):
        lstmcast.load(dst)


def test_newer_format_is_refused(saved, tmp_path):
    dst = _copy(saved[1], tmp_path)
    doc = json.loads((dst / "model.json").read_text())
    doc["format_version"] = 99
    (dst / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(dst)
    assert "saved in model format 99, which this lstmcast does not read (formats 1 to 2): upgrade lstmcast" in str(
        e.value
    )


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(tmp_path)
    assert str(e.value) == (
        f"{str(tmp_path)!r} is not a saved lstmcast model: it needs model.json and model.safetensors "
        "(written by Forecaster.save or 'lstmcast train')."
    )


def test_committed_fixture_still_loads_and_predicts_the_same():
    """A model saved by lstmcast 0.1.0 (format 1); future versions must keep loading it."""
    model = lstmcast.load(FIXTURE)
    expected = json.loads((FIXTURE.parent / "model_v1_expected.json").read_text())
    # float32 network: identical on this machine, within rounding on another CPU
    np.testing.assert_allclose(model.predict()["passengers"].to_numpy(), np.asarray(expected["predict"]), rtol=1e-5)
    assert [str(t) for t in model.predict().index] == expected["index"]


def test_small_series_travel_whole_so_evaluate_needs_no_data(saved):
    model, path = saved
    loaded = lstmcast.load(path)
    assert loaded.evaluate(warn=False).table.equals(model.evaluate(warn=False).table)
    assert loaded.predict_in_sample().equals(model.predict_in_sample())


def test_long_series_keep_their_last_500_rows(tmp_path):
    from lstmcast.errors import DataError

    sine = datasets.load("sine", length=700)
    model = Forecaster(window=8, units=4, epochs=1, batch_size=64, test=0.2, ensemble=1).fit(sine)
    loaded = lstmcast.load(model.save(tmp_path / "m"))
    assert len(loaded.series_) == 500
    with pytest.raises(DataError) as e:
        loaded.evaluate()
    assert str(e.value) == (
        "this model was loaded from disk and keeps only its last 500 rows: pass data= the series to evaluate or plot."
    )
    assert loaded.evaluate(data=sine, warn=False).table.equals(model.evaluate(warn=False).table)


def test_save_into_an_existing_empty_folder_with_ordinary_permissions(saved, tmp_path):
    import os
    import stat

    model, _ = saved
    model.save(tmp_path)  # an empty folder is ours to fill
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.safetensors"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o777 & ~umask  # not a temporary folder's 0700
    assert lstmcast.load(tmp_path).predict().equals(model.predict())


def test_saved_and_committed_documents_pass_the_schema(saved):
    from lstmcast.io.schema import check_document, check_state
    from lstmcast.io.state import saved_params
    from lstmcast.params import check_params, from_jsonable

    model, path = saved
    doc = json.loads((path / "model.json").read_text())
    assert check_document(doc) == check_params(from_jsonable(doc["resolved"])) == model.config_
    v1 = json.loads((FIXTURE / "model.json").read_text())
    assert v1["format_version"] == 1 and check_document(v1) == check_params(saved_params(v1))
    assert check_state(model.to_state()) == model.config_


def test_an_unsigned_model_is_refused_only_when_a_key_is_set(monkeypatch):
    from lstmcast.errors import ModelSignatureError

    monkeypatch.setenv("LSTMCAST_MODEL_KEY", "secret")
    with pytest.raises(ModelSignatureError, match="is not signed, but a model key is set"):
        lstmcast.load(FIXTURE)
    monkeypatch.delenv("LSTMCAST_MODEL_KEY")
    assert len(lstmcast.load(FIXTURE).predict()) == 3


def test_a_signed_model_round_trips_bit_identically_in_a_new_process(saved, tmp_path):
    import os

    from lstmcast.io.saving import save

    model, _ = saved
    path = save(model.to_state(), tmp_path / "signed", key="secret")
    code = (
        "import sys, json, lstmcast; m = lstmcast.load(sys.argv[1]); "
        "print(json.dumps(m.predict()['passengers'].tolist()))"
    )
    env = {**os.environ, "LSTMCAST_MODEL_KEY": "secret"}
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True, env=env)
    assert json.loads(out.stdout) == model.predict()["passengers"].tolist()
    env["LSTMCAST_MODEL_KEY"] = "other"
    bad = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "does not match the model key" in bad.stderr
