"""``lstmcast backtest``: rolling-origin evaluation of a configuration on a series."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.options import with_model_options, with_role_options
from lstmcast.cli.output import (
    Force,
    emit_json,
    frame_table,
    print_evaluation,
)
from lstmcast.cli.params import Config, DataFile, Dataset, Extra, Json, Level, Quiet
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
@with_role_options()
def backtest(
    data: DataFile = None,
    extra: Extra = None,
    dataset: Dataset = None,
    model: Optional[Path] = typer.Option(None, help="Use a saved model's configuration and columns."),  # noqa: UP045
    config: Config = None,
    folds: int = typer.Option(3, help="Number of forecast origins (folds)."),
    step: Optional[int] = typer.Option(None, help="Rows between origins (default: the horizon)."),  # noqa: UP045
    refit: str = typer.Option("true", help="true (every fold), false (fit once) or k (every k folds)."),
    plot: Optional[Path] = typer.Option(  # noqa: UP045
        None, help="Write each cutoff's forecast over the series (PNG or SVG; many series: up to 12 panels)."
    ),
    output: Optional[Path] = typer.Option(  # noqa: UP045
        None, "--output", "-o", help="Write the forecasts (id, ds, cutoff, y, forecast...) to .csv or .parquet."
    ),
    level: Level = None,
    calibration: Optional[Path] = typer.Option(  # noqa: UP045
        None, help="With --level, one series: write the calibration plot (nominal vs observed coverage, PNG or SVG)."
    ),
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
    model_options: dict = None,
    columns: dict = None,
) -> None:
    """Refit at each origin (or not), forecast the next rows, and score every fold against baselines."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast.cli.intervals import interval_options
        from lstmcast.configfile import model_params, read_config
        from lstmcast.forecaster import Forecaster
        from lstmcast.workflow import backtest_to_files

        cfg = read_config(config)
        base, roles = {}, {}
        if model is not None:  # the saved model's configuration and columns, under the config file's and options'
            saved = Forecaster.load(model)
            base, roles = saved.get_params(), saved.columns_
        source = data_source(data, dataset, cfg)
        columns = {k: v for k, v in column_options({**roles, **cfg}, columns).items() if v is not None}
        levels, _ = interval_options(level, None, extra)
        estimator = Forecaster(**{**base, **model_params(cfg), **model_params(model_options), "verbose": 0})
        result = backtest_to_files(
            estimator, source, columns, folds=folds, step=step,
            refit=parse_refit(refit), level=levels, output=output, plot=plot, calibration=calibration, force=force,
            inputs=[config, model],
        )  # fmt: skip
        panel = not hasattr(result, "evaluations")  # many series: PanelBacktest
        if as_json:
            emit_json(result.to_dict())
            return
        con = console(quiet)
        con.print(frame_table(_fold_table(result.folds), f"{folds} folds (coverage in %)", "fold"))
        if panel:
            o = result.overall
            con.print(frame_table(_overall_table(o), f"All folds: {o['forecasts']} forecasts of {o['series']} series"))
            con.print(
                f"Beats seasonal naive on {o['wins']} of {o['series']} series; relative MASE {o['relative_mase']:.3f}"
                + (f"; {sum(o['left_out'])} series-fold(s) left out as too short" if sum(o["left_out"]) else "")
            )
        else:
            print_evaluation(con, result.overall, f"All folds: {result.overall.n_windows} forecasts")
        if output is not None:
            con.print(f"Forecasts written to {output}")
        if plot is not None:
            con.print(f"Plot written to {plot}")
        if calibration is not None:
            con.print(f"Calibration plot written to {calibration}")


HIDDEN = ("cut", "cutoff", "first_cutoff", "rmse", "model_rmse", "seasonal_naive_mae", "pinball", "scaled_crps")


def _fold_table(folds):
    """The fold figures that fit a terminal: MAE, MASE and each level's coverage (percent) and MSIS."""
    table = folds.drop(columns=[c for c in folds.columns if c in HIDDEN or c.startswith("width_")])
    for col in [c for c in table.columns if c.startswith("coverage_")]:
        table[col] = 100 * table[col]
    return table.set_index("fold")


def _overall_table(overall: dict):
    """The pooled figures of a many-series backtest as a one-row-per-forecaster table."""
    import pandas as pd

    rows = {"model": {}, "seasonal_naive": {}}
    for key in ("mae", "mase"):
        rows["model"][key] = overall[key]
        rows["seasonal_naive"][key] = overall[f"seasonal_naive_{key}"]
    rows["model"]["rmse"] = overall["rmse"]
    rows["seasonal_naive"]["rmse"] = float("nan")
    for key, value in overall.items():
        if key.startswith(("coverage_", "width_", "msis_")) or key == "scaled_crps":
            rows["model"][key] = 100 * value if key.startswith("coverage_") else value
            rows["seasonal_naive"][key] = float("nan")
    table = pd.DataFrame(rows).T
    table.index.name = "forecaster"
    return table
