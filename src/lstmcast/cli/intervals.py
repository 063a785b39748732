"""``--level 80 95`` and ``--quantiles 0.1 0.9``: list options written the way users write them.

Click options take one value each, so in ``--level 80 95`` the ``95`` arrives as an extra
argument. With one of the two options, every extra number belongs to it (and is checked as such:
``--quantiles 0.1 1`` says 1 is out of range); with both, numbers of at least 1 are levels
(percent) and numbers between 0 and 1 are quantiles. Commas work too: ``--level 80,95``.
"""

from __future__ import annotations

from lstmcast.errors import ConfigError


def _numbers(values, option: str) -> list[float]:
    out = []
    for text in values or ():
        for part in str(text).split(","):
            if not part.strip():
                continue
            try:
                out.append(float(part))
            except ValueError:
                raise ConfigError(
                    f"{option} {part!r} is not a number, e.g. {option} 80 95; a folder or file named after the "
                    f"values is read as one of them, so put it before {option}."
                ) from None
    return out


def interval_options(level, quantiles, extra) -> tuple[list[float] | None, list[float] | None]:
    """(levels, quantiles) from the options and the extra arguments, or None for an option not given."""
    levels = _numbers(level, "--level") if level else None
    qs = _numbers(quantiles, "--quantiles") if quantiles else None
    for value in _numbers(extra, "--level" if qs is None else "--quantiles"):
        if qs is None and levels is not None:  # one option given: its values, checked (and refused) as such
            levels.append(value)
        elif levels is None and qs is not None:
            qs.append(value)
        elif value >= 1 and levels is not None:
            levels.append(value)
        elif 0 < value < 1 and qs is not None:
            qs.append(value)
        else:
            raise ConfigError(
                f"unexpected argument {value:g}: give interval levels as --level 80 95 and quantiles as "
                "--quantiles 0.1 0.9."
            )
    return levels, qs
