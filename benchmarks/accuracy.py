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
    python benchmarks/accuracy.py --only real --origins 2 --variant lstmcast es mixed \
        --no-neuralforecast --stat-cache stat.json     # the development set; the cache keeps
                                                       # statsforecast's forecasts (AutoARIMA on
                                                       # us_gasoline alone takes ~8 min) for reruns

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
    # As the held-out acceptance calls it: the season length is always given.
    return Forecaster(horizon=h, seed=0, seasonal_period=m)


def _variant(**settings):
    """A configuration other than the default, for comparisons (--variant)."""

    def make(h: int, m: int, has_calendar: bool) -> Forecaster:
        return Forecaster(horizon=h, seed=0, seasonal_period=m, **settings)

    return make


VARIANTS = {
    "lstmcast": _default,
    "network": _variant(combine=False),  # the LSTM alone: what the network itself contributes
    "norm-last": _variant(normalize="last"),  # seasonal differencing when the season is strong
    "norm-mean": _variant(normalize="mean"),
    "norm-none": _variant(normalize="none"),
    "season-mean": _variant(normalize="season-mean", difference=0),
    "es": _variant(normalize="es", difference=0),  # ES-RNN's learned Holt-Winters windows (nn/holt_winters.py)
    "mixed": _variant(normalize="mixed", difference=0),  # members alternate "season" and "es"
    "prior": _variant(init="prior"),  # the network starts from the shipped pretrained prior (nn/prior.py)
    "mixed-prior": _variant(normalize="mixed", difference=0, init="prior"),  # both: diverse members from the prior
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


def real_cases(folder: Path) -> list[Case]:
    """The development set of 24 real series (shared/data/real): long table + each one's m and h."""
    real = folder / "real"
    if not (real / "real_series.csv").exists():
        return []
    df = pd.read_csv(real / "real_series.csv")
    specs = json.loads((real / "specs.json").read_text())
    out = []
    for uid, g in df.groupby("unique_id", sort=False):
        spec = specs[uid]
        y = g["y"].to_numpy(np.float64)
        if spec.get("calendar", True):
            ds = pd.DatetimeIndex(pd.to_datetime(g["ds"]), name="ds")
            freq = pd.infer_freq(ds)
            series = pd.Series(y, index=pd.DatetimeIndex(ds, freq=freq), name="y")
        else:
            series = _int_series(y)
        out.append(Case(str(uid), "real", series, int(spec["h"]), int(spec["m"]), bool(spec.get("calendar", True))))
    return out


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


STAT_METHODS = ("AutoETS", "AutoARIMA", "AutoTheta")
COMBO = "SF-median"  # the median of AutoETS, AutoARIMA and AutoTheta, step by step


def statsforecast_methods() -> dict:
    try:
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta
    except ImportError:
        print("statsforecast not installed: AutoETS, AutoARIMA and AutoTheta left out (pip install statsforecast)")
        return {}

    def make(cls):
        def run(train: np.ndarray, h: int, m: int) -> np.ndarray:
            return np.asarray(cls(season_length=m).forecast(y=train, h=h)["mean"], np.float64)

        return run

    methods = {"AutoETS": make(AutoETS), "AutoARIMA": make(AutoARIMA), "AutoTheta": make(AutoTheta)}
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


def lstmcast_method(factory, dump: list | None = None):
    """fit(train).predict(); with ``dump``, every combination candidate's forecast and score is appended to it."""

    def run(train: pd.Series, h: int, m: int, has_calendar: bool):
        model = factory(h, m, has_calendar)
        pred = model.fit(train).predict()
        chosen = getattr(model, "choices_", {}).get("combine")
        extra = None if chosen is None else str(chosen.value)
        if dump is not None and getattr(model, "combination_", None) is not None:
            from lstmcast.stats import combination as C

            comb = model.combination_
            raw = train.to_numpy(np.float64)[:, None]
            origin = np.array([len(raw) - 1])
            del model.combination_  # the network alone
            net = model.predict().to_numpy(np.float64)[None]  # (1, h, 1)
            model.combination_ = comb
            parts = C.members(net, raw, origin, h, m, C.fit_params(raw, m, comb.context), comb.context)
            dump.append(
                {
                    "series": getattr(train, "_bench_name", None),
                    "end": len(train),
                    "scores": comb.scores,
                    "forecasts": {k: v[0, :, 0].tolist() for k, v in parts.items()},
                }
            )
        return np.asarray(pred.iloc[:, 0], np.float64), extra

    return run


# -- scoring ---------------------------------------------------------------------------
def mase_scale(train: np.ndarray, m: int) -> float:
    lag = m if len(train) >= m + 1 else 1
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    if scale == 0.0 and lag != 1:
        scale = float(np.mean(np.abs(np.diff(train))))
    return scale if scale > 0 else float("nan")


def origins_of(case: Case, k: int) -> list[int]:
    """Training lengths of the last ``k`` origins, a horizon apart, newest first, where the series allows.

    An earlier origin is used only while its training part keeps at least two seasons plus two
    horizons (and 20 points), so a short series is scored on fewer origins, never on a stub.
    """
    n, h, m = len(case.y), case.h, case.m
    least = max(2 * m + 2 * h, 20)
    ends = [n - h - j * h for j in range(k)]
    return [e for i, e in enumerate(ends) if i == 0 or e >= least]


def _score(fc, test, scale) -> tuple[float, str | None]:
    fc = np.asarray(fc, np.float64)
    if fc.shape != test.shape or not np.all(np.isfinite(fc)):
        raise ValueError(f"forecast of shape {fc.shape} with {int(np.sum(~np.isfinite(fc)))} non-finite values")
    return float(np.mean(np.abs(fc - test)) / scale)


def evaluate(case: Case, methods: dict, variants: dict, origins: int = 1, cache: dict | None = None) -> dict:
    """Every method at each origin; a method's MASE is its mean over the origins (each scaled by its own train)."""
    rec = {"series": case.name, "group": case.group, "n": len(case.y), "h": case.h, "m": case.m, "methods": {}}
    ends = origins_of(case, origins)
    rec["origins"] = len(ends)
    per: dict[str, dict] = {}

    def record(name, end, call, key=None):
        t0 = time.perf_counter()
        train = case.y.to_numpy(np.float64)[:end]
        test = case.y.to_numpy(np.float64)[end : end + case.h]
        scale = mase_scale(train, case.m)
        r = per.setdefault(name, {"mase": [], "seconds": 0.0, "error": None, "forecast": None, "extra": None})
        try:
            if key is not None and cache is not None and key in cache:
                fc, took = np.asarray(cache[key]["forecast"], np.float64), cache[key]["seconds"]
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = call()
                fc, extra = out if isinstance(out, tuple) else (out, None)
                fc, took = np.asarray(fc, np.float64), time.perf_counter() - t0
                if extra is not None and end == ends[0]:
                    r["extra"] = extra
                if key is not None and cache is not None:
                    cache[key] = {"forecast": fc.tolist(), "seconds": took}
            r["mase"].append(_score(fc, test, scale))
            r["seconds"] += took
        except Exception as exc:  # noqa: BLE001 - record every failure
            fc, r["error"] = None, f"{type(exc).__name__}: {exc}"
        if end == ends[0]:
            r["forecast"] = None if fc is None else np.asarray(fc).tolist()
        return fc

    for end in ends:
        train_s = case.y.iloc[:end]
        train = train_s.to_numpy(np.float64)
        stat = {}
        for name, fn in methods.items():
            stat[name] = record(
                name, end, lambda fn=fn, train=train: fn(train, case.h, case.m), key=f"{case.name}|{end}|{name}"
            )
        if all(stat.get(k) is not None for k in STAT_METHODS):
            combo = np.median(np.stack([stat[k] for k in STAT_METHODS]), axis=0)
            record(COMBO, end, lambda combo=combo: combo)
        train_s._bench_name = case.name  # noqa: SLF001 - read back by the candidates dump
        for name, fn in variants.items():
            record(name, end, lambda fn=fn, train_s=train_s: fn(train_s, case.h, case.m, case.has_calendar))
    for name, r in per.items():
        ok = r["error"] is None and len(r["mase"]) == len(ends)
        rec["methods"][name] = {
            "mase": float(np.mean(r["mase"])) if ok else float("nan"),
            "seconds": r["seconds"] / len(ends),
            "error": r["error"],
            "forecast": r["forecast"],
            "extra": r["extra"],
        }
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


def _print_block(title: str, records: list[dict], names: list[str]) -> None:
    if not records:
        return
    table = pd.DataFrame(
        [
            {
                "series": r["series"],
                "group": r["group"],
                "n": r["n"],
                "h": r["h"],
                "m": r["m"],
                "o": r["origins"],
                **{k: ("FAIL" if v["error"] else f"{v['rel']:.3f}") for k, v in r["methods"].items()},
            }
            for r in records
        ]
    )
    print(f"\n== {title}: MASE relative to seasonal naive per series (o: origins scored; FAIL: raised)")
    print(table.to_string(index=False))
    choices = [(r["series"], v["extra"]) for r in records for k, v in r["methods"].items() if v.get("extra")]
    if choices:
        print("\nlstmcast's validation choice (newest origin)")
        for series, extra in choices:
            print(f"  {series}: {extra}")
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
    print(f"\n{title}: geometric mean of MASE / seasonal-naive MASE per group (failed fits left out of the mean)")
    print(per_group.round(3).to_string())
    summary = summarize(records, names)
    print(f"\n{title}: summary over {len(records)} series (a failed fit counts as a loss; s/fit = fit + predict)")
    print(summary.round({"gmean MASE/snaive": 3, "gmean MASE": 3, "s/fit": 3}).to_string())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", help="dataset groups to run (a prefix matches: 'syn' = all synthetic)")
    parser.add_argument("--limit", type=int, help="at most this many series per group")
    parser.add_argument(
        "--variant",
        nargs="*",
        choices=sorted(VARIANTS),
        default=["lstmcast"],
        help="lstmcast configurations to run (default: the default; none with --variant alone, e.g. for NF-LSTM)",
    )
    parser.add_argument("--origins", type=int, default=1, help="rolling origins per series, a horizon apart (3)")
    parser.add_argument("--stat-cache", help="JSON file caching the statsforecast forecasts between runs")
    parser.add_argument("--json", help="write per-series results (forecasts included) to this file")
    parser.add_argument("--candidates", help="write every combination candidate's forecast and score to this file")
    parser.add_argument("--data-dir", help="folder with real/, us_employment.csv.gz and elecdaily.csv")
    parser.add_argument(
        "--no-neuralforecast",
        action="store_true",
        help="leave out NF-LSTM even when neuralforecast is installed",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 250)

    folder = _shared_dir(args.data_dir)
    cases = []
    if folder is None:
        print("shared data folder not found (--data-dir): the real series, us_employment and elecdaily left out")
    else:
        cases += real_cases(folder) + employment_cases(folder) + elec_cases(folder)
    cases += shipped_cases() + synthetic_cases()
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

    cache = {}
    if args.stat_cache and Path(args.stat_cache).exists():
        cache = json.loads(Path(args.stat_cache).read_text())
    methods = {"naive": naive, SNAIVE: seasonal_naive, **statsforecast_methods()}
    dump: list | None = [] if args.candidates else None
    variants = {name: lstmcast_method(VARIANTS[name], dump) for name in args.variant}
    if not args.no_neuralforecast:
        variants.update(neuralforecast_methods())  # same call as the lstmcast configurations
    names = list(methods) + ([COMBO] if all(k in methods for k in STAT_METHODS) else []) + list(variants)
    print(
        f"{len(cases)} series in {len({c.group for c in cases})} groups, up to {args.origins} origin(s) each; "
        f"methods: {', '.join(names)}"
    )

    start = time.perf_counter()
    records = []
    for i, case in enumerate(cases, 1):
        records.append(evaluate(case, methods, variants, args.origins, cache))
        ms = records[-1]["methods"]
        took = sum(r["seconds"] for r in ms.values())
        rels = " ".join(f"{k}={v['rel']:.3f}" for k, v in ms.items() if k not in ("naive", SNAIVE))
        print(
            f"[{i}/{len(cases)}] {case.group}/{case.name} n={len(case.y)} ({took:.1f} s) {rels}",
            file=sys.stderr,
            flush=True,
        )
        if args.candidates:  # written as it grows, so a long run can be read before it ends
            Path(args.candidates).write_text(json.dumps(_no_nan(dump)))
    total = time.perf_counter() - start
    if args.stat_cache:
        Path(args.stat_cache).write_text(json.dumps(cache))

    failures = [(r["series"], k, v["error"]) for r in records for k, v in r["methods"].items() if v["error"]]
    if failures:
        print("\nFailures")
        for series, method, err in failures:
            print(f"  {method} on {series}: {err}")
    real = [r for r in records if not r["group"].startswith("syn")]
    syn = [r for r in records if r["group"].startswith("syn")]
    summary = _print_block("Real series", real, names)
    _print_block("Synthetic families (reported apart: they reward what real series may not)", syn, names)
    print(f"\ntotal {total:.0f} s")

    if args.json:
        out = {
            "records": records,
            "summary": None if summary is None else json.loads(summary.to_json(orient="index")),
            "total_seconds": total,
        }
        with open(args.json, "w") as fh:
            json.dump(_no_nan(out), fh, indent=1)
        print(f"per-series results written to {args.json}")


if __name__ == "__main__":
    main()
