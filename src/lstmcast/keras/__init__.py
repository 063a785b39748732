"""Keras 3 models brought into lstmcast: :func:`from_keras` reads a ``.keras`` file as data.

* :mod:`~lstmcast.keras.archive` -- the zip, its JSON configuration and its HDF5 weights, read with guards;
* :mod:`~lstmcast.keras.layers` -- the configuration as an lstmcast network, or the layer and option refused;
* :mod:`~lstmcast.keras.weights` -- Keras's variables put one to one into lstmcast's parameters;
* :mod:`~lstmcast.keras.scaling` -- the user's scaling as a fitted scaler;
* :mod:`~lstmcast.keras.build` -- the fitted Forecaster.

Neither Keras nor TensorFlow is needed; ``h5py`` reads the weights (``pip install lstmcast[keras]``).
"""

from lstmcast.keras.build import from_keras

__all__ = ["from_keras"]
