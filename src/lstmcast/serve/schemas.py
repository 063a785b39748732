"""The service's request and response bodies (pydantic), which its OpenAPI schema at ``/docs`` shows.

A forecast request mirrors ``Forecaster.predict``'s arguments, with tables as lists of records
(``DataFrame.to_dict(orient="records")``, one object per row, column name to value)::

    {"data": [{"month": "1960-11-01", "passengers": 390}, ...],   # newer history (optional)
     "future": [{"month": "1961-01-01", "price": 9.5}, ...],      # covariates known in advance (optional)
     "horizon": 12, "level": [80, 95], "quantiles": [0.1, 0.9]}   # all optional

``{}`` forecasts from the history saved with the model, like ``lstmcast predict MODEL``. The
response's ``forecast`` is exactly what ``lstmcast predict MODEL --json`` prints under ``"forecast"``.
Only the shapes are checked here, strictly (``"horizon": "3"`` and ``"level": ["80"]`` are refused,
not converted); the values go through the library's own data checks.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

Scalar = StrictInt | StrictFloat | StrictStr | None  # a table cell: a number, text (timestamps, ids) or null
Records = list[dict[str, Scalar]]

HISTORY_EXAMPLE = [{"month": "1960-11-01", "passengers": 390}, {"month": "1960-12-01", "passengers": 432}]


class ForecastRequest(BaseModel):
    """What to forecast; every field is optional (``{}``: the model's horizon after its saved history)."""

    model_config = ConfigDict(extra="forbid")  # a misspelled field is an error, not silently ignored

    data: Records | None = Field(
        None,
        description=(
            "Newer history in the training schema, one record per row: the time column, the target(s), "
            "past-only features and known-in-advance columns the model was trained with (many-series models: "
            "the id column too). At least window (+ difference) rows. Default: the history saved with the model."
        ),
        examples=[HISTORY_EXAMPLE],
    )
    future: Records | None = Field(
        None,
        description="Values of the known-in-advance (future=) covariates over the forecast steps, with their times.",
    )
    horizon: StrictInt | None = Field(
        None,
        description="Steps to forecast (default: the model's horizon); at most --max-horizon (1,000 by default).",
        examples=[12],
    )
    level: list[StrictFloat] | None = Field(
        None,
        description="Central prediction intervals in percent: adds <target>-lo-L and -hi-L (99 values at most, "
        "with quantiles).",
        examples=[[80, 95]],
    )
    quantiles: list[StrictFloat] | None = Field(
        None, description="Quantiles to forecast, in (0, 1): adds <target>-q-P.", examples=[[0.1, 0.9]]
    )

    def uses_saved_history(self) -> bool:
        return self.data is None and self.future is None


class ForecastResponse(BaseModel):
    """A forecast: one record per future step (many series: per series and step)."""

    model: str = Field(description="The name of the model that answered.")
    checksum: str = Field(
        description=(
            "The document_sha256 field of the model.json that answered (the SHA-256 of its other fields, "
            "weights_sha256 among them): which saved version answered."
        )
    )
    forecast: Records = Field(
        description=(
            "The time column (as text), then per target its point forecast and any -lo-L/-hi-L and -q-P columns; "
            "many-series models start with the id column. Equal to 'lstmcast predict MODEL --json'."
        ),
        examples=[[{"month": "1961-01-01", "passengers": 446.2}, {"month": "1961-02-01", "passengers": 421.7}]],
    )


class ErrorBody(BaseModel):
    type: str = Field(description="The error's class, e.g. DataError, ConfigError, PayloadTooLarge.")
    message: str = Field(description="One line: what is wrong and how to fix it.")


class ErrorResponse(BaseModel):
    """Every error answer: 400 malformed JSON or invalid HTTP, 404 unknown model, 408 a request too slow,
    413 body too large, 415 not JSON, 422 content the model cannot use (the library's own message),
    500 an internal error (no traceback), 503 a model folder that does not load or too many connections.
    Messages are cut after 2,000 characters and show no server path."""

    error: ErrorBody


class ModelInfo(BaseModel):
    """A served model's metadata (``GET /model``, ``GET /models/{name}``)."""

    model_config = ConfigDict(protected_namespaces=())

    name: str
    checksum: str = Field(description="model.json's document_sha256: the SHA-256 of its other fields.")
    weights_sha256: str
    format_version: int
    library_version: str
    saved_at: str = Field(description="When model.json was written (UTC, ISO 8601).")
    loaded_at: str = Field(description="When this service loaded this version (UTC).")
    many_series: bool
    horizon: int
    window: int
    intervals: bool = Field(description="Whether level= and quantiles= are available without training.")
    fast_path: bool = Field(description="Whether one-window forecasts skip Forecaster.predict's overhead.")
    future: list[str] = Field(
        description="The columns a request's 'future' table must hold (future= covariates); empty: send no 'future'."
    )
    config: dict[str, Any] = Field(description="The model's resolved settings (what 'auto' became).")
    choices: dict[str, Any] = Field(description="Settings chosen from the data, each with its reason.")
    schema_: dict[str, Any] = Field(alias="schema", description="Columns, frequency and time span of the data.")
    training: dict[str, Any] = Field(description="Epochs, seconds of training and of compiling.")


class Health(BaseModel):
    status: str = Field(description="'ok' while every model can answer; 'degraded' while one does not load (503).")
    models: dict[str, dict[str, Any]] = Field(
        description="Per model: checksum, loaded_at, and the last reload error (checksum null: it does not load)."
    )
