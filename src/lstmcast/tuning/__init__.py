"""Hyperparameter search (``Forecaster.tune``) on Optuna, an optional extra: ``pip install -e ".[tune]"``."""

from lstmcast.tuning.study import METRICS, TuneResult, tune

__all__ = ["METRICS", "TuneResult", "tune"]
