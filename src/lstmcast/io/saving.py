"""Saving and loading models: safetensors weights + a JSON document, never pickle.

A saved model is a folder::

    model.safetensors   the network's arrays, named like "layers.0.forward.kernel"
    model.json          format version, library version, the Forecaster's arguments,
                        network (with its kind), loss, fitted transforms, data schema,
                        the last rows needed to forecast, training history, and checksums

``model.json`` carries the SHA-256 of the weights file and of its own content;
a tampered, truncated or newer-format model is refused with ModelFileError.
What is written is a Forecaster's state (:mod:`lstmcast.io.state`); this module
knows files, not models.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lstmcast.errors import ModelFileError

FORMAT_VERSION = 2  # 2: network kind, loss object and future= columns; format 1 still loads
WEIGHTS = "model.safetensors"
DOCUMENT = "model.json"


def _digest(doc: dict) -> str:
    body = json.dumps({k: v for k, v in doc.items() if k != "document_sha256"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def save(state: dict, path) -> Path:
    """Write a model ``state`` (``Forecaster.to_state()``) to the folder ``path`` (created if needed)."""
    from safetensors.numpy import save_file

    from lstmcast import __version__

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    doc = {k: v for k, v in state.items() if k != "arrays"}
    # one metadata key only: safetensors orders several at random, and equal models should give equal files
    save_file(state["arrays"], str(folder / WEIGHTS), metadata={"format": "lstmcast"})
    doc = {
        "format": "lstmcast-model",
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        **doc,
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
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise ModelFileError(
            f"{str(folder)!r} was saved in model format {version!r}, which this lstmcast does not read "
            f"(formats 1 to {FORMAT_VERSION}): upgrade lstmcast (pip install -U lstmcast)."
        )
    if doc.get("document_sha256") != _digest(doc):
        raise ModelFileError(f"{str(folder / DOCUMENT)!r} was modified after saving (checksum mismatch); refusing it.")
    if hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest() != doc.get("weights_sha256"):
        raise ModelFileError(f"{str(folder / WEIGHTS)!r} does not match its checksum: it was modified or truncated.")
    return doc


def read_model(path) -> dict:
    """The state (document and weights) of a saved model, checked against its checksums."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    doc = read_document(path)
    try:
        arrays = load_file(str(Path(path) / WEIGHTS))
    except (SafetensorError, OSError) as exc:
        raise ModelFileError(f"cannot read the weights of {str(path)!r}: {exc}") from None
    required = ("config", "network", "transforms", "schema", "tail", "history")
    missing = [k for k in required if k not in doc]
    if missing:
        raise ModelFileError(f"{str(path)!r}: model.json lacks {', '.join(missing)}; the file is damaged.")
    return {**doc, "arrays": arrays}


def load(path):
    """A Forecaster saved with :func:`save`, ready to predict bit-identically (``lstmcast.load``)."""
    from lstmcast.forecaster import Forecaster

    return Forecaster.load(path)
