"""``lstmcast train``: fit a model on a CSV/Parquet file or a shipped dataset and save it.

Ctrl-C during training: after at least one epoch the best weights so far are saved, the output
says so ("Training interrupted at epoch k/N; the best weights (epoch b) were saved.", JSON
``"interrupted": true``) and the exit code is 130; before the first epoch finished nothing is saved,
one line says so and the exit code is 130, as for any Ctrl-C. A diverged training (NaN loss) saves nothing (exit 1).
"""

import warnings
from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import _report, app, console, state, user_errors
from lstmcast.cli.options import with_model_options, with_role_options
from lstmcast.cli.output import emit_json, print_choices, print_evaluation
from lstmcast.cli.params import Config, DataFile, Dataset, Json, Quiet
from lstmcast.errors import ConfigError, DataFilledWarning, TrainingInterrupted


def data_source(data: Path | None, dataset: str | None, config: dict):
    """The data argument, --dataset, or data= from the config file (in that order)."""
    if data is not None:
        return data
    if dataset is not None:
        from lstmcast import datasets

        return datasets.load(dataset)
    if "data" in config:
        return Path(config["data"])
    raise ConfigError("no data: pass a CSV or Parquet file, --dataset NAME, or data= in --config.")


def column_options(config: dict, given: dict) -> dict:
    """Each column role: the command line's, else the config file's (comma lists split); roles that need
    many series (id, static: lstmcast.roles) are left out when neither gives them, as fit takes them."""
    from lstmcast.configfile import column_names
    from lstmcast.roles import ROLES

    columns = {k: column_names(k, v) if v is not None else config.get(k) for k, v in given.items()}
    return {k: v for k, v in columns.items() if v is not None or not ROLES[k].many_series}


def interrupted_note(history, epochs: int) -> str:
    """The line printed after Ctrl-C ended training (after at least one epoch)."""
    return (
        f"Training interrupted at epoch {history.epochs}/{epochs}; "
        f"the best weights (epoch {history.best_epoch}) were saved."
    )


@app.command()
@with_model_options
@with_role_options()
def train(
    data: DataFile = None,
    dataset: Dataset = None,
    config: Config = None,
    out: Path = typer.Option(Path("lstmcast-model"), "--out", "-o", help="Folder to save the model in."),
    plot: Optional[Path] = typer.Option(None, help="Write actual vs predictions (PNG or SVG)."),  # noqa: UP045
    force: bool = typer.Option(
        False, "--force", help="Replace an --out folder that is not an lstmcast model, and an existing --plot file."
    ),
    sep: Optional[str] = typer.Option(  # noqa: UP045
        None, "--sep", help="Separator of a CSV data file (default ','), e.g. ';' or '\\t'."
    ),
    intervals: bool = typer.Option(
        True,
        "--intervals/--no-intervals",
        help="Calibrate conformal prediction intervals (about one more fit) so 'predict --level' works.",
    ),
    quiet: Quiet = False,
    as_json: Json = False,
    model_options: dict = None,
    columns: dict = None,
) -> None:
    """Train an LSTM/GRU forecaster and save it (weights + JSON) to a folder."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast.configfile import model_params, read_config
        from lstmcast.forecaster import Forecaster
        from lstmcast.train.progress import epoch_printer
        from lstmcast.workflow import train_to_folder

        cfg = read_config(config)
        source = data_source(data, dataset, cfg)
        columns = column_options(cfg, columns)
        model = Forecaster(**{**model_params(cfg), **model_params(model_options)})
        con = console(quiet or as_json)
        verbose = 0 if (quiet or as_json) else model.verbose or 1
        try:
            with warnings.catch_warnings():  # the filling is printed below, as one line
                warnings.simplefilter("ignore", DataFilledWarning)
                done = train_to_folder(
                    model, source, out, columns, intervals=intervals, plot=plot, force=force, inputs=[config],
                    sep=sep, on_epoch_end=epoch_printer(verbose, con) if verbose else None, say=con.print,
                )  # fmt: skip
        except TrainingInterrupted as exc:  # Ctrl-C before one epoch finished: nothing to save, exit 130
            if state["debug"]:
                raise
            _report("TrainingInterrupted", str(exc), as_json)
            raise typer.Exit(130) from None
        model, evaluation, holdout = done.model, done.evaluation, done.holdout
        panel = model.is_panel_
        if as_json:
            emit_json(
                {
                    "model": str(out),
                    "interrupted": model.history_.interrupted,
                    "params": model.n_params_,
                    "choices": {k: c.to_dict() for k, c in model.choices_.items()},
                    "time_index": None if panel else model.series_.index_note,
                    "series": model.panel_.n_series if panel else 1,
                    "history": model.history_.to_dict(),
                    "evaluation": evaluation.to_dict() if evaluation else None,
                    "holdout": holdout.to_dict() if holdout else None,
                    "plot": str(plot) if plot else None,
                }
            )
            if model.history_.interrupted:  # saved, and said so; the exit code says Ctrl-C, as for any command
                raise typer.Exit(130)
            return
        h = model.history_
        if h.interrupted:
            con.print(interrupted_note(h, model.config_["epochs"]), highlight=False)
        if panel:
            p = model.panel_
            con.print(f"{p.n_series} series ({p.id_name!r}), {p.total_rows:,} rows: one global model", highlight=False)
            if p.filled:
                con.print(f"[yellow]Filled[/yellow] (fill={model.fill!r}) in {len(p.filled)} series")
        elif model.series_.filled:
            con.print(
                f"[yellow]Filled[/yellow] (fill={model.fill!r}): "
                + ", ".join(f"{n} {what}" for what, n in model.series_.filled.items())
            )
        if not panel and model.series_.index_note:
            con.print(f"Time index: {model.series_.index_note}", highlight=False)
        print_choices(con, model.choices_)
        con.print(model.summary(print_fn=None), highlight=False)
        con.print(
            f"Trained {h.epochs} epochs in {sum(h.seconds):.2f}s, final loss {h.loss[-1]:.4g}"
            + (f", best epoch {h.best_epoch}" if h.val_loss else "")
            + f" (loss: {model.loss_space_})",  # not the data's own scale: the scores below are
            highlight=False,
        )
        if evaluation is not None:
            print_evaluation(con, evaluation, f"Test part: {evaluation.n_windows} forecasts, original scale")
        elif holdout is not None:
            cal = model.calibration_
            print_evaluation(
                con,
                holdout,
                f"Holdout: {holdout.n_windows} forecasts of a copy trained on rows 1..{cal.cutoff} "
                "(the intervals' calibration), original scale",
            )
        elif not panel:
            con.print(
                "No holdout score: pass --test 0.2 (or keep --intervals) to score forecasts of rows the model "
                "did not see.",
                highlight=False,
            )
        con.print(f"Model saved to {out} (config: {out / 'config.toml'})")
        if plot is not None:
            con.print(f"Plot written to {plot}")
        if h.interrupted:
            raise typer.Exit(130)
