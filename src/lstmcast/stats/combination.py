"""The default forecast: the network combined with statistical candidates, weighted on the newest rows.

A network trained on one short noisy series can lose to repeating the last value; a
smoothing method cannot follow what only the network learns. ``fit`` therefore scores
both kinds on rows the network never trained on, and forecasts with a weighted mean of the
best ones (``combine=True``, the default for point losses):

1. The conformal calibration copy of the network (trained on the rows before the newest
   ones, :meth:`Forecaster.calibrate`) forecasts from every origin among the newest rows.
2. The statistical candidates forecast from the same origins, each from at most
   ``CONTEXT`` rows before it, with their parameters fitted on the rows the copy trained
   on: naive, seasonal naive, and on the seasonally adjusted history
   (:mod:`lstmcast.stats.seasonal`) simple exponential smoothing, the damped trend and
   Theta (:mod:`lstmcast.stats.smoothing`).
3. Each candidate's validation score is its mean absolute error over those origins and
   steps, divided by the in-sample seasonal-naive error (MASE). :func:`choose` keeps the
   network and the best statistical candidate, weighted equally, unless the network scores
   worse than ``GUARD`` times that candidate: then the two best statistical candidates.
   When the network reads covariates known in advance, which no statistical candidate sees, and
   validates best, it forecasts alone (``benchmarks/covariates.py``, 7 origins: synthetic half-hourly
   demand 0.743 -> 0.657 of seasonal naive's error, elecdaily 0.884 -> 0.860). On
   the 24 real series of the development set (two origins each, ``benchmarks/accuracy.py``)
   the default reached a geometric mean of MASE relative to seasonal naive of 0.790 (19 of 24
   beat seasonal naive; 0.815 and 18 before the seasonal indices read only the newest seasons and
   an unvalidated network was left out), the network alone 0.944 (12 of 24). Re-weighing a dump of the
   candidates (``benchmarks/combination_rules.py``) ranked this rule first: the network with
   the best other always, the best two of all, the best alone and inverse-score weights all
   came out worse.
4. The chosen statistical candidates are refitted on the newest ``CONTEXT`` training rows;
   the forecast is the weighted mean, and the calibration errors (the intervals) are the
   combined forecast's own, each half of the origins combined with the weights chosen on the
   other half (:func:`build`), so the selection does not make the intervals too narrow.

A training part too short to set rows aside for the copy (:func:`build_unvalidated`) cannot
score the network: the statistical candidates are scored on the history instead, and the two
best forecast, the network left out (``combine=False`` keeps it alone). It used to join them
with a third share, as a hedge; on the development set's one such series (USAccDeaths, 60
training rows) that third took the forecast from 0.705 of seasonal naive's error to 1.095, and
the held-out series of that kind (short monthly counts) lost to seasonal naive the same way.

``choices_["combination"]`` names the weights and every candidate's score.

Many series (:class:`SeriesCombinations`): a global model's combined fit trains one copy without each
series' newest rows (:mod:`lstmcast.uncertainty.panel_conformal`), and every series with at least two
of those origins chooses its own weights by the same rule on its own origins; the others, and series
the model never saw, keep the network. When the network leads pooled over the series (within ``GUARD``
of the best candidate's geometric-mean score, :meth:`SeriesCombinations.network_leads`) it forecasts
every series alone. Each series fits its own smoothers, so a panel of more than ``COMBINE_SERIES``
series forecasts with the network alone. ``benchmarks/panel.py real quarterly`` (geometric mean of MASE
relative to seasonal naive; two-season windows, the network alone -> three-season windows and this
rule): the development set's real quarterly panel 0.913 -> 0.792 and monthly departures 0.745 -> 0.699
(the network leads), three short quarterly panels of US employment 0.463 -> 0.334 (per series),
0.453 -> 0.356 and 0.505 -> 0.490 (the network leads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.stats.seasonal import Season
from lstmcast.stats.smoothing import METHODS

CONTEXT = 500  # rows a statistical candidate reads before its origin (a saved model keeps at least as many)
NETWORK = "network"
CANDIDATES = (NETWORK, "naive", "snaive", *METHODS)
TOP = 2  # candidates combined
GUARD = 1.25  # the network stays when its score is at most this times the best statistical candidate's
COMBINE_SERIES = 2000  # a global model of more series forecasts with the network alone (each series fits its own)


def combines_panel(combine: bool, loss_kind: str, n_series: int) -> bool:
    """Whether a global model of ``n_series`` combines each series with the statistical candidates: ``combine=True``,
    a point loss, and at most ``COMBINE_SERIES`` series (each fits its own smoothers)."""
    return bool(combine) and loss_kind == "point" and n_series <= COMBINE_SERIES


def _segments(raw: np.ndarray, origins: np.ndarray, context: int):
    """Yield (positions in origins, histories (B, L)) grouped by length: each origin's last ``context`` rows."""
    lengths = np.minimum(origins + 1, context)
    for length in np.unique(lengths):
        pos = np.flatnonzero(lengths == length)
        rows = origins[pos, None] - length + 1 + np.arange(length)[None, :]  # (B, L)
        yield pos, raw[rows]


