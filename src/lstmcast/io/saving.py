"""Saving and loading models: safetensors weights + a JSON document, never pickle.

A saved model is a folder::

    model.safetensors   the network's arrays, named like "layers.0.forward.kernel"
    model.json          format version, library version, the Forecaster's arguments,
                        network (with its kind), loss, fitted transforms, data schema,
                        the last rows needed to forecast, training history, and checksums
    config.toml         (written by ``lstmcast train``) the options that reproduce the model

``model.json`` carries the SHA-256 of the weights file and of its own content;
a damaged, truncated or newer-format model is refused with ModelFileError. The
checksums catch accidental damage, not deliberate edits: anyone can recompute
them. For authenticity, a model can be signed: with a key (``key=`` or the
environment variable ``LSTMCAST_MODEL_KEY``) at save time, ``model.json`` gets a
``"signature"``, an HMAC-SHA256 of its own digest and the weights' digest; with
a key at load time, a model without a valid signature is refused. Without a key
at load time, the signature is not checked (a signed model loads like any other).
Before anything is built, the document is checked as data (:mod:`lstmcast.io.schema`).
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
import hmac
import json
import os
import stat
import time
from pathlib import Path

from lstmcast.errors import ConfigError, ModelFileError, ModelSignatureError, OverwriteError, WriteError
from lstmcast.io.files import (
    alive,
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
from lstmcast.io.json_checks import parse_document
from lstmcast.io.schema import FORMAT_VERSION, check_document, check_state, check_version

WEIGHTS = "model.safetensors"
DOCUMENT = "model.json"
CONFIG = "config.toml"
OURS = (WEIGHTS, DOCUMENT, CONFIG)  # every file a model folder may hold
MAX_DOCUMENT_BYTES = 50_000_000  # 50 MB: a model.json holds configuration and a few hundred rows
MAX_WEIGHTS_BYTES = 2_000_000_000  # 2 GB
READ_TRIES = 20  # saves that may swap a model between the reads of its two files, in a row
KEY_VARIABLE = "LSTMCAST_MODEL_KEY"  # the signing key, when key= is not given
SIGNATURE_PREFIX = "hmac-sha256:"


def _digest(doc: dict) -> str:
    """SHA-256 of the document without its checksum and signature (which are computed from it)."""
    body = json.dumps({k: v for k, v in doc.items() if k not in ("document_sha256", "signature")}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def model_key(key: str | bytes | None = None) -> bytes | None:
    """The signing key: ``key``, else ``$LSTMCAST_MODEL_KEY`` (unset or empty: none)."""
    if key is None:
        key = os.environ.get(KEY_VARIABLE) or None
        if key is None:
            return None
    if isinstance(key, str):
        key = key.encode()
    if not isinstance(key, bytes) or not key:
        raise ConfigError(f"key= must be a non-empty string or bytes (a signing key), got {type(key).__name__}.")
    return key


def _signature(key: bytes, doc: dict) -> str:
    """HMAC-SHA256 over the document's digest and the weights' digest."""
    message = f"lstmcast-model\n{doc['document_sha256']}\n{doc['weights_sha256']}".encode()
    return SIGNATURE_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def save(
    state: dict,
    path,
    overwrite: bool = False,
    extra_files: dict[str, str] | None = None,
    key: str | bytes | None = None,
    replace_model: bool = False,
    inputs=(),
) -> Path:
    """Write a model ``state`` (``Forecaster.to_state()``) to the folder ``path``, atomically.

    ``path`` may be absent or an empty folder; an existing lstmcast model is replaced (as a whole)
    only with ``overwrite=True`` or ``replace_model=True`` (the CLI's behaviour for ``--out``), and
    anything else raises :class:`~lstmcast.errors.OverwriteError` unless ``overwrite=True``. ``inputs``:
    files the model was made from; ``path`` is never one of them, whatever ``overwrite`` says.
    The state is checked against the model schema before anything is written: a model the loader
    would refuse is never saved.
    ``extra_files`` maps file names (only ``config.toml``) to text written in the same swap.
    ``key``: sign the model (HMAC-SHA256) with this key; None reads ``$LSTMCAST_MODEL_KEY``
    (unset: not signed).
    """
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    from lstmcast import __version__

    folder = Path(path)
    extra = dict(extra_files or {})
    unknown = sorted(set(extra) - {CONFIG})
    if unknown:
        raise ValueError(f"extra_files may only hold {CONFIG!r}, got {', '.join(map(repr, unknown))}.")
    secret = model_key(key)
    check_save_path(folder, overwrite, replace_model, inputs)  # before writing anything
    check_state(state, f"the model to save at {str(folder)!r}")  # never write what load() would refuse
    existed = os.path.lexists(folder)
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
        if secret is not None:
            doc["signature"] = _signature(secret, doc)
        write_new(tmp / DOCUMENT, json.dumps(doc, indent=1).encode())
        # safetensors creates its file 0600: the weights get model.json's mode, so whoever reads one reads both
        os.chmod(tmp / WEIGHTS, stat.S_IMODE(os.stat(tmp / DOCUMENT).st_mode))
        for name, text in extra.items():
            write_new(tmp / name, text.encode())
        fsync_dir(tmp)
        if check_save_path(folder, overwrite, replace_model, inputs):  # asked again just before the swap
            swap_in(tmp, folder)
        else:
            os.rename(tmp, folder)  # fails (ENOTEMPTY) if a non-empty folder appeared meanwhile
        fsync_dir(parent)
    except OSError as exc:
        remove_tree(tmp)
        if isinstance(exc, (OverwriteError, WriteError)):
            raise
        before = (
            f"the previous content of {str(folder)!r} is unchanged"
            if existed
            else f"nothing was written at {str(folder)!r}"
        )
        raise WriteError(f"cannot save the model to {str(folder)!r}: {os_reason(exc)}; {before}.") from exc
    except BaseException:
        remove_tree(tmp)
        raise
    return folder


def check_save_path(path, overwrite: bool = False, replace_model: bool = True, inputs=()) -> bool:
    """Raise OverwriteError unless a model may be saved at ``path``; True if something is there to replace.

    Call it before long work (training) so a refusal comes first. ``replace_model``: an existing
    lstmcast model may be replaced without ``overwrite`` (the CLI's ``--out``). ``inputs``: files
    the command reads; ``path`` (or a folder holding one of them) is never one, whatever ``overwrite`` says.
    """
    folder = Path(path)
    name = str(folder)
    for source in inputs:
        if source is not None and _holds(folder, Path(source)):
            raise OverwriteError(
                f"refusing to save the model to {name!r}: it is (or holds) the input file {str(source)!r}, and "
                "--force (overwrite=True) never replaces a command's input; choose another --out."
            )
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
    if overwrite:
        return True
    if _is_model_folder(folder):
        if replace_model:
            return True
        raise OverwriteError(
            f"refusing to save the model to {name!r}: an lstmcast model is already there; pass overwrite=True "
            "to replace it, or choose another path."
        )
    raise OverwriteError(
        f"refusing to save the model to {name!r}: the folder exists and is not an lstmcast model; "
        "pass --force (overwrite=True) to replace it, or choose another path."
    )


def _holds(folder: Path, source: Path) -> bool:
    """Whether ``source`` is ``folder`` or inside it, by real path (links resolved) or inode."""
    from lstmcast.io.files import same_file

    if same_file(folder, source):
        return True
    try:
        real, inside = os.path.realpath(folder), os.path.realpath(source)
    except (OSError, ValueError):
        return False
    return inside.startswith(real.rstrip(os.sep) + os.sep)


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


def read_document(path, key: str | bytes | None = None) -> dict:
    """The checked ``model.json`` of a saved model folder.

    Checked in this order: sizes, JSON (bounded integers and nesting, no repeated keys), format
    version, checksums, the signature (only when a key is set: ``key``, else
    ``$LSTMCAST_MODEL_KEY``), then the whole document as data (:func:`lstmcast.io.schema.check_document`).
    """
    return _read_generation(Path(path), key)[0]


def _read_generation(folder: Path, key: str | bytes | None) -> tuple[dict, bytes]:
    """(the checked document, the weights' bytes) of ONE save, while other processes may save over it.

    Each file is read once, whole, into memory: the weights hashed are the weights loaded. A save
    swaps the folder between the two reads at most ``READ_TRIES`` times in a row; when the weights
    do not match the document, the two paths are looked at again: files that are not the ones read
    (another inode, or the same inode created anew) mean a save came in between (read both again),
    the same files mean damage (refused).
    """
    secret = model_key(key)
    where = repr(str(folder / DOCUMENT))
    for _ in range(READ_TRIES):
        read = _read_whole(folder, DOCUMENT, MAX_DOCUMENT_BYTES, "50 MB")
        if read is None:
            continue  # between the two renames of a save without RENAME_EXCHANGE
        text, text_id = read
        read = _read_whole(folder, WEIGHTS, MAX_WEIGHTS_BYTES, "2 GB")
        if read is None:
            continue
        weights, weights_id = read
        doc = parse_document(text, where)
        check_version(doc, where)
        if doc.get("document_sha256") != _digest(doc):
            raise ModelFileError(
                f"{where} was modified after saving (checksum mismatch); refusing it: save the model again."
            )
        if hashlib.sha256(weights).hexdigest() == doc.get("weights_sha256"):
            break
        if (_identity(folder / DOCUMENT), _identity(folder / WEIGHTS)) == (text_id, weights_id):
            raise ModelFileError(
                f"{str(folder / WEIGHTS)!r} does not match its checksum: it was modified or truncated."
            )
        # else a save replaced the files between the two reads (even with equal content: A, B, A): again
    else:
        raise ModelFileError(
            f"{str(folder)!r} changed {READ_TRIES} times while it was read (another process keeps saving to it), "
            f"or is not a saved lstmcast model: it needs {DOCUMENT} and {WEIGHTS}.{_interrupted_hint(folder)}"
        )
    if secret is not None:
        _check_signature(secret, doc, where)
    check_document(doc, where)
    return doc, weights


def _identity(path: Path) -> tuple | None:
    """Which file is at ``path`` now: (device, inode, change time in ns); None when there is none."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino, info.st_ctime_ns


def _read_whole(folder: Path, name: str, limit: int, shown: str) -> tuple[bytes, tuple] | None:
    """(the bytes of ``folder/name``, which file it was: see :func:`_identity`): a regular file of at most
    ``limit`` bytes (checked before reading); None when it is absent while a save is in progress."""
    path = folder / name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except (FileNotFoundError, NotADirectoryError):
        if _saving_now(folder):
            return None
        raise ModelFileError(
            f"{str(folder)!r} is not a saved lstmcast model: it needs {DOCUMENT} and {WEIGHTS} "
            f"(written by Forecaster.save or 'lstmcast train').{_interrupted_hint(folder)}"
        ) from None
    except OSError as exc:
        raise ModelFileError(f"cannot read {str(path)!r}: {os_reason(exc)}.") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"{str(path)!r} is not a regular file; refusing to read it.")
        if info.st_size > limit:
            raise ModelFileError(
                f"{str(path)!r} is {info.st_size:,} bytes, over lstmcast's {shown} limit for this file; "
                "refusing to read it."
            )
        return f.read(limit + 1), (info.st_dev, info.st_ino, info.st_ctime_ns)


def _saving_now(folder: Path) -> bool:
    """Whether a live process has a save's temporary sibling of ``folder`` (it may be between its renames)."""
    with contextlib.suppress(OSError):
        for kind in ("tmp", "old"):
            prefix = f".{folder.name}.{kind}-"
            for entry in os.listdir(folder.parent):
                pid = entry[len(prefix) :].split("-")[0] if entry.startswith(prefix) else ""
                if pid.isdigit() and alive(int(pid)):
                    time.sleep(0.001)  # let that save finish its renames
                    return True
    return False


def _check_signature(key: bytes, doc: dict, where: str) -> None:
    signature = doc.get("signature")
    if signature is None:
        raise ModelSignatureError(
            f"{where} is not signed, but a model key is set ({KEY_VARIABLE} or key=): refusing it; "
            "save the model again with the key, or load it without a key."
        )
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _signature(key, doc)):
        raise ModelSignatureError(
            f"{where} has a signature that does not match the model key: it was signed with another key "
            "or modified after signing; refusing it."
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


def read_model(path, key: str | bytes | None = None) -> dict:
    """The state (document and weights) of a saved model, checked (see :func:`read_document`).

    ``key``: the signing key to verify; None reads ``$LSTMCAST_MODEL_KEY`` (unset: signatures are not checked).
    The weights are those whose checksum was verified (read once), and their parameter count is
    checked against :func:`lstmcast.resources.limit` before they are unpacked.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as load_bytes

    from lstmcast.resources import BYTES, check_parameters

    doc, weights = _read_generation(Path(path), key)
    check_parameters(len(weights) // BYTES, repr(str(path)), "it is too large to load here")
    try:
        arrays = load_bytes(weights)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read the weights of {str(path)!r}: {exc}") from None
    return {**doc, "arrays": arrays}
