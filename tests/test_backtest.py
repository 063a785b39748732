import numpy as np
import pytest

from lstmcast import Forecaster, datasets
from lstmcast.errors import ColumnError, ConfigError, TooShortError
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
    p = bt.predictions  # NeuralForecast's cross-validation shape: one series passed without ids has no id column
    assert list(p.columns) == [AIR.index.name or "ds", "cutoff", AIR.name or "y", "forecast"]
    assert len(p) == 12 * 3  # 12 cutoffs x 3 steps
    time, target = p.columns[0], p.columns[2]
    assert np.array_equal(p[target].to_numpy(), AIR.loc[p[time]].to_numpy())  # the actual values, unchanged
    # each forecast's steps follow its cutoff, and the folds' first cutoffs are the row before each cut
    first = p.groupby("cutoff")[time].min()
    assert all(AIR.index.get_loc(t) == AIR.index.get_loc(c) + 1 for c, t in first.items())
    assert list(bt.folds["cutoff"]) == [AIR.index[c - 1] for c in bt.folds["cut"]]
    assert np.isfinite(p["forecast"]).all()


def test_backtest_errors():
    with pytest.raises(ConfigError, match="refit='sometimes' must be True, False, or a positive integer"):
        small().backtest(AIR, refit="sometimes")
    with pytest.raises(TooShortError, match="folds=45 x step=3 leave 9 training rows in the first fold"):
        small().backtest(AIR, folds=45)


def test_a_backtest_prints_as_one_line():
    bt = small().backtest(AIR, folds=2)
    assert repr(bt).startswith("Backtest(2 folds, 2 forecasts of 3 step(s); MASE model ")
    assert repr(bt).endswith("see .folds, .overall.table, .predictions)")


def test_alias_names_the_forecast_column():
    bt = small(alias="LSTM").backtest(AIR, folds=1)
    assert list(bt.predictions.columns) == ["month", "cutoff", "passengers", "LSTM"]
    with pytest.raises(ColumnError, match="column 'passengers' would appear twice .* pass alias= another"):
        small(alias="passengers").backtest(AIR, folds=1)
    with pytest.raises(ConfigError, match="alias='' must be a column name"):
        small(alias="").backtest(AIR, folds=1)


def test_cross_validation_has_neuralforecasts_cutoffs():
    """n_windows cutoffs step_size apart, the last h rows before the end, each forecasting h steps."""
    n, h, step = len(AIR), 2, 5
    cv = small().cross_validation(AIR, h=h, n_windows=2, step_size=step)
    assert list(cv.columns) == ["month", "cutoff", "passengers", "forecast"]
    assert list(cv["cutoff"].unique()) == [AIR.index[n - h - 1 - step], AIR.index[n - h - 1]]
    assert len(cv) == 2 * h
    assert list(cv["month"])[-h:] == list(AIR.index[-h:])


def test_static_attributes_are_refused_for_one_series():
    with pytest.raises(ConfigError, match=r"static=\['size'\]: static attributes describe each of many series"):
        small().backtest(AIR, static=["size"])
