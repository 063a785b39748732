"""Prediction intervals and quantiles: their names, conformal calibration, and how forecasts carry them."""
