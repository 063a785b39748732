"""Every exception lstmcast raises on purpose.

Each class subclasses the built-in it refines (``ValueError``, ``KeyError``...)
so generic handlers keep working, and each message names the parameter, column,
row or timestamp at fault and says how to fix it. The CLI prints these as one
line; tests assert their text.
"""

from __future__ import annotations


class LstmcastError(Exception):
    """Base class of every error lstmcast raises on purpose."""


class NotFittedError(LstmcastError, ValueError, AttributeError):
    """A model was used before ``fit``."""

    def __init__(self, what: str = "This Forecaster") -> None:
        super().__init__(f"{what} is not fitted yet: call fit(data, target=...) first, or load a saved model.")


class ConfigError(LstmcastError, ValueError):
    """A parameter has a value lstmcast cannot use."""

    @classmethod
    def choice(cls, name: str, value: object, allowed: tuple[str, ...] | list[str]) -> ConfigError:
        import difflib

        options = ", ".join(repr(a) for a in allowed)
        close = difflib.get_close_matches(value, [str(a) for a in allowed], n=1) if isinstance(value, str) else []
        hint = f" Did you mean {close[0]!r}?" if close else ""  # a typo: 'airpassenger' for 'airpassengers'
        return cls(f"{name}={value!r} is not supported: use one of {options}.{hint}")

    @classmethod
    def positive(cls, name: str, value: object) -> ConfigError:
        return cls(f"{name}={value!r} must be a positive integer.")


class NotCalibratedError(ConfigError):
    """Intervals were asked of a model whose conformal scores were never computed: predict() does not train."""


class DataError(LstmcastError, ValueError):
    """The input data cannot be used as it is."""


class EmptyDataError(DataError):
    """The input holds no rows."""


class ColumnError(DataError, KeyError):
    """A named column is missing or has the wrong type."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class MissingValueError(DataError):
    """NaN or infinite values were found."""


class TimeIndexError(DataError):
    """The time column is duplicated, unsorted, has gaps or no frequency."""


class TooShortError(DataError):
    """The series has too few rows for the window, horizon and splits asked for."""


class TransformError(DataError):
    """A transform cannot be applied to this data (say, log of a non-positive value)."""


class ModelFileError(LstmcastError, ValueError):
    """A saved model is missing, damaged, tampered with or from a newer format."""


class OverwriteError(LstmcastError, FileExistsError):
    """A save or an output would replace something lstmcast did not write (or was not told to replace)."""


class WriteError(LstmcastError, OSError):
    """A file or model folder could not be written (full disk, read-only filesystem, no permission)."""


class DataFilledWarning(UserWarning):
    """Values were filled because ``fill=`` asked for it; the message says how many, per column."""


class UnusedColumnsWarning(UserWarning):
    """Columns of the data that no role reads (not a target, time, id, feature, future or static column)."""


class UnseenCategoryWarning(UserWarning):
    """A static attribute's category that the model never saw in training (its forecast reads no category)."""


class ShortSeriesWarning(UserWarning):
    """Series of a panel too short for a window: they add nothing to training and cannot be forecast."""


class IntervalWarning(UserWarning):
    """Prediction intervals whose coverage statement does not hold (too few calibration errors)."""


class ModelSignatureError(ModelFileError):
    """A model key is set and the model's signature is missing or does not match it."""


class TrainingInterrupted(LstmcastError):
    """Ctrl-C stopped training before one full epoch finished: there are no trained weights to keep."""


class TrainingDivergedError(LstmcastError, ArithmeticError):
    """The training (or validation) loss became NaN or infinite: training stopped and nothing was fitted."""
