"""``lstmcast predict``: forecast with a saved model."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.output import Force, check_frame_path, check_plot_path, emit_json, frame_table, write_frame
from lstmcast.cli.params import Extra, Json, Level, ModelDir, Quantiles, Quiet

PANEL_ROWS = 20  # rows of a many-series forecast printed (all of them go to --output)


@app.command()
def predict(
    model: ModelDir,
    extra: Extra = None,
    data: Optional[Path] = typer.Option(None, help="Newer history (same columns); default: the training data's end."),  # noqa: UP045
    horizon: Optional[int] = typer.Option(None, help="Steps to forecast (default: the model's horizon)."),  # noqa: UP045
    future: Optional[Path] = typer.Option(  # noqa: UP045
        None, help="Values of the model's known-in-advance (--future) columns over the forecast steps: CSV or Parquet."
    ),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the forecast: .csv, .parquet, .json."),  # noqa: UP045
    plot: Optional[Path] = typer.Option(None, help="Write the forecast after the history (PNG or SVG)."),  # noqa: UP045
    level: Level = None,
    quantiles: Quantiles = None,
    ids: Optional[str] = typer.Option(  # noqa: UP045
        None,
        "--ids",
        help="Many series: the series --plot draws, comma-separated (an id with a comma: a\\,b).",
    ),
    samples: Optional[int] = typer.Option(  # noqa: UP045
        None, help="Sample paths per ensemble member behind a recursive distribution model's intervals."
    ),
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Forecast the steps after the end of the data, on the original scale (with --level: intervals)."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast.cli.intervals import interval_options
        from lstmcast.data.sources import read_source
        from lstmcast.forecaster import Forecaster
        from lstmcast.io.saving import OURS, read_model

        # never over an input (the data, the future values, the model's own files); existing files only with --force
        inputs = [data, future, *(model / name for name in OURS)]
        if output is not None:
            check_frame_path(output, force, inputs)
        check_plot_path(plot, force, [*inputs, output])
        levels, qs = interval_options(level, quantiles, extra)
        state = read_model(model)  # checked whole; its document_sha256 names the saved version, as serve says
        m = Forecaster.from_state(state)
        ids_as_text = (m.panel_.id_name,) if m.is_panel_ else ()  # "007" stays "007"
        fut = read_source(future, text=ids_as_text) if future is not None else None
        forecast = m.predict(horizon=horizon, data=data, future=fut, level=levels, quantiles=qs, samples=samples)
        if output is not None:
            write_frame(forecast, output, force, inputs)
        if plot is not None:
            from lstmcast.plot import plot_fans, plot_forecast

            if m.is_panel_:  # a few series (--ids), or up to 12 spread over the ids
                from lstmcast.configfile import split_names
                from lstmcast.plot import plot_series

                chosen = split_names(ids) if ids else None  # an id holding a comma: "a\\,b"
                steps = len(forecast) // m.panel_.n_series
                plot_series(m.actual(data), forecast, m.panel_.id_name, chosen, path=plot, last=4 * steps)
            elif levels:  # shaded bands for the intervals
                plot_fans(m.actual(data), forecast, path=plot, last=max(4 * len(forecast), 3 * m.window_))
            else:
                plot_forecast(m.actual(data), forecast, plot, last=max(4 * len(forecast), 3 * m.window_))
        if as_json:
            records = forecast if m.is_panel_ else forecast.reset_index()
            time_col = forecast.columns[1] if m.is_panel_ else records.columns[0]
            forecast_records = records.astype({time_col: str}).to_dict(orient="records")
            emit_json({"model": model.name, "checksum": state["document_sha256"], "forecast": forecast_records})
            return
        con = console(quiet)
        if m.is_panel_:  # a long table: the first rows, and how to get them all
            shown = forecast.head(PANEL_ROWS).set_index(forecast.columns[0])
            title = f"Forecast of {m.panel_.n_series} series x {len(forecast) // m.panel_.n_series} step(s)"
            con.print(frame_table(shown, title, forecast.columns[0]))
            if len(forecast) > PANEL_ROWS:
                con.print(f"... {len(forecast) - PANEL_ROWS:,} more rows: --output FILE writes them all.")
        else:
            con.print(frame_table(forecast, f"Forecast of {len(forecast)} step(s)", forecast.index.name or "time"))
        if not m.is_panel_ and m.series_.index_note:
            con.print(f"Time index: {m.series_.index_note}", highlight=False)
        if output is not None:
            con.print(f"Forecast written to {output}")
        if plot is not None:
            con.print(f"Plot written to {plot}")
