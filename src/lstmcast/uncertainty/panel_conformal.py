"""Conformal intervals for a global model of many series: scale-free errors pooled over the series.

As for one series (:mod:`lstmcast.uncertainty.conformal`), a copy of the model trains on
every series without its newest rows and forecasts from each of those origins. Each error is
divided by its series' scale (the in-sample MAE of seasonal naive on its training rows, MASE's
denominator), so errors of big and small series are comparable and pooled per horizon step:
thousands of scores even when each series holds a few origins. The interval of series s is its
point forecast plus and minus the pooled conformal quantile times s's scale. A model that
forecasts log y pools differences of logs instead, which need no scale. The coverage statement
is the one of split conformal prediction, over series and origins taken together: it holds on
average over the series, not for each one.
"""

from __future__ import annotations

import numpy as np

from lstmcast.data.panel_transforms import series_of_rows
from lstmcast.data.panel_windows import model_inputs
from lstmcast.data.statics import with_statics
from lstmcast.stats.combination import SeriesCombinations
from lstmcast.stats.combination import build as build_combination
from lstmcast.uncertainty.conformal import CALIBRATION_FIXED, Calibration

# Newest origins each series contributes (fewer when it is short). The copy trains without each series' newest
# horizon + origins - 1 rows, so more origins make it weaker than the final network on short series, and its
# validation then favours the statistical candidates: on the two real panels of the development set and three
# short quarterly ones (benchmarks/panel.py real quarterly) the combined forecast's geometric-mean MASE relative
# to the network alone's was 1.009 with 8 origins, 0.923 with 4 (two-season windows, before the pooled guard).
ORIGINS_PER_SERIES = 4
MIN_ORIGINS = 2  # a series validated on fewer origins keeps the network alone (no halves to cross-fit)


def series_scales(targets: np.ndarray, offsets: np.ndarray, ends: np.ndarray, period: int) -> np.ndarray:
    """(S, k) in-sample MAE of seasonal naive over each series' rows ``[0, end)``.

    A series whose seasonal-naive MAE is 0 (a pure repeating pattern) or undefined (shorter than a
    season) uses its lag-1 MAE; one that never moves (constant) gets ``FLOOR`` x its level: its
    intervals are then as narrow as its errors allow, and :func:`flat_series` keeps it out of the
    pooled scores, where dividing by an almost-zero scale would swamp every other series.
    """
    n_series, k = len(offsets) - 1, targets.shape[1]
    rows = series_of_rows(offsets)
    local = np.arange(len(targets)) - offsets[rows]
    out = np.full((n_series, k), np.nan)
    for lag in sorted({period, 1}, reverse=True):  # the season first, lag 1 where it gives no scale
        use = (local >= lag) & (local < ends[rows])
        diff = np.abs(targets[use] - targets[np.flatnonzero(use) - lag])  # (m, k)
        count = np.bincount(rows[use], minlength=n_series)
        total = np.zeros((n_series, k))
        np.add.at(total, rows[use], diff)
        with np.errstate(invalid="ignore", divide="ignore"):
            mae = total / count[:, None]
        todo = ~(out > 0) & (mae > 0)
        out[todo] = mae[todo]
    level = np.zeros((n_series, k))
    np.add.at(level, rows, np.abs(targets))
    level /= np.maximum(np.diff(offsets), 1)[:, None]
    flat = ~(out > 0)
    out[flat] = FLOOR * np.maximum(level[flat], 1.0)
    return out


FLOOR = 1e-6


