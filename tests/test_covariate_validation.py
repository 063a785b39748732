"""Covariates known in advance that do not help in validation are not read (issue 19: they must not make it worse).

A combined fit with ``future=`` columns trains a second validation copy that reads them as zeros
(``Scaler.ignored``); the lower validation MASE of the two networks decides whether the final model reads
them (``choices_["future"]``). ``predict`` takes their values either way, so a user's code does not change.
"""

import numpy as np
import pandas as pd
import pytest

import lstmcast
import lstmcast.series_model as series_model
from lstmcast import Forecaster
from lstmcast.data.transforms import Scaler
from lstmcast.errors import ConfigError, ModelFileError
from tiny import NET

AUTO = {**NET, "epochs": "auto"}  # validation copies train only in a fit with epochs="auto"


def frame(n=150, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame(
        {
            "ds": pd.date_range("2021-01-01", periods=n, freq="D"),
            "y": 20 + 3 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, n),
            "z": rng.normal(0, 1, n),
        }
    )


DF = frame()


def fitted(monkeypatch, with_, without, **kw):
    scores = iter([with_, without])  # _validate_covariates scores the copy that reads them first
    monkeypatch.setattr(series_model, "network_score", lambda *a, **k: next(scores))
    return Forecaster(**{**AUTO, **kw}).fit(DF, target="y", time="ds", future=["z"])


def future(model, scale=1.0):
    return pd.DataFrame({"z": scale * np.array([1.0, -2.0, 0.5])}, index=model.make_future_frame().index)


def network(model, fut):
    """The network's own scaled forecast (before any combination with the statistical candidates)."""
    from lstmcast.forecasting import forecast_inputs
    from lstmcast.strategies import get_strategy

    _, values, _, start, horizon = forecast_inputs(model, None, None, fut)
    strategy = get_strategy(model.config_["strategy"])
    return np.asarray(strategy.forecast(model.params_, model.spec_, model.loss_, values, start, horizon))


def test_covariates_that_validate_worse_are_not_read(monkeypatch, tmp_path):
    model = fitted(monkeypatch, 0.9, 0.5)
    choice = model.choices_["future"]
    assert choice.value == "ignored" and "MASE 0.500 without them against 0.900 with them" in choice.reason
    assert "('z')" in choice.reason and "predict still takes their values" in choice.reason
    assert model.transforms_.scaler.ignored == (1,)  # y, then z
    assert model.predict(future=future(model)).equals(model.predict(future=future(model, 100.0)))
    assert np.array_equal(network(model, future(model)), network(model, future(model, 100.0)))
    model.save(tmp_path / "m")
    loaded = lstmcast.load(tmp_path / "m")
    assert loaded.transforms_.scaler.ignored == (1,) and loaded.choices_["future"] == choice
    assert loaded.predict(future=future(model)).equals(model.predict(future=future(model)))
    with pytest.raises(ConfigError, match="does not read its covariates known in advance.*combine=False"):
        model.to_onnx(tmp_path / "m.onnx")


def test_covariates_that_validate_better_are_read(monkeypatch):
    model = fitted(monkeypatch, 0.5, 0.9)
    choice = model.choices_["future"]
    assert (
        choice.value == "read"
        and "MASE 0.500 with the covariates" in choice.reason
        and "0.900 without" in choice.reason
    )
    assert model.transforms_.scaler.ignored == ()
    assert not np.array_equal(network(model, future(model)), network(model, future(model, 100.0)))


def test_a_tie_keeps_them_and_combine_false_does_not_validate(monkeypatch):
    assert fitted(monkeypatch, 0.7, 0.7).choices_["future"].value == "read"
    plain = Forecaster(**AUTO, combine=False).fit(DF, target="y", time="ds", future=["z"])
    assert "future" not in plain.choices_ and plain.transforms_.scaler.ignored == ()


def test_the_validation_is_deterministic_under_a_seed():
    a, b = (Forecaster(**AUTO).fit(DF, target="y", time="ds", future=["z"]) for _ in range(2))
    assert a.choices_["future"] == b.choices_["future"] and a.choices_["future"].value in ("read", "ignored")
    assert a.predict(future=future(a)).equals(b.predict(future=future(b)))


def test_an_ignored_column_is_scaled_to_zero_and_checked_on_load():
    s = Scaler("standard", ignored=(1,)).fit(np.array([[1.0, 5.0], [3.0, 9.0]]))
    assert np.array_equal(s.transform(np.array([[2.0, 1e9]])), [[0.0, 0.0]])
    assert (
        Scaler.from_dict(s.to_dict()).ignored == (1,)
        and "ignored" not in Scaler("standard").fit(np.ones((2, 1))).to_dict()
    )
    state = Forecaster(**NET).fit(DF, target="y", time="ds", future=["z"]).to_state()
    state["transforms"]["scaler"]["ignored"] = [5]
    with pytest.raises(ModelFileError, match=r"transforms\.scaler\.ignored\[0\] must be a column below 2, got 5"):
        Forecaster.from_state(state)
