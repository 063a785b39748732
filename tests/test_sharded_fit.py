"""Series sharded by process (sharded_fit.py, data/shards.py, train/agree.py, train/sharded.py).

Two CPU processes joined through jax.distributed each read half of a partitioned Parquet dataset
and train one model together; this process computes the same global batches over two shards
(``shards=2``) as the reference. (This file runs as the subprocess too: ``python
test_sharded_fit.py OUT PORT PROCESS FOLDER``.)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_sharding import _finish, _free_port  # noqa: E402  (the same subprocess helpers and TIMEOUT)

SERIES, LENGTH = 6, 60
SETTINGS = dict(horizon=3, units=(8,), ensemble=2, epochs=2, batch_size=7, seed=0, verbose=0)
CHECKED = dict(validation=9, patience=1)  # the two-process run: validated over both shards, early stopping, refit


def panel_frame(static: bool = False, short: bool = False) -> pd.DataFrame:
    """Six daily series of different levels (one of them much longer: the shards' window counts differ);
    ``static``: with a numeric and a categorical attribute per series (the halves see different categories);
    ``short``: series s4 shorter than a window plus the validation part (the second half needs padding)."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(SERIES):
        n = LENGTH * (3 if i == 1 else 1) if not (short and i == 4) else 20
        t = np.arange(n)
        y = (10 + 5 * i) * (1 + 0.2 * np.sin(2 * np.pi * t / 7)) + rng.normal(0, 0.3, n)
        frame = pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2021-01-01", periods=n, freq="D"), "y": y})
        if static:
            frame["size"], frame["kind"] = float(i * i), "abc"[min(i // 2, 2)]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def fit(folder, shards) -> dict:
    """A tiny sharded fit: its parameters, losses, forecasts and what was read."""
    import jax

    from lstmcast import Forecaster

    model = Forecaster(**SETTINGS, **CHECKED).fit(folder, id="unique_id", static=["size", "kind"], shards=shards)
    flat = {jax.tree_util.keystr(p): np.asarray(leaf) for p, leaf in jax.tree_util.tree_leaves_with_path(model.params_)}
    pred = model.predict()
    return {
        "params": flat,
        "loss": np.asarray(model.history_.loss + model.history_.val_loss + [model.history_.refit_epochs]),
        "forecast": dict(zip(pred["unique_id"] + "@" + pred["ds"].astype(str), pred["y"])),
        "shard": model.shard_,
        "window": model.config_["window"],
        "validated": [len(model.history_.val_loss), len(model.history_.loss), model.history_.refit_epochs],
        "statics": model.statics_.to_dict(),
        "inputs": model.spec_.n_inputs,
    }


def _worker(out: str, port: str, process: str, folder: str) -> None:
    if os.environ.get("LSTMCAST_CACHE_DIR"):
        import lstmcast

        lstmcast.configure(cache=os.environ["LSTMCAST_CACHE_DIR"], xla_tuning=False)
    from lstmcast.runtime import distributed

    distributed(f"127.0.0.1:{port}", num_processes=2, process_id=int(process), initialization_timeout=60)
    result = fit(folder, "process")
    np.savez(out + ".npz", loss=result["loss"], **result["params"])
    Path(out + ".json").write_text(
        json.dumps({k: result[k] for k in ("forecast", "shard", "window", "validated", "statics", "inputs")})
    )


def _launch(*args):
    import subprocess

    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
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


def test_two_processes_read_disjoint_halves_and_train_the_reference_model(tmp_path):
    folder = tmp_path / "panel"
    frame = panel_frame(static=True, short=True)
    frame.to_parquet(folder, partition_cols=["unique_id"])
    port = _free_port()
    procs = [_launch(tmp_path / f"p{i}", port, i, folder) for i in range(2)]
    one = fit(folder, 2)  # the same global batches in this process, while the two processes train
    _finish(procs)
    runs = [dict(np.load(tmp_path / f"p{i}.npz")) for i in range(2)]
    notes = [json.loads((tmp_path / f"p{i}.json").read_text()) for i in range(2)]
    # each process read only its own partitions: disjoint halves, all of them together, their rows alone
    series = [set(n["shard"]["series"]) for n in notes]
    assert series == [{"s0", "s1", "s2"}, {"s3", "s4", "s5"}]
    assert [n["shard"]["files"] for n in notes] == [
        [f"unique_id=s{i}" for i in range(3)],
        [f"unique_id=s{i}" for i in range(3, 6)],
    ]
    counts = frame["unique_id"].value_counts()
    assert [n["shard"]["rows"] for n in notes] == [int(sum(counts[s] for s in sorted(ids))) for ids in series]
    assert notes[0]["shard"]["windows"] != notes[1]["shard"]["windows"]  # the shorter shard stepped with padding
    assert notes[0]["window"] == notes[1]["window"] == one["window"]  # window="auto" agreed
    # s4 (second half) is shorter than a window: both halves pad, each series' table with the mask column
    assert notes[0]["inputs"] == notes[1]["inputs"] == one["inputs"] == 1 + 2 + 1  # y, two statics, the mask
    val_epochs, epochs, refit = one["validated"]  # validated every epoch over both shards, then refitted
    assert val_epochs == epochs >= 1 and refit is not None and notes[0]["validated"] == one["validated"]
    # the static attributes encoded over both halves: every category, the mean and spread of all six sizes
    sizes = np.arange(SERIES) ** 2.0
    assert notes[0]["statics"] == notes[1]["statics"] and notes[0]["statics"]["categories"] == [["a", "b", "c"]]
    np.testing.assert_allclose(
        [notes[0]["statics"]["mean"][0], notes[0]["statics"]["std"][0]], [sizes.mean(), sizes.std()]
    )
    for name in runs[0]:  # every process ends with the same bits
        np.testing.assert_array_equal(runs[0][name], runs[1][name], err_msg=name)
    np.testing.assert_allclose(runs[0]["loss"], one["loss"], rtol=1e-5)
    # Adam divides each gradient by its own running size, so a weight whose gradient is near zero moves by the
    # float noise of the order of additions: atol is a tenth of one step (learning_rate 1e-3)
    for name, value in one["params"].items():
        np.testing.assert_allclose(runs[0][name], value, rtol=1e-5, atol=1e-4, err_msg=name)
    forecasts = {**notes[0]["forecast"], **notes[1]["forecast"]}  # each process forecasts its own series
    assert sorted(forecasts) == sorted(one["forecast"])
    keys = sorted(forecasts)
    np.testing.assert_allclose([forecasts[k] for k in keys], [one["forecast"][k] for k in keys], rtol=1e-4)


def test_a_process_reads_one_contiguous_run_of_the_sorted_files(tmp_path):
    from lstmcast.data.shards import read_share, shard_files, share

    panel_frame().to_parquet(tmp_path / "d", partition_cols=["unique_id"])
    (tmp_path / "d" / "_SUCCESS").write_text("")
    assert len(shard_files(tmp_path / "d")) == SERIES
    runs = [list(share(7, p, 3)) for p in range(3)]
    assert runs == [[0, 1], [2, 3], [4, 5, 6]]
    read = read_share(tmp_path / "d", 1, 2)
    assert sorted(set(read.frame["unique_id"])) == ["s3", "s4", "s5"] and read.files[0] == "unique_id=s3"


def test_a_share_loaded_file_by_file_is_the_panel_of_all_its_rows(tmp_path, monkeypatch):
    """Groups of one file each, merged in id order: the panel load_panel builds from the whole table."""
    from lstmcast.data import shards
    from lstmcast.data.panel_load import load_panel
    from lstmcast.errors import DataError

    frame = panel_frame()
    frame["unique_id"] = frame["unique_id"].map({f"s{i}": f"id{9 - i}" for i in range(SERIES)})  # files != id order
    for i, (_, part) in enumerate(frame.groupby("unique_id", sort=False)):
        part.to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    monkeypatch.setattr(shards, "GROUP_ROWS", 1)
    merged, read = shards.load_share(tmp_path, 0, 1, load_panel)
    whole = load_panel(frame)
    assert merged.ids == whole.ids and read.rows == len(frame) and len(read.files) == SERIES
    np.testing.assert_array_equal(merged.stacked(), whole.stacked())
    np.testing.assert_array_equal(merged.offsets(), whole.offsets())
    assert merged.times.equals(whole.times) and merged.freq == whole.freq == "D"
    frame[frame["unique_id"] == "id9"].to_parquet(tmp_path / "part-again.parquet", index=False)
    with pytest.raises(DataError, match=r"^series 'id9' is in two files \(1 such series\): a series must live in one"):
        shards.load_share(tmp_path, 0, 1, load_panel)


def test_sharded_fit_refuses_what_it_does_not_shard_yet(tmp_path):
    from lstmcast import Forecaster
    from lstmcast.errors import ConfigError

    panel_frame().to_parquet(tmp_path / "d", partition_cols=["unique_id"])
    with pytest.raises(ConfigError, match=r"^devices='all': a sharded fit trains on each process's first device"):
        Forecaster(devices="all").fit(tmp_path / "d", shards="process")
    with pytest.raises(ConfigError, match=r"^shards='all': give shards='process'"):
        Forecaster().fit(tmp_path / "d", shards="all")
    with pytest.raises(ConfigError, match=r"^7 file\(s\) for 8 processes|^6 file\(s\) for 8 processes"):
        Forecaster(**SETTINGS).fit(tmp_path / "d", shards=8)


if __name__ == "__main__":
    _worker(*sys.argv[1:])
