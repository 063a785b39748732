"""One conformance suite, run on every configuration the Forecaster supports."""

import itertools

import jax
import numpy as np
import pandas as pd
import pytest

import lstmcast
from lstmcast import Forecaster
from lstmcast.errors import MissingValueError, NotFittedError

N = 160
FRAME = pd.DataFrame(
    {"y": np.sin(np.arange(N) / 6) + np.arange(N) / 80, "x": np.cos(np.arange(N) / 6)},
    index=pd.date_range("2020-01-01", periods=N, freq="D", name="day"),
)
# (cell, strategy, covariate x, ensemble size)
CONFIGS = [(*c, 1) for c in itertools.product(["lstm", "gru"], ["direct", "recursive"], [False, True])] + [
    ("lstm", "direct", True, 3),
    ("gru", "recursive", True, 3),
]


def make(cell, strategy, ensemble=1):
    return Forecaster(
        cell=cell,
        strategy=strategy,
        window=8,
        horizon=3,
        units=6,
        epochs=2,
        batch_size=16,
        seed=1,
        test=0.2,
        ensemble=ensemble,
    )


def roles(strategy, features):
    """The covariate x as a past-only feature (direct) or known in advance (recursive needs that)."""
    if not features:
        return {}
    return {"future": ["x"]} if strategy == "recursive" else {"features": ["x"]}


def fit(model, features):
    return model.fit(FRAME, target="y", **roles(model.strategy, features))


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda c: "-".join(map(str, c)))
def fitted(request):
    cell, strategy, features, ensemble = request.param
    return make(cell, strategy, ensemble), fit(make(cell, strategy, ensemble), features), features


def future(model, features):
    return pd.DataFrame({"x": np.cos(np.arange(N, N + 3) / 6)}) if "future" in roles(model.strategy, features) else None


def test_nan_rejected(fitted):
    fresh, _, features = fitted
    bad = FRAME.copy()
    bad.iloc[40, 0] = np.nan
    with pytest.raises(MissingValueError, match="column 'y' has 1 NaN value"):
        fresh.fit(bad, target="y", **roles(fresh.strategy, features))


def test_predict_before_fit_rejected(fitted):
    """An unfitted model of each configuration refuses to predict, saying how to fix it."""
    fresh, _, _ = fitted
    unfitted = make(fresh.cell, fresh.strategy, fresh.ensemble)
    with pytest.raises(NotFittedError, match=r"^This Forecaster is not fitted yet: call fit\(data, target=\.\.\.\)"):
        unfitted.predict()


def test_fit_twice_equals_fit_once(fitted):
    fresh, model, features = fitted
    again = fit(fit(make(fresh.cell, fresh.strategy, fresh.ensemble), features), features)
    for a, b in zip(jax.tree.leaves(again.params_), jax.tree.leaves(model.params_)):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert again.predict(future=future(model, features)).equals(model.predict(future=future(model, features)))


def test_save_load_round_trip_exact(fitted, tmp_path):
    _, model, features = fitted
    loaded = lstmcast.load(model.save(tmp_path / "m"))
    f = future(model, features)
    assert loaded.predict(future=f).equals(model.predict(future=f))
    assert loaded.evaluate(data=FRAME.reset_index(), warn=False).table.equals(model.evaluate(warn=False).table)


def test_batch_order_does_not_change_predictions(fitted):
    _, model, _ = fitted
    starts = model.starts_["test"]
    order = np.random.default_rng(0).permutation(len(starts))
    raw = model.series_.values[:, :1]
    a = model.forecast_at(model.values_, raw, starts)
    b = model.forecast_at(model.values_, raw, starts[order])
    np.testing.assert_array_equal(a[order], b)


def test_evaluation_and_in_sample_are_finite(fitted):
    _, model, _ = fitted
    ev = model.evaluate(warn=False)
    assert ev.horizon == 3 and np.isfinite(ev.table.to_numpy()).all()
    assert set(model.predict_in_sample()["part"]) == {"train", "test"}
