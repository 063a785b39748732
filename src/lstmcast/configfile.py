"""TOML configuration files: every Forecaster parameter plus the data's column roles, by name.

``lstmcast train --config file.toml`` reads one; ``lstmcast train`` writes the
``config.toml`` that reproduces a model. Keys are the parameter names of
:mod:`lstmcast.params`, ``data`` (the file) and the column roles of :mod:`lstmcast.roles`
(``target``, ``id``, ``time``, ``features``, ``future``, ``static``); values are checked with
the parameter table and the role table.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from lstmcast.errors import ConfigError
from lstmcast.params import NAMES, PARAMS, unknown_message
from lstmcast.resources import check_file_size
from lstmcast.roles import ROLES

DATA_KEYS = ("data", *ROLES)


def read_config(path: str | Path | None) -> dict:
    """A flat TOML table of parameter names and data keys (values as written)."""
    if path is None:
        return {}
    check_file_size(path, "config file")  # a FIFO, /dev/zero or a huge file is refused before reading
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist: check the path.") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {str(path)!r} is a folder: pass the .toml file.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}.") from None
    unknown = sorted(set(doc) - set(NAMES) - set(DATA_KEYS))
    if unknown:
        raise ConfigError(
            f"config file {str(path)!r}: "
            + unknown_message(
                unknown,
                "unknown key(s)",
                (*NAMES, *DATA_KEYS),
                "its keys are the parameters (lstmcast train --help; batch_size for --batch-size) and the data's "
                f"{', '.join(DATA_KEYS)}",
            )
        )
    for key in DATA_KEYS:
        if key in doc and key != "data":
            doc[key] = column_names(key, doc[key])
    if "data" in doc:
        if not isinstance(doc["data"], str):
            raise ConfigError(f"config file {str(path)!r}: data={doc['data']!r} must be a file path (text).")
        data = Path(doc["data"])  # relative to the config file, so it works from any folder
        doc["data"] = str(data if data.is_absolute() else Path(path).parent / data)
    return doc


def model_params(values: dict) -> dict:
    """The parameter entries of a TOML config (typed values) or of the command line (already converted
    from text by the options), checked with the table: a TOML string where a number belongs is refused."""
    return {
        k: PARAMS[k].check_value(tuple(v) if isinstance(v, list) else v)
        for k, v in values.items()
        if k in PARAMS and v is not None
    }


def column_names(key: str, value):
    """A column role's value: ``"a,b"`` -> ``["a", "b"]``, ``"a"`` -> ``"a"``, lists kept; ``features="all"`` kept.

    A role that takes one column (``time``, ``id``: :mod:`lstmcast.roles`) is refused a list.
    """
    if value is None:
        return None
    role = ROLES[key]
    if isinstance(value, str):
        names = split_names(value)
        if not names:
            raise ConfigError(f"{key}={value!r} names no column.")
        if len(names) == 1:
            return names[0]
        if not role.several:
            raise ConfigError(f"{key}={value!r} names {len(names)} columns; {key} takes one column: {role.help}.")
        return names
    if isinstance(value, (list, tuple)) and role.several and all(isinstance(v, str) for v in value):
        return list(value)
    kind = "a column name or a list of column names" if role.several else "one column name"
    raise ConfigError(f"{key}={value!r} must be {kind}.")


def split_names(text: str) -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``; a comma that is part of a name is written ``\\,``:
    ``"sales\\, EUR,promo"`` -> ``["sales, EUR", "promo"]`` (names as in a CSV header, ids as written)."""
    parts = re.split(r"(?<!\\),", text)
    return [p.strip().replace("\\,", ",") for p in parts if p.strip()]


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, (int, float)):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(values: dict) -> str:
    """Flat TOML; None values are left out (they mean 'the default')."""
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items() if v is not None)


def config_toml(
    params: dict, columns: dict, data: str | Path | None = None, comment: str = "reproduces the model"
) -> str:
    """The text of a config.toml reproducing a model: the data (absolute path), its columns, the parameters."""
    head = {"data": str(Path(data).resolve()) if data is not None else None}
    head.update({k: columns.get(k) for k in DATA_KEYS if k != "data"})
    body = {k: v for k, v in params.items() if k != "verbose"}
    return f"# lstmcast train --config this file {comment}\n" + to_toml(head) + to_toml(body)
