"""The sections of a model document, each checked as data and against the settings it was built from.

One function per section of ``model.json``: the network and its loss, the fitted transforms,
the data schema, the kept rows (``tail``), the training history, the settings' choices, and the
optional calibration, combination and many-series (``panel``) sections. Each raises
:class:`~lstmcast.io.json_checks.Invalid` naming the key path; :mod:`lstmcast.io.schema` runs them
in order and knows the document as a whole.
"""

from __future__ import annotations

import math

from lstmcast import params as P
from lstmcast.errors import ConfigError
from lstmcast.io.json_checks import (
    Invalid,
    a_bool,
    a_choice,
    a_list,
    a_number,
    a_scalar,
    a_str,
    an_int,
    an_object,
    column_names,
    numbers,
    optional_int,
    show,
)
from lstmcast.roles import VALUE_COLUMNS

NETWORK_V1 = ("cell", "units", "n_inputs", "window", "horizon", "n_targets", "dropout", "bidirectional", "dense_units")


NETWORK_V2 = (*NETWORK_V1, "kind", "n_outputs", "n_future", "normalize", "season")


SCHEMA_V1 = ("targets", "features", "time", "freq", "rows", "first_timestamp", "last_timestamp")


SCHEMA_V2 = (*SCHEMA_V1, "future", "steps", "skipped", "step")


HISTORY_REQUIRED = ("loss", "val_loss", "learning_rate", "seconds")


CALIBRATION_METHODS = ("conformal", "naive")


