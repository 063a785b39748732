"""``lstmcast tune``: search the network's settings with Optuna and write the best as a train --config TOML."""

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.backtest import parse_refit
from lstmcast.cli.options import with_model_options, with_role_options
from lstmcast.cli.output import Force, emit_json, frame_table
from lstmcast.cli.params import Config, DataFile, Dataset, Json, Quiet
from lstmcast.cli.train import column_options, data_source
from lstmcast.errors import ConfigError


def check_toml_path(path: Optional[Path], force: bool, inputs) -> Optional[Path]:  # noqa: UP045
    """An --output that ends in .toml, is no input file, and is new (or --force)."""
    from lstmcast.io.files import check_output_path

    if path is None:
        return None
    if path.suffix.lower() != ".toml":
        raise ConfigError(f"--output {str(path)!r} must end in .toml (it is read by lstmcast train --config).")
    return check_output_path(path, overwrite=force, inputs=inputs)


@app.command()
@with_model_options
@with_role_options()
def tune(
    data: DataFile = None,
    dataset: Dataset = None,
    config: Config = None,
    trials: int = typer.Option(20, "--trials", help="Number of trials (settings tried)."),
    space: Optional[Path] = typer.Option(  # noqa: UP045
        None,
        help="TOML search space replacing the default: units = [32, 64], "
        "learning_rate = {low = 1e-4, high = 1e-2, log = true}.",
    ),
    metric: str = typer.Option("mase", help="What trials are scored by: mase, mae or rmse."),
    folds: int = typer.Option(3, help="Rolling origins per trial, a horizon apart (fewer on short series)."),
    refit: str = typer.Option("false", help="Refit at every origin (true), once (false) or every k origins."),
    output: Optional[Path] = typer.Option(  # noqa: UP045
        None, "--output", "-o", help="Write the best settings as a TOML file for 'lstmcast train --config'."
    ),
    force: Force = False,
    quiet: Quiet = False,
    as_json: Json = False,
    model_options: dict = None,
    columns: dict = None,
) -> None:
    """Search the network's settings (Optuna, seeded by --seed), each trial scored on rolling origins."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast.configfile import config_toml, model_params, read_config
        from lstmcast.forecaster import Forecaster
        from lstmcast.io.files import write_file
        from lstmcast.tuning.space import read_space
        from lstmcast.tuning.study import import_optuna

        import_optuna()  # refused before reading anything when the extra is missing
        cfg = read_config(config)
        source = data_source(data, dataset, cfg)
        data_path = source if isinstance(source, Path) else None
        check_toml_path(output, force, [data_path, config, space])
        columns = column_options(cfg, columns)
        searched = read_space(space) if space is not None else None
        model = Forecaster(**{**model_params(cfg), **model_params(model_options)})
        result = model.tune(
            source, n_trials=trials, space=searched, metric=metric, folds=folds, refit=parse_refit(refit), **columns
        )
        if output is not None:
            kept = {k: v for k, v in columns.items() if v is not None}
            comment = (
                f"trains the best of {len(result.trials)} trials of lstmcast tune "
                f"({result.metric} {result.best_score:.4g} over {result.folds} origin(s))"
            )
            text = config_toml(result.params, kept, data_path, comment=comment)
            write_file(output, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        if as_json:
            emit_json({**result.to_dict(), "output": str(output) if output else None})
            return
        con = console(quiet)
        for note in result.notes:
            con.print(note, highlight=False)
        con.print(frame_table(_shown(result.trials), f"{len(result.trials)} trials", "trial"))
        for number, error in result.trials["error"].items():  # below the table: a sentence per failed trial
            if error:
                con.print(f"[yellow]Trial {number} failed:[/yellow] {escape(error)}", highlight=False)
        best = ", ".join(f"{k}={_text(v)}" for k, v in result.best_params.items())
        con.print(
            f"Best: {best}; {result.metric} {result.best_score:.4g} over {result.folds} origin(s) "
            f"(seasonal naive {result.seasonal_naive_score:.4g}).",
            highlight=False,
        )
        if output is not None:
            con.print(f"Best settings written to {output} (lstmcast train --config {output})", highlight=False)


def _text(value) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, tuple) else str(value)


def _shown(trials):
    """The trials table as printed: units tuples as 64,32; errors are printed below it."""
    shown = trials.drop(columns="error")
    for col in shown.columns:
        if shown[col].map(lambda v: isinstance(v, tuple)).any():
            shown[col] = shown[col].map(_text)
    return shown
