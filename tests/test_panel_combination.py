"""The default combination for many series: each series of a global model chooses its own weights."""

import json

import numpy as np
import pandas as pd
import pytest

import lstmcast
from lstmcast import Forecaster
from lstmcast.errors import ConfigError, ModelFileError
from lstmcast.stats import panel_combination as PC

TINY = dict(horizon=6, seasonal_period=12, seed=0, window=12, units=4, epochs=3, batch_size=8, ensemble=1, verbose=0)


def _panel(lengths=(96, 80, 60, 40, 20, 96)):
    rng = np.random.default_rng(0)
    parts = []
    for i, n in enumerate(lengths):
        t = np.arange(n)
        y = 50 + 0.3 * i * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5 + i, n)
        ds = pd.date_range("2000-01", periods=n, freq="MS")
        parts.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(**TINY).fit(_panel())


def test_each_series_chooses_its_own_weights_and_the_choice_is_reported(fitted):
    combos = fitted.combinations_
    assert set(combos) == {f"s{i}" for i in range(6)}  # the 20-row series gets the unvalidated hedge
    for combo in combos.values():
        assert abs(sum(combo.weights.values()) - 1) < 1e-12
    assert "network" in combos["s4"].weights and len(combos["s4"].weights) == 3  # too short to validate
    assert "network" in combos["s0"].scores  # validated: the network was scored
    value, reason = fitted.choices_["combine"].value, fitted.choices_["combine"].reason
    assert value.startswith("per series") and "on 1 series" in reason
    assert fitted.calibration_ is not None  # the copy that chose the weights calibrated the intervals too


def test_the_forecast_is_each_series_weighted_candidates(fitted):
    out = fitted.predict()
    alone = Forecaster(**TINY)
    alone.__dict__.update({k: v for k, v in fitted.__dict__.items() if k != "combinations_"})
    network = alone.predict()  # the same network without the combination
    panel = fitted.panel_
    raw, offsets = panel.stacked()[:, :1], panel.offsets()
    for s, name in enumerate(panel.ids):
        history = raw[offsets[s] : offsets[s + 1]]
        net = network[network["unique_id"] == name]["y"].to_numpy()[None, :, None]  # (1, H, 1)
        want = fitted.combinations_[name].forecast(net, history, np.array([len(history) - 1]), 6)[0, :, 0]
        np.testing.assert_allclose(out[out["unique_id"] == name]["y"].to_numpy(), want, rtol=1e-12)
    assert not np.allclose(out["y"].to_numpy(), network["y"].to_numpy())


def test_a_combined_panel_model_round_trips_bit_for_bit_and_refuses_onnx(fitted, tmp_path):
    path = tmp_path / "m"
    fitted.save(path)
    doc = json.loads((path / "model.json").read_text())
    assert [e["id"] for e in doc["combination"]["series"]] == list(fitted.panel_.ids)
    assert doc["panel"]["keep"] == max(c.context for c in fitted.combinations_.values())
    loaded = lstmcast.load(path)
    assert loaded.predict(level=[80]).equals(fitted.predict(level=[80]))
    with pytest.raises(ConfigError, match="combines the network with statistical forecasts per series"):
        from lstmcast.export.onnx_graph import check_exportable

        check_exportable(fitted)


def test_a_damaged_series_combination_is_named(fitted, tmp_path):
    path = tmp_path / "m"
    fitted.save(path)
    doc = json.loads((path / "model.json").read_text())
    doc["combination"]["series"][0]["id"] = "nobody"
    from lstmcast.io.schema import ENVELOPE, check_state

    with pytest.raises(ModelFileError, match=r"combination\.series\[0\]\.id"):
        check_state({k: v for k, v in doc.items() if k not in ENVELOPE}, "model.json", doc["format_version"])


def test_combine_false_and_big_panels_keep_the_network_alone(monkeypatch):
    plain = Forecaster(**{**TINY, "combine": False}).fit(_panel((60, 60, 60)))
    assert not hasattr(plain, "combinations_") and getattr(plain, "calibration_", None) is None
    monkeypatch.setattr(PC, "MAX_SERIES", 2)
    monkeypatch.setattr("lstmcast.forecaster.MAX_SERIES", 2)
    big = Forecaster(**TINY).fit(_panel((60, 60, 60)))
    assert not hasattr(big, "combinations_")
    assert big.choices_["combine"].value == "network" and "at most 2" in big.choices_["combine"].reason
