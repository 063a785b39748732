"""The one result shape of every backtest: NeuralForecast's cross-validation frame.

Columns: the id column (many series; left out for one series passed without ids), the time
column (``ds`` when the data has none), ``cutoff`` (the last timestamp the forecast saw), the
target column(s) holding the actual values, the forecast column named by the model's ``alias``
(``forecast`` by default; ``<target>_<alias>`` per target when there are several), and with
``level=`` the interval columns ``<forecast>-lo-80``, ``<forecast>-hi-80``... (Nixtla's names).
One row per forecast step, in the order the forecasts are given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmcast.errors import ColumnError

CUTOFF = "cutoff"


def forecast_names(targets, alias: str) -> list[str]:
    """The forecast column of each target: ``alias`` for one target, ``<target>_<alias>`` for several."""
    targets = list(targets)
    return [alias] if len(targets) == 1 else [f"{t}_{alias}" for t in targets]


def cv_names(id_name: str | None, time_name: str | None, targets, alias: str, levels=()) -> list[str]:
    """Every column of the frame; a column named twice (a target called ``cutoff``...) is refused up front."""
    from lstmcast.uncertainty.names import level_columns

    preds = forecast_names(targets, alias)
    bands = [name for p in preds for level in levels for name in level_columns(p, level)]
    names = ([id_name] if id_name is not None else []) + [time_name or "ds", CUTOFF, *targets, *preds, *bands]
    twice = [c for c in names if names.count(c) > 1]
    if twice:
        raise ColumnError(
            f"column {twice[0]!r} would appear twice in the backtest's predictions ({', '.join(map(str, names))}): "
            "rename that column of the data, or pass alias= another forecast column name."
        )
    return names


def cv_frame(
    *,
    ids,
    id_name: str | None,
    time_name: str | None,
    times,
    cutoffs,
    actual: np.ndarray,
    pred: np.ndarray,
    targets,
    alias: str,
    quantiles: np.ndarray | None = None,
    taus=None,
    levels=(),
) -> pd.DataFrame:
    """The cross-validation frame of ``n`` forecasts of ``H`` steps.

    ids: (n,) series id of each forecast, or None (one series, no id column); times: (n * H,)
    timestamps of the steps; cutoffs: (n,) the last timestamp each forecast saw; actual, pred:
    (n, H, k); quantiles: (n, H, k, Q) at ``taus`` holding both quantiles of every level, or None.
    """
    from lstmcast.uncertainty.names import level_columns, level_quantiles

    n, horizon, k = pred.shape
    bands = levels if quantiles is not None else ()
    names = cv_names(id_name if ids is not None else None, time_name, targets, alias, bands)
    table: dict = {}
    if ids is not None:
        table[id_name] = np.repeat(np.asarray(ids), horizon)
    table[time_name or "ds"] = np.asarray(times)
    table[CUTOFF] = np.repeat(np.asarray(cutoffs), horizon)
    for j, t in enumerate(targets):
        table[t] = actual[:, :, j].reshape(-1)
    preds = forecast_names(targets, alias)
    for j, p in enumerate(preds):
        table[p] = pred[:, :, j].reshape(-1)
    if quantiles is not None:
        where = {round(float(t), 10): i for i, t in enumerate(taus)}
        for j, p in enumerate(preds):
            for level in levels:
                lo, hi = level_quantiles(level)
                lo_name, hi_name = level_columns(p, level)
                table[lo_name] = quantiles[:, :, j, where[lo]].reshape(-1)
                table[hi_name] = quantiles[:, :, j, where[hi]].reshape(-1)
    frame = pd.DataFrame(table)
    return frame[names]
