"""Prediction intervals of the default Forecaster: coverage, width, MSIS and scaled CRPS against baselines.

The series and the hold-out are those of ``benchmarks/accuracy.py`` (the last h points of
each series held out; the model is fitted on the rest exactly as a new user would:
``Forecaster(horizon=h, seasonal_period=m, seed=0)``; the real development set first). Each
method gives the 80% and 95% central intervals and 19 quantiles (0.05, 0.10, ..., 0.95):

- ``lstmcast``: ``predict(level=[80, 95], quantiles=...)``: conformal intervals by default
  (``--variant`` picks other configurations, e.g. ``quantile`` or ``normal`` heads);
- ``snaive``: seasonal naive with normal intervals from its in-sample residuals, sd growing
  with the square root of the seasons ahead (fpp3 5.5);
- ``AutoETS``: statsforecast's own intervals (``level=``), when statsforecast is installed.

Printed: pooled coverage of the 80% and 95% intervals over all series and steps (the target:
75-85% and 90-98%), coverage per group, the geometric mean over series of MSIS and scaled CRPS
relative to seasonal naive's, and on how many series the method's scaled CRPS beats seasonal
naive's.

    python benchmarks/intervals.py
    python benchmarks/intervals.py --only shipped syn --limit 2
    python benchmarks/intervals.py --variant lstmcast quantile normal
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy as A  # noqa: E402  (the benchmark set and its rules)

from lstmcast import Forecaster  # noqa: E402
from lstmcast.evaluate import probabilistic as PR  # noqa: E402
from lstmcast.uncertainty.names import all_quantiles, level_columns, quantile_column  # noqa: E402

LEVELS = (80.0, 95.0)
GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # the CRPS grid: 0.05 .. 0.95
TAUS = all_quantiles(LEVELS, GRID)  # (Q,)


def _variant(**settings):
    def make(h: int, m: int, has_calendar: bool) -> Forecaster:
        extra = {"seasonal_period": m}  # as the held-out acceptance calls it: the season is always given
        return Forecaster(horizon=h, seed=0, **extra, **settings)

    return make


VARIANTS = {
    "lstmcast": _variant(),
    "network": _variant(combine=False),  # the LSTM alone (the default before combine=True)
    "quantile": _variant(loss="quantile", quantiles=tuple(TAUS)),
    "normal": _variant(loss="normal"),
    "studentt": _variant(loss="studentt"),
    "prior": _variant(init="prior"),  # the network starts from the shipped pretrained prior
}


def lstmcast_quantiles(factory):
    def run(train: pd.Series, h: int, m: int, has_calendar: bool) -> np.ndarray:
        model = factory(h, m, has_calendar).fit(train)
        frame = model.predict(level=list(LEVELS), quantiles=list(GRID))
        name = frame.columns[0]
        cols = {}
        for level in LEVELS:
            lo, hi = level_columns(name, level)
            cols[round((1 - level / 100) / 2, 10)] = frame[lo]
            cols[round(1 - (1 - level / 100) / 2, 10)] = frame[hi]
        for q in GRID:
            cols[round(q, 10)] = frame[quantile_column(name, q)]
        return np.stack([np.asarray(cols[round(float(t), 10)], np.float64) for t in TAUS], axis=-1)  # (h, Q)

    return run


def snaive_quantiles(train: np.ndarray, h: int, m: int) -> np.ndarray:
    y = train[:, None]  # (rows, 1)
    period = m if len(train) > m else 1
    q = PR.seasonal_naive_quantiles(y, np.array([len(train) - 1]), h, period, TAUS, len(train))
    return q[0, :, 0, :]  # (h, Q)


def autoets_quantiles():
    try:
        from statsforecast.models import AutoETS
    except ImportError:
        print("statsforecast not installed: AutoETS left out (pip install statsforecast)")
        return None

    def as_level(t):  # statsforecast names columns after the level object given: 80 -> "lo-80", 10.0 -> "lo-10.0"
        v = round(100 * abs(2 * t - 1), 6)
        return int(v) if v == int(v) else v

    levels = sorted({as_level(t) for t in TAUS if abs(t - 0.5) > 1e-9})

    def run(train: np.ndarray, h: int, m: int) -> np.ndarray:
        out = AutoETS(season_length=m).forecast(y=train, h=h, level=levels)
        cols = []
        for t in TAUS:
            if abs(t - 0.5) < 1e-9:
                cols.append(out["mean"])
                continue
            key = f"{'lo' if t < 0.5 else 'hi'}-{as_level(t)}"
            cols.append(out[key])
        return np.stack([np.asarray(c, np.float64) for c in cols], axis=-1)

    run(100 + 10 * np.sin(np.arange(48) * 2 * np.pi / 12) + np.arange(48), 6, 12)  # numba compiles on first use
    return run


def score(test: np.ndarray, q: np.ndarray, scale: float) -> dict:
    """test (h,), q (h, Q) -> the interval metrics of one series."""
    y = test[None, :, None]  # (1, h, 1)
    qq = q[None, :, None, :]  # (1, h, 1, Q)
    grid = np.isin(np.round(TAUS, 10), np.round(GRID, 10))
    out = {"scaled_crps": PR.scaled_crps(y, qq[..., grid], TAUS[grid], scale)}
    for level in LEVELS:
        lo, hi = PR.interval_pair(qq, TAUS, level)
        tag = f"{level:g}"
        out[f"cover_{tag}"] = PR.coverage(y, lo, hi)
        out[f"inside_{tag}"] = float(np.sum((lo <= y) & (y <= hi)))
        out[f"msis_{tag}"] = PR.msis(y, lo, hi, level, scale)
        out[f"width_{tag}"] = PR.width(lo, hi) / scale
    out["n"] = len(test)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", help="dataset groups (prefixes, as in accuracy.py)")
    parser.add_argument("--limit", type=int, help="at most this many series per group")
    parser.add_argument("--variant", nargs="+", choices=sorted(VARIANTS), default=["lstmcast"])
    parser.add_argument("--data-dir", help="folder with us_employment.csv.gz and elecdaily.csv")
    parser.add_argument("--per-series", action="store_true", help="also print each series' values inside each interval")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 200)

    cases = []
    folder = A._shared_dir(args.data_dir)
    if folder is not None:
        cases += A.real_cases(folder) + A.employment_cases(folder) + A.elec_cases(folder)
    cases += A.shipped_cases() + A.synthetic_cases()
    if args.only:
        cases = [c for c in cases if any(c.group.startswith(p) for p in args.only)]
    if args.limit:
        seen: dict[str, int] = {}
        cases = [c for c in cases if seen.update({c.group: seen.get(c.group, 0) + 1}) or seen[c.group] <= args.limit]

    methods = {"snaive": lambda tr, s, h, m, cal: snaive_quantiles(tr, h, m)}
    ets = autoets_quantiles()
    if ets is not None:
        methods["AutoETS"] = lambda tr, s, h, m, cal: ets(tr, h, m)
    for name in args.variant:
        run = lstmcast_quantiles(VARIANTS[name])
        methods[name] = lambda tr, s, h, m, cal, run=run: run(s, h, m, cal)
    print(f"{len(cases)} series; methods: {', '.join(methods)}; levels {LEVELS}; CRPS on {len(GRID)} quantiles")

    rows = []
    for i, case in enumerate(cases, 1):
        train_s = case.y.iloc[: -case.h]
        train, test = train_s.to_numpy(np.float64), case.y.to_numpy(np.float64)[-case.h :]
        scale = A.mase_scale(train, case.m)
        for name, fn in methods.items():
            t0 = time.perf_counter()
            try:
                q = fn(train, train_s, case.h, case.m, case.has_calendar)
                if q.shape != (case.h, len(TAUS)) or not np.all(np.isfinite(q)):
                    raise ValueError(f"quantiles of shape {q.shape}, {int(np.sum(~np.isfinite(q)))} non-finite")
                rec, err = score(test, q, scale), None
            except Exception as exc:  # noqa: BLE001 - every failure is recorded
                rec, err = {}, f"{type(exc).__name__}: {exc}"
            rows.append(
                {
                    "series": case.name,
                    "group": case.group,
                    "method": name,
                    "seconds": time.perf_counter() - t0,
                    "error": err,
                    **rec,
                }
            )
        print(f"[{i}/{len(cases)}] {case.group}/{case.name}", file=sys.stderr, flush=True)

    df = pd.DataFrame(rows)
    fails = df[df["error"].notna()]
    for _, r in fails.iterrows():
        print(f"FAILED {r['method']} on {r['series']}: {r['error']}")
    ok = df[df["error"].isna()]
    base = ok[ok["method"] == "snaive"].set_index("series")

    summary = []
    for name in methods:
        d = ok[ok["method"] == name].set_index("series")
        common = d.index.intersection(base.index)
        rel_crps = d.loc[common, "scaled_crps"] / base.loc[common, "scaled_crps"]
        rel_msis = d.loc[common, "msis_95"] / base.loc[common, "msis_95"]
        summary.append(
            {
                "method": name,
                "cover 80": 100 * d["inside_80"].sum() / d["n"].sum(),
                "cover 95": 100 * d["inside_95"].sum() / d["n"].sum(),
                "width 80 (scaled)": A.geomean(d["width_80"]),
                "gmean CRPS/snaive": A.geomean(rel_crps),
                "CRPS beats snaive": f"{int((rel_crps < 1).sum())}/{len(common)}" if name != "snaive" else "-",
                "gmean MSIS95/snaive": A.geomean(rel_msis),
                "failed": int((df["method"] == name).sum() - len(d)),
                "s/fit": float(df[df["method"] == name]["seconds"].mean()),
            }
        )
    per_group = (
        ok.assign(c80=ok["inside_80"], c95=ok["inside_95"]).groupby(["group", "method"])[["c80", "c95", "n"]].sum()
    )
    per_group["cover 80"] = 100 * per_group["c80"] / per_group["n"]
    per_group["cover 95"] = 100 * per_group["c95"] / per_group["n"]
    if args.per_series:
        inside = ok.pivot_table(index=["group", "series"], columns="method", values=["inside_80", "inside_95"])
        inside[("n", "")] = ok.groupby(["group", "series"])["n"].first()
        print("\nValues inside the 80% and 95% intervals per series (of n held-out values)")
        print(inside.astype(int).to_string())
    print("\nCoverage per group (% of held-out values inside the interval)")
    print(per_group[["cover 80", "cover 95"]].unstack("method").round(1).to_string())
    print(f"\nSummary over {len(cases)} series (coverage pooled over series and steps; targets 75-85 and 90-98)")
    print(pd.DataFrame(summary).set_index("method").round(3).to_string())


if __name__ == "__main__":
    main()
