"""The default forecast's combination: seasonal adjustment, smoothing, candidates, the choice, and the Forecaster."""

import json

import numpy as np
import pandas as pd
import pytest

import lstmcast
from lstmcast import Forecaster, fitting, series_model
from lstmcast.errors import ConfigError, ModelFileError
from lstmcast.stats import combination as C
from lstmcast.stats.seasonal import RECENT, Season, has_season
from lstmcast.stats.smoothing import METHODS, fit_damped, fit_ses, forecast_damped, forecast_theta
from tiny import NET  # tests/tiny.py: the configurations test files share

TINY = {**{k: v for k, v in NET.items() if k != "horizon"}, "epochs": 2}  # horizons of its own seasons


def _seasonal(n=96, m=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / m) + rng.normal(0, 0.5, n)


def test_season_is_found_and_removed_then_restored():
    x = _seasonal()[None]  # (1, 96)
    season = Season(x, 12)
    assert season.on.tolist() == [True] and season.multiplicative.tolist() == [True]
    adjusted = season.adjust(x)
    # the adjusted series has lost the season: its 12-lag autocorrelation is no longer significant
    assert not has_season(adjusted - np.polyval(np.polyfit(np.arange(96), adjusted[0], 1), np.arange(96)), 12)[0]
    # restore continues the phases after the history: the indices of the next 12 steps are the first 12's
    assert np.allclose(season.restore(np.ones((1, 12))), season.idx[:, (96 + np.arange(12)) % 12])


def test_the_index_is_read_from_the_newest_seasons_so_an_evolved_season_is_followed():
    """20 seasons of one profile, then RECENT seasons of another: the index is the newer one's."""
    old, new = np.array([1.0, 3.0, 2.0, 0.0]), np.array([0.0, 2.0, 3.0, 1.0])
    x = (100 + np.concatenate([np.tile(old, 20), np.tile(new, RECENT + 1)]))[None]  # (1, 4 * (21 + RECENT))
    season = Season(x, 4)
    phase = np.arange(4) % 4  # the history's first row is phase 0
    expected = (100 + new[phase]) / np.mean(100 + new)
    assert np.allclose(season.idx[0], expected, atol=1e-3)
    whole = Season(x[:, : 4 * 20], 4)  # the old profile alone gives the old index
    assert np.allclose(whole.idx[0], (100 + old) / np.mean(100 + old), atol=1e-3)


def test_white_noise_has_no_season_and_short_histories_are_left_alone():
    rng = np.random.default_rng(1)
    assert not has_season(rng.normal(10, 1, (1, 120)), 12)[0]
    short = _seasonal(30)[None]  # fewer than three seasons
    assert not has_season(short, 12)[0]
    assert np.array_equal(Season(short, 12).adjust(short), short)


def test_smoothing_follows_level_and_trend():
    flat = np.full((1, 40), 7.0)
    assert np.allclose(forecast_theta(flat, fit_ses(flat), 5), 7.0)
    line = (3.0 + 2.0 * np.arange(60))[None]
    damped = forecast_damped(line, fit_damped(line), 4)[0]
    assert np.all(np.diff(damped) > 0) and damped[0] == pytest.approx(line[0, -1] + 2.0, rel=0.02)
    theta = forecast_theta(line, fit_ses(line), 4)[0]
    assert np.all(np.diff(theta) > 0)  # half the line's slope is added step by step


def test_candidates_read_only_rows_up_to_their_origin():
    y = _seasonal(120)[:, None]  # (rows, 1)
    params = C.fit_params(y[:90], 12)
    origins = np.array([70, 89])
    net = np.zeros((2, 6, 1))
    a = C.members(net, y, origins, 6, 12, params, 50)
    b = C.members(net, y[:90], origins, 6, 12, params, 50)  # the rows after the last origin cut off
    for name in C.CANDIDATES:
        assert np.array_equal(a[name], b[name]), name
    assert np.array_equal(a["naive"][:, :, 0], np.repeat(y[origins], 6, axis=1))
    assert np.array_equal(a["snaive"][1, :, 0], y[90 - 12 : 90 - 6, 0])


def test_choice_keeps_the_network_beside_the_best_other_unless_it_validates_much_worse():
    score = {"network": 0.80, "theta": 0.82, "damped": 0.95, "ses": 1.5, "naive": 2.0, "snaive": 0.7}
    assert C.choose(score) == {"network": 0.5, "snaive": 0.5}  # 0.80 <= 1.25 * 0.7
    worse = {**score, "network": 0.90}  # > 1.25 * 0.7: the two best others
    assert C.choose(worse) == {"snaive": 0.5, "theta": 0.5}
    assert C.choose({"theta": 0.5, "ses": 0.5, "naive": 0.9}) == {"ses": 0.5, "theta": 0.5}  # ties: in order
    assert C.choose({"network": float("nan"), "theta": 1.0}) == {"theta": 1.0}
    assert C.choose({"network": 3.0}) == {"network": 1.0}
    assert C.choose({}) == {"network": 1.0}


