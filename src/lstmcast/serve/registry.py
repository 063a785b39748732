"""Models served by name, each picked up again when it is replaced on disk, atomically.

A :class:`Version` is one loaded model folder: the Forecaster, its metadata, its fast path, and
the cached forecasts from its saved history. It never changes after it is built. A :class:`Slot`
holds a name's current Version and swaps in a new one when the folder changes:

* every request stats ``model.json`` and ``model.safetensors`` (inode, size, modification and
  change times: a few microseconds); equal to the current Version's: it answers;
* changed: one request loads the folder *fully* (checksums verified, the model built and warmed by
  a forecast) while the others keep answering with the current Version, then the reference is
  swapped. A request sees the old model or the new one, never parts of both.

``lstmcast save`` replaces a folder with one ``renameat2(RENAME_EXCHANGE)``, so a reader of the
path sees either folder. A read that straddles two saves fails its checksums; that load is
abandoned (the old Version keeps answering, the error is in ``/health``) and retried when the
files change again. The fingerprint is taken before reading, so a save during a load at worst
causes one more load; a request that waited for the lock stats again, so files another request
has just loaded are not loaded twice.

A folder saved into ``--models DIR`` after startup is loaded on its first request. One that does
not load, at startup or later, is answered 503 (:class:`ModelUnavailable`) from memory, without
reading it again, until its files change; the other models keep answering. A folder of
``--models DIR``, or one of its two files, that is a symbolic link leading outside DIR is refused
the same way: the service reads only what was saved into the folder it serves.

No answer shows a server path: messages name the model instead (:func:`hide_paths`).

Models trained with ``future=`` covariates cannot forecast without the values of those
covariates, so their warm-up does not call ``predict()``: the fast path's check at load forecasts
from windows of the saved rows (whose covariates are known) and compiles the program; a
many-series model of this kind compiles on its first request.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lstmcast.errors import LstmcastError, ModelFileError
from lstmcast.io.saving import DOCUMENT, WEIGHTS, read_model
from lstmcast.serve.fastpath import FastForecast
from lstmcast.serve.limits import hide_paths, shorten

log = logging.getLogger("lstmcast.serve")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")  # a model's name: one folder name, no path
CACHE_ENTRIES = 64  # forecasts from the saved history kept per model version (by horizon, level, quantiles)


class ModelNotFound(LstmcastError, LookupError):
    """No served model has this name (HTTP 404)."""


class ModelUnavailable(ModelFileError):
    """A model folder of the served directory that does not load (HTTP 503, until its files change)."""


def fingerprint(folder: Path) -> tuple | None:
    """What identifies the files of a model folder now (None: they are not both there)."""
    try:
        doc, weights = os.stat(folder / DOCUMENT), os.stat(folder / WEIGHTS)
    except OSError:
        return None
    return tuple((s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns) for s in (doc, weights))


def future_columns(model) -> tuple[str, ...]:
    """The ``future=`` columns a request's future table must hold (none: the model takes no future table)."""
    from lstmcast.data.calendar_features import user_columns

    return user_columns((model.panel_ if model.is_panel_ else model.series_).future)


def check_inside(folder: Path, root: Path | None) -> None:
    """Refuse (ModelFileError) a model folder of ``root`` that is, or holds, a link leading outside ``root``."""
    if root is None:
        return
    top = root.resolve()
    for path in (folder, folder / DOCUMENT, folder / WEIGHTS):
        if not path.resolve().is_relative_to(top):
            what = "the folder" if path == folder else path.name
            raise ModelFileError(
                f"{what} is a symbolic link that leads outside the served folder (--models): refused; copy the "
                "model into the folder instead of linking it."
            )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Version:
    """One loaded, warmed version of a model folder (never changed after :func:`load_version`)."""

    name: str
    path: Path
    model: object  # the Forecaster
    fingerprint: tuple
    info: dict  # metadata for GET /model (schemas.ModelInfo)
    fast: FastForecast | None
    cache: dict = field(default_factory=dict, compare=False)  # (horizon, level, quantiles) -> response bytes

    @property
    def checksum(self) -> str:
        return self.info["checksum"]

    @property
    def calibrated(self) -> bool:
        """Whether intervals need no training: a head with its own quantiles, or saved conformal scores."""
        return self.model.loss_.kind != "point" or getattr(self.model, "calibration_", None) is not None


