"""JAX's persistent compilation cache, so a second process starts warm."""

from __future__ import annotations

import os
from pathlib import Path

_enabled = False


def cache_dir() -> Path:
    """``$LSTMCAST_CACHE_DIR``, else ``$XDG_CACHE_HOME/lstmcast/jax``, else ``~/.cache/lstmcast/jax``."""
    if os.environ.get("LSTMCAST_CACHE_DIR"):
        return Path(os.environ["LSTMCAST_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lstmcast" / "jax"


def enable_compilation_cache() -> None:
    """Turn the cache on once per process (set ``LSTMCAST_CACHE_DIR=off`` to disable)."""
    global _enabled
    if _enabled or os.environ.get("LSTMCAST_CACHE_DIR", "").lower() == "off":
        return
    import jax

    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # a read-only home: run without the cache rather than fail
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    _enabled = True
