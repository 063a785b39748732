"""``lstmcast evaluate``: score a saved model on data, next to the baselines."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.output import Force, check_plot_path, emit_json, print_evaluation, write_calibration
from lstmcast.cli.params import Extra, Json, Level, ModelDir, Quiet
from lstmcast.errors import ConfigError


@app.command()
def evaluate(
    model: ModelDir,
    extra: Extra = None,
    data: Path = typer.Option(..., help="Series to score (same columns); cut by the model's test/validation."),
    part: str = typer.Option("test", help="test or validation."),
    plot: Optional[Path] = typer.Option(None, help="Write actual vs predictions (PNG or SVG)."),  # noqa: UP045
    level: Level = None,
    calibration: Optional[Path] = typer.Option(  # noqa: UP045
        None, help="With --level: write the calibration plot (nominal vs observed coverage, PNG or SVG)."
    ),
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """MSE, RMSE, MAE, MAPE, sMAPE and MASE on the original scale, with naive baselines."""
    with user_errors(as_json=as_json, quiet=quiet):
        check_plot_path(plot, force, [data])
        if calibration is not None and not level:
            raise ConfigError("--calibration needs --level (the intervals to check), e.g. --level 80 95.")
        check_plot_path(calibration, force, [data, plot])
        from lstmcast import load
        from lstmcast.cli.intervals import interval_options

        levels, _ = interval_options(level, None, extra)
        m = load(model)
        ev = m.evaluate(data=data, part=part, warn=False, level=levels)
        if plot is not None:
            from lstmcast.plot import plot_in_sample

            plot_in_sample(m.actual(data), m.predict_in_sample(data=data), plot)
        if calibration is not None:
            write_calibration(ev, calibration)
        if as_json:
            emit_json(ev.to_dict())
            return
        con = console(quiet)
        print_evaluation(con, ev, f"{part.title()} part: {ev.n_windows} forecasts of {ev.horizon} step(s)")
        if plot is not None:
            con.print(f"Plot written to {plot}")
        if calibration is not None:
            con.print(f"Calibration plot written to {calibration}")
