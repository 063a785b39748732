"""A fitted Forecaster as plain data and back: what saving writes and loading reads.

The state is a dict of JSON-ready values (configuration, network, loss,
fitted transforms, data schema, the last rows a forecast needs, training
history) plus ``arrays``: the weights, named like ``layers.0.forward.kernel``.
:func:`restore` checks it as data first (:func:`lstmcast.io.schema.check_state`:
keys, types, ranges, the sections' consistency), then the weights' names,
shapes, dtypes and finiteness against the network, before building anything,
so an inconsistent document is refused with ModelFileError instead of
forecasting garbage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast import params as P
from lstmcast.auto import Choice
from lstmcast.data.pipeline import Transforms
from lstmcast.data.series import Series
from lstmcast.data.timefmt import format_time
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.errors import ConfigError, ModelFileError
from lstmcast.io.schema import FORMAT1_DEFAULTS, FORMAT_VERSION, check_state
from lstmcast.roles import VALUE_COLUMNS, value_columns
from lstmcast.stats.combination import Combination
from lstmcast.train.history import History
from lstmcast.train.losses import get_loss, loss_from_dict
from lstmcast.train.programs import members_of
from lstmcast.uncertainty.conformal import Calibration

__all__ = ["FORMAT1_DEFAULTS", "fitted_state", "flatten", "restore", "saved_params", "unflatten_like"]
TAIL_ROWS = 500  # rows kept for forecast plots' context (at least window + difference are always kept)


def flatten(params, prefix: str = "") -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for k, v in items:
        name = f"{prefix}{k}"
        if isinstance(v, (dict, list)):
            out.update(flatten(v, name + "."))
        else:
            out[name] = np.asarray(v)
    return out


def unflatten_like(template, arrays: dict[str, np.ndarray], prefix: str = ""):
    if isinstance(template, dict):
        return {k: unflatten_like(v, arrays, f"{prefix}{k}.") for k, v in template.items()}
    if isinstance(template, list):
        return [unflatten_like(v, arrays, f"{prefix}{i}.") for i, v in enumerate(template)]
    name = prefix[:-1]
    if name not in arrays:
        raise ModelFileError(f"the weights file lacks array {name!r}: the model folder is damaged; save it again.")
    arr = arrays[name]
    if arr.dtype != template.dtype:
        raise ModelFileError(
            f"weight {name!r} is {arr.dtype}, the network needs {template.dtype}: "
            "the weights do not belong to this model.json; save the model again."
        )
    if arr.shape != tuple(template.shape):
        raise ModelFileError(
            f"weight {name!r} has shape {arr.shape}, the configuration needs {tuple(template.shape)}: "
            "the weights do not belong to this model.json."
        )
    if not np.isfinite(arr).all():
        raise ModelFileError(f"weight {name!r} holds NaN or infinite values: the model is damaged; train it again.")
    return arr


def _index_to_json(index: pd.Index) -> dict:
    if isinstance(index, pd.DatetimeIndex):
        return {"kind": "datetime", "values": [ts.isoformat() for ts in index], "name": index.name}
    return {"kind": "steps", "values": [int(v) for v in index], "name": index.name}


def _index_from_json(d: dict) -> pd.Index:
    if d["kind"] == "datetime":
        return pd.DatetimeIndex(pd.to_datetime(d["values"]), name=d["name"])
    return pd.Index(np.asarray(d["values"], np.int64), name=d["name"])


def fitted_state(model) -> dict:
    """The state of a fitted Forecaster."""
    if model.is_panel_:
        return _panel_fitted_state(model)
    s = model.series_
    keep = min(len(s), max(model.history_rows_(), TAIL_ROWS))
    return {
        "config": P.jsonable(model.get_params()),
        "resolved": P.jsonable(model.config_),  # the settings used, "auto" ones chosen
        "choices": {k: c.to_dict() for k, c in model.choices_.items()},
        "members": members_of(model.params_),
        "network": model.spec_.to_dict(),
        "loss": model.loss_.to_dict(),
        "transforms": {
            "scaler": model.transforms_.scaler.to_dict(),
            "target": model.transforms_.target.to_dict(),
        },
        "schema": {
            **{key: list(getattr(s, key)) for key in VALUE_COLUMNS},
            "time": s.time_name,
            "freq": s.freq,
            "steps": s.steps,
            "skipped": int(s.skipped),
            "step": int(s.step),
            "rows": int(model.n_rows_),
            "first_timestamp": format_time(model.first_index_),
            "last_timestamp": format_time(s.index[-1]),
        },
        "tail": {"index": _index_to_json(s.index[-keep:]), "values": s.values[-keep:].tolist()},
        "history": model.history_.to_dict(),
        **({"calibration": cal.to_dict()} if (cal := getattr(model, "calibration_", None)) is not None else {}),
        **({"combination": c.to_dict()} if (c := getattr(model, "combination_", None)) is not None else {}),
        "arrays": flatten(model.params_),
    }


def _panel_fitted_state(model) -> dict:
    """A global model's state: as one series', with per-series rows and scalers in ``panel.*`` arrays."""
    from lstmcast.io.panel_state import panel_state

    panel, t = model.panel_, model.transforms_
    section, arrays = panel_state(model)
    firsts, lasts = panel.times[panel.offsets()[:-1]], panel.times[panel.offsets()[1:] - 1]
    return {
        "config": P.jsonable(model.get_params()),
        "resolved": P.jsonable(model.config_),
        "choices": {k: c.to_dict() for k, c in model.choices_.items()},
        "members": members_of(model.params_),
        "network": model.spec_.to_dict(),
        "loss": model.loss_.to_dict(),
        "transforms": {
            "scaler": {"kind": t.kind, "feature_range": list(t.feature_range), "offset": [], "scale": []},
            "target": t.target.to_dict(),
        },
        "schema": {
            **{key: list(getattr(panel, key)) for key in VALUE_COLUMNS},
            "time": panel.time_name,
            "freq": panel.freq,
            "steps": panel.steps,
            "skipped": 0,
            "step": int(panel.step),
            "rows": int(panel.total_rows),
            "first_timestamp": format_time(firsts.min()),
            "last_timestamp": format_time(lasts.max()),
        },
        "tail": {"index": {"kind": section["time_kind"], "values": [], "name": panel.time_name}, "values": []},
        "history": model.history_.to_dict(),
        "panel": section,
        "arrays": {**flatten(model.params_), **arrays},
    }


def saved_params(state: dict) -> dict:
    """The constructor arguments a saved model was made with (format-1 documents: their meaning then)."""
    config = P.from_jsonable(state["config"])
    return config if "resolved" in state else {**FORMAT1_DEFAULTS, **config}


def restore(state: dict) -> dict:
    """The fitted attributes (``spec_``, ``params_``...) of the model ``state`` describes, checked for consistency.

    The settings used are the document's own, checked by :func:`lstmcast.io.schema.check_state`.
    """
    import jax

    from lstmcast.nn.network import init_params, network_from_dict

    cfg = check_state(state, version=state.get("format_version", FORMAT_VERSION))  # as data, before building
    try:
        spec = network_from_dict(state["network"])
        loss = loss_from_dict(state["loss"]) if "loss" in state else get_loss(cfg["loss"])
    except (ConfigError, TypeError, ValueError) as exc:  # the schema check should have caught it; one line anyway
        raise ModelFileError(f"the model document has an invalid network or loss: {exc}") from None
    if not isinstance(state.get("arrays"), dict):
        raise ModelFileError("the model state has no weights ('arrays'): load it with lstmcast.load(path).")
    net_arrays, panel_arrays = state["arrays"], {}
    if "panel" in state:
        from lstmcast.io.panel_state import split_arrays

        net_arrays, panel_arrays = split_arrays(state["arrays"])
    schema = state["schema"]
    columns = value_columns(schema)
    members = state.get("members", 1)
    one = jax.eval_shape(lambda k: init_params(k, spec), jax.random.key(0))
    template = one if members == 1 else jax.tree.map(lambda a: jax.ShapeDtypeStruct((members, *a.shape), a.dtype), one)
    expected = set(flatten(template))
    extra = sorted(set(net_arrays) - expected)
    if extra:
        raise ModelFileError(
            f"the weights file holds array {extra[0]!r}, which this model.json's network does not have: "
            "the weights do not belong to this model.json; save the model again."
        )
    weights = jax.tree.map(jax.numpy.asarray, unflatten_like(template, net_arrays))
    if "panel" in state:
        from lstmcast.io.panel_state import restore_panel

        panel, transforms, calibrated, statics, combinations = restore_panel(
            state["panel"], panel_arrays, schema, cfg, len(schema["targets"])
        )
        extra_state = {} if calibrated is None else {"calibration_": calibrated[0], "series_scales_": calibrated[1]}
        if combinations is not None:
            extra_state["combination_"] = combinations
        values = transforms.to_model_space(panel.stacked(), panel.offsets())
        if statics is not None:
            from lstmcast.data.statics import with_statics

            values = with_statics(values, panel, statics[0], statics[1])
            extra_state["statics_"] = statics[0]
        return {
            **extra_state,
            "config_": cfg,
            "spec_": spec,
            "loss_": loss,
            "params_": weights,
            "panel_": panel,
            "transforms_": transforms,
            "values_": values,
            "history_": History(**state["history"]),
            "choices_": {k: Choice(**c) for k, c in state.get("choices", {}).items()},
        }
    tail_values = np.asarray(state["tail"]["values"], np.float64).reshape(-1, len(columns))
    series = Series(
        index=_index_from_json(state["tail"]["index"]),
        values=tail_values,
        targets=tuple(schema["targets"]),
        features=tuple(schema["features"]),
        future=tuple(schema.get("future", [])),
        freq=schema["freq"],
        time_name=schema["time"],
        steps=schema.get("steps", "calendar"),
        skipped=int(schema.get("skipped", 0)),
        step=int(schema.get("step", 1)),
    )
    scaler = Scaler.from_dict(state["transforms"]["scaler"])
    target = TargetTransform(**state["transforms"]["target"])
    return {
        "config_": cfg,
        "spec_": spec,
        "loss_": loss,
        "params_": weights,
        "transforms_": Transforms(scaler, target, len(schema["targets"])),
        "series_": series,
        "n_rows_": int(schema["rows"]),
        "first_index_": schema["first_timestamp"],
        "history_": History(**state["history"]),
        "choices_": {k: Choice(**c) for k, c in state.get("choices", {}).items()},
        **({"calibration_": Calibration.from_dict(state["calibration"])} if "calibration" in state else {}),
        **({"combination_": Combination.from_dict(state["combination"])} if "combination" in state else {}),
    }
