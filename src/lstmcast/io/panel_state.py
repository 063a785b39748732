"""A global model of many series as saved data: its per-series state in arrays, checked on load.

What a panel model keeps besides the network (``io/state.py`` writes the rest as for one
series): the series ids (``panel`` section of model.json), and in the weights file, beside the
network's arrays, every series' last ``window + difference`` rows (as many as its combination reads, when it
has one: ``panel.combinations``, one entry per series) (``panel.tail``, stacked, cut
by ``panel.tail_offsets``), their timestamps (``panel.tail_times``: nanoseconds since the epoch,
UTC, or integer steps) and each series' scaler (``panel.scaler_offset``, ``panel.scaler_scale``,
(series, columns)). Arrays keep 100,000 series compact and exact; the JSON stays small. Every
array is checked (names, shapes, dtypes, finiteness, order) before anything is built. A model
trained with short series padded on the left has ``"mask": true`` in its ``panel`` section (the
network reads one more input column); the key is absent otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.errors import ModelFileError

PREFIX = "panel."
ARRAYS = ("tail", "tail_offsets", "tail_times", "scaler_offset", "scaler_scale")
CALIBRATION_ARRAYS = ("cal_errors", "cal_scales")  # a calibrated model: pooled scale-free errors, series scales


def panel_state(model) -> tuple[dict, dict[str, np.ndarray]]:
    """(the JSON ``panel`` section, the ``panel.*`` arrays) of a fitted global model."""
    panel, t = model.panel_, model.transforms_
    need = model.config_["window"] + t.target.lag
    combination = getattr(model, "combination_", None)
    if combination is not None:  # the statistical candidates read up to their context before each origin
        need = max(need, combination.context)
    tail = panel.tail(need)
    times = tail.times
    if isinstance(times, pd.DatetimeIndex):
        tz = str(times.tz) if times.tz is not None else None
        stamps = times.tz_convert("UTC").as_unit("ns").asi8 if tz else times.as_unit("ns").asi8
    else:
        tz, stamps = None, np.asarray(times, np.int64)
    section = {
        "id": panel.id_name,
        "ids": list(panel.ids),
        "rows": [int(n) for n in panel.lengths],
        "time_kind": "datetime" if isinstance(times, pd.DatetimeIndex) else "steps",
        "tz": tz,
        "unit": times.unit if isinstance(times, pd.DatetimeIndex) else None,
        "calibration": None,
        "id_kind": panel.id_kind,
        "static": model.statics_.to_dict() if getattr(model, "statics_", None) is not None else None,
    }
    from lstmcast.data.panel_windows import mask_column

    if mask_column(model.spec_, panel) is not None:  # trained with short series padded: the network reads a mask
        section["mask"] = True
    arrays = {
        PREFIX + "tail": np.ascontiguousarray(tail.stacked(), np.float64),
        PREFIX + "tail_offsets": np.asarray(tail.offsets(), np.int64),
        PREFIX + "tail_times": np.asarray(stamps, np.int64),
        PREFIX + "scaler_offset": np.asarray(t.offset, np.float64),
        PREFIX + "scaler_scale": np.asarray(t.scale, np.float64),
    }
    if section["static"] is not None:  # each series' encoded attributes (S, width), as the network read them
        a = model.spec_.static_at
        rows = model.values_[panel.offsets()[:-1], a : a + model.spec_.static_columns]
        arrays[PREFIX + "static"] = np.asarray(rows, np.float64)
    if combination is not None:
        section["combinations"] = combination.to_list()
    cal = getattr(model, "calibration_", None)
    if cal is not None:
        section["calibration"] = {"method": cal.method, "log": cal.log, "series": int(cal.cutoff)}
        arrays[PREFIX + "cal_errors"] = np.asarray(cal.errors, np.float64)
        arrays[PREFIX + "cal_scales"] = np.asarray(model.series_scales_, np.float64)
    return section, arrays


def split_arrays(arrays: dict) -> tuple[dict, dict]:
    """(the network's arrays, the panel's arrays) of a weights file."""
    net = {k: v for k, v in arrays.items() if not k.startswith(PREFIX)}
    own = {k[len(PREFIX) :]: v for k, v in arrays.items() if k.startswith(PREFIX)}
    return net, own


def restore_panel(section: dict, arrays: dict, schema: dict, cfg: dict, k: int):
    """(Panel of the kept tails, PanelTransforms, (calibration, series scales) or None, (static encoding, (S, width)
    encoded attributes) or None, SeriesCombinations or None) from a checked ``panel`` section and its arrays."""
    from lstmcast.data.panel import Panel
    from lstmcast.data.panel_transforms import PanelTransforms
    from lstmcast.data.transforms import TargetTransform

    section = {"calibration": None, "id_kind": "str", "static": None, "mask": False, **section}  # keys added later
    wanted = ARRAYS + (CALIBRATION_ARRAYS if section["calibration"] is not None else ())
    wanted += ("static",) if section["static"] is not None else ()
    missing = [name for name in wanted if name not in arrays]
    if missing:
        raise ModelFileError(f"the weights file lacks array {PREFIX + missing[0]!r}: save the model again.")
    extra = sorted(set(arrays) - set(wanted))
    if extra:
        raise ModelFileError(f"the weights file holds array {PREFIX + extra[0]!r}, which a panel model does not have.")
    n_series = len(section["ids"])
    width = len(schema["targets"]) + len(schema["features"]) + len(schema.get("future", []))
    tail, offsets, stamps = arrays["tail"], arrays["tail_offsets"], arrays["tail_times"]
    offset, scale = arrays["scaler_offset"], arrays["scaler_scale"]
    _expect("tail_offsets", offsets, np.int64, (n_series + 1,))
    rows = int(offsets[-1]) if len(offsets) else -1
    _expect("tail", tail, np.float64, (rows, width))
    _expect("tail_times", stamps, np.int64, (rows,))
    _expect("scaler_offset", offset, np.float64, (n_series, width))
    _expect("scaler_scale", scale, np.float64, (n_series, width))
    if offsets[0] != 0 or np.any(np.diff(offsets) < 1):
        raise ModelFileError(f"array {PREFIX}tail_offsets must start at 0 and keep at least one row per series.")
    for name, a in (("tail", tail), ("scaler_offset", offset), ("scaler_scale", scale)):
        if not np.isfinite(a).all():
            raise ModelFileError(f"array {PREFIX}{name} holds NaN or infinite values: the model is damaged.")
    if np.any(scale == 0):
        raise ModelFileError(f"array {PREFIX}scaler_scale holds a 0: the model is damaged.")
    need = cfg["window"] + cfg["difference"]
    combinations = None
    if section.get("combinations") is not None:  # checked by io.sections.check_panel
        from lstmcast.stats.combination import SeriesCombinations

        combinations = SeriesCombinations.from_list(section["combinations"])
        need = max(need, combinations.context)
    lengths = np.diff(offsets)
    kept = np.minimum(np.asarray(section["rows"]), need)
    if not np.array_equal(lengths, kept):
        i = int(np.flatnonzero(lengths != kept)[0])
        raise ModelFileError(
            f"array {PREFIX}tail keeps {lengths[i]} rows of series {section['ids'][i]!r}, "
            f"but its last {kept[i]} are needed."
        )
    step_back = np.diff(stamps)
    inside = np.ones(len(step_back), bool)
    inside[offsets[1:-1] - 1] = False  # the step from one series to the next is not an order
    if np.any(step_back[inside] <= 0):
        raise ModelFileError(f"array {PREFIX}tail_times is not increasing within a series: the model is damaged.")
    if section["time_kind"] == "datetime":
        times = pd.DatetimeIndex(pd.to_datetime(stamps, unit="ns", utc=section["tz"] is not None), name=schema["time"])
        if section["tz"] is not None:
            times = times.tz_convert(section["tz"])
        times = times.as_unit(section["unit"])
    else:
        times = pd.Index(stamps, name=schema["time"])
    tail.flags.writeable = False
    panel = Panel(
        ids=tuple(section["ids"]),
        values=tail,
        row_offsets=offsets,
        times=times,
        targets=tuple(schema["targets"]),
        features=tuple(schema["features"]),
        future=tuple(schema.get("future", [])),
        freq=schema["freq"],
        time_name=schema["time"],
        id_name=section["id"],
        steps=schema.get("steps", "calendar"),
        step=int(schema.get("step", 1)),
        id_kind=section["id_kind"],
    )
    target = TargetTransform(log=cfg["log"], lag=cfg["difference"])
    transforms = PanelTransforms(target, cfg["scaler"], tuple(cfg["feature_range"]), offset, scale, k)
    statics = None
    if section["static"] is not None:
        from lstmcast.data.statics import StaticEncoding

        encoding = StaticEncoding.from_dict(section["static"])
        _expect("static", arrays["static"], np.float64, (n_series, encoding.width))
        if not np.isfinite(arrays["static"]).all():
            raise ModelFileError(f"array {PREFIX}static holds NaN or infinite values: the model is damaged.")
        statics = (encoding, arrays["static"])
    return panel, transforms, _calibration(section, arrays, cfg, n_series, k), statics, combinations


def _calibration(section: dict, arrays: dict, cfg: dict, n_series: int, k: int):
    """(Calibration, (S, k) series scales) of a calibrated panel model, else None."""
    from lstmcast.uncertainty.conformal import Calibration

    meta = section["calibration"]
    if meta is None:
        return None
    errors, scales = arrays["cal_errors"], arrays["cal_scales"]
    if errors.dtype != np.float64 or errors.ndim != 3 or errors.shape[1:] != (cfg["horizon"], k) or not len(errors):
        raise ModelFileError(
            f"array {PREFIX}cal_errors is {errors.dtype} of shape {errors.shape}, this model needs float64 of shape "
            f"(origins, {cfg['horizon']}, {k}): the weights do not belong to this model.json."
        )
    _expect("cal_scales", scales, np.float64, (n_series, k))
    if not (np.isfinite(errors).all() and np.isfinite(scales).all() and np.all(scales > 0)):
        raise ModelFileError(f"arrays {PREFIX}cal_errors / cal_scales hold NaN, infinite or non-positive scales.")
    return Calibration(errors, int(meta["series"]), meta["method"], bool(meta["log"])), scales


def _expect(name: str, a: np.ndarray, dtype, shape: tuple) -> None:
    if a.dtype != dtype or a.shape != shape:
        raise ModelFileError(
            f"array {PREFIX}{name} is {a.dtype} of shape {a.shape}, this model needs {np.dtype(dtype)} of shape "
            f"{shape}: the weights do not belong to this model.json."
        )
