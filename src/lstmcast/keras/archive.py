"""A Keras 3 ``.keras`` file read as data: its JSON configuration and its HDF5 weights, nothing executed.

A ``.keras`` file is a zip archive holding ``config.json`` (the model's layers and
their settings), ``metadata.json`` (the Keras version) and ``model.weights.h5``
(every variable, at paths such as ``layers/lstm/cell/vars/0``). Both JSON files are
parsed as plain JSON, and the weights are read with ``h5py`` as arrays, one
dataset at a time by its expected path: nothing in the file is unpickled,
evaluated or imported (a ``Lambda`` layer's stored bytecode is never decoded).

Guards, each a :class:`~lstmcast.errors.ModelFileError` naming the file and the fix:
not a zip (a Keras 2 ``.h5`` file or a SavedModel folder is named as such), a
missing member, a member larger than a Keras LSTM model's could be, a truncated or
damaged archive or HDF5 file, and HDF5 links or storage that would read another
file (external links, external or virtual datasets).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmcast.errors import ConfigError, ModelFileError
from lstmcast.resources import limit

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_JSON_BYTES = 16 * 2**20  # a Sequential stack's configuration is a few KB
MAX_WEIGHTS_BYTES = 2**31  # as lstmcast's own weights files
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
CHUNK = 1 << 20  # members are unpacked a MiB at a time, each chunk checked against the limit
RESAVE = "load it in Keras 3 and save it with model.save('model.keras')"


@dataclass(frozen=True)
class KerasArchive:
    """What a ``.keras`` file holds: the parsed ``config.json`` and ``metadata.json``, and the HDF5 bytes."""

    path: str  # the file as the user named it, for messages
    config: dict
    metadata: dict
    weights: bytes

    @property
    def keras_version(self) -> str:
        version = self.metadata.get("keras_version")
        return version if isinstance(version, str) else "unknown"


def read_archive(path) -> KerasArchive:
    """Open ``path`` as a ``.keras`` zip and read its three members (checked, nothing executed)."""
    file = Path(path)
    where = repr(str(path))
    if file.is_dir():
        raise ModelFileError(
            f"{where} is a folder (a TensorFlow SavedModel or an lstmcast model?), not a .keras file: {RESAVE}."
        )
    try:
        with open(file, "rb") as f:
            head = f.read(len(HDF5_MAGIC))
    except FileNotFoundError:
        raise ModelFileError(f"{where} does not exist: pass the path of a .keras file saved by Keras 3.") from None
    if head == HDF5_MAGIC:
        raise ModelFileError(f"{where} is an HDF5 file (Keras 2's .h5 format), not a Keras 3 .keras file: {RESAVE}.")
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            missing = [m for m in (CONFIG, WEIGHTS) if m not in names]
            if missing:
                raise ModelFileError(
                    f"{where} lacks {missing[0]}: it is a zip archive but not a Keras 3 .keras model; {RESAVE}."
                )
            config = _json(archive, CONFIG, where)
            metadata = _json(archive, METADATA, where) if METADATA in names else {}
            weights = _member(archive, WEIGHTS, min(MAX_WEIGHTS_BYTES, limit("member_bytes")), where, HDF5_MAGIC)
    except zipfile.BadZipFile as exc:
        raise ModelFileError(
            f"{where} is not a .keras file or is truncated (not a readable zip: {exc}); {RESAVE}."
        ) from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{where}: {CONFIG} must hold a JSON object, got {type(config).__name__}; {RESAVE}.")
    return KerasArchive(str(path), config, metadata if isinstance(metadata, dict) else {}, weights)


def _member(archive: zipfile.ZipFile, name: str, limit: int, where: str, magic: bytes = b"") -> bytes:
    """One member's bytes, refused above ``limit`` (by its header, then while it is unpacked, chunk by chunk)
    and, with ``magic``, unless its first bytes are ``magic``: nothing more than ``limit`` is ever held."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(
            f"{where}: {name} is {info.file_size:,} bytes, over lstmcast's limit of {limit:,} "
            "(LSTMCAST_MAX_MEMBER_BYTES); refusing to unpack it."
        )
    out = io.BytesIO()
    try:
        with archive.open(info) as f:
            while chunk := f.read(CHUNK):
                if magic and out.tell() == 0 and not chunk.startswith(magic[: len(chunk)]):
                    raise ModelFileError(
                        f"{where}: {name} is not an HDF5 file (it starts with {chunk[:8]!r}); {RESAVE}."
                    )
                if out.tell() + len(chunk) > limit:
                    raise ModelFileError(
                        f"{where}: {name} unpacks to more than lstmcast's limit of {limit:,} bytes "
                        "(LSTMCAST_MAX_MEMBER_BYTES), more than its header says; refusing it."
                    )
                out.write(chunk)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:  # a CRC mismatch, a cut archive
        raise ModelFileError(f"{where}: {name} is truncated or damaged ({exc}); {RESAVE}.") from None
    return out.getvalue()


