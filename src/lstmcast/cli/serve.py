"""``lstmcast serve``: forecasts over HTTP from saved models (FastAPI + uvicorn, the ``serve`` extra)."""

import json
import os
import socket
from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors

DEFAULT_MAX_BODY_BYTES = 10_000_000  # as lstmcast.serve.limits (not imported here: --help stays instant)
DEFAULT_MAX_HORIZON = 1_000  # as lstmcast.serve.limits


@app.command()
def serve(
    model: Optional[Path] = typer.Argument(  # noqa: UP045
        None, metavar="MODEL_DIR", help="Model folder written by 'lstmcast train' (or use --models)."
    ),
    models: Optional[Path] = typer.Option(  # noqa: UP045
        None, "--models", help="Serve every model folder in this folder, by name: POST /models/NAME/forecast."
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Server processes (each loads the models)."),
    max_body_bytes: int = typer.Option(
        DEFAULT_MAX_BODY_BYTES, min=1, help="Refuse request bodies over this many bytes (413)."
    ),
    max_horizon: int = typer.Option(
        DEFAULT_MAX_HORIZON, min=1, help="Refuse requests for more forecast steps than this (422)."
    ),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="Log one line per request."),
) -> None:
    """Serve forecasts over HTTP: POST /forecast with {} forecasts like 'lstmcast predict MODEL'; docs at /docs."""
    with user_errors():
        try:
            import uvicorn

            from lstmcast.serve.app import SETTINGS_VARIABLE, build_registry, create_app
        except ImportError as exc:
            raise ImportError(f"{exc} (lstmcast serve needs: pip install 'lstmcast[serve]')") from None

        check_port(host, port)  # a port in use: one line now, not a uvicorn log line after loading the models
        registry = build_registry(model, models)  # loads and warms every model: a bad folder stops here, in one line
        con = console()
        for name in registry.names:
            info = registry.get(name).info
            con.print(f"Model {name!r}: {info['path']} (checksum {info['checksum'][:12]})", highlight=False)
        route = "/forecast" if registry.default else "/models/NAME/forecast"
        con.print(f"Forecasts: POST http://{host}:{port}{route}; docs: http://{host}:{port}/docs", highlight=False)
        # uvicorn's logging, plus the service's own lines (a model picked up again, or a reload that failed)
        logs = {**uvicorn.config.LOGGING_CONFIG}
        logs["loggers"] = {
            **logs["loggers"],
            "lstmcast.serve": {"handlers": ["default"], "level": "INFO", "propagate": False},
        }
        if workers == 1:
            application = create_app(registry, max_body_bytes, max_horizon=max_horizon)
            uvicorn.run(application, host=host, port=port, access_log=access_log, log_config=logs)
            return
        settings = {"model": str(model) if model else None, "models": str(models) if models else None}
        os.environ[SETTINGS_VARIABLE] = json.dumps(
            {**settings, "max_body_bytes": max_body_bytes, "max_horizon": max_horizon}
        )
        uvicorn.run(
            "lstmcast.serve.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            log_config=logs,
        )


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
