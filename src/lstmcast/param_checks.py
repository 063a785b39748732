"""The checks of the parameter table: each takes ``(name, value)`` and returns the value to use.

Each check accepts what a user may pass from Python, the command line or a TOML file and
normalizes it (``np.int64`` -> ``int``, lists -> tuples), or raises one
:class:`~lstmcast.errors.ConfigError` that names the parameter, the value and the fix. The
factories (:func:`integer`, :func:`number`, :func:`choice`, :func:`auto`) make
checks for a range, a set of options or the value ``"auto"``. :mod:`lstmcast.params` attaches
one to every parameter (and caps some at a resource limit, ``params.capped``).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from lstmcast.errors import ConfigError


# NumPy scalars are accepted, but NumPy is not imported for them: a NumPy value means NumPy is loaded,
# and the command line's --help, which builds its options from this table, stays free of it.
def _numpy_types(*names: str) -> tuple:
    np = sys.modules.get("numpy")
    return tuple(getattr(np, n) for n in names) if np is not None else ()


def is_bool(v) -> bool:
    return isinstance(v, (bool, *_numpy_types("bool_")))


def is_int(v) -> bool:
    return isinstance(v, (int, *_numpy_types("integer"))) and not is_bool(v)


def is_number(v) -> bool:
    return isinstance(v, (int, float, *_numpy_types("integer", "floating"))) and not is_bool(v)


def integer(lo: int = 1, optional: bool = False, what: str = "", hi: int | None = None) -> Callable:
    def check(name, v):
        if v is None and optional:
            return None
        if not is_int(v) or v < lo or (hi is not None and v > hi):
            kind = "a positive integer" if lo == 1 else f"an integer >= {lo}"
            if hi is not None:
                kind = f"an integer from {lo} to {hi}"
            raise ConfigError(f"{name}={v!r} must be {kind}{what}.")
        return int(v)

    return check


def number(lo: float | None = None, hi: float | None = None, *, lo_open=False, hi_open=False, optional=False, what=""):
    def check(name, v):
        if v is None and optional:
            return None
        ok = is_number(v) and math.isfinite(float(v))
        if ok and lo is not None:
            ok = float(v) > lo if lo_open else float(v) >= lo
        if ok and hi is not None:
            ok = float(v) < hi if hi_open else float(v) <= hi
        if not ok:
            left = "" if lo is None else ("(" if lo_open else "[") + f"{lo:g}"
            right = "" if hi is None else f"{hi:g}" + (")" if hi_open else "]")
            where = f" in {left}, {right}" if lo is not None and hi is not None else ""
            if lo is not None and hi is None:
                where = f" {'>' if lo_open else '>='} {lo:g}"
            raise ConfigError(f"{name}={v!r} must be a finite number{where}{what}.")
        return float(v)

    return check


def choice(*options: str, optional: bool = False) -> Callable:
    def check(name, v):
        if v is None and optional:
            return None
        if not isinstance(v, str) or v not in options:
            raise ConfigError.choice(name, v, options)
        return v

    return check


def column_name(name, v):
    if not isinstance(v, str) or not v.strip() or v != v.strip():
        raise ConfigError(f"{name}={v!r} must be a column name: non-empty text without surrounding spaces.")
    return v


def boolean(name, v):
    if not is_bool(v):
        raise ConfigError(f"{name}={v!r} must be True or False.")
    return bool(v)


def units(name, v):
    values = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if not values or not all(is_int(u) and u >= 1 for u in values):
        raise ConfigError(f"{name}={v!r} must be one or more positive integers, e.g. units=(64, 32).")
    return tuple(int(u) for u in values)


def value_range(name, v):
    if not isinstance(v, (tuple, list)) or len(v) != 2 or not all(is_number(x) for x in v):
        raise ConfigError(f"{name}={v!r} must be two numbers (low, high), e.g. (0, 1).")
    lo, hi = float(v[0]), float(v[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(f"{name}={tuple(v)!r} needs finite low < high, e.g. (0, 1).")
    return (lo, hi)


def quantile_levels(name, v):
    values = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if not values or not all(is_number(q) and 0.0 < float(q) < 1.0 for q in values):
        raise ConfigError(f"{name}={v!r} must be one or more numbers strictly between 0 and 1, e.g. (0.1, 0.5, 0.9).")
    out = tuple(sorted({float(q) for q in values}))
    if len(out) != len(values):
        raise ConfigError(f"{name}={tuple(v)!r} repeats a quantile; give each once.")
    if not (0.5 in out or (out[0] < 0.5 < out[-1])):
        raise ConfigError(
            f"{name}={out!r} must include 0.5 or quantiles on both sides of it: the point forecast is the median."
        )
    return out


def part(name, v):
    """A held-out part: a fraction in (0, 1), a row count, or the timestamp where it starts."""
    if v is None or (is_number(v) and v == 0):
        return 0
    if is_int(v):
        if v < 0:
            raise ConfigError(f"{name}={v!r} rows must be 0 or more.")
        return int(v)
    if is_number(v):
        if not 0.0 < float(v) < 1.0:
            raise ConfigError(f"{name}={v!r} as a fraction must be between 0 and 1, e.g. {name}=0.2.")
        return float(v)
    if isinstance(v, str):
        import pandas as pd

        try:
            pd.Timestamp(v)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{name}={v!r} must be a fraction (0.2), a row count (24) or a start timestamp ('1959-01')."
            ) from None
        return v
    if type(v).__name__ == "Timestamp":
        return v
    raise ConfigError(f"{name}={v!r} must be a fraction (0.2), a row count (24) or a start timestamp ('1959-01').")


def date_format(name, v):
    if v is None:
        return None
    if not isinstance(v, str) or "%" not in v:
        raise ConfigError(f"{name}={v!r} must be a strftime format such as '%d/%m/%Y' or '%Y-%m-%d %H:%M'.")
    return v


def thousands(name, v):
    if v is None:
        return None
    if not isinstance(v, str) or len(v) != 1 or v.isdigit() or v in ".-+eE":
        raise ConfigError(f"{name}={v!r} must be one character that separates thousands, such as ',' or \"'\" or ' '.")
    return v


def frequency(name, v):
    if v is None:
        return None
    import pandas as pd

    if not isinstance(v, str):
        raise ConfigError(f"{name}={v!r} must be a pandas frequency string such as 'D', 'h', 'MS', 'B'.")
    try:
        pd.tseries.frequencies.to_offset(v)
    except ValueError:
        raise ConfigError(f"{name}={v!r} is not a pandas frequency: use e.g. 'D', 'h', 'MS', 'B', 'YS'.") from None
    return v


def seed(name, v):
    if not is_int(v) or not 0 <= int(v) < 2**32:
        raise ConfigError(f"{name}={v!r} must be an integer between 0 and 2**32 - 1.")
    return int(v)


def auto(check: Callable, what: str) -> Callable:
    """``"auto"`` (chosen from the training data, see lstmcast.auto) or a value ``check`` accepts."""

    def checked(name, v):
        if isinstance(v, str) and v == "auto":
            return "auto"
        try:
            return check(name, v)
        except ConfigError:
            raise ConfigError(f"{name}={v!r} must be 'auto' (chosen from the data) or {what}.") from None

    return checked


def devices(name, v):
    if isinstance(v, str) and v == "all":
        return "all"
    if not is_int(v) or v < 1:
        raise ConfigError(f"{name}={v!r} must be 'all' (every device JAX sees) or a positive integer.")
    return int(v)


def verbose(name, v):
    if v == "auto":
        return v
    if not is_int(v) or v not in (0, 1, 2):
        raise ConfigError(
            f"{name}={v!r} must be 'auto' (progress in interactive sessions), 0 (silent), 1 (progress bar) "
            "or 2 (a line per epoch)."
        )
    return int(v)
