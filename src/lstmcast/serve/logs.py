"""The service's log lines: uvicorn's text format, or one JSON object per line (``--log-format json``).

JSON lines carry ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; uvicorn's access
lines add ``client``, ``method``, ``path`` and ``status``; an exception adds ``exception`` (its
traceback, as one string), so each record stays one line for a log collector.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args  # uvicorn's access line arguments
            line.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_config(log_format: str = "text") -> dict:
    """uvicorn's logging configuration, with the service's own logger, in ``log_format`` (text or json)."""
    import uvicorn

    logs = {**uvicorn.config.LOGGING_CONFIG}
    logs["loggers"] = {
        **logs["loggers"],
        "lstmcast.serve": {"handlers": ["default"], "level": "INFO", "propagate": False},
    }
    if log_format == "json":
        formatter = {"()": "lstmcast.serve.logs.JsonFormatter"}
        logs["formatters"] = {"default": formatter, "access": formatter}
    return logs
