"""The default forecast's combination for a global model of many series: one choice per series.

As for one series (:mod:`lstmcast.stats.combination`), the calibration copy of the global model
(:func:`lstmcast.uncertainty.panel_conformal.calibrate_panel`) forecasts every series from its
newest training origins. Each series then scores the network beside naive, seasonal naive, SES,
the damped trend and Theta on its own origins and keeps its own weights with the same rule
(:func:`lstmcast.stats.combination.choose`): a global network fits some series of a panel and not
others, and a tourism-like panel of short quarterly series is often won by seasonal naive. A series
too short to set origins aside gets the unvalidated hedge (the network and the two best statistical
candidates on its history, a third each); one shorter than a horizon keeps the network alone.

The candidates are fitted per series in a Python loop, about 20 ms a series: a panel of more than
``MAX_SERIES`` series keeps the network alone (``choices_["combine"]`` says so), where a global model
of thousands of series is what the network is for.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from lstmcast.stats.combination import Combination, build, build_unvalidated

MAX_SERIES = 1000  # series a panel may hold for the per-series combination


def build_panel(
    pred: np.ndarray,
    raw: np.ndarray,
    offsets: np.ndarray,
    ends: np.ndarray,
    used: np.ndarray,
    origins: np.ndarray,
    horizon: int,
    m: int,
) -> tuple[list[Combination | None], np.ndarray]:
    """(one Combination or None per series, the calibration forecasts combined (N, H, k)).

    pred: (N, H, k) the copy's forecasts, series by series: ``origins[i]`` of them for each series
    ``i`` in ``used`` (U,), from its last ``origins[i]`` origins before the newest ``horizon`` training
    rows; raw: (rows, k) the panel's stacked targets on the original scale; offsets: (S + 1,);
    ends: (S,) each series' training rows. As for one series, each series' calibration forecasts are
    combined with the weights its other half of the origins chose (cross-fitting).
    """
    combos: list[Combination | None] = [None] * len(ends)
    crossed = np.array(pred, np.float64, copy=True)
    at = 0
    for i in used:
        o, end = int(origins[i]), int(ends[i])
        rows = raw[offsets[i] : offsets[i] + end]  # (end, k) its training rows
        local = end - horizon - o + np.arange(o)  # (o,) its origins: the last rows each forecast sees
        combos[i], crossed[at : at + o] = build(pred[at : at + o], rows, local, int(local[0]) + 1, end, horizon, m)
        at += o
    for i in np.setdiff1d(np.arange(len(ends)), used):
        if ends[i] > horizon:  # too short to validate the network: the hedge of the statistical candidates
            combos[i] = build_unvalidated(raw[offsets[i] : offsets[i] + ends[i]], int(ends[i]), horizon, m)
    return combos, crossed


def apply(combos: dict, ids, out: np.ndarray, raw: np.ndarray, offsets: np.ndarray, horizon: int) -> np.ndarray:
    """The combined forecasts (S, H, k) of the series ``ids`` from the network's ``out`` (S, H, k).

    combos: series id -> Combination (a series without one keeps the network's forecast); raw: (rows, k)
    the panel's targets, stacked by ``offsets`` (S + 1,); each series is forecast after its last row.
    """
    out = np.array(out, np.float64, copy=True)
    for s, name in enumerate(ids):
        combo = combos.get(name)
        if combo is not None:
            history = raw[offsets[s] : offsets[s + 1]]  # (rows of s, k)
            out[s : s + 1] = combo.forecast(out[s : s + 1], history, np.array([len(history) - 1]), horizon)
    return out


def describe(combos: dict, n_series: int) -> tuple[str, str]:
    """(value, reason) of ``choices_["combine"]``: how many series chose each weighting."""
    counts = Counter(c.chosen() for c in combos.values())
    alone = n_series - len(combos)
    parts = [f"{text} on {n} series" for text, n in counts.most_common()]
    if alone:
        parts.append(f"the network alone on {alone} series shorter than a horizon")
    value = f"per series ({len(counts) + bool(alone)} weightings)"
    return value, "chosen per series on its newest training origins: " + "; ".join(parts)


def to_list(combos: dict) -> list[dict]:
    """The JSON form: ``[{"id": id, "combination": {...}}, ...]`` in the given order."""
    return [{"id": name, "combination": c.to_dict()} for name, c in combos.items()]


def from_list(entries: list[dict]) -> dict:
    return {e["id"]: Combination.from_dict(e["combination"]) for e in entries}


def context_rows(combos: dict) -> int:
    """The most rows a series' combination reads before its origin (0 without any)."""
    return max((c.context for c in combos.values()), default=0)
