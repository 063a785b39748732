"""The statistical candidates alone, by how many of the newest seasons their seasonal indices read.

Each of SES, the damped trend and Theta forecasts the seasonally adjusted history
(:mod:`lstmcast.stats.seasonal`) from the last ``--origins`` origins of every series of the
development set (``../shared/data/real``), a horizon apart, with the same ``fit_params`` and
``members`` that ``fit`` calls. Printed per setting of ``lstmcast.stats.seasonal.RECENT``: the
geometric mean over series of MASE relative to seasonal naive's, and how many series beat it.
No network is trained; it runs in seconds.

    python benchmarks/seasonal_indices.py
    python benchmarks/seasonal_indices.py --recent 3 5 8 1000000
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

import lstmcast.stats.seasonal as seasonal
from lstmcast.stats import combination as C

SMOOTHERS = ("ses", "damped", "theta")


def run(data: Path, origins: int) -> dict[str, tuple[float, int]]:
    df = pd.read_csv(data / "real_series.csv")
    spec = json.loads((data / "specs.json").read_text())
    rels: dict[str, list[float]] = {k: [] for k in SMOOTHERS}
    for name, sp in spec.items():
        y = df.loc[df.unique_id == name, "y"].to_numpy(np.float64)
        m, h = int(sp["m"]), int(sp["h"])
        err = {k: 0.0 for k in (*SMOOTHERS, "snaive")}
        for o in range(origins):
            end = len(y) - h - o * h
            train, test = y[:end, None], y[end : end + h]
            params = C.fit_params(train, m)
            f = C.members(np.zeros((1, h, 1)), train, np.array([end - 1]), h, m, params, C.CONTEXT, tuple(err))
            scale = C.mase_scale(train, m)[0]
            for k in err:
                err[k] += np.mean(np.abs(f[k][0, :, 0] - test)) / scale
        for k in SMOOTHERS:
            rels[k].append(err[k] / err["snaive"])
    return {k: (float(np.exp(np.mean(np.log(v)))), int(np.sum(np.asarray(v) < 1))) for k, v in rels.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recent", nargs="+", type=int, default=[3, 4, 5, 6, 8, 1_000_000])
    parser.add_argument("--origins", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/real")
    args = parser.parse_args()
    rows = []
    for recent in args.recent:
        seasonal.RECENT = recent
        out = run(args.data_dir, args.origins)
        rows.append({"newest seasons": recent, **{k: f"{g:.3f} ({w})" for k, (g, w) in out.items()}})
    print(pd.DataFrame(rows).set_index("newest seasons").to_string())
    print("(geometric mean of MASE / seasonal naive's, series beating it in brackets; 1000000 = the whole context)")


if __name__ == "__main__":
    main()
