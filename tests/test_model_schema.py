"""model.json checked as data before anything is built, and optional signing (issue 15, finding 6)."""

import json
import shutil

import numpy as np
import pytest

import lstmcast
from lstmcast import Forecaster, datasets
from lstmcast.errors import ModelFileError, ModelSignatureError
from lstmcast.io import saving
from lstmcast.io.saving import _digest

FIX = "the file was edited or damaged; save the model again."


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small fitted model and its folder, saved once for the module."""
    model = Forecaster(window=6, units=4, epochs=1, ensemble=1, test=0.2).fit(datasets.load("sine", length=80))
    path = tmp_path_factory.mktemp("schema") / "model"
    model.save(path)
    return model, path


@pytest.fixture(autouse=True)
def no_key(monkeypatch):
    monkeypatch.delenv("LSTMCAST_MODEL_KEY", raising=False)


def edited(src, tmp_path, change=None, text=None):
    """A copy of the model folder ``src`` whose model.json is edited and its checksum recomputed.

    change: edits the parsed document in place; text: edits the JSON text (no checksum: it cannot parse).
    """
    dst = tmp_path / "edited"
    shutil.copytree(src, dst)
    if change is not None:
        doc = json.loads((dst / "model.json").read_text())
        change(doc)
        doc["document_sha256"] = _digest(doc)
        (dst / "model.json").write_text(json.dumps(doc, indent=1))
    if text is not None:
        (dst / "model.json").write_text(text((dst / "model.json").read_text()))
    return dst


def refusal(path) -> str:
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(path)
    message = str(e.value)
    assert "\n" not in message
    return message


def where(path) -> str:
    return repr(str(path / "model.json"))


def test_the_saved_model_passes_and_loads_bit_identically(small):
    model, path = small
    assert lstmcast.load(path).predict().equals(model.predict())


def test_an_unknown_key_is_refused_by_name(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d.update(extra=1))
    assert refusal(dst) == f"{where(dst)} has unknown key 'extra'; {FIX}"


def test_an_unknown_nested_key_is_refused_with_its_path(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["network"].update(foo=1, bar=2))
    assert refusal(dst) == f"{where(dst)}: network has unknown keys 'foo', 'bar'; {FIX}"


def test_a_data_path_in_the_config_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["config"].update(data="/etc/passwd"))
    assert refusal(dst) == f"{where(dst)}: config has unknown key 'data'; {FIX}"


def test_a_missing_key_is_named(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["network"].pop("window"))
    assert refusal(dst) == f"{where(dst)}: network lacks the key 'window'; {FIX}"


def test_a_missing_section_is_named(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d.pop("tail"))
    assert refusal(dst) == f"{where(dst)} lacks the key 'tail'; {FIX}"


@pytest.mark.parametrize(("value", "shown"), [(-3, "-3"), ("6", '"6"'), (True, "true"), (6.0, "6.0"), (None, "null")])
def test_a_wrong_type_is_named_with_its_path_and_value(small, tmp_path, value, shown):
    dst = edited(small[1], tmp_path, lambda d: d["network"].update(window=value))
    assert refusal(dst) == f"{where(dst)}: network.window must be a positive integer, got {shown}; {FIX}"


def test_a_bad_config_value_goes_through_the_parameter_checks(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["resolved"].update(dropout=2.0))
    assert refusal(dst) == (f"{where(dst)}: resolved is invalid: dropout=2.0 must be a finite number in [0, 1); {FIX}")


def test_auto_in_the_resolved_settings_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["resolved"].update(window="auto"))
    assert refusal(dst) == (
        f'{where(dst)}: resolved.window must be a value, got "auto" (the resolved settings hold no "auto"); {FIX}'
    )


def test_a_window_set_in_the_config_must_be_the_one_used(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["config"].update(window=3))
    assert refusal(dst) == f"{where(dst)}: config.window is 3 but resolved.window is 6; {FIX}"


def test_the_window_of_the_settings_and_the_network_must_agree(small, tmp_path):
    def change(d):
        d["config"]["window"] = d["resolved"]["window"] = 3

    dst = edited(small[1], tmp_path, change)
    assert refusal(dst) == f"{where(dst)}: network.window is 6 but resolved.window is 3; {FIX}"


def test_the_network_inputs_must_match_the_schema_columns(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["network"].update(n_inputs=2))
    assert refusal(dst) == f"{where(dst)}: network.n_inputs is 2 but the schema names 1 column; {FIX}"


def test_the_scaler_needs_one_value_per_column(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["transforms"]["scaler"]["offset"].append(0.5))
    assert refusal(dst) == f"{where(dst)}: transforms.scaler.offset must hold 1 value, got 2; {FIX}"


def test_a_zero_scale_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["transforms"]["scaler"].update(scale=[0.0]))
    assert refusal(dst) == f"{where(dst)}: transforms.scaler.scale[0] must not be 0; {FIX}"


def test_a_tail_row_of_the_wrong_width_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["tail"]["values"][3].append(1.0))
    assert refusal(dst) == (
        f"{where(dst)}: tail.values[3] must be a list of 1 numbers (one per column), got 2 values; {FIX}"
    )


def test_a_non_finite_tail_value_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["tail"]["values"][5].__setitem__(0, float("nan")))
    assert refusal(dst) == f"{where(dst)}: tail.values[5][0] must be a finite number, got NaN; {FIX}"


def test_a_tail_too_short_for_the_window_is_refused(small, tmp_path):
    def change(d):
        d["tail"]["values"] = d["tail"]["values"][-5:]
        d["tail"]["index"]["values"] = d["tail"]["index"]["values"][-5:]

    dst = edited(small[1], tmp_path, change)
    assert refusal(dst) == (
        f"{where(dst)}: tail.values holds 5 rows, fewer than the 6 a forecast needs (window + difference); {FIX}"
    )


def test_a_tail_whose_index_and_values_differ_in_length_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["tail"]["index"]["values"].pop())
    assert refusal(dst) == f"{where(dst)}: tail.values holds 80 rows but tail.index.values has 79; {FIX}"


def test_an_unsorted_tail_index_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["tail"]["index"]["values"].reverse())
    assert refusal(dst) == f"{where(dst)}: tail.index.values must be increasing, without repeats; {FIX}"


def test_duplicate_column_names_are_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["schema"].update(features=["y"]))
    assert refusal(dst) == f"{where(dst)}: schema.features names the column 'y', which has another role too; {FIX}"


def test_history_values_must_be_numbers(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["history"].update(loss=["x"]))
    assert refusal(dst) == f'{where(dst)}: history.loss[0] must be a number, got "x"; {FIX}'


def test_choices_hold_a_value_and_a_reason(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d["choices"]["window"].pop("reason"))
    assert refusal(dst) == f"{where(dst)}: choices.window lacks the key 'reason'; {FIX}"


def test_members_must_be_a_sane_ensemble_size(small, tmp_path):
    dst = edited(small[1], tmp_path, lambda d: d.update(members=5000))
    assert refusal(dst) == f"{where(dst)}: members must be at most 1,000, got 5000; {FIX}"


@pytest.mark.parametrize(("version", "shown"), [(-5, "-5"), (0, "0"), (True, "true"), ("2", '"2"'), (None, "null")])
def test_a_format_version_that_is_not_one_is_refused_without_advice_to_upgrade(small, tmp_path, version, shown):
    dst = edited(small[1], tmp_path, lambda d: d.update(format_version=version))
    assert refusal(dst) == f"{where(dst)}: format_version must be an integer from 1 to 2, got {shown}; {FIX}"


def test_deep_nesting_within_the_parser_is_refused(small, tmp_path):
    nested: list = [4]
    for _ in range(99):
        nested = [nested]
    dst = edited(small[1], tmp_path, lambda d: d["network"].update(units=nested))
    assert refusal(dst) == f"{where(dst)} is nested more than 8 levels deep, deeper than any model document; {FIX}"


def test_deep_nesting_beyond_the_parser_is_one_line(small, tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    dst = edited(small[1], tmp_path, text=lambda t: t.replace('"window": 6', f'"window": {deep}', 1))
    assert deep in (dst / "model.json").read_text()
    assert refusal(dst) == f"{where(dst)} is nested more than 8 levels deep, deeper than any model document; {FIX}"


def test_a_huge_integer_is_refused_while_parsing(small, tmp_path):
    dst = edited(small[1], tmp_path, text=lambda t: t.replace('"window": 6', '"window": ' + "9" * 5000, 1))
    assert refusal(dst) == (
        f"{where(dst)} holds an integer of 5000 digits (999999999999...), larger than any value a model stores; {FIX}"
    )


def test_a_size_over_2_31_is_refused(small, tmp_path):
    def change(d):
        d["config"]["window"] = d["resolved"]["window"] = d["network"]["window"] = 2**40

    dst = edited(small[1], tmp_path, change)
    assert refusal(dst) == f"{where(dst)}: network.window must be at most 2,147,483,648, got 1099511627776; {FIX}"


def test_a_repeated_key_is_refused(small, tmp_path):
    dst = edited(small[1], tmp_path, text=lambda t: t.replace('"window": 6', '"window": 6, "window": 6', 1))
    assert refusal(dst) == f"{where(dst)} holds the key 'window' twice in one object; {FIX}"


def test_nan_weights_are_refused(small, tmp_path):
    from safetensors.numpy import load_file, save_file

    dst = tmp_path / "nan"
    shutil.copytree(small[1], dst)
    arrays = load_file(str(dst / "model.safetensors"))
    arrays["head.kernel"] = np.full_like(arrays["head.kernel"], np.nan)
    save_file(arrays, str(dst / "model.safetensors"), metadata={"format": "lstmcast"})
    doc = json.loads((dst / "model.json").read_text())
    doc["weights_sha256"] = saving._file_sha256(dst / "model.safetensors")
    doc["document_sha256"] = _digest(doc)
    (dst / "model.json").write_text(json.dumps(doc))
    assert refusal(dst) == "weight 'head.kernel' holds NaN or infinite values: the model is damaged; train it again."


def test_weights_of_another_dtype_are_refused(small, tmp_path):
    from safetensors.numpy import load_file, save_file

    dst = tmp_path / "f64"
    shutil.copytree(small[1], dst)
    arrays = load_file(str(dst / "model.safetensors"))
    arrays["head.kernel"] = arrays["head.kernel"].astype(np.float64)
    save_file(arrays, str(dst / "model.safetensors"), metadata={"format": "lstmcast"})
    doc = json.loads((dst / "model.json").read_text())
    doc["weights_sha256"] = saving._file_sha256(dst / "model.safetensors")
    doc["document_sha256"] = _digest(doc)
    (dst / "model.json").write_text(json.dumps(doc))
    assert refusal(dst) == (
        "weight 'head.kernel' is float64, the network needs float32: the weights do not belong to this "
        "model.json; save the model again."
    )


def test_the_summary_command_checks_the_document_too(small, tmp_path):
    from typer.testing import CliRunner

    from lstmcast.cli import app

    dst = edited(small[1], tmp_path, lambda d: d["network"].update(window=-3))
    result = CliRunner().invoke(app, ["summary", str(dst)])
    assert result.exit_code == 1
    assert "network.window must be a positive integer, got -3" in result.output
    assert "Traceback" not in result.output


def test_a_model_never_stores_its_data_path(tmp_path):
    csv = tmp_path / "secret-series.csv"
    datasets.load("sine", length=60).to_frame("y").to_csv(csv, index=False)
    model = Forecaster(window=6, units=4, epochs=1, ensemble=1).fit(csv, target="y")
    text = (model.save(tmp_path / "m") / "model.json").read_text()
    assert "secret-series" not in text and str(tmp_path) not in text
    assert "data" not in json.loads(text)["config"]


# -- signing ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def signed(small, tmp_path_factory):
    path = tmp_path_factory.mktemp("signed") / "model"
    saving.save(small[0].to_state(), path, key="k1")
    return path


def test_a_signed_model_loads_with_its_key(small, signed, monkeypatch):
    assert json.loads((signed / "model.json").read_text())["signature"].startswith("hmac-sha256:")
    assert Forecaster.from_state(saving.read_model(signed, key="k1")).predict().equals(small[0].predict())
    monkeypatch.setenv("LSTMCAST_MODEL_KEY", "k1")
    assert lstmcast.load(signed).predict().equals(small[0].predict())


def test_a_signed_model_loads_without_a_key(small, signed):
    assert lstmcast.load(signed).predict().equals(small[0].predict())


def test_a_wrong_key_is_refused(signed, monkeypatch):
    monkeypatch.setenv("LSTMCAST_MODEL_KEY", "k2")
    with pytest.raises(ModelSignatureError) as e:
        lstmcast.load(signed)
    assert str(e.value) == (
        f"{where(signed)} has a signature that does not match the model key: it was signed with another key "
        "or modified after signing; refusing it."
    )


def test_an_edit_with_a_recomputed_checksum_breaks_the_signature(signed, tmp_path):
    dst = edited(signed, tmp_path, lambda d: d["transforms"]["scaler"]["scale"].__setitem__(0, 3.0))
    lstmcast.load(dst)  # the checksum alone cannot tell
    with pytest.raises(ModelSignatureError, match="does not match the model key"):
        saving.read_model(dst, key="k1")


def test_a_stripped_signature_is_refused_when_a_key_is_set(small, signed, tmp_path, monkeypatch):
    dst = edited(signed, tmp_path, lambda d: d.pop("signature"))
    assert lstmcast.load(dst).predict().equals(small[0].predict())  # no key: not checked
    monkeypatch.setenv("LSTMCAST_MODEL_KEY", "k1")
    with pytest.raises(ModelSignatureError) as e:
        lstmcast.load(dst)
    assert str(e.value) == (
        f"{where(dst)} is not signed, but a model key is set (LSTMCAST_MODEL_KEY or key=): refusing it; "
        "save the model again with the key, or load it without a key."
    )


def test_forecaster_save_signs_with_the_environment_key(small, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMCAST_MODEL_KEY", "k3")
    path = small[0].save(tmp_path / "m")
    assert "signature" in json.loads((path / "model.json").read_text())
    assert lstmcast.load(path).predict().equals(small[0].predict())
    with pytest.raises(ModelSignatureError):
        saving.read_model(path, key="k1")


def test_an_empty_key_is_refused(small, tmp_path):
    from lstmcast.errors import ConfigError

    with pytest.raises(ConfigError, match="key= must be a non-empty string or bytes"):
        saving.save(small[0].to_state(), tmp_path / "m", key="")
    assert not (tmp_path / "m").exists()


def test_a_log_model_needs_positive_kept_targets(tmp_path):
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "model_v1"  # format 1, log=True
    dst = edited(fixture, tmp_path, lambda d: d["tail"]["values"][0].__setitem__(0, -1.0))
    assert refusal(dst) == f"{where(dst)}: tail.values[0][0] must be positive (log transform), got -1.0; {FIX}"