def fit_params(raw: np.ndarray, m: int, context: int = CONTEXT, names=tuple(METHODS)) -> dict[str, list[tuple]]:
    """The parameters per target of the smoothing methods in ``names``, fitted on the last ``context`` rows
    of ``raw`` (rows, k)."""
    x = raw[-context:]
    out: dict[str, list[tuple]] = {name: [] for name in METHODS if name in names}
    for j in range(raw.shape[1]):
        hist = x[None, :, j]  # (1, L)
        adjusted = Season(hist, m).adjust(hist)
        fitted: dict[tuple, tuple] = {}
        for name in out:
            fit = METHODS[name][0]
            if fit not in fitted:
                fitted[fit] = fit(adjusted)
            out[name].append(fitted[fit])
    return out


def members(
    network: np.ndarray,
    raw: np.ndarray,
    origins: np.ndarray,
    horizon: int,
    m: int,
    params: dict,
    context: int,
    names=CANDIDATES,
) -> dict[str, np.ndarray]:
    """Every candidate in ``names``' forecasts (n, H, k) from ``origins`` (n,) the last row each sees.

    network: (n, H, k) the network's forecasts; raw: (rows, k) the targets on the original scale.
    """
    n, k = len(origins), raw.shape[1]
    out = {name: np.empty((n, horizon, k)) for name in names if name != NETWORK}
    if NETWORK in names:
        out[NETWORK] = network
    steps = np.arange(horizon)
    for j in range(k):
        for pos, hist in _segments(raw[:, j], origins, context):  # (B, L)
            length = hist.shape[1]
            if "naive" in out:
                out["naive"][pos, :, j] = hist[:, -1:]
            if "snaive" in out:
                back = length - m + steps % m if 1 < m <= length else np.full(horizon, length - 1)
                out["snaive"][pos, :, j] = hist[:, back]
            smoothers = [s for s in METHODS if s in out]
            if smoothers:
                season = Season(hist, m)
                adjusted = season.adjust(hist)
                for name in smoothers:
                    f = METHODS[name][1](adjusted, params[name][j], horizon)  # (B, H)
                    out[name][pos, :, j] = season.restore(f)
    return out


def mase_scale(raw: np.ndarray, m: int) -> np.ndarray:
    """(k,) the in-sample MAE of the seasonal naive forecast (lag 1 when shorter than a season), never 0."""
    lag = m if m > 1 and len(raw) > m else 1
    scale = np.mean(np.abs(raw[lag:] - raw[:-lag]), axis=0) if len(raw) > lag else np.ones(raw.shape[1])
    fallback = np.maximum(np.abs(raw).mean(axis=0), 1e-12)
    return np.where(scale > 0, scale, fallback)


def scores(forecasts: dict[str, np.ndarray], actual: np.ndarray, scale: np.ndarray) -> dict[str, float]:
    """Each candidate's MASE: mean absolute error (over origins, steps and targets) / ``scale`` (k,)."""
    return {name: float(np.mean(np.abs(f - actual) / scale)) for name, f in forecasts.items()}


def choose(score: dict[str, float], covariates: bool = False) -> dict[str, float]:
    """Equal weights: the network and the best other candidate, or the best two others (see the module's docstring).

    ``covariates``: the network reads covariates known in advance, which no statistical candidate sees;
    when it validates best, it forecasts alone. Ties go in ``CANDIDATES`` order; a candidate without a
    finite score is left out.
    """
    ranked = [name for _, _, name in sorted((s, CANDIDATES.index(n), n) for n, s in score.items() if np.isfinite(s))]
    if covariates and ranked[:1] == [NETWORK]:
        return {NETWORK: 1.0}
    others = [name for name in ranked if name != NETWORK]
    if NETWORK in ranked and (not others or score[NETWORK] <= GUARD * score[others[0]]):
        kept = [NETWORK, *others[:1]]
    else:
        kept = others[:TOP] or [NETWORK]
    return {name: 1.0 / len(kept) for name in kept}