def check_network(d, version: int, cfg: dict, schema: dict, columns: list, loss, mask: int = 0) -> None:
    from dataclasses import fields

    from lstmcast.nn.cells import CELLS
    from lstmcast.nn.heads import HEADS
    from lstmcast.nn.network import NETWORKS
    from lstmcast.nn.scaling import MODES
    from lstmcast.strategies import get_strategy
    from lstmcast.train.losses import DISTRIBUTIONS, POINT_LOSSES, loss_from_dict

    if isinstance(d, dict) and "kind" in d:
        a_choice(d["kind"], "network.kind", tuple(NETWORKS))
    kind = d.get("kind", "recurrent") if isinstance(d, dict) else "recurrent"
    names = [f.name for f in fields(NETWORKS[kind])]
    an_object(d, "network", NETWORK_V1 if version == 1 else NETWORK_V2, ("kind", *names))
    a_choice(d["cell"], "network.cell", tuple(CELLS))
    units = a_list(d["units"], "network.units")
    if not units:
        raise Invalid("network.units", "must list one or more positive integers, got []")
    for i, u in enumerate(units):
        an_int(u, f"network.units[{i}]")
    for name in ("n_inputs", "window", "horizon", "n_targets", "n_outputs", "season"):
        if name in d:
            an_int(d[name], f"network.{name}")
    for name in ("dense_units", "n_future"):
        if name in d:
            an_int(d[name], f"network.{name}", 0)
    if not 0.0 <= a_number(d["dropout"], "network.dropout") < 1.0:
        raise Invalid("network.dropout", f"must be in [0, 1), got {show(d['dropout'])}")
    a_bool(d["bidirectional"], "network.bidirectional")
    if "normalize" in d:
        a_choice(d["normalize"], "network.normalize", MODES)
    for name in set(names) - set(NETWORK_V2):  # fields added after this module: plain values
        if name in d:
            a_scalar(d[name], f"network.{name}")

    # the loss, then what the configuration, the schema and the loss say the network is
    if "head" in d:
        a_choice(d["head"], "network.head", HEADS)
    n_outputs, head = 1, "point"
    if version >= 2:
        an_object(loss, "loss", ("kind", "name"), ("kind", "name", "quantiles"))
        a_choice(loss["kind"], "loss.kind", ("point", "quantile", "distribution"))
        names = {"point": tuple(POINT_LOSSES), "quantile": ("quantile",), "distribution": tuple(DISTRIBUTIONS)}
        a_choice(loss["name"], "loss.name", names[loss["kind"]])
        if loss["name"] != cfg["loss"]:
            raise Invalid("loss.name", f"is {show(loss['name'])} but resolved.loss is {show(cfg['loss'])}")
        if loss["kind"] == "quantile":
            if "quantiles" not in loss:
                raise Invalid("loss.quantiles", "is missing: a quantile loss lists the quantiles its head emits")
            levels = numbers(loss["quantiles"], "loss.quantiles")
            if tuple(levels) != tuple(cfg["quantiles"]):
                raise Invalid(
                    "loss.quantiles", f"is {show(levels)} but resolved.quantiles is {show(list(cfg['quantiles']))}"
                )
        elif "quantiles" in loss:
            raise Invalid("loss.quantiles", f"is set but loss {show(loss['name'])} emits no quantiles")
        try:
            built = loss_from_dict(loss)
        except (ConfigError, TypeError, ValueError) as exc:
            raise Invalid("loss", f"is invalid: {str(exc).rstrip('.')}") from None
        n_outputs, head = built.n_outputs, built.head
    source = "resolved" if version >= 2 else "config"
    n_future = len(schema.get("future", []))
    expected = {  # network key: (the value the rest of the document needs, where that comes from)
        "cell": (cfg["cell"], f"{source}.cell is {show(cfg['cell'])}"),
        "units": (list(cfg["units"]), f"{source}.units is {show(list(cfg['units']))}"),
        "window": (cfg["window"], f"{source}.window is {cfg['window']}"),
        "horizon": (
            get_strategy(cfg["strategy"]).model_horizon(cfg["horizon"]),
            f"{source}.horizon is {cfg['horizon']} with strategy {show(cfg['strategy'])}",
        ),
        "dropout": (cfg["dropout"], f"{source}.dropout is {show(cfg['dropout'])}"),
        "bidirectional": (cfg["bidirectional"], f"{source}.bidirectional is {show(cfg['bidirectional'])}"),
        "dense_units": (cfg["dense_units"], f"{source}.dense_units is {cfg['dense_units']}"),
        "normalize": (cfg["normalize"], f"{source}.normalize is {show(cfg['normalize'])}"),
        "season": (cfg["seasonal_period"], f"{source}.seasonal_period is {show(cfg['seasonal_period'])}"),
        "n_inputs": (
            len(columns) + _static_width(d) + mask,
            f"the schema names {len(columns)} column{'s' * (len(columns) != 1)}"
            + (f" and the network {_static_width(d)} static one(s)" if _static_width(d) else "")
            + (" and panel.mask one" if mask else ""),
        ),
        "n_targets": (len(schema["targets"]), f"schema.targets names {len(schema['targets'])}"),
        "n_future": (n_future, f"schema.future names {n_future}"),
        "n_outputs": (n_outputs, f"loss {show(cfg['loss'])} emits {n_outputs}"),
        "head": (head, f"loss {show(cfg['loss'])} needs head {show(head)}"),
    }
    for name, (value, why) in expected.items():
        if name in d and value is not None and d[name] != value:
            raise Invalid(f"network.{name}", f"is {show(d[name])} but {why}")


def _static_width(network) -> int:
    """Static attribute columns a network reads besides the schema's columns (0 without static=)."""
    if not isinstance(network, dict):
        return 0
    cards = network.get("static_cards", [])
    return int(network.get("n_static", 0) or 0) + (len(cards) if isinstance(cards, list) else 0)


