"""Fan charts of prediction intervals and calibration plots (lstmcast.plot), on hand-made frames."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from lstmcast.errors import ColumnError, ConfigError
from lstmcast.plot import forecast_targets, plot_calibration, plot_fan, plot_fans, plot_forecast
from lstmcast.uncertainty.names import level_columns, quantile_column

PNG = b"\x89PNG\r\n\x1a\n"
WIDTH = {80: 1.28, 95: 1.96}  # half-widths in standard deviations


def _frames(targets=("y",), levels=(80, 95), quantiles=(), n=60, horizon=6, dated=True):
    """History (n rows) and a forecast (horizon rows) in Forecaster.actual() / predict(level=...) layout."""
    index = pd.date_range("2024-01-01", periods=n + horizon, freq="D") if dated else pd.RangeIndex(n + horizon)
    steps = np.arange(n + horizon, dtype=float)
    history = pd.DataFrame({t: np.sin(steps[:n] / 5) + i for i, t in enumerate(targets)}, index=index[:n])
    columns = {}
    for i, t in enumerate(targets):
        point = np.sin(steps[n:] / 5) + i
        columns[t] = point
        for level in levels:
            lo, hi = level_columns(t, level)
            spread = WIDTH[level] * 0.1 * np.sqrt(np.arange(1, horizon + 1))
            columns[lo], columns[hi] = point - spread, point + spread
        for q in quantiles:
            columns[quantile_column(t, q)] = point + (q - 0.5)
    return history, pd.DataFrame(columns, index=index[n:])


def _bands(ax) -> dict:
    return {c.get_label(): c for c in ax.collections if isinstance(c, PolyCollection)}


def _limits(band, x) -> tuple[float, float]:
    """(lowest, highest) y of a fill_between polygon at x."""
    vertices = band.get_paths()[0].vertices
    ys = vertices[np.isclose(vertices[:, 0], x), 1]
    return ys.min(), ys.max()


def test_fan_writes_a_png_with_one_band_per_level_the_wider_around_the_narrower(tmp_path):
    history, forecast = _frames(targets=("y",), quantiles=(0.1, 0.9), dated=False)
    fig = plot_fans(history, forecast, path=tmp_path / "fan.png")
    assert (tmp_path / "fan.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    bands = _bands(ax)
    assert list(bands) == ["95% interval", "80% interval"]  # widest drawn first, under the narrower
    assert len(ax.lines) == 3  # history, forecast, the divider at the last actual (quantile columns are not lines)
    for x in forecast.index:
        lo95, hi95 = _limits(bands["95% interval"], x)
        lo80, hi80 = _limits(bands["80% interval"], x)
        assert lo95 < lo80 < forecast.loc[x, "y"] < hi80 < hi95
        assert (lo80, hi80) == pytest.approx((forecast.loc[x, "y-lo-80"], forecast.loc[x, "y-hi-80"]))
    light95, light80 = (sum(bands[k].get_facecolor()[0][:3]) for k in ("95% interval", "80% interval"))
    assert light95 > light80  # the wider interval is lighter
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["History", "Forecast", "80% interval", "95% interval"]


def test_plot_fan_on_dates_finds_levels_shows_the_last_rows_and_draws_on_a_given_axes():
    history, forecast = _frames(levels=(80,), horizon=5)
    ax = Figure().subplots()
    assert plot_fan(history, forecast, last=10, ax=ax) is ax
    assert len(ax.lines[0].get_xdata()) == 10
    assert list(_bands(ax)) == ["80% interval"]
    assert ax.get_title() == "y: forecast of 5 step(s), 80% intervals"
    default = plot_fan(history, forecast, levels=[80], title="").axes[0]  # history: max(4 x 5, 24) rows
    assert len(default.lines[0].get_xdata()) == 24 and default.get_title() == ""


def test_no_interval_columns_draws_only_the_lines_and_integer_steps_work():
    history, forecast = _frames(levels=(), dated=False)
    fig = plot_fan(history, forecast)  # no ax=: a new Figure, which Jupyter shows inline
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert _bands(ax) == {} and len(ax.lines) == 3
    (line,) = [line for line in ax.lines if line.get_label() == "Forecast"]
    assert list(line.get_xdata()) == list(range(59, 66))  # from the last actual to the last step


def test_levels_not_in_the_forecast_and_unknown_targets_are_refused():
    history, forecast = _frames(levels=(80,), targets=("a", "b"))
    with pytest.raises(ColumnError, match=r"no column 'a-lo-95'; predict with level=\[95\], or leave levels=None"):
        plot_fan(history, forecast, target="a", levels=[80, 95])
    with pytest.raises(ConfigError, match=r"the forecast has 2 targets \['a', 'b'\]: pass target= one of them"):
        plot_fan(history, forecast)
    with pytest.raises(ColumnError, match=r"'c' is not a forecast column"):
        plot_fans(history, forecast, targets=["a", "c"])
    with pytest.raises(ConfigError, match=r"last=0 must be a positive integer"):
        plot_fan(history, forecast, target="a", last=0)


def test_several_targets_make_a_grid_and_more_than_twelve_are_refused(tmp_path):
    history, forecast = _frames(targets=[f"s{i}" for i in range(5)], levels=(80,))
    fig = plot_fans(history, forecast, targets=["s0", "s3", "s4"], path=tmp_path / "fans.svg")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["s0", "s3", "s4"] and len(fig.axes) == 4  # 2 x 2, one hidden
    assert (tmp_path / "fans.svg").read_text().lstrip().startswith("<?xml")
    many = [f"s{i}" for i in range(13)]
    history, forecast = _frames(targets=many, levels=())
    with pytest.raises(ConfigError) as err:
        plot_fans(history, forecast)
    assert str(err.value) == (
        "plot_fans draws at most 12 panels, got 13 targets: pass targets=[...] with at most 12 of them, "
        "e.g. targets=['s0', 's1', 's2']."
    )


def test_plot_fans_follows_the_plot_path_rules(tmp_path):
    history, forecast = _frames()
    (tmp_path / "old.png").write_bytes(b"old")
    plot_fans(history, forecast, path=tmp_path / "old.png")  # like every plot function: replaced, atomically
    assert (tmp_path / "old.png").read_bytes()[:8] == PNG
    with pytest.raises(ConfigError, match=r"must end in \.png or \.svg"):
        plot_fans(history, forecast, path=tmp_path / "fan.jpg")


def test_plot_forecast_still_draws_a_forecast_that_carries_intervals(tmp_path):
    history, forecast = _frames(quantiles=(0.1,))
    assert forecast_targets(forecast) == ["y"]
    plot_forecast(history, forecast, tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:8] == PNG


def test_calibration_plot_draws_the_diagonal_and_the_observed_coverage(tmp_path):
    table = pd.DataFrame({"level": [50, 80, 95], "coverage": [47.0, 76.5, 93.0], "width": [1.0, 2.0, 3.0]})
    (ax,) = plot_calibration(table, path=tmp_path / "cal.png").axes
    assert (tmp_path / "cal.png").read_bytes()[:8] == PNG
    diagonal, observed = ax.lines
    assert list(diagonal.get_xdata()) == [0, 100] and list(diagonal.get_ydata()) == [0, 100]
    assert list(observed.get_ydata()) == [47.0, 76.5, 93.0]
    assert ax.get_xlim() == (0, 100) and ax.get_ylim() == (0, 100)
    assert ax.get_xlabel() == "nominal coverage (%)" and ax.get_ylabel() == "observed coverage (%)"


def test_quantile_calibration_is_a_reliability_diagram_and_other_tables_are_refused():
    (ax,) = plot_calibration(pd.DataFrame({"quantile": [0.9, 0.1, 0.5], "observed": [0.85, 0.12, 0.5]})).axes
    diagonal, observed = ax.lines
    assert list(diagonal.get_xdata()) == [0, 1] and list(observed.get_xdata()) == [0.1, 0.5, 0.9]
    assert ax.get_title() == "Quantile calibration"
    with pytest.raises(ColumnError, match=r"needs the columns 'level' and 'coverage' \(percent\), or 'quantile'"):
        plot_calibration(pd.DataFrame({"level": [80], "observed": [0.8]}))


def test_plotting_leaves_the_backend_alone_and_import_lstmcast_loads_no_matplotlib(tmp_path):
    code = (
        "import json, sys, lstmcast; lazy = 'matplotlib' not in sys.modules; "
        "import matplotlib; matplotlib.use('svg'); import pandas as pd; "
        "from lstmcast.plot import plot_calibration, plot_fans; "
        "h = pd.DataFrame({'y': [1.0, 2, 3]}); "
        "f = pd.DataFrame({'y': [4.0], 'y-lo-80': [3.0], 'y-hi-80': [5.0]}, index=[3]); "
        f"plot_fans(h, f, path={str(tmp_path / 'f.png')!r}); "
        f"plot_calibration(pd.DataFrame({{'level': [80], 'coverage': [79]}}), path={str(tmp_path / 'c.png')!r}); "
        "print(json.dumps([lazy, matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, "svg", False]
    assert (tmp_path / "f.png").exists() and (tmp_path / "c.png").exists()


def test_without_a_path_every_plot_function_returns_its_figure_and_writes_nothing(tmp_path, monkeypatch):
    from lstmcast.plot import plot_backtest, plot_history, plot_in_sample

    monkeypatch.chdir(tmp_path)
    history, forecast = _frames(levels=(80,))
    in_sample = pd.DataFrame({"y": history["y"], "y_pred": history["y"] + 1.0, "part": "train"})
    runs = pd.DataFrame({"ds": [1, 2], "cutoff": 0, "y": [1.0, 2.0], "forecast": [1.5, 2.5]})  # a backtest frame
    figures = [
        plot_forecast(history, forecast),
        plot_in_sample(history, in_sample, note="holdout MAE 1.0"),
        plot_history([1.0, 0.5], [], space="mae of values min-max scaled"),
        plot_backtest(runs),
        plot_fans(history, forecast),
        plot_fan(history, forecast),
        plot_calibration(pd.DataFrame({"level": [80], "coverage": [79.0]})),
    ]
    assert all(isinstance(fig, Figure) and fig.axes for fig in figures)
    assert figures[1].axes[0].texts[0].get_text() == "holdout MAE 1.0"
    assert figures[2].axes[0].get_ylabel() == "loss: mae of values min-max scaled"
    assert list(tmp_path.iterdir()) == []
    assert plot_forecast(history, forecast, tmp_path / "f.png") == tmp_path / "f.png"  # a path: the path written
