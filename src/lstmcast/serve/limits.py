"""The service's limits: the request body, the work one request may ask for, the length of an error message.

* :class:`BodyLimit` (ASGI middleware), before anything parses the body: a ``Content-Length`` over
  the limit is answered 413 at once, without reading the body; a body sent without one (chunked)
  is read up to the limit and answered 413 as soon as it passes it. Bodies within the limit are
  handed to the application whole. A body not received whole within ``--read-timeout`` seconds
  of the request's start (a client trickling it, or one that stopped sending) is answered 408 and
  its connection closed; the request head's own time limit is in :mod:`lstmcast.serve.protocol`.
* :func:`check_request`, before any work: a ``horizon`` over ``--max-horizon`` (a recursive model
  runs one step per horizon step, and compiles one program per horizon), or more than
  :data:`MAX_SPREAD_VALUES` ``level`` and ``quantiles`` values, is a 422.
* :func:`shorten`: error messages repeat what the request held (a cell, column names); the
  service answers and logs at most :data:`MAX_MESSAGE_CHARS` of one, and says how much it cut.
"""

from __future__ import annotations

import asyncio
import json
import re

from lstmcast.errors import ConfigError

DEFAULT_MAX_BODY_BYTES = 10_000_000  # 10 MB: a forecast needs the last window rows, not the whole history
DEFAULT_MAX_HORIZON = 1_000  # steps one request may ask for (--max-horizon); monthly data: 83 years
MAX_SPREAD_VALUES = 99  # level + quantiles values in one request (1% steps: 1..99 percent, 0.01..0.99)
MAX_MESSAGE_CHARS = 2_000  # of an error message answered or logged; the rest is cut, and counted
DEFAULT_READ_TIMEOUT = 30.0  # seconds a client has to send a request's headers, and then its body (--read-timeout)
DEFAULT_MAX_CONNECTIONS = 100  # connections held at once, half-sent ones included (--max-connections)
DEFAULT_KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept (--keep-alive-timeout, uvicorn's default)
ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/-])/(?:[^\s'\"/]+/)+[^\s'\",;)]*")  # /a/b... (not 1/2/3, not a URL)


class BodyLimit:
    """ASGI middleware: 413 (JSON error body) for request bodies over ``max_bytes``, 408 for one too slow."""

    def __init__(self, app, max_bytes: int = DEFAULT_MAX_BODY_BYTES, read_timeout: float = DEFAULT_READ_TIMEOUT):
        self.app, self.max_bytes, self.read_timeout = app, int(max_bytes), float(read_timeout)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None and b"transfer-encoding" in headers:  # framed twice: a request-smuggling shape
            message = (
                "the request is not valid HTTP/1.1: it has both Content-Length and Transfer-Encoding headers; "
                "send one of them."
            )
            await _error(send, 400, "BadRequest", message)
            return
        if length is not None and not length.isdigit():
            await _error(send, 400, "BadRequest", "the Content-Length header is not a number of bytes.")
            return
        if length is not None and int(length) > self.max_bytes:
            await self._refuse(send, int(length))
            return
        chunks, size, more = [], 0, True
        deadline = asyncio.get_running_loop().time() + self.read_timeout
        while more:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await self._too_slow(send, size)
                return
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send, None)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would

        await self.app(scope, replay, send)

    async def _too_slow(self, send, size: int) -> None:
        message = (
            f"the request body was not received within {self.read_timeout:g} seconds (--read-timeout; "
            f"{size:,} bytes arrived): send the whole body at once."
        )
        await _error(send, 408, "RequestTimeout", message)

    async def _refuse(self, send, length: int | None) -> None:
        size = f"{length:,} bytes, over" if length is not None else "longer than"
        message = (
            f"the request body is {size} this service's limit of {self.max_bytes:,} bytes (--max-body-bytes): "
            "send only the recent history a forecast reads (the last window rows)."
        )
        await _error(send, 413, "PayloadTooLarge", message)


async def _error(send, status: int, kind: str, message: str) -> None:
    """A JSON error answer, the connection closed after it (the rest of the body is not read)."""
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def check_request(request, max_horizon: int = DEFAULT_MAX_HORIZON) -> None:
    """Refuse (ConfigError, 422) a forecast request asking for more work than this service allows."""
    if request.horizon is not None and request.horizon > max_horizon:
        raise ConfigError(
            f"horizon={request.horizon} is over this service's limit of {max_horizon:,} steps (--max-horizon): "
            "ask for fewer steps, or start the service with a larger --max-horizon."
        )
    spread = len(request.level or ()) + len(request.quantiles or ())
    if spread > MAX_SPREAD_VALUES:
        raise ConfigError(
            f"level and quantiles ask for {spread} values together, over this service's limit of "
            f"{MAX_SPREAD_VALUES}: ask for fewer intervals or quantiles in one request."
        )


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters not shown)"


def hide_paths(text: str, labels: dict[str, str], anywhere: bool = False) -> str:
    """``text`` with each server path of ``labels`` replaced by its label (longest first), so no answer shows one.

    anywhere: also replace any other absolute path by ``<path>`` (messages of server-side errors, which
    repeat nothing the client sent).

    >>> hide_paths("cannot read '/srv/m/a/model.json' (in /srv/m)", {"/srv/m/a": "<model a>", "/srv/m": "<--models>"})
    "cannot read '<model a>/model.json' (in <--models>)"
    >>> hide_paths("[Errno 2] No such file: '/opt/x/y.bin'; 1/2/3", {}, anywhere=True)
    "[Errno 2] No such file: '<path>'; 1/2/3"
    """
    for path in sorted(labels, key=len, reverse=True):
        if path and path != "/":
            text = text.replace(path, labels[path])
    return ABSOLUTE_PATH.sub("<path>", text) if anywhere else text
