"""In-process forecast latency of one window, warm: the library's predict() and the service's fast path.

Two models, trained at startup (or read from --models DIR, where this script saved them before):

* ``sine``: seed tutorial 000's job (``lstmcast demo``: window 10, LSTM(50), 50 epochs at batch 1);
* ``air``: ``Forecaster(horizon=12, seed=0)`` on airpassengers (the defaults: 5 members, window 24).

For each: ``model.predict()`` (the saved history), ``model.predict(data=df)`` (a newer history of
window + 12 rows), the service's fast path on the same two inputs (``lstmcast.serve.fastpath``,
checked equal to predict bit for bit), and a whole service answer without HTTP (records in, JSON
bytes out). Then what batching would save: the compute of k one-window forecasts one by one
(fast path) against one batched program call of k windows (``forecast_at``). Target: <= 1 ms.

    python benchmarks/predict_latency.py [--models DIR] [--repeats 500] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import lstmcast
from lstmcast import Forecaster, datasets
from lstmcast.forecasting import forecast_inputs

NAMES = ("sine", "air")


def train_models(folder: Path) -> dict[str, Path]:
    """The two benchmark models saved under ``folder`` (trained only if absent); name -> folder."""
    from lstmcast.demo import TUTORIAL

    paths = {name: Path(folder) / name for name in NAMES}
    jobs = {
        "sine": lambda: Forecaster(**TUTORIAL, epochs=50, batch_size=1, seed=0).fit(datasets.load("sine")),
        "air": lambda: Forecaster(horizon=12, seed=0).fit(datasets.load("airpassengers")),
    }
    for name, path in paths.items():
        if not (path / "model.json").is_file():
            t = time.perf_counter()
            jobs[name]().save(path)
            print(f"trained {name} in {time.perf_counter() - t:.1f} s -> {path}", flush=True)
    return paths


def history(model) -> pd.DataFrame:
    """The last window + 12 training rows in the training schema (the time column, when there is one)."""
    frame = model.actual().iloc[-(model.window_ + 12) :]
    return frame.reset_index() if model.series_.time_name else frame.reset_index(drop=True)


def timed(fn, repeats: int) -> tuple[float, float]:
    """(median, p99) milliseconds of ``fn()`` after 20 warm-up calls."""
    for _ in range(20):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times), 1e3 * float(np.percentile(times, 99))


def measure(name: str, path: Path, repeats: int) -> list[tuple]:
    from lstmcast.serve.fastpath import FastForecast
    from lstmcast.serve.forecasting import answer
    from lstmcast.serve.registry import load_version
    from lstmcast.serve.schemas import ForecastRequest

    model = lstmcast.load(path)
    fast = FastForecast.build(model)
    df = history(model)
    k = model.series_.n_targets

    def fast_forecast(data):
        series, values, tail, start, horizon = forecast_inputs(model, None, data, None)
        return fast(values, tail[:, :k], start, horizon)

    exact = np.array_equal(fast_forecast(None), model.predict().to_numpy()) and np.array_equal(
        fast_forecast(df), model.predict(data=df).to_numpy()
    )
    version = load_version(name, path)
    frame = df.astype({df.columns[0]: str}) if model.series_.time_name else df  # timestamps as JSON sends them
    request = ForecastRequest(data=frame.to_dict("records"))
    rows = [
        (name, "predict()", *timed(model.predict, repeats)),
        (name, "predict(data=df)", *timed(lambda: model.predict(data=df), repeats)),
        (name, "fast path, saved history", *timed(lambda: fast_forecast(None), repeats)),
        (name, "fast path, data=df", *timed(lambda: fast_forecast(df), repeats)),
        (name, "service answer, records in", *timed(lambda: answer(version, request), repeats)),
    ]
    print(f"{name}: fast path {'padded' if fast.padded else 'one-window'} program, equal to predict: {exact}")
    return rows


def batching(name: str, path: Path, repeats: int) -> list[tuple]:
    """Compute only: k one-window fast forecasts one by one, against one program call of k windows."""
    from lstmcast.serve.fastpath import FastForecast

    model = lstmcast.load(path)
    fast = FastForecast.build(model)
    series, values, tail, start, horizon = forecast_inputs(model, None, None, None)
    raw = tail[:, : series.n_targets]
    rows = []
    for k in (1, 8, 64):
        rows.append((name, k, *batch_costs(fast, model, values, raw, start, horizon, k, max(repeats // k, 20))))
    return rows


def batch_costs(fast, model, values, raw, start, horizon: int, k: int, repeats: int) -> tuple[float, float]:
    """ms per forecast of k windows: one by one through the fast path, and in one call (k histories stacked)."""
    stacked, stacked_raw = np.concatenate([values] * k), np.concatenate([raw] * k)
    starts = start + len(values) * np.arange(k, dtype=np.int32)
    one = timed(lambda: [fast(values, raw, start, horizon) for _ in range(k)], repeats)[0]
    together = timed(lambda: model.forecast_at(stacked, stacked_raw, starts, horizon), repeats)[0]
    return one / k, together / k


def profile(path: Path) -> None:
    model = lstmcast.load(path)
    df = history(model)
    for _ in range(20):
        model.predict(data=df)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(200):
        model.predict(data=df)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="Folder to keep the trained models in (reused when present).")
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="cProfile predict(data=df) of the air model.")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    lstmcast.configure()
    with tempfile.TemporaryDirectory() as tmp:
        paths = train_models(args.models or Path(tmp))
        rows = [row for name in NAMES for row in measure(name, paths[name], args.repeats)]
        print(f"\n{'model':<6} {'call':<30} {'p50 ms':>8} {'p99 ms':>8}")
        for name, call, p50, p99 in rows:
            print(f"{name:<6} {call:<30} {p50:8.3f} {p99:8.3f}")
        print(f"\n{'model':<6} {'k':>4} {'one by one, ms/forecast':>24} {'one call, ms/forecast':>22}")
        for model, k, one, together in (row for name in NAMES for row in batching(name, paths[name], args.repeats)):
            print(f"{model:<6} {k:>4} {one:24.3f} {together:22.3f}")
        if args.profile:
            profile(paths["air"])


if __name__ == "__main__":
    main()
