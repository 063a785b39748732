"""Rolling-origin backtests of one global model over many series, in NeuralForecast's cross-validation shape.

Fold ``i`` of ``folds`` cuts every series at ``cut = len_s - (folds - i) * step`` of its own rows
(step defaults to the horizon and is at least the horizon), fits a fresh copy of the configured
model on every series' rows before its cut (series with no rows there are left out of that fit)
and forecasts ``horizon`` steps from each cut with ``predict()``. ``refit=False`` fits once, at the
first cuts, and forecasts the later folds with ``predict(data=<the panel cut there>)``: the same
weights and scalers, reading the newer history; ``refit=k`` refits every k folds.

A series takes part in a fold when its rows before the cut hold a forecast's input (window +
difference rows, read from the model fitted for that fold; difference + 2 when that model was
trained with short series padded on the left, :func:`lstmcast.global_model.fit_panel`) and one
season (for seasonal naive); a series too short for a fold is left out of it
(``overall["left_out"]`` counts them per fold). With ``step > horizon`` the rows between a fold's horizon and the
next cut are not forecast: each fold is one forecast of ``horizon`` steps per series, as
NeuralForecast's ``step_size`` (:mod:`lstmcast.evaluate.backtest` forecasts every origin of a
one-series fold instead).

``predictions`` is NeuralForecast's cross-validation frame (:mod:`lstmcast.evaluate.cv`): the id
column, the time column (``ds`` without one), ``cutoff`` (the last timestamp the forecast saw), the
target column(s) holding the actual values, and the forecast column(s) named by the model's
``alias``, ordered by series, cutoff and time; with ``level=`` the interval columns
``<alias>-lo-80``... (conformal for a point loss, each refit calibrating its own; the head's own
quantiles otherwise). Known-in-advance columns (``future=``) are read from the data's own rows
after each cut. ``folds`` holds each fold's figures, ``metrics`` each series', ``overall`` the
pooled ones; with ``level=`` folds and overall add the model's coverage (a fraction), mean width,
MSIS (Winkler's interval score over each series' MASE scale) per level and its scaled CRPS.

MASE per series divides by the in-sample MAE of seasonal naive over that series' rows before its
first cut (the first fold it takes part in), with the season of the model fitted at the first
fold (``config_["seasonal_period"]``); seasonal naive forecasts from the same cutoffs are scored
beside the model. Several targets are pooled as :func:`lstmcast.evaluate.report.score` pools them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmcast.data.panel import Panel
from lstmcast.data.panel_load import load_panel
from lstmcast.data.seasons import season_length
from lstmcast.errors import ConfigError, DataError, ShortSeriesWarning, TooShortError
from lstmcast.evaluate.backtest import _refits
from lstmcast.evaluate.baselines import seasonal_naive
from lstmcast.evaluate.cv import cv_frame, cv_names
from lstmcast.params import check_params
from lstmcast.uncertainty.calibrated import ensure_calibrated
from lstmcast.uncertainty.names import SCORE_QUANTILES, all_quantiles, check_levels


@dataclass(frozen=True)
class PanelBacktest:
    """A panel backtest's forecasts, its figures per fold and per series, and pooled figures (module docstring)."""

    predictions: pd.DataFrame  # NeuralForecast's cross-validation frame (lstmcast.evaluate.cv)
    metrics: pd.DataFrame  # one row per series: <id>, forecasts, mae, rmse, mase, seasonal_naive_mae/_mase
    overall: dict  # pooled figures, folds, left-out counts, wins against seasonal naive
    folds: pd.DataFrame  # one row per fold: fold, refit, series, first/last cutoff, mae, rmse, mase (+ intervals)

    def __repr__(self) -> str:
        o = self.overall
        left = sum(o["left_out"])
        return (
            f"PanelBacktest({o['series']} series x {o['folds']} folds of {o['horizon']} step(s)"
            + (f", {left} series-fold(s) left out as too short" if left else "")
            + f"; mean MASE model {o['mase']:.3f}, seasonal naive {o['seasonal_naive_mase']:.3f}, "
            f"relative {o['relative_mase']:.3f}; beats seasonal naive on {o['wins']} of {o['series']}; "
            "see .predictions, .folds, .metrics, .overall)"
        )

    def to_dict(self) -> dict:
        """JSON-ready: ``overall``, one record per fold and one per series (NaN -> None)."""
        return {
            "overall": {k: _plain(v) for k, v in self.overall.items()},
            "folds": [{k: _plain(v) for k, v in r.items()} for r in self.folds.to_dict("records")],
            "metrics": [{k: _plain(v) for k, v in r.items()} for r in self.metrics.to_dict("records")],
        }


