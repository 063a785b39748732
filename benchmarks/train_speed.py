"""Training speed of lstmcast, and of Keras 3 / PyTorch on the identical job.

Prints, per configuration: microseconds per training step (steady state),
GFLOP/s of model arithmetic, compile time, and how soon a new process is
training with a cold and with a warm compilation cache.

    python benchmarks/train_speed.py                  # lstmcast only
    python benchmarks/train_speed.py --compare        # + Keras (TensorFlow) and PyTorch, if installed
    python benchmarks/train_speed.py --only a         # one configuration

Keras and PyTorch come from benchmarks/requirements-bench.txt; they are never
runtime dependencies of lstmcast.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Job:
    key: str
    title: str
    cell: str
    units: tuple[int, ...]
    window: int
    batch: int
    windows: int

    def flops_per_step(self) -> float:
        """Multiply-adds x 2 of the recurrent and dense layers, x 3 for forward + backward."""
        gates = 4 if self.cell == "lstm" else 3
        width, total = 1, 0.0
        for u in self.units:
            total += 2 * self.batch * self.window * gates * u * (width + u)
            width = u
        total += 2 * self.batch * width
        return 3 * total


JOBS = [
    Job("a", "(a) seed 000: window 10, LSTM(50), batch 1", "lstm", (50,), 10, 1, 791),
    Job("b-lstm", "(b) window 48, LSTM(128), batch 64", "lstm", (128,), 48, 64, 20_000),
    Job("b-gru", "(b) window 48, GRU(128), batch 64", "gru", (128,), 48, 64, 20_000),
    Job("c", "(c) window 48, LSTM(64)+LSTM(64), batch 64", "lstm", (64, 64), 48, 64, 20_000),
]


def series_for(job: Job) -> np.ndarray:
    n = job.windows + job.window
    return (0.5 + 0.5 * np.sin(np.linspace(0, n / 20, n))).astype(np.float32)[:, None]  # (time, 1)


def steady_epochs(job: Job) -> int:
    """Epochs timed one by one after the first; the median is reported (this machine's timings drift)."""
    return 20 if job.batch == 1 else 5


# -- lstmcast ----------------------------------------------------------------------
def run_lstmcast(job: Job, timed: bool = True) -> dict:
    """In this process: build, compile the epoch program, then time steady epochs.

    ``compile_s`` is the time from "model built" to "compiled epoch ready" (tracing, XLA
    compilation or a persistent-cache hit): how long a new process waits before training.
    """
    t_import = time.perf_counter()
    import lstmcast

    lstmcast.configure()  # the CLI's settings: compilation cache, XLA tuning (before JAX starts)
    import jax
    import jax.numpy as jnp

    from lstmcast.nn import NetworkSpec, init_params
    from lstmcast.train.config import TrainConfig
    from lstmcast.train.losses import get_loss
    from lstmcast.train.optimizers import schedule_values, set_hyperparams
    from lstmcast.train.programs import bucket, pad_rows, pad_starts, training_programs

    import_s = time.perf_counter() - t_import
    spec = NetworkSpec(cell=job.cell, units=job.units, window=job.window)
    series = jnp.asarray(pad_rows(series_for(job), bucket(job.windows + job.window + spec.horizon)))
    cfg = TrainConfig(epochs=1, batch_size=job.batch)
    params = init_params(jax.random.key(0), spec)
    starts = jnp.asarray(pad_starts(np.arange(job.windows, dtype=np.int32)))
    prog = training_programs(spec, get_loss("mse"), cfg, job.windows)
    opt_state = set_hyperparams(prog.optimizer.init(params), cfg.hyperparams())
    hp = schedule_values(cfg.learning_rate, False, 1)
    n, step0 = jnp.int32(job.windows), jnp.int32(0)
    jax.block_until_ready((params, opt_state))
    built = time.perf_counter()
    epoch = prog.epoch.lower(params, opt_state, jax.random.key(1), series, starts, n, step0, hp).compile()
    compile_s = time.perf_counter() - built
    if not timed:  # a start-up child: only the wait matters
        return {"compile_s": compile_s, "import_s": import_s}
    params, opt_state, loss = epoch(params, opt_state, jax.random.key(1), series, starts, n, step0, hp)
    loss.block_until_ready()
    times = []
    for e in range(steady_epochs(job)):
        t = time.perf_counter()
        params, opt_state, loss = epoch(params, opt_state, jax.random.key(2 + e), series, starts, n, step0, hp)
        loss.block_until_ready()
        times.append(time.perf_counter() - t)
    epoch_s = float(np.median(times))
    steps = -(-job.windows // job.batch)
    return {
        "us_per_step": epoch_s / steps * 1e6,
        "epoch_s": epoch_s,
        "compile_s": compile_s,
        "import_s": import_s,
        "gflops": job.flops_per_step() / (epoch_s / steps) / 1e9,
    }


def child_start(job_key: str, cache: str) -> dict:
    """A new process: seconds from 'model built' to 'compiled epoch ready'."""
    env = dict(os.environ, LSTMCAST_CACHE_DIR=cache)  # a fresh folder: the first child is cold, the second warm
    out = subprocess.run(
        [sys.executable, __file__, "--child", job_key], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- Keras 3 on TensorFlow -------------------------------------------------------------
def peer_child(name: str, job_key: str) -> dict | None:
    """A peer's timing of the job from its own process, where no JAX runtime shares the cores; None if not installed."""
    out = subprocess.run(
        [sys.executable, __file__, "--peer-child", name, job_key], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_keras(job: Job) -> dict | None:
    try:
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
    except ImportError:
        return None
    series = series_for(job)
    idx = np.arange(job.windows)[:, None] + np.arange(job.window)
    x, y = series[idx], series[np.arange(job.windows) + job.window]  # (n, window, 1), (n, 1)
    layers = [keras.Input((job.window, 1))]
    for i, u in enumerate(job.units):
        last = i == len(job.units) - 1
        layer = keras.layers.LSTM if job.cell == "lstm" else keras.layers.GRU
        layers.append(layer(u, return_sequences=not last))
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss="mse")
    t = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=job.batch, verbose=0)
    first = time.perf_counter() - t
    times = []
    for _ in range(3):
        t = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=job.batch, verbose=0)
        times.append(time.perf_counter() - t)
    epoch_s = float(np.median(times))
    steps = -(-job.windows // job.batch)
    return {"us_per_step": epoch_s / steps * 1e6, "compile_s": max(first - epoch_s, 0.0)}


# -- PyTorch eager -------------------------------------------------------------------
def run_torch(job: Job) -> dict | None:
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    series = torch.from_numpy(series_for(job))
    rnn_cls = torch.nn.LSTM if job.cell == "lstm" else torch.nn.GRU

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnns = torch.nn.ModuleList()
            width = 1
            for u in job.units:
                self.rnns.append(rnn_cls(width, u, batch_first=True))
                width = u
            self.head = torch.nn.Linear(width, 1)

        def forward(self, x):
            for rnn in self.rnns:
                x, _ = rnn(x)
            return self.head(x[:, -1])

    net = Net()
    try:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    except (RuntimeError, TypeError):
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    offsets = torch.arange(job.window)

    def epoch():
        order = torch.randperm(job.windows)
        for b in range(0, job.windows, job.batch):
            s = order[b : b + job.batch]
            x = series[s[:, None] + offsets]  # (batch, window, 1)
            y = series[s + job.window]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()

    epoch()
    times = []
    for _ in range(3):
        t = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t)
    epoch_s = float(np.median(times))
    return {"us_per_step": epoch_s / -(-job.windows // job.batch) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", action="store_true", help="also run Keras (TensorFlow) and PyTorch")
    parser.add_argument("--only", help="one configuration key: " + ", ".join(j.key for j in JOBS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--peer-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    jobs = {j.key: j for j in JOBS}
    if args.peer_child:  # a fresh process with no JAX in it: JAX's idle threads slowed PyTorch's 2 threads by ~25%
        name, key = args.peer_child
        print(json.dumps((run_keras if name == "keras-tf" else run_torch)(jobs[key])))
        return
    if args.child:
        r = run_lstmcast(jobs[args.child], timed=False)
        print(json.dumps({"start_s": r["compile_s"], "import_s": r["import_s"]}))
        return
    selected = [jobs[args.only]] if args.only else JOBS
    os.environ["LSTMCAST_CACHE_DIR"] = "off"  # this process measures real compiles; children get their own cache
    import lstmcast

    lstmcast.configure()  # first: XLA flags are read when JAX starts a backend
    import jax

    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} cores")
    print(f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}; medians of several epochs after the first")
    for job in selected:
        print(f"\n{job.title}, {job.windows} windows")
        with tempfile.TemporaryDirectory() as cache:
            cold = child_start(job.key, cache)
            warm = child_start(job.key, cache)
        ours = run_lstmcast(job)
        print(
            f"  lstmcast      {ours['us_per_step']:>10.1f} us/step  {ours['gflops']:6.1f} GFLOP/s  "
            f"compile {ours['compile_s']:.2f} s  new process to training: cold {cold['start_s']:.2f} s, "
            f"warm cache {warm['start_s']:.2f} s"
        )
        if args.compare:
            for name in ("keras-tf", "pytorch"):
                r = peer_child(name, job.key)
                if r is None:
                    print(f"  {name:<13} not installed (pip install -r benchmarks/requirements-bench.txt)")
                    continue
                ratio = r["us_per_step"] / ours["us_per_step"]
                lead = f"lstmcast is {ratio:.2f}x faster" if ratio >= 1 else f"{name} is {1 / ratio:.2f}x faster"
                print(f"  {name:<13} {r['us_per_step']:>10.1f} us/step  {lead} (its own process, same run)")


if __name__ == "__main__":
    main()
