"""Covariates known in advance: do they help the forecast, and does reading them at their level help more?

Two series, each forecast from several rolling origins a horizon apart, with and without the
covariates, and with the covariates read two ways by the network's head:

- ``relative``: minus their mean over the window (as the targets are, relative to the window's level);
- ``level``: as the training rows' scaler left them, so a temperature of 30 degrees means the same
  in every window (demand reacts to temperature's level: heating below some degrees, cooling above).

Series:

- elecdaily (shared data folder, benchmarks only): daily electricity demand in Victoria in 2014 with
  the day's maximum temperature and a working-day flag; m=7, h=14, the last 4 origins;
- synthetic half-hourly demand (numpy seed 7): a daily profile, a U-shaped response to a smooth
  temperature (cooling above 22 degrees, heating below 14), a working-day flag, noise; m=48, h=48.

Printed: MASE (scaled by the in-sample seasonal-naive error) per setting, the mean over origins,
relative to seasonal naive. The default ``combine=True`` and the network alone (``combine=False``);
``covariates`` lists, per origin, whether the validation let the network read them (``read``) or not
(``ignored``), and the ``unvalidated`` setting skips that validation (the default before it existed).

    python benchmarks/covariates.py [--origins 4] [--only elecdaily]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import lstmcast.fitting as fitting
import lstmcast.series_model as F
from lstmcast import Forecaster


def elecdaily(folder: Path) -> tuple[pd.DataFrame, int, int]:
    df = pd.read_csv(folder / "elecdaily.csv", parse_dates=["ds"]).set_index("ds")
    df.index = pd.DatetimeIndex(df.index, freq="D", name="ds")
    return df.rename(columns={"demand": "y"})[["y", "temperature", "workday"]], 7, 14


def synthetic(seed: int = 7, days: int = 60) -> tuple[pd.DataFrame, int, int]:
    rng = np.random.default_rng(seed)
    n = days * 48
    t = np.arange(n)
    day = t // 48
    temp = 18 + 8 * np.sin(2 * np.pi * day / 60) + np.cumsum(rng.normal(0, 0.3, n)) / 20
    temp += 4 * np.sin(2 * np.pi * (t % 48) / 48 - 2)
    workday = ((day % 7) < 5).astype(float)
    profile = 1 + 0.3 * np.sin(2 * np.pi * (t % 48) / 48 - 1.5)
    load = 100 * profile + 6 * np.maximum(temp - 22, 0) ** 1.5 + 5 * np.maximum(14 - temp, 0) ** 1.5
    load = load + 15 * workday * profile + rng.normal(0, 3, n)
    idx = pd.date_range("2024-01-01", periods=n, freq="30min", name="ds")
    return pd.DataFrame({"y": load, "temperature": temp, "workday": workday}, index=idx), 48, 48


def mase(train: np.ndarray, test: np.ndarray, fc: np.ndarray, m: int) -> float:
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(fc - test)) / scale)


def run(name: str, df: pd.DataFrame, m: int, h: int, origins: int, combines=(False, True), only=None) -> None:
    settings = {
        "no covariates": dict(future=None, relative=True),
        "covariates, relative": dict(future=["temperature", "workday"], relative=True),
        "covariates, level": dict(future=["temperature", "workday"], relative=False),
        "covariates, encoder": dict(future=["temperature", "workday"], relative=True, encoder=fitting.FUTURE_ENCODER),
        # the default before a second validation copy decided whether the network reads them (series_model.py)
        "covariates, encoder, unvalidated": dict(
            future=["temperature", "workday"], relative=True, encoder=fitting.FUTURE_ENCODER, unvalidated=True
        ),
    }
    settings = {k: v for k, v in settings.items() if not only or k in only}
    encoder, validate = fitting.FUTURE_ENCODER, F._validate_covariates
    rows = []
    for combine in combines:
        for label, s in settings.items():
            scores, snaive, took, read = [], [], 0.0, []
            F._validate_covariates = (lambda model, s, cfg, copy, *a: copy) if s.get("unvalidated") else validate
            for j in range(origins):
                end = len(df) - h - j * h
                train, test = df.iloc[:end], df.iloc[end : end + h]
                F.FUTURE_RELATIVE = s["relative"]
                fitting.FUTURE_ENCODER = s.get("encoder", 0)
                t0 = time.perf_counter()
                model = Forecaster(horizon=h, seasonal_period=m, seed=0, combine=combine)
                if s["future"]:
                    model.fit(train, target="y", future=s["future"])
                    pred = model.predict(future=test[s["future"]])
                else:
                    model.fit(train[["y"]], target="y")
                    pred = model.predict()
                took += time.perf_counter() - t0
                if "future" in model.choices_:
                    read.append(model.choices_["future"].value)
                y = train["y"].to_numpy()
                scores.append(mase(y, test["y"].to_numpy(), pred["y"].to_numpy(), m))
                snaive.append(mase(y, test["y"].to_numpy(), y[len(y) - m + np.arange(h) % m], m))
            rows.append(
                {
                    "series": name,
                    "combine": combine,
                    "setting": label,
                    "MASE": np.mean(scores),
                    "rel. snaive": np.mean(scores) / np.mean(snaive),
                    "s/fit": took / origins,
                    "covariates": "/".join(read) or "-",
                }
            )
            print(rows[-1], flush=True)
    F.FUTURE_RELATIVE, fitting.FUTURE_ENCODER, F._validate_covariates = True, encoder, validate
    print(pd.DataFrame(rows).round(3).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--days", type=int, default=60, help="length of the synthetic series, in days of 48 points")
    parser.add_argument("--only", nargs="+", default=["elecdaily", "synthetic"])
    parser.add_argument("--data-dir", default="/work/shared/data")
    parser.add_argument("--combine", choices=["both", "on", "off"], default="both", help="combine=True, False or both")
    parser.add_argument("--settings", nargs="+", help="only these settings, e.g. 'no covariates'")
    args = parser.parse_args()
    combines = {"both": (False, True), "on": (True,), "off": (False,)}[args.combine]
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 200)
    if "elecdaily" in args.only and (Path(args.data_dir) / "elecdaily.csv").exists():
        run("elecdaily", *elecdaily(Path(args.data_dir)), args.origins, combines, args.settings)
    if "synthetic" in args.only:
        run("synthetic half-hourly", *synthetic(days=args.days), args.origins, combines, args.settings)


if __name__ == "__main__":
    main()
