"""Saving and loading models: safetensors weights + a JSON document, never pickle.

A saved model is a folder::

    model.safetensors   the network's arrays, named like "layers.0.forward.kernel"
    model.json          format version, library version, the Forecaster's arguments,
                        network (with its kind), loss, fitted transforms, data schema,
                        the last rows needed to forecast, training history, and checksums
    config.toml         (written by ``lstmcast train``) the options that reproduce the model

``model.json`` carries the SHA-256 of the weights file and of its own content;
a tampered, truncated or newer-format model is refused with ModelFileError.
What is written is a Forecaster's state (:mod:`lstmcast.io.state`); this module
knows files, not models.

Saving is atomic. The whole model is written into a temporary sibling folder
(``.NAME.tmp-PID-RANDOM``), its files and the folder are fsynced, then it is
swapped in: on Linux with one ``renameat2(RENAME_EXCHANGE)``, so ``path`` always
holds the old or the new complete model; elsewhere the old folder is renamed
aside (``.NAME.old-PID-RANDOM``) and the new one renamed in, which leaves a
window of two renames during which ``path`` is absent (a crash there leaves the
old model in the ``.old`` sibling and the new one in the ``.tmp`` sibling).
A crash or Ctrl-C before the swap leaves the old model untouched; stale
``.tmp``/``.old`` siblings of dead processes are removed by the next save to
the same path. Nothing is written through a symbolic link, and a folder that
is not an lstmcast model is never replaced unless ``overwrite=True`` (and never
when it holds files lstmcast did not write). Output files (forecasts, plots)
go through :func:`lstmcast.io.files.write_file`: a temporary sibling, then ``os.replace``.

Reading is bounded: ``model.json`` over :data:`MAX_DOCUMENT_BYTES` and weights
over :data:`MAX_WEIGHTS_BYTES` are refused before a byte is read.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
from pathlib import Path

from lstmcast.errors import ModelFileError, OverwriteError, WriteError
from lstmcast.io.files import (
    clean_stale,
    fsync_dir,
    fsync_file,
    make_temp_folder,
    os_reason,
    parent_folder,
    remove_tree,
    swap_in,
    write_new,
)

FORMAT_VERSION = 2  # 2: network kind, loss object and future= columns; format 1 still loads
WEIGHTS = "model.safetensors"
DOCUMENT = "model.json"
CONFIG = "config.toml"
OURS = (WEIGHTS, DOCUMENT, CONFIG)  # every file a model folder may hold
MAX_DOCUMENT_BYTES = 50_000_000  # 50 MB: a model.json holds configuration and a few hundred rows
MAX_WEIGHTS_BYTES = 2_000_000_000  # 2 GB


def _digest(doc: dict) -> str:
    body = json.dumps({k: v for k, v in doc.items() if k != "document_sha256"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def save(state: dict, path, overwrite: bool = False, extra_files: dict[str, str] | None = None) -> Path:
    """Write a model ``state`` (``Forecaster.to_state()``) to the folder ``path``, atomically.

    ``path`` may be absent, an empty folder, or an lstmcast model (replaced as a whole);
    anything else raises :class:`~lstmcast.errors.OverwriteError` unless ``overwrite=True``.
    ``extra_files`` maps file names (only ``config.toml``) to text written in the same swap.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    from lstmcast import __version__

    folder = Path(path)
    extra = dict(extra_files or {})
    unknown = sorted(set(extra) - {CONFIG})
    if unknown:
        raise ValueError(f"extra_files may only hold {CONFIG!r}, got {', '.join(map(repr, unknown))}.")
    check_save_path(folder, overwrite)  # before writing anything
    parent = parent_folder(folder)
    clean_stale(parent, folder.name, allowed=OURS)
    tmp = make_temp_folder(parent, folder.name)
    try:
        # one metadata key only: safetensors orders several at random, and equal models should give equal files
        try:
            save_file(state["arrays"], str(tmp / WEIGHTS), metadata={"format": "lstmcast"})
        except SafetensorError as exc:  # its I/O failures are not OSErrors
            raise OSError(errno.EIO, str(exc).splitlines()[0] if str(exc) else "safetensors failed") from exc
        fsync_file(tmp / WEIGHTS)
        doc = {
            "format": "lstmcast-model",
            "format_version": FORMAT_VERSION,
            "library_version": __version__,
            **{k: v for k, v in state.items() if k != "arrays"},
            "weights_sha256": _file_sha256(tmp / WEIGHTS),
        }
        doc["document_sha256"] = _digest(doc)
        write_new(tmp / DOCUMENT, json.dumps(doc, indent=1).encode())
        for name, text in extra.items():
            write_new(tmp / name, text.encode())
        fsync_dir(tmp)
        if check_save_path(folder, overwrite):  # asked again just before the swap
            swap_in(tmp, folder)
        else:
            os.rename(tmp, folder)  # fails (ENOTEMPTY) if a non-empty folder appeared meanwhile
        fsync_dir(parent)
    except OSError as exc:
        remove_tree(tmp)
        if isinstance(exc, (OverwriteError, WriteError)):
            raise
        raise WriteError(
            f"cannot save the model to {str(folder)!r}: {os_reason(exc)}; "
            f"the previous content of {str(folder)!r} is unchanged."
        ) from exc
    except BaseException:
        remove_tree(tmp)
        raise
    return folder


