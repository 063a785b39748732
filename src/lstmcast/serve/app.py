"""The HTTP service: a FastAPI application over a :class:`~lstmcast.serve.registry.Registry`.

Routes: ``POST /forecast`` (the default model), ``POST /models/{name}/forecast``, ``GET /health``,
``GET /model``, ``GET /models``, ``GET /models/{name}``, ``GET /metrics`` (Prometheus,
:mod:`lstmcast.serve.metrics`); OpenAPI docs at ``/docs``.

Every error is one JSON line, ``{"error": {"type", "message"}}``: 400 malformed JSON or a request
that is not valid HTTP (:mod:`lstmcast.serve.protocol`), 404 unknown model or route, 408 a request
not received within ``--read-timeout``, 413 body over the limit (checked before parsing,
:mod:`lstmcast.serve.limits`), 415 a body that is not JSON, 422 content the model cannot use (the
library's own message), a field it cannot use, or a request over the service's limits, 500 an
internal error (the traceback goes to the server's log, never into the answer), 503 a model folder
that does not load, or a connection over ``--max-connections``. Messages are cut after
``limits.MAX_MESSAGE_CHARS`` characters and never show a server path.
Forecasts run on a small pool of worker threads, so the event loop keeps accepting requests while
JAX computes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    from fastapi import Body, FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("lstmcast serve needs FastAPI and uvicorn: pip install 'lstmcast[serve]'.") from exc

from lstmcast.errors import LstmcastError, ModelFileError
from lstmcast.serve.forecasting import answer
from lstmcast.serve.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HORIZON,
    DEFAULT_READ_TIMEOUT,
    BodyLimit,
    check_request,
    hide_paths,
    shorten,
)
from lstmcast.serve.registry import ModelNotFound, ModelUnavailable, Registry
from lstmcast.serve.schemas import ErrorResponse, ForecastRequest, ForecastResponse, Health, ModelInfo

THREADS = 2  # forecasting threads: JAX releases the GIL while a program runs; more only queue on 2 cores
SETTINGS_VARIABLE = "LSTMCAST_SERVE_SETTINGS"  # how `lstmcast serve --workers N` hands its settings to workers
ERRORS = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "Malformed JSON, or a request that is not valid HTTP.",
        404: "No model of this name (or no default model).",
        408: "A request not received whole within --read-timeout.",
        413: "Body over --max-body-bytes.",
        415: "Body not sent as JSON.",
        422: "Content the model cannot use (the library's message), or a request over the service's limits.",
        500: "Internal error (details in the server's log).",
        503: (
            "A model folder (of --models DIR) that does not load; answered again when its files change. "
            "Also a connection over --max-connections."
        ),
    }.items()
}
UNION_TAGS = {"int", "float", "str", "none"}  # the member names pydantic appends to a union's errors
NO_BODY = Body(None, description="What to forecast; an empty body or {} forecasts from the saved history.")


def build_registry(model=None, models=None) -> Registry:
    """The registry of one model folder (``model``) or of a folder of model folders (``models``), loaded and warm."""
    if (model is None) == (models is None):
        raise ModelFileError("give one model folder (lstmcast serve MODEL_DIR) or one --models DIR, not both or none.")
    return Registry.single(model) if model is not None else Registry.directory(models)


def create_app(
    registry: Registry,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    threads: int = THREADS,
    max_horizon: int = DEFAULT_MAX_HORIZON,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
):
    """The ASGI application serving ``registry``: a FastAPI app in the body limit, in the metrics (``/metrics``)."""
    from lstmcast import __version__
    from lstmcast.serve.metrics import Metrics

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lstmcast-forecast")

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    api = FastAPI(
        title="lstmcast",
        version=__version__,
        summary="Forecasts from saved lstmcast models.",
        description=(
            "POST a recent history (records) to get a forecast; an empty body or `{}` forecasts from the history "
            "saved with the model, exactly like `lstmcast predict MODEL --json`. Errors are "
            '`{"error": {"type", "message"}}`.'
        ),
        lifespan=lifespan,
    )

    async def in_pool(fn, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    def forecast_json(name: str | None, request: ForecastRequest) -> bytes:
        return answer(registry.get(name), request)

    async def respond(name: str | None, raw: Request, request: ForecastRequest | None) -> Response:
        if request is None:
            if await raw.body():  # the JSON null (an empty body forecasts from the saved history)
                return error(
                    422,
                    "InvalidRequest",
                    "the body: should be a JSON object, not null ({} forecasts from the saved history).",
                )
            request = ForecastRequest()
        check_request(request, max_horizon)  # before any work
        return Response(await in_pool(forecast_json, name, request), media_type="application/json")

    @api.post("/forecast", response_model=ForecastResponse, responses=ERRORS, tags=["forecast"])
    async def forecast(raw: Request, request: ForecastRequest | None = NO_BODY):
        """Forecast with the default model (the only one served)."""
        return await respond(None, raw, request)

    @api.post("/models/{name}/forecast", response_model=ForecastResponse, responses=ERRORS, tags=["forecast"])
    async def forecast_named(name: str, raw: Request, request: ForecastRequest | None = NO_BODY):
        """Forecast with the model ``name`` (a folder of ``--models DIR``)."""
        return await respond(name, raw, request)

    @api.get("/health", response_model=Health, tags=["service"])
    async def health():
        """Whether every model answers, and each model's current version and last reload error."""
        models = registry.health()
        status = "ok" if all(m["checksum"] is not None for m in models.values()) else "degraded"
        return {"status": status, "models": models}

    @api.get("/model", response_model=ModelInfo, responses=ERRORS, tags=["models"])
    async def model_info():
        """The default model's metadata: settings, data schema, training, checksum."""
        return (await in_pool(registry.get, None)).info

    @api.get("/models", tags=["models"])
    async def model_names() -> dict:
        """The names of the served models, and the default one."""
        return {"models": registry.names, "default": registry.default}

    @api.get("/models/{name}", response_model=ModelInfo, responses=ERRORS, tags=["models"])
    async def named_info(name: str):
        """The metadata of the model ``name``."""
        return (await in_pool(registry.get, name)).info

    @api.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError):
        return error(*describe_invalid(exc.errors()))

    @api.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException):
        if exc.status_code == 400 and exc.__cause__ is not None:  # FastAPI failed to parse the body as JSON
            return error(400, "MalformedJSON", f"the body is not valid JSON: {unparsable(exc.__cause__)}.")
        return error(exc.status_code, "NotFound" if exc.status_code == 404 else "HTTPError", str(exc.detail))

    @api.exception_handler(LstmcastError)
    async def library_error(_request: Request, exc: LstmcastError):
        if isinstance(exc, ModelNotFound):
            return error(404, "ModelNotFound", one_line(exc))
        if isinstance(exc, ModelUnavailable):  # a model folder saved into --models DIR that cannot be loaded
            return error(503, type(exc).__name__, hide_paths(one_line(exc), registry.labels(), anywhere=True))
        return error(422, type(exc).__name__, hide_paths(one_line(exc), registry.labels()))

    @api.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception):  # the server logs the traceback
        text = hide_paths(one_line(exc), registry.labels(), anywhere=True)
        return error(500, "InternalError", f"{type(exc).__name__}: {text} (the server's log has details)")

    api.state.registry = registry
    return Metrics(BodyLimit(api, max_body_bytes, read_timeout), registry)


