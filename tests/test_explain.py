"""Forecaster.explain: integrated gradients through the network, complete (the attributions add up to the
forecast minus the baseline's forecast), in original units where the transforms allow, from the CLI too."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from lstmcast import Forecaster, datasets
from lstmcast.cli import app
from lstmcast.errors import ConfigError

SMALL = dict(units=8, epochs=3, ensemble=1, verbose=0, seed=0)


def promo_sales(n=120):
    rng = np.random.default_rng(0)
    promo = (np.arange(n) % 7 < 2).astype(float)
    return pd.DataFrame(
        {
            "day": pd.date_range("2024-01-01", periods=n, freq="D"),
            "sales": 50 + 10 * promo + rng.normal(0, 1, n),
            "visits": 200 + rng.normal(0, 5, n),
            "promo": promo,
        }
    )


@pytest.fixture(scope="module")
def covariates():
    model = Forecaster(window=10, horizon=3, log=False, difference=0, **{**SMALL, "ensemble": 2})
    return model.fit(promo_sales(), target="sales", time="day", features=["visits"], future=["promo"])


def test_attributions_add_up_to_the_forecast_minus_the_baseline_forecast(covariates):
    e = covariates.explain(future=pd.DataFrame({"promo": [1.0, 0.0, 0.0]}))
    assert e.space == "original" and e.lags.shape == (1, 3, 1, 10, 3) and e.future.shape == (1, 3, 1, 3, 1)
    gap = e.forecast - e.baseline
    assert np.abs(gap).max() > 1e-3  # something to attribute
    np.testing.assert_allclose(e.total, gap, rtol=1e-3, atol=1e-3 * np.abs(gap).max())
    assert list(e.by_column().columns) == ["sales", "visits", "promo", "promo (future)"]
    assert list(e.by_lag().columns) == [f"t-{k}" for k in range(9, -1, -1)]
    np.testing.assert_allclose(e.by_column().sum(axis=1).to_numpy(), e.total[0].ravel(), rtol=1e-9)


def test_one_member_explains_exactly_the_forecast_predict_gives(covariates):
    model = Forecaster(**{**covariates.get_params(), "ensemble": 1, "combine": False})  # the network's forecast
    model.fit(promo_sales(), target="sales", time="day", features=["visits"], future=["promo"])
    plan = pd.DataFrame({"promo": [0.0, 1.0, 1.0]})
    e = model.explain(future=plan)
    np.testing.assert_allclose(e.forecast[0, :, 0], model.predict(future=plan)["sales"].to_numpy(), rtol=1e-6)


def test_log_and_differenced_models_are_explained_in_model_space_and_stay_complete():
    model = Forecaster(window=12, horizon=2, log=True, difference=12, **SMALL).fit(datasets.load("airpassengers"))
    e = model.explain(steps=16)
    assert e.space == "model"
    gap = e.forecast - e.baseline
    np.testing.assert_allclose(e.total, gap, rtol=1e-3, atol=1e-3 * np.abs(gap).max())
    assert "model space" in repr(e)


def test_recursive_models_are_refused_with_the_fix():
    model = Forecaster(window=6, horizon=2, strategy="recursive", **SMALL).fit(datasets.load("sine", length=120))
    with pytest.raises(ConfigError, match=r"explain\(\) attributes a direct model's forecast for now"):
        model.explain()


def test_plot_and_command_line(covariates, tmp_path):
    from lstmcast.plot import plot_explanation

    model = Forecaster(window=10, horizon=3, log=False, difference=0, **SMALL).fit(
        promo_sales(), target="sales", time="day"
    )
    e = model.explain()
    fig = plot_explanation(e)
    assert isinstance(fig, Figure) and len(fig.axes) == 3  # heat map, its colour bar, the bars
    model.save(tmp_path / "m")
    r = CliRunner().invoke(app, ["explain", str(tmp_path / "m"), "--json", "--plot", str(tmp_path / "e.png")])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["space"] == "original" and (tmp_path / "e.png").exists()
    np.testing.assert_allclose(out["by_column"]["sales"], e.by_column()["sales"].to_numpy(), rtol=1e-9)


def test_a_model_of_many_series_explains_every_series_in_one_batch():
    t = np.arange(48)
    rows = [
        pd.DataFrame(
            {
                "unique_id": f"s{i}",
                "ds": pd.date_range("2019-01-01", periods=48 - 4 * i, freq="MS"),
                "y": 100 * (i + 1) + 20 * np.sin(2 * np.pi * t[: 48 - 4 * i] / 12) + t[: 48 - 4 * i],
            }
        )
        for i in range(3)
    ]
    model = Forecaster(window=12, horizon=2, log=False, difference=0, combine=False, **SMALL).fit(pd.concat(rows))
    e = model.explain()
    assert e.series == ("s0", "s1", "s2") and e.lags.shape == (3, 2, 1, 12, 1) and e.space == "original"
    np.testing.assert_allclose(e.forecast[:, :, 0].ravel(), model.predict()["y"].to_numpy(), rtol=1e-6)
    gap = e.forecast - e.baseline
    np.testing.assert_allclose(e.total, gap, rtol=1e-3, atol=1e-3 * np.abs(gap).max())
    assert e.by_column(e.window_of("s2"))["y"].tolist() == e.by_column(2)["y"].tolist()
    with pytest.raises(ConfigError, match=r"series 'nope' is not explained here"):
        e.window_of("nope")