def check_save_path(path, overwrite: bool = False) -> bool:
    """Raise OverwriteError unless a model may be saved at ``path``; True if something is there to replace.

    Call it before long work (training) so a refusal comes first.
    """
    folder = Path(path)
    name = str(folder)
    if not folder.name or folder.name in (".", ".."):
        raise OverwriteError(f"cannot save a model as {name!r}: give a folder name, such as 'my-model'.")
    if os.path.islink(folder):
        raise OverwriteError(
            f"refusing to save the model to {name!r}: it is a symbolic link, and lstmcast never writes through "
            "links; give the real folder's path."
        )
    if not os.path.lexists(folder):
        return False
    if not folder.is_dir():
        if overwrite:
            return True
        raise OverwriteError(
            f"refusing to save the model to {name!r}: it is an existing file, not a model folder; "
            "pass --force (overwrite=True) to replace it, or choose another path."
        )
    entries = sorted(os.listdir(folder))
    if not entries:
        return True
    links = [e for e in entries if e in OURS and os.path.islink(folder / e)]
    if links:
        raise OverwriteError(
            f"refusing to save the model to {name!r}: {links[0]} in it is a symbolic link, and lstmcast never "
            "writes through links; remove the link or choose another path."
        )
    foreign = [e for e in entries if e not in OURS or not (folder / e).is_file()]
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise OverwriteError(
            f"refusing to save the model to {name!r}: the folder holds files lstmcast did not write ({shown}); "
            "move them away or choose another path."
        )
    if overwrite or _is_model_folder(folder):
        return True
    raise OverwriteError(
        f"refusing to save the model to {name!r}: the folder exists and is not an lstmcast model; "
        "pass --force (overwrite=True) to replace it, or choose another path."
    )


def _is_model_folder(folder: Path) -> bool:
    """Whether ``folder/model.json`` is an lstmcast model document (size-bounded; damaged means no)."""
    document = folder / DOCUMENT
    try:
        if os.path.islink(document) or not document.is_file() or document.stat().st_size > MAX_DOCUMENT_BYTES:
            return False
        doc = json.loads(document.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("format") == "lstmcast-model"


def read_document(path) -> dict:
    """The checked ``model.json`` of a saved model folder."""
    folder = Path(path)
    if not (folder / DOCUMENT).is_file() or not (folder / WEIGHTS).is_file():
        raise ModelFileError(
            f"{str(folder)!r} is not a saved lstmcast model: it needs {DOCUMENT} and {WEIGHTS} "
            f"(written by Forecaster.save or 'lstmcast train').{_interrupted_hint(folder)}"
        )
    _check_size(folder / DOCUMENT, MAX_DOCUMENT_BYTES, "50 MB")
    _check_size(folder / WEIGHTS, MAX_WEIGHTS_BYTES, "2 GB")
    try:
        doc = json.loads((folder / DOCUMENT).read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(
            f"{str(folder / DOCUMENT)!r} is truncated or not JSON ({exc}); save the model again."
        ) from None
    except RecursionError:
        raise ModelFileError(f"{str(folder / DOCUMENT)!r} is nested too deeply to be a model document.") from None
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
    if _file_sha256(folder / WEIGHTS) != doc.get("weights_sha256"):
        raise ModelFileError(f"{str(folder / WEIGHTS)!r} does not match its checksum: it was modified or truncated.")
    return doc


def _check_size(path: Path, limit: int, shown: str) -> None:
    size = path.stat().st_size
    if size > limit:
        raise ModelFileError(
            f"{str(path)!r} is {size:,} bytes, over lstmcast's {shown} limit for this file; refusing to read it."
        )


def _interrupted_hint(folder: Path) -> str:
    """When a save was interrupted between its two renames, say where the model is."""
    if os.path.lexists(folder):
        return ""
    with contextlib.suppress(OSError):
        for entry in sorted(os.listdir(folder.parent)):
            if entry.startswith(f".{folder.name}.old-") or entry.startswith(f".{folder.name}.tmp-"):
                return f" A save to it was interrupted: {str(folder.parent / entry)!r} may hold the model."
    return ""


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
