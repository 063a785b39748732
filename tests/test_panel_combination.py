"""A global model of many series combines each series' forecast with the statistical candidates, as one series does.

The combined fit (``combine=True``, the default for point losses) validates a copy trained without each
series' newest rows; each series chooses its own weights on its own origins, the intervals come with
it, and the saved model forecasts the same bits (lstmcast.stats.combination.SeriesCombinations).
"""

import json

import numpy as np
import pandas as pd
import pytest

import lstmcast
from interrupt import stop_before_first_epoch  # tests/interrupt.py
from lstmcast import Forecaster
from lstmcast.errors import ConfigError, ModelFileError
from lstmcast.stats.combination import NETWORK, SeriesCombinations
from tiny import NET

H = NET["horizon"]


def panel_frame(n_series=4, rows=60, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": f"s{i}",
                    "ds": pd.date_range("2019-01-01", periods=rows, freq="MS"),
                    "y": 50 * (i + 1) + 10 * np.sin(2 * np.pi * t / 12) + 0.5 * i * t + rng.normal(0, 2, rows),
                }
            )
            for i in range(n_series)
        ],
        ignore_index=True,
    )


DF = panel_frame()


@pytest.fixture(scope="module")
def combined():
    return Forecaster(**NET).fit(DF)


@pytest.fixture(scope="module")
def alone():  # the same network: the combination only adds to what the fit trained
    return Forecaster(**NET, combine=False).fit(DF)


def test_each_series_forecasts_with_the_weights_it_chose(combined, alone):
    c = combined.combination_
    assert isinstance(c, SeriesCombinations) and len(c.items) == 4 and all(item is not None for item in c.items)
    assert combined.choices_["combine"].value == "per series"
    assert combined.choices_["combine"].reason.startswith("per series: ")
    assert "geometric mean over 4 series" in combined.choices_["combine"].reason
    assert not c.network_only()  # some series lean on a statistical candidate on this data
    network, forecast = alone.predict(), combined.predict()
    assert list(forecast.columns) == ["unique_id", "ds", "y"] and forecast["ds"].equals(network["ds"])
    for i, item in enumerate(c.items):
        y = DF[DF["unique_id"] == f"s{i}"]["y"].to_numpy()[:, None]  # (rows, 1)
        net = network["y"].to_numpy()[i * H : (i + 1) * H].reshape(1, H, 1)
        expected = item.forecast(net, y, np.array([len(y) - 1]), H)[0, :, 0]
        np.testing.assert_array_equal(forecast["y"].to_numpy()[i * H : (i + 1) * H], expected)
        assert abs(sum(item.weights.values()) - 1) < 1e-12 and item.context == min(500, len(y))


def test_the_combined_fit_is_calibrated_and_calibrate_returns_it_as_it_is(combined):
    assert combined.calibration_ is not None and combined.calibration_.cutoff == 4
    assert "the combined forecasts' errors" in combined.choices_["intervals"].reason
    errors = combined.calibration_.errors
    assert combined.calibrate().calibration_.errors is errors  # nothing trained again
    table = combined.predict(level=[80])
    assert (table["y-lo-80"] <= table["y"]).all() and (table["y"] <= table["y-hi-80"]).all()


def test_a_saved_combined_model_forecasts_the_same_bits(combined, tmp_path):
    combined.save(tmp_path / "m")
    loaded = lstmcast.load(tmp_path / "m")
    assert isinstance(loaded.combination_, SeriesCombinations)
    assert loaded.combination_.to_list() == combined.combination_.to_list()
    assert loaded.predict(level=[80]).equals(combined.predict(level=[80]))
    # the candidates read up to their context before the origin, so the saved tails keep those rows
    assert loaded.panel_.lengths.tolist() == [60] * 4
    assert len(json.loads((tmp_path / "m" / "model.json").read_text())["panel"]["combinations"]) == 4


def test_a_damaged_combination_is_refused_naming_it(combined):
    state = combined.to_state()
    state["panel"]["combinations"][1]["weights"] = {NETWORK: 0.7}
    with pytest.raises(ModelFileError, match=r"panel\.combinations\[1\]\.weights"):
        Forecaster.from_state(state)
    state = combined.to_state()
    state["panel"]["combinations"] = state["panel"]["combinations"][:3]
    with pytest.raises(ModelFileError, match=r"panel\.combinations"):
        Forecaster.from_state(state)


def test_a_series_the_model_never_saw_gets_the_network_alone(combined, alone):
    newer = pd.concat([DF[DF["unique_id"] == "s1"], panel_frame(1, seed=5).assign(unique_id="new")])
    got, network, before = combined.predict(data=newer), alone.predict(data=newer), combined.predict()

    def of(table, uid):
        return table[table["unique_id"] == uid]["y"].tolist()

    assert of(got, "new") == of(network, "new") and of(got, "s1") == of(before, "s1")
    assert of(got, "s1") != of(network, "s1")


def test_more_series_than_combine_series_keep_the_network(monkeypatch, alone):
    import lstmcast.stats.combination

    monkeypatch.setattr(lstmcast.stats.combination, "COMBINE_SERIES", 3)  # the one place the bound is read
    model = Forecaster(**NET).fit(DF)
    choice = model.choices_["combine"]
    assert choice.value == NETWORK and choice.reason.startswith("4 series: more than the 3 a global model combines")
    assert getattr(model, "calibration_", None) is None and getattr(model, "combination_", None) is None
    assert model.predict().equals(alone.predict())


