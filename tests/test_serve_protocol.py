"""The service's connections (lstmcast.serve.protocol, limits.BodyLimit): JSON answers to invalid HTTP, time limits
on slow clients, a connection cap and keep-alive limits, checked with raw sockets against a real uvicorn server."""

import json
import socket
import threading
import time

import pytest
import uvicorn

from lstmcast.serve.limits import BodyLimit
from lstmcast.serve.protocol import JsonH11Protocol


async def echo(scope, receive, send):
    """A tiny ASGI app: answers the body's length."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    message = await receive()
    body = json.dumps({"bytes": len(message.get("body", b""))}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture()
def server(monkeypatch):
    """A real server on a free port: (port, settings) with a 0.5 s read timeout, 3 connections, 1 s keep-alive."""
    monkeypatch.setattr(JsonH11Protocol, "read_timeout", 0.5)
    config = uvicorn.Config(
        BodyLimit(echo, 1000, read_timeout=0.5),
        host="127.0.0.1",
        port=0,
        http=JsonH11Protocol,
        limit_concurrency=3,
        timeout_keep_alive=1,
        log_level="critical",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield port
    srv.should_exit = True
    thread.join(timeout=10)


def connect(port) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock


def answer(sock) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one whole answer read from ``sock`` (Content-Length framed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def closed(sock) -> bool:
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False


@pytest.mark.parametrize(
    "head, reason",
    [
        (b"POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "bad Content-Length"),
        (
            b"POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
            "both Content-Length and Transfer-Encoding",
        ),
        (b"GARBAGE\r\n\r\n", "illegal request line"),
    ],
)
def test_invalid_http_gets_a_json_error(server, head, reason):
    with connect(server) as sock:
        sock.sendall(head)
        status, headers, body = answer(sock)
        assert status == 400 and headers["content-type"] == "application/json"
        error = json.loads(body)["error"]
        assert error["type"] == "BadRequest" and error["message"].startswith("the request is not valid HTTP/1.1")
        assert reason in error["message"]
        assert closed(sock)


def test_a_body_sent_too_slowly_is_answered_408(server):
    with connect(server) as sock:
        sock.sendall(
            b"POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        start = time.monotonic()
        for _ in range(3):  # trickles 3 bytes, then stops
            sock.sendall(b" ")
            time.sleep(0.1)
        status, _, body = answer(sock)
        assert status == 408 and time.monotonic() - start < 3
        assert json.loads(body)["error"] == {
            "type": "RequestTimeout",
            "message": "the request body was not received within 0.5 seconds (--read-timeout; 3 bytes arrived): "
            "send the whole body at once.",
        }


def test_headers_sent_too_slowly_are_answered_408_and_closed(server):
    with connect(server) as sock:
        sock.sendall(b"POST /forecast HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        status, _, body = answer(sock)
        assert status == 408 and json.loads(body)["error"]["type"] == "RequestTimeout"
        assert "headers were not received within 0.5 seconds" in json.loads(body)["error"]["message"]
        assert closed(sock)


def test_connections_over_the_limit_get_a_json_503_and_the_held_ones_are_released(server):
    held = [connect(server) for _ in range(3)]  # half-sent connections count
    for sock in held:
        sock.sendall(b"POST /forecast HTTP/1.1\r\n")
    time.sleep(0.1)
    with connect(server) as extra:
        status, _, body = answer(extra)
        assert status == 503
        assert json.loads(body)["error"] == {
            "type": "ServiceUnavailable",
            "message": "this service holds 3 connections already (--max-connections): try again shortly.",
        }
    for sock in held:  # each held connection is answered 408 and closed after the read timeout
        assert answer(sock)[0] == 408
        sock.close()
    time.sleep(0.2)
    with connect(server) as sock:  # room again
        sock.sendall(b"POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        assert answer(sock)[0] == 200


def test_an_idle_keep_alive_connection_is_closed(server):
    with connect(server) as sock:
        for _ in range(2):  # kept alive between requests
            sock.sendall(b"POST /forecast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            status, _, body = answer(sock)
            assert status == 200 and json.loads(body) == {"bytes": 2}
        start = time.monotonic()
        assert closed(sock) and 0.5 < time.monotonic() - start < 4  # after the 1 s keep-alive timeout
