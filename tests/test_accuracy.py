"""The recommended settings of the shipped datasets beat seasonal naive on the held-out end."""

import pytest

from lstmcast import Forecaster, datasets


@pytest.mark.parametrize("name,period", [("airpassengers", 12), ("sunspots", 11)])
def test_recommended_settings_beat_seasonal_naive(name, period):
    ev = Forecaster(seed=0, **datasets.info(name).recommended).fit(datasets.load(name)).evaluate()
    assert ev.period == period
    assert ev.table.loc["model", "mase"] < ev.table.loc["seasonal_naive", "mase"]
    assert ev.skill > 0
