"""Offline comparison of combination rules from a candidates dump of benchmarks/accuracy.py.

    python benchmarks/accuracy.py --only real --origins 2 --candidates cand.json --json acc.json
    python benchmarks/combination_rules.py cand.json [more]

For every series and origin, the dump holds each candidate's validation score (MASE on the newest
training rows, :mod:`lstmcast.stats.combination`) and its forecast of the held-out points; a rule maps
the scores to weights. Printed: per rule, the geometric mean of MASE relative to seasonal naive and the
wins over seasonal naive, on the same points as accuracy.py. Nothing here is fitted: it only re-weighs.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd

from lstmcast.stats.combination import choose


def top(k, keep=np.inf, pool=None):
    def rule(s):
        items = sorted((v, n) for n, v in s.items() if (pool is None or n in pool) and np.isfinite(v))
        best = items[0][0]
        kept = [n for v, n in items[:k] if v <= keep * best + 1e-12]
        return {n: 1 / len(kept) for n in kept}

    return rule


def inverse(power=1, pool=None):
    def rule(s):
        w = {n: 1 / max(v, 1e-9) ** power for n, v in s.items() if (pool is None or n in pool) and np.isfinite(v)}
        t = sum(w.values())
        return {n: v / t for n, v in w.items()}

    return rule


def fixed(names):
    return lambda s: {n: 1 / len(names) for n in names}


def dominant(ratio):
    """The default rule, except that a network validating at most ``ratio`` times the best other candidate's score
    forecasts alone (a clean signal the network reads far better than any smoother)."""

    def rule(s):
        others = [v for n, v in s.items() if n != "network" and np.isfinite(v)]
        if "network" in s and np.isfinite(s["network"]) and others and s["network"] <= ratio * min(others):
            return {"network": 1.0}
        return choose(s)

    return rule


STATS = ("ses", "damped", "theta")
RULES = {
    "default": choose,  # lstmcast.stats.combination's rule, the one fit uses
    "alone<0.5": dominant(0.5),
    "alone<0.33": dominant(1 / 3),
    "alone<0.2": dominant(0.2),
    "network": fixed(["network"]),
    "theta": fixed(["theta"]),
    "damped": fixed(["damped"]),
    "best": top(1),
    "top2": top(2),
    "top3": top(3),
    "top3<1.25": top(3, 1.25),
    "top3<1.5": top(3, 1.5),
    "top4<1.5": top(4, 1.5),
    "top2<1.25": top(2, 1.25),
    "inv1": inverse(1),
    "inv2": inverse(2),
    "inv2-nonaive": inverse(2, pool=("network", "snaive", *STATS)),
    "net+stats": fixed(["network", *STATS]),
    "net+theta+damped": fixed(["network", "theta", "damped"]),
    "top3-nonaive<1.5": top(3, 1.5, pool=("network", "snaive", *STATS)),
}


def mase_scale(train, m):
    lag = m if len(train) >= m + 1 else 1
    s = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    if s == 0.0 and lag != 1:
        s = float(np.mean(np.abs(np.diff(train))))
    return s


def main():
    dump = json.loads(open(sys.argv[1]).read())
    from accuracy import _shared_dir, real_cases  # noqa: PLC0415 - the same series

    cases = {c.name: c for c in real_cases(_shared_dir(None))}
    if len(sys.argv) > 3:  # more groups' series
        import accuracy as A

        for c in A.employment_cases(A._shared_dir(None)) + A.elec_cases(A._shared_dir(None)):
            cases[c.name] = c
    rows = {}
    for d in dump:
        c = cases.get(d["series"])
        if c is None:
            continue
        y = c.y.to_numpy(np.float64)
        end = d["end"]
        train, test = y[:end], y[end : end + c.h]
        scale = mase_scale(train, c.m)
        sn = (
            train[len(train) - c.m + np.arange(c.h) % c.m]
            if c.m > 1 and len(train) >= c.m
            else np.repeat(train[-1], c.h)
        )
        base = np.mean(np.abs(sn - test)) / scale
        f = {k: np.asarray(v) for k, v in d["forecasts"].items()}
        for name, rule in RULES.items():
            w = rule(d["scores"])
            fc = sum(wt * f[n] for n, wt in w.items())
            rows.setdefault((name, d["series"]), []).append((np.mean(np.abs(fc - test)) / scale, base))
    out = []
    for name in RULES:
        rels = []
        for (n, _series), v in rows.items():
            if n != name:
                continue
            mase = np.mean([a for a, _ in v])
            base = np.mean([b for _, b in v])
            rels.append(mase / base)
        rels = np.asarray(rels)
        out.append(
            {
                "rule": name,
                "gmean rel": float(np.exp(np.mean(np.log(rels)))),
                "wins": int(np.sum(rels < 1)),
                "N": len(rels),
            }
        )
    print(pd.DataFrame(out).set_index("rule").round(3).to_string())


if __name__ == "__main__":
    main()
