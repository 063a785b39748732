"""``lstmcast explain``: why a saved model forecasts what it does (integrated gradients)."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.output import Force, check_plot_path, emit_json, frame_table
from lstmcast.cli.params import Json, ModelDir, Quiet


@app.command()
def explain(
    model: ModelDir,
    data: Optional[Path] = typer.Option(None, help="Newer history (same columns); default: the training data's end."),  # noqa: UP045
    future: Optional[Path] = typer.Option(  # noqa: UP045
        None, help="Values of the model's known-in-advance (--future) columns over the forecast steps: CSV or Parquet."
    ),
    plot: Optional[Path] = typer.Option(None, help="Write the attributions as a picture (PNG or SVG)."),  # noqa: UP045
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Attribute the next forecast to each lag and input column (integrated gradients; they add up to the
    forecast minus that of a flat history)."""
    with user_errors(as_json=as_json, quiet=quiet):
        check_plot_path(plot, force, [data, future])
        from lstmcast import load
        from lstmcast.data.sources import read_source

        m = load(model)
        fut = read_source(future) if future is not None else None
        e = m.explain(data=data, future=fut)
        if plot is not None:
            from lstmcast.plot import plot_explanation

            plot_explanation(e, plot)
        if as_json:
            emit_json(
                {
                    "space": e.space,
                    "targets": list(e.targets),
                    "forecast": e.forecast[0].tolist(),
                    "baseline": e.baseline[0].tolist(),
                    "by_column": {c: e.by_column()[c].tolist() for c in e.by_column().columns},
                    "by_lag": {c: e.by_lag()[c].tolist() for c in e.by_lag().columns},
                    "plot": str(plot) if plot else None,
                }
            )
            return
        con = console(quiet)
        con.print(
            f"Attributions ({e.space} scale) of each forecast step to the inputs: they add up to the forecast "
            "minus the forecast from a flat history (each input at its window mean).",
            highlight=False,
        )
        con.print(frame_table(e.by_column().reset_index().set_index("step"), "By input column", "step"))
        con.print(frame_table(e.by_lag().reset_index().set_index("step"), "By lag (t-0: the last row)", "step"))
        if plot is not None:
            con.print(f"Plot written to {plot}")
