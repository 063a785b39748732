"""Window index arithmetic: which windows exist, never the windows themselves.

A window starting at row ``s`` reads rows ``s .. s + window - 1`` and predicts
rows ``s + window .. s + window + horizon - 1``. Windows are named by ``s``
alone; the compiled programs gather their values by index, so memory grows
with the series, not with series x window.
"""

from __future__ import annotations

import numpy as np


def window_starts(window: int, horizon: int, target_lo: int, target_hi: int, first_row: int = 0) -> np.ndarray:
    """Starts of every window whose targets lie inside rows ``[target_lo, target_hi)``.

    ``first_row`` is the first row with a defined value (after differencing by
    ``lag``, rows before ``lag`` are undefined). Returns (n,) int32, ascending.

    >>> window_starts(3, 1, 0, 6).tolist()
    [0, 1, 2]
    >>> window_starts(3, 2, 4, 8).tolist()  # targets rows 4..5, 5..6, 6..7
    [1, 2, 3]
    """
    lo = max(target_lo - window, first_row)
    hi = target_hi - window - horizon  # last start, inclusive
    return np.arange(lo, max(hi + 1, lo), dtype=np.int32)


def count_windows(n_rows: int, window: int, horizon: int) -> int:
    """Valid windows in ``n_rows`` rows: every one, none dropped.

    >>> count_windows(1000, 10, 1)  # the seed tutorial keeps only 989
    990
    """
    return max(n_rows - window - horizon + 1, 0)
