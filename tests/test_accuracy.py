"""The default Forecaster, with nothing tuned, beats seasonal naive on the held-out end of the shipped series.

airpassengers: the last 24 months held out (its frequency gives the season); sunspots: the
last 20 years (yearly data: no calendar season). benchmarks/accuracy.py measures the same on
45 series against AutoETS and AutoTheta.
"""

import pytest

from lstmcast import Forecaster, datasets


@pytest.mark.parametrize("name,test,period", [("airpassengers", 24, 12), ("sunspots", 20, 1)])
def test_default_model_beats_seasonal_naive(name, test, period):
    ev = Forecaster(test=test, horizon=1, seed=0).fit(datasets.load(name)).evaluate()
    assert ev.period == period
    assert ev.table.loc["model", "mase"] < ev.table.loc["seasonal_naive", "mase"]
