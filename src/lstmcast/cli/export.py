"""``lstmcast export``: a saved model as an ONNX graph, with its description as JSON beside it."""

from pathlib import Path
from typing import Annotated

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.params import Quiet

ModelDir = Annotated[Path, typer.Argument(metavar="MODEL_DIR", help="Model folder written by 'lstmcast train'.")]


@app.command()
def export(
    model: ModelDir,
    onnx: Path = typer.Option(..., "--onnx", help="The ONNX file to write (.onnx); its description goes beside it."),
    overwrite: bool = typer.Option(False, "--overwrite", "--force", help="Replace existing output files."),
    quiet: Quiet = False,
) -> None:
    """Export a saved model's forecast as an ONNX graph: raw history in, original-scale forecast out.

    The graph holds the network: train with --no-combine (the default combines it with statistical
    forecasts) and a point loss (mae, mse, huber), without --static, without short series padded on
    the left, and with normalize other than es or mixed. A model that cannot be exported is refused
    with every reason at once.
    """
    with user_errors(quiet=quiet):
        from lstmcast import load

        m = load(model)
        path = m.to_onnx(onnx, overwrite=overwrite)
        console(quiet).print(f"Wrote {path} and {path}.json (inputs, time index, what runs outside the graph).")
