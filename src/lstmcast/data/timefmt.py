"""Timestamps in messages, as people write them."""

from __future__ import annotations

import pandas as pd


def format_time(value) -> str:
    """The date alone when there is no time of day; anything else as str().

    >>> format_time(pd.Timestamp("1711-01-01"))
    '1711-01-01'
    >>> format_time(pd.Timestamp("2024-03-01 12:30"))
    '2024-03-01 12:30:00'
    """
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)
