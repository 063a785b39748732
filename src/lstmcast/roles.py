"""The column-role table: what each column of the data is to a forecast, declared once.

A role is how a column enters a forecast: the target to forecast, the series id and the time of
a long table, and three kinds of covariate. Like the parameter table (:mod:`lstmcast.params`),
one declaration per role drives everything that names roles:

* the keywords of ``Forecaster.fit``, ``backtest``, ``cross_validation`` and ``tune`` (a test
  holds their signatures to this table) and the role lines of their docstrings (:func:`doc_lines`);
* the command-line options ``--target``, ``--id``... of ``train``, ``backtest`` and ``tune``
  (:func:`lstmcast.cli.options.with_role_options`) and the commands' "many series only" rule;
* the config file's keys, and whether a key takes one column or a list (:mod:`lstmcast.configfile`);
* the saved schema's column lists (``schema.targets``, ``features``, ``future``);
* the capability checks: a strategy reads the covariates whose values it has at every step it
  forecasts (:mod:`lstmcast.strategies`), and a per-series role needs a table of many series.

Adding a role is one entry here, plus the code that reads its columns (loading and the network's
inputs). Nothing here imports pandas or JAX: the command line reads it at start-up.

>>> [r.name for r in ROLES.values() if r.covariate]
['features', 'future', 'static']
>>> sorted(r.name for r in ROLES.values() if r.many_series)
['id', 'static']
>>> VALUE_COLUMNS
('targets', 'features', 'future')
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    name: str  # the keyword of fit/backtest/tune, the config-file key, the option --<name>
    scope: str  # "row": a value on every row; "series": one value per series
    covariate: bool  # an input the network reads besides the targets
    known_ahead: bool  # its values after the forecast origin are known, so a forecast may read them
    several: bool  # takes a list of columns (else exactly one)
    many_series: bool  # only a long table of many series has it
    help: str  # one line: what the role is (docstrings, --help)
    noun: str = ""  # how a refusal names a covariate's columns: "past-only features"
    schema_key: str | None = None  # the saved schema's list of these columns (None: saved elsewhere or not at all)

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role(
            "target", "row", covariate=False, known_ahead=False, several=True, many_series=False,
            help="column(s) to forecast (default: y, or the only numeric column)", schema_key="targets",
        ),
        Role(
            "id", "series", covariate=False, known_ahead=True, several=False, many_series=True,
            help="the series id column of a long table: many series, one global model (default: unique_id)",
        ),
        Role(
            "time", "row", covariate=False, known_ahead=True, several=False, many_series=False,
            help="the time column (default: the index, ds, or the column of dates; else row steps)", schema_key="time",
        ),
        Role(
            "features", "row", covariate=True, known_ahead=False, several=True, many_series=False,
            help="past-only input columns, or 'all': read up to the forecast origin",
            noun="past-only features", schema_key="features",
        ),
        Role(
            "future", "row", covariate=True, known_ahead=True, several=True, many_series=False,
            help="input columns known in advance (calendar, prices, holidays): read over the horizon too",
            noun="columns known in advance", schema_key="future",
        ),
        Role(
            "static", "series", covariate=True, known_ahead=True, several=True, many_series=True,
            help="per-series attribute columns of a long table, constant within each series "
            "(numeric ones standardized, categorical ones embedded)",
            noun="static attributes",
        ),
    )
}  # fmt: skip
NAMES = tuple(ROLES)
COVARIATES = tuple(n for n, r in ROLES.items() if r.covariate)
MANY_SERIES = tuple(n for n, r in ROLES.items() if r.many_series)
# the saved schema's column lists, in the order of the columns of the model's values table
VALUE_COLUMNS = tuple(r.schema_key for r in ROLES.values() if r.scope == "row" and r.several)


def value_columns(schema: dict) -> list[str]:
    """The columns of a saved schema's values table, in order: ``targets + features + future``
    (a list a schema lacks, as format 1 lacks ``future``, is empty)."""
    return [name for key in VALUE_COLUMNS for name in schema.get(key, ())]


def columns_of(**given) -> dict:
    """The role keywords a public method received, as one dict every role's name keys (the internal
    functions take this dict, so a new role changes only the public signatures)."""
    unknown = sorted(set(given) - set(ROLES))
    if unknown:
        raise TypeError(f"not column roles: {unknown}")
    return {name: given.get(name) for name in ROLES}


def one_series(columns: dict) -> dict:
    """``columns`` without the roles only a long table of many series has (what ``load_series`` takes)."""
    return {k: v for k, v in columns.items() if not ROLES[k].many_series}


def many_series_only(columns: dict) -> dict:
    """The roles of ``columns`` that only a long table of many series has: what one series must refuse."""
    return {k: v for k, v in columns.items() if ROLES[k].many_series}


def readable_at_every_step(one_step: bool) -> frozenset:
    """The covariates a strategy can read: all of them when the network emits the whole horizon from
    the origin; only those known in advance when it forecasts one step and is fed its own forecast."""
    return frozenset(n for n in COVARIATES if not one_step or ROLES[n].known_ahead)


def doc_lines(indent: str = "") -> str:
    """One docstring line per role: ``name: help``."""
    return "\n".join(f"{indent}{r.name}: {r.help}." for r in ROLES.values())