def test_onnx_export_refuses_a_combined_forecast_of_many_series(combined, tmp_path):
    with pytest.raises(ConfigError, match="ONNX export of a combined forecast is not supported.*refit with combine"):
        combined.to_onnx(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_network_that_leads_pooled_over_the_series_forecasts_alone(monkeypatch, alone):
    import lstmcast.stats.combination

    monkeypatch.setattr(lstmcast.stats.combination, "GUARD", 1e6)  # any pooled score leads
    model = Forecaster(**NET).fit(DF)
    choice = model.choices_["combine"]
    assert (
        choice.value == NETWORK
        and "pooled over the series" in choice.reason
        and "forecasts every series" in choice.reason
    )
    assert getattr(model, "combination_", None) is None and model.calibration_ is not None
    assert model.predict().equals(alone.predict())
    assert "the combined forecasts' errors" not in model.choices_["intervals"].reason


def test_pooled_scores_are_geometric_means_over_the_validated_series(combined):
    c = combined.combination_
    pooled = c.pooled()
    expected = np.exp(np.mean(np.log([item.scores[NETWORK] for item in c.items])))
    assert pooled[NETWORK] == pytest.approx(expected) and set(pooled) >= {NETWORK, "naive", "snaive"}
    assert c.network_leads() == (pooled[NETWORK] <= 1.25 * min(v for k, v in pooled.items() if k != NETWORK))
    assert not c.network_leads()  # this tiny network trails the statistical candidates on these series


def test_a_default_fit_trains_its_copy_first_and_fine_tunes_the_final_model_from_it(monkeypatch):
    """As for one series: the copy that validates (one model) trains before the final model, whose members fork
    from its weights and fine-tune on every row (about FINE_TUNE_STEPS): K members cost about 1 + K / 4 models'
    training, not 2 K."""
    import jax

    from lstmcast import fitting
    from lstmcast.train import trainer
    from lstmcast.uncertainty import panel_conformal

    copies, starts = [], []
    train_copy, start_from_copy = panel_conformal.train_copy, fitting.start_from_copy
    monkeypatch.setattr(panel_conformal, "train_copy", lambda *a: copies.append(train_copy(*a)) or copies[-1])
    monkeypatch.setattr(
        fitting, "start_from_copy", lambda *a, **k: starts.append(start_from_copy(*a, **k)) or starts[-1]
    )
    monkeypatch.setattr(trainer, "TARGET_STEPS", 20)
    monkeypatch.setattr(fitting, "FINE_TUNE_STEPS", 6)
    f = Forecaster(**{**NET, "epochs": "auto", "ensemble": 2}).fit(DF)
    (copy,), ((initial, _),) = copies, starts
    assert copy.config_["ensemble"] == 1 and copy.panel_.n_series == 4  # one model, every series, fewer rows
    assert np.all(copy.panel_.lengths < f.panel_.lengths)
    fresh, _ = fitting.init_members(f.spec_, 0, 2, "random")  # the 2 members fork from it, as for one series
    for start, trained, r in zip(jax.tree.leaves(initial), jax.tree.leaves(copy.params_), jax.tree.leaves(fresh)):
        np.testing.assert_allclose(start, trained[None] + fitting.FORK_JITTER * r, rtol=1e-6, atol=1e-7)
    assert "from the validation copy's weights" in f.choices_["epochs"].reason
    assert "forked from the one-model validation copy" in f.choices_["ensemble"].reason
    assert f.history_.epochs == f.config_["epochs"] < copy.config_["epochs"]  # 6 steps from the copy's 20
    errors = f.calibration_.errors.copy()
    f.calibrate()  # calibrated by its fit: the copy is not trained again
    assert len(copies) == 1 and np.array_equal(f.calibration_.errors, errors)
    # epochs set by you: the final model trains from scratch, and the copy after it (calibrate)
    g = Forecaster(**{**NET, "ensemble": 2}).fit(DF)
    assert g.choices_["epochs"].reason == "set by you" and len(copies) == 2 and len(starts) == 1


def test_ctrl_c_while_the_copy_trains_keeps_its_weights_as_the_model(monkeypatch):
    """As for one series: Ctrl-C during the validation copy's training ends the fit with the copy's weights (its
    members as configured), the network alone and unvalidated, and a forecast of every series."""
    from lstmcast import fitting
    from lstmcast.train import trainer

    calls = stop_before_first_epoch(monkeypatch, after=1)  # Ctrl-C inside the copy's second epoch
    monkeypatch.setattr(trainer, "TARGET_STEPS", 40)
    monkeypatch.setattr(fitting, "FINE_TUNE_STEPS", 6)
    f = Forecaster(**{**NET, "epochs": "auto", "ensemble": 2}).fit(DF)
    assert f.history_.interrupted and len(calls) == 2  # the final model did not train on
    assert f.choices_["epochs"].reason == "Ctrl-C: the copy trained without each series' newest rows only"
    assert f.choices_["combine"].value == NETWORK and f.choices_["combine"].reason.startswith("Ctrl-C")
    assert getattr(f, "calibration_", None) is None and f.config_["ensemble"] == 2
    out = f.predict()
    assert len(out) == 4 * H and np.isfinite(out["y"]).all()
