"""Many series, one model: accuracy on a real panel and the scale of the engine.

1. ``employment``: ../shared/data/us_employment.csv.gz (148 monthly US employment series; each
   series' observed span without interior gaps, the last 12 months held out). One global
   ``Forecaster(horizon=12, seed=0)`` on the long table (defaults), then ``predict()``: MASE of
   every series (scaled by its in-sample seasonal-naive MAE) against seasonal naive and, when
   statsforecast is installed, AutoETS fitted per series. Prints the geometric mean of MASE
   relative to seasonal naive, wins, and the seconds to fit and to forecast all series.
2. ``quarterly``: short quarterly panels of 4, 8 and 32 series made from the same data (quarterly
   means of the monthly values, each series' last 60 quarters, the last 8 held out; series drawn
   with numpy seed 0): the global model against the default model fitted per series, both as
   the geometric mean of MASE relative to seasonal naive and wins over it.
3. ``scale``: synthetic, 100,000 series of 200 points (integer ids, daily dates, seasonal
   noise), window 24, horizon 12, one model (ensemble=1), batch 1,024 windows, 2,000 optimizer
   steps (10 epochs of 200 sampled steps). Prints seconds to load the long table, to fit and to
   forecast every series, and the peak resident memory (targets: fit <= 180 s, forecast <= 10 s,
   peak <= 4 GB on the 2-core CPU).

    python benchmarks/panel.py                 # both
    python benchmarks/panel.py employment
    python benchmarks/panel.py quarterly
    python benchmarks/panel.py scale --series 20000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy as A  # noqa: E402

from lstmcast import Forecaster  # noqa: E402
from lstmcast.evaluate import probabilistic as PR  # noqa: E402

GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # quantiles of the scaled CRPS


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def employment_panel(folder: Path) -> pd.DataFrame:
    df = pd.read_csv(folder / "us_employment.csv.gz", parse_dates=["ds"])
    last = df["ds"].max()
    keep = []
    for _, g in df.sort_values("ds").groupby("unique_id", sort=True):
        obs = g.dropna(subset=["y"])
        if obs.empty or obs["ds"].iloc[-1] != last:
            continue
        span = g[(g["ds"] >= obs["ds"].iloc[0]) & (g["ds"] <= obs["ds"].iloc[-1])]
        if span["y"].isna().any():
            continue
        keep.append(span[["unique_id", "ds", "y"]])
    return pd.concat(keep, ignore_index=True)


def employment(folder: Path | None) -> None:
    if folder is None:
        print("employment: shared data folder not found (--data-dir); skipped")
        return
    h, m = 12, 12
    df = employment_panel(folder)
    train = df.groupby("unique_id", group_keys=False).apply(lambda g: g.iloc[:-h])
    test = df.groupby("unique_id", group_keys=False).apply(lambda g: g.iloc[-h:])
    n_series = df["unique_id"].nunique()
    print(f"employment: {n_series} series, {len(df)} rows, last {h} months of each held out")
    t0 = time.perf_counter()
    model = Forecaster(horizon=h, seed=0, verbose=0).fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = model.predict()
    predict_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bands = model.predict(level=[80, 95], quantiles=list(GRID))  # calibrates once (one more fit)
    interval_s = time.perf_counter() - t0
    ets = _ets()
    rows = []
    for uid, g in train.groupby("unique_id", sort=True):
        y = g["y"].to_numpy(np.float64)
        actual = test[test["unique_id"] == uid]["y"].to_numpy(np.float64)
        scale = A.mase_scale(y, m)
        rec = {
            "series": uid,
            "global": np.mean(np.abs(pred[pred["unique_id"] == uid]["y"].to_numpy() - actual)) / scale,
            "snaive": np.mean(np.abs(A.seasonal_naive(y, h, m) - actual)) / scale,
        }
        if ets is not None:
            rec["AutoETS"] = np.mean(np.abs(ets(y, h, m) - actual)) / scale
        b = bands[bands["unique_id"] == uid]
        for level in (80, 95):
            rec[f"inside_{level}"] = int(np.sum((b[f"y-lo-{level}"] <= actual) & (actual <= b[f"y-hi-{level}"])))
        q = np.stack([b[f"y-q-{round(100 * t)}"].to_numpy() for t in GRID], axis=-1)  # (h, Q)
        snq = PR.seasonal_naive_quantiles(y[:, None], np.array([len(y) - 1]), h, m, np.array(GRID), len(y))[0, :, 0]
        rec["crps"] = PR.scaled_crps(actual[None, :, None], q[None, :, None, :], np.array(GRID), scale)
        rec["snaive_crps"] = PR.scaled_crps(actual[None, :, None], snq[None, :, None, :], np.array(GRID), scale)
        rows.append(rec)
    res = pd.DataFrame(rows).set_index("series")
    for name in [c for c in ("global", "AutoETS") if c in res.columns]:
        rel = res[name] / res["snaive"]
        print(
            f"  {name:8s} gmean MASE/snaive {A.geomean(rel):.3f}, beats snaive on {int((rel < 1).sum())}/{len(res)}, "
            f"gmean MASE {A.geomean(res[name]):.3f}"
        )
    n_values = h * len(res)
    rel_crps = res["crps"] / res["snaive_crps"]
    print(
        f"  global intervals: 80% cover {100 * res['inside_80'].sum() / n_values:.1f}%, 95% cover "
        f"{100 * res['inside_95'].sum() / n_values:.1f}% of {n_values} held-out values; scaled CRPS "
        f"gmean/snaive {A.geomean(rel_crps):.3f}, beats seasonal naive's on {int((rel_crps < 1).sum())}/{len(res)}"
    )
    print(
        f"  global model: fit {fit_s:.1f} s, forecast of all {n_series} series {predict_s:.2f} s, "
        f"intervals (calibration included) {interval_s:.1f} s"
    )
    print(f"  choices: {', '.join(f'{k}={c.value!r}' for k, c in model.choices_.items())}")


def quarterly(folder: Path | None) -> None:
    if folder is None:
        print("quarterly: shared data folder not found (--data-dir); skipped")
        return
    df = employment_panel(folder)
    df["quarter"] = df["ds"].dt.to_period("Q").dt.start_time
    q = df.groupby(["unique_id", "quarter"]).agg(y=("y", "mean"), n=("y", "size")).reset_index()
    q = q[q["n"] == 3].rename(columns={"quarter": "ds"})[["unique_id", "ds", "y"]]
    ids = sorted(q["unique_id"].unique())
    h, m = 8, 4
    rng = np.random.default_rng(0)
    for size in (4, 8, 32):
        pick = list(rng.choice(ids, size, replace=False))
        p = q[q["unique_id"].isin(pick)].groupby("unique_id", group_keys=False).apply(lambda g: g.iloc[-60:])
        train = p.groupby("unique_id", group_keys=False).apply(lambda g: g.iloc[:-h])
        test = p.groupby("unique_id", group_keys=False).apply(lambda g: g.iloc[-h:])
        t0 = time.perf_counter()
        glob = Forecaster(horizon=h, seed=0, verbose=0).fit(train).predict()
        glob_s = time.perf_counter() - t0
        rel_global, rel_local = [], []
        for uid in pick:
            series = train[train["unique_id"] == uid].set_index("ds")["y"]
            y, actual = series.to_numpy(), test[test["unique_id"] == uid]["y"].to_numpy()
            scale = A.mase_scale(y, m)
            snaive = np.mean(np.abs(A.seasonal_naive(y, h, m) - actual)) / scale
            one = Forecaster(horizon=h, seed=0, verbose=0).fit(series).predict().iloc[:, 0].to_numpy()
            rel_global.append(np.mean(np.abs(glob[glob["unique_id"] == uid]["y"].to_numpy() - actual)) / scale / snaive)
            rel_local.append(np.mean(np.abs(one - actual)) / scale / snaive)
        print(
            f"quarterly panel of {size}: global gmean MASE/snaive {A.geomean(rel_global):.3f} "
            f"(beats snaive on {sum(r < 1 for r in rel_global)}/{size}, fit {glob_s:.1f} s); per series "
            f"{A.geomean(rel_local):.3f} ({sum(r < 1 for r in rel_local)}/{size})"
        )


def _ets():
    try:
        from statsforecast.models import AutoETS
    except ImportError:
        return None
    return lambda y, h, m: np.asarray(AutoETS(season_length=m).forecast(y=y, h=h)["mean"], np.float64)


def synthetic(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    level = rng.uniform(10, 1000, n_series)[:, None]  # (S, 1)
    phase = rng.uniform(0, 2 * np.pi, n_series)[:, None]
    y = (
        level * (1 + 0.2 * np.sin(2 * np.pi * t[None, :] / 7 + phase))
        + rng.normal(0, 1, (n_series, length)) * level * 0.05
    )
    ds = pd.date_range("2020-01-01", periods=length, freq="D")
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n_series, dtype=np.int64), length),
            "ds": np.tile(ds.to_numpy(), n_series),
            "y": y.ravel(),
        }
    )


def scale(n_series: int, length: int) -> None:
    t0 = time.perf_counter()
    df = synthetic(n_series, length)
    make_s = time.perf_counter() - t0
    print(f"scale: {n_series} series x {length} points ({len(df):,} rows, built in {make_s:.1f} s)")
    model = Forecaster(
        horizon=12, window=24, seed=0, verbose=0, ensemble=1, batch_size=1024, steps_per_epoch=200, epochs=10
    )
    t0 = time.perf_counter()
    from lstmcast.data.panel_load import load_panel

    panel = load_panel(df)
    load_s = time.perf_counter() - t0
    del df
    t0 = time.perf_counter()
    model.fit(panel)
    fit_s = time.perf_counter() - t0
    steps = sum(1 for _ in model.history_.loss) * 200
    t0 = time.perf_counter()
    pred = model.predict()
    predict_s = time.perf_counter() - t0
    print(f"  load {load_s:.1f} s; fit {fit_s:.1f} s ({steps} steps of 1024 windows, compiling included)")
    print(f"  forecast of all {n_series} series x 12 steps: {predict_s:.2f} s ({len(pred):,} rows)")
    print(f"  peak resident memory {peak_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "parts", nargs="*", default=["employment", "quarterly", "scale"], help="employment, quarterly, scale"
    )
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    unknown = set(args.parts) - {"employment", "quarterly", "scale"}
    if unknown:
        parser.error(f"unknown part(s) {sorted(unknown)}: choose from employment, quarterly, scale")
    if "employment" in args.parts:
        employment(A._shared_dir(args.data_dir))
    if "quarterly" in args.parts:
        quarterly(A._shared_dir(args.data_dir))
    if "scale" in args.parts:
        scale(args.series, args.length)


if __name__ == "__main__":
    main()
