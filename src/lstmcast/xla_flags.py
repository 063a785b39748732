"""XLA settings :func:`lstmcast.configure` asks for before JAX starts its CPU backend.

On CPUs with AVX-512, XLA emits 256-bit vector code for element-wise work
unless told otherwise; the recurrent steps' gate activations (sigmoid, tanh)
ran ~2x faster with 512-bit vectors (``benchmarks/train_speed.py``; DESIGN.md).
So ``lstmcast.configure()`` (which the ``lstmcast`` command calls) adds
``--xla_cpu_prefer_vector_width=512`` to ``XLA_FLAGS`` when the CPU has AVX-512
and the flag is not set already; ``import lstmcast`` alone changes nothing.

It only takes effect if JAX has not run anything yet in this process (call
configure() first). ``LSTMCAST_XLA_TUNING=0`` leaves ``XLA_FLAGS`` alone. The
flag changes how XLA vectorizes, so float32 results can differ in the last
bits from a run without it; a given machine and setting is reproducible.
"""

from __future__ import annotations

import os

VECTOR_WIDTH_FLAG = "--xla_cpu_prefer_vector_width"


def _has_avx512(cpuinfo: str = "/proc/cpuinfo") -> bool:
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "avx512f" in line.split()
    except OSError:
        pass
    return False  # not Linux, or no flags line: leave XLA's default


def tuned_flags(current: str, *, avx512: bool) -> str:
    """XLA_FLAGS with lstmcast's additions; a flag the user set is never overridden."""
    if not avx512 or VECTOR_WIDTH_FLAG in current:
        return current
    return f"{current} {VECTOR_WIDTH_FLAG}=512".strip()


def tune_xla_cpu() -> None:
    """Set the flags in this process's environment (see the module docstring)."""
    if os.environ.get("LSTMCAST_XLA_TUNING", "1") == "0":
        return
    current = os.environ.get("XLA_FLAGS", "")
    tuned = tuned_flags(current, avx512=_has_avx512())
    if tuned != current:
        os.environ["XLA_FLAGS"] = tuned
