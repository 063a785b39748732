"""``lstmcast backtest``: rolling-origin evaluation of a configuration on a series."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.options import with_model_options
from lstmcast.cli.output import Force, check_plot_path, emit_json, frame_table, print_evaluation, write_calibration
from lstmcast.cli.params import Config, DataFile, Dataset, Extra, Features, Future, Json, Level, Quiet, Target, Time
from lstmcast.cli.train import column_options, data_source
from lstmcast.errors import ConfigError


def parse_refit(text: str):
    low = text.lower()
    if low in ("true", "yes", "1", "always"):
        return True
    if low in ("false", "no", "0", "never"):
        return False
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"--refit {text!r} must be true, false, or a number k (refit every k folds).") from None


@app.command()
@with_model_options
def backtest(
    data: DataFile = None,
    extra: Extra = None,
    dataset: Dataset = None,
    model: Optional[Path] = typer.Option(None, help="Use a saved model's configuration and columns."),  # noqa: UP045
    target: Target = None,
    time: Time = None,
    features: Features = None,
    future: Future = None,
    config: Config = None,
    folds: int = typer.Option(3, help="Number of forecast origins (folds)."),
    step: Optional[int] = typer.Option(None, help="Rows between origins (default: the horizon)."),  # noqa: UP045
    refit: str = typer.Option("true", help="true (every fold), false (fit once) or k (every k folds)."),
    plot: Optional[Path] = typer.Option(None, help="Write the folds' forecasts over the series (PNG or SVG)."),  # noqa: UP045
    level: Level = None,
    calibration: Optional[Path] = typer.Option(  # noqa: UP045
        None, help="With --level: write the calibration plot (nominal vs observed coverage, PNG or SVG)."
    ),
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
    model_options: dict = None,
) -> None:
    """Refit at each origin (or not), forecast the next rows, and score every fold against baselines."""
    with user_errors(as_json=as_json):
        check_plot_path(plot, force, [data, config])
        if calibration is not None and not level:
            raise ConfigError("--calibration needs --level (the intervals to check), e.g. --level 80 95.")
        check_plot_path(calibration, force, [data, config, plot])
        from lstmcast.configfile import model_params, read_config
        from lstmcast.forecaster import Forecaster

        cfg = read_config(config)
        base, roles = {}, {}
        if model is not None:  # the saved model's configuration and columns, under the config file's and options'
            saved = Forecaster.load(model)
            base, roles = saved.get_params(), saved.columns_()
        source = data_source(data, dataset, cfg)
        columns = column_options({**roles, **cfg}, target=target, time=time, features=features, future=future)
        estimator = Forecaster(**{**base, **model_params(cfg), **model_params(model_options), "verbose": 0})
        from lstmcast.cli.intervals import interval_options

        levels, _ = interval_options(level, None, extra)
        result = estimator.backtest(source, **columns, folds=folds, step=step, refit=parse_refit(refit), level=levels)
        if plot is not None:
            from lstmcast.plot import plot_backtest

            plot_backtest(result.predictions, plot)
        if calibration is not None:
            write_calibration(result.overall, calibration)
        if as_json:
            emit_json(result.to_dict())
            return
        con = console(quiet)
        con.print(frame_table(result.folds.set_index("fold"), f"{folds} folds", "fold"))
        print_evaluation(con, result.overall, f"All folds: {result.overall.n_windows} forecasts")
        if plot is not None:
            con.print(f"Plot written to {plot}")
        if calibration is not None:
            con.print(f"Calibration plot written to {calibration}")
