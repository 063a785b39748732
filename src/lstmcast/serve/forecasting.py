"""A forecast request answered: records in, the library's checks and forecast, JSON bytes out.

The history in a request goes through the same data layer as ``fit`` (``Forecaster.predict``,
or for the fast path the same :func:`lstmcast.forecasting.forecast_inputs` that ``predict`` calls),
so a bad request gets the library's own message. The records of the answer are those ``lstmcast predict MODEL --json``
prints. Forecasts from the saved history (``{}``) depend only on the model version and the
request's horizon, levels and quantiles, so they are computed once per version and cached.

Fields a model cannot use are refused (422), never ignored: ``future`` for a model trained
without ``future=`` covariates. Recursive models run their horizon's bucket of steps
(:func:`~lstmcast.serve.fastpath.run_steps`) and answer the first ones, on the fast path and,
where no future table is involved, through ``Forecaster.predict`` too: a client cannot make the
service compile one program per horizon. (With a future table, the table covers exactly the
steps asked for, so those requests run exactly them; the library keeps at most 32 programs.)
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError, DataError
from lstmcast.forecasting import forecast_inputs
from lstmcast.serve.fastpath import run_steps
from lstmcast.serve.registry import CACHE_ENTRIES, Version, future_columns
from lstmcast.serve.schemas import ForecastRequest
from lstmcast.strategies import get_strategy


def answer(version: Version, request: ForecastRequest) -> bytes:
    """The JSON body answering ``request`` (``schemas.ForecastResponse``); library errors propagate."""
    key = None
    if request.uses_saved_history():
        key = (request.horizon, _key(request.level), _key(request.quantiles))
        cached = version.cache.get(key)
        if cached is not None:
            return cached
    body = {"model": version.name, "checksum": version.checksum, "forecast": forecast_records(version, request)}
    text = json.dumps(body, separators=(",", ":"), default=str).encode()
    if key is not None and len(version.cache) < CACHE_ENTRIES:
        version.cache[key] = text
    return text


def _key(values) -> tuple | None:
    return None if values is None else tuple(values)


def forecast_records(version: Version, request: ForecastRequest) -> list[dict]:
    """The forecast as records, exactly as ``lstmcast predict --json`` writes them."""
    model = version.model
    if request.future is not None and not future_columns(model):
        raise ConfigError(
            f"model {version.name!r} was trained without future= covariates, so it cannot use the request's "
            "'future' table: send the request without it."
        )
    if request.future is None and future_columns(model):
        raise DataError(missing_future(version, request.horizon))
    data = table(request.data)
    future = table(request.future)
    wants_spread = request.level is not None or request.quantiles is not None
    if wants_spread and not version.calibrated:
        raise ConfigError(uncalibrated(version))
    if version.fast is not None and not wants_spread:
        series, values, tail, start, horizon = forecast_inputs(model, request.horizon, data, future)  # predict's checks
        point = version.fast(values, tail[:, : series.n_targets], start, horizon)  # (horizon, targets)
        return point_records(series.future_index(horizon), list(series.targets), point)
    horizon = model.config_["horizon"] if request.horizon is None else request.horizon
    steps = library_steps(version, request, horizon)
    frame = model.predict(horizon=steps, data=data, future=future, level=request.level, quantiles=request.quantiles)
    if steps != horizon:  # the first steps of each series (their bits do not depend on the later ones)
        frame = frame.groupby(frame.columns[0], sort=False).head(horizon) if model.is_panel_ else frame.iloc[:horizon]
    return frame_records(frame, model.is_panel_)


def missing_future(version: Version, horizon: int | None) -> str:
    """What a request to a model that reads covariates known in advance must send: the library's message, in the
    request's own terms (its ``future`` field, not ``future=``)."""
    model = version.model
    holder = model.panel_ if model.is_panel_ else model.series_
    steps = model.config_["horizon"] if horizon is None else horizon
    keys = [k for k in (holder.id_name if model.is_panel_ else None, holder.time_name) if k]
    where = " of every series" if model.is_panel_ else ""
    return (
        f"model {version.name!r} reads covariates known in advance {list(future_columns(model))}: send their values "
        f"in the request's 'future' field, records with {keys + list(future_columns(model))} for each of the next "
        f"{steps} forecast step(s){where} (GET /model, or /models/NAME, lists them)."
    )


def library_steps(version: Version, request: ForecastRequest, horizon: int) -> int:
    """The steps ``Forecaster.predict`` runs for ``horizon``: its bucket for a recursive model (see module doc)."""
    model = version.model
    if not get_strategy(model.config_["strategy"]).one_step or horizon < 1 or future_columns(model):
        return horizon  # direct models run one program for every horizon; a future table covers exactly horizon
    if model.loss_.kind == "point" and (request.level is not None or request.quantiles is not None):
        return horizon  # conformal intervals: at most the calibrated horizon, already a bounded set
    return run_steps(horizon, model.config_["horizon"])


def uncalibrated(version: Version) -> str:
    """Why ``version`` gives no intervals, and what would (the service does not train, so it cannot calibrate)."""
    start = f"model {version.name!r} was saved without calibrated prediction intervals"
    trained = getattr(version.model, "choices_", {}).get("epochs")
    if trained is not None and trained.value == 0:  # weights lstmcast did not train (lstmcast.from_keras)
        return (
            f"{start}, and its weights were not trained by lstmcast ({trained.reason}), so it cannot have them "
            "(calibrating needs a copy trained the same way on earlier rows): it gives point forecasts only; "
            "ask without level= and quantiles=."
        )
    return (
        f"{start}, and calibrating them means training a copy, which the service does not do: ask without level= "
        "and quantiles=, or save the model with them (lstmcast train calibrates them; in Python, model.calibrate() "
        "before model.save()) and ask again."
    )


def table(records: list[dict] | None) -> pd.DataFrame | None:
    """Records (one dict per row) as a DataFrame; a column a record lacks is missing (NaN) there."""
    return None if records is None else pd.DataFrame.from_records(records)


def frame_records(frame: pd.DataFrame, many_series: bool) -> list[dict]:
    """``lstmcast predict --json``'s records of a forecast: the time column as text, NaN as null."""
    records = frame if many_series else frame.reset_index()
    time_col = frame.columns[1] if many_series else records.columns[0]
    return [_finite(r) for r in records.astype({time_col: str}).to_dict(orient="records")]


def point_records(index: pd.Index, targets: list[str], point: np.ndarray) -> list[dict]:
    """:func:`frame_records` of a point forecast (horizon, targets) indexed by ``index``, without building a frame."""
    name = index.name if index.name is not None else "index"  # what reset_index names an unnamed index
    times = index.astype(str).tolist()
    values = point.tolist()
    return [_finite({name: t, **dict(zip(targets, row))}) for t, row in zip(times, values)]


def _finite(record: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}
