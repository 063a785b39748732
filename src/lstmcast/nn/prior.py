"""The pretrained prior shipped inside the package: starting weights for the default network (``init="prior"``).

``files/prior.safetensors`` holds one LSTM(50) layer reading one column and a dense head of
:data:`HORIZON` steps, trained by ``tools/train_prior.py`` on a synthetic corpus only (ETS and
ARIMA simulations, KernelSynth Gaussian-process compositions, level shifts, intermittent demand,
trading-day random walks), from a seed; ``files/PRIOR.md`` gives its provenance and sha256. It is
read from the installed package: never downloaded.

A network starts from it when its shape matches (:func:`applies`): an LSTM of 50 units over the
target alone, a point head, no hidden dense layer. The head's first ``horizon`` outputs start from
the prior's (a direct head's step ``k`` output is the same step whatever the horizon); a
horizon beyond :data:`HORIZON` keeps a freshly initialized head. Each ensemble member starts at
the prior plus :data:`JITTER` times its own fresh initialization, so members still differ.

Measured on the development set (``benchmarks/accuracy.py --only real --origins 2 --variant prior``):
the network alone (``combine=False``) went from 0.944 of seasonal naive's error to 0.881, mostly on
short series (euretail 2.55 to 1.14, USAccDeaths 2.10 to 1.57, livestock 1.76 to 0.49); the combined
default from 0.790 (19 of 24 beat seasonal naive) to 0.802 (20 of 24). So it is an option, not the
default (DESIGN.md).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

import jax
import jax.numpy as jnp
import numpy as np

HORIZON = 48  # the prior's head width (tools/train_prior.py)
UNITS = (50,)
JITTER = 0.5  # each member: prior + JITTER * its fresh weights (network alone, development set: 0.881; 0.1: 0.907)
SHA256 = "e60540cc94f498f93dcf14b1fe3463165ab0c5170de6ad8c9b0533d803ee4457"  # files/PRIOR.md


def applies(spec) -> bool:
    """Whether ``spec``'s recurrent layer and head have the prior's shapes."""
    return (
        spec.kind == "recurrent"
        and spec.cell == "lstm"
        and tuple(spec.units) == UNITS
        and spec.recurrent_inputs == 1
        and spec.n_targets == 1
        and not spec.bidirectional
        and spec.dense_units == 0
        and spec.n_outputs == 1
        and spec.head == "point"
        and spec.n_future == 0
        and spec.static_columns == 0
    )


@lru_cache(maxsize=1)
def weights() -> dict[str, np.ndarray]:
    """The shipped weights, flattened names -> float32 arrays (checked against :data:`SHA256`)."""
    from safetensors.numpy import load

    blob = resources.files("lstmcast.nn").joinpath("files/prior.safetensors").read_bytes()
    if hashlib.sha256(blob).hexdigest() != SHA256:
        from lstmcast.errors import ModelFileError

        raise ModelFileError(
            "lstmcast's shipped prior (lstmcast/nn/files/prior.safetensors) does not match its recorded sha256: "
            "the installation is damaged; reinstall lstmcast (pip install --force-reinstall lstmcast)."
        )
    return load(blob)


def _name(path) -> str:
    """A pytree path as the saved weights name it: ``layers.0.forward.kernel``."""
    return ".".join(str(getattr(k, "key", getattr(k, "idx", k))) for k in path)


def start(params, spec):
    """``params`` (fresh, members stacked on a leading axis for an ensemble) moved to the prior where shapes allow."""
    prior = weights()
    leaves, treedef = jax.tree_util.tree_flatten_with_path(params)
    out = []
    for path, value in leaves:
        name = _name(path)
        p = prior.get(name)
        if p is not None and name.startswith("head.") and spec.head_width <= p.shape[-1]:
            p = p[..., : spec.head_width]  # kernel (U, H) or bias (H,): the first steps
        if p is None or p.shape != value.shape[value.ndim - p.ndim :]:
            out.append(value)  # no prior for it (a longer head, the smoothing coefficients): fresh
        else:
            out.append(jnp.asarray(p) + JITTER * value)  # broadcast over an ensemble's members axis
    return jax.tree_util.tree_unflatten(treedef, out)
