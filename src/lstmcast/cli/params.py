"""Parameters several commands share, declared once (Typer reads ``Annotated`` metadata)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON (machine-readable).")]
DataFile = Annotated[Optional[Path], typer.Argument(help="CSV or Parquet file.")]  # noqa: UP045
Dataset = Annotated[Optional[str], typer.Option(help="Use a shipped dataset instead (see 'lstmcast datasets list').")]  # noqa: UP045
Target = Annotated[Optional[str], typer.Option(help="Column(s) to forecast, comma-separated.")]  # noqa: UP045
Time = Annotated[Optional[str], typer.Option(help="Time column (default: the index, or row steps).")]  # noqa: UP045
Features = Annotated[Optional[str], typer.Option(help="Past-only input columns, comma-separated, or 'all'.")]  # noqa: UP045
Future = Annotated[Optional[str], typer.Option(help="Input columns known in advance, comma-separated.")]  # noqa: UP045
Config = Annotated[Optional[Path], typer.Option("--config", help="TOML file with option names as keys.")]  # noqa: UP045
ModelDir = Annotated[Path, typer.Argument(help="Model folder written by 'lstmcast train'.")]
PlotFile = Annotated[Optional[Path], typer.Option(help="Also write a picture (PNG or SVG).")]  # noqa: UP045
