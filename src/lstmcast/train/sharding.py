"""Data-parallel training on JAX's own runtime: the batch of windows split over devices, ``devices=``.

With ``devices=1`` (the default) nothing here runs and the epoch is exactly the
single-device program. With ``devices="all"`` or a count above one, training uses a
one-axis :class:`jax.sharding.Mesh` (axis ``"data"``) over the chosen devices: every
step's batch of window indices (and so the windows gathered from them) is split along
it, the series' rows, the window starts, the parameters and the optimizer state are
replicated, and each device runs the single-device network on its share of the batch.
The step's loss is the sum of the devices' weighted sums (the weights already divide by
the batch's real windows, so the sum is the batch mean); differentiating that sharded
function makes JAX insert the gradient all-reduce (one per step, the loss riding along),
and every device applies the same update. A batch that does not divide evenly gets
weight-0 windows, never fewer windows. The shuffle is drawn once for the whole batch, so
the windows each step sees, and the result, match one device up to the order of float
additions.

``jax.shard_map`` runs the per-device program as written, so the hand-written
backward passes and cuDNN's fused LSTM (a custom call the compiler could not split)
see an ordinary, smaller batch. With dropout each device draws its own masks (the key
folded with the device's index): the same distribution as one device, not the same bits.

Across machines the same program runs in every process after the user calls
``jax.distributed.initialize(...)`` (:func:`lstmcast.runtime.distributed`): ``"all"``
then means every process's devices, each process feeds the same data and settings,
and every process ends with the same parameters.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from lstmcast.errors import ConfigError

try:  # JAX >= 0.7
    from jax import shard_map

    UNCHECKED = {"check_vma": False}
except ImportError:  # older JAX (the oldest lstmcast supports is 0.4.30)
    from jax.experimental.shard_map import shard_map

    UNCHECKED = {"check_rep": False}

AXIS = "data"


def training_mesh(devices: int | str) -> Mesh | None:
    """The mesh ``devices=`` asks for, or None for one device (today's single-device programs).

    ``devices=1`` never asks JAX for its devices. ``"all"`` is every device of every process;
    a count N takes the first N (in one process only: across processes use ``"all"``).
    """
    if devices == 1:
        return None
    available = jax.devices()
    if devices == "all":
        chosen = available
    elif devices > len(available):
        raise ConfigError(
            f"devices={devices} but JAX sees {len(available)} {available[0].platform} device(s): "
            f"use devices='all' or a number up to {len(available)}."
        )
    elif jax.process_count() > 1 and devices != len(available):
        raise ConfigError(
            f"devices={devices} with {jax.process_count()} processes (jax.distributed): training across "
            f"processes uses every device, devices='all' ({len(available)} here)."
        )
    else:
        chosen = available[:devices]
    return Mesh(np.asarray(chosen), (AXIS,)) if len(chosen) > 1 else None


def replicated(mesh: Mesh) -> NamedSharding:
    """The sharding of an array held whole on every device of ``mesh``."""
    return NamedSharding(mesh, P())


def replicate(tree, mesh: Mesh):
    """Every leaf of ``tree`` as one global array replicated on every device of ``mesh``.

    Works across processes: each process passes the same values and fills its own devices.
    """
    sharding = replicated(mesh)

    def put(x):
        if jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key):  # typed random keys
            return jax.random.wrap_key_data(put(jax.random.key_data(x)), impl=jax.random.key_impl(x))
        host = np.asarray(x)
        return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])

    return jax.tree.map(put, tree)


def local(tree):
    """A replicated global tree as arrays on this process's first device of the mesh (no copy)."""
    return jax.tree.map(lambda a: a.addressable_data(0), tree)


def padded_batch(batch_size: int, mesh: Mesh | None) -> int:
    """The step's batch rounded up to a multiple of the devices (the extra windows are masked).

    >>> padded_batch(30, None), padded_batch(32, Mesh(np.asarray(jax.devices()[:1]), (AXIS,)))
    (30, 32)
    """
    n = 1 if mesh is None else mesh.size
    return -(-batch_size // n) * n


def split_batch(batch_sum: Callable, mesh: Mesh) -> Callable:
    """``batch_sum(params, inputs, starts, idx, w, key) -> scalar`` with ``idx`` and ``w`` (batch,) split
    over the mesh: each device sums its share of the batch, and the devices' sums are added.

    Differentiate the returned function: the gradient with respect to the replicated
    params is all-reduced by JAX, as the transpose of their replication.
    """

    def per_device(params, inputs, starts, idx, w, key):  # idx, w: (batch / devices,)
        key = jax.random.fold_in(key, jax.lax.axis_index(AXIS))  # dropout masks of its own
        return batch_sum(params, inputs, starts, idx, w, key)[None]  # (1,)

    sums = shard_map(
        per_device,
        mesh=mesh,
        in_specs=(P(), P(), P(), P(AXIS), P(AXIS), P()),
        out_specs=P(AXIS),  # (devices,): one sum per device
        # the network's scans start from zero states that replication typing would reject; unchecked,
        # the transpose still psums the replicated params' cotangents (the gradient all-reduce)
        **UNCHECKED,
    )
    return lambda *args: jnp.sum(sums(*args))
