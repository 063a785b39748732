"""Every Forecaster parameter and column role as a command-line option, from the parameter table
(lstmcast.params) and the role table (lstmcast.roles).

Options default to "not given" so that a value from ``--config file.toml``
survives unless the command line overrides it; what neither gives keeps the
Forecaster's own default.
"""

from __future__ import annotations

import inspect
from typing import Optional

import typer

from lstmcast.errors import ConfigError
from lstmcast.params import PARAMS
from lstmcast.roles import ROLES


def _checked(p):
    """A Typer callback: text that is not even of the option's type is a usage error (exit 2).

    Values of the right type are checked with the rest of the configuration (exit 1, one line).
    """

    def callback(value):
        if value is None:
            return None
        try:
            return p.convert(value)
        except ConfigError as exc:
            raise typer.BadParameter(str(exc)) from None

    return callback


def default_text(p) -> str:
    """The parameter's default as one would type it: ``auto``, ``50``, ``0.025,0.05``, ``none``, ``--no-calendar``."""
    value = p.default
    if p.cli_type is bool and isinstance(value, bool):
        return ("--" if value else "--no-") + p.name.replace("_", "-")
    if value is None:
        return "none"
    if isinstance(value, (tuple, list)):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def model_parameters() -> list[inspect.Parameter]:
    params = []
    for p in PARAMS.values():
        flag = "--" + p.name.replace("_", "-")
        decls = [f"{flag}/--no-{flag[2:]}"] if p.cli_type is bool else [flag]
        option_type = bool if p.cli_type is bool else str if p.parse_text is not None else p.cli_type
        params.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(
                    None,
                    *decls,
                    help=p.help,
                    rich_help_panel="Model and training",
                    callback=_checked(p),
                    show_default=default_text(p),  # the Forecaster's, used when neither option nor config sets it
                ),
                annotation=Optional[option_type],  # noqa: UP045 (typer reads this annotation)
            )
        )
    return params


def with_model_options(fn):
    """Add every parameter's option to a command; ``fn`` receives them as ``model_options`` (given ones only)."""
    sig = inspect.signature(fn)
    own = [p for p in sig.parameters.values() if p.name != "model_options"]

    def command(**kwargs):
        given = {k: kwargs.pop(k) for k in PARAMS if kwargs.get(k) is not None}
        for k in PARAMS:
            kwargs.pop(k, None)
        return fn(model_options=given, **kwargs)

    command.__signature__ = sig.replace(parameters=own + model_parameters())
    command.__name__, command.__doc__ = fn.__name__, fn.__doc__
    return command


def role_parameters(names) -> list[inspect.Parameter]:
    """``--target``, ``--id``... for the roles ``names``, their help from the role table."""
    params = []
    for name in names:
        role = ROLES[name]
        lists = ", comma-separated (a\\,b: one name)" if role.several else ""
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(
                    None, role.option, help=role.help[0].upper() + role.help[1:] + lists + ".", rich_help_panel="Data"
                ),
                annotation=Optional[str],  # noqa: UP045 (typer reads this annotation)
            )
        )
    return params


def with_role_options(*names: str):
    """Add the options of the column roles ``names`` (default: every role) to a command; ``fn`` receives
    them as ``columns``, a dict of every such role to its text (None: not given)."""
    names = names or tuple(ROLES)

    def decorate(fn):
        sig = inspect.signature(fn)
        own = [p for p in sig.parameters.values() if p.name != "columns"]
        keyword = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
        positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]

        def command(**kwargs):
            return fn(columns={n: kwargs.pop(n, None) for n in names}, **kwargs)

        command.__signature__ = sig.replace(parameters=positional + role_parameters(names) + keyword)
        command.__name__, command.__doc__ = fn.__name__, fn.__doc__
        return command

    return decorate
