"""lstmcast: LSTM and GRU time-series forecasting on JAX.

Heavy imports (jax) happen on first use of :class:`Forecaster`, so ``import
lstmcast`` and the CLI's ``--help`` stay fast.
"""

from __future__ import annotations

from lstmcast.xla_flags import tune_xla_cpu

tune_xla_cpu()  # before JAX starts its CPU backend; see lstmcast/xla_flags.py

__version__ = "0.1.0"

__all__ = ["Forecaster", "datasets", "load", "__version__"]


def __getattr__(name: str):
    if name == "Forecaster":
        from lstmcast.forecaster import Forecaster

        return Forecaster
    if name == "load":
        from lstmcast.io.saving import load

        return load
    if name == "datasets":
        import lstmcast.datasets as datasets

        return datasets
    raise AttributeError(f"module 'lstmcast' has no attribute {name!r}")
