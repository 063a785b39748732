"""What an ensemble costs: K models trained together in one compiled epoch (jax.vmap) vs one model.

For each job, fits Forecaster(ensemble=1) and Forecaster(ensemble=K) with the same settings
(epochs fixed so both make the same number of optimizer steps), in a warm process, and prints
the seconds per epoch (median of the epochs after the first) and per whole fit, and the ratio.

``--default``: the default fit instead (``epochs="auto"``, the combination with its validation copy,
the final model fine-tuned from the copy), K members against one, each timed warm (its second fit):
what a user's ``Forecaster(horizon=h, seasonal_period=m)`` pays for its ensemble (issue 23: at most 3x).

    python benchmarks/ensemble_cost.py [--members 5] [--default]
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


DEFAULT_JOBS = {
    "airpassengers, 144 points, h=12, m=12": (lambda: datasets.load("airpassengers"), dict(horizon=12)),
    "half-hourly, 2,000 points, h=48, m=48": (half_hourly, dict(horizon=48, seasonal_period=48)),
    "US accidental deaths-like, 72 points, h=12": (
        lambda: datasets.load("airpassengers").iloc[:72],
        dict(horizon=12, seasonal_period=12),
    ),
}


def default_fit(data, members: int, settings: dict) -> float:
    """Seconds of a default fit with ``members``, timed on the second of two (programs compiled by the first)."""
    for _ in range(2):
        t = time.perf_counter()
        Forecaster(ensemble=members, seed=0, verbose=0, **settings).fit(data)
        seconds = time.perf_counter() - t
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--default", action="store_true", help="time default fits (epochs auto, combined)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.default:
        for title, (load, settings) in DEFAULT_JOBS.items():
            data = load()
            one, k = default_fit(data, 1, settings), default_fit(data, args.members, settings)
            print(f"{title}\n  default fit: 1 model {one:.2f} s, {args.members} models {k:.2f} s; ratio {k / one:.2f}x")
        return
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