def error(status: int, kind: str, message: str) -> Response:
    """The JSON answer of every error; the message cut after ``limits.MAX_MESSAGE_CHARS`` (it may repeat input)."""
    body = json.dumps({"error": {"type": kind, "message": shorten(message)}}).encode()
    return Response(body, status_code=status, media_type="application/json")


def unparsable(cause: BaseException) -> str:
    """Why a body FastAPI could not parse is not JSON (JSON syntax errors are described in describe_invalid)."""
    if isinstance(cause, RecursionError):
        return "it is nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {cause.start})"
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):  # Python's int digit limit
        return f"a number in it has more than {sys.get_int_max_str_digits():,} digits"
    return one_line(cause)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def describe_invalid(errors) -> tuple[int, str, str]:
    """(status, type, one-line message) of a body FastAPI could not parse or validate."""
    errors = list(errors)
    for e in errors:
        if e.get("type") == "json_invalid":
            where = e.get("loc", ())[-1] if len(e.get("loc", ())) > 1 else None
            detail = (e.get("ctx") or {}).get("error", "invalid JSON")
            at = f" at character {where}" if isinstance(where, int) else ""
            return 400, "MalformedJSON", f"the body is not valid JSON: {detail}{at}."
        if tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), bytes | bytearray):
            return (
                415,
                "UnsupportedMediaType",
                "send the body as JSON, with the header 'content-type: application/json'.",
            )
    seen: dict[str, str] = {}
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        union = bool(loc) and loc[-1] in UNION_TAGS
        key = ".".join(loc[:-1] if union else loc) or "the body"
        if key in seen:
            continue
        if union:
            seen[key] = "must be a number, a text or null"
        elif e.get("type") == "extra_forbidden":
            seen[key] = "is not a field of a forecast request (data, future, horizon, level, quantiles)"
        else:
            seen[key] = str(e.get("msg", "is not valid")).replace("Input should", "should")
    shown = [f"{key}: {msg}" for key, msg in list(seen.items())[:3]]
    more = f" (and {len(seen) - 3} more)" if len(seen) > 3 else ""
    return 422, "InvalidRequest", "; ".join(shown) + more + "."


def app_from_environment():
    """The application described by ``$LSTMCAST_SERVE_SETTINGS`` (uvicorn's factory for ``--workers N``).

    Only ``lstmcast serve``'s worker processes call this, so it opts in to ``configure()`` as the command does.
    """
    from lstmcast.runtime import configure

    configure()
    settings = json.loads(os.environ[SETTINGS_VARIABLE])
    model = Path(settings["model"]) if settings.get("model") else None
    models = Path(settings["models"]) if settings.get("models") else None
    limits = {
        "max_body_bytes": int(settings["max_body_bytes"]),
        "max_horizon": int(settings["max_horizon"]),
        "read_timeout": float(settings.get("read_timeout", DEFAULT_READ_TIMEOUT)),
    }
    from lstmcast.serve.protocol import JsonH11Protocol

    JsonH11Protocol.read_timeout = limits["read_timeout"]  # this worker process's connections
    return create_app(build_registry(model, models), **limits)
