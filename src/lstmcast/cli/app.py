"""The Typer application, global options, and the one place errors become exit codes.

Exit codes: 0 success, 1 a user error (one red line saying what to fix; the
traceback with ``--debug``), 2 a usage error (Typer's own).
Heavy imports (jax) happen inside the commands so ``--help`` is instant.
"""

from __future__ import annotations

import contextlib

import typer
from rich.console import Console

app = typer.Typer(
    name="lstmcast",
    help="LSTM and GRU time-series forecasting: train, predict, evaluate and plot from the command line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
state = {"debug": False}
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from lstmcast import __version__

        typer.echo(f"lstmcast {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    state["debug"] = debug


@contextlib.contextmanager
def user_errors():
    """Turn lstmcast's errors (and missing files) into one red line and exit code 1."""
    from lstmcast.errors import LstmcastError

    try:
        yield
    except (LstmcastError, FileNotFoundError, PermissionError) as exc:
        if state["debug"]:
            raise
        err_console.print(f"[red]Error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def console(quiet: bool = False) -> Console:
    return Console(quiet=quiet)


def main() -> None:
    """Console-script entry point: the command line opts in to lstmcast.configure() (cache, XLA tuning)."""
    import lstmcast.cli  # noqa: F401  (importing the package registers every command)
    from lstmcast.runtime import configure

    configure()  # before any JAX work; imports no JAX itself
    app(prog_name="lstmcast")
