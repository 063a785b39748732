"""What one optimizer step of a K-member ensemble costs against one model's, without the fit around it.

``benchmarks/ensemble_cost.py`` times whole fits (validation, the refit and the calibration copy
included) and takes minutes; this times only the compiled epoch (``train/programs.py``) on a
synthetic series, so a change to the recurrence or to how members are mapped can be judged in
about a minute. Prints microseconds per step for 1 and K members and their ratio (same run: the
machine is shared, compare ratios). Pin it to one core (``taskset -c 1``) on a busy machine:
XLA's two-thread ops then wait on a descheduled thread less often.

    nice taskset -c 1 python benchmarks/ensemble_step.py [--members 5] [air half-hourly seed]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import lstmcast

lstmcast.configure()  # the CLI's settings
import jax.numpy as jnp  # noqa: E402

from lstmcast.fitting import init_members  # noqa: E402
from lstmcast.nn import NetworkSpec  # noqa: E402
from lstmcast.train.config import TrainConfig  # noqa: E402
from lstmcast.train.losses import get_loss  # noqa: E402
from lstmcast.train.optimizers import schedule_values, set_hyperparams  # noqa: E402
from lstmcast.train.programs import epoch_arrays, training_programs  # noqa: E402
from lstmcast.train.trainer import _epoch_key  # noqa: E402

JOBS = {  # the jobs of ensemble_cost.py: (network, series length, batch size)
    "air": (NetworkSpec(units=(50,), window=24, horizon=12, normalize="last"), 600, 32),
    "half-hourly": (NetworkSpec(units=(50,), window=96, horizon=48, normalize="last"), 700, 32),
    "seed": (NetworkSpec(units=(50,), window=10, horizon=1), 600, 1),
}


def seconds_per_step(spec: NetworkSpec, members: int, n: int, batch_size: int, epochs: int = 7) -> float:
    series = (np.sin(np.arange(n) / 5.0) * 0.5 + 0.5).astype(np.float32)[:, None]
    starts = np.arange(n - spec.window - spec.horizon + 1, dtype=np.int32)
    cfg = TrainConfig(epochs=1, batch_size=batch_size)
    params, key = init_members(spec, 0, members)
    programs = training_programs(spec, get_loss("mse"), cfg, len(starts), members)
    opt_state = set_hyperparams(programs.init_optimizer(params), cfg.hyperparams())
    inputs, starts_d, n_d = epoch_arrays(series, starts, spec)
    hp = schedule_values(cfg.learning_rate, False, 100)
    times = []
    for epoch in range(epochs):  # the first compiles
        t = time.perf_counter()
        params, opt_state, loss = programs.epoch(
            params, opt_state, _epoch_key(key, epoch, members), inputs, starts_d, n_d, jnp.int32(0), hp
        )
        loss.block_until_ready()
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:]) / -(-len(starts) // batch_size)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("jobs", nargs="*", default=list(JOBS), choices=list(JOBS))
    args = parser.parse_args()
    for name in args.jobs:
        spec, n, batch_size = JOBS[name]
        one = seconds_per_step(spec, 1, n, batch_size)
        many = seconds_per_step(spec, args.members, n, batch_size)
        print(
            f"{name}: 1 model {one * 1e6:.0f} us/step, {args.members} models {many * 1e6:.0f} us/step, "
            f"ratio {many / one:.2f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