def check_transforms(d, cfg: dict, width: int) -> int:
    """Check the fitted transforms; the target's differencing lag."""
    from lstmcast.data.transforms import SCALERS

    an_object(d, "transforms", ("scaler", "target"), ("scaler", "target"))
    keys = ("kind", "feature_range", "offset", "scale")
    scaler = an_object(d["scaler"], "transforms.scaler", keys, (*keys, "ignored"))
    a_choice(scaler["kind"], "transforms.scaler.kind", SCALERS)
    lo, hi = numbers(scaler["feature_range"], "transforms.scaler.feature_range", 2)
    if not lo < hi:
        raise Invalid("transforms.scaler.feature_range", f"needs low < high, got {show(scaler['feature_range'])}")
    numbers(scaler["offset"], "transforms.scaler.offset", width)
    for i, s in enumerate(numbers(scaler["scale"], "transforms.scaler.scale", width)):
        if s == 0:
            raise Invalid(f"transforms.scaler.scale[{i}]", "must not be 0")
    for i, column in enumerate(a_list(scaler.get("ignored", []), "transforms.scaler.ignored")):
        an_int(column, f"transforms.scaler.ignored[{i}]", 1)  # a target (column 0) is always read
        if column >= width:
            raise Invalid(f"transforms.scaler.ignored[{i}]", f"must be a column below {width}, got {column}")
    target = an_object(d["target"], "transforms.target", ("log", "lag"), ("log", "lag"))
    log = a_bool(target["log"], "transforms.target.log")
    lag = an_int(target["lag"], "transforms.target.lag", 0)
    for path, value, name in (
        ("transforms.scaler.kind", scaler["kind"], "scaler"),
        ("transforms.scaler.feature_range", [lo, hi], "feature_range"),
        ("transforms.target.log", log, "log"),
        ("transforms.target.lag", lag, "difference"),
    ):
        want = list(cfg[name]) if isinstance(cfg[name], tuple) else cfg[name]
        if value != want:
            raise Invalid(path, f"is {show(value)} but the settings' {name} is {show(want)}")
    return lag


def check_schema(d, version: int) -> dict:
    from lstmcast.data.series import STEPS

    an_object(d, "schema", SCHEMA_V1 if version == 1 else SCHEMA_V2, SCHEMA_V2)
    columns = column_names(d[VALUE_COLUMNS[0]], f"schema.{VALUE_COLUMNS[0]}", nonempty=True)
    for role in VALUE_COLUMNS[1:]:
        if role in d:
            for name in column_names(d[role], f"schema.{role}"):
                if name in columns:
                    raise Invalid(f"schema.{role}", f"names the column {name!r}, which has another role too")
                columns.append(name)
    a_str(d["time"], "schema.time", optional=True)
    if a_str(d["freq"], "schema.freq", optional=True) is not None:
        _frequency(d["freq"])
    an_int(d["rows"], "schema.rows")
    a_str(d["first_timestamp"], "schema.first_timestamp")
    a_str(d["last_timestamp"], "schema.last_timestamp")
    if "steps" in d:
        a_choice(d["steps"], "schema.steps", STEPS)
    if "skipped" in d:
        an_int(d["skipped"], "schema.skipped", 0)
    if "step" in d:
        an_int(d["step"], "schema.step")
    return d


def _frequency(freq: str) -> None:
    import pandas as pd

    try:
        pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        raise Invalid("schema.freq", f"must be a pandas frequency such as 'D' or 'MS', got {show(freq)}") from None