def test_a_network_reading_covariates_forecasts_alone_when_it_validates_best():
    """No statistical candidate sees covariates known in advance: averaging one in dilutes what they explain."""
    score = {"network": 0.6, "snaive": 0.7, "theta": 0.8}
    assert C.choose(score, covariates=True) == {"network": 1.0}
    assert C.choose(score) == {"network": 0.5, "snaive": 0.5}
    behind = {**score, "network": 0.75}  # not the best: the usual rule
    assert C.choose(behind, covariates=True) == C.choose(behind) == {"network": 0.5, "snaive": 0.5}


@pytest.fixture(scope="module")
def fitted():
    y = pd.Series(_seasonal(120), index=pd.date_range("2000-01", periods=120, freq="MS"), name="y")
    return y, Forecaster(horizon=6, seasonal_period=12, **TINY).fit(y)


def test_fit_chooses_a_combination_and_says_why(fitted):
    _, model = fitted
    comb = model.combination_
    assert set(comb.scores) == set(C.CANDIDATES)
    assert sum(comb.weights.values()) == pytest.approx(1.0)
    assert set(comb.weights) == set(C.choose(comb.scores))
    left_out = "network" not in comb.weights  # the reason says so, and how to keep the network
    assert ("the network gets no share" in model.choices_["combine"].reason) is left_out
    assert ("combine=False forecasts with the network alone" in model.choices_["combine"].reason) is left_out


def test_a_fit_with_covariates_known_in_advance_chooses_with_them_in_mind():
    n = 120
    promo = (np.arange(n) % 5 == 0).astype(float)
    frame = pd.DataFrame(
        {"y": _seasonal(n) + 6 * promo, "promo": promo}, index=pd.date_range("2000-01", periods=n, freq="MS")
    )
    model = Forecaster(horizon=6, seasonal_period=12, **TINY).fit(frame, target="y", future=["promo"])
    comb = model.combination_
    assert comb.weights == C.choose(comb.scores, covariates=True)
    assert model.choices_["combine"].value == comb.chosen()
    if comb.weights == {"network": 1.0}:
        assert "reads covariates known in advance" in model.choices_["combine"].reason
    choice = model.choices_["combine"]
    assert choice.value == comb.chosen() and "validation MASE" in choice.reason
    assert model.calibration_ is not None  # calibrated with the combination, in fit: predict(level=) trains nothing


def test_forecast_is_the_weighted_mean_of_its_candidates(fitted):
    y, model = fitted
    comb = model.combination_
    got = model.predict().to_numpy()
    raw = y.to_numpy()[:, None]
    del model.combination_
    try:
        net = model.predict().to_numpy()[None]
    finally:
        model.combination_ = comb
    parts = C.members(net, raw, np.array([len(y) - 1]), 6, 12, comb.params, comb.context, tuple(comb.weights))
    expected = sum(w * parts[k] for k, w in comb.weights.items())[0]
    assert np.allclose(got, expected, rtol=1e-12)


def test_combined_model_round_trips_and_refuses_onnx(fitted, tmp_path):
    _, model = fitted
    model.save(tmp_path / "m")
    loaded = lstmcast.load(tmp_path / "m")
    assert loaded.combination_ == model.combination_
    assert loaded.predict().equals(model.predict())
    assert loaded.predict(level=[80]).equals(model.predict(level=[80]))
    if set(model.combination_.weights) != {"network"}:
        pytest.importorskip("onnx")
        with pytest.raises(ConfigError, match="combine=False"):
            model.to_onnx(tmp_path / "m.onnx")


def test_damaged_combination_section_is_named(fitted, tmp_path):
    _, model = fitted
    model.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["combination"]["weights"] = {"network": 0.5}
    from lstmcast.io.schema import check_state

    with pytest.raises(ModelFileError, match="combination.weights"):
        check_state(
            {
                k: v
                for k, v in doc.items()
                if k not in ("format", "format_version", "library_version", "weights_sha256", "document_sha256")
            },
            "model.json",
            doc["format_version"],
        )