def flat_series(scales: np.ndarray, targets: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(S,) series whose scale is the floor (they never moved): left out of the pooled scores."""
    rows = series_of_rows(offsets)
    level = np.zeros(scales.shape)
    np.add.at(level, rows, np.abs(targets))
    level /= np.maximum(np.diff(offsets), 1)[:, None]
    return np.any(scales <= FLOOR * np.maximum(level, 1.0) * (1 + 1e-9), axis=1)


def copy_plan(cfg: dict, panel, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((S,) origins each series sets aside for validation, (S, k) series scales) of a global fit with checked
    settings ``cfg``; TooShortError when no series can set any aside.

    Each series sets aside its newest horizon + o - 1 training rows (o origins, at most ``ORIGINS_PER_SERIES``),
    keeping window + difference + steps rows to train on; series that never moved set none aside.
    """
    from lstmcast.strategies import get_strategy

    horizon, window, lag = cfg["horizon"], cfg["window"], cfg["difference"]
    steps = get_strategy(cfg["strategy"]).model_horizon(horizon)
    room = ends - (window + lag + steps) - horizon + 1
    origins = np.clip(room, 0, ORIGINS_PER_SERIES)  # (S,)
    targets = panel.stacked()[:, : panel.n_targets]
    scales = series_scales(targets, panel.offsets(), ends, cfg["seasonal_period"])
    if not cfg["log"]:  # series that never moved would divide their errors by ~0
        origins[flat_series(scales, targets, panel.offsets())] = 0
    if not np.any(origins > 0):
        from lstmcast.errors import TooShortError

        raise TooShortError(
            f"no series is long enough to set rows aside for calibrating intervals: each needs window={window}"
            + (f" + difference={lag}" if lag else "")
            + f" + {steps} + horizon={horizon} rows; give the series more history."
        )
    return origins, scales


def train_copy(model, cfg: dict, panel, ends: np.ndarray, origins: np.ndarray):
    """The validation copy of a global fit: the same settings (the automatic ones as chosen on all rows), trained
    on every series that sets ``origins`` aside (:func:`copy_plan`), without those rows.

    It trains about ``TARGET_STEPS``, as the network would alone, where one series' copy trains ``COPY_STEPS``
    (:func:`lstmcast.series_model.train_copy`): the pooled guard compares its validation scores with the
    statistical candidates', and a copy trained for fewer steps understated the network (DESIGN.md). As for one
    series it is one model when the final ensemble forks from it (:func:`lstmcast.fitting.forks`).
    """
    from lstmcast import fitting
    from lstmcast.train.progress import say

    used = np.flatnonzero(origins > 0)
    cut = cfg["horizon"] + origins - 1  # (S,) rows set aside
    part = panel._take(used, panel.offsets()[used], panel.offsets()[used] + ends[used] - cut[used])
    # the panel already holds the calendar columns (calendar=True): the copy must not add them again
    fixed = {k: cfg[k] for k in CALIBRATION_FIXED}
    if fitting.forks(cfg, model):
        fixed["ensemble"] = 1  # one model validates; the final ensemble forks from it (global_model.fit_panel)
    verbose = model.get_params()["verbose"]  # as set now, not at fit time
    say(
        verbose,
        f"Validation: training a copy without the newest rows of {len(used)} series: its forecasts of them "
        + ("weigh the network against the statistical candidates and " if cfg["combine"] else "")
        + "calibrate the intervals...",
    )
    copy = type(model)(
        **{**model.get_params(), **fixed, "test": 0, "verbose": verbose, "calendar": False, "combine": False}
    )
    return copy.fit(part)  # a Panel: the same global fit


def calibrate_panel(model, combine: bool = False) -> tuple[Calibration, np.ndarray, SeriesCombinations | None]:
    """(pooled calibration, (S, k) series scales, per-series combinations) of a fitted global model.

    The copy trains once. combine: each validated series also chooses its combination of the network with
    the statistical candidates on its own origins (:func:`lstmcast.stats.combination.build`), and its
    calibration errors are the combined forecast's (cross-fitted, as for one series), unless the network
    leads pooled over the series (:meth:`SeriesCombinations.network_leads`: then it forecasts alone and
    the errors are its own); else None.
    """
    from lstmcast.strategies import get_strategy

    cfg, panel, ends = model.config_, model.panel_, model.ends_
    horizon, window = cfg["horizon"], cfg["window"]
    origins, scales = copy_plan(cfg, panel, ends)
    used, cut = np.flatnonzero(origins > 0), horizon + origins - 1
    copy = model.__dict__.pop("_copy", None)  # trained by the fit already, or trained now
    if copy is None:
        copy = train_copy(model, cfg, panel, ends, origins)
    # forecasts of the copy from every set-aside origin, on the full rows of the used series
    full = panel.subset([panel.ids[i] for i in used])
    offsets = full.offsets()
    values = with_statics(copy.transforms_.to_model_space(full.stacked(), offsets), full, copy.statics_)
    values = model_inputs(copy, full, values)  # + the mask column when the copy was trained with padding
    o = origins[used]
    first = offsets[:-1] + ends[used] - cut[used] - 1  # (U,) each series' first origin (its last training row)
    series = np.repeat(np.arange(len(used)), o)
    origin_rows = np.repeat(first, o) + (np.arange(o.sum()) - np.repeat(np.cumsum(o) - o, o))  # (N,)
    strategy = get_strategy(cfg["strategy"])
    z = strategy.forecast(
        copy.params_, copy.spec_, copy.loss_, values, (origin_rows - window + 1).astype(np.int32), horizon
    )
    members, n = z.shape[:2]
    raw = full.stacked()[:, : full.n_targets]
    levels = copy.transforms_.history_levels(raw, origin_rows)
    paths = copy.transforms_.to_original(
        z.reshape(members * n, *z.shape[2:]), np.tile(series, members), np.tile(levels, (members, 1, 1))
    )
    pred = np.median(paths.reshape(z.shape), axis=0) if members > 1 else paths  # (N, H, k)
    actual = raw[origin_rows[:, None] + np.arange(1, horizon + 1)[None, :]]  # (N, H, k)
    combinations = None
    if combine:
        items: list = [None] * panel.n_series
        combined = np.array(pred, np.float64)  # (N, H, k) the rows of each combined series are replaced
        at = 0
        for u, i in enumerate(used):  # series i's o[u] origins are rows at .. at + o[u] of pred
            rows, span = raw[offsets[u] : offsets[u + 1]], slice(at, at + o[u])
            if o[u] >= MIN_ORIGINS:
                local = origin_rows[span] - offsets[u]  # (o,) origins within the series
                items[i], combined[span] = build_combination(
                    pred[span], rows, local, int(ends[i] - cut[i]), int(ends[i]), horizon, cfg["seasonal_period"],
                    covariates=bool(panel.future),
                )  # fmt: skip
            at += o[u]
        combinations = SeriesCombinations(tuple(items))
        if not combinations.network_leads():  # else the network forecasts alone, and its errors are the scores
            pred = combined
    if cfg["log"]:
        errors = np.log(actual) - np.log(pred)
    else:
        errors = (actual - pred) / scales[used][series][:, None, :]
    calibration = Calibration(np.asarray(errors, np.float64), int(len(used)), "conformal", bool(cfg["log"]))
    return calibration, scales, combinations


def panel_quantiles(cal: Calibration, scales: np.ndarray, point: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Point forecasts (S, H, k) and series scales (S, k) -> quantiles (S, H, k, Q)."""
    if cal.log:
        return cal.quantiles(point, taus)
    s = scales[:, None, :]  # (S, 1, k)
    return cal.quantiles(point / s, taus) * s[..., None]
