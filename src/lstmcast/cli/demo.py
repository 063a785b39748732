"""``lstmcast demo``: seed tutorial 000's workflow on the shipped sine series."""

import json
from pathlib import Path

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.params import Json, Quiet


@app.command()
def demo(
    out: Path = typer.Option(Path("lstmcast-output"), "--out", "-o", help="Folder for the plot."),
    epochs: int = typer.Option(50, help="Training epochs."),
    batch_size: int = typer.Option(1, help="Windows per optimizer step (the seed uses 1)."),
    seed: int = typer.Option(0, help="Fixes initialization and shuffling."),
    plot_format: str = typer.Option("png", "--format", help="png or svg."),
    quiet: Quiet = False,
    as_json: Json = False,
) -> None:
    """Train LSTM(50)+Dense(1) on a sine wave (seed tutorial 000, done right) and plot it."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast.demo import run_demo
        from lstmcast.train.progress import epoch_printer

        con = console(quiet or as_json)
        con.print(
            "[bold]lstmcast demo[/bold]: sine wave, window 10, LSTM(50) + Dense(1), Adam, MSE, "
            f"{epochs} epochs at batch size {batch_size}, train/test 80/20 in time order"
        )
        result = run_demo(
            out,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            on_epoch_end=epoch_printer(2, con),
            plot_format=plot_format,
        )
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        model, ev = result.model, result.evaluation
        con.print(model.summary(print_fn=None), highlight=False)
        _print_evaluation(con, ev)
        con.print(f"Test loss (MSE, scaled data): {ev.scaled_mse:.3g}")
        con.print(f"Test MSE (original scale): {ev.table.loc['model', 'mse']:.3g}")
        con.print(f"Predicted next value: {result.next_value:.4f}")
        con.print(
            f"Training: {result.train_seconds:.2f}s for {model.history_.epochs} epochs "
            f"(first-epoch compile {result.compile_seconds:.2f}s); fit {result.fit_seconds:.2f}s"
        )
        con.print(f"Plot written to {result.plot}")


def _print_evaluation(con, ev) -> None:
    from rich.table import Table

    table = Table(title=f"Test part: {ev.n_windows} forecasts of {ev.horizon} step(s), original scale")
    table.add_column("forecaster")
    for col in ev.table.columns:
        table.add_column(col.upper(), justify="right")
    for name, row in ev.table.iterrows():
        table.add_row(name, *[f"{v:.4g}" for v in row])
    con.print(table)
    verdict = "better" if ev.skill > 0 else "worse"
    con.print(f"Skill vs best baseline ({ev.best_baseline}): {ev.skill:+.1%} MAE ({verdict})")
