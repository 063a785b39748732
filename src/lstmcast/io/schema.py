"""The model document (``model.json``) checked as data, before anything is built from it.

A saved model is data, and data from a file is checked like user input: every
key is required or allowed (unknown keys are refused by name), every value has
a type and a range, and the sections agree with each other (the window in the
configuration and in the network, the network's inputs and the schema's
columns, the scaler's length, the width and length of the kept rows). The
document is parsed with guards first: integers longer than any value a model
stores, keys given twice and nesting deeper than a model document's are refused
before anything walks it. Every failure is one :class:`~lstmcast.errors.ModelFileError`
line naming the key path and the fix::

    model.json: network.window must be a positive integer, got -3; the file was edited or damaged; save the model again.

The configuration's values are checked by :func:`lstmcast.params.check_params`
(the one place parameters are checked); the allowed keys of the network and the
history are their classes' fields, so a field added there is allowed here.
"""

from __future__ import annotations

import json
import math

from lstmcast import params as P
from lstmcast.errors import ConfigError, ModelFileError

FORMAT_VERSION = 2  # 2: network kind, loss object and future= columns; format 1 still loads
FIX = "the file was edited or damaged; save the model again."
MAX_SIZE = 2**31  # sizes (units, window, rows...) above this are not a model's
MAX_MEMBERS = 1000  # ensemble members
MAX_DEPTH = 8  # a model document nests 4 levels (tail -> values -> row); twice that is refused
MAX_INT_DIGITS = 20  # int64 and a sign: longer integers are no value a model stores

# what the parameters added since format 1 meant before they existed (a format-1 model used these)
FORMAT1_DEFAULTS = {
    "window": 10,
    "epochs": 50,
    "test": 0.2,
    "log": False,
    "difference": 0,
    "normalize": "none",
    "ensemble": 1,
    "combine": False,
}
# parameters added to format 2 later, with what a model saved before them used
LATER_DEFAULTS = {"combine": False}

ENVELOPE = ("format", "format_version", "library_version", "weights_sha256", "document_sha256")
OPTIONAL_ENVELOPE = ("signature",)
SECTIONS = {  # the state's top-level keys, per format version (all required)
    1: ("config", "network", "transforms", "schema", "tail", "history"),
    2: ("config", "resolved", "choices", "members", "network", "loss", "transforms", "schema", "tail", "history"),
}
OPTIONAL_SECTIONS = ("calibration", "panel", "combination")  # intervals; many series; the combined forecast
CALIBRATION_METHODS = ("conformal", "naive")
NETWORK_V1 = ("cell", "units", "n_inputs", "window", "horizon", "n_targets", "dropout", "bidirectional", "dense_units")
NETWORK_V2 = (*NETWORK_V1, "kind", "n_outputs", "n_future", "normalize", "season")
SCHEMA_V1 = ("targets", "features", "time", "freq", "rows", "first_timestamp", "last_timestamp")
SCHEMA_V2 = (*SCHEMA_V1, "future", "steps", "skipped", "step")
HISTORY_REQUIRED = ("loss", "val_loss", "learning_rate", "seconds")
# settings the network, transforms and loss are built from: a set value must be the value used
STRUCTURAL = (
    "window",
    "horizon",
    "strategy",
    "cell",
    "units",
    "dropout",
    "bidirectional",
    "dense_units",
    "scaler",
    "feature_range",
    "log",
    "difference",
    "normalize",
    "seasonal_period",
    "loss",
    "ensemble",
)


class _Invalid(Exception):
    """One problem at one key path; :func:`_raise` turns it into the ModelFileError line."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path, self.problem = path, problem


def _raise(where: str, exc: _Invalid):
    at = f"{where}: {exc.path}" if exc.path else where
    raise ModelFileError(f"{at} {exc.problem}; {FIX}") from None


def _show(value) -> str:
    """A value as JSON, shortened: ``true``, ``"abc"``, ``-3``."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


# -- parsing with guards -----------------------------------------------------------------------------
def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Invalid(
            "", f"holds an integer of {digits} digits ({text[:12]}...), larger than any value a model stores"
        )
    return int(text)