@dataclass(frozen=True)
class Combination:
    """The fitted combination of one series: weights, the smoothing parameters, and the validation scores."""

    weights: dict  # candidate -> weight (summing to 1), only the chosen ones
    params: dict  # smoothing method -> [parameters per target], only the chosen ones
    season: int
    context: int
    scores: dict  # candidate -> validation MASE

    def forecast(self, network: np.ndarray, raw: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """The combined forecasts (n, H, k) from the network's (n, H, k) and the history ``raw`` (rows, k)."""
        if self.network_only():
            return network
        parts = members(network, raw, origins, horizon, self.season, self.params, self.context, tuple(self.weights))
        return sum(w * parts[name] for name, w in self.weights.items())

    def network_only(self) -> bool:
        """Whether the forecast is the network's alone (what an exported graph can hold)."""
        return set(self.weights) == {NETWORK}

    def chosen(self) -> str:
        """The weights as text: ``0.33 network + 0.33 theta + 0.33 damped``."""
        return " + ".join(f"{w:.2f} {name}" for name, w in self.weights.items())

    def describe(self) -> str:
        chosen = self.chosen()
        ranked = ", ".join(f"{name} {s:.3f}" for name, s in sorted(self.scores.items(), key=lambda kv: kv[1]))
        return f"{chosen} (validation MASE: {ranked})"

    def to_dict(self) -> dict:
        return {
            "weights": {k: float(v) for k, v in self.weights.items()},
            "params": {k: [list(map(float, p)) for p in v] for k, v in self.params.items()},
            "season": int(self.season),
            "context": int(self.context),
            "scores": {k: float(v) for k, v in self.scores.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> Combination:
        return cls(
            weights={k: float(v) for k, v in d["weights"].items()},
            params={k: [tuple(float(x) for x in p) for p in v] for k, v in d["params"].items()},
            season=int(d["season"]),
            context=int(d["context"]),
            scores={k: float(v) for k, v in d["scores"].items()},
        )


def build(
    network_val: np.ndarray,
    raw: np.ndarray,
    origins: np.ndarray,
    cutoff: int,
    n_train: int,
    horizon: int,
    m: int,
    context: int = CONTEXT,
    covariates: bool = False,
) -> tuple[Combination, np.ndarray]:
    """Score every candidate from ``origins`` (n,) and fit the chosen ones on the training part.

    network_val: (n, H, k) the calibration copy's forecasts from ``origins``; raw: (rows >= n_train, k) the
    targets; cutoff: rows the copy trained on (the candidates' parameters are fitted on them for scoring);
    n_train: rows of the training part (the chosen candidates are refitted on its newest ``context``);
    covariates: the network reads covariates known in advance (:func:`choose`).
    Returns the combination and its calibration forecasts (n, H, k): each half of the origins combined
    with the weights chosen on the other half (cross-fitting), so the errors the intervals are built from
    are not those the weights were picked to make small (picked on the same origins, the 95% intervals
    of 24 real series covered 87.9% instead of 95%).
    """
    val_params = fit_params(raw[:cutoff], m, context)
    forecasts = members(network_val, raw, origins, horizon, m, val_params, context)
    rows = origins[:, None] + np.arange(1, horizon + 1)[None, :]  # (n, H)
    actual, scale = raw[rows], mase_scale(raw[:cutoff], m)
    score = scores(forecasts, actual, scale)
    weights = choose(score, covariates)
    half = len(origins) // 2
    crossed = sum(w * forecasts[name] for name, w in weights.items())  # (n, H, k)
    if half:
        for part, other in ((slice(0, half), slice(half, None)), (slice(half, None), slice(0, half))):
            w_other = choose(scores({k: f[other] for k, f in forecasts.items()}, actual[other], scale), covariates)
            crossed[part] = sum(w * forecasts[name][part] for name, w in w_other.items())
    params = fit_params(raw[:n_train], m, context, tuple(weights))  # only the chosen smoothers are refitted
    return Combination(weights, params, m, min(context, n_train), score), crossed


def build_unvalidated(raw: np.ndarray, n_train: int, horizon: int, m: int, context: int = CONTEXT) -> Combination:
    """The combination of a series too short to validate the network: see the module's docstring.

    raw: (rows >= n_train, k) the targets; the statistical candidates are fitted on the training part and
    scored from every origin of it with a whole horizon after it (in-sample, so only among themselves).
    """
    params = fit_params(raw[:n_train], m, context)
    origins = np.arange(n_train - horizon)  # (n,) every origin with a whole horizon after it
    zeros = np.zeros((len(origins), horizon, raw.shape[1]))
    stats = tuple(name for name in CANDIDATES if name != NETWORK)
    forecasts = members(zeros, raw, origins, horizon, m, params, context, stats)
    rows = origins[:, None] + np.arange(1, horizon + 1)[None, :]  # (n, H)
    score = scores(forecasts, raw[rows], mase_scale(raw[:n_train], m))
    weights = choose(score)  # the network unscored, so left out
    chosen = {k: v for k, v in params.items() if k in weights}
    return Combination(weights, chosen, m, min(context, n_train), score)


@dataclass(frozen=True)
class SeriesCombinations:
    """The combinations of a global model of many series: one per series, chosen on that series' own origins.

    ``items[s]`` is series s's :class:`Combination` (in the training panel's order), or None where the
    network forecasts alone (a series too short or too flat to set rows aside for validation).
    """

    items: tuple  # (S,) Combination or None

    @property
    def context(self) -> int:
        """Rows the longest-reading candidate reads before an origin (0 when every series keeps the network)."""
        return max((c.context for c in self.items if c is not None), default=0)

    def network_only(self) -> bool:
        return all(c is None or c.network_only() for c in self.items)

    def forecast(
        self, network: np.ndarray, raw: np.ndarray, offsets: np.ndarray, positions: np.ndarray, horizon: int
    ) -> np.ndarray:
        """The combined forecasts (S', H, k) of the series of a panel after their last rows.

        network: (S', H, k) the network's forecasts; raw: (rows, k) that panel's targets cut by ``offsets``
        (S' + 1,); positions: (S',) each series' place in ``items``, -1 for a series the model never saw
        (the network alone).
        """
        out = network.copy()
        for s, at in enumerate(positions):
            c = self.items[at] if at >= 0 else None
            if c is not None and not c.network_only():
                rows = raw[offsets[s] : offsets[s + 1]]  # (n_s, k)
                out[s : s + 1] = c.forecast(network[s : s + 1], rows, np.array([len(rows) - 1]), horizon)
        return out

    def chosen(self) -> str:
        """How many series forecast with which weights: ``4 x 0.50 network + 0.50 theta; 2 x 1.00 network``."""
        counts: dict[str, int] = {}
        for c in self.items:
            key = c.chosen() if c is not None else f"1.00 {NETWORK} (not validated)"
            counts[key] = counts.get(key, 0) + 1
        return "; ".join(f"{n} x {key}" for key, n in sorted(counts.items(), key=lambda kv: -kv[1]))

    def pooled(self) -> dict[str, float]:
        """Each candidate's validation MASE, geometric mean over the validated series (every one scored)."""
        scored = [c.scores for c in self.items if c is not None]
        names = [n for n in CANDIDATES if scored and all(n in s and np.isfinite(s[n]) for s in scored)]
        return {n: float(np.exp(np.mean(np.log([max(s[n], 1e-12) for s in scored])))) for n in names}

    def network_leads(self) -> bool:
        """Whether the global network forecasts every series alone: pooled over the series, its validation
        score is at most ``GUARD`` times the best statistical candidate's (the one-series rule's guard).

        The copy that validates a global model trains without each series' newest rows, a larger share of
        a short series than of the history the final network learns from, so its per-series scores
        understate the network: per-series weights cost the network alone 5-30% on four of five panels of
        the development set (benchmarks/panel.py real quarterly, three-season windows). Pooled over the
        series the scores are steadier, and a network within ``GUARD`` of the best candidate forecasts alone.
        """
        pooled = self.pooled()
        others = [s for n, s in pooled.items() if n != NETWORK]
        return NETWORK in pooled and bool(others) and pooled[NETWORK] <= GUARD * min(others)

    def describe(self) -> str:
        pooled = self.pooled()
        if not pooled:
            return self.chosen()
        n = sum(c is not None for c in self.items)
        means = ", ".join(f"{name} {s:.3f}" for name, s in sorted(pooled.items(), key=lambda kv: kv[1]))
        return f"per series: {self.chosen()} (validation MASE, geometric mean over {n} series: {means})"

    def to_list(self) -> list:
        return [None if c is None else c.to_dict() for c in self.items]

    @classmethod
    def from_list(cls, items: list) -> SeriesCombinations:
        return cls(tuple(None if d is None else Combination.from_dict(d) for d in items))
