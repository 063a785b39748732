"""``Forecaster.tune``: an Optuna search over the network's settings, scored on rolling origins.

Each trial is a new Forecaster: the tuned Forecaster's own settings (``combine``, ``ensemble``,
``epochs``, ``horizon``...) with the trial's values of the searched parameters put over them and the
tuner's seed. It is scored by a rolling-origin backtest (:mod:`lstmcast.evaluate.backtest`, or
:mod:`lstmcast.evaluate.panel_backtest` for many series): the last ``folds`` origins of the series a
horizon apart, as many as leave at least half the rows (and what a fit needs) before the first one,
scored with MASE (or MAE / RMSE) on the original scale. Optuna's TPE sampler, seeded, picks each
trial's values from the trials before it, and trials run one after another, so the same seed gives the
same trials, the same scores and the same best trial.

Compiled programs are shared between trials (and with later fits) wherever the shapes agree: the
learning rate, weight decay, momentum and schedule are values inside the compiled epoch, and a fold's
or a trial's series of another length falls in the same padded bucket; each distinct cell, units,
window, loss, normalize, dropout or batch size compiles its own programs once, then reuses them.

Optuna is an extra (``pip install -e ".[tune]"``), imported only here.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from time import perf_counter

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError, LstmcastError
from lstmcast.evaluate.backtest import _refits
from lstmcast.tuning.space import DEFAULT_SPACE, check_space, label

METRICS = ("mase", "mae", "rmse")
MIN_WINDOW_ROWS = 4  # the shortest window "auto" picks (lstmcast.auto.MIN_WINDOW)


@dataclass(frozen=True)
class TuneResult:
    """The trials of a search and the best one.

    best_params: the searched parameters' values in the best trial; params: every Forecaster parameter
    of that trial (your settings with best_params over them), so ``Forecaster(**result.params)`` or
    :meth:`best_forecaster` rebuilds it; trials: one row per trial (its values, score, seconds, state).
    """

    best_params: dict
    best_score: float
    metric: str
    trials: pd.DataFrame
    params: dict
    folds: int  # rolling origins each trial was scored on
    seasonal_naive_score: float  # seasonal naive's score on the same origins, for scale
    seed: int
    estimator: type = field(repr=False, compare=False)  # the tuned model's class (Forecaster)
    notes: tuple[str, ...] = field(default=())  # e.g. why fewer origins than asked were used

    def best_forecaster(self):
        """A new, unfitted Forecaster with the best trial's settings: call ``.fit(data)`` on it."""
        return self.estimator(**self.params)

    def __repr__(self) -> str:
        done = int((self.trials["state"] == "complete").sum())
        best = ", ".join(f"{k}={v!r}" for k, v in self.best_params.items())
        return (
            f"TuneResult(best {self.metric} {self.best_score:.4g} (seasonal naive {self.seasonal_naive_score:.4g}) "
            f"over {self.folds} origin(s), {done} of {len(self.trials)} trials complete; best: {best}; "
            "see .trials, .best_forecaster())"
        )

    def to_dict(self) -> dict:
        from lstmcast.params import jsonable

        trials = self.trials.astype(object).where(self.trials.notna(), None)
        return {
            "metric": self.metric,
            "best_score": self.best_score,
            "best_params": jsonable(self.best_params),
            "seasonal_naive_score": self.seasonal_naive_score,
            "folds": self.folds,
            "seed": self.seed,
            "notes": list(self.notes),
            "params": jsonable(self.params),
            "trials": [jsonable(r) for r in trials.to_dict("records")],
        }


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError(
            "tune() needs Optuna, an optional extra: pip install -e \".[tune]\" (or pip install 'lstmcast[tune]')."
        ) from None
    return optuna


