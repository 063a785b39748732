"""The HTTP/1.1 connection handling under the service: uvicorn's h11 protocol, with its answers in JSON and time limits.

uvicorn answers what never reaches the application itself: a request that is not valid HTTP
(a bad ``Content-Length``, chunked encoding together with ``Content-Length``) with a plain-text
400, and connections over ``limit_concurrency`` with a plain-text 503, counted only once a
request's headers are complete, so half-sent connections are never counted. :class:`JsonH11Protocol`
subclasses uvicorn's h11 protocol (``uvicorn.run(http=JsonH11Protocol)``, a documented setting) so that:

* an invalid request gets ``{"error": {"type": "BadRequest", "message": ...}}`` with h11's reason;
* a connection over ``limit_concurrency`` (``--max-connections``) is answered 503 in JSON and closed
  as soon as it is accepted, so the connections held at once, half-sent ones included, stay bounded;
* a connection that has not sent a whole request head ``READ_TIMEOUT`` seconds after it opened
  (or after its previous answer) gets a JSON 408 and is closed: a client trickling its headers
  cannot hold a connection. The body's own time limit is in :class:`lstmcast.serve.limits.BodyLimit`.

Idle keep-alive connections are closed after uvicorn's ``timeout_keep_alive`` (``--keep-alive-timeout``).
The h11 protocol is pure Python, slower than httptools (uvicorn's default when installed), but a
forecast costs far more than parsing its request.
"""

from __future__ import annotations

import http
import json
import sys

from uvicorn.protocols.http.h11_impl import H11Protocol

from lstmcast.serve.limits import DEFAULT_READ_TIMEOUT


def raw_answer(status: int, kind: str, message: str) -> bytes:
    """A whole HTTP/1.1 response with a JSON error body, written straight to the socket, then closed."""
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class JsonH11Protocol(H11Protocol):
    """uvicorn's h11 protocol answering in JSON, with a connection cap and a time limit on request heads."""

    read_timeout: float = DEFAULT_READ_TIMEOUT  # seconds for a request head (the service sets it at startup)
    limit_concurrency: int | None  # uvicorn's, read once at startup (mypy does not follow uvicorn)

    def __init__(self, config, server_state, app_state, _loop=None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_connections = self.limit_concurrency
        self.limit_concurrency = None  # checked at connection time below, in JSON (uvicorn's check comes later)
        self._head_timer = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            self.logger.warning("connection refused: %d connections held already", len(self.connections) - 1)
            message = (
                f"this service holds {self.max_connections:,} connections already (--max-connections): "
                "try again shortly."
            )
            self._close_with(503, "ServiceUnavailable", message)
            return
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_timer()  # a new request starts on a kept-alive connection
        super().data_received(data)

    def connection_lost(self, exc) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.read_timeout, self._head_too_slow, self.cycle)

    def _head_too_slow(self, cycle_then) -> None:
        """The timer's end: the connection is closed unless a request head arrived since it was armed."""
        self._head_timer = None
        if self.transport.is_closing() or self.cycle is not cycle_then:
            return
        if self.timeout_keep_alive_task is not None:
            return  # idle between requests: uvicorn's keep-alive timeout closes it
        message = (
            f"the request's headers were not received within {self.read_timeout:g} seconds (--read-timeout): "
            "send the whole request at once."
        )
        self._close_with(408, "RequestTimeout", message)

    def _close_with(self, status: int, kind: str, message: str) -> None:
        self.transport.write(raw_answer(status, kind, message))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request that is not valid HTTP, in JSON (called while h11's error is handled)."""
        reason = sys.exc_info()[1]
        detail = f": {' '.join(str(reason).split())}" if reason is not None and str(reason) else ""
        message = f"the request is not valid HTTP/1.1{detail}. Fix the request's headers (Content-Length, encoding)."
        self._close_with(400, "BadRequest", message)
