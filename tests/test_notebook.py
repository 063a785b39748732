"""Working in a notebook or at the prompt: the summary prints and shows, plots return Figures, long work reports
its progress where someone watches, and the loss says what it is measured on."""

import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from lstmcast import Forecaster
from lstmcast.errors import ConfigError
from lstmcast.nn.summary import Summary
from lstmcast.train.progress import resolve_verbose

SMALL = dict(units=8, epochs=3, ensemble=1, verbose=0, seed=0)  # tests/test_intervals.py's: programs are shared


def noisy_sine(n=240, sd=0.3, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(10 + np.sin(2 * np.pi * t / 12) + rng.normal(0, sd, n), name="y")


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(horizon=4, seasonal_period=12, **SMALL).fit(noisy_sine())


def test_summary_prints_like_keras_and_returns_the_table_which_shows_as_itself(fitted, capsys):
    table = fitted.summary()
    printed = capsys.readouterr().out
    assert isinstance(table, Summary) and printed == str(table) + "\n"
    assert repr(table) == str(table) and "Total params:" in repr(table) and "\\n" not in repr(table)
    assert table._repr_html_().startswith("<pre>") and "Layer (type)" in table._repr_html_()
    lines = []
    assert fitted.summary(print_fn=lines.append) == table and lines == [str(table)]
    assert fitted.summary(print_fn=None) == table and capsys.readouterr().out == ""


def test_plot_returns_a_figure_for_each_kind_and_writes_only_when_given_a_path(fitted, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    forecast, fit, loss = fitted.plot(), fitted.plot("fit"), fitted.plot(kind="loss")
    assert all(isinstance(fig, Figure) for fig in (forecast, fit, loss)) and list(tmp_path.iterdir()) == []
    assert loss.axes[0].get_ylabel().startswith("loss: mae of values")
    assert fitted.plot(path=tmp_path / "f.svg") == tmp_path / "f.svg" and (tmp_path / "f.svg").exists()
    with pytest.raises(ConfigError, match=r"kind='fan' is not supported: use one of 'forecast', 'fit', 'loss'"):
        fitted.plot("fan")


def test_verbose_auto_shows_progress_at_the_prompt_and_is_silent_in_scripts(monkeypatch):
    assert Forecaster().verbose == "auto"
    assert resolve_verbose("auto") == 0  # pytest is no interactive session
    monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)
    assert resolve_verbose("auto") == 1 and resolve_verbose(0) == 0 and resolve_verbose(2) == 2
    with pytest.raises(ConfigError, match=r"verbose=3 must be 'auto' \(progress in interactive sessions\), 0"):
        Forecaster(verbose=3).fit(noisy_sine())


def test_fit_says_what_its_loss_is_measured_on_and_calibration_says_it_runs(capsys):
    model = Forecaster(horizon=4, seasonal_period=12, combine=False, **{**SMALL, "verbose": 2}).fit(noisy_sine())
    out = capsys.readouterr().out
    assert f"Loss: {model.loss_space_}\n" in out and "Epoch 3/3" in out
    assert model.loss_space_.startswith("mae of values") and "evaluate() scores the original scale" in out
    model.calibrate()
    out = capsys.readouterr().out
    assert out.startswith("Calibrating prediction intervals: training a copy on rows 1..")
    model.set_params(verbose=0)
    model.calibrate()
    assert capsys.readouterr().out == ""
    model.predict(level=[80])  # calibrated: predicting prints nothing and trains nothing
    assert capsys.readouterr().out == ""


def test_backtest_reports_each_refit_and_is_silent_with_verbose_0(capsys):
    model = Forecaster(horizon=4, seasonal_period=12, **{**SMALL, "verbose": 2})
    model.backtest(noisy_sine(), folds=2)
    out = capsys.readouterr().out
    assert "Backtest fit 1/2 - fold 1, trained on rows 1..232" in out and "Backtest fit 2/2" in out
    assert "Epoch" not in out  # the refits themselves are silent
    model.set_params(verbose=0).backtest(noisy_sine(), folds=2)
    assert capsys.readouterr().out == ""


def test_help_states_the_real_defaults():
    doc = Forecaster.__doc__
    assert "loss = 'mae'" in doc and "window = 'auto'" in doc and "test = 0" in doc and "verbose = 'auto'" in doc
    assert "80/20" not in doc and "MSE)" not in doc


def test_figures_show_inline_without_pyplot(fitted):
    png = fitted.plot()._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and "matplotlib.pyplot" not in sys.modules


def test_in_jupyter_without_widgets_the_bar_is_one_line_rewritten_each_epoch(capsys, monkeypatch):
    from rich.console import Console

    from lstmcast.train import progress

    monkeypatch.setattr(progress, "_bar_works", lambda console: not console.is_jupyter)
    callback = progress.epoch_printer(1, Console(force_jupyter=True))
    for epoch in (1, 2):
        callback(epoch, 2, {"loss": 0.5, "seconds": 0.01})
    assert capsys.readouterr().out == "\rEpoch 1/2 - 0.01s - loss: 0.5\rEpoch 2/2 - 0.01s - loss: 0.5\n"
