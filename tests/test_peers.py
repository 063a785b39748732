"""evaluate(against="statsforecast"): the peers' rows, scored on the model's own points.

statsforecast requires pandas < 3, so the test environment does not install it: a stand-in module
with the same call (``Model(season_length=m).forecast(y=..., h=...)["mean"]``) records every call,
which is what lstmcast relies on; the real package is used by benchmarks/accuracy.py.
"""

import sys
import types

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster
from lstmcast.errors import ConfigError
from lstmcast.evaluate.metrics import all_metrics
from tiny import NET  # tests/tiny.py: the configurations test files share

TINY = {**NET, "epochs": 2, "combine": False, "test": 10}


@pytest.fixture(scope="module")
def model():
    t = np.arange(80)
    y = pd.Series(50 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12), index=pd.date_range("2000-01", periods=80, freq="MS"))
    return Forecaster(seasonal_period=12, **TINY).fit(y.rename("y"))


def _stand_in(calls):
    class Model:
        def __init__(self, season_length):
            self.m = season_length

        def forecast(self, y, h):
            calls.append((type(self).__name__, len(y), h, self.m))
            return {
                "mean": np.full(h, y[-1] + {"AutoETS": 1.0, "AutoARIMA": 2.0, "AutoTheta": 3.0}[type(self).__name__])
            }

    module = types.ModuleType("statsforecast.models")
    for name in ("AutoETS", "AutoARIMA", "AutoTheta"):
        setattr(module, name, type(name, (Model,), {}))
    package = types.ModuleType("statsforecast")
    package.models = module
    return package, module


def test_peers_are_scored_on_the_models_origins(model, monkeypatch):
    calls = []
    package, module = _stand_in(calls)
    monkeypatch.setitem(sys.modules, "statsforecast", package)
    monkeypatch.setitem(sys.modules, "statsforecast.models", module)
    plain = model.evaluate(warn=False)
    ev = model.evaluate(warn=False, against="statsforecast")
    assert list(ev.table.index) == [*plain.table.index, "AutoETS", "AutoARIMA", "AutoTheta"]
    assert ev.table.loc[plain.table.index].equals(plain.table)  # the model and baselines unchanged
    n = plain.n_windows
    assert len(calls) == 3 * n and {c[2:] for c in calls} == {(3, 12)}
    first = 80 - 10 - 1  # the last training row is the first origin
    assert sorted({c[1] for c in calls}) == list(range(first + 1, first + 1 + n))  # history up to each origin
    y = model.series_.values[:, 0]
    origins = np.arange(first, first + n)
    actual = y[origins[:, None] + np.arange(1, 4)][..., None]
    expected = all_metrics(actual, (y[origins] + 2.0)[:, None, None] + np.zeros((n, 3, 1)), 1.0)
    assert ev.table.loc["AutoARIMA", "mae"] == pytest.approx(expected["mae"])


def test_without_statsforecast_the_message_says_how_to_install_it(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # import fails
    with pytest.raises(ConfigError, match=r"pip install statsforecast \(it requires pandas < 3"):
        model.evaluate(warn=False, against="statsforecast")
    with pytest.raises(ConfigError, match=r"against='ets' must be None or 'statsforecast'"):
        model.evaluate(warn=False, against="ets")
