"""Settings chosen from the data (auto), scale-free windows, and ensembles trained in one program."""

import jax
import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster, datasets
from lstmcast.data.seasons import season_length, seasonal_strength, spread_slope

FAST = dict(units=8, epochs=5, batch_size=16, combine=False)  # the settings "auto" chooses, nothing else


@pytest.mark.parametrize(
    "freq,m",
    [("MS", 12), ("ME", 12), ("QS-OCT", 4), ("W-SUN", 52), ("D", 7), ("B", 5), ("h", 24), ("30min", 48), ("YS", 1)],
)
def test_season_length_from_the_frequency(freq, m):
    assert season_length(freq) == m


def test_seasonal_strength_and_spread_slope_tell_the_structure():
    rng = np.random.default_rng(0)
    t = np.arange(240)
    seasonal = 50 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 240)
    walk = 100 + np.cumsum(rng.normal(0, 1, 240))
    assert seasonal_strength(seasonal, 12) > 0.9 and seasonal_strength(walk, 12) < 0.64
    assert seasonal_strength(seasonal, 1) == 0.0  # no season to measure
    additive = 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 240)
    multiplicative = (50 + t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.03, 240))
    assert abs(spread_slope(additive, 12)[0]) < 0.3
    assert 0.8 < spread_slope(multiplicative, 12)[0] < 1.2
    assert spread_slope(-additive, 12) == (0.0, 0)  # log needs positive values


def test_automatic_choices_are_reported_and_explicit_settings_win():
    air = datasets.load("airpassengers")
    auto = Forecaster(**FAST, ensemble=1).fit(air)
    chosen = {k: c.value for k, c in auto.choices_.items()}
    assert chosen == {
        "seasonal_period": 12,
        "log": True,
        "normalize": "season",
        "difference": 0,
        "window": 24,
        "epochs": 5,
    }
    assert auto.choices_["seasonal_period"].reason == "from the frequency 'MS'"
    assert auto.choices_["log"].reason.startswith("spread grows with the level: slope ")
    assert auto.choices_["normalize"].reason == "seasonal period 12: windows relative to their average and last season"
    assert auto.choices_["difference"].reason == "the season is handled inside the windows (normalize='season')"
    assert auto.choices_["window"].reason == "two seasons"
    assert auto.get_params()["window"] == "auto" and auto.config_["window"] == 24
    # with windows relative to their last value, a strong season is differenced instead
    last = Forecaster(**FAST, ensemble=1, normalize="last").fit(air)
    assert last.choices_["difference"].value == 12 and last.choices_["difference"].reason.startswith("seasonal str")
    mine = Forecaster(**FAST, ensemble=1, log=False, difference=0, window=10, seasonal_period=4, normalize="mean").fit(
        air
    )
    assert {k: c.value for k, c in mine.choices_.items()} == {
        "seasonal_period": 4,
        "log": False,
        "normalize": "mean",
        "difference": 0,
        "window": 10,
        "epochs": 5,
    }
    assert all(c.reason == "set by you" for c in mine.choices_.values())


def test_short_series_get_a_window_that_fits():
    y = pd.Series(np.arange(1.0, 21.0), index=pd.date_range("2020-01-01", periods=20, freq="MS"))
    m = Forecaster(horizon=6, **FAST, ensemble=1).fit(y)
    assert m.choices_["difference"].value == 0 and m.choices_["window"].value == 7
    assert m.choices_["window"].reason == "half the 14 rows left for windows (two seasons would be 24)"
    assert m.predict().shape == (6, 1)


def test_a_trend_is_extrapolated_beyond_the_training_range():
    """Scale-free windows: the forecast continues the trend past the largest value seen (within 2%).

    The network alone (combine=False: the damped-trend candidate of a combination extrapolates too), one member.
    """
    rng = np.random.default_rng(0)
    y = 100 + 2 * np.arange(200) + rng.normal(0, 3, 200)
    forecast = Forecaster(horizon=10, seed=0, ensemble=1, combine=False).fit(y).predict().to_numpy()[:, 0]
    truth = 100 + 2 * np.arange(200, 210)
    assert np.max(np.abs(forecast - truth) / truth) < 0.02
    assert forecast[-1] > y.max() + 10


def test_an_ensemble_is_reproducible_and_equals_its_members_trained_alone():
    sine = datasets.load("sine", length=200, noise=0.05)
    settings = dict(window=12, horizon=3, units=8, epochs=4, batch_size=16, seed=7)
    ensemble = Forecaster(ensemble=3, **settings).fit(sine)
    again = Forecaster(ensemble=3, **settings).fit(sine)
    for a, b in zip(jax.tree.leaves(ensemble.params_), jax.tree.leaves(again.params_)):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    alone = [Forecaster(ensemble=1, **{**settings, "seed": 7 + j}).fit(sine) for j in range(3)]
    for j, single in enumerate(alone):
        for a, b in zip(jax.tree.leaves(ensemble.params_), jax.tree.leaves(single.params_)):
            np.testing.assert_allclose(np.asarray(a)[j], np.asarray(b), rtol=1e-4, atol=1e-5)
    median = np.median([m.predict().to_numpy() for m in alone], axis=0)
    np.testing.assert_allclose(ensemble.predict().to_numpy(), median, rtol=1e-4, atol=1e-5)
    assert "Ensemble: 3 models trained together from seeds 7..9" in ensemble.summary()


def test_early_stopping_chooses_epochs_then_the_model_learns_the_validation_rows_too():
    sine = datasets.load("sine", length=300, noise=0.05)
    settings = dict(window=12, units=8, batch_size=16, ensemble=1, validation=0.2, patience=2, epochs=40, combine=False)
    m = Forecaster(**settings).fit(sine)
    assert m.history_.best_epoch is not None and m.history_.refit_epochs == m.history_.best_epoch
    direct = Forecaster(**{**settings, "validation": 0, "patience": None, "epochs": m.history_.best_epoch})
    direct.fit(sine)  # the same windows (train + validation = everything), the same number of epochs
    # equal up to float rounding: the scaler differs (fitted on fewer rows), scale-free windows do not
    np.testing.assert_allclose(m.predict().to_numpy(), direct.predict().to_numpy(), rtol=1e-3)


def test_a_horizon_that_leaves_no_window_is_named():
    from lstmcast.errors import TooShortError

    with pytest.raises(TooShortError) as e:
        Forecaster(horizon=500, verbose=0).fit(np.arange(200.0))
    assert str(e.value) == (
        "horizon=500 leaves no rows for a window in the 200 training rows: use a horizon of at most 198, or give "
        "the series more history."
    )
