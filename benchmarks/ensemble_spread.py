"""Does the seed ensemble's spread help conformal intervals? Normalized scores |e|/(s+d) vs plain |e|.

Normalized conformal prediction: each calibration error is divided by the spread (standard
deviation, of logs when the model forecasts log y) of the members' forecasts at that origin and
step, plus d = half the median spread; the interval at the forecast origin is the point forecast
+- the conformal quantile times the final model's own member spread (+ d). Same series and
hold-out as benchmarks/accuracy.py (syn_short, too short to calibrate, left out). Prints, per
series, coverage and MSIS of both, then the mean coverage and the geometric mean of the MSIS
ratio (spread / plain; below 1 means the spread helps).

    python benchmarks/ensemble_spread.py
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy as A  # noqa: E402

from lstmcast import Forecaster  # noqa: E402
from lstmcast.evaluate import probabilistic as PR  # noqa: E402
from lstmcast.series_model import fit_series  # noqa: E402
from lstmcast.strategies import get_strategy  # noqa: E402
from lstmcast.uncertainty.conformal import CALIBRATION_FIXED  # noqa: E402

LEVELS = (80.0, 95.0)


def member_paths(model, values, raw, starts, horizon) -> np.ndarray:
    """(members, n, H, targets) forecasts of each member on the original scale."""
    z = get_strategy(model.config_["strategy"]).forecast(
        model.params_, model.spec_, model.loss_, values, starts, horizon
    )
    members, n = z.shape[:2]
    levels = model.transforms_.history_levels(raw, starts + model.config_["window"] - 1)
    p = model.transforms_.to_original(z.reshape(members * n, *z.shape[2:]), np.tile(levels, (members, 1, 1)))
    return p.reshape(z.shape)


def spread(paths: np.ndarray, log: bool) -> np.ndarray:
    return (np.log(paths) if log else paths).std(axis=0)  # (n, H, targets)


def one_series(case) -> dict | None:
    train, test = case.y.iloc[: -case.h], case.y.to_numpy()[-case.h :]
    extra = {} if case.has_calendar else {"seasonal_period": case.m}
    model = Forecaster(horizon=case.h, seed=0, **extra).fit(train)
    model.calibrate()
    cal, cfg, s = model.calibration_, model.config_, model.series_
    if cal.method != "conformal":
        return None
    n = model.split_.train_end
    raw = s.values[:n, :1]
    # the calibration copy, rebuilt the same way calibrate() builds it, for its members' spread
    sub = Forecaster(**{**model.get_params(), **{k: cfg[k] for k in CALIBRATION_FIXED}, "test": 0, "verbose": 0})
    fit_series(sub, dataclasses.replace(s, index=s.index[: cal.cutoff], values=s.values[: cal.cutoff]), sub._checked())
    first = np.arange(cal.origins) + cal.cutoff - 1
    cal_spread = spread(
        member_paths(sub, sub.transforms_.to_model_space(s.values[:n]), raw, first - cfg["window"] + 1, case.h),
        cfg["log"],
    )  # (origins, H, 1)
    tail = s.values[-(cfg["window"] + model.transforms_.target.lag) :]
    paths = member_paths(
        model, model.transforms_.to_model_space(tail), tail[:, :1], np.array([model.transforms_.target.lag]), case.h
    )
    final_spread = spread(paths, cfg["log"])[0, :, 0]  # (H,)
    point = np.median(paths, axis=0)[0, :, 0]
    d = 0.5 * np.median(cal_spread, axis=0)[:, 0] + 1e-12  # (H,)
    errors = np.abs(cal.errors[:, :, 0])  # (origins, H)
    scale = A.mase_scale(train.to_numpy(), case.m)
    out = {"series": case.name}
    for name, scores, mult in (
        ("plain", errors, np.ones_like(final_spread)),
        ("spread", errors / (cal_spread[:, :, 0] + d), final_spread + d),
    ):
        ranked = np.sort(scores, axis=0)
        k = ranked.shape[0]
        for level in LEVELS:
            w = ranked[min(int(np.ceil((k + 1) * level / 100 - 1e-9)), k) - 1] * mult  # (H,)
            lo, hi = (point * np.exp(-w), point * np.exp(w)) if cfg["log"] else (point - w, point + w)
            tag = f"{level:g}"
            out[f"{name}_cov{tag}"] = float(np.mean((lo <= test) & (test <= hi)))
            out[f"{name}_msis{tag}"] = PR.msis(test[None, :, None], lo[None, :, None], hi[None, :, None], level, scale)
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    folder = A._shared_dir(None)
    cases = A.shipped_cases()
    if folder is not None:
        cases += A.employment_cases(folder) + A.elec_cases(folder)
    cases += [c for c in A.synthetic_cases() if c.group != "syn_short"]
    rows = []
    for case in cases:
        rec = one_series(case)
        if rec is not None:
            rows.append(rec)
            print(rec, flush=True)
    df = pd.DataFrame(rows)
    print(df.mean(numeric_only=True).round(3).to_string())
    for level in LEVELS:
        tag = f"{level:g}"
        ratio = A.geomean(df[f"spread_msis{tag}"] / df[f"plain_msis{tag}"])
        print(f"gmean MSIS{tag} spread/plain over {len(df)} series: {ratio:.3f}")


if __name__ == "__main__":
    main()
