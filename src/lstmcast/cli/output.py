"""Printing and writing results: rich tables, JSON, CSV / Parquet / JSON files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from lstmcast.errors import ConfigError
from lstmcast.io.outputs import FRAME_SUFFIXES, check_frame_path, check_plot_path, write_frame  # noqa: F401

if TYPE_CHECKING:
    import pandas as pd

# declared here, next to the writers it unlocks (cli/params.py holds the other shared options)
Force = Annotated[bool, typer.Option("--force", help="Replace existing output files (never the input files).")]


def emit_json(obj) -> None:
    """Machine-readable output on stdout (NaN and inf become null)."""
    typer.echo(json.dumps(_clean(obj), indent=2, default=str))


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def frame_table(frame: pd.DataFrame, title: str = "", index_name: str | None = None) -> Table:
    from lstmcast.data.timefmt import format_time

    table = Table(title=title or None)
    table.add_column(index_name or str(frame.index.name or ""), no_wrap=True, min_width=10)
    # one target with interval columns: "y-lo-80" is shown as "lo-80" (the written file keeps full names)
    first = str(frame.columns[0]) if len(frame.columns) else ""
    prefix = first + "-"
    short = all(str(c) == first or str(c).startswith(prefix) for c in frame.columns) and len(frame.columns) > 1
    for col in frame.columns:
        name = str(col)[len(prefix) :] if short and str(col) != first else str(col)
        table.add_column(name, justify="right")
    for idx, row in frame.iterrows():
        table.add_row(format_time(idx), *[_fmt(v) for v in row])
    return table


def _fmt(v) -> str:
    if type(v).__name__ == "Timestamp":  # pandas, not imported at startup
        from lstmcast.data.timefmt import format_time

        return format_time(v)
    if isinstance(v, float):
        return "-" if not math.isfinite(v) else f"{v:.4g}"
    return str(v)


def print_evaluation(con: Console, ev, title: str) -> None:
    con.print(frame_table(ev.table, title, "forecaster"))
    verdict = "better than" if ev.skill > 0 else "worse than"
    con.print(f"Skill: {ev.skill:+.1%} MAE, {verdict} the best baseline ({ev.best_baseline}).")
    if not ev.beats_seasonal_naive:
        con.print(f"[yellow]Warning:[/yellow] the model does not beat seasonal naive (period {ev.period}).")
    if ev.intervals is not None:
        table = ev.intervals.copy()
        for col in [c for c in table.columns if c.startswith("coverage_")]:
            table[col] = 100 * table[col]  # percent, like the levels
        con.print(
            frame_table(table, "Prediction intervals (coverage in %; MSIS and CRPS scaled like MASE)", "forecaster")
        )
        cal = ev.calibration
        lines = ", ".join(f"{r.level:g}% -> {r.coverage:.1f}%" for r in cal.itertuples())
        con.print(f"Calibration (nominal -> observed coverage over {int(cal['n'].iloc[0])} values): {lines}")


def print_choices(con: Console, choices: dict) -> None:
    """The settings chosen from the data (left at auto), each with its reason."""
    auto = {k: c for k, c in choices.items() if c.reason != "set by you"}
    if auto:
        con.print("Chosen from the data: " + "; ".join(f"{k}={c.value!r} ({c.reason})" for k, c in auto.items()))


def write_calibration(ev, path: Path) -> None:
    """The calibration plot of an evaluation scored with --level."""
    from lstmcast.plot import plot_calibration

    if ev.calibration is None:
        raise ConfigError("--calibration needs --level (the intervals to check), e.g. --level 80 95.")
    plot_calibration(ev.calibration, path=path)
