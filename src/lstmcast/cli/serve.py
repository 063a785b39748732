"""``lstmcast serve``: forecasts over HTTP from saved models (FastAPI + uvicorn, the ``serve`` extra).

Every option can also be set by an environment variable (``LSTMCAST_PORT=8080``, ``LSTMCAST_MODELS=/models``...,
named in ``--help``), for containers; a flag given on the command line wins over its variable.
"""

import json
import os
import socket
from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors

DEFAULT_MAX_BODY_BYTES = 10_000_000  # as lstmcast.serve.limits (not imported here: --help stays instant)
DEFAULT_MAX_HORIZON = 1_000  # as lstmcast.serve.limits
DEFAULT_READ_TIMEOUT = 30.0  # as lstmcast.serve.limits
DEFAULT_MAX_CONNECTIONS = 100  # as lstmcast.serve.limits
DEFAULT_KEEP_ALIVE = 5  # as lstmcast.serve.limits


@app.command()
def serve(
    model: Optional[Path] = typer.Argument(  # noqa: UP045
        None,
        metavar="MODEL_DIR",
        envvar="LSTMCAST_MODEL",
        help="Model folder written by 'lstmcast train' (or use --models).",
    ),
    models: Optional[Path] = typer.Option(  # noqa: UP045
        None,
        "--models",
        envvar="LSTMCAST_MODELS",
        help="Serve every model folder in this folder, by name: POST /models/NAME/forecast.",
    ),
    host: str = typer.Option(
        "127.0.0.1", envvar="LSTMCAST_HOST", help="Address to listen on (0.0.0.0: every interface)."
    ),
    port: int = typer.Option(8000, min=0, max=65535, envvar="LSTMCAST_PORT", help="Port to listen on."),
    workers: int = typer.Option(1, min=1, envvar="LSTMCAST_WORKERS", help="Server processes (each loads the models)."),
    max_body_bytes: int = typer.Option(
        DEFAULT_MAX_BODY_BYTES,
        min=1,
        envvar="LSTMCAST_MAX_BODY_BYTES",
        help="Refuse request bodies over this many bytes (413).",
    ),
    max_horizon: int = typer.Option(
        DEFAULT_MAX_HORIZON,
        min=1,
        envvar="LSTMCAST_MAX_HORIZON",
        help="Refuse requests for more forecast steps than this (422).",
    ),
    read_timeout: float = typer.Option(
        DEFAULT_READ_TIMEOUT,
        min=0.001,
        envvar="LSTMCAST_READ_TIMEOUT",
        help="Seconds a client has to send a request's headers, then as many for its body (408 after).",
    ),
    max_connections: int = typer.Option(
        DEFAULT_MAX_CONNECTIONS,
        min=1,
        envvar="LSTMCAST_MAX_CONNECTIONS",
        help="Connections held at once per process, half-sent ones included (503 beyond).",
    ),
    keep_alive_timeout: int = typer.Option(
        DEFAULT_KEEP_ALIVE,
        min=1,
        envvar="LSTMCAST_KEEP_ALIVE_TIMEOUT",
        help="Seconds an idle keep-alive connection is kept open.",
    ),
    log_format: str = typer.Option(
        "text", envvar="LSTMCAST_LOG_FORMAT", help="Log lines as text, or as one JSON object per line (json)."
    ),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", envvar="LSTMCAST_ACCESS_LOG", help="Log one line per request."
    ),
) -> None:
    """Serve forecasts over HTTP: POST /forecast with {} forecasts like 'lstmcast predict MODEL'; docs at /docs."""
    with user_errors():
        if log_format not in ("text", "json"):
            from lstmcast.errors import ConfigError

            raise ConfigError(f"--log-format {log_format!r} is not a log format: use text or json.")
        try:
            import uvicorn

            from lstmcast.serve.app import SETTINGS_VARIABLE, build_registry, create_app
            from lstmcast.serve.logs import log_config
            from lstmcast.serve.protocol import JsonH11Protocol
        except ImportError as exc:
            raise ImportError(f"{exc} (lstmcast serve needs: pip install 'lstmcast[serve]')") from None

        check_port(host, port)  # a port in use: one line now, not a uvicorn log line after loading the models
        registry = build_registry(model, models)  # loads and warms every model: a bad MODEL_DIR stops here
        logs = log_config(log_format)  # uvicorn's logging, plus the service's own lines
        say = startup_lines(log_format)
        down = registry.unavailable()
        for name in registry.names:
            if name in down:  # --models DIR: the others are served, this one answered 503 until its files change
                say(f"Model {name!r} does not load, answered 503: {down[name]}")
                continue
            checksum = registry.get(name).checksum  # the console shows the folder; no HTTP answer does
            say(f"Model {name!r}: {registry.slot(name).path} (checksum {checksum[:12]})")
        route = "/forecast" if registry.default else "/models/NAME/forecast"
        say(f"Forecasts: POST http://{host}:{port}{route}; docs: http://{host}:{port}/docs; metrics: /metrics")
        JsonH11Protocol.read_timeout = read_timeout
        server = {
            "host": host,
            "port": port,
            "access_log": access_log,
            "log_config": logs,
            "http": JsonH11Protocol,  # JSON answers to invalid HTTP, a connection cap, a time limit on heads
            "limit_concurrency": max_connections,
            "timeout_keep_alive": keep_alive_timeout,
        }
        limits = {"max_body_bytes": max_body_bytes, "max_horizon": max_horizon, "read_timeout": read_timeout}
        if workers == 1:
            uvicorn.run(create_app(registry, **limits), **server)
            return
        settings = {"model": str(model) if model else None, "models": str(models) if models else None}
        os.environ[SETTINGS_VARIABLE] = json.dumps({**settings, **limits})
        uvicorn.run("lstmcast.serve.app:app_from_environment", factory=True, workers=workers, **server)


def startup_lines(log_format: str):
    """How the command reports what it serves: printed, or (json) as JSON lines like the service's log lines."""
    if log_format == "json":
        import logging

        from lstmcast.serve.logs import JsonFormatter

        formatter = JsonFormatter()
        fields = {"name": "lstmcast.serve", "levelname": "INFO", "levelno": logging.INFO}
        return lambda line: typer.echo(formatter.format(logging.makeLogRecord({**fields, "msg": line})), err=True)
    con = console()
    return lambda line: con.print(line, highlight=False)


def check_port(host: str, port: int) -> None:
    """Refuse (ConfigError) an address uvicorn could not listen on, binding it as uvicorn does, then letting go."""
    from lstmcast.errors import ConfigError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigError(
                f"cannot listen on {host}:{port}: {reason}: stop what uses it, or choose another --port (or --host)."
            ) from None
