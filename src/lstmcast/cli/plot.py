"""``lstmcast plot``: pictures of a saved model: forecast, fit, or loss curves."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.output import Force, check_plot_path, emit_json
from lstmcast.cli.params import Json, ModelDir, Quiet
from lstmcast.errors import ConfigError

KINDS = ("forecast", "fit", "loss")


@app.command()
def plot(
    model: ModelDir,
    out: Path = typer.Option(Path("lstmcast-plot.png"), "--out", "-o", help="PNG or SVG file to write."),
    kind: str = typer.Option("forecast", help="forecast (after the history), fit (actual vs predictions), loss."),
    data: Optional[Path] = typer.Option(None, help="Series to plot (needed for 'fit'; newer history for 'forecast')."),  # noqa: UP045
    horizon: Optional[int] = typer.Option(None, help="Steps to forecast."),  # noqa: UP045
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Draw a saved model's forecast, its fit over the data, or its training loss."""
    with user_errors(as_json=as_json, quiet=quiet):
        check_plot_path(out, force, [data])
        from lstmcast import load
        from lstmcast.plot import plot_forecast, plot_history, plot_in_sample

        if kind not in KINDS:
            raise ConfigError.choice("kind", kind, KINDS)
        m = load(model)
        if kind == "forecast":
            forecast = m.predict(horizon=horizon, data=data)
            plot_forecast(m.actual(data), forecast, out, last=max(4 * len(forecast), 3 * m.window_))
        elif kind == "fit":
            if data is None:
                raise ConfigError("--kind fit needs --data: a saved model keeps only the rows it forecasts from.")
            plot_in_sample(m.actual(data), m.predict_in_sample(data=data), out)
        else:
            if not m.history_.loss:  # weights imported (from_keras): an empty chart would say nothing
                raise ConfigError(
                    f"{str(model)!r} has no training history (its weights were not trained by lstmcast, e.g. "
                    "imported from Keras): there is no loss curve to plot; use --kind forecast or fit."
                )
            plot_history(m.history_.loss, m.history_.val_loss, out)
        if as_json:
            emit_json({"plot": str(out), "kind": kind})
            return
        console(quiet).print(f"Plot written to {out}")
