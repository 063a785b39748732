"""Writing files safely: temporary siblings, fsync, atomic renames, and paths that must not be overwritten.

Used by model saving (:mod:`lstmcast.io.saving`) and by every output file (forecasts,
exports, plots): nothing is written in place, through a symbolic link, or over a
file that was not asked to be replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from lstmcast.errors import OverwriteError, WriteError


def parent_folder(folder: Path) -> Path:
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create the folder {str(parent)!r} for {str(folder)!r}: {os_reason(exc)}.") from exc
    return parent


def make_temp_folder(parent: Path, name: str) -> Path:
    for _ in range(100):
        tmp = parent / f".{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp)  # mode 0o777 & ~umask, like any new folder
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(f"cannot save the model next to {str(parent / name)!r}: {os_reason(exc)}.") from exc
        return tmp
    raise WriteError(f"cannot create a temporary folder in {str(parent)!r}: 100 names were taken.")


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never an existing file or a link), write ``data`` and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))  # writable: Windows fsyncs no read-only fd
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    if sys.platform == "win32":  # folders cannot be opened there; renames are durable enough
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if sys.platform != "linux":
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc before 2.28, musl
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):  # this filesystem cannot
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_in(tmp: Path, folder: Path) -> None:
    """Put the complete folder ``tmp`` at ``folder`` and delete what was there."""
    if folder.is_dir() and exchange(tmp, folder):
        remove_tree(tmp)  # now the old model
        return
    old = folder.parent / f".{folder.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.rename(folder, old)
        os.rename(tmp, folder)
    except BaseException:  # Ctrl-C or an error between the two renames: put the old one back
        if not os.path.lexists(folder) and os.path.lexists(old):
            os.rename(old, folder)
        raise
    remove_tree(old)


def remove_tree(path: Path) -> None:
    """Best-effort removal of a folder (or file) lstmcast created; links are unlinked, never followed."""
    with contextlib.suppress(OSError):
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
        else:
            shutil.rmtree(path)


def clean_stale(parent: Path, name: str, files: bool = False, allowed: tuple = ()) -> None:
    """Remove ``.NAME.tmp-*`` / ``.NAME.old-*`` left by dead processes: folders holding only model
    files, or (``files=True``, for :func:`write_file`) plain temporary files. Links are left alone."""
    try:
        siblings = os.listdir(parent)
    except OSError:
        return
    for entry in siblings:
        for kind in ("tmp",) if files else ("tmp", "old"):
            prefix = f".{name}.{kind}-"
            if not entry.startswith(prefix):
                continue
            pid = entry[len(prefix) :].split("-")[0]
            if not pid.isdigit() or (int(pid) != os.getpid() and alive(int(pid))):
                continue
            stale = parent / entry
            with contextlib.suppress(OSError):
                if os.path.islink(stale):
                    continue
                if files and stale.is_file():
                    os.unlink(stale)
                elif not files and stale.is_dir() and set(os.listdir(stale)) <= set(allowed):
                    shutil.rmtree(stale)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def os_reason(exc: OSError) -> str:
    """An OSError's reason without its path: 'No space left on device'."""
    return exc.strerror or str(exc) or type(exc).__name__


def check_output_path(path, overwrite: bool = False, inputs=()) -> Path:
    """Raise OverwriteError unless a file may be written at ``path``.

    Never the same file as one of ``inputs`` (compared resolved, and as the same inode);
    never a folder; an existing file only with ``overwrite=True``.
    """
    target = Path(path)
    for source in inputs:
        if source is not None and (same_file(target, Path(source)) or inside(target, Path(source))):
            raise OverwriteError(
                f"refusing to write {str(target)!r}: it is the input file {str(source)!r}; choose another output path."
            )
    if target.is_dir():
        raise is_a_folder(target)
    if os.path.lexists(target) and not overwrite:
        raise OverwriteError(
            f"refusing to overwrite {str(target)!r}: it already exists; pass --force to replace it, "
            "or choose another path."
        )
    return target


def is_a_folder(target: Path) -> OverwriteError:
    return OverwriteError(
        f"cannot write {str(target)!r}: it is a folder; give a file path instead (inside it or elsewhere)."
    )


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies inside the folder ``folder``, by real paths (links resolved)."""
    try:
        return os.path.isdir(folder) and os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep)
    except (OSError, ValueError):
        return False


def same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, RuntimeError):
        return False


def write_file(path, write: Callable[[Path], object]) -> Path:
    """Write a file atomically: ``write(temporary_path)`` next to ``path``, fsync, then ``os.replace``.

    A link at ``path`` is replaced, never written through; a crash leaves ``path`` as it was.
    """
    target = Path(path)
    if target.is_dir():
        raise is_a_folder(target)
    parent = parent_folder(target)
    clean_stale(parent, target.name, files=True)
    tmp = parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, target)
        fsync_dir(parent)
    except OSError as exc:
        remove_tree(tmp)
        if isinstance(exc, (OverwriteError, WriteError)):
            raise
        raise WriteError(f"cannot write {str(target)!r}: {os_reason(exc)}.") from exc
    except BaseException:
        remove_tree(tmp)
        raise
    return target


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def escape_formulas(frame):
    """A copy of ``frame`` whose text cells (and column names) that a spreadsheet would run as a formula
    (``=cmd|...``, ``+1+1``, ``@SUM(...)``) start with ``'``, as OWASP advises for CSV files; numbers
    written as text (``-5``, ``+1.5``) are left as they are. ``frame`` itself is not changed."""
    import pandas as pd

    def escape(value):
        if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
            return value
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(escape)
    return out.rename(columns=escape)