def rolling_folds(rows: int, horizon: int, folds: int, need: int) -> int:
    """Origins a horizon apart at the end of ``rows``: at most ``folds``, leaving at least half the rows and
    ``need`` rows (a window, its differencing lag and a horizon) before the first; at least one.

    >>> rolling_folds(144, 12, 3, 40), rolling_folds(40, 6, 3, 16), rolling_folds(30, 6, 3, 16)
    (3, 3, 2)
    """
    room = rows - max(-(-rows // 2), need)
    return max(1, min(folds, room // horizon))


def tune(
    model,
    data,
    columns: dict | None = None,
    n_trials: int = 20,
    space: dict | None = None,
    metric: str = "mase",
    folds: int = 3,
    refit=False,
    seed: int | None = None,
) -> TuneResult:
    """Search ``space`` (default :data:`lstmcast.params.SPACE`) for the settings of ``model`` that score best.

    columns: every column role's columns, as :func:`lstmcast.roles.columns_of` gives them (default: none named).
    """
    from lstmcast.params import check_params
    from lstmcast.roles import columns_of, one_series

    optuna = import_optuna()
    base = check_params(model.get_params())  # your settings, checked before any trial
    dims = DEFAULT_SPACE if space is None else check_space(space)
    if not isinstance(metric, str) or metric not in METRICS:
        raise ConfigError.choice("metric", metric, METRICS)
    for name, value in (("n_trials", n_trials), ("folds", folds)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError.positive(name, value)
    _refits(refit, 1)  # refit= checked here: inside a trial its error would only fail the trial
    seed = base["seed"] if seed is None else check_params({**base, "seed": seed})["seed"]
    columns = columns_of(**(columns or {}))
    data, rows, panel = _loaded(data, base, columns)
    # many series: the loaded panel holds its columns; one series is read again by each trial's backtest
    columns = {} if panel else one_series(columns)
    horizon = base["horizon"]
    need = _need(base, dims)
    used = rolling_folds(rows, horizon, int(folds), need)
    notes = ()
    if used < folds:
        notes = (
            f"{used} rolling origin(s) instead of folds={folds}: {rows} rows leave room for {used} horizon(s) "
            f"after the first half of the series and the {need} rows a fit needs",
        )

    chosen: dict[int, dict] = {}
    extra: dict[int, dict] = {}
    failures: list[BaseException] = []

    def objective(trial) -> float:
        values = {name: dim.suggest(trial) for name, dim in dims.items()}
        chosen[trial.number] = values
        trial_model = type(model)(**{**model.get_params(), **values, "seed": seed, "verbose": 0})
        start = perf_counter()
        try:  # settings this series cannot take (too short, diverged...) make a failed trial, not a failed search
            result = trial_model.backtest(data, **columns, folds=used, step=horizon, refit=refit)
            score, naive = _scores(result, metric)
            if not math.isfinite(score):
                why = ": the training rows are constant, so MASE's scale is 0; use metric='mae'" * (metric == "mase")
                raise ConfigError(f"metric={metric!r} is {score} on these origins{why}.")
        except LstmcastError as exc:
            failures.append(exc)
            extra[trial.number] = {"seconds": perf_counter() - start, "error": _one_line(exc)}
            raise
        extra[trial.number] = {"seconds": perf_counter() - start, "naive": naive}
        return score

    quiet = base["verbose"] == 0
    level = optuna.logging.get_verbosity()
    if quiet:  # verbose=0: no line (nor traceback) per trial from Optuna's logger; failures are in .trials
        optuna.logging.set_verbosity(optuna.logging.ERROR)
    handlers = logging.getLogger("optuna").handlers
    for handler in handlers:  # a failed trial is one line (its reason), not a traceback
        handler.addFilter(_no_traceback)
    try:
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=int(n_trials), catch=(LstmcastError,))
    finally:
        for handler in handlers:
            handler.removeFilter(_no_traceback)
        if quiet:
            optuna.logging.set_verbosity(level)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise failures[0]  # every trial failed: the first reason, as its own error
    best = study.best_trial
    trials = _trials_frame(study, dims, chosen, extra, metric, optuna)
    best_params = chosen[best.number]
    return TuneResult(
        best_params=best_params,
        best_score=float(best.value),
        metric=metric,
        trials=trials,
        params={**model.get_params(), **best_params, "seed": seed},
        folds=used,
        seasonal_naive_score=float(extra[best.number]["naive"]),
        seed=seed,
        estimator=type(model),
        notes=notes,
    )


def _loaded(data, cfg, columns: dict):
    """(what each trial backtests, its rows, whether it is many series): one series' own source and its
    length, or many series loaded once as a Panel and the longest series' length."""
    from lstmcast.data.panel import Panel
    from lstmcast.data.panel_load import load_panel, many_series
    from lstmcast.data.series import load_series
    from lstmcast.roles import many_series_only, one_series
    from lstmcast.strategies import get_strategy

    if many_series(data, **columns):
        panel = data if isinstance(data, Panel) else load_panel(data, **columns, freq=cfg["freq"], fill=cfg["fill"])
        return panel, int(np.max(panel.lengths)), True
    get_strategy(cfg["strategy"]).check_roles(**many_series_only(columns))
    series = load_series(data, **one_series(columns), freq=cfg["freq"], fill=cfg["fill"])
    return data, len(series), False


def _need(cfg: dict, dims: dict) -> int:
    """The fewest training rows a trial's fit needs: its longest window, differencing lag and a horizon."""

    def largest(name: str, default: int) -> int:
        values = [cfg[name]]
        if name in dims:
            dim = dims[name]
            values += list(dim.values) if dim.kind == "choice" else [dim.high]
        return max((int(v) for v in values if v != "auto"), default=default)

    return largest("window", MIN_WINDOW_ROWS) + largest("difference", 0) + cfg["horizon"]


def _scores(result, metric: str) -> tuple[float, float]:
    """(model, seasonal naive) of ``metric`` over every origin of a backtest (one series or a panel)."""
    overall = result.overall
    if isinstance(overall, dict):  # PanelBacktest: pooled MAE / RMSE, mean of the series' MASE
        return float(overall[metric]), float(overall.get(f"seasonal_naive_{metric}", float("nan")))
    return float(overall.table.loc["model", metric]), float(overall.table.loc["seasonal_naive", metric])


def _no_traceback(record) -> bool:
    """A logging filter: Optuna's record of a trial that failed with lstmcast's error keeps its message (the
    reason, one line) and drops the traceback."""
    record.exc_info, record.exc_text = None, None
    return True


def _trials_frame(study, dims, chosen, extra, metric, optuna) -> pd.DataFrame:
    rows = []
    for t in study.trials:
        info = extra.get(t.number, {})
        state = "complete" if t.state == optuna.trial.TrialState.COMPLETE else t.state.name.lower()
        rows.append(
            {
                "trial": t.number,
                **{name: chosen.get(t.number, {}).get(name) for name in dims},
                metric: float(t.value) if t.value is not None else float("nan"),
                "seconds": round(info.get("seconds", float("nan")), 3),
                "state": state,
                "error": info.get("error", "") if state != "complete" else "",
            }
        )
    return pd.DataFrame(rows).set_index("trial")


def _one_line(exc: BaseException) -> str:
    return " ".join(part.strip() for part in str(exc).splitlines() if part.strip()) or type(exc).__name__


__all__ = ["TuneResult", "tune", "label"]