def _json(archive: zipfile.ZipFile, name: str, where: str):
    data = _member(archive, name, MAX_JSON_BYTES, where)
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{where}: {name} is not valid JSON ({exc}); {RESAVE}.") from None


def import_h5py():
    """h5py, which reads a .keras file's HDF5 weights: an optional extra, refused in one line when missing."""
    try:
        import h5py
    except ImportError:
        raise ConfigError(
            "importing a Keras model reads its HDF5 weights with h5py, an optional extra: "
            "pip install 'lstmcast[keras]' (in a checkout: pip install -e \".[keras]\")."
        ) from None
    return h5py


class WeightsFile:
    """``model.weights.h5`` opened from memory; :meth:`read` gives one variable by its path, checked.

    Use as a context manager. Only hard links are followed, and datasets stored outside
    the file (external storage, virtual datasets) are refused.
    """

    def __init__(self, archive: KerasArchive) -> None:
        self.where = repr(archive.path)
        self._bytes = archive.weights
        self._file = None

    def __enter__(self) -> WeightsFile:
        h5py = import_h5py()

        try:
            self._file = h5py.File(io.BytesIO(self._bytes), "r")
        except (OSError, ValueError) as exc:
            where = f"{self.where}: {WEIGHTS}"
            raise ModelFileError(f"{where} is truncated or not an HDF5 file ({exc}); {RESAVE}.") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.close()

    def names(self, group: str) -> list[str]:
        """The members of ``group`` (e.g. ``layers/lstm/cell/vars``), or [] when it does not exist."""
        node = self._node(group, missing_ok=True)
        return [] if node is None else sorted(node.keys())

    def read(self, path: str, shape: tuple[int, ...], what: str) -> np.ndarray:
        """The float32 array at ``path``, which must have ``shape`` and finite values; ``what`` names it."""
        h5py = import_h5py()

        node = self._node(path)
        if not isinstance(node, h5py.Dataset):
            raise ModelFileError(f"{self.where}: {WEIGHTS} holds a group at {path!r} where {what} should be.")
        if node.external or node.is_virtual:
            raise ModelFileError(f"{self.where}: {what} ({path!r}) is stored outside the file; refusing to read it.")
        if tuple(node.shape) != tuple(shape):
            raise ModelFileError(
                f"{self.where}: {what} ({path!r}) has shape {tuple(node.shape)}, but the layer's configuration "
                f"needs {tuple(shape)}: the weights do not belong to this config.json; {RESAVE}."
            )
        if node.dtype.kind != "f":
            raise ModelFileError(f"{self.where}: {what} ({path!r}) is {node.dtype}, not floating point numbers.")
        try:
            value = np.asarray(node[()], np.float32)
        except (OSError, ValueError, RuntimeError) as exc:
            where = f"{self.where}: {what} ({path!r})"
            raise ModelFileError(f"{where} cannot be read ({exc}); the file is damaged.") from None
        if not np.isfinite(value).all():
            raise ModelFileError(f"{self.where}: {what} ({path!r}) holds NaN or infinite values.")
        return value

    def _node(self, path: str, missing_ok: bool = False):
        """The object at ``path``, walking hard links only (an external or soft link is refused)."""
        h5py = import_h5py()

        node = self._file
        walked = []
        for part in path.split("/"):
            walked.append(part)
            here = "/".join(walked)
            try:
                link = node.get(part, getlink=True) if isinstance(node, h5py.Group) else None
                child = node[part] if isinstance(link, h5py.HardLink) else None
            except (OSError, KeyError, ValueError, RuntimeError) as exc:  # HDF5 errors of a damaged file
                raise ModelFileError(
                    f"{self.where}: {WEIGHTS} is truncated or damaged at {here!r} ({exc}); {RESAVE}."
                ) from None
            if link is None:
                if missing_ok:
                    return None
                raise ModelFileError(
                    f"{self.where}: {WEIGHTS} lacks {here!r}: the file is truncated or was not written for this "
                    f"config.json; {RESAVE}."
                )
            if child is None:
                raise ModelFileError(
                    f"{self.where}: {WEIGHTS} links {here!r} to another place ({type(link).__name__}); "
                    "refusing to follow it."
                )
            node = child
        return node