def check_tail(d, schema: dict, width: int, needed: int, positive: int) -> None:
    """Check the kept rows; ``positive``: how many leading (target) columns must be > 0 (log transform)."""
    import numpy as np
    import pandas as pd

    an_object(d, "tail", ("index", "values"), ("index", "values"))
    index = an_object(d["index"], "tail.index", ("kind", "values", "name"), ("kind", "values", "name"))
    kind = a_choice(index["kind"], "tail.index.kind", ("datetime", "steps"))
    stamps = a_list(index["values"], "tail.index.values")
    a_str(index["name"], "tail.index.name", optional=True)
    if kind == "datetime":
        for i, v in enumerate(stamps):
            a_str(v, f"tail.index.values[{i}]")
        try:
            parsed = pd.DatetimeIndex(pd.to_datetime(stamps, format="ISO8601"))
        except (ValueError, TypeError, OverflowError):
            raise Invalid("tail.index.values", "must be ISO timestamps") from None
        if schema["freq"] is None:
            raise Invalid("schema.freq", "must be a pandas frequency for a datetime index, got null")
    else:
        parsed = pd.Index([an_int(v, f"tail.index.values[{i}]", -(2**63), 2**63 - 1) for i, v in enumerate(stamps)])
    if not parsed.is_monotonic_increasing or not parsed.is_unique:
        raise Invalid("tail.index.values", "must be increasing, without repeats")
    rows = a_list(d["values"], "tail.values")
    if len(rows) != len(stamps):
        raise Invalid("tail.values", f"holds {len(rows)} rows but tail.index.values has {len(stamps)}")
    if len(rows) < needed:
        raise Invalid(
            "tail.values", f"holds {len(rows)} rows, fewer than the {needed} a forecast needs (window + difference)"
        )
    if len(rows) > schema["rows"]:
        raise Invalid("tail.values", f"holds {len(rows)} rows, more than schema.rows ({schema['rows']})")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            got = f"{len(row)} values" if isinstance(row, list) else show(row)
            raise Invalid(f"tail.values[{i}]", f"must be a list of {width} numbers (one per column), got {got}")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in row):
            raise Invalid(f"tail.values[{i}]", f"must hold numbers only, got {show(row)}")
    if rows:
        values = np.asarray(rows, np.float64)  # (rows, width)
        bad = np.argwhere(~np.isfinite(values))
        if bad.size:
            i, j = bad[0]
            raise Invalid(f"tail.values[{i}][{j}]", f"must be a finite number, got {show(rows[i][j])}")
        bad = np.argwhere(~(values[:, :positive] > 0))
        if bad.size:
            i, j = bad[0]
            raise Invalid(f"tail.values[{i}][{j}]", f"must be positive (log transform), got {show(rows[i][j])}")


def check_history(d) -> None:
    from dataclasses import fields

    from lstmcast.train.history import History

    names = [f.name for f in fields(History)]
    an_object(d, "history", HISTORY_REQUIRED, names)
    for name in ("loss", "val_loss", "learning_rate", "seconds"):
        numbers(d[name], f"history.{name}", finite=False)
    typed = {
        "compile_seconds": lambda v, p: a_number(v, p, finite=False),
        "best_epoch": lambda v, p: optional_int(v, p, 1),
        "refit_epochs": lambda v, p: optional_int(v, p, 0),
        "stopped_early": a_bool,
        "interrupted": a_bool,
    }
    for name in names:
        if name in d and name not in HISTORY_REQUIRED:
            typed.get(name, a_scalar)(d[name], f"history.{name}")


def check_panel(d, tail, n_targets: int) -> None:
    """A global model's series: ids, training rows, the time kind; its rows and scalers are arrays."""
    required = ("id", "ids", "rows", "time_kind", "tz", "unit")
    an_object(d, "panel", required, (*required, "calibration", "id_kind", "static", "mask", "combinations"))
    d = {"calibration": None, "id_kind": "str", "static": None, "mask": False, "combinations": None, **d}
    a_bool(d["mask"], "panel.mask")
    a_str(d["id"], "panel.id")
    ids = column_names(d["ids"], "panel.ids", nonempty=True)
    if len(set(ids)) != len(ids):
        raise Invalid("panel.ids", "must not repeat an id")
    rows = a_list(d["rows"], "panel.rows", len(ids))
    for i, n in enumerate(rows):
        an_int(n, f"panel.rows[{i}]")
    a_choice(d["time_kind"], "panel.time_kind", ("datetime", "steps"))
    a_choice(d["id_kind"], "panel.id_kind", ("str", "int"))
    a_str(d["tz"], "panel.tz", optional=True)
    if d["time_kind"] == "datetime":
        a_choice(d["unit"], "panel.unit", ("s", "ms", "us", "ns"))
    if d["calibration"] is not None:
        cal = an_object(d["calibration"], "panel.calibration", ("method", "log", "series"), ("method", "log", "series"))
        a_choice(cal["method"], "panel.calibration.method", ("conformal",))
        a_bool(cal["log"], "panel.calibration.log")
        an_int(cal["series"], "panel.calibration.series")
    if d["combinations"] is not None:
        for i, item in enumerate(a_list(d["combinations"], "panel.combinations", len(ids))):
            if item is not None:
                check_combination(item, n_targets, f"panel.combinations[{i}]")
    if tail["values"]:
        raise Invalid("tail.values", "must be empty for a model of many series (its rows are in the weights file)")
    if d["static"] is not None:
        keys = ("numeric", "mean", "std", "categorical", "categories")
        st = an_object(d["static"], "panel.static", keys, keys)
        numeric = column_names(st["numeric"], "panel.static.numeric")
        numbers(st["mean"], "panel.static.mean", len(numeric))
        for i, v in enumerate(numbers(st["std"], "panel.static.std", len(numeric))):
            if v <= 0:
                raise Invalid(f"panel.static.std[{i}]", f"must be positive, got {show(v)}")
        categorical = column_names(st["categorical"], "panel.static.categorical")
        for i, cats in enumerate(a_list(st["categories"], "panel.static.categories", len(categorical))):
            column_names(cats, f"panel.static.categories[{i}]")


