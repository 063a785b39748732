"""Compile once per shape class: how much new data lengths and backtest folds cost in one warm process.

Two measurements, with no persistent compilation cache (only what the process itself
has compiled counts):

1. a 10-fold rolling backtest with a refit at every fold on airpassengers
   (window 24, LSTM(50), 20 epochs): total seconds, and seconds per fold;
2. 100 calls of ``predict(data=...)`` on growing histories (44 .. 143 months) of
   one fitted model: the first call, then the median and worst of the other 99 --
   each one a history length the process has not seen before (target: <= 50 ms).

    python benchmarks/compile_reuse.py

It uses only the public API, so the same script measures older versions too.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings

os.environ["LSTMCAST_CACHE_DIR"] = "off"  # in-process reuse only

import lstmcast  # noqa: E402

if hasattr(lstmcast, "configure"):
    lstmcast.configure(cache=False)  # the CLI's XLA tuning (older versions set it on import)
from lstmcast import Forecaster, datasets  # noqa: E402


def main() -> None:
    warnings.simplefilter("ignore")
    air = datasets.load("airpassengers")
    model = Forecaster(window=24, epochs=20, test=0, seed=0)

    t = time.perf_counter()
    model.backtest(air, folds=10, refit=True)
    total = time.perf_counter() - t
    print(f"10-fold refit backtest (airpassengers, window 24, 20 epochs): {total:.2f} s, {total / 10:.2f} s per fold")

    fitted = Forecaster(window=24, epochs=5, seed=0).fit(air.iloc[:100])
    times = []
    for n in range(44, 144):
        t = time.perf_counter()
        fitted.predict(data=air.iloc[:n])
        times.append(time.perf_counter() - t)
    rest = times[1:]
    print(
        f"100 predict(data=...) on histories of 44..143 rows: first {times[0] * 1e3:.0f} ms, "
        f"then median {statistics.median(rest) * 1e3:.1f} ms, worst {max(rest) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
