"""Process-wide settings lstmcast can make for you, only when asked: :func:`configure`.

The library itself never changes the process: importing lstmcast, fitting,
predicting and plotting leave ``XLA_FLAGS``, JAX's configuration and
matplotlib's backend as they were. ``lstmcast.configure()`` opts in to two
settings that make lstmcast faster; the ``lstmcast`` command calls it first.

* **A persistent compilation cache**, so a second process starts warm:
  JAX's ``jax_compilation_cache_dir`` set to ``$LSTMCAST_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/lstmcast/jax``, else ``~/.cache/lstmcast/jax`` (``cache=``
  picks another folder, ``cache=False`` or ``LSTMCAST_CACHE_DIR=off`` none),
  and every program cached however quick its compilation (JAX's thresholds set
  to 0). A cache folder the user already gave JAX is kept.
* **XLA tuning on AVX-512 CPUs**: ``--xla_cpu_prefer_vector_width=512`` added
  to ``XLA_FLAGS`` (never over a value already there; ``LSTMCAST_XLA_TUNING=0``
  turns it off). It takes effect only before JAX starts its backend, so call
  ``configure()`` before any other JAX work.

Training on several machines (or several processes of one) is JAX's own
multi-process runtime: every process calls :func:`distributed` (a thin wrapper of
``jax.distributed.initialize``) before any other JAX work, then runs the same
program with ``devices="all"``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lstmcast.xla_flags import tune_xla_cpu


def default_cache_dir() -> Path:
    """``$LSTMCAST_CACHE_DIR``, else ``$XDG_CACHE_HOME/lstmcast/jax``, else ``~/.cache/lstmcast/jax``."""
    if os.environ.get("LSTMCAST_CACHE_DIR"):
        return Path(os.environ["LSTMCAST_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lstmcast" / "jax"


def jax_started() -> bool:
    """Whether JAX has initialized its backends in this process (XLA_FLAGS are read then)."""
    if "jax" not in sys.modules:
        return False
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):  # another JAX version: assume the worst
        return True


def enable_compilation_cache(path: str | Path | None = None) -> str | None:
    """Point JAX's persistent cache at ``path`` (default: :func:`default_cache_dir`); returns the folder used.

    Without ``path``, a cache folder already set in JAX's configuration is kept.
    Returns None when the cache is off or the folder cannot be created.
    """
    if path is None and os.environ.get("LSTMCAST_CACHE_DIR", "").lower() == "off":
        return None
    import jax

    current = jax.config.jax_compilation_cache_dir
    if path is None and current:
        return current  # the user's own setting wins
    folder = Path(path) if path is not None else default_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: run without the cache rather than fail
    if not os.access(folder, os.W_OK):
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return str(folder)


def configure(*, cache: bool | str | Path = True, xla_tuning: bool = True) -> dict:
    """Opt in to lstmcast's process-wide settings (see the module docstring); returns what was set.

    >>> import lstmcast
    >>> report = lstmcast.configure(cache=False, xla_tuning=False)
    >>> report
    {'cache_dir': None, 'xla_flags': None}
    """
    report: dict = {"cache_dir": None, "xla_flags": None}
    if xla_tuning and os.environ.get("LSTMCAST_XLA_TUNING", "1") != "0":
        if jax_started():
            report["xla_flags"] = "not applied: JAX had already started (call configure() before other JAX work)"
        else:
            tune_xla_cpu()
            report["xla_flags"] = os.environ.get("XLA_FLAGS") or None
    if cache:
        report["cache_dir"] = enable_compilation_cache(None if cache is True else cache)
    return report


def distributed(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    **kwargs,
) -> dict:
    """Join a multi-process JAX run: ``jax.distributed.initialize(...)`` with these arguments.

    Call it first in every process, before any other JAX work; then fit with ``devices="all"``
    and each batch is split over every process's devices. On Slurm, Open MPI or Cloud TPU the
    arguments can be left out (JAX detects them); otherwise give the coordinator's
    ``"host:port"`` (process 0's machine), the number of processes and this one's number
    (0 to num_processes - 1). ``kwargs`` go to ``jax.distributed.initialize`` unchanged
    (``local_device_ids``, ``initialization_timeout``, ...). CPU devices talk through gloo, set
    only where this JAX has no CPU collectives chosen. Returns this process's place in the run:
    ``{"process", "processes", "devices", "local_devices"}``.
    """
    import jax

    if jax.config.jax_cpu_collectives_implementation is None:  # older JAX: no cross-process CPU collectives
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address, num_processes, process_id, **kwargs)
    return {
        "process": jax.process_index(),
        "processes": jax.process_count(),
        "devices": jax.device_count(),
        "local_devices": jax.local_device_count(),
    }
