"""The shards of a sharded fit, and how they agree on what must be global (JAX collectives).

A sharded fit (:mod:`lstmcast.sharded_fit`) cuts the series into ``P`` shards. In a
``jax.distributed`` run each process holds one shard (its own files) and trains on its
first device; the processes agree through :func:`jax.experimental.multihost_utils.process_allgather`
(small arrays: counts, a sample of series for the "auto" settings, flags). In one process a
:class:`Group` of ``shards=P`` holds every shard itself and the same questions are answered
without a collective: the one-process reference of a distributed run, computed with the same
global batches.
"""

from __future__ import annotations

import numpy as np

from lstmcast.errors import ConfigError


class Group:
    """Which shards this process holds (``mine``) of ``total``, and the mesh over the processes (or None).

    ``shards``: only in one process, the number of shards to simulate (default 1). In a
    multi-process run there is one shard per process and ``shards`` must be None or equal.
    """

    def __init__(self, shards: int | None = None):
        import jax

        if shards is not None and (isinstance(shards, bool) or not isinstance(shards, (int, np.integer)) or shards < 1):
            raise ConfigError(
                f"shards={shards!r}: give shards='process' (one shard per process of a jax.distributed run) "
                "or, in one process, a number of shards >= 1."
            )
        processes = jax.process_count()
        if processes > 1:
            if shards not in (None, processes):
                raise ConfigError(
                    f"shards={shards} in a run of {processes} processes: each process reads one shard; "
                    "give shards='process'."
                )
            self.total, self.mine = processes, (jax.process_index(),)
            first = {}
            for d in jax.devices():  # each process's first device, in process order
                first.setdefault(d.process_index, d)
            from jax.sharding import Mesh

            from lstmcast.train.sharding import AXIS

            self.mesh = Mesh(np.asarray([first[p] for p in sorted(first)]), (AXIS,))
        else:
            self.total = 1 if shards is None else int(shards)
            self.mine, self.mesh = tuple(range(self.total)), None

    @property
    def distributed(self) -> bool:
        return self.mesh is not None

    def gather(self, local: list[np.ndarray]) -> list[np.ndarray]:
        """Every shard's array, in shard order, from this process's ``local`` ones (one per shard it holds).

        The arrays may differ in shape between shards (same dtype and number of dimensions).
        """
        if not self.distributed:
            return [np.asarray(x) for x in local]
        from jax.experimental.multihost_utils import process_allgather

        (x,) = [np.asarray(v) for v in local]
        shapes = np.asarray(process_allgather(np.asarray(x.shape, np.int64)))  # (P, ndim)
        biggest = tuple(int(s) for s in shapes.max(axis=0)) if x.ndim else ()
        padded = np.zeros(biggest, x.dtype)
        padded[tuple(slice(0, s) for s in x.shape)] = x
        every = np.asarray(process_allgather(padded))  # (P, *biggest)
        return [every[i][tuple(slice(0, int(s)) for s in shapes[i])] for i in range(self.total)]

    def gather_text(self, local: list[str]) -> list[str]:
        """Every shard's string, in shard order."""
        raw = self.gather([np.frombuffer(s.encode(), np.uint8) for s in local])
        return [bytes(r).decode() for r in raw]

    def total_sum(self, local: list[float]) -> float:
        """The sum over every shard of one number each (float64 on the way)."""
        return float(np.sum([float(v[0]) for v in self.gather([np.asarray([x], np.float64) for x in local])]))
