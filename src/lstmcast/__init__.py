"""lstmcast: LSTM and GRU time-series forecasting on JAX.

Importing lstmcast changes nothing in the process (no ``XLA_FLAGS``, JAX
configuration or plotting backend); :func:`configure` opts in to a persistent
compilation cache and CPU tuning. Heavy imports (jax) happen on first use of
:class:`Forecaster`, so ``import lstmcast`` and the CLI's ``--help`` stay fast.
"""

from __future__ import annotations

from lstmcast.runtime import configure

__version__ = "0.1.0"

__all__ = ["Forecaster", "configure", "datasets", "from_keras", "load", "__version__"]


def __getattr__(name: str):
    if name == "Forecaster":
        from lstmcast.forecaster import Forecaster

        return Forecaster
    if name == "load":
        from lstmcast.forecaster import Forecaster

        return Forecaster.load
    if name == "from_keras":
        from lstmcast.keras import from_keras

        return from_keras
    if name == "datasets":
        import lstmcast.datasets as datasets

        return datasets
    raise AttributeError(f"module 'lstmcast' has no attribute {name!r}")