def _unique_keys(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _Invalid("", f"holds the key {twice!r} twice in one object")
    return out


def parse_document(data: bytes, where: str = "model.json") -> dict:
    """``model.json``'s bytes as a dict, or one ModelFileError (not JSON, huge integers, repeated keys, nesting)."""
    try:
        doc = json.loads(data, parse_int=_parse_int, object_pairs_hook=_unique_keys)
    except _Invalid as exc:
        _raise(where, exc)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{where} is truncated or not JSON ({exc}); save the model again.") from None
    except RecursionError:
        raise ModelFileError(f"{where} is {_TOO_DEEP}; {FIX}") from None
    except ValueError as exc:  # anything else json refuses, in one line
        raise ModelFileError(f"{where} is not valid JSON ({exc}); save the model again.") from None
    if _too_deep(doc):
        raise ModelFileError(f"{where} is {_TOO_DEEP}; {FIX}")
    return doc


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep, deeper than any model document"


def _too_deep(value) -> bool:
    """Whether parsed JSON nests more than MAX_DEPTH levels, found without recursion."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return False


# -- value checks: each raises _Invalid(path, problem) -----------------------------------------------
def _object(d, path: str, required, allowed) -> dict:
    if not isinstance(d, dict):
        raise _Invalid(path, f"must be an object, got {_show(d)}")
    unknown = [k for k in d if k not in allowed]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise _Invalid(path, f"has unknown key{'s' if len(unknown) > 1 else ''} {names}")
    missing = [k for k in required if k not in d]
    if missing:
        names = ", ".join(repr(k) for k in missing)
        raise _Invalid(path, f"lacks the key{'s' if len(missing) > 1 else ''} {names}")
    return d


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int(v, path: str, lo: int = 1, hi: int = MAX_SIZE) -> int:
    if not _is_int(v) or v < lo:
        kind = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        raise _Invalid(path, f"must be {kind}, got {_show(v)}")
    if v > hi:
        raise _Invalid(path, f"must be at most {hi:,}, got {_show(v)}")
    return v


def _optional_int(v, path: str, lo: int) -> int | None:
    if v is None:
        return None
    if not _is_int(v) or v < lo:
        kind = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        raise _Invalid(path, f"must be {kind} or null, got {_show(v)}")
    return _int(v, path, lo)


def _bool(v, path: str) -> bool:
    if not isinstance(v, bool):
        raise _Invalid(path, f"must be true or false, got {_show(v)}")
    return v


def _str(v, path: str, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise _Invalid(path, f"must be a string{' or null' if optional else ''}, got {_show(v)}")
    return v


def _number(v, path: str, finite: bool = True) -> float:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise _Invalid(path, f"must be a number, got {_show(v)}")
    if finite and not math.isfinite(v):
        raise _Invalid(path, f"must be a finite number, got {_show(v)}")
    return float(v)


def _list(v, path: str, length: int | None = None) -> list:
    if not isinstance(v, list):
        raise _Invalid(path, f"must be a list, got {_show(v)}")
    if length is not None and len(v) != length:
        raise _Invalid(path, f"must hold {length} value{'s' if length != 1 else ''}, got {len(v)}")
    return v


def _numbers(v, path: str, length: int | None = None, finite: bool = True) -> list[float]:
    return [_number(x, _join(path, i), finite) for i, x in enumerate(_list(v, path, length))]


def _names(v, path: str, nonempty: bool = False) -> list[str]:
    names = [_str(x, _join(path, i)) for i, x in enumerate(_list(v, path))]
    if nonempty and not names:
        raise _Invalid(path, "must name at least one column, got []")
    twice = [n for i, n in enumerate(names) if n in names[:i]]
    if twice:
        raise _Invalid(path, f"names the column {twice[0]!r} twice")
    return names


def _choice(v, path: str, options) -> str:
    if not isinstance(v, str) or v not in options:
        raise _Invalid(path, f"must be one of {', '.join(map(repr, options))}, got {_show(v)}")
    return v


def _scalar(v, path: str) -> None:
    """A JSON scalar or a list of scalars (fields whose type this module does not know yet)."""
    items = v if isinstance(v, list) else [v]
    if not all(x is None or isinstance(x, (bool, int, float, str)) for x in items):
        raise _Invalid(path, f"must be a number, string, true/false, null or a list of them, got {_show(v)}")


# -- the document ------------------------------------------------------------------------------------
def check_version(doc, where: str = "model.json") -> int:
    """The format version of a parsed document (format and version first: before checksums are compared)."""
    if not isinstance(doc, dict) or doc.get("format") != "lstmcast-model":
        raise ModelFileError(f"{where} is not an lstmcast model document.")
    version = doc.get("format_version")
    if _is_int(version) and version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where} was saved in model format {version}, which this lstmcast does not read "
            f"(formats 1 to {FORMAT_VERSION}): upgrade lstmcast (pip install -U lstmcast)."
        )
    if not _is_int(version) or version < 1:
        _raise(
            where, _Invalid("format_version", f"must be an integer from 1 to {FORMAT_VERSION}, got {_show(version)}")
        )
    return version


def check_document(doc: dict, where: str = "model.json") -> dict:
    """Check a whole ``model.json`` (envelope and state); the resolved settings (``check_params``'d)."""
    version = check_version(doc, where)
    try:
        for name in ("library_version", "weights_sha256", "document_sha256"):
            _str(doc.get(name), name)
        if "signature" in doc:
            _str(doc["signature"], "signature")
    except _Invalid as exc:
        _raise(where, exc)
    return check_state(doc, where, version, envelope=True)


def check_state(state: dict, where: str = "model.json", version: int = FORMAT_VERSION, envelope: bool = False) -> dict:
    """Check a model state (what ``model.json`` holds, or ``Forecaster.to_state()``) as data.

    Returns the resolved settings, checked by :func:`lstmcast.params.check_params`. Raises one
    ModelFileError naming the key path at fault. ``envelope``: the document's own keys are required.
    """
    try:
        return _check_state(state, version, envelope)
    except _Invalid as exc:
        _raise(where, exc)


def _check_state(state, version: int, envelope: bool) -> dict:
    sections = SECTIONS[version]
    allowed = (*sections, *ENVELOPE, *OPTIONAL_ENVELOPE, "arrays", *(OPTIONAL_SECTIONS if version >= 2 else ()))
    _object(state, "", (*ENVELOPE, *sections) if envelope else sections, allowed)
    cfg = _settings(state, version)
    members = _int(state.get("members", 1), "members", 1, MAX_MEMBERS)
    if members != cfg["ensemble"]:
        raise _Invalid("members", f"is {members} but resolved.ensemble is {cfg['ensemble']}")
    schema = _schema(state["schema"], version)
    columns = schema["targets"] + schema["features"] + schema.get("future", [])
    panel = "panel" in state
    mask = panel and isinstance(state["panel"], dict) and state["panel"].get("mask") is True  # + 1 input column
    _network(state["network"], version, cfg, schema, columns, state.get("loss"), int(mask))
    lag = _transforms(state["transforms"], cfg, 0 if panel else len(columns))
    positive = len(schema["targets"]) if cfg["log"] else 0
    _tail(state["tail"], schema, len(columns), 0 if panel else cfg["window"] + lag, positive)
    if panel:
        _panel(state["panel"], state["tail"])
    _history(state["history"])
    if version >= 2:
        _choices(state["choices"])
    if "calibration" in state:
        _calibration(state["calibration"], cfg, len(schema["targets"]))
    if "combination" in state:
        _combination(state["combination"], len(schema["targets"]))
    return cfg


def _params(d, path: str, defaults: dict | None = None) -> dict:
    """A parameter dict checked by params.check_params (the one place); unknown keys named."""
    _object(d, path, (), P.PARAMS)
    try:
        return P.check_params({**(defaults or {}), **P.from_jsonable(d)})
    except ConfigError as exc:
        raise _Invalid(path, f"is invalid: {str(exc).rstrip('.')}") from None


def _settings(state: dict, version: int) -> dict:
    """The resolved settings; a value set in ``config`` must be the one used."""
    config = _params(state["config"], "config", FORMAT1_DEFAULTS if version == 1 else LATER_DEFAULTS)
    if version == 1:
        cfg, source = config, "config"
    else:
        cfg, source = _params(state["resolved"], "resolved", LATER_DEFAULTS), "resolved"
    auto = [k for k, v in cfg.items() if v == "auto"]
    if auto:
        raise _Invalid(f"{source}.{auto[0]}", 'must be a value, got "auto" (the resolved settings hold no "auto")')
    for k in STRUCTURAL if version >= 2 else ():
        if config[k] not in ("auto", None) and config[k] != cfg[k]:
            raise _Invalid(
                f"config.{k}", f"is {_show(P.jsonable(config)[k])} but resolved.{k} is {_show(P.jsonable(cfg)[k])}"
            )
    return cfg


def _network(d, version: int, cfg: dict, schema: dict, columns: list, loss, mask: int = 0) -> None:
    from dataclasses import fields

    from lstmcast.nn.cells import CELLS
    from lstmcast.nn.heads import HEADS
    from lstmcast.nn.network import NETWORKS
    from lstmcast.nn.scaling import MODES
    from lstmcast.strategies import get_strategy
    from lstmcast.train.losses import DISTRIBUTIONS, POINT_LOSSES, loss_from_dict

    if isinstance(d, dict) and "kind" in d:
        _choice(d["kind"], "network.kind", tuple(NETWORKS))
    kind = d.get("kind", "recurrent") if isinstance(d, dict) else "recurrent"
    names = [f.name for f in fields(NETWORKS[kind])]
    _object(d, "network", NETWORK_V1 if version == 1 else NETWORK_V2, ("kind", *names))
    _choice(d["cell"], "network.cell", tuple(CELLS))
    units = _list(d["units"], "network.units")
    if not units:
        raise _Invalid("network.units", "must list one or more positive integers, got []")
    for i, u in enumerate(units):
        _int(u, f"network.units[{i}]")
    for name in ("n_inputs", "window", "horizon", "n_targets", "n_outputs", "season"):
        if name in d:
            _int(d[name], f"network.{name}")
    for name in ("dense_units", "n_future"):
        if name in d:
            _int(d[name], f"network.{name}", 0)
    if not 0.0 <= _number(d["dropout"], "network.dropout") < 1.0:
        raise _Invalid("network.dropout", f"must be in [0, 1), got {_show(d['dropout'])}")
    _bool(d["bidirectional"], "network.bidirectional")
    if "normalize" in d:
        _choice(d["normalize"], "network.normalize", MODES)
    for name in set(names) - set(NETWORK_V2):  # fields added after this module: plain values
        if name in d:
            _scalar(d[name], f"network.{name}")

    # the loss, then what the configuration, the schema and the loss say the network is
    if "head" in d:
        _choice(d["head"], "network.head", HEADS)
    n_outputs, head = 1, "point"
    if version >= 2:
        _object(loss, "loss", ("kind", "name"), ("kind", "name", "quantiles"))
        _choice(loss["kind"], "loss.kind", ("point", "quantile", "distribution"))
        names = {"point": tuple(POINT_LOSSES), "quantile": ("quantile",), "distribution": tuple(DISTRIBUTIONS)}
        _choice(loss["name"], "loss.name", names[loss["kind"]])
        if loss["name"] != cfg["loss"]:
            raise _Invalid("loss.name", f"is {_show(loss['name'])} but resolved.loss is {_show(cfg['loss'])}")
        if loss["kind"] == "quantile":
            if "quantiles" not in loss:
                raise _Invalid("loss.quantiles", "is missing: a quantile loss lists the quantiles its head emits")
            levels = _numbers(loss["quantiles"], "loss.quantiles")
            if tuple(levels) != tuple(cfg["quantiles"]):
                raise _Invalid(
                    "loss.quantiles", f"is {_show(levels)} but resolved.quantiles is {_show(list(cfg['quantiles']))}"
                )
        elif "quantiles" in loss:
            raise _Invalid("loss.quantiles", f"is set but loss {_show(loss['name'])} emits no quantiles")
        try:
            built = loss_from_dict(loss)
        except (ConfigError, TypeError, ValueError) as exc:
            raise _Invalid("loss", f"is invalid: {str(exc).rstrip('.')}") from None
        n_outputs, head = built.n_outputs, built.head
    source = "resolved" if version >= 2 else "config"
    n_future = len(schema.get("future", []))
    expected = {  # network key: (the value the rest of the document needs, where that comes from)
        "cell": (cfg["cell"], f"{source}.cell is {_show(cfg['cell'])}"),
        "units": (list(cfg["units"]), f"{source}.units is {_show(list(cfg['units']))}"),
        "window": (cfg["window"], f"{source}.window is {cfg['window']}"),
        "horizon": (
            get_strategy(cfg["strategy"]).model_horizon(cfg["horizon"]),
            f"{source}.horizon is {cfg['horizon']} with strategy {_show(cfg['strategy'])}",
        ),
        "dropout": (cfg["dropout"], f"{source}.dropout is {_show(cfg['dropout'])}"),
        "bidirectional": (cfg["bidirectional"], f"{source}.bidirectional is {_show(cfg['bidirectional'])}"),
        "dense_units": (cfg["dense_units"], f"{source}.dense_units is {cfg['dense_units']}"),
        "normalize": (cfg["normalize"], f"{source}.normalize is {_show(cfg['normalize'])}"),
        "season": (cfg["seasonal_period"], f"{source}.seasonal_period is {_show(cfg['seasonal_period'])}"),
        "n_inputs": (
            len(columns) + _static_width(d) + mask,
            f"the schema names {len(columns)} column{'s' * (len(columns) != 1)}"
            + (f" and the network {_static_width(d)} static one(s)" if _static_width(d) else "")
            + (" and panel.mask one" if mask else ""),
        ),
        "n_targets": (len(schema["targets"]), f"schema.targets names {len(schema['targets'])}"),
        "n_future": (n_future, f"schema.future names {n_future}"),
        "n_outputs": (n_outputs, f"loss {_show(cfg['loss'])} emits {n_outputs}"),
        "head": (head, f"loss {_show(cfg['loss'])} needs head {_show(head)}"),
    }
    for name, (value, why) in expected.items():
        if name in d and value is not None and d[name] != value:
            raise _Invalid(f"network.{name}", f"is {_show(d[name])} but {why}")


def _static_width(network) -> int:
    """Static attribute columns a network reads besides the schema's columns (0 without static=)."""
    if not isinstance(network, dict):
        return 0
    cards = network.get("static_cards", [])
    return int(network.get("n_static", 0) or 0) + (len(cards) if isinstance(cards, list) else 0)


def _transforms(d, cfg: dict, width: int) -> int:
    """Check the fitted transforms; the target's differencing lag."""
    from lstmcast.data.transforms import SCALERS

    _object(d, "transforms", ("scaler", "target"), ("scaler", "target"))
    keys = ("kind", "feature_range", "offset", "scale")
    scaler = _object(d["scaler"], "transforms.scaler", keys, keys)
    _choice(scaler["kind"], "transforms.scaler.kind", SCALERS)
    lo, hi = _numbers(scaler["feature_range"], "transforms.scaler.feature_range", 2)
    if not lo < hi:
        raise _Invalid("transforms.scaler.feature_range", f"needs low < high, got {_show(scaler['feature_range'])}")
    _numbers(scaler["offset"], "transforms.scaler.offset", width)
    for i, s in enumerate(_numbers(scaler["scale"], "transforms.scaler.scale", width)):
        if s == 0:
            raise _Invalid(f"transforms.scaler.scale[{i}]", "must not be 0")
    target = _object(d["target"], "transforms.target", ("log", "lag"), ("log", "lag"))
    log = _bool(target["log"], "transforms.target.log")
    lag = _int(target["lag"], "transforms.target.lag", 0)
    for path, value, name in (
        ("transforms.scaler.kind", scaler["kind"], "scaler"),
        ("transforms.scaler.feature_range", [lo, hi], "feature_range"),
        ("transforms.target.log", log, "log"),
        ("transforms.target.lag", lag, "difference"),
    ):
        want = list(cfg[name]) if isinstance(cfg[name], tuple) else cfg[name]
        if value != want:
            raise _Invalid(path, f"is {_show(value)} but the settings' {name} is {_show(want)}")
    return lag


def _schema(d, version: int) -> dict:
    from lstmcast.data.series import STEPS

    _object(d, "schema", SCHEMA_V1 if version == 1 else SCHEMA_V2, SCHEMA_V2)
    columns = _names(d["targets"], "schema.targets", nonempty=True)
    for role in ("features", "future"):
        if role in d:
            for name in _names(d[role], f"schema.{role}"):
                if name in columns:
                    raise _Invalid(f"schema.{role}", f"names the column {name!r}, which has another role too")
                columns.append(name)
    _str(d["time"], "schema.time", optional=True)
    if _str(d["freq"], "schema.freq", optional=True) is not None:
        _frequency(d["freq"])
    _int(d["rows"], "schema.rows")
    _str(d["first_timestamp"], "schema.first_timestamp")
    _str(d["last_timestamp"], "schema.last_timestamp")
    if "steps" in d:
        _choice(d["steps"], "schema.steps", STEPS)
    if "skipped" in d:
        _int(d["skipped"], "schema.skipped", 0)
    if "step" in d:
        _int(d["step"], "schema.step")
    return d


def _frequency(freq: str) -> None:
    import pandas as pd

    try:
        pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        raise _Invalid("schema.freq", f"must be a pandas frequency such as 'D' or 'MS', got {_show(freq)}") from None


def _tail(d, schema: dict, width: int, needed: int, positive: int) -> None:
    """Check the kept rows; ``positive``: how many leading (target) columns must be > 0 (log transform)."""
    import numpy as np
    import pandas as pd

    _object(d, "tail", ("index", "values"), ("index", "values"))
    index = _object(d["index"], "tail.index", ("kind", "values", "name"), ("kind", "values", "name"))
    kind = _choice(index["kind"], "tail.index.kind", ("datetime", "steps"))
    stamps = _list(index["values"], "tail.index.values")
    _str(index["name"], "tail.index.name", optional=True)
    if kind == "datetime":
        for i, v in enumerate(stamps):
            _str(v, f"tail.index.values[{i}]")
        try:
            parsed = pd.DatetimeIndex(pd.to_datetime(stamps, format="ISO8601"))
        except (ValueError, TypeError, OverflowError):
            raise _Invalid("tail.index.values", "must be ISO timestamps") from None
        if schema["freq"] is None:
            raise _Invalid("schema.freq", "must be a pandas frequency for a datetime index, got null")
    else:
        parsed = pd.Index([_int(v, f"tail.index.values[{i}]", -(2**63), 2**63 - 1) for i, v in enumerate(stamps)])
    if not parsed.is_monotonic_increasing or not parsed.is_unique:
        raise _Invalid("tail.index.values", "must be increasing, without repeats")
    rows = _list(d["values"], "tail.values")
    if len(rows) != len(stamps):
        raise _Invalid("tail.values", f"holds {len(rows)} rows but tail.index.values has {len(stamps)}")
    if len(rows) < needed:
        raise _Invalid(
            "tail.values", f"holds {len(rows)} rows, fewer than the {needed} a forecast needs (window + difference)"
        )
    if len(rows) > schema["rows"]:
        raise _Invalid("tail.values", f"holds {len(rows)} rows, more than schema.rows ({schema['rows']})")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            got = f"{len(row)} values" if isinstance(row, list) else _show(row)
            raise _Invalid(f"tail.values[{i}]", f"must be a list of {width} numbers (one per column), got {got}")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in row):
            raise _Invalid(f"tail.values[{i}]", f"must hold numbers only, got {_show(row)}")
    if rows:
        values = np.asarray(rows, np.float64)  # (rows, width)
        bad = np.argwhere(~np.isfinite(values))
        if bad.size:
            i, j = bad[0]
            raise _Invalid(f"tail.values[{i}][{j}]", f"must be a finite number, got {_show(rows[i][j])}")
        bad = np.argwhere(~(values[:, :positive] > 0))
        if bad.size:
            i, j = bad[0]
            raise _Invalid(f"tail.values[{i}][{j}]", f"must be positive (log transform), got {_show(rows[i][j])}")


def _history(d) -> None:
    from dataclasses import fields

    from lstmcast.train.history import History

    names = [f.name for f in fields(History)]
    _object(d, "history", HISTORY_REQUIRED, names)
    for name in ("loss", "val_loss", "learning_rate", "seconds"):
        _numbers(d[name], f"history.{name}", finite=False)
    typed = {
        "compile_seconds": lambda v, p: _number(v, p, finite=False),
        "best_epoch": lambda v, p: _optional_int(v, p, 1),
        "refit_epochs": lambda v, p: _optional_int(v, p, 0),
        "stopped_early": _bool,
        "interrupted": _bool,
    }
    for name in names:
        if name in d and name not in HISTORY_REQUIRED:
            typed.get(name, _scalar)(d[name], f"history.{name}")


def _panel(d, tail) -> None:
    """A global model's series: ids, training rows, the time kind; its rows and scalers are arrays."""
    required = ("id", "ids", "rows", "time_kind", "tz", "unit")
    _object(d, "panel", required, (*required, "calibration", "id_kind", "static", "mask"))
    d = {"calibration": None, "id_kind": "str", "static": None, "mask": False, **d}
    _bool(d["mask"], "panel.mask")
    _str(d["id"], "panel.id")
    ids = _names(d["ids"], "panel.ids", nonempty=True)
    if len(set(ids)) != len(ids):
        raise _Invalid("panel.ids", "must not repeat an id")
    rows = _list(d["rows"], "panel.rows", len(ids))
    for i, n in enumerate(rows):
        _int(n, f"panel.rows[{i}]")
    _choice(d["time_kind"], "panel.time_kind", ("datetime", "steps"))
    _choice(d["id_kind"], "panel.id_kind", ("str", "int"))
    _str(d["tz"], "panel.tz", optional=True)
    if d["time_kind"] == "datetime":
        _choice(d["unit"], "panel.unit", ("s", "ms", "us", "ns"))
    if d["calibration"] is not None:
        cal = _object(d["calibration"], "panel.calibration", ("method", "log", "series"), ("method", "log", "series"))
        _choice(cal["method"], "panel.calibration.method", ("conformal",))
        _bool(cal["log"], "panel.calibration.log")
        _int(cal["series"], "panel.calibration.series")
    if tail["values"]:
        raise _Invalid("tail.values", "must be empty for a model of many series (its rows are in the weights file)")
    if d["static"] is not None:
        keys = ("numeric", "mean", "std", "categorical", "categories")
        st = _object(d["static"], "panel.static", keys, keys)
        numeric = _names(st["numeric"], "panel.static.numeric")
        _numbers(st["mean"], "panel.static.mean", len(numeric))
        for i, v in enumerate(_numbers(st["std"], "panel.static.std", len(numeric))):
            if v <= 0:
                raise _Invalid(f"panel.static.std[{i}]", f"must be positive, got {_show(v)}")
        categorical = _names(st["categorical"], "panel.static.categorical")
        for i, cats in enumerate(_list(st["categories"], "panel.static.categories", len(categorical))):
            _names(cats, f"panel.static.categories[{i}]")


def _combination(d, n_targets: int) -> None:
    from lstmcast.stats.combination import CANDIDATES
    from lstmcast.stats.smoothing import METHODS, N_PARAMS

    keys = ("weights", "params", "season", "context", "scores")
    _object(d, "combination", keys, keys)
    _int(d["season"], "combination.season", 1)
    _int(d["context"], "combination.context", 1)
    for part in ("weights", "scores"):
        _object(d[part], f"combination.{part}", (), CANDIDATES)
        for name, v in d[part].items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise _Invalid(f"combination.{part}.{name}", f"must be a finite number >= 0, got {_show(v)}")
    if not d["weights"] or abs(sum(d["weights"].values()) - 1.0) > 1e-6:
        raise _Invalid("combination.weights", "must name at least one candidate, with weights summing to 1")
    _object(d["params"], "combination.params", (), METHODS)
    for name in d["weights"]:
        if name in METHODS and name not in d["params"]:
            raise _Invalid("combination.params", f"lacks the parameters of {name!r}, which has a weight")
    for name, per_target in d["params"].items():
        _list(per_target, f"combination.params.{name}", n_targets)
        for j, p in enumerate(per_target):
            _numbers(p, f"combination.params.{name}[{j}]", N_PARAMS[name])


def _calibration(d, cfg: dict, n_targets: int) -> None:
    """Conformal scores: errors (origins, horizon, targets), finite, for this model's horizon and targets."""
    _object(d, "calibration", ("method", "cutoff", "log", "errors"), ("method", "cutoff", "log", "errors"))
    _choice(d["method"], "calibration.method", CALIBRATION_METHODS)
    _int(d["cutoff"], "calibration.cutoff", 1)
    _bool(d["log"], "calibration.log")
    origins = _list(d["errors"], "calibration.errors")
    if not origins:
        raise _Invalid("calibration.errors", "is empty: at least one calibration origin is needed")
    for i, steps in enumerate(origins):
        _list(steps, f"calibration.errors[{i}]", cfg["horizon"])
        for h, row in enumerate(steps):
            _numbers(row, f"calibration.errors[{i}][{h}]", n_targets)


def _choices(d) -> None:
    _object(d, "choices", (), (*P.PARAMS, "intervals"))
    for name, c in d.items():
        _object(c, f"choices.{name}", ("value", "reason"), ("value", "reason"))
        _scalar(c["value"], f"choices.{name}.value")
        _str(c["reason"], f"choices.{name}.reason")
