import numpy as np
import pytest

from lstmcast import Forecaster, datasets
from lstmcast.errors import ConfigError, TooShortError
from lstmcast.forecaster import Forecaster as F

AIR = datasets.load("airpassengers")


def small(**kw):
    return Forecaster(window=12, horizon=3, units=6, epochs=1, batch_size=16, ensemble=1, **kw)


@pytest.mark.parametrize("refit,fits", [(True, 3), (False, 1), (2, 2)])
def test_refit_policy(monkeypatch, refit, fits):
    calls = []
    original = F.fit

    def counting(self, *a, **kw):
        calls.append(len(a[0]))
        return original(self, *a, **kw)

    monkeypatch.setattr(F, "fit", counting)
    bt = small().backtest(AIR, folds=3, refit=refit)
    assert len(calls) == fits
    assert calls[0] == 144 - 3 * 3  # each refit sees only the rows before its cut
    assert list(bt.folds["cut"]) == [135, 138, 141]
    assert list(bt.folds["refit"]) == [True, refit is True, refit is True or refit == 2]


def test_folds_and_overall_are_scored_with_baselines():
    bt = small().backtest(AIR, folds=3, step=6)
    assert len(bt.evaluations) == 3 and all(e.n_windows == 4 for e in bt.evaluations)  # 6-3+1 origins
    assert bt.overall.n_windows == 12
    assert "seasonal_naive" in bt.overall.table.index
    actual = AIR.to_numpy()
    row = bt.predictions.iloc[0]
    assert row["actual"] == actual[AIR.index.get_loc(row["time"])]
    assert np.isfinite(bt.predictions["prediction"]).all()


def test_backtest_errors():
    with pytest.raises(ConfigError, match="refit='sometimes' must be True, False, or a positive integer"):
        small().backtest(AIR, refit="sometimes")
    with pytest.raises(TooShortError, match="folds=45 x step=3 leave 9 training rows in the first fold"):
        small().backtest(AIR, folds=45)


def test_a_backtest_prints_as_one_line():
    bt = small().backtest(AIR, folds=2)
    assert repr(bt).startswith("Backtest(2 folds, 2 forecasts of 3 step(s); MASE model ")
    assert repr(bt).endswith("see .folds, .overall.table, .predictions)")