def check_combination(d, n_targets: int, where: str = "combination") -> None:
    """One series' combined forecast: the chosen weights, the smoothing parameters per target, the scores."""
    from lstmcast.stats.combination import CANDIDATES
    from lstmcast.stats.smoothing import METHODS, N_PARAMS

    keys = ("weights", "params", "season", "context", "scores")
    an_object(d, where, keys, keys)
    an_int(d["season"], f"{where}.season", 1)
    an_int(d["context"], f"{where}.context", 1)
    for part in ("weights", "scores"):
        an_object(d[part], f"{where}.{part}", (), CANDIDATES)
        for name, v in d[part].items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise Invalid(f"{where}.{part}.{name}", f"must be a finite number >= 0, got {show(v)}")
    if not d["weights"] or abs(sum(d["weights"].values()) - 1.0) > 1e-6:
        raise Invalid(f"{where}.weights", "must name at least one candidate, with weights summing to 1")
    an_object(d["params"], f"{where}.params", (), METHODS)
    for name in d["weights"]:
        if name in METHODS and name not in d["params"]:
            raise Invalid(f"{where}.params", f"lacks the parameters of {name!r}, which has a weight")
    for name, per_target in d["params"].items():
        a_list(per_target, f"{where}.params.{name}", n_targets)
        for j, p in enumerate(per_target):
            numbers(p, f"{where}.params.{name}[{j}]", N_PARAMS[name])


def check_calibration(d, cfg: dict, n_targets: int) -> None:
    """Conformal scores: errors (origins, horizon, targets), finite, for this model's horizon and targets."""
    an_object(d, "calibration", ("method", "cutoff", "log", "errors"), ("method", "cutoff", "log", "errors"))
    a_choice(d["method"], "calibration.method", CALIBRATION_METHODS)
    an_int(d["cutoff"], "calibration.cutoff", 1)
    a_bool(d["log"], "calibration.log")
    origins = a_list(d["errors"], "calibration.errors")
    if not origins:
        raise Invalid("calibration.errors", "is empty: at least one calibration origin is needed")
    for i, steps in enumerate(origins):
        a_list(steps, f"calibration.errors[{i}]", cfg["horizon"])
        for h, row in enumerate(steps):
            numbers(row, f"calibration.errors[{i}][{h}]", n_targets)


def check_choices(d) -> None:
    an_object(d, "choices", (), (*P.PARAMS, "intervals", "future"))  # future: whether the network reads them
    for name, c in d.items():
        an_object(c, f"choices.{name}", ("value", "reason"), ("value", "reason"))
        a_scalar(c["value"], f"choices.{name}.value")
        a_str(c["reason"], f"choices.{name}.reason")
