"""Train the pretrained prior that ships inside lstmcast (``src/lstmcast/nn/files/prior.safetensors``).

The prior is the default network's weights -- one LSTM(50) layer reading one column, and a dense
head of ``HORIZON`` steps -- trained on a synthetic corpus only (nothing downloaded, nothing
redistributed): per series, one of

* an ETS state-space simulation (random level, damped trend and seasonal smoothing, additive or
  multiplicative season, Gaussian innovations);
* an ARIMA(p, d, q) simulation with random stationary and invertible coefficients, d in {0, 1};
* a Gaussian-process draw from a random composition of kernels (Chronos's KernelSynth: RBF,
  periodic, linear and white-noise kernels combined by sums and products);
* level shifts: a piecewise-constant level plus noise;
* intermittent demand: Bernoulli occurrences times gamma sizes;
* trading days: a random walk with a stochastic volatility.

It trains as lstmcast trains one network (``lstmcast.train.trainer.train``: mean absolute error,
Adam, windows normalized as the default does) on three buckets of seasonal period and window,
in turn, for ``ROUNDS`` rounds: monthly-like (m = 12, window 24, ``normalize="season"``),
quarterly-like (m = 4, window 8) and without a season (window 16, ``normalize="last"``). The
weights do not depend on the window length or the season, so one set of weights learns from all three.

    python tools/train_prior.py                 # writes src/lstmcast/nn/files/prior.safetensors
    python tools/train_prior.py --check         # retrains and compares with the shipped file's sha256
    python tools/train_prior.py --steps 20 --out /tmp/p.safetensors   # a quick run (tests)

Everything follows from ``--seed`` (numpy's generator for the corpus, JAX's keys for the weights):
the same seed on the same machine gives the same bytes, and their sha256 is recorded in
``src/lstmcast/nn/files/PRIOR.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "lstmcast" / "nn" / "files" / "prior.safetensors"
HORIZON = 48  # head width: forecasts of up to 48 steps start from the prior's head
LENGTH = 240  # rows per synthetic series
SERIES = 600  # series per bucket
ROUNDS = 3
BUCKETS = ((12, 24, "season"), (4, 8, "season"), (1, 16, "last"))  # (season, window, normalize)


# -- the corpus ------------------------------------------------------------------------------------
def ets(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    alpha, beta, gamma = rng.uniform(0.05, 0.6), rng.uniform(0.0, 0.15), rng.uniform(0.0, 0.3)
    phi = rng.uniform(0.8, 0.98)
    level, trend = 100.0, rng.normal(0, 0.5)
    season = rng.normal(0, rng.uniform(0, 15), max(m, 1)) if m > 1 else np.zeros(1)
    season -= season.mean()
    multiplicative = m > 1 and rng.random() < 0.5
    sigma = rng.uniform(0.5, 5.0)
    out = np.empty(n)
    for t in range(n):
        s = season[t % len(season)]
        fit = (level + phi * trend) * (1 + s / 100) if multiplicative else level + phi * trend + s
        e = rng.normal(0, sigma)
        out[t] = fit + e
        new_level = level + phi * trend + alpha * e
        trend = phi * trend + beta * e
        season[t % len(season)] = s + gamma * e
        level = new_level
    return out


def arima(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    p, q, d = rng.integers(0, 3), rng.integers(0, 2), rng.integers(0, 2)
    roots = rng.uniform(1.2, 3.0, p) * rng.choice([-1, 1], p)  # outside the unit circle: stationary
    ar = -np.poly(1 / roots)[1:] if p else np.zeros(0)
    ma = rng.uniform(-0.8, 0.8, q)
    e = rng.normal(0, 1, n + 50)
    x = np.zeros(n + 50)
    for t in range(n + 50):
        x[t] = e[t] + sum(ar[i] * x[t - 1 - i] for i in range(p) if t - 1 - i >= 0)
        x[t] += sum(ma[j] * e[t - 1 - j] for j in range(q) if t - 1 - j >= 0)
    x = x[50:]
    if m > 1:
        x = x + rng.uniform(0, 3) * np.sin(2 * np.pi * np.arange(n) / m + rng.uniform(0, 6.3))
    return np.cumsum(x) if d else x


def kernel_synth(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)[:, None]

    def kernel():
        kind = rng.integers(0, 4)
        if kind == 0:
            ell = rng.uniform(5, 80)
            return np.exp(-((t - t.T) ** 2) / (2 * ell**2))
        if kind == 1:
            period = m if m > 1 and rng.random() < 0.7 else rng.uniform(3, 60)
            return np.exp(-2 * np.sin(np.pi * np.abs(t - t.T) / period) ** 2 / rng.uniform(0.3, 2) ** 2)
        if kind == 2:
            return (t - n / 2) @ (t - n / 2).T / n**2
        return np.eye(n) * rng.uniform(0.01, 0.3)

    k = kernel()
    for _ in range(rng.integers(0, 3)):
        k = k + kernel() if rng.random() < 0.5 else k * kernel()
    k = k + np.eye(n) * 1e-6 * (1 + np.abs(k).max())
    return np.linalg.cholesky(k) @ rng.normal(0, 1, n)


def level_shifts(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    cuts = np.sort(rng.integers(0, n, rng.integers(1, 5)))
    level = np.zeros(n)
    for c in cuts:
        level[c:] += rng.normal(0, 5)
    return level + rng.normal(0, rng.uniform(0.3, 2), n)


def intermittent(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    return (rng.random(n) < rng.uniform(0.1, 0.6)) * rng.gamma(2.0, rng.uniform(1, 10), n)


def trading_days(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    vol = np.exp(np.cumsum(rng.normal(0, 0.1, n)) * 0.3) * rng.uniform(0.005, 0.03)
    return 100 * np.exp(np.cumsum(rng.normal(0, 1, n) * vol))


GENERATORS = (ets, arima, kernel_synth, level_shifts, intermittent, trading_days)


def corpus(rng: np.random.Generator, m: int, count: int, n: int) -> np.ndarray:
    """(count, n) series: generators in turn, each with a random offset and scale."""
    out = np.empty((count, n))
    for i in range(count):
        x = GENERATORS[i % len(GENERATORS)](rng, n, m)
        out[i] = rng.uniform(-50, 500) + rng.uniform(0.1, 10) * x
    return out


# -- training --------------------------------------------------------------------------------------
def train_prior(seed: int, steps: int, series: int = SERIES, rounds: int = ROUNDS) -> dict[str, np.ndarray]:
    """The prior's weights (flattened names -> arrays) from ``seed``; ``steps`` optimizer steps per bucket and round."""
    import jax

    from lstmcast.io.state import flatten
    from lstmcast.nn.network import NetworkSpec, init_params
    from lstmcast.train.config import TrainConfig
    from lstmcast.train.losses import get_loss
    from lstmcast.train.trainer import train

    rng = np.random.default_rng(seed)
    data = {m: corpus(rng, m, series, LENGTH).astype(np.float32) for m, _, _ in BUCKETS}
    loss = get_loss("mae")
    key = jax.random.key(seed)
    params = None
    for r in range(rounds):
        for m, window, normalize in BUCKETS:
            spec = NetworkSpec(units=(50,), window=window, horizon=HORIZON, normalize=normalize, season=m)
            if params is None:
                params = init_params(jax.random.fold_in(key, 0), spec)
            values = data[m].reshape(-1, 1)  # (series * LENGTH, 1): the series stacked
            per = LENGTH - window - HORIZON + 1  # windows per series, never across two
            starts = (np.arange(series)[:, None] * LENGTH + np.arange(per)[None, :]).ravel()
            cfg = TrainConfig(epochs=1, batch_size=64, steps_per_epoch=steps, loss="mae", learning_rate=1e-3)
            params, _ = train(params, spec, loss, cfg, values, starts, jax.random.fold_in(key, 1 + r * 10 + m))
    return {k: np.asarray(v, np.float32) for k, v in flatten(params).items()}


def write(weights: dict[str, np.ndarray], path: Path) -> str:
    from safetensors.numpy import save

    blob = save(dict(sorted(weights.items())))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    return hashlib.sha256(blob).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=600, help="optimizer steps per bucket and round")
    parser.add_argument("--series", type=int, default=SERIES, help="synthetic series per bucket")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="passes over the buckets")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="retrain and compare with the shipped file")
    args = parser.parse_args()
    t = time.perf_counter()
    weights = train_prior(args.seed, args.steps, args.series, args.rounds)
    if args.check:
        from safetensors.numpy import save

        digest = hashlib.sha256(save(dict(sorted(weights.items())))).hexdigest()
        shipped = hashlib.sha256(OUT.read_bytes()).hexdigest()
        print(f"retrained sha256 {digest}\nshipped   sha256 {shipped}\n{'same' if digest == shipped else 'DIFFERENT'}")
        sys.exit(0 if digest == shipped else 1)
    digest = write(weights, args.out)
    print(f"wrote {args.out} in {time.perf_counter() - t:.0f} s, sha256 {digest}")


if __name__ == "__main__":
    main()
