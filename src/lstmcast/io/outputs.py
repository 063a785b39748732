"""Files the library writes for its users (forecast tables, plots), refused before any work when they would
overwrite an input or an existing file (unless asked), and written atomically (:mod:`lstmcast.io.files`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lstmcast.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd


FRAME_SUFFIXES = (".csv", ".parquet", ".pq", ".json")


def check_frame_path(path: Path, force: bool = False, inputs=()) -> Path:
    """Refuse, before any work, an output that is not .csv/.parquet/.json, is a folder, is one of
    ``inputs`` (the --data file...) or exists (unless ``force``)."""
    from lstmcast.io.files import check_output_path

    if path.suffix.lower() not in FRAME_SUFFIXES:
        raise ConfigError(f"output {str(path)!r} must end in .csv, .parquet or .json.")
    return check_output_path(path, overwrite=force, inputs=inputs)


def check_plot_path(path: Path | None, force: bool = False, inputs=()) -> Path | None:
    """The same for a plot file (.png or .svg); None passes."""
    from lstmcast.io.files import check_output_path

    if path is None:
        return None
    if path.suffix.lower() not in (".png", ".svg"):
        raise ConfigError(f"plot path {str(path)!r} must end in .png or .svg.")
    return check_output_path(path, overwrite=force, inputs=inputs)


def write_frame(frame: pd.DataFrame, path: Path, force: bool = False, inputs=()) -> Path:
    """Write by suffix: .csv, .parquet or .json (records, timestamps as text as ``--json`` writes them), atomically.

    An existing file is replaced only with ``force``; a file in ``inputs`` never.
    """
    from lstmcast.io.files import escape_formulas, write_file

    check_frame_path(path, force, inputs)
    suffix = path.suffix.lower()
    import pandas as pd

    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None  # a long table: no index column
    out = frame if plain else frame.reset_index()
    if suffix == ".csv":  # a spreadsheet opens CSV files: ids such as '=cmd|...' are written as text
        return write_file(path, lambda tmp: escape_formulas(out).to_csv(tmp, index=False))
    if suffix in (".parquet", ".pq"):
        return write_file(path, lambda tmp: out.to_parquet(tmp, index=False))
    # timestamps as text, as --json and the service write them: "2024-01-01", "2024-01-01 12:30:00"
    stamps = {c: str for c in out.columns if pd.api.types.is_datetime64_any_dtype(out[c])}
    text = out.astype(stamps) if stamps else out
    return write_file(path, lambda tmp: text.to_json(tmp, orient="records", indent=1))
