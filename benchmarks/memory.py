"""Peak memory when training on a 10,000,000-point series with window 256 (target: under 1.5 GB).

Windows are gathered by index inside the compiled epoch, so memory grows with
the series, not with series x window (materialized windows would need
10M x 256 x 4 B = 10 GB). Training runs a capped number of steps: the point is
the memory of the full pipeline (validation, split, transforms, window
indices, compiled program, optimizer), not a full epoch of 39,000 steps.

    python benchmarks/memory.py [--rows 10000000] [--window 256]
"""

import argparse
import resource
import time

import numpy as np


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    import jax  # noqa: F401  (counted in the baseline)

    from lstmcast import Forecaster

    base = peak_mb()
    rng = np.random.default_rng(0)
    t = np.arange(args.rows, dtype=np.float64)
    series = np.sin(t / 50.0) + 0.1 * rng.standard_normal(args.rows)
    del t
    data_mb = series.nbytes / 2**20
    model = Forecaster(window=args.window, units=32, batch_size=256, epochs=1, steps_per_epoch=args.steps, seed=0)
    start = time.perf_counter()
    model.fit(series)
    seconds = time.perf_counter() - start
    windows = len(model.starts_["train"])
    print(f"rows {args.rows:,}, window {args.window}, {windows:,} training windows, {args.steps} steps of 256")
    print(
        f"series as float64: {data_mb:,.0f} MB; materialized float32 windows would be "
        f"{windows * args.window * 4 / 2**30:,.1f} GB"
    )
    print(f"peak RSS after importing jax: {base:,.0f} MB")
    print(f"peak RSS after fit: {peak_mb():,.0f} MB (target < 1,536 MB); fit took {seconds:.1f} s")


if __name__ == "__main__":
    main()
