"""Parameters several commands share, declared once (Typer reads ``Annotated`` metadata)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON (machine-readable).")]
DataFile = Annotated[Optional[Path], typer.Argument(help="CSV or Parquet file.")]  # noqa: UP045
Dataset = Annotated[Optional[str], typer.Option(help="Use a shipped dataset instead (see 'lstmcast datasets list').")]  # noqa: UP045
# the column roles' options (--target, --id...) come from the role table: cli/options.with_role_options
Config = Annotated[Optional[Path], typer.Option("--config", help="TOML file with option names as keys.")]  # noqa: UP045
ModelDir = Annotated[Path, typer.Argument(help="Model folder written by 'lstmcast train'.")]
PlotFile = Annotated[Optional[Path], typer.Option(help="Also write a picture (PNG or SVG).")]  # noqa: UP045
Level = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--level", "-l", help="Prediction intervals in percent: --level 80 95 (or 80,95); adds lo-/hi- columns."
    ),
]
Quantiles = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--quantiles", help="Quantiles to forecast: --quantiles 0.1 0.5 0.9 (or 0.1,0.5,0.9)."),
]
# "--level 80 95": the values after the first reach the command as extra arguments (see cli/intervals.py)
Extra = Annotated[Optional[list[str]], typer.Argument(hidden=True)]  # noqa: UP045