def _plain(v):
    """A value as JSON holds it: NumPy scalars as Python ones, NaN and infinities as None, lists element-wise."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def run_panel_backtest(
    model,
    panel,
    folds: int = 3,
    step: int | None = None,
    refit=True,
    *,
    id=None,
    target=None,
    time=None,
    features=None,
    future=None,
    static=None,
    level=None,
    end_cutoffs: bool = False,
) -> PanelBacktest:
    """Backtest a configured (fitted or not) Forecaster as one global model over every series of ``panel``.

    panel: a :class:`~lstmcast.data.panel.Panel`, or a long table read by
    :func:`~lstmcast.data.panel.load_panel` with ``id``, ``target``, ``time``, ``features``,
    ``future`` and ``static`` (and the model's ``freq`` and ``fill``). ``model`` is left unchanged;
    every fit is a new estimator of its class with its parameters (test part 0, silent).
    refit: True (every fold), False (fit once) or k (every k folds).
    end_cutoffs: place the last fold's cut ``horizon`` rows before each series' end (NeuralForecast's
    ``cross_validation``; the same cuts when ``step == horizon``), not ``step`` rows.
    """
    cfg = check_params(model.get_params())
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 1:
        raise ConfigError.positive("folds", folds)
    horizon = cfg["horizon"]
    step = horizon if step is None else step
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise ConfigError.positive("step", step)
    folds, step = int(folds), int(step)
    if step < horizon:
        raise ConfigError(f"step={step} must be at least the horizon={horizon}, so each fold holds a whole forecast.")
    refits = _refits(refit, folds)
    levels = check_levels(level) if level is not None else ()
    taus = all_quantiles(levels, SCORE_QUANTILES) if levels else None
    if not isinstance(panel, Panel):
        panel = load_panel(
            panel,
            id=id,
            target=target,
            time=time,
            features=features,
            future=future,
            static=static,
            freq=cfg["freq"],
            fill=cfg["fill"],
        )
    cv_names(panel.id_name, panel.time_name, panel.targets, cfg["alias"], levels)  # a clash refused before fitting
    cuts = panel.lengths[:, None] - (folds - np.arange(folds))[None, :] * step  # (S, folds) rows before each cut
    if end_cutoffs:
        cuts = cuts + step - horizon
    _check_longest(panel, cfg, cuts[:, 0], folds, step)

    params = {**model.get_params(), "test": 0, "verbose": 0}
    period, fitted = None, None
    taken, forecasts, quantiles = [], [], []  # per fold: (n,) series, (n, H, targets), (n, H, targets, Q)
    from lstmcast.train.progress import Steps

    with Steps(cfg["verbose"], sum(refits), "Backtest fit") as progress:
        for i in range(folds):
            trained = np.flatnonzero(cuts[:, i] >= 1)  # every series with history before its cut
            if refits[i]:
                with warnings.catch_warnings():  # short series are left out of the fold and in overall["left_out"]
                    warnings.simplefilter("ignore", ShortSeriesWarning)
                    fitted = type(model)(**params).fit(cut_series(panel, trained, cuts[trained, i]))
                if taus is not None:  # each refit calibrates its own intervals: predicting never trains
                    ensure_calibrated(fitted)
                progress.advance(note=f"fold {i + 1} of {folds}")
                period = fitted.config_["seasonal_period"] if period is None else period
                own = trained
            else:
                own = None
            which, need = _eligible(fitted, cuts[:, i], period)
            if not len(which):
                raise TooShortError(
                    f"no series is long enough for fold {i}: a forecast from its cut needs {need} rows "
                    f"({_input_text(fitted.config_)}, seasonal_period={period} for seasonal naive), the longest series "
                    f"has {int(cuts[:, i].max())} there; use fewer folds, a smaller step, or more data."
                )
            taken.append(which)
            point, q = _forecast(fitted, panel, which, cuts[which, i], horizon, own, taus)
            forecasts.append(point)
            quantiles.append(q)
    return _score(panel, cuts, taken, forecasts, quantiles, taus, levels, cfg["alias"], period, refits, step)


def cut_series(panel: Panel, which: np.ndarray, rows: np.ndarray) -> Panel:
    """The panel of series ``which`` (indexes, increasing) keeping the first ``rows[j]`` (>= 1) rows of each."""
    start = panel.row_offsets[which]
    return panel._take(which, start, start + rows)


def long_frame(panel: Panel) -> pd.DataFrame:
    """The panel as a long table: id, time (when it has a time column), targets, features, future columns."""
    cols = {panel.id_name: np.repeat(panel.id_values(), panel.lengths)}
    if panel.time_name is not None:
        cols[panel.time_name] = panel.times
    for j, c in enumerate(panel.columns):
        cols[c] = panel.values[:, j]
    if panel.static is not None:  # each series' attributes on every one of its rows
        for c in panel.static.columns:
            cols[c] = np.repeat(panel.static[c].to_numpy(), panel.lengths)
    return pd.DataFrame(cols)


def evaluate_panel(model) -> PanelBacktest:
    """A fitted global model's forecasts of each series' test part (``test=``), with seasonal naive's.

    One forecast of the horizon per series, from the end of its training rows, by the fitted model
    (nothing is refitted); metrics per series and overall as :func:`run_panel_backtest` reports them.
    """
    cfg, panel = model.config_, model.panel_
    horizon, period = cfg["horizon"], cfg["seasonal_period"]
    ends = model.ends_
    whole = ends + horizon <= panel.lengths  # (S,) series whose test part holds a whole horizon
    which, need = _eligible(model, np.where(whole, ends, 0), period)
    if not len(which):
        raise DataError(
            "no series has a test part of a whole horizon after enough training rows: this model trained on every "
            "row; fit with test= set (e.g. test=12) to hold rows out, or score it with backtest()."
        )
    point, _ = _forecast(model, panel, which, ends[which], horizon, None, None)
    return _score(
        panel, ends[:, None], [which], [point], [None], None, (), model.config_["alias"], period, [False], horizon
    )


def _input_text(cfg: dict) -> str:
    lag = cfg["difference"]
    return f"window={cfg['window']!r}" + (f" + difference={lag}" if lag not in (0, "auto") else "")


def _check_longest(panel: Panel, cfg: dict, first_cuts: np.ndarray, folds: int, step: int) -> None:
    """Refuse a panel whose longest series cannot train and forecast the first fold (settings left at "auto"
    count as their least: window 1, difference 0)."""
    lag = cfg["difference"] if cfg["difference"] != "auto" else 0
    window = cfg["window"] if cfg["window"] != "auto" else 1
    period = cfg["seasonal_period"] or season_length(panel.freq)  # what the fit will choose
    need = max(lag + window + cfg["horizon"], period)
    s = int(np.argmax(panel.lengths))
    if first_cuts[s] < need:
        raise TooShortError(
            f"folds={folds} x step={step} leave {first_cuts[s]} rows before the first cut of the longest series "
            f"{panel.ids[s]!r} ({panel.lengths[s]} rows), but a fold needs at least {need} ({_input_text(cfg)} + "
            f"horizon={cfg['horizon']} to train, seasonal_period={period} for seasonal naive): the longest series "
            f"needs {need + folds * step} rows; use fewer folds, a smaller step, or more data."
        )


def _eligible(fitted, cuts: np.ndarray, period: int) -> tuple[np.ndarray, int]:
    """(series whose rows before the cut hold a forecast's input and one season, the rows that takes)."""
    from lstmcast.data.panel_windows import forecast_minimum

    need = max(forecast_minimum(fitted), period, 1)  # window + difference, or difference + 2 when padded
    return np.flatnonzero(cuts >= need), need


def _forecast(fitted, panel: Panel, which, cuts, horizon: int, own, taus):
    """((len(which), horizon, targets) forecasts, their quantiles at ``taus`` or None) from each series' cut.

    own: the series the model was just fitted on (their cuts are the fit's own ends), or None. The known-in-advance
    columns over each forecast's steps are read from the panel's own rows after the cut.
    """
    from lstmcast.global_forecast import forecast_panel

    rows = cut_series(panel, which, cuts + horizon)  # the history and the horizon's rows
    future = None
    if panel.future:
        after = long_frame(rows)
        local = np.arange(len(after)) - np.repeat(rows.row_offsets[:-1], rows.lengths)
        after = after[local >= np.repeat(cuts, rows.lengths)]
        future = after[[panel.id_name, panel.time_name or "ds", *panel.future]].reset_index(drop=True)
        if panel.time_name is None:  # integer steps: the long frame has no time column to match on
            future.insert(1, "ds", rows.times[local >= np.repeat(cuts, rows.lengths)])
    data = None if own is not None and np.array_equal(own, which) else long_frame(cut_series(panel, which, cuts))
    forecast, point, q = forecast_panel(fitted, horizon, data, future, taus)
    order = pd.Index(forecast.ids).get_indexer([panel.ids[s] for s in which])
    return point[order], None if q is None else q[order]


def _scales(y: np.ndarray, offsets: np.ndarray, series: np.ndarray, ends: np.ndarray, period: int) -> np.ndarray:
    """(n,) MASE scales: mean over targets of the in-sample seasonal-naive MAE on each series' rows [0, ends).

    As :func:`lstmcast.evaluate.metrics.mase_scale`, for many series at once: lag 1 when the rows
    hold no more than one season, NaN without any difference.
    """
    m = np.where(ends > period, period, 1)  # (n,)
    count = np.maximum(ends - m, 0)  # (n,) differences per series
    pos = np.repeat(np.arange(len(series)), count)  # (R,) which of the n series each difference belongs to
    rows = np.repeat(offsets[series] + m, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    d = np.abs(y[rows] - y[rows - m[pos]])  # (R, targets)
    sums = np.stack([np.bincount(pos, d[:, j], minlength=len(series)) for j in range(y.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (sums / count[:, None]).mean(axis=1), np.nan)


def _score(panel, cuts, taken, forecasts, quantiles, taus, levels, alias, period, refits, step) -> PanelBacktest:
    horizon, k = forecasts[0].shape[1], panel.n_targets
    series = np.concatenate(taken)  # (P,) one (series, fold) pair per forecast
    fold = np.concatenate([np.full(len(w), i) for i, w in enumerate(taken)])
    order = np.lexsort((fold, series))  # by series, then cutoff
    series, fold, pred = series[order], fold[order], np.concatenate(forecasts)[order]  # pred (P, H, k)
    q = np.concatenate(quantiles)[order] if taus is not None else None  # (P, H, k, Q)
    cut = cuts[series, fold]  # (P,)
    y = panel.values[:, :k]
    first = panel.row_offsets[series] + cut  # (P,) stacked row of each forecast's first step
    rows = first[:, None] + np.arange(horizon)[None, :]  # (P, H)
    actual = y[rows]  # (P, H, k)
    naive = seasonal_naive(y, first - 1, horizon, period)  # (P, H, k); every cut holds a season
    predictions = cv_frame(
        ids=panel.id_values()[series],
        id_name=panel.id_name,
        time_name=panel.time_name,
        times=panel.times[rows.ravel()],
        cutoffs=panel.times[first - 1],
        actual=actual,
        pred=pred,
        targets=list(panel.targets),
        alias=alias,
        quantiles=q,
        taus=taus,
        levels=levels,
    )

    n = panel.n_series
    scored = np.flatnonzero(np.bincount(series, minlength=n))
    first_cut = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_cut, series, cut)
    scale = np.full(n, np.nan)
    scale[scored] = _scales(y, panel.row_offsets, scored, first_cut[scored], period)
    scale = scale[series]  # (P,) each forecast's series' MASE scale
    metrics = _figures(series, n, series, pred, naive, actual, scale)
    metrics.insert(0, panel.id_name, panel.id_values())
    per_fold = _figures(fold, len(taken), series, pred, naive, actual, scale).rename(columns={"forecasts": "series"})
    cutoffs = [panel.times[first[fold == i] - 1] for i in range(len(taken))]
    per_fold.insert(0, "fold", np.arange(len(taken)))
    per_fold.insert(1, "refit", list(refits))
    per_fold.insert(2, "first_cutoff", [c.min() for c in cutoffs])
    per_fold.insert(3, "last_cutoff", [c.max() for c in cutoffs])
    overall = _overall(metrics, pred, naive, actual, taken, n, period, refits, step)
    if q is not None:
        for name, values in _interval_figures(fold, len(taken), actual, q, taus, levels, scale).items():
            per_fold[name] = values
        overall.update(
            {k: float(v[0]) for k, v in _interval_figures(0 * fold, 1, actual, q, taus, levels, scale).items()}
        )
    return PanelBacktest(predictions, metrics, overall, per_fold)


def _figures(group, n_groups, series, pred, naive, actual, scale) -> pd.DataFrame:
    """Per group of forecasts (group (P,): a series or a fold): forecasts, mae, rmse, mase, seasonal naive's.

    MASE: the mean over a group's series of each series' MAE in the group over its scale (scale (P,): each
    forecast's series' scale; series without a positive scale left out); one series: its MASE.
    """
    count = np.bincount(group, minlength=n_groups)  # (G,) forecasts per group
    points = (count * pred.shape[1] * pred.shape[2]).astype(np.float64)
    table = {"forecasts": count}
    for prefix, forecast in (("", pred), ("seasonal_naive_", naive)):
        err = forecast - actual  # (P, H, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            mae = np.bincount(group, np.abs(err).sum(axis=(1, 2)), minlength=n_groups) / points
            rmse = np.sqrt(np.bincount(group, (err**2).sum(axis=(1, 2)), minlength=n_groups) / points)
        if not prefix:
            table.update({"mae": mae, "rmse": rmse})
        else:
            table["seasonal_naive_mae"] = mae
        table[prefix + "mase"] = _mean_series_mase(group, series, n_groups, err, scale)
    return pd.DataFrame(table)[["forecasts", "mae", "rmse", "mase", "seasonal_naive_mae", "seasonal_naive_mase"]]


def _mean_series_mase(group, series, n_groups, err, scale) -> np.ndarray:
    """(G,) the mean over each group's series of their mean |err| over their scale."""
    ok = np.isfinite(scale) & (scale > 0)
    scaled = np.abs(err[ok]).mean(axis=(1, 2)) / scale[ok]  # (P_ok,) each forecast's scaled MAE
    pairs, inverse = np.unique(np.stack([group[ok], series[ok]]), axis=1, return_inverse=True)
    inverse = inverse.ravel()
    per_pair = np.bincount(inverse, scaled) / np.bincount(inverse)  # (pairs,) a series' MASE in a group
    count = np.bincount(pairs[0], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.bincount(pairs[0], per_pair, minlength=n_groups) / np.maximum(count, 1), np.nan)


def _interval_figures(group, n_groups, actual, q, taus, levels, scale) -> dict[str, np.ndarray]:
    """Per group: the model's coverage (a fraction, as for one series), mean width and MSIS per level, and its
    scaled CRPS, each point scaled by its own series' scale (:mod:`lstmcast.evaluate.probabilistic`; series
    without a positive scale left out of the scaled figures)."""
    from lstmcast.evaluate import probabilistic as PR
    from lstmcast.uncertainty.names import number_text

    out: dict[str, np.ndarray] = {}
    for g in range(n_groups):
        at = group == g
        s = scale[at][:, None, None]  # (n, 1, 1)
        ok = (np.isfinite(s) & (s > 0))[:, 0, 0]
        y, qq = actual[at], q[at]
        figures = {}
        for level in levels:
            lo, hi = PR.interval_pair(qq, taus, level)
            name = number_text(level)
            figures[f"coverage_{name}"] = PR.coverage(y, lo, hi)
            figures[f"width_{name}"] = PR.width(lo, hi)
            scaled = (y[ok] / s[ok], lo[ok] / s[ok], hi[ok] / s[ok])
            figures[f"msis_{name}"] = PR.msis(*scaled, level, 1.0) if ok.any() else float("nan")
        figures["scaled_crps"] = (
            PR.scaled_crps(y[ok] / s[ok], qq[ok] / s[ok][..., None], taus, 1.0) if ok.any() else float("nan")
        )
        for k, v in figures.items():
            out.setdefault(k, np.full(n_groups, np.nan))[g] = v
    return out


def _overall(metrics, pred, naive, actual, taken, n_series, period, refits, step) -> dict:
    m = metrics[metrics["forecasts"] > 0]
    mase, naive_mase = m["mase"].to_numpy(), m["seasonal_naive_mase"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = m["mae"].to_numpy() / m["seasonal_naive_mae"].to_numpy()  # = MASE / seasonal naive's MASE
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    both = np.isfinite(mase) & np.isfinite(naive_mase)
    return {
        "series": len(m),
        "folds": len(taken),
        "step": step,
        "horizon": pred.shape[1],
        "period": int(period),
        "refit": list(refits),
        "forecasts": len(pred),  # (series, fold) pairs
        "left_out": [n_series - len(w) for w in taken],  # series too short for each fold
        "mae": float(np.mean(np.abs(pred - actual))),
        "rmse": float(np.sqrt(np.mean((pred - actual) ** 2))),
        "mase": float(np.mean(mase[both])) if both.any() else float("nan"),  # mean over series of their MASE
        "seasonal_naive_mae": float(np.mean(np.abs(naive - actual))),
        "seasonal_naive_mase": float(np.mean(naive_mase[both])) if both.any() else float("nan"),
        "mase_undefined": int((~both).sum()),  # series whose training rows do not change (a MASE scale of 0)
        "relative_mase": float(np.exp(np.mean(np.log(ratio)))) if len(ratio) else float("nan"),  # geometric mean
        "wins": int((m["mae"] < m["seasonal_naive_mae"]).sum()),  # series where the model beats seasonal naive
    }
