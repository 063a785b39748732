"""The command line's workflows as library functions: ``lstmcast train`` and ``lstmcast backtest`` each call one
and print what it returns, so a notebook or a scheduler runs exactly what the command runs.

:func:`train_to_folder`: refuse an output that would overwrite an input or an existing file, before any
work -> fit -> calibrate the intervals (unless asked not to) -> save the model with the ``config.toml``
that reproduces it, in one atomic swap -> score the test part (or the calibration copy's holdout) ->
plot the fit.

:func:`backtest_to_files`: the same refusals -> rolling-origin backtest -> write the forecasts
(CSV or Parquet), each cutoff's forecast plot and the interval calibration plot.

Errors are the library's own (one line each); Ctrl-C during training raises ``TrainingInterrupted``
before the first epoch finished, and after it the best weights are saved and ``interrupted`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lstmcast.errors import ConfigError
from lstmcast.io.outputs import check_frame_path, check_plot_path, write_frame


@dataclass(frozen=True)
class Trained:
    """What :func:`train_to_folder` did: the fitted model, where it was saved, and how it scored."""

    model: object  # the fitted Forecaster
    out: Path  # the model folder (weights, model.json, config.toml)
    evaluation: object | None  # the test part's Evaluation (test= set, one series)
    holdout: object | None  # else the calibration copy's forecasts of the newest rows, scored (one series)
    plot: Path | None  # the fit's picture, when asked

    @property
    def interrupted(self) -> bool:
        """Ctrl-C ended training early: the best weights so far were saved."""
        return bool(self.model.history_.interrupted)


def train_to_folder(
    model,
    data,
    out: str | Path,
    columns: dict | None = None,
    *,
    intervals: bool = True,
    plot: str | Path | None = None,
    force: bool = False,
    inputs=(),
    sep: str | None = None,
    on_epoch_end=None,
    say: Callable[[str], None] = print,
) -> Trained:
    """Fit ``model`` (a Forecaster, configured) on ``data`` (its ``columns``: fit's role keywords), save it to ``out``.

    intervals: calibrate conformal intervals when the fit did not (about one more fit), so the saved model
    answers ``predict(level=...)``. plot: also draw the fit (one series). force: replace an ``out`` folder
    that is not an lstmcast model, and an existing plot. inputs: files no output may replace (the data
    file is always one). sep: the separator of a CSV data file (the config.toml then records no data path).
    say: where progress lines go (``print``; the CLI's console).
    """
    from lstmcast.configfile import config_toml
    from lstmcast.data.panel_load import many_series
    from lstmcast.io.saving import check_save_path, save

    out, plot = Path(out), None if plot is None else Path(plot)
    columns = dict(columns or {})
    data_path = Path(data) if isinstance(data, (str, Path)) else None
    inputs = [data_path, *inputs]  # never an output, whatever force says
    check_save_path(out, force, inputs=inputs)
    check_plot_path(plot, force, inputs)
    if plot is not None and many_series(data, columns.get("id"), columns.get("target"), columns.get("time")):
        raise ConfigError("--plot of the training fit is not available for many series yet; leave --plot out.")
    if sep is not None and data_path is not None:  # read here: config.toml then records no data path
        from lstmcast.data.sources import read_source

        data, data_path = read_source(data_path, sep="\t" if sep in ("\\t", "tab") else sep), None
    model.fit(data, **columns, on_epoch_end=on_epoch_end)
    panel = model.is_panel_
    calibrated = getattr(model, "calibration_", None) is not None  # combine=True calibrates inside fit
    if intervals and not calibrated and not model.history_.interrupted and model.loss_.kind == "point":
        say("Calibrating prediction intervals (about one more fit; --no-intervals skips it)...")
        model.calibrate()  # kept with the model: predict(level=...) needs no training data
    toml = config_toml(model.get_params(), columns, data_path)  # in the same atomic swap as the weights
    save(model.to_state(), out, overwrite=force, extra_files={"config.toml": toml}, replace_model=True, inputs=inputs)
    evaluation = model.evaluate(warn=False) if not panel and model.split_.n_test else None
    holdout = None if (panel or evaluation is not None) else getattr(model, "holdout_", None)
    if plot is not None:
        from lstmcast.plot import plot_in_sample

        plot_in_sample(model.actual(), model.predict_in_sample(), plot, note=fit_note(evaluation, holdout))
    return Trained(model, out, evaluation, holdout, plot)


def fit_note(evaluation, holdout) -> str:
    """The fit plot's line on how the model forecasts rows it did not see (empty without a score)."""
    from lstmcast.plot import score_note

    return score_note(evaluation, "test part") if evaluation is not None else score_note(holdout, "holdout")


def backtest_to_files(
    model,
    data,
    columns: dict | None = None,
    *,
    folds: int = 3,
    step: int | None = None,
    refit=True,
    level=None,
    output: str | Path | None = None,
    plot: str | Path | None = None,
    calibration: str | Path | None = None,
    force: bool = False,
    inputs=(),
):
    """Backtest ``model``'s configuration (a Forecaster, fitted or not; left unchanged) on ``data`` (its
    ``columns``) and write what was asked.

    output: the forecasts, NeuralForecast's cross-validation frame (.csv or .parquet). plot: each
    cutoff's forecast over the series (many series: up to 12 panels). calibration: with ``level``, the
    observed against nominal coverage (one series). Every path is refused before any work when it
    would replace an input or an existing file (unless ``force``). Returns the backtest.
    """
    from lstmcast.data.panel_load import many_series

    output, plot, calibration = (None if p is None else Path(p) for p in (output, plot, calibration))
    columns = dict(columns or {})
    inputs = [Path(data) if isinstance(data, (str, Path)) else None, *inputs]
    if output is not None:
        if output.suffix.lower() not in (".csv", ".parquet", ".pq"):
            raise ConfigError(f"--output {str(output)!r} must end in .csv or .parquet.")
        check_frame_path(output, force, inputs)
    check_plot_path(plot, force, [*inputs, output])
    if calibration is not None and not level:
        raise ConfigError("--calibration needs --level (the intervals to check), e.g. --level 80 95.")
    check_plot_path(calibration, force, [*inputs, plot, output])
    if calibration is not None and many_series(data, columns.get("id"), columns.get("target"), columns.get("time")):
        raise ConfigError("--calibration is for one series for now; leave it out for a long table (--id).")
    result = model.backtest(data, **columns, folds=folds, step=step, refit=refit, level=level)
    if output is not None:
        write_frame(result.predictions, output, force, inputs)
    if plot is not None:
        from lstmcast.plot import plot_backtest

        plot_backtest(result.predictions, plot)
    if calibration is not None:
        from lstmcast.plot import plot_calibration

        plot_calibration(result.overall.calibration, path=calibration)
    return result
