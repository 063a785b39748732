"""Reading, validating, splitting, transforming and windowing series."""

from lstmcast.data.series import Series, load_series
from lstmcast.data.split import Split, make_split
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.data.windows import count_windows, window_starts

__all__ = [
    "Series",
    "load_series",
    "Split",
    "make_split",
    "Scaler",
    "TargetTransform",
    "count_windows",
    "window_starts",
]
