"""``lstmcast datasets``: list, describe and export the shipped datasets."""

from pathlib import Path

import typer

from lstmcast.cli.app import Group, app, console, user_errors
from lstmcast.cli.output import Force, check_frame_path, emit_json, frame_table, write_frame
from lstmcast.cli.params import Json, Quiet

datasets_app = typer.Typer(
    cls=Group, help="The datasets shipped inside lstmcast (no network needed).", no_args_is_help=True
)
app.add_typer(datasets_app, name="datasets")


def _info_dict(name: str) -> dict:
    from dataclasses import asdict

    from lstmcast import datasets

    data = datasets.load(name)
    columns = [data.name] if data.ndim == 1 else list(data.columns)
    return {**asdict(datasets.info(name)), "rows": len(data), "columns": columns}


@datasets_app.command("list")
def list_datasets(as_json: Json = False) -> None:
    """Names, sizes and descriptions."""
    with user_errors(as_json=as_json):
        from rich.table import Table

        from lstmcast import datasets

        infos = [_info_dict(n) for n in datasets.names()]
        if as_json:
            emit_json(infos)
            return
        table = Table(title="Shipped datasets")
        for col in ("name", "rows", "frequency", "target", "description"):
            table.add_column(col)
        for i in infos:
            table.add_row(i["name"], str(i["rows"]), str(i["frequency"] or "steps"), i["target"], i["description"])
        console().print(table)


@datasets_app.command()
def describe(
    name: str = typer.Argument(..., help="Dataset name (see 'lstmcast datasets list')."),
    as_json: Json = False,
) -> None:
    """Provenance, licence, columns and recommended settings of one dataset."""
    with user_errors(as_json=as_json):
        from lstmcast import datasets

        info = _info_dict(name)
        if as_json:
            emit_json(info)
            return
        con = console()
        for key, value in info.items():
            con.print(f"[bold]{key}[/bold]: {value}", highlight=False)
        data = datasets.load(name)
        frame = data.to_frame() if hasattr(data, "to_frame") else data
        con.print(frame_table(frame.head(5), "first rows"))


@datasets_app.command()
def export(
    name: str = typer.Argument(..., help="Dataset name."),
    path: Path = typer.Argument(..., help="Where to write it: .csv, .parquet or .json."),
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Write a dataset to a file, with its time column first (an existing file only with --force)."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast import datasets

        check_frame_path(path, force)
        data = datasets.load(name)
        frame = data.to_frame() if hasattr(data, "to_frame") else data
        write_frame(frame, path, force)
        if as_json:
            emit_json(
                {"dataset": name, "path": str(path), "rows": len(frame), "columns": list(frame.reset_index().columns)}
            )
            return
        console(quiet).print(f"Wrote {len(frame)} rows of {name} to {path}")
