"""How much of a scan over time is unrolled: the whole of a short window, one step of a long one.

Unrolling the recurrence of a short window makes a training step faster on CPU (the seed job's
LSTM(50) step at batch 1 is dominated by per-iteration overhead) and makes its program larger,
so slower to compile. ``LSTMCAST_UNROLL`` sets the longest scan that is unrolled whole (default
``UNROLL_UP_TO``, 16; ``0`` unrolls none). The test suite sets 0: it compiles hundreds of tiny
programs and runs each for a few steps, and rolled loops cut a cold run of its conformance,
interval, explanation and many-series tests from 53 s to 41 s. The arithmetic is the same either
way; ``tests/test_unroll.py`` checks that forecasts agree to float tolerance.
"""

from __future__ import annotations

import os

UNROLL_UP_TO = 16


def unroll(steps: int) -> int:
    """The ``unroll`` of a ``lax.scan`` over ``steps`` steps: all of them, up to the limit, else 1."""
    limit = int(os.environ.get("LSTMCAST_UNROLL", UNROLL_UP_TO))
    return steps if 1 <= steps <= limit else 1
