"""Saving and loading models: safetensors weights + a JSON document, never pickle.

A saved model is a folder::

    model.safetensors   the network's arrays, named like "layers.0.forward.kernel"
    model.json          format version, library version, the Forecaster's arguments,
                        network shape, fitted transforms, data schema, the last rows
                        needed to forecast, training history, and checksums

``model.json`` carries the SHA-256 of the weights file and of its own content;
a tampered, truncated or newer-format model is refused with ModelFileError.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from lstmcast.data.timefmt import format_time
from lstmcast.errors import ModelFileError

FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
DOCUMENT = "model.json"
TAIL_ROWS = 500


def _flatten(params, prefix: str = "") -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for k, v in items:
        name = f"{prefix}{k}"
        if isinstance(v, (dict, list)):
            out.update(_flatten(v, name + "."))
        else:
            out[name] = np.asarray(v)
    return out


def _unflatten_like(template, arrays: dict[str, np.ndarray], prefix: str = ""):
    if isinstance(template, dict):
        return {k: _unflatten_like(v, arrays, f"{prefix}{k}.") for k, v in template.items()}
    if isinstance(template, list):
        return [_unflatten_like(v, arrays, f"{prefix}{i}.") for i, v in enumerate(template)]
    name = prefix[:-1]
    if name not in arrays:
        raise ModelFileError(f"the weights file lacks array {name!r}: the model folder is damaged; save it again.")
    arr = arrays[name]
    if arr.shape != tuple(template.shape):
        raise ModelFileError(
            f"weight {name!r} has shape {arr.shape}, the configuration needs {tuple(template.shape)}: "
            "the weights do not belong to this model.json."
        )
    return arr


def _digest(doc: dict) -> str:
    body = json.dumps({k: v for k, v in doc.items() if k != "document_sha256"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _index_to_json(index: pd.Index) -> dict:
    if isinstance(index, pd.DatetimeIndex):
        return {"kind": "datetime", "values": [ts.isoformat() for ts in index], "name": index.name}
    return {"kind": "steps", "values": [int(v) for v in index], "name": index.name}


def _index_from_json(d: dict) -> pd.Index:
    if d["kind"] == "datetime":
        return pd.DatetimeIndex(pd.to_datetime(d["values"]), name=d["name"])
    return pd.Index(np.asarray(d["values"], np.int64), name=d["name"])


def save(model, path) -> Path:
    """Write a fitted Forecaster to the folder ``path`` (created if needed)."""
    from safetensors.numpy import save_file

    from lstmcast import __version__

    model._check_fitted()
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    s = model.series_
    # the rows a forecast needs, and up to 500 for context in forecast plots
    keep = min(len(s), max(model.window + model.transforms_.target.lag, TAIL_ROWS))
    weights = _flatten(model.params_)
    # one metadata key only: safetensors orders several at random, and equal models should give equal files
    save_file(weights, str(folder / WEIGHTS), metadata={"format": "lstmcast"})
    doc = {
        "format": "lstmcast-model",
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "config": model.get_params(),
        "network": model.spec_.to_dict(),
        "transforms": {
            "scaler": model.transforms_.scaler.to_dict(),
            "target": model.transforms_.target.to_dict(),
        },
        "schema": {
            "targets": list(s.targets),
            "features": list(s.features),
            "time": s.time_name,
            "freq": s.freq,
            "rows": int(model.n_rows_),
            "first_timestamp": format_time(model.first_index_),
            "last_timestamp": format_time(s.index[-1]),
        },
        "tail": {"index": _index_to_json(s.index[-keep:]), "values": s.values[-keep:].tolist()},
        "history": model.history_.to_dict(),
        "weights_sha256": hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest(),
    }
    doc["document_sha256"] = _digest(doc)
    (folder / DOCUMENT).write_text(json.dumps(doc, indent=1))
    return folder


def read_document(path) -> dict:
    """The checked ``model.json`` of a saved model folder."""
    folder = Path(path)
    if not (folder / DOCUMENT).is_file() or not (folder / WEIGHTS).is_file():
        raise ModelFileError(
            f"{str(folder)!r} is not a saved lstmcast model: it needs {DOCUMENT} and {WEIGHTS} "
            "(written by Forecaster.save or 'lstmcast train')."
        )
    try:
        doc = json.loads((folder / DOCUMENT).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(
            f"{str(folder / DOCUMENT)!r} is truncated or not JSON ({exc}); save the model again."
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != "lstmcast-model":
        raise ModelFileError(f"{str(folder / DOCUMENT)!r} is not an lstmcast model document.")
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(folder)!r} was saved in model format {version!r}, newer than this lstmcast reads "
            f"({FORMAT_VERSION}): upgrade lstmcast (pip install -U lstmcast)."
        )
    if doc.get("document_sha256") != _digest(doc):
        raise ModelFileError(f"{str(folder / DOCUMENT)!r} was modified after saving (checksum mismatch); refusing it.")
    if hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest() != doc.get("weights_sha256"):
        raise ModelFileError(f"{str(folder / WEIGHTS)!r} does not match its checksum: it was modified or truncated.")
    return doc


def load(path):
    """A Forecaster saved with :func:`save`, ready to predict bit-identically."""
    import jax
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    from lstmcast.data.pipeline import Transforms
    from lstmcast.data.series import Series
    from lstmcast.data.transforms import Scaler, TargetTransform
    from lstmcast.forecaster import Forecaster
    from lstmcast.nn.network import NetworkSpec, init_params
    from lstmcast.train.cache import enable_compilation_cache
    from lstmcast.train.history import History

    enable_compilation_cache()
    doc = read_document(path)
    try:
        arrays = load_file(str(Path(path) / WEIGHTS))
    except (SafetensorError, OSError) as exc:
        raise ModelFileError(f"cannot read the weights of {str(path)!r}: {exc}") from None
    net = dict(doc["network"])
    net["units"] = tuple(net["units"])
    spec = NetworkSpec(**net)
    template = jax.eval_shape(lambda k: init_params(k, spec), jax.random.key(0))
    params = jax.tree.map(jax.numpy.asarray, _unflatten_like(template, arrays))
    model = Forecaster(**{k: tuple(v) if isinstance(v, list) else v for k, v in doc["config"].items()})
    schema = doc["schema"]
    scaler = Scaler.from_dict(doc["transforms"]["scaler"])
    target = TargetTransform(**doc["transforms"]["target"])
    model.spec_, model.params_ = spec, params
    model.transforms_ = Transforms(scaler, target, len(schema["targets"]))
    model.series_ = Series(
        index=_index_from_json(doc["tail"]["index"]),
        values=np.asarray(doc["tail"]["values"], np.float64),
        targets=tuple(schema["targets"]),
        features=tuple(schema["features"]),
        freq=schema["freq"],
        time_name=schema["time"],
    )
    model.n_rows_ = schema["rows"]
    model.first_index_ = schema["first_timestamp"]
    if len(model.series_) == model.n_rows_:  # the whole training series fits in the tail: evaluate() works too
        model.split_, model.starts_ = model._cut(model.series_)
        model.values_ = model.transforms_.to_model_space(model.series_.values)
    model.history_ = History(**doc["history"])
    return model
