"""Accuracy of the default Forecaster against naive, seasonal naive, AutoETS and AutoTheta.

Every series: the last h points are held out, each method is fitted on the rest and
forecasts h steps; the error is MASE, scaled by the in-sample seasonal-naive MAE of the
training part at the series' season length m (lag 1 when the training part is shorter
than m + 1). The summary gives, per method, the geometric mean of MASE relative to
seasonal naive, on how many series it beats seasonal naive, and seconds per fit.

lstmcast is called exactly as a new user would: ``Forecaster(horizon=h, seed=0)``
(plus ``seasonal_period=m`` where the series has no calendar), ``.fit(train).predict()``;
no test=, no tuning. A fit that raises is recorded as refused and counts as a loss.

Data (nothing here is tuned to any one series):

- shipped: airpassengers (m=12, h=12), sunspots (yearly, m=1, h=10), msft close
  (trading days, m=5, h=20).
- us_employment (shared data folder, read only here, never shipped): each series'
  observed span (leading/trailing NaN dropped) that reaches the last month; ids sorted,
  every 7th taken, the first 20; monthly, m=12, h=12.
- elecdaily (shared data folder): the demand column, daily, m=7, h=14.
- synthetic (numpy seed 2024, integer index): additive and multiplicative seasonality
  with trend (m=12), level shift, random walk, series shorter than two seasons
  (m=12, h=6), quarterly (m=4, h=8), half-hourly (m=48, h=48); 3 series each.

    python benchmarks/accuracy.py                      # everything
    python benchmarks/accuracy.py --only shipped syn   # groups (prefixes)
    python benchmarks/accuracy.py --limit 2 --json out.json
    python benchmarks/accuracy.py --variant lstmcast   # lstmcast configurations to run

AutoETS/AutoTheta come from statsforecast (benchmarks/requirements-bench.txt); without it
those columns are left out.

NF-LSTM is NeuralForecast's LSTM as issue 11 names it ("robust scaler, 500 steps"):
``LSTM(h=h, scaler_type="robust", max_steps=500, random_seed=0)`` per series, every other
setting at NeuralForecast's default (input_size=-1, which NeuralForecast turns into 3 * h),
on the CPU with torch limited to 2 threads (OMP_WAIT_POLICY=PASSIVE, see below); no tuning. It runs automatically when
``neuralforecast`` imports (install it in a separate venv: benchmarks/requirements-neuralforecast.txt)
and is skipped with --no-neuralforecast. Calendar series are passed with their pandas
frequency; integer-indexed series, and calendar series without a regular frequency (msft
trading days), as integer steps with freq=1 (NeuralForecast's LSTM uses no date features, so
the forecast does not depend on ds).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

# NF-LSTM: torch's OpenMP threads spin while they wait; on a machine whose cores are busy
# with other work that made a 500-step fit 10-60x slower (minutes instead of seconds).
# Passive waiting keeps the torch timings meaningful; only OpenMP runtimes read this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lstmcast import Forecaster, datasets  # noqa: E402

# -- lstmcast configurations ---------------------------------------------------------
# name -> factory(h, m, has_calendar) -> an unfitted Forecaster. The benchmark only ever
# calls .fit(train_series).predict(); later configurations are added here and picked
# with --variant.


def _default(h: int, m: int, has_calendar: bool) -> Forecaster:
    if has_calendar:
        return Forecaster(horizon=h, seed=0)
    return Forecaster(horizon=h, seed=0, seasonal_period=m)


def _variant(**settings):
    """A configuration other than the default, for comparisons (--variant)."""

    def make(h: int, m: int, has_calendar: bool) -> Forecaster:
        extra = {} if has_calendar else {"seasonal_period": m}
        return Forecaster(horizon=h, seed=0, **extra, **settings)

    return make


VARIANTS = {
    "lstmcast": _default,
    "norm-last": _variant(normalize="last"),  # seasonal differencing when the season is strong
    "norm-mean": _variant(normalize="mean"),
    "norm-none": _variant(normalize="none"),
    "season-mean": _variant(normalize="season-mean", difference=0),
    "mae": _variant(loss="mae"),
    "k1": _variant(ensemble=1),
}

SNAIVE = "snaive"


# -- series ----------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    group: str
    y: pd.Series  # the whole series; the last h points are held out
    h: int
    m: int
    has_calendar: bool


def _shared_dir(given: str | None) -> Path | None:
    here = Path(__file__).resolve().parent.parent
    candidates = [
        given,
        os.environ.get("LSTMCAST_BENCH_DATA"),
        "/work/shared/data",
        here / "shared" / "data",
        here.parent / "shared" / "data",
    ]
    for c in candidates:
        if c and (Path(c) / "README.md").exists():
            return Path(c)
    return None


def shipped_cases() -> list[Case]:
    msft = datasets.load("msft")["close"]
    return [
        Case("airpassengers", "shipped", datasets.load("airpassengers"), 12, 12, True),
        Case("sunspots", "shipped", datasets.load("sunspots"), 10, 1, True),
        Case("msft_close", "shipped", msft, 20, 5, True),
    ]


EMPLOYMENT_RULE = (
    "us_employment: observed span of each series (leading/trailing NaN dropped) ending at the last month; "
    "ids sorted, every 7th (positions 0, 7, 14, ...), first 20"
)


def employment_cases(folder: Path) -> list[Case]:
    df = pd.read_csv(folder / "us_employment.csv.gz", parse_dates=["ds"])
    last = df["ds"].max()
    spans = {}
    for uid, g in df.sort_values("ds").groupby("unique_id", sort=True):
        g = g.set_index("ds")["y"]
        obs = g.dropna()
        if obs.empty or obs.index[-1] != last:
            continue
        span = g.loc[obs.index[0] : obs.index[-1]]
        if span.isna().any():  # interior gaps: not a clean monthly series
            continue
        idx = pd.DatetimeIndex(span.index, name="month", freq="MS")
        spans[uid] = pd.Series(span.to_numpy(np.float64), index=idx, name="employment")
    ids = sorted(spans)[::7][:20]
    return [Case(uid, "us_employment", spans[uid], 12, 12, True) for uid in ids]


def elec_cases(folder: Path) -> list[Case]:
    df = pd.read_csv(folder / "elecdaily.csv", parse_dates=["ds"])
    idx = pd.DatetimeIndex(df["ds"], name="date", freq="D")
    return [
        Case(
            "elecdaily_demand",
            "elecdaily",
            pd.Series(df["demand"].to_numpy(np.float64), idx, name="demand"),
            14,
            7,
            True,
        )
    ]


def _int_series(values: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, np.float64), index=pd.RangeIndex(len(values), name="step"), name="y")


def synthetic_cases(seed: int = 2024) -> list[Case]:
    rng = np.random.default_rng(seed)
    out = []

    def seasonal_shape(m):
        s = rng.normal(0, 1, m)
        s = np.convolve(np.r_[s, s, s], np.ones(3) / 3, "same")[m : 2 * m]  # smooth, periodic-ish
        return (s - s.mean()) / s.std()

    for i, n in enumerate((72, 144, 240)):
        t = np.arange(n)
        y = 100 + rng.uniform(0.1, 0.5) * t + rng.uniform(5, 15) * seasonal_shape(12)[t % 12] + rng.normal(0, 2, n)
        out.append(Case(f"add_seas_{i}", "syn_add_seas", _int_series(y), 12, 12, False))
    for i, n in enumerate((96, 180, 300)):
        t = np.arange(n)
        level = 50 * np.exp(rng.uniform(0.003, 0.01) * t)
        y = level * (1 + rng.uniform(0.1, 0.3) * seasonal_shape(12)[t % 12]) * (1 + rng.normal(0, 0.02, n))
        out.append(Case(f"mult_seas_{i}", "syn_mult_seas", _int_series(y), 12, 12, False))
    for i, n in enumerate((100, 200, 400)):
        shift_at = int(n * rng.uniform(0.55, 0.8))
        y = 20 + rng.normal(0, 1, n) + np.where(np.arange(n) >= shift_at, rng.choice([-1, 1]) * rng.uniform(4, 8), 0)
        out.append(Case(f"level_shift_{i}", "syn_level_shift", _int_series(y), 12, 1, False))
    for i, n in enumerate((100, 250, 400)):
        y = 100 + np.cumsum(rng.normal(rng.uniform(-0.1, 0.1), 1, n))
        out.append(Case(f"random_walk_{i}", "syn_random_walk", _int_series(y), 12, 1, False))
    for i, n in enumerate((18, 20, 23)):
        t = np.arange(n)
        y = 50 + 0.5 * t + 8 * seasonal_shape(12)[t % 12] + rng.normal(0, 1, n)
        out.append(Case(f"short_{i}", "syn_short", _int_series(y), 6, 12, False))
    for i, n in enumerate((48, 80, 120)):
        t = np.arange(n)
        y = 200 + rng.uniform(0.5, 2) * t + rng.uniform(10, 30) * seasonal_shape(4)[t % 4] + rng.normal(0, 4, n)
        out.append(Case(f"quarterly_{i}", "syn_quarterly", _int_series(y), 8, 4, False))
    for i, n in enumerate((1920, 2016, 2112)):
        t = np.arange(n)
        day = np.sin(2 * np.pi * (t % 48) / 48 - rng.uniform(0, np.pi)) + 0.5 * np.sin(4 * np.pi * (t % 48) / 48)
        ar = np.zeros(n)
        eps = rng.normal(0, 0.3, n)
        for k in range(1, n):
            ar[k] = 0.8 * ar[k - 1] + eps[k]
        y = 10 + rng.uniform(2, 5) * day + ar + 0.0005 * t
        out.append(Case(f"halfhourly_{i}", "syn_halfhourly", _int_series(y), 48, 48, False))
    return out


# -- methods ---------------------------------------------------------------------------
def naive(train: np.ndarray, h: int, m: int) -> np.ndarray:
    return np.repeat(train[-1], h)


def seasonal_naive(train: np.ndarray, h: int, m: int) -> np.ndarray:
    if m <= 1 or len(train) < m:  # not a full season to repeat: naive
        return naive(train, h, m)
    return train[len(train) - m + np.arange(h) % m]


def statsforecast_methods() -> dict:
    try:
        from statsforecast.models import AutoETS, AutoTheta
    except ImportError:
        print("statsforecast not installed: AutoETS and AutoTheta left out (pip install statsforecast)")
        return {}

    def make(cls):
        def run(train: np.ndarray, h: int, m: int) -> np.ndarray:
            return np.asarray(cls(season_length=m).forecast(y=train, h=h)["mean"], np.float64)

        return run

    methods = {"AutoETS": make(AutoETS), "AutoTheta": make(AutoTheta)}
    warm = 100 + 10 * np.sin(np.arange(48) * 2 * np.pi / 12) + np.arange(48)  # numba compiles on first use
    for run in methods.values():
        run(warm, 6, 12)
    return methods


NF_LSTM = "NF-LSTM"


def neuralforecast_methods() -> dict:
    """NeuralForecast's LSTM, or nothing when neuralforecast does not import.

    Each fit gets the training part of one series; the method has the same call as the
    lstmcast configurations (it needs the index for the frequency).
    """
    try:
        import torch
        from neuralforecast import NeuralForecast
        from neuralforecast.models import LSTM
    except ImportError:
        print("neuralforecast not installed: NF-LSTM left out (benchmarks/requirements-neuralforecast.txt)")
        return {}

    torch.set_num_threads(2)
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)

    def frame(train: pd.Series):
        index = train.index
        freq = None
        if isinstance(index, pd.DatetimeIndex):
            freq = index.freqstr or pd.infer_freq(index)
        if freq is not None:
            ds = pd.DatetimeIndex(index)
        else:  # integer steps, or trading days with holidays: no regular calendar
            ds, freq = np.arange(len(train), dtype=np.int64), 1
        df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": train.to_numpy(np.float64)})
        return df, freq

    def run(train: pd.Series, h: int, m: int, has_calendar: bool, max_steps: int = 500) -> np.ndarray:
        df, freq = frame(train)
        model = LSTM(
            h=h,
            scaler_type="robust",
            max_steps=max_steps,
            random_seed=0,
            enable_progress_bar=False,
            enable_model_summary=False,
            logger=False,
            accelerator="cpu",
        )
        nf = NeuralForecast(models=[model], freq=freq)
        nf.fit(df=df)
        pred = nf.predict()
        return np.asarray(pred["LSTM"], np.float64)

    with warnings.catch_warnings():  # first fit pays for imports and torch set-up
        warnings.simplefilter("ignore")
        run(_int_series(100 + 10 * np.sin(np.arange(48) * 2 * np.pi / 12)), 6, 12, False, max_steps=5)
    return {NF_LSTM: run}


def lstmcast_method(factory):
    def run(train: pd.Series, h: int, m: int, has_calendar: bool) -> np.ndarray:
        model = factory(h, m, has_calendar)
        pred = model.fit(train).predict()
        return np.asarray(pred.iloc[:, 0], np.float64)

    return run


# -- scoring ---------------------------------------------------------------------------
def mase_scale(train: np.ndarray, m: int) -> float:
    lag = m if len(train) >= m + 1 else 1
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    if scale == 0.0 and lag != 1:
        scale = float(np.mean(np.abs(np.diff(train))))
    return scale if scale > 0 else float("nan")


def evaluate(case: Case, methods: dict, variants: dict) -> dict:
    train_s, test = case.y.iloc[: -case.h], case.y.to_numpy(np.float64)[-case.h :]
    train = train_s.to_numpy(np.float64)
    scale = mase_scale(train, case.m)
    rec = {"series": case.name, "group": case.group, "n": len(case.y), "h": case.h, "m": case.m, "methods": {}}

    def record(name, call):
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fc = np.asarray(call(), np.float64)
            if fc.shape != (case.h,) or not np.all(np.isfinite(fc)):
                raise ValueError(f"forecast of shape {fc.shape} with {int(np.sum(~np.isfinite(fc)))} non-finite values")
            mase, err = float(np.mean(np.abs(fc - test)) / scale), None
        except Exception as exc:  # noqa: BLE001 - record every failure
            fc, mase, err = None, float("nan"), f"{type(exc).__name__}: {exc}"
        rec["methods"][name] = {
            "mase": mase,
            "seconds": time.perf_counter() - t0,
            "error": err,
            "forecast": None if fc is None else fc.tolist(),
        }

    for name, fn in methods.items():
        record(name, lambda fn=fn: fn(train, case.h, case.m))
    for name, fn in variants.items():
        record(name, lambda fn=fn: fn(train_s, case.h, case.m, case.has_calendar))
    base = rec["methods"][SNAIVE]["mase"]
    for r in rec["methods"].values():
        r["rel"] = r["mase"] / base if base > 0 else float("nan")
    return rec


def geomean(x) -> float:
    x = np.asarray([v for v in x if np.isfinite(v) and v > 0])
    return float(np.exp(np.mean(np.log(x)))) if len(x) else float("nan")


def summarize(records: list[dict], names: list[str]) -> pd.DataFrame:
    rows = []
    for name in names:
        rs = [r["methods"][name] for r in records]
        ok = [r for r in rs if r["error"] is None]
        wins = sum(1 for r in ok if r["rel"] < 1)
        rows.append(
            {
                "method": name,
                "gmean MASE/snaive": geomean(r["rel"] for r in ok),
                "beats snaive": f"{wins}/{len(rs)}" if name != SNAIVE else "-",
                "failed": len(rs) - len(ok),
                "s/fit": float(np.mean([r["seconds"] for r in rs])),
                "gmean MASE": geomean(r["mase"] for r in ok),
            }
        )
    return pd.DataFrame(rows).set_index("method")


def _no_nan(obj):
    """NaN -> None, so the JSON is standard."""
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_nan(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", help="dataset groups to run (a prefix matches: 'syn' = all synthetic)")
    parser.add_argument("--limit", type=int, help="at most this many series per group")
    parser.add_argument(
        "--variant",
        nargs="+",
        choices=sorted(VARIANTS),
        default=["lstmcast"],
        help="lstmcast configurations to run (default: all)",
    )
    parser.add_argument("--json", help="write per-series results (forecasts included) to this file")
    parser.add_argument("--data-dir", help="folder with us_employment.csv.gz and elecdaily.csv")
    parser.add_argument(
        "--no-neuralforecast",
        action="store_true",
        help="leave out NF-LSTM even when neuralforecast is installed",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 200)

    cases = shipped_cases()
    folder = _shared_dir(args.data_dir)
    if folder is None:
        print("shared data folder not found (--data-dir): us_employment and elecdaily left out")
    else:
        cases += employment_cases(folder) + elec_cases(folder)
    cases += synthetic_cases()
    if args.only:
        cases = [c for c in cases if any(c.group.startswith(p) for p in args.only)]
    if args.limit:
        kept, seen = [], {}
        for c in cases:
            seen[c.group] = seen.get(c.group, 0) + 1
            if seen[c.group] <= args.limit:
                kept.append(c)
        cases = kept
    if folder is not None and any(c.group == "us_employment" for c in cases):
        print(EMPLOYMENT_RULE)

    methods = {"naive": naive, SNAIVE: seasonal_naive, **statsforecast_methods()}
    variants = {name: lstmcast_method(VARIANTS[name]) for name in args.variant}
    if not args.no_neuralforecast:
        variants.update(neuralforecast_methods())  # same call as the lstmcast configurations
    names = list(methods) + list(variants)
    print(f"{len(cases)} series in {len({c.group for c in cases})} groups; methods: {', '.join(names)}")

    start = time.perf_counter()
    records = []
    for i, case in enumerate(cases, 1):
        records.append(evaluate(case, methods, variants))
        ms = records[-1]["methods"]
        took = sum(r["seconds"] for r in ms.values())
        print(
            f"[{i}/{len(cases)}] {case.group}/{case.name} n={len(case.y)} ({took:.1f} s)", file=sys.stderr, flush=True
        )
    total = time.perf_counter() - start

    table = pd.DataFrame(
        [
            {
                "series": r["series"],
                "group": r["group"],
                "n": r["n"],
                "h": r["h"],
                "m": r["m"],
                **{k: ("FAIL" if v["error"] else f"{v['mase']:.3f}") for k, v in r["methods"].items()},
            }
            for r in records
        ]
    )
    print("\nMASE per series (FAIL: the method raised; see below)")
    print(table.to_string(index=False))

    failures = [(r["series"], k, v["error"]) for r in records for k, v in r["methods"].items() if v["error"]]
    if failures:
        print("\nFailures")
        for series, method, err in failures:
            print(f"  {method} on {series}: {err}")

    groups = list(dict.fromkeys(r["group"] for r in records))
    per_group = pd.DataFrame(
        {
            g: {
                k: geomean(r["methods"][k]["rel"] for r in records if r["group"] == g and not r["methods"][k]["error"])
                for k in names
            }
            for g in groups
        }
    ).T
    per_group.insert(0, "N", [sum(r["group"] == g for r in records) for g in groups])
    print("\nGeometric mean of MASE / seasonal-naive MASE per group (failed fits left out of the mean)")
    print(per_group.round(3).to_string())

    summary = summarize(records, names)
    print(
        f"\nSummary over {len(records)} series (gmean over the series a method forecast; "
        "a failed fit counts as a loss in 'beats snaive'; s/fit = fit + predict, mean over all series)"
    )
    print(summary.round({"gmean MASE/snaive": 3, "gmean MASE": 3, "s/fit": 3}).to_string())
    print(f"\ntotal {total:.0f} s")

    if args.json:
        out = {"records": records, "summary": json.loads(summary.to_json(orient="index")), "total_seconds": total}
        with open(args.json, "w") as fh:
            json.dump(_no_nan(out), fh, indent=1)
        print(f"per-series results written to {args.json}")


if __name__ == "__main__":
    main()
