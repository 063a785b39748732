"""Command-line text -> a parameter's value, before its check (:mod:`lstmcast.param_checks`).

``"64,32"`` -> ``(64, 32)``, ``"0.2"`` -> ``0.2``, ``"auto"`` -> ``"auto"``, ``"none"`` -> None:
each parser takes ``(name, text)`` and raises a ConfigError naming the option when the text
is not a value of its kind. :class:`lstmcast.params.Param` holds one per parameter whose text
is not a plain ``int``, ``float`` or ``str``.
"""

from __future__ import annotations

from collections.abc import Callable

from lstmcast.errors import ConfigError


def number_text(name: str, text: str, cast: type):
    try:
        return cast(text)
    except ValueError:
        kind = "an integer" if cast is int else "a number"
        raise ConfigError(f"{name}={text!r} must be {kind}.") from None


def list_text(cast: type) -> Callable:
    def parse(name, text):
        try:
            values = tuple(cast(p) for p in text.split(",") if p.strip())
        except ValueError:
            raise ConfigError(f"{name}={text!r} must be comma-separated numbers, e.g. 64,32.") from None
        return values[0] if len(values) == 1 and name == "units" else values

    return parse


def part_text(name, text):
    """'0.2' -> 0.2, '24' -> 24, '1959-01' -> '1959-01'."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def devices_text(name: str, text: str):
    return "all" if text.strip().lower() == "all" else number_text(name, text, int)


def auto_text(cast: type) -> Callable:
    def parse(name, text):
        if text.strip().lower() == "auto":
            return "auto"
        if cast is bool:
            if text.strip().lower() in ("true", "yes", "1"):
                return True
            if text.strip().lower() in ("false", "no", "0"):
                return False
            raise ConfigError(f"{name}={text!r} must be auto, true or false.")
        return number_text(name, text, cast)

    return parse


def optional_text(cast: type) -> Callable:
    def parse(name, text):
        return None if text.strip().lower() in ("", "none") else number_text(name, text, cast)

    return parse
