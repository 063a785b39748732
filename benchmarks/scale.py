"""Many series at scale, read from Parquet files: one process, or the series sharded over processes.

N synthetic daily series of 200 points (the generator of ``panel.py scale``: levels 10-1000, a weekly
season of random phase, 5% noise) are written once to ``--data-dir`` as Parquet files of 10,000 series
each. The model is ``panel.py scale``'s: window 24, horizon 12, one model (ensemble=1), batch 1,024
windows, 10 epochs of 200 sampled steps. Each measured run is a fresh process that reads its share of
the files and fits with ``Forecaster.fit(folder, shards=...)`` (:mod:`lstmcast.sharded_fit`); it prints

* load: reading its files and building its panel (seconds);
* fit: training, compiling included (seconds), and its throughput in windows per second;
* forecast: every series it holds, 12 steps (seconds);
* peak memory: its peak resident set size (``resource.getrusage``);
* with ``--processes 2``: the same job first in one process, then in two processes joined through
  ``jax.distributed`` on this machine, each reading half of the files; each process's peak memory
  against the one process's, and the all-reduce cost per step: the median time of a ``psum`` of a
  parameter-sized pytree across the processes (what each training step adds to its compute).

    python benchmarks/scale.py --series 100000
    python benchmarks/scale.py --series 100000 --processes 2
    nice -n 10 python benchmarks/scale.py --series 1000000

Measured on the 2-core AVX-512 machine, shared with other jobs (07 Dec 2026, ``nice -n 10``):

* 1,000,000 series, one process: load 34.5 s, fit 209 s (2,000 steps, 102 ms each), forecast 51.8 s,
  peak 8.9 GB; two processes of 500,000: peak 4.2 and 4.7 GB (0.48 and 0.53 of one process).
* 100,000 series, one process: load 1.9 s, fit 94.6 s (46 ms a step), forecast 4.0 s, peak 1.3 GB;
  two processes: 1.04 and 1.10 GB (0.79, 0.84: JAX and the compiled programs weigh ~0.5 GB a process).
* all-reduce per step, two processes on this machine (gloo): 0.34 ms for the default network's 11,012
  parameters as one buffer on a quieter machine, 2.8-3.9 ms while other jobs ran; 4 MB: 7.6-8.2 ms.

Before a run it compares the memory the run will need (``--mb-per-series``, measured: see the
printout's "MB per 1,000 series") with the memory available, and refuses a run that cannot fit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PER_FILE = 10_000  # series per Parquet file
LENGTH = 200
MODEL = dict(horizon=12, window=24, seed=0, verbose=0, ensemble=1, batch_size=1024, steps_per_epoch=200, epochs=10)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def write_dataset(folder: Path, n_series: int, per_file: int = PER_FILE) -> None:
    """``n_series`` x LENGTH points as Parquet files of PER_FILE series each (skipped when already written)."""
    import pandas as pd

    done = folder / "_COMPLETE"
    if done.exists() and done.read_text() == f"{n_series} {LENGTH} {per_file}":
        return
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    t = np.arange(LENGTH)
    ds = pd.date_range("2020-01-01", periods=LENGTH, freq="D").to_numpy()
    for i, lo in enumerate(range(0, n_series, per_file)):
        n = min(per_file, n_series - lo)
        rng = np.random.default_rng(i)
        level = rng.uniform(10, 1000, n)[:, None]  # (n, 1)
        phase = rng.uniform(0, 2 * np.pi, n)[:, None]
        y = (
            level * (1 + 0.2 * np.sin(2 * np.pi * t[None, :] / 7 + phase))
            + rng.normal(0, 1, (n, LENGTH)) * level * 0.05
        )
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(np.arange(lo, lo + n, dtype=np.int64), LENGTH),
                "ds": np.tile(ds, n),
                "y": y.ravel(),
            }
        )
        frame.to_parquet(folder / f"part-{i:05d}.parquet", index=False)
    done.write_text(f"{n_series} {LENGTH} {per_file}")


def run(folder: str, processes: str, process: str, port: str, epochs: str) -> None:
    """One measured process: prints one JSON line."""
    processes, process = int(processes), int(process)
    if processes > 1:
        from lstmcast.runtime import distributed

        distributed(f"127.0.0.1:{port}", num_processes=processes, process_id=process, initialization_timeout=120)
    import jax

    from lstmcast import Forecaster

    base = peak_mb()
    t0 = time.perf_counter()
    model = Forecaster(**{**MODEL, "epochs": int(epochs)}).fit(
        folder, id="unique_id", time="ds", shards="process" if processes > 1 else 1
    )
    total = time.perf_counter() - t0
    record = model.shard_
    load_s = record["load_seconds"]
    steps = record["steps_per_epoch"] * len(model.history_.loss)
    t0 = time.perf_counter()
    pred = model.predict()
    forecast_s = time.perf_counter() - t0
    out = {
        "process": process,
        "series": len(record["series"]),
        "rows": record["rows"],
        "load_s": load_s,
        "fit_s": total - load_s,
        "compile_s": model.history_.compile_seconds,
        "steps": steps,
        "batch_per_process": record["batch_per_shard"],
        "forecast_s": forecast_s,
        "forecast_rows": len(pred),
        "peak_mb": peak_mb(),
        "base_mb": base,
    }
    if processes > 1:
        out["allreduce_ms"] = allreduce_ms(model.params_)
        out["params"] = int(sum(np.size(leaf) for leaf in jax.tree.leaves(model.params_)))
    print("RESULT " + json.dumps(out), flush=True)


def allreduce_ms(params, repeats: int = 5, inner: int = 100) -> dict:
    """Median milliseconds of one psum across every process of a pytree shaped like ``params``: leaf by leaf (as
    the training step sums its gradient) and as one flat buffer. Timed as ``inner`` psums inside one compiled loop,
    so the figure is what a step pays inside the compiled epoch, not Python's dispatch."""
    import jax
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P

    from lstmcast.train.agree import Group
    from lstmcast.train.sharding import AXIS, UNCHECKED, replicate, shard_map

    mesh = Group().mesh
    grads = replicate(params, mesh)

    def tree(g):
        return jax.lax.fori_loop(0, inner, lambda i, g: jax.tree.map(lambda x: 0.5 * x, jax.lax.psum(g, AXIS)), g)

    def flat(g):
        v = jnp.concatenate([x.ravel() for x in jax.tree.leaves(g)])
        return jax.lax.fori_loop(0, inner, lambda i, v: 0.5 * jax.lax.psum(v, AXIS), v)

    out = {}
    big = replicate({"w": np.ones(1_000_000, np.float32)}, mesh)  # a 4 MB gradient: the bandwidth term
    for name, fn, tree_in in (("tree", tree, grads), ("flat", flat, grads), ("4MB", flat, big)):
        program = jax.jit(shard_map(fn, mesh=mesh, in_specs=P(), out_specs=P(), **UNCHECKED))
        jax.block_until_ready(program(tree_in))
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            jax.block_until_ready(program(tree_in))
            times.append(time.perf_counter() - t0)
        out[name] = float(np.median(times) * 1e3 / inner)
    out["leaves"] = len(jax.tree.leaves(params))
    return out


