"""The estimator protocol of scikit-learn, driven by the parameter table (:mod:`lstmcast.params`).

:class:`Estimator` is the Forecaster's one base class: a keyword-only ``__init__`` that stores
its arguments unchanged (its signature is the table's), ``get_params`` / ``set_params`` (so
scikit-learn's ``clone`` and grid searches work), a ``repr`` of the arguments that differ from
their defaults, the one place the arguments are checked (``_checked``, at fit time), and
:class:`~lstmcast.errors.NotFittedError` before a fit. :func:`parameter_doc` writes the
Parameters section of ``help(Forecaster)`` from the same table.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Self

from lstmcast import params as P
from lstmcast.errors import ConfigError, NotFittedError


class Estimator:
    """Arguments stored unchanged, checked at fit time; fitted state ends in ``_``."""

    def __init__(self, **params) -> None:
        unknown = sorted(set(params) - set(P.NAMES))
        if unknown:
            raise TypeError(P.unknown_message(unknown, f"{type(self).__name__}() got unexpected keyword argument(s)"))
        for name in P.NAMES:
            setattr(self, name, params.get(name, P.DEFAULTS[name]))

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in P.PARAMS.values()]
    )

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments, exactly as given (``deep`` is accepted for scikit-learn; nothing is nested)."""
        return {name: getattr(self, name) for name in P.NAMES}

    def set_params(self, **params) -> Self:
        """Change constructor arguments (checked at the next ``fit``); returns self.

        On a fitted model, changing any of them but ``verbose`` makes it unfitted: its weights
        belong to the old settings (fit again), and it can no longer be saved as the old model.
        """
        unknown = sorted(set(params) - set(P.NAMES))
        if unknown:
            raise ConfigError(P.unknown_message(unknown))
        changed = [n for n, v in params.items() if n != "verbose" and not _same(v, getattr(self, n))]
        for name, value in params.items():
            setattr(self, name, value)
        if changed and hasattr(self, "params_"):
            for name in [k for k in self.__dict__ if k.endswith("_")]:
                del self.__dict__[name]
        return self

    def __sklearn_tags__(self):
        """scikit-learn's tags (read by its utilities, e.g. ``estimator_html_repr``): a forecaster fitted on a
        series, whose input is not a feature matrix; only scikit-learn calls this, so it is installed."""
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            input_tags=InputTags(one_d_array=True, two_d_array=True),  # a series, or a table of columns
            no_validation=True,  # fit checks its own data (data/series.py)
        )

    def __repr__(self) -> str:
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, P.DEFAULTS[k])]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _checked(self) -> dict:
        """Every parameter checked and normalized (the one place checks run); verbose="auto" resolved."""
        from lstmcast.train.progress import resolve_verbose

        cfg = P.check_params(self.get_params())
        if cfg["normalize"] == "mixed" and cfg["ensemble"] == 1:
            raise ConfigError(
                "normalize='mixed' alternates 'season' and 'es' windows across the ensemble's members, and "
                "ensemble=1 has one member: use normalize='season' or normalize='es', or ensemble=2 or more."
            )
        cfg["verbose"] = resolve_verbose(cfg["verbose"])  # a fitted model's settings hold no "auto"
        return cfg

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError()


def parameter_doc() -> str:
    """The Parameters section of ``help(Forecaster)``, from the parameter table (grouped as in the table)."""
    lines = ["", "    Parameters (keyword-only; default first)", "    ----------------------------------------"]
    for group in P.GROUPS:
        for p in P.in_group(group):
            lines.append(f"    {p.name} = {p.default!r}")
            lines += textwrap.wrap(p.help, 96, initial_indent=" " * 8, subsequent_indent=" " * 8)
    return "\n".join(lines) + "\n"


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return tuple(a) == tuple(b)
    return type(a) is type(b) and a == b