def load_version(name: str, path: Path, root: Path | None = None) -> Version:
    """Read, check, build and warm the model in ``path`` (one forecast from its saved history).

    root: the served directory (``--models``), which ``path`` and its files must not leave.
    """
    from lstmcast.forecaster import Forecaster

    path = Path(path)
    check_inside(path, root)
    before = fingerprint(path)  # taken first: a save during the read at worst causes one more load
    state = read_model(path)
    model = Forecaster.from_state(state)
    future = future_columns(model)
    if not future:  # a future= model cannot forecast without its covariates: the fast path's check warms it
        model.predict()  # compiles the library's forecast program (and fails here, not in a request)
    fast = FastForecast.build(model)
    history = state.get("history") or {}
    info = {
        "name": name,
        "checksum": state["document_sha256"],
        "weights_sha256": state["weights_sha256"],
        "format_version": state["format_version"],
        "library_version": state["library_version"],
        "saved_at": dt.datetime.fromtimestamp(before[0][3] / 1e9, dt.UTC).isoformat(timespec="seconds")
        if before
        else "",
        "loaded_at": _now(),
        "many_series": model.is_panel_,
        "horizon": model.config_["horizon"],
        "window": model.config_["window"],
        "fast_path": fast is not None,
        "future": list(future),
        "config": state.get("resolved", {}),
        "choices": state.get("choices", {}),
        "schema": state.get("schema", {}),
        "training": {
            "epochs": len(history.get("loss", [])),
            "seconds": round(float(sum(history.get("seconds", []))), 3),
            "compile_seconds": history.get("compile_seconds"),
        },
    }
    version = Version(name, path, model, before or (), info, fast)
    info["intervals"] = version.calibrated
    return version


class Slot:
    """A name's current :class:`Version`, replaced atomically when its folder changes on disk."""

    def __init__(self, name: str, path: Path, version: Version, root: Path | None = None) -> None:
        self.name, self.path, self.root = name, Path(path), root
        self._version = version
        self._lock = threading.Lock()  # one load at a time; other requests keep the current version
        self._failed: tuple | None = None  # the files whose load failed: not retried until they change
        self.error: str | None = None  # the last failed load, one line (GET /health)

    def current(self) -> Version:
        """The version to answer with: the newest complete one."""
        version = self._version
        if self._settled(fingerprint(self.path), version):
            return version
        if not self._lock.acquire(blocking=False):
            return version  # another request is loading the new files
        try:
            now = fingerprint(self.path)  # again: another request may have loaded these files meanwhile
            return self._version if self._settled(now, self._version) else self._reload(now)
        finally:
            self._lock.release()

    def _settled(self, now: tuple | None, version: Version) -> bool:
        """Whether ``version`` answers for the files ``now``: they are its own, or failed to load already."""
        # None: absent for a moment (a save outside Linux renames twice)
        return now is None or now == version.fingerprint or now == self._failed

    def _reload(self, now: tuple) -> Version:
        try:
            version = load_version(self.name, self.path, self.root)
        except Exception as exc:  # whatever went wrong with the new files, the current version keeps answering
            self._failed = now
            detail = hide_paths(" ".join(str(exc).split()), self.labels())
            self.error = shorten(f"{_now()}: {type(exc).__name__}: {detail}")
            log.warning(
                "model %r: new files not loaded, still serving %s: %s", self.name, self._version.checksum, self.error
            )
            return self._version
        self._version, self._failed, self.error = version, None, None
        log.info("model %r: now serving checksum %s", self.name, version.checksum[:12])
        return version

    def labels(self) -> dict[str, str]:
        """Server paths that may appear in a message, and what answers show instead."""
        return path_labels(self.name, self.path, self.root)

    def health(self) -> dict:
        v = self._version
        return {"checksum": v.checksum, "loaded_at": v.info["loaded_at"], "error": self.error}


def path_labels(name: str, folder: Path | None, root: Path | None) -> dict[str, str]:
    """The spellings of a model's folder (and of the served directory) mapped to the words answers use instead."""
    labels = {}
    for path, label in ((folder, f"<model {name}>"), (root, "<--models>")):
        if path is not None:
            labels[str(path)] = labels[str(Path(path).resolve())] = labels[str(Path(path).absolute())] = label
    return labels


