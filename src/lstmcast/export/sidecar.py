"""What an exported ONNX graph cannot say itself, as JSON written beside it (``<file>.onnx.json``) and
stored in the graph's metadata (key ``lstmcast``): the column schema of its inputs, the time
index the forecast continues, which transforms are inside the graph and what is left to the
caller, and, when the model was calibrated, its conformal intervals' half-widths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.data import calendar_features
from lstmcast.strategies import get_strategy
from lstmcast.train.programs import members_of

FORMAT = "lstmcast-onnx"
FORMAT_VERSION = 1
LEVELS = (80, 95)  # interval levels whose half-widths are written when the model is calibrated


def sidecar_name(onnx_name: str) -> str:
    """The JSON file's name beside ``onnx_name``: ``forecast.onnx`` -> ``forecast.onnx.json``."""
    return f"{onnx_name}.json"


def describe(model, onnx_name: str) -> dict:
    """The JSON-ready description of ``model``'s exported graph (file ``onnx_name``)."""
    from lstmcast import __version__

    cfg, spec, tf = model.config_, model.spec_, model.transforms_
    panel = model.panel_ if model.is_panel_ else None
    s = panel.series[0] if panel is not None else model.series_  # many series: the first is the example
    lag, window, horizon = tf.target.lag, cfg["window"], cfg["horizon"]
    rows = window + lag
    recursive = get_strategy(cfg["strategy"]).one_step
    members = members_of(model.params_)
    calendar = [c for c in s.future if calendar_features.is_calendar(c)]
    inputs = {
        "history": {
            "dtype": "float32",
            "shape": ["batch", rows, len(s.columns)],
            "columns": list(s.columns),
            "about": f"the newest {rows} rows of the series (window {window}"
            + (f" + difference {lag}" if lag else "")
            + "), oldest first, on the original scale, columns in this order: targets, past-only features, "
            "covariates known in advance",
        }
    }
    if panel is not None:
        for name in ("offset", "scale"):
            inputs[name] = {
                "dtype": "float32",
                "shape": ["batch", len(s.columns)],
                "columns": list(s.columns),
                "about": f"the scaler's {name} of each history's series, from 'series' (a series never seen in "
                f"training: fitted on its own history as the scaler {tf.kind!r} of lstmcast.data.panel_transforms)",
            }
    if spec.n_future:
        inputs["future"] = {
            "dtype": "float32",
            "shape": ["batch", horizon if recursive else spec.horizon, spec.n_future],
            "columns": list(s.future),
            "about": "the covariates known in advance at the forecast steps, on the original scale",
        }
    in_graph = ["log of the targets, and exp of the forecast"] if tf.target.log else []
    if lag:
        in_graph.append(f"differencing by lag {lag}, undone from the history's last {lag} rows")
    scaler = tf.kind if panel is not None else tf.scaler.kind
    in_graph += [
        f"scaler {scaler!r} of every column"
        + (", from the offset and scale inputs (each series' own)" if panel is not None else "")
        + ", and its inverse",
        f"window normalization {spec.normalize!r}" + (f" (season {spec.season})" if spec.season > 1 else ""),
        f"{cfg['cell']} network {list(spec.units)}" + (" bidirectional" if spec.bidirectional else ""),
        f"strategy {cfg['strategy']!r}" + (f": the one-step forecast fed back {horizon} times" if recursive else ""),
    ]
    if members > 1:
        in_graph.append(f"the median of the {members} ensemble members' forecasts")
    outside = [
        "checks of the input: missing values, the column order, positive targets when log is on",
        "the forecast's timestamps: the steps after the history's last row, at the frequency in 'time'",
    ]
    calibration = getattr(model, "calibration_", None) if panel is None else None
    outside.append(
        "prediction intervals: none (many series: predict(level=...) in lstmcast)"
        if panel is not None
        else "prediction intervals: from the half-widths in 'intervals', as its 'about' says"
        if calibration is not None
        else "prediction intervals: none (the model was not calibrated; calibrate() before "
        "exporting adds their half-widths)"
    )
    if calendar:
        outside.append(
            f"the calendar columns {calendar}: computed from the timestamps with "
            "lstmcast.data.calendar_features.values(index, freq), in history and in future"
        )
    out = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "onnx_file": onnx_name,
        "inputs": inputs,
        "outputs": {
            "forecast": {
                "dtype": "float32",
                "shape": ["batch", horizon, len(s.targets)],
                "columns": list(s.targets),
                "about": f"the next {horizon} steps of each target on the original scale",
            }
        },
        "time": _time(s, horizon),
        "model": {
            "cell": cfg["cell"],
            "units": list(spec.units),
            "bidirectional": spec.bidirectional,
            "dense_units": spec.dense_units,
            "window": window,
            "horizon": horizon,
            "strategy": cfg["strategy"],
            "members": members,
            "loss": model.loss_.name,
        },
        "transforms": {
            "log": tf.target.log,
            "difference": lag,
            "scaler": tf.scaler.to_dict()
            if panel is None
            else {"kind": tf.kind, "feature_range": list(tf.feature_range)},
            "normalize": spec.normalize,
            "season": spec.season,
        },
        "in_graph": in_graph,
        "outside_graph": outside,
        "example": {
            "history": np.asarray(s.values[-rows:], np.float64).tolist(),
            "about": "the fitted data's last rows: the graph run on them (a batch of one) gives predict()'s forecast"
            + (" with future= the same covariate values" if spec.n_future else ""),
        },
    }
    if calibration is not None:
        out["intervals"] = _intervals(calibration, horizon)
    if panel is not None:
        out["series"] = {
            "id": panel.id_name,
            "ids": list(panel.ids),
            "offset": tf.offset.tolist(),
            "scale": tf.scale.tolist(),
            "about": "each trained series' scaler statistics, in the order of 'ids': the offset and scale inputs",
        }
        out["example"]["offset"], out["example"]["scale"] = tf.offset[0].tolist(), tf.scale[0].tolist()
        out["example"]["about"] += f" (of series {panel.ids[0]!r}, with its offset and scale)"
        out["time"]["about"] = f"of series {panel.ids[0]!r}: " + out["time"]["about"]
    return out


def _time(s, horizon: int) -> dict:
    stamps = s.future_index(horizon)
    kind = "datetime" if isinstance(s.index, pd.DatetimeIndex) else "steps"
    text = [ts.isoformat() for ts in stamps] if kind == "datetime" else [int(v) for v in stamps]
    return {
        "name": s.time_name,
        "kind": kind,
        "freq": s.freq,
        "step": s.step,
        "rows_are": s.steps,  # "calendar", or "observations": trading days, holidays skipped
        "last": s.index[-1].isoformat() if kind == "datetime" else int(s.index[-1]),
        "next": text,
        "about": "the fitted data's last timestamp and the forecast's timestamps after it; "
        "after newer history, the steps after its last row at this frequency",
    }


def _intervals(calibration, horizon: int) -> dict:
    widths = calibration.half_widths(np.asarray(LEVELS, np.float64) / 100)[:horizon]  # (H, k, L)
    how = "forecast * exp(-w), forecast * exp(w)" if calibration.log else "forecast - w, forecast + w"
    return {
        "method": calibration.method,
        "levels": list(LEVELS),
        "half_widths": {str(lv): widths[:, :, j].tolist() for j, lv in enumerate(LEVELS)},
        "shape": ["horizon", "targets"],
        "about": f"conformal intervals of each level, computed outside the graph: ({how})",
    }
