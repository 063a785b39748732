"""The Typer application, global options, and the one place errors become exit codes.

Exit codes: 0 success, 1 any error (one red line saying what to fix, or with
``--json`` a JSON object on stdout; the traceback with ``--debug``), 2 a usage
error (Typer's own), 130 Ctrl-C.
Heavy imports (jax) happen inside the commands so ``--help`` is instant.
"""

from __future__ import annotations

import contextlib
import re

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup
from typer.exceptions import TyperException


def tidy_help(command, ctx) -> None:
    """Help that reads as one types: a flag shows no ``<bool>`` type, a hidden argument stays out of the usage line,
    a default given as text (the Forecaster's, for options that are "not given" by default) shows as is.

    (``--level 80 95``'s extra values arrive as a hidden argument, see cli/intervals.py.)
    """
    if getattr(command, "_lstmcast_tidy", False):
        return
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is not None and getattr(param, "is_flag", False):
            param.metavar = ""
        elif param is not None and param.param_type_name == "argument" and getattr(param, "hidden", False):
            param.get_usage_pieces = lambda ctx: []
        if param is not None and isinstance(getattr(param, "show_default", None), str):  # typer would add (...)
            param._get_default_string = lambda *args, _text=param.show_default, **kwargs: _text
    command._lstmcast_tidy = True


class Group(TyperGroup):
    """lstmcast's command group: every command's help tidied (:func:`tidy_help`) before it is shown."""

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            tidy_help(command, ctx)
            state["command"] = command  # the command about to run: its flags name keywords in errors
        return command

    def format_help(self, ctx, formatter):
        tidy_help(self, ctx)
        return super().format_help(ctx, formatter)


app = typer.Typer(
    cls=Group,
    name="lstmcast",
    help="LSTM and GRU time-series forecasting: train, predict, evaluate and plot from the command line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
state = {"debug": False, "configure": False}
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
def user_errors(as_json: bool = False, quiet: bool = False):
    """Turn every error into one line and exit code 1 (Ctrl-C: "Interrupted.", 130); ``--debug`` re-raises.

    Warnings print as one line each on stderr, none with ``quiet`` (``--quiet``: nothing but errors).

    lstmcast's own errors and OS errors print their message; anything else also names its type and
    points to ``--debug``. With ``as_json`` the error is a JSON object on stdout instead:
    ``{"error": {"type": ..., "message": ...}}``. Typer's exits and usage errors (exit 2) pass through.
    """
    import warnings

    from lstmcast.errors import LstmcastError

    def one_line_warning(message, category, filename, lineno, file=None, line=None):
        # lstmcast's warnings are for the user: one line, no source location (stderr, never in --json's stdout)
        if quiet:
            return
        err_console.print(f"[yellow]Warning:[/yellow] {escape(str(message))}", highlight=False, soft_wrap=True)

    try:
        if state["configure"]:  # the console script's opt-in, here so that --help never imports JAX
            from lstmcast.runtime import configure

            state["configure"] = False
            configure()  # before the command's first JAX work
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
    return as_flags(text or type(exc).__name__, _command_flags())


def _command_flags() -> dict[str, str]:
    """The running command's options: Python keyword (``batch_size``) -> flag (``--batch-size``)."""
    command = state.get("command")
    if command is None:
        return {}
    flags = {}
    for param in command.params:
        for opt in getattr(param, "opts", ()):
            if opt.startswith("--") and param.name:
                flags[param.name] = opt
    return flags


_KEYWORD = re.compile(r"\b([a-z_][a-z0-9_]*)=('[^']*'|\"[^\"]*\"|\[[^\]]*\]|\([^)]*\)|[^\s,;:)]+)?")


def as_flags(message: str, flags: dict[str, str]) -> str:
    """A library message in the command line's words: ``target=`` -> ``--target``, ``fill='ffill'`` -> ``--fill ffill``.

    Only the running command's own options are rewritten, and not where the message already names
    the flag or where the keyword is an argument of a Python call in the text (``predict(level=...)``).

    >>> as_flags("pass target= one of ['a', 'b'], or fill='interpolate'.", {"target": "--target", "fill": "--fill"})
    "pass --target one of ['a', 'b'], or --fill interpolate."
    >>> as_flags("batch_size=0 must be a positive integer; see predict(level=...).", {"batch_size": "--batch-size"})
    '--batch-size 0 must be a positive integer; see predict(level=...).'
    >>> as_flags("log=True needs positive values (e.g. --log, log=True).", {"log": "--log"})
    'log=True needs positive values (e.g. --log, log=True).'
    """

    def flag(match: re.Match) -> str:
        name, value = match.group(1), match.group(2)
        if name not in flags or flags[name] in message or _in_call(message, match.start()):
            return match.group(0)
        if value is None:
            return flags[name]
        if value[:1] in "'\"" and value[-1:] == value[:1]:
            value = value[1:-1]
        elif value[:1] in "[(":
            value = " ".join(v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip())
        if value in ("True", "False"):
            return flags[name] if value == "True" else "--no-" + flags[name][2:]
        return f"{flags[name]} {value}"

    return _KEYWORD.sub(flag, message)


def _in_call(text: str, at: int) -> bool:
    """Whether position ``at`` lies inside the parentheses of a call written in ``text`` (``fit(...)``)."""
    depth = 0
    for i in range(at - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            if depth == 0:
                return i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
            depth -= 1
    return False


def _report(kind: str, message: str, as_json: bool) -> None:
    if as_json:
        from lstmcast.cli.output import emit_json

        emit_json({"error": {"type": kind, "message": message}})
    elif kind == "KeyboardInterrupt":
        err_console.print(message, highlight=False, soft_wrap=True, markup=False)
    else:
        err_console.print(f"[red]Error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


PIPED_WIDTH = 160  # columns of tables written to a pipe or file (rich's 80 cut their headers to "ref…")


def console(quiet: bool = False) -> Console:
    # soft_wrap: rich must not insert newlines into long lines; a path or a
    # command split over two lines cannot be copied (the terminal wraps).
    import os
    import sys

    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ  # $COLUMNS, where set, is the user's choice
    return Console(quiet=quiet, soft_wrap=True, width=PIPED_WIDTH if piped else None)


def main() -> None:
    """Console-script entry point: the command line opts in to lstmcast.configure() (cache, XLA tuning).

    configure() imports JAX, so it runs when a command starts its work (:func:`user_errors`), not
    here: ``--help`` and usage errors answer without loading JAX.
    """
    import lstmcast.cli  # noqa: F401  (importing the package registers every command)

    state["configure"] = True
    app(prog_name="lstmcast")
