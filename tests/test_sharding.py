"""Data-parallel training (train/sharding.py): two CPU devices, and two processes through jax.distributed.

This process already started JAX with one CPU device, so the runs on two devices happen in
fresh Python processes (this file run as a script: ``python test_sharding.py MODE OUT ...``),
with ``--xla_force_host_platform_device_count=2`` set before they import JAX.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

TIMEOUT = 120  # seconds per subprocess: CI never hangs on a stuck collective
SERIES = (np.sin(np.linspace(0, 30, 160)) * 0.5 + 0.5).astype(np.float32)[:, None]  # (time, 1)


def fit(devices, members: int = 1, batch_size: int = 8, validate: bool = False) -> dict[str, np.ndarray]:
    """A tiny model trained for 3 epochs: its parameters as flat named arrays, and its losses.

    (Window 20 runs the recurrence rolled, which compiles faster than a short window's unrolled loop.)
    """
    import jax

    from lstmcast.nn import NetworkSpec, init_params
    from lstmcast.train.config import TrainConfig
    from lstmcast.train.losses import get_loss
    from lstmcast.train.trainer import train

    spec = NetworkSpec(units=(8,), window=20)
    starts = np.arange(len(SERIES) - spec.window - spec.horizon + 1, dtype=np.int32)
    if members > 1:
        params = jax.vmap(lambda k: init_params(k, spec))(jax.random.split(jax.random.key(0), members))
        key = jax.random.split(jax.random.key(1), members)
    else:
        params, key = init_params(jax.random.key(0), spec), jax.random.key(1)
    cfg = TrainConfig(epochs=3, batch_size=batch_size, devices=devices)
    val = starts[-16:] if validate else None
    trained, history = train(params, spec, get_loss("mse"), cfg, SERIES, starts, key, val_starts=val)
    flat = {jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in jax.tree_util.tree_leaves_with_path(trained)}
    return {**flat, "loss": np.asarray(history.loss), "val_loss": np.asarray(history.val_loss)}


def _worker(mode: str, out: str, *args: str) -> None:
    """The subprocess: train on two devices (mode "devices") or as one of two processes (mode "process")."""
    kwargs = {"members": int(args[0]), "batch_size": int(args[1]), "validate": mode == "devices"}
    if os.environ.get("LSTMCAST_CACHE_DIR"):  # the test session's compilation cache (conftest.py)
        import lstmcast

        lstmcast.configure(cache=os.environ["LSTMCAST_CACHE_DIR"], xla_tuning=False)
    if mode == "process":
        from lstmcast.runtime import distributed

        place = distributed(f"127.0.0.1:{args[2]}", num_processes=2, process_id=int(args[3]), initialization_timeout=60)
        assert (place["processes"], place["devices"]) == (2, 2), place
    import jax

    assert jax.device_count() == 2, jax.devices()
    np.savez(out, **fit("all", **kwargs))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(*args: object) -> subprocess.Popen:
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        # the session's XLA flags (its optimization level: conftest.py) so both sides compile alike
        "XLA_FLAGS": os.environ.get("XLA_FLAGS", "")
        + (" --xla_force_host_platform_device_count=2" if args[0] == "devices" else ""),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    return subprocess.Popen(
        [sys.executable, __file__, *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(procs: list[subprocess.Popen]) -> list[str]:
    """Wait for every process (killing all of them past TIMEOUT); their outputs."""
    outputs = []
    try:
        for p in procs:
            outputs.append(p.communicate(timeout=TIMEOUT)[0])
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        raise AssertionError(f"a training subprocess ran past {TIMEOUT} s") from None
    for p, text in zip(procs, outputs):
        assert p.returncode == 0, text[-4000:]
    return outputs


def assert_close(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_two_devices_train_the_same_parameters_as_one(tmp_path):
    """An ensemble of 2 at batch 7 (each step's 7 windows padded to 8 with a masked one, 4 per device),
    validated every epoch on this process's copy of the parameters."""
    procs = [_launch("devices", tmp_path / "two.npz", 2, 7)]
    one = fit(1, members=2, batch_size=7, validate=True)  # while the subprocess trains
    _finish(procs)
    assert_close(dict(np.load(tmp_path / "two.npz")), one)


def test_two_processes_train_together_through_jax_distributed(tmp_path):
    port = _free_port()
    procs = [_launch("process", tmp_path / f"p{i}.npz", 1, 8, port, i) for i in range(2)]
    one = fit(1)  # while the two processes train
    _finish(procs)
    a, b = dict(np.load(tmp_path / "p0.npz")), dict(np.load(tmp_path / "p1.npz"))
    for name in a:  # the same program on replicated arrays: the same bits in both processes
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert_close(a, one)


def test_one_device_asks_for_no_mesh_and_too_many_devices_is_refused():
    import jax
    import pytest

    from lstmcast.errors import ConfigError
    from lstmcast.train.sharding import padded_batch, training_mesh

    n = jax.device_count()
    assert training_mesh(1) is None and padded_batch(7, None) == 7  # the single-device programs
    if n == 1:
        assert training_mesh("all") is None  # "all" of one device is one device: nothing changes
    with pytest.raises(ConfigError, match=rf"^devices={n + 1} but JAX sees {n} cpu device\(s\): use devices='all'"):
        training_mesh(n + 1)


if __name__ == "__main__":
    _worker(*sys.argv[1:])
