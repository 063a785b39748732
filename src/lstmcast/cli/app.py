"""The Typer application, global options, and the one place errors become exit codes.

Exit codes: 0 success, 1 any error (one red line saying what to fix, or with
``--json`` a JSON object on stdout; the traceback with ``--debug``), 2 a usage
error (Typer's own), 130 Ctrl-C.
Heavy imports (jax) happen inside the commands so ``--help`` is instant.
"""

from __future__ import annotations

import contextlib

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

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
def user_errors(as_json: bool = False):
    """Turn every error into one line and exit code 1 (Ctrl-C: "Interrupted.", 130); ``--debug`` re-raises.

    lstmcast's own errors and OS errors print their message; anything else also names its type and
    points to ``--debug``. With ``as_json`` the error is a JSON object on stdout instead:
    ``{"error": {"type": ..., "message": ...}}``. Typer's exits and usage errors (exit 2) pass through.
    """
    import warnings

    from lstmcast.errors import LstmcastError

    def one_line_warning(message, category, filename, lineno, file=None, line=None):
        # lstmcast's warnings are for the user: one line, no source location (stderr, never in --json's stdout)
        err_console.print(f"[yellow]Warning:[/yellow] {escape(str(message))}", highlight=False, soft_wrap=True)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = one_line_warning
            yield
    except (typer.Exit, typer.Abort, TyperException):
        raise
    except KeyboardInterrupt:
        if state["debug"]:
            raise
        _report("KeyboardInterrupt", "Interrupted.", as_json)
        raise typer.Exit(130) from None
    except Exception as exc:
        if state["debug"]:
            raise
        message = _one_line(exc)
        if isinstance(exc, OSError) and not isinstance(exc, LstmcastError) and exc.strerror:
            message = exc.strerror + (f": {str(exc.filename)!r}" if exc.filename is not None else "")
        if not as_json and not isinstance(exc, (LstmcastError, OSError)):
            message = f"{type(exc).__name__}: {message} (run with --debug for the traceback)"
        _report(type(exc).__name__, message, as_json)
        raise typer.Exit(1) from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    return text or type(exc).__name__


def _report(kind: str, message: str, as_json: bool) -> None:
    if as_json:
        from lstmcast.cli.output import emit_json

        emit_json({"error": {"type": kind, "message": message}})
    elif kind == "KeyboardInterrupt":
        err_console.print(message, highlight=False, soft_wrap=True, markup=False)
    else:
        err_console.print(f"[red]Error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def console(quiet: bool = False) -> Console:
    # soft_wrap: rich must not insert newlines into long lines; a path or a
    # command split over two lines cannot be copied (the terminal wraps).
    return Console(quiet=quiet, soft_wrap=True)


def main() -> None:
    """Console-script entry point: the command line opts in to lstmcast.configure() (cache, XLA tuning)."""
    import lstmcast.cli  # noqa: F401  (importing the package registers every command)
    from lstmcast.runtime import configure

    configure()  # before any JAX work; imports no JAX itself
    app(prog_name="lstmcast")
