"""Printing and writing results: rich tables, JSON, CSV / Parquet / JSON files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from lstmcast.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd


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
    table.add_column(index_name or str(frame.index.name or ""))
    for col in frame.columns:
        table.add_column(str(col), justify="right")
    for idx, row in frame.iterrows():
        table.add_row(format_time(idx), *[_fmt(v) for v in row])
    return table


def _fmt(v) -> str:
    if isinstance(v, float):
        return "-" if not math.isfinite(v) else f"{v:.4g}"
    return str(v)


def print_evaluation(con: Console, ev, title: str) -> None:
    con.print(frame_table(ev.table, title, "forecaster"))
    verdict = "better than" if ev.skill > 0 else "worse than"
    con.print(f"Skill: {ev.skill:+.1%} MAE, {verdict} the best baseline ({ev.best_baseline}).")
    if not ev.beats_seasonal_naive:
        con.print(f"[yellow]Warning:[/yellow] the model does not beat seasonal naive (period {ev.period}).")


def print_choices(con: Console, choices: dict) -> None:
    """The settings chosen from the data (left at auto), each with its reason."""
    auto = {k: c for k, c in choices.items() if c.reason != "set by you"}
    if auto:
        con.print("Chosen from the data: " + "; ".join(f"{k}={c.value!r} ({c.reason})" for k, c in auto.items()))


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write by suffix: .csv, .parquet or .json (records with ISO timestamps)."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.reset_index()
    if suffix == ".csv":
        out.to_csv(path, index=False)
    elif suffix in (".parquet", ".pq"):
        out.to_parquet(path, index=False)
    elif suffix == ".json":
        out.to_json(path, orient="records", date_format="iso", indent=1)
    else:
        raise ConfigError(f"output {str(path)!r} must end in .csv, .parquet or .json.")
    return path
