"""A JSON document read as untrusted data: parsing with guards, and typed checks of its values.

:func:`parse_document` refuses integers longer than any value a model stores, keys given twice
and nesting deeper than a model document's, before anything walks the document. Each value
check (:func:`an_int`, :func:`a_choice`, :func:`column_names`...) returns the value or raises
:class:`Invalid` with the key path at fault; :func:`raise_invalid` turns that into the one
:class:`~lstmcast.errors.ModelFileError` line a user sees.
"""

from __future__ import annotations

import json
import math

from lstmcast.errors import ModelFileError

FIX = "the file was edited or damaged; save the model again."


MAX_SIZE = 2**31  # sizes (units, window, rows...) above this are not a model's


MAX_DEPTH = 8  # a model document nests 4 levels (tail -> values -> row); twice that is refused


MAX_INT_DIGITS = 20  # int64 and a sign: longer integers are no value a model stores


class Invalid(Exception):
    """One problem at one key path; :func:`raise_invalid` turns it into the ModelFileError line."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path, self.problem = path, problem


def raise_invalid(where: str, exc: Invalid):
    at = f"{where}: {exc.path}" if exc.path else where
    raise ModelFileError(f"{at} {exc.problem}; {FIX}") from None


def show(value) -> str:
    """A value as JSON, shortened: ``true``, ``"abc"``, ``-3``."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def join_path(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


# -- parsing with guards -----------------------------------------------------------------------------
def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise Invalid("", f"holds an integer of {digits} digits ({text[:12]}...), larger than any value a model stores")
    return int(text)


def _unique_keys(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise Invalid("", f"holds the key {twice!r} twice in one object")
    return out


def parse_document(data: bytes, where: str = "model.json") -> dict:
    """``model.json``'s bytes as a dict, or one ModelFileError (not JSON, huge integers, repeated keys, nesting)."""
    try:
        doc = json.loads(data, parse_int=_parse_int, object_pairs_hook=_unique_keys)
    except Invalid as exc:
        raise_invalid(where, exc)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{where} is truncated or not JSON ({exc}); save the model again.") from None
    except RecursionError:
        raise ModelFileError(f"{where} is {_TOO_DEEP}; {FIX}") from None
    except ValueError as exc:  # anything else json refuses, in one line
        raise ModelFileError(f"{where} is not valid JSON ({exc}); save the model again.") from None
    if _too_deep(doc):
        raise ModelFileError(f"{where} is {_TOO_DEEP}; {FIX}")
    return doc


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep, deeper than any model document"


def _too_deep(value) -> bool:
    """Whether parsed JSON nests more than MAX_DEPTH levels, found without recursion."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return False


# -- value checks: each raises Invalid(path, problem) -----------------------------------------------
def an_object(d, path: str, required, allowed) -> dict:
    if not isinstance(d, dict):
        raise Invalid(path, f"must be an object, got {show(d)}")
    unknown = [k for k in d if k not in allowed]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise Invalid(path, f"has unknown key{'s' if len(unknown) > 1 else ''} {names}")
    missing = [k for k in required if k not in d]
    if missing:
        names = ", ".join(repr(k) for k in missing)
        raise Invalid(path, f"lacks the key{'s' if len(missing) > 1 else ''} {names}")
    return d


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def an_int(v, path: str, lo: int = 1, hi: int = MAX_SIZE) -> int:
    if not is_int(v) or v < lo:
        kind = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        raise Invalid(path, f"must be {kind}, got {show(v)}")
    if v > hi:
        raise Invalid(path, f"must be at most {hi:,}, got {show(v)}")
    return v


def optional_int(v, path: str, lo: int) -> int | None:
    if v is None:
        return None
    if not is_int(v) or v < lo:
        kind = "a positive integer" if lo == 1 else f"an integer >= {lo}"
        raise Invalid(path, f"must be {kind} or null, got {show(v)}")
    return an_int(v, path, lo)


def a_bool(v, path: str) -> bool:
    if not isinstance(v, bool):
        raise Invalid(path, f"must be true or false, got {show(v)}")
    return v


def a_str(v, path: str, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise Invalid(path, f"must be a string{' or null' if optional else ''}, got {show(v)}")
    return v


def a_number(v, path: str, finite: bool = True) -> float:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise Invalid(path, f"must be a number, got {show(v)}")
    if finite and not math.isfinite(v):
        raise Invalid(path, f"must be a finite number, got {show(v)}")
    return float(v)


def a_list(v, path: str, length: int | None = None) -> list:
    if not isinstance(v, list):
        raise Invalid(path, f"must be a list, got {show(v)}")
    if length is not None and len(v) != length:
        raise Invalid(path, f"must hold {length} value{'s' if length != 1 else ''}, got {len(v)}")
    return v


def numbers(v, path: str, length: int | None = None, finite: bool = True) -> list[float]:
    return [a_number(x, join_path(path, i), finite) for i, x in enumerate(a_list(v, path, length))]


def column_names(v, path: str, nonempty: bool = False) -> list[str]:
    names = [a_str(x, join_path(path, i)) for i, x in enumerate(a_list(v, path))]
    if nonempty and not names:
        raise Invalid(path, "must name at least one column, got []")
    twice = [n for i, n in enumerate(names) if n in names[:i]]
    if twice:
        raise Invalid(path, f"names the column {twice[0]!r} twice")
    return names


def a_choice(v, path: str, options) -> str:
    if not isinstance(v, str) or v not in options:
        raise Invalid(path, f"must be one of {', '.join(map(repr, options))}, got {show(v)}")
    return v


def a_scalar(v, path: str) -> None:
    """A JSON scalar or a list of scalars (fields whose type this module does not know yet)."""
    items = v if isinstance(v, list) else [v]
    if not all(x is None or isinstance(x, (bool, int, float, str)) for x in items):
        raise Invalid(path, f"must be a number, string, true/false, null or a list of them, got {show(v)}")