class Registry:
    """Every served model by name, and the default one (``POST /forecast``).

    :meth:`single` serves one folder (the default); :meth:`directory` every model folder in a
    directory (the default: the only one, when it held one at startup), and folders saved there
    later are loaded on their first request.
    """

    def __init__(self, slots: dict[str, Slot], directory: Path | None = None, broken: dict | None = None) -> None:
        self._slots = dict(slots)
        self.directory = directory
        self._broken: dict[str, tuple] = dict(broken or {})  # name -> (fingerprint, message): did not load
        every = set(self._slots) | set(self._broken)
        self.default = next(iter(every)) if len(every) == 1 else None  # the only model at startup
        self._lock = threading.Lock()

    @classmethod
    def single(cls, path) -> Registry:
        path = Path(path)
        name = path.resolve().name if NAME.fullmatch(path.resolve().name) else "model"
        return cls({name: Slot(name, path, load_version(name, path))})

    @classmethod
    def directory(cls, path) -> Registry:
        folder = Path(path)
        if not folder.is_dir():
            raise ModelFileError(f"--models {str(folder)!r} is not a folder: give the folder that holds model folders.")
        names = sorted(p.name for p in folder.iterdir() if NAME.fullmatch(p.name) and (p / DOCUMENT).is_file())
        if not names:
            raise ModelFileError(
                f"--models {str(folder)!r} holds no model folders (subfolders with {DOCUMENT}): save models into "
                "it first (lstmcast train ... --out DIR/NAME)."
            )
        registry = cls({}, folder)
        for name in names:  # a folder that does not load is answered 503; the others are served
            try:
                # not logged here: the caller lists the unavailable ones (lstmcast serve prints each once)
                version = registry._load_new(name, folder / name, announce=False)
                registry._slots[name] = Slot(name, folder / name, version, folder)
            except ModelUnavailable:
                pass
        registry.default = names[0] if len(names) == 1 else None
        return registry

    @property
    def names(self) -> list[str]:
        """The served models' names, those that do not load (answered 503) among them."""
        return sorted(set(self._slots) | set(self._broken))

    def unavailable(self) -> dict[str, str]:
        """Model name -> why its folder does not load (answered 503), for the folders that failed."""
        return {name: message for name, (_, message) in self._broken.items() if name not in self._slots}

    def labels(self) -> dict[str, str]:
        """Every server path that may appear in a message (see :func:`path_labels`)."""
        out = path_labels("", None, self.directory)
        for slot in list(self._slots.values()):
            out.update(slot.labels())
        return out

    def slot(self, name: str | None) -> Slot:
        """The slot of ``name`` (None: the default model); raises ModelNotFound."""
        if name is None:
            if self.default is None:
                raise ModelNotFound(
                    f"this service has {len(self.names)} models ({', '.join(self.names)}) and no default: "
                    "POST /models/{name}/forecast instead."
                )
            name = self.default
        slot = self._slots.get(name)
        if slot is None:
            slot = self._discover(name)
        return slot

    def get(self, name: str | None) -> Version:
        return self.slot(name).current()

    def _discover(self, name: str) -> Slot:
        """A model folder saved into the served directory after startup, loaded on its first request."""
        folder = self.directory / name if self.directory is not None and NAME.fullmatch(name) else None
        if folder is None or not (folder / DOCUMENT).is_file():
            shown = ", ".join(self.names[:10]) + (" ..." if len(self.names) > 10 else "")
            raise ModelNotFound(f"no model named {name[:200]!r} is served: the models are {shown} (GET /models).")
        with self._lock:
            if name not in self._slots:
                self._slots[name] = Slot(name, folder, self._load_new(name, folder), self.directory)
            return self._slots[name]

    def _load_new(self, name: str, folder: Path, announce: bool = True) -> Version:
        """The first version of a folder saved after startup; ModelUnavailable, remembered until its files change
        (logged as a warning when ``announce``)."""
        now = fingerprint(folder)  # before reading: a save during the load makes the next request try again
        broken = self._broken.get(name)
        if broken is not None and broken[0] == now:
            raise ModelUnavailable(broken[1])
        try:
            version = load_version(name, folder, self.directory)
        except Exception as exc:  # whatever is wrong with the files: 503 until they change
            detail = " ".join(str(exc).split())
            detail = shorten(hide_paths(detail, path_labels(name, folder, self.directory)), 1_000)  # answered: short
            message = f"model {name!r} does not load: {type(exc).__name__}: {detail} (read again when its files change)"
            self._broken[name] = (now, message)
            if announce:
                log.warning("%s", message)
            raise ModelUnavailable(message) from None
        self._broken.pop(name, None)
        return version

    def health(self) -> dict:
        """Per model: its checksum, when it was loaded and its last error (a folder that does not load: no checksum)."""
        down = self.unavailable()
        return {
            name: (
                {"checksum": None, "loaded_at": None, "error": down[name]}
                if name in down
                else self._slots[name].health()
            )
            for name in self.names
        }
