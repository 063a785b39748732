"""Many series, one model: accuracy on a real panel and the scale of the engine.

0. ``real``: two panels of the real development set (../shared/data/real): the five monthly departures
   series (h=24) and its seven quarterly series (h=8), each series' last h points held out. The global
   default (each series' combination with the statistical candidates) and its network alone
   (``combine=False``) against seasonal naive, AutoETS per series and NeuralForecast's global LSTM
   (where installed).
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
4. ``short``: synthetic, 60 monthly seasonal series, every other one cut to its last 15-20 months
   (the rest keep 200), the last 6 months of each held out, window 24, horizon 6. One global model
   on every series (the short ones left-padded with a mask) against today's behaviour: the model
   trained on the long series alone (short series added no window and were refused, so their
   fallback is naive or seasonal naive). Prints mean MASE and geometric means of the MAE ratios
   for the short series and for the long ones.
5. ``quarterly-draws``: 12 random quarterly panels (4 to 32 series) from the same data, one global
   model each with the default loss (mae) and with mse: panel-average MASE against seasonal naive.
6. ``covariates``: synthetic half-hourly demand driven by temperature and holidays (known in
   advance), 120 days, the last day held out: the default model with and without
   ``future=["temperature", "holiday"]``, MASE against seasonal naive (3 series x ``--seeds``).
7. ``combine-draws``: 24 random quarterly panels, the default against its own network alone (one fit each):
   whether the per-series combination the guard chose helped (not part of the default run).

    python benchmarks/panel.py                 # all
    python benchmarks/panel.py employment
    python benchmarks/panel.py quarterly
    python benchmarks/panel.py scale --series 20000
    python benchmarks/panel.py short
    python benchmarks/panel.py quarterly-draws
    python benchmarks/panel.py covariates --seeds 2
    python benchmarks/panel.py combine-draws
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
    train, test = hold_out(df, h)
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


def quarterly_series(folder: Path) -> tuple[pd.DataFrame, list]:
    """Quarterly means of the employment series (whole quarters only) as a long table, and the sorted ids."""
    df = employment_panel(folder)
    df["quarter"] = df["ds"].dt.to_period("Q").dt.start_time
    q = df.groupby(["unique_id", "quarter"]).agg(y=("y", "mean"), n=("y", "size")).reset_index()
    q = q[q["n"] == 3].rename(columns={"quarter": "ds"})[["unique_id", "ds", "y"]]
    return q, sorted(q["unique_id"].unique())


def quarterly_split(q: pd.DataFrame, pick: list, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The picked series' last 60 quarters, cut into (train, test): the last ``h`` of each held out."""
    return hold_out(q[q["unique_id"].isin(pick)].groupby("unique_id").tail(60), h)


