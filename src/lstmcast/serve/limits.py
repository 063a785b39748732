"""The request body limit, enforced before anything parses the body (ASGI middleware).

A ``Content-Length`` over the limit is answered 413 at once, without reading the body; a body
sent without one (chunked) is read up to the limit and answered 413 as soon as it passes it.
Bodies within the limit are handed to the application whole.
"""

from __future__ import annotations

import json

DEFAULT_MAX_BODY_BYTES = 10_000_000  # 10 MB: a forecast needs the last window rows, not the whole history


class BodyLimit:
    """ASGI middleware: 413 (JSON error body) for request bodies over ``max_bytes``."""

    def __init__(self, app, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, int(max_bytes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and not length.isdigit():
            await _error(send, 400, "BadRequest", "the Content-Length header is not a number of bytes.")
            return
        if length is not None and int(length) > self.max_bytes:
            await self._refuse(send, int(length))
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
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