def test_combine_false_is_the_network_alone_and_same_seed_same_bits(fitted):
    y, model = fitted
    plain = Forecaster(horizon=6, seasonal_period=12, combine=False, **TINY).fit(y)
    assert not hasattr(plain, "combination_") and "combine" not in plain.choices_
    again = Forecaster(horizon=6, seasonal_period=12, **TINY).fit(y)
    assert again.predict().equals(model.predict())
    assert again.combination_ == model.combination_


def test_methods_are_declared_once():
    assert set(METHODS) <= set(C.CANDIDATES)


def test_a_series_too_short_to_validate_the_network_is_forecast_by_the_best_statistical_candidates():
    y = pd.Series(_seasonal(22, m=4, seed=3), index=pd.date_range("2000-01", periods=22, freq="QS"), name="y")
    model = Forecaster(horizon=4, seasonal_period=4, **TINY).fit(y)
    comb = model.combination_
    assert model.choices_["intervals"].value == "naive"  # no rows to set aside
    assert C.NETWORK not in comb.scores and C.NETWORK not in comb.weights  # unscored, so left out
    assert comb.weights == C.choose(comb.scores) and len(comb.weights) == 2
    assert all(w == pytest.approx(0.5) for w in comb.weights.values())
    assert "too short to validate the network" in model.choices_["combine"].reason
    assert "combine=False keeps the network" in model.choices_["combine"].reason
    forecast = model.predict().to_numpy()
    assert np.all(np.isfinite(forecast))
    raw = y.to_numpy()[:, None]
    expected = comb.forecast(np.zeros((1, 4, 1)), raw, np.array([len(y) - 1]), 4)[0, :, 0]
    assert np.allclose(forecast[:, 0], expected)  # the statistical candidates' mean, no network in it


def test_calibration_errors_are_cross_fitted_between_the_two_halves_of_the_origins():
    rng = np.random.default_rng(5)
    y = (50 + np.cumsum(rng.normal(0, 1, 150)))[:, None]  # (rows, 1)
    origins = np.arange(100, 130)
    net = y[origins][:, None, :] + rng.normal(0, 2, (30, 4, 1))  # a noisy network forecast
    comb, crossed = C.build(net, y, origins, 100, 134, 4, 1)
    parts = C.members(net, y, origins, 4, 1, C.fit_params(y[:100], 1), C.CONTEXT)
    actual, scale = y[origins[:, None] + np.arange(1, 5)[None, :]], C.mase_scale(y[:100], 1)
    for part, other in ((slice(0, 15), slice(15, None)), (slice(15, None), slice(0, 15))):
        w = C.choose(C.scores({k: f[other] for k, f in parts.items()}, actual[other], scale))
        np.testing.assert_allclose(crossed[part], sum(v * parts[k][part] for k, v in w.items()))
    assert comb.weights == C.choose(C.scores(parts, actual, scale))  # the model's own weights: all origins


def test_a_default_fit_trains_its_validation_copy_once_and_fine_tunes_the_final_model_from_it(monkeypatch):
    y = pd.Series(_seasonal(), index=pd.date_range("2000-01", periods=96, freq="MS"))
    rows = []
    train_copy = series_model.train_copy

    def counted(model, s, cfg, cutoff):
        rows.append(cutoff)
        return train_copy(model, s, cfg, cutoff)

    monkeypatch.setattr(series_model, "train_copy", counted)
    f = Forecaster(horizon=6, seasonal_period=12, **{**TINY, "epochs": "auto"}).fit(y)
    assert len(rows) == 1 and rows[0] < 96 - 6
    assert "from the validation copy's weights" in f.choices_["epochs"].reason
    errors = f.calibration_.errors.copy()
    f.calibrate()  # calibrated by its fit already: returned as it is, nothing trained again
    assert len(rows) == 1 and np.array_equal(f.calibration_.errors, errors)
    # epochs set by the user: the final model trains from scratch, then the copy (the order before)
    g = Forecaster(horizon=6, seasonal_period=12, **TINY).fit(y)
    assert g.choices_["epochs"].reason == "set by you" and len(rows) == 2


def test_step_budget_samples_the_windows_when_whole_epochs_overshoot():
    from lstmcast.fitting import step_budget as _step_budget
    from lstmcast.train.config import TrainConfig

    tc, starts = TrainConfig(batch_size=32), np.arange(6257, dtype=np.int32)  # 196 batches an epoch
    cfg = {"steps_per_epoch": None, "batch_size": 32, "seed": 3}
    picked = _step_budget(cfg, tc, starts, 300)  # two whole epochs would be 392 steps
    assert cfg["epochs"] == 2 and len(picked) == 150 * 32 and np.all(np.diff(picked) > 0)
    assert np.array_equal(picked, _step_budget(dict(cfg), tc, starts, 300))  # seeded: the same sample
    short = np.arange(100, dtype=np.int32)  # 4 batches an epoch: whole epochs come close enough
    assert _step_budget(cfg, tc, short, 300) is short and cfg["epochs"] == 75