def launch(folder: Path, processes: int, nice: int, epochs: int) -> list[dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "_run", str(folder), str(processes), str(p), str(port), str(epochs)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )
        for p in range(processes)
    ]
    results = []
    for p in procs:
        text = p.communicate()[0]
        lines = [line for line in text.splitlines() if line.startswith("RESULT ")]
        if p.returncode != 0 or not lines:
            raise SystemExit(f"a measured process failed (exit {p.returncode}):\n{text[-3000:]}")
        results.append(json.loads(lines[-1][len("RESULT ") :]))
    return results


def show(label: str, results: list[dict], n_series: int) -> None:
    for r in results:
        windows = r["steps"] * r["batch_per_process"]
        rate = windows / max(r["fit_s"] - r["compile_s"], 1e-9)
        print(
            f"  {label} process {r['process']}: {r['series']:,} series ({r['rows']:,} rows): load {r['load_s']:.1f} s; "
            f"fit {r['fit_s']:.1f} s ({r['steps']} steps of {r['batch_per_process']} windows here, compiling "
            f"{r['compile_s']:.1f} s; {rate:,.0f} windows/s, {1e3 * (r['fit_s'] - r['compile_s']) / r['steps']:.1f} "
            f"ms/step); forecast {r['forecast_s']:.2f} s ({r['forecast_rows']:,} rows); peak {r['peak_mb']:,.0f} MB "
            f"(after importing jax {r['base_mb']:,.0f} MB)"
        )
        if "allreduce_ms" in r:
            ar = r["allreduce_ms"]
            print(
                f"    all-reduce of the gradient ({r['params']:,} parameters in {ar['leaves']} arrays) per step: "
                f"{ar['tree']:.3f} ms array by array, {ar['flat']:.3f} ms as one buffer; "
                f"1,000,000 parameters (4 MB): {ar['4MB']:.3f} ms"
            )
    if len(results) == 1:
        data_mb = results[0]["peak_mb"] - results[0]["base_mb"]
        print(f"  MB per 1,000 series above the jax baseline: {1000 * data_mb / n_series:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2))
    parser.add_argument("--data-dir", type=Path, default=None, help="where the Parquet files go (default /tmp)")
    parser.add_argument("--mb-per-series", type=float, default=0.012, help="MB a series needs in one process")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of 200 steps (10: panel.py scale's)")
    parser.add_argument("--per-file", type=int, default=PER_FILE, help="series per Parquet file")
    parser.add_argument("--nice", type=int, default=0, help="niceness of the measured processes")
    args = parser.parse_args()
    folder = args.data_dir or Path(f"/tmp/lstmcast-scale-{args.series}-{args.per_file}")
    need = args.series * args.mb_per_series + 800  # + JAX and the program
    have = available_mb()
    print(f"scale: {args.series:,} series x {LENGTH} points in {folder}; needs ~{need:,.0f} MB, {have:,.0f} available")
    if need > have:
        raise SystemExit(
            f"not run: {args.series:,} series need about {need:,.0f} MB in one process "
            f"({args.mb_per_series * 1000:.0f} MB per 1,000 series, measured) and {have:,.0f} MB are available."
        )
    t0 = time.perf_counter()
    write_dataset(folder, args.series, args.per_file)
    written = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20
    print(f"  data ready in {time.perf_counter() - t0:.1f} s ({written:,.0f} MB of Parquet)")
    one = launch(folder, 1, args.nice, args.epochs)
    show("1 process,", one, args.series)
    if args.processes == 2:
        two = launch(folder, 2, args.nice, args.epochs)
        show("2 processes,", two, args.series)
        for r in two:
            print(f"  process {r['process']}'s peak memory / the one process's: {r['peak_mb'] / one[0]['peak_mb']:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        run(*sys.argv[2:])
    else:
        main()
