"""Accuracy against the baselines on shipped datasets, with each dataset's recommended settings.

airpassengers: last 24 months held out; sunspots: last 20 years held out, seasonal period 11.
One-step-ahead forecasts of every test month/year, scored on the original scale.

    python benchmarks/accuracy.py [--seeds 0 1 2]
"""

import argparse
import warnings

import pandas as pd

from lstmcast import Forecaster, datasets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    pd.set_option("display.width", 120)
    for name in ("airpassengers", "sunspots"):
        settings = datasets.info(name).recommended
        for seed in args.seeds:
            model = Forecaster(seed=seed, **settings)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(datasets.load(name))
                ev = model.evaluate()
            print(f"\n{name}, Forecaster({', '.join(f'{k}={v!r}' for k, v in settings.items())}, seed={seed})")
            print(f"{ev.n_windows} one-step forecasts, seasonal period {ev.period}")
            print(ev.table.round(3).to_string())
            verdict = "beats" if ev.beats_seasonal_naive else "does NOT beat"
            print(f"model {verdict} seasonal naive; skill vs best baseline ({ev.best_baseline}): {ev.skill:+.1%} MAE")


if __name__ == "__main__":
    main()
