"""Matplotlib figures, returned and, given a path, written to PNG or SVG. Nothing here trains or reads files.

Figures are ``matplotlib.figure.Figure`` objects drawn without pyplot, so
plotting never touches matplotlib's backend or pyplot's global figure list.
Without a path every function returns its Figure, which Jupyter shows inline
(axes-level ones, :func:`plot_fan` and :func:`plot_calibration`, return the Axes
when you pass ``ax=``); with a path it returns the path written.
Like every output file, a plot is written atomically and replaces what is at its
path; refusing to overwrite is the caller's choice (the CLI's ``--force``).

The figures of a fit are in :mod:`lstmcast.plot.fit`, the fan charts and the calibration in
:mod:`lstmcast.plot.fans`, the explanation in :mod:`lstmcast.plot.explanation`.
"""

from lstmcast.plot.explanation import plot_explanation
from lstmcast.plot.fans import forecast_levels, forecast_targets, plot_calibration, plot_fan, plot_fans, plot_series
from lstmcast.plot.figure import FORMATS, Figure
from lstmcast.plot.fit import cv_layout, plot_backtest, plot_forecast, plot_history, plot_in_sample, score_note

__all__ = [
    "FORMATS",
    "Figure",
    "cv_layout",
    "forecast_levels",
    "forecast_targets",
    "plot_backtest",
    "plot_calibration",
    "plot_explanation",
    "plot_fan",
    "plot_fans",
    "plot_forecast",
    "plot_history",
    "plot_in_sample",
    "plot_series",
    "score_note",
]
