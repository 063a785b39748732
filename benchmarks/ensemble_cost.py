"""What an ensemble costs: K models trained together in one compiled epoch (jax.vmap) vs one model.

For each job, fits Forecaster(ensemble=1) and Forecaster(ensemble=K) with the same settings
(epochs fixed so both make the same number of optimizer steps), in a warm process, and prints
the seconds per epoch (median of the epochs after the first) and per whole fit, and the ratio.
Target (issue: accurate by default): K = 5 costs at most 2x one model on the 2-core CPU.

    python benchmarks/ensemble_cost.py [--members 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd

import lstmcast

lstmcast.configure()  # the CLI's settings
from lstmcast import Forecaster, datasets  # noqa: E402


def half_hourly(n: int = 2000) -> pd.Series:
    t = np.arange(n)
    y = 100 + 20 * np.sin(2 * np.pi * t / 48) + np.random.default_rng(0).normal(0, 2, n)
    return pd.Series(y, index=pd.date_range("2024-01-01", periods=n, freq="30min"))


JOBS = {
    "airpassengers (window 24, LSTM(50), batch 32)": (lambda: datasets.load("airpassengers"), dict(horizon=12)),
    "half-hourly, 2,000 points (window 96, LSTM(50), batch 32)": (half_hourly, dict(horizon=48)),
    "seed 000 sine (window 10, LSTM(50), batch 1)": (
        lambda: datasets.load("sine"),
        dict(window=10, batch_size=1, normalize="none", log=False, difference=0),
    ),
}


def timed_fit(data, members: int, settings: dict) -> tuple[float, float]:
    model = Forecaster(ensemble=members, epochs=8, seed=0, **settings)
    t = time.perf_counter()
    model.fit(data)
    total = time.perf_counter() - t
    return statistics.median(model.history_.seconds[1:]), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for title, (load, settings) in JOBS.items():
        data = load()
        timed_fit(data, 1, settings)  # compile both programs first: the comparison is steady state
        timed_fit(data, args.members, settings)
        one_epoch, one_fit = timed_fit(data, 1, settings)
        k_epoch, k_fit = timed_fit(data, args.members, settings)
        print(
            f"{title}\n  1 model: {one_epoch * 1e3:.1f} ms/epoch, fit {one_fit:.2f} s;  "
            f"{args.members} models: {k_epoch * 1e3:.1f} ms/epoch, fit {k_fit:.2f} s;  "
            f"ratio {k_epoch / one_epoch:.2f}x per epoch, {k_fit / one_fit:.2f}x per fit"
        )


if __name__ == "__main__":
    main()