def hold_out(df: pd.DataFrame, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of a long table sorted by id and time: the last ``h`` rows of each series held out."""
    row = df.groupby("unique_id").cumcount()
    n = df.groupby("unique_id")["y"].transform("size")
    return df[row < n - h], df[row >= n - h]


def quarterly(folder: Path | None) -> None:
    """Short quarterly panels: the global model (and its network alone), the default fitted per series, seasonal
    naive, AutoETS
    (statsforecast) and NeuralForecast's global LSTM (robust scaler, 500 steps), where installed.

    Prints per panel the panel-average MASE (issue 12's measure), the geometric mean of MASE
    relative to seasonal naive, and wins over seasonal naive.
    """
    if folder is None:
        print("quarterly: shared data folder not found (--data-dir); skipped")
        return
    q, ids = quarterly_series(folder)
    h, m = 8, 4
    rng = np.random.default_rng(0)
    ets, nf_global = _ets(), _nf_global()
    for size in (4, 8, 32):
        pick = list(rng.choice(ids, size, replace=False))
        train, test = quarterly_split(q, pick, h)
        t0 = time.perf_counter()
        glob_model = Forecaster(horizon=h, seed=0, verbose=0).fit(train)
        glob = glob_model.predict()
        glob_s = time.perf_counter() - t0
        print(f"  quarterly panel of {size}: {glob_model.choices_['combine'].reason}")
        alone = Forecaster(horizon=h, seed=0, verbose=0, combine=False).fit(train).predict()
        nf = nf_global(train, h) if nf_global else None
        mase: dict[str, list[float]] = {"snaive": [], "global": [], "global network alone": [], "per series": []}
        if ets:
            mase["AutoETS"] = []
        if nf is not None:
            mase["NF global LSTM"] = []
        for uid in pick:
            series = train[train["unique_id"] == uid].set_index("ds")["y"]
            y, actual = series.to_numpy(), test[test["unique_id"] == uid]["y"].to_numpy()
            scale = A.mase_scale(y, m)

            def err(f, actual=actual, scale=scale):
                return float(np.mean(np.abs(np.asarray(f, np.float64) - actual)) / scale)

            mase["snaive"].append(err(A.seasonal_naive(y, h, m)))
            mase["global"].append(err(glob[glob["unique_id"] == uid]["y"].to_numpy()))
            mase["global network alone"].append(err(alone[alone["unique_id"] == uid]["y"].to_numpy()))
            mase["per series"].append(err(Forecaster(horizon=h, seed=0, verbose=0).fit(series).predict().iloc[:, 0]))
            if ets:
                mase["AutoETS"].append(err(ets(y, h, m)))
            if nf is not None:
                mase["NF global LSTM"].append(err(nf[nf["unique_id"] == uid]["LSTM"].to_numpy()))
        print(f"quarterly panel of {size} (global fit {glob_s:.1f} s):")
        sn = np.asarray(mase["snaive"])
        for name, values in mase.items():
            v = np.asarray(values)
            print(
                f"  {name:21s} panel-average MASE {v.mean():.3f}  gmean MASE/snaive {A.geomean(v / sn):.3f}  "
                f"beats snaive on {int(np.sum(v < sn))}/{size}"
            )


REAL_PANELS = {  # series of the real development set (shared/data/real) that share a frequency, as panels
    "departures (monthly, 5 series)": [
        f"departures_{k}" for k in ("permanent", "reslong", "vislong", "resshort", "visshort")
    ],
    "quarterly (7 series)": [
        "euretail", "qauselec", "austourists", "UKgas", "JohnsonJohnson", "accommodation_vic", "uschange_consumption"
    ],
}  # fmt: skip


def real_panels(folder: Path | None) -> None:
    """Two panels of the real development set: the global default, seasonal naive and AutoETS (statsforecast,
    per series) on each series' last h points; panel-average MASE, the geometric mean of MASE relative to
    seasonal naive, and wins over it."""
    cases = {c.name: c for c in A.real_cases(folder)} if folder is not None else {}
    if not cases:
        print("real: the development set (shared/data/real) not found; skipped")
        return
    ets, nf_global = _ets(), _nf_global()
    for label, names in REAL_PANELS.items():
        picked = [cases[n] for n in names]
        h, m = picked[0].h, picked[0].m
        frames = [pd.DataFrame({"unique_id": c.name, "ds": c.y.index, "y": c.y.to_numpy()}) for c in picked]
        train, test = hold_out(pd.concat(frames, ignore_index=True), h)
        preds = {}
        for name, combine in (("global", True), ("network alone", False)):
            model = Forecaster(horizon=h, seasonal_period=m, seed=0, verbose=0, combine=combine).fit(train)
            preds[name] = model.predict(level=[80, 95]) if combine else model.predict()
            if combine:
                print(f"  {label}: {model.choices_['combine'].reason}")
                got = preds[name].merge(test, on=["unique_id", "ds"], suffixes=("", "_actual"))
                cover = {lv: np.mean((got[f"y-lo-{lv}"] <= got["y_actual"]) & (got["y_actual"] <= got[f"y-hi-{lv}"]))
                         for lv in (80, 95)}  # fmt: skip
                print(f"  {label}: pooled coverage 80% {100 * cover[80]:.1f}%, 95% {100 * cover[95]:.1f}%")
        nf = nf_global(train, h) if nf_global else None
        mase: dict[str, list[float]] = {"snaive": [], **{name: [] for name in preds}}
        if ets:
            mase["AutoETS"] = []
        if nf is not None:
            mase["NF global LSTM"] = []
        for c in picked:
            y = train[train["unique_id"] == c.name]["y"].to_numpy()
            actual = test[test["unique_id"] == c.name]["y"].to_numpy()
            scale = A.mase_scale(y, m)
            mase["snaive"].append(float(np.mean(np.abs(A.seasonal_naive(y, h, m) - actual)) / scale))
            for name, pred in preds.items():
                f = pred[pred["unique_id"] == c.name]["y"].to_numpy()
                mase[name].append(float(np.mean(np.abs(f - actual)) / scale))
            if ets:
                mase["AutoETS"].append(float(np.mean(np.abs(ets(y, h, m) - actual)) / scale))
            if nf is not None:
                f = nf[nf["unique_id"] == c.name]["LSTM"].to_numpy()
                mase["NF global LSTM"].append(float(np.mean(np.abs(f - actual)) / scale))
        print(f"real panel {label}:")
        sn = np.asarray(mase["snaive"])
        for name, values in mase.items():
            v = np.asarray(values)
            print(
                f"  {name:15s} panel-average MASE {v.mean():.3f}  gmean MASE/snaive {A.geomean(v / sn):.3f}  "
                f"beats snaive on {int(np.sum(v < sn))}/{len(v)}"
            )


def series_mase(train, test, pick, preds: dict, h: int, m: int) -> dict[str, list[float]]:
    """Per method (seasonal naive first, then each of ``preds``' long tables), the MASE of every series in ``pick``."""
    errors: dict[str, list[float]] = {"snaive": [], **{name: [] for name in preds}}
    for uid in pick:
        y = train[train["unique_id"] == uid]["y"].to_numpy()
        actual = test[test["unique_id"] == uid]["y"].to_numpy()
        scale = A.mase_scale(y, m)
        errors["snaive"].append(np.mean(np.abs(A.seasonal_naive(y, h, m) - actual)) / scale)
        for name, pred in preds.items():
            f = pred[pred["unique_id"] == uid]["y"].to_numpy()
            errors[name].append(np.mean(np.abs(f - actual)) / scale)
    return errors


def quarterly_draws(folder: Path | None) -> None:
    """12 random quarterly panels (4, 8, 16 and 32 series, 3 draws each, numpy seed 123): panel-average MASE
    of one global model per panel with the default loss (mae) and with the tutorials' mse, and seasonal naive."""
    if folder is None:
        print("quarterly-draws: shared data folder not found (--data-dir); skipped")
        return
    q, ids = quarterly_series(folder)
    h, m = 8, 4
    rng = np.random.default_rng(123)
    results: dict[str, list[float]] = {"snaive": [], "mae (default)": [], "mse": []}
    for size in (4, 8, 16, 32):
        for draw in range(3):
            pick = list(rng.choice(ids, size, replace=False))
            train, test = quarterly_split(q, pick, h)
            preds = {
                name: Forecaster(horizon=h, seed=0, verbose=0, loss=loss).fit(train).predict()
                for name, loss in (("mae (default)", "mae"), ("mse", "mse"))
            }
            errors = series_mase(train, test, pick, preds, h, m)
            line = []
            for name, values in errors.items():
                results[name].append(float(np.mean(values)))
                line.append(f"{name} {np.mean(values):.3f}")
            print(f"quarterly draw {size}/{draw}: panel-average MASE " + ", ".join(line), flush=True)
    print(
        "quarterly draws, geometric mean of the panel-average MASE: "
        + ", ".join(f"{name} {A.geomean(np.asarray(v)):.3f}" for name, v in results.items())
        + f"; mae better than mse on {sum(a < b for a, b in zip(results['mae (default)'], results['mse']))}/12"
    )


def combine_draws(folder: Path | None) -> None:
    """24 random quarterly panels (4, 8, 16 and 32 series, 3 draws each, numpy seeds 123 and 7): the default and
    its own network alone (the same fit, its per-series combination dropped), panel-average MASE, with the pooled
    validation ratio (network / best statistical candidate) that the guard compared with GUARD."""
    if folder is None:
        print("combine-draws: shared data folder not found (--data-dir); skipped")
        return
    from lstmcast.stats.combination import GUARD, NETWORK

    q, ids = quarterly_series(folder)
    h, m = 8, 4
    rows = []
    for seed in (123, 7):
        rng = np.random.default_rng(seed)
        for size in (4, 8, 16, 32):
            for draw in range(3):
                pick = list(rng.choice(ids, size, replace=False))
                train, test = quarterly_split(q, pick, h)
                model = Forecaster(horizon=h, seed=0, verbose=0).fit(train)
                comb = model.__dict__.get("combination_")
                ratio = float("nan")
                if comb is not None:
                    pooled = comb.pooled()
                    ratio = pooled[NETWORK] / min(v for k, v in pooled.items() if k != NETWORK)
                preds = {"default": model.predict()}
                model.__dict__.pop("combination_", None)
                preds["network alone"] = model.predict()
                errors = series_mase(train, test, pick, preds, h, m)
                r = {k: float(np.mean(v)) for k, v in errors.items()}
                rows.append((model.choices_["combine"].value, ratio, r))
                print(
                    f"draw {seed}/{size}/{draw}: {model.choices_['combine'].value}, pooled ratio {ratio:.3f}; "
                    + ", ".join(f"{k} {v:.3f}" for k, v in r.items()),
                    flush=True,
                )
    combined = [r for r in rows if r[0] == "per series"]
    for label, subset in (("all 24 panels", rows), (f"the {len(combined)} combined per series", combined)):
        line = ", ".join(f"{k} {A.geomean(np.asarray([r[2][k] for r in subset])):.3f}" for k in rows[0][2])
        print(f"combine draws, geometric mean of panel-average MASE over {label}: {line}")
    better = sum(r[2]["default"] < r[2]["network alone"] for r in combined)
    print(f"per-series combination better than the network alone on {better} of {len(combined)} (GUARD {GUARD})")


def _nf_global():
    """NeuralForecast's LSTM as one global model over the long table (robust scaler, 500 steps), or None."""
    try:
        import torch
        from neuralforecast import NeuralForecast
        from neuralforecast.models import LSTM
    except ImportError:
        print("neuralforecast not installed: its global LSTM left out (benchmarks/requirements-neuralforecast.txt)")
        return None
    import logging

    torch.set_num_threads(2)
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)

    def run(train: pd.DataFrame, h: int) -> pd.DataFrame:
        model = LSTM(
            h=h,
            scaler_type="robust",
            max_steps=500,
            random_seed=0,
            enable_progress_bar=False,
            enable_model_summary=False,
            logger=False,
            accelerator="cpu",
        )
        nf = NeuralForecast(models=[model], freq="QS")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nf.fit(df=train[["unique_id", "ds", "y"]])
            return nf.predict().reset_index()

    return run


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


def short_panel(n_series: int = 60, length: int = 200, short=(15, 20), seed: int = 0) -> pd.DataFrame:
    """Monthly series with a trend, a season of random amplitude and phase and 5% noise, all ending in
    December 2024; every other series keeps only its last 15-20 months (ids ``long<i>`` / ``short<i>``)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frames = []
    for i in range(n_series):
        level, amp, phase = rng.uniform(10, 1000), rng.uniform(0.1, 0.4), rng.uniform(0, 2 * np.pi)
        trend = rng.normal(0, 0.001)
        y = level * (1 + trend * t) * (1 + amp * np.sin(2 * np.pi * t / 12 + phase))
        y = y + rng.normal(0, 0.05 * level, length)
        n = length if i % 2 == 0 else int(rng.integers(short[0], short[1] + 1))
        ds = pd.date_range(end="2024-12-01", periods=n, freq="MS")
        frames.append(pd.DataFrame({"unique_id": f"{'long' if n == length else 'short'}{i}", "ds": ds, "y": y[-n:]}))
    return pd.concat(frames, ignore_index=True)


def short_series(seeds: int = 1) -> None:
    h, m, window = 6, 12, 24
    df = short_panel()
    back = df.groupby("unique_id").cumcount(ascending=False)  # 0 on each series' last row
    train, test = df[back >= h], df[back < h]
    is_short = train.groupby("unique_id")["y"].size() < window + h
    long_ids = set(is_short.index[~is_short])
    print(
        f"short: {len(is_short)} series, {int(is_short.sum())} with "
        f"{train.groupby('unique_id').size()[is_short].min()}-{train.groupby('unique_id').size()[is_short].max()} "
        f"training rows (window {window}), the rest {train.groupby('unique_id').size().max()}; last {h} held out"
    )
    rows = []
    for seed in range(seeds):
        settings = dict(horizon=h, window=window, seed=seed, verbose=0)
        t0 = time.perf_counter()
        padded = Forecaster(**settings).fit(train)
        padded_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        today = Forecaster(**settings).fit(train[train["unique_id"].isin(long_ids)])
        today_s = time.perf_counter() - t0
        with_pad, without = padded.predict(), today.predict()
        print(
            f"  seed {seed}: padded fit {padded_s:.1f} s ({len(padded.starts_['train'])} windows, network inputs "
            f"{padded.spec_.n_inputs}), long series only {today_s:.1f} s ({len(today.starts_['train'])} windows); "
            f"choices {', '.join(f'{k}={c.value!r}' for k, c in padded.choices_.items() if k != 'epochs')}"
        )
        for uid, g in train.groupby("unique_id", sort=True):
            y = g["y"].to_numpy(np.float64)
            actual = test[test["unique_id"] == uid]["y"].to_numpy(np.float64)
            scale = A.mase_scale(y, m)

            def mase(f, actual=actual, scale=scale):
                return float(np.mean(np.abs(np.asarray(f, np.float64) - actual)) / scale)

            rec = {"series": uid, "seed": seed, "short": bool(is_short[uid]), "rows": len(y)}
            rec["padded"] = mase(with_pad[with_pad["unique_id"] == uid]["y"])
            rec["naive"], rec["snaive"] = mase(A.naive(y, h, m)), mase(A.seasonal_naive(y, h, m))
            rec["today"] = mase(without[without["unique_id"] == uid]["y"]) if uid in long_ids else float("nan")
            rows.append(rec)
    res = pd.DataFrame(rows)
    for kind, part in (("short", res[res["short"]]), ("long", res[~res["short"]])):
        names = ["padded", "naive", "snaive"] + (["today"] if kind == "long" else [])
        means = ", ".join(f"{n} {part[n].mean():.3f}" for n in names)
        print(f"  {kind} series ({part['series'].nunique()} x {seeds} seed(s)): mean MASE {means}")
        pairs = [("padded", "naive"), ("padded", "snaive")] + ([("padded", "today")] if kind == "long" else [])
        if kind == "long":
            pairs.append(("today", "snaive"))
        for a, b in pairs:
            rel = part[a] / part[b]
            print(f"    gmean {a}/{b} {A.geomean(rel):.3f}, {a} better on {int((rel < 1).sum())}/{len(rel)}")


def half_hourly_demand(days: int = 120, seed: int = 0) -> pd.DataFrame:
    """Synthetic half-hourly demand driven by temperature (known in advance: a forecast), with daily and
    weekly cycles: demand rises with heat above 20 degrees and with cold below 12, and its noise is AR(1).
    Columns ``demand``, ``temperature``, ``holiday`` (1 on a few days with lower demand), half-hourly index."""
    rng = np.random.default_rng(seed)
    n = days * 48
    t = np.arange(n)
    day = t // 48
    weather = np.repeat(rng.normal(0, 4, days), 48)  # day-to-day weather swings
    temp = 18 + 6 * np.sin(2 * np.pi * (t / 48 - 9 / 24)) + weather + np.cumsum(rng.normal(0, 0.05, n))
    holiday = np.repeat((rng.random(days) < 0.05).astype(float), 48)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.8 * noise[i - 1] + rng.normal(0, 40)
    daily = 300 * np.sin(2 * np.pi * (t / 48 - 0.3)) + 150 * np.sin(4 * np.pi * t / 48)
    weekly = np.where((day % 7) >= 5, -250.0, 0.0)
    demand = (
        4000 + daily + weekly - 400 * holiday + 60 * np.maximum(temp - 20, 0) ** 1.3 + 40 * np.maximum(12 - temp, 0)
    ) + noise
    index = pd.date_range("2024-01-01", periods=n, freq="30min")
    return pd.DataFrame({"demand": demand, "temperature": temp, "holiday": holiday}, index=index)


def covariates(seeds: int) -> None:
    """A half-hourly series with covariates known in advance: the default model with and without
    ``future=["temperature", "holiday"]``, the last day (48 steps) held out, MASE at season 48 against
    seasonal naive, over several synthetic series and model seeds."""
    h, m = 48, 48
    rows = []
    for data_seed in range(3):
        df = half_hourly_demand(seed=data_seed)
        train, test = df.iloc[:-h], df.iloc[-h:]
        y, actual = train["demand"].to_numpy(), test["demand"].to_numpy()
        scale = A.mase_scale(y, m)
        snaive = np.mean(np.abs(A.seasonal_naive(y, h, m) - actual)) / scale
        for seed in range(seeds):
            plain = Forecaster(horizon=h, seed=seed, verbose=0).fit(train[["demand"]], target="demand")
            with_future = Forecaster(horizon=h, seed=seed, verbose=0).fit(
                train, target="demand", future=["temperature", "holiday"]
            )
            a = np.mean(np.abs(plain.predict().iloc[:, 0].to_numpy() - actual)) / scale
            b = np.mean(np.abs(with_future.predict(future=test[["temperature", "holiday"]]).iloc[:, 0] - actual))
            rows.append((data_seed, seed, snaive, a, b / scale))
            print(f"series {data_seed} seed {seed}: MASE snaive {snaive:.3f}  default {a:.3f}  future= {b / scale:.3f}")
    r = np.asarray(rows)
    print(
        f"half-hourly with covariates known in advance: mean MASE snaive {r[:, 2].mean():.3f}, default "
        f"{r[:, 3].mean():.3f}, with future= {r[:, 4].mean():.3f}; future= better in {int(np.sum(r[:, 4] < r[:, 3]))}"
        f"/{len(r)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "parts",
        nargs="*",
        default=["real", "employment", "quarterly", "quarterly-draws", "scale", "short", "covariates"],
        help="real, employment, quarterly, quarterly-draws, combine-draws, scale, short, covariates",
    )
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--data-dir")
    parser.add_argument("--seeds", type=int, default=1, help="short, covariates: model seeds (0, 1, ...)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    parts = {"real", "employment", "quarterly", "quarterly-draws", "combine-draws", "scale", "short", "covariates"}
    unknown = set(args.parts) - parts
    if unknown:
        parser.error(f"unknown part(s) {sorted(unknown)}: choose from {', '.join(sorted(parts))}")
    if "real" in args.parts:
        real_panels(A._shared_dir(args.data_dir))
    if "employment" in args.parts:
        employment(A._shared_dir(args.data_dir))
    if "quarterly" in args.parts:
        quarterly(A._shared_dir(args.data_dir))
    if "quarterly-draws" in args.parts:
        quarterly_draws(A._shared_dir(args.data_dir))
    if "combine-draws" in args.parts:
        combine_draws(A._shared_dir(args.data_dir))
    if "scale" in args.parts:
        scale(args.series, args.length)
    if "short" in args.parts:
        short_series(args.seeds)
    if "covariates" in args.parts:
        covariates(args.seeds)


if __name__ == "__main__":
    main()