def test_damped_trend_grid_fit_matches_nelder_mead():
    from scipy import optimize

    from lstmcast.stats.smoothing import ALPHA, BETA, PHI, _damped

    rng = np.random.default_rng(2)
    lo, hi = np.array([ALPHA[0], BETA[0], PHI[0]]), np.array([ALPHA[1], BETA[1], PHI[1]])
    for n, drift in ((40, 0.0), (200, 0.3), (500, -0.2)):
        x = (np.cumsum(rng.normal(drift, 1, n)) + rng.normal(0, 2, n))[None]

        def sse(p, x=x):
            return float(_damped(x, *np.clip(p, lo, hi))[2][0])

        reference = min(
            optimize.minimize(sse, np.array(s), method="Nelder-Mead", options={"maxiter": 400}).fun
            for s in ((0.3, 0.05, 0.95), (0.8, 0.2, 0.9))
        )
        assert sse(np.array(fit_damped(x))) <= reference * 1.005


def test_a_default_ensemble_forks_from_a_one_model_validation_copy(monkeypatch):
    """The copy that validates is one model; the K members start at its weights plus FORK_JITTER x their own
    fresh ones and fine-tune on every row, so K members cost about twice one model instead of K times."""
    import jax

    y = pd.Series(_seasonal(), index=pd.date_range("2000-01", periods=96, freq="MS"))
    copies, starts = [], []
    train_copy, fork = series_model.train_copy, fitting.fork
    monkeypatch.setattr(series_model, "train_copy", lambda *a: copies.append(train_copy(*a)) or copies[-1])
    monkeypatch.setattr(fitting, "fork", lambda *a: starts.append(fork(*a)) or starts[-1])
    monkeypatch.setattr(fitting, "COPY_STEPS", 25)  # the budget does not matter here: a tenth of it
    monkeypatch.setattr(fitting, "FINE_TUNE_STEPS", 13)
    f = Forecaster(horizon=6, seasonal_period=12, **{**TINY, "epochs": "auto", "ensemble": 2}).fit(y)
    (copy,), (members,) = copies, starts
    assert copy.config_["ensemble"] == 1 and f.config_["ensemble"] == 2
    assert "forked from the one-model validation copy" in f.choices_["ensemble"].reason
    fresh, _ = fitting.init_members(f.spec_, 0, 2, "random")
    for m, c, r in zip(jax.tree.leaves(members), jax.tree.leaves(copy.params_), jax.tree.leaves(fresh)):
        np.testing.assert_allclose(m, c[None] + fitting.FORK_JITTER * r, rtol=1e-6, atol=1e-7)
    point = np.stack([np.asarray(a) for a in jax.tree.leaves(f.params_)[:1]])
    assert point.shape[1] == 2 and not np.allclose(point[0, 0], point[0, 1])  # members differ after fine-tuning
    assert np.isfinite(f.predict(level=[80]).to_numpy()).all()


@pytest.mark.parametrize(
    ("change", "forked"),
    [({}, True), ({"ensemble": 1}, False), ({"normalize": "mixed"}, False), ({"combine": False}, False)],
)
def test_which_fits_fork_their_ensemble(change, forked):
    model = Forecaster(**{**TINY, "epochs": "auto", "ensemble": 3, "combine": True, **change})
    cfg = {**model._checked(), "normalize": change.get("normalize", "season")}
    assert fitting.forks(cfg, model) is forked
    assert fitting.forks(cfg, Forecaster(**{**model.get_params(), "epochs": 5})) is False  # trains alone


def test_a_combined_forecast_has_no_scaled_loss_of_its_own(monkeypatch):
    """evaluate().scaled_mse is the network's loss (Keras's "test loss"): a combined forecast's table scores
    something else, so it is None there rather than a figure of another model."""
    monkeypatch.setattr(C, "choose", lambda score, covariates=False: {"damped": 0.5, "theta": 0.5})
    y = pd.Series(_seasonal(120), index=pd.date_range("2000-01", periods=120, freq="MS"))
    model = Forecaster(horizon=6, seasonal_period=12, **{**TINY, "test": 0.2}).fit(y)
    assert model.combination_.weights == {"damped": 0.5, "theta": 0.5}
    assert model.evaluate(warn=False).scaled_mse is None
    alone = Forecaster(**{**model.get_params(), "combine": False}).fit(y)
    assert alone.evaluate(warn=False).scaled_mse > 0
