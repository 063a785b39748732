"""``lstmcast serve``: its help, its refusals in one line, and one real server answering over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster
from lstmcast.cli import app

runner = CliRunner()


def test_help_names_the_options():
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0
    for option in ("MODEL_DIR", "--models", "--host", "--port", "--workers", "--max-body-bytes", "--max-horizon"):
        assert option in r.output


def test_export_names_its_argument_model_dir():
    r = runner.invoke(app, ["export", "--help"])
    assert r.exit_code == 0 and "MODEL_DIR" in r.output and "{model}" not in r.output


def test_a_missing_model_folder_is_refused_in_one_line(tmp_path):
    r = runner.invoke(app, ["serve", str(tmp_path / "missing")])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        f"Error: '{tmp_path / 'missing'}' is not a saved lstmcast model: it needs model.json and model.safetensors "
        "(written by Forecaster.save or 'lstmcast train')."
    ]
    r = runner.invoke(app, ["serve", str(tmp_path), "--models", str(tmp_path)])
    assert r.exit_code == 1 and "give one model folder (lstmcast serve MODEL_DIR) or one --models DIR" in r.output
    r = runner.invoke(app, ["serve", "--models", str(tmp_path)])
    assert r.exit_code == 1 and "holds no model folders" in r.output


def test_a_port_in_use_is_refused_in_one_line(tmp_path):
    with socket.socket() as held:  # another program listening on the port
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        r = runner.invoke(app, ["serve", str(tmp_path / "m"), "--port", str(port)])  # refused before loading
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use: stop what uses it, or choose another "
        "--port (or --host)."
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_server_answers_over_http(tmp_path):
    y = [10 + (i % 7) + 0.1 * i for i in range(40)]
    model = Forecaster(horizon=2, epochs=1, ensemble=1, units=4, window=5, verbose=0).fit(y)
    model.save(tmp_path / "m")
    port = free_port()
    command = [sys.executable, "-c", "from lstmcast.cli import main; main()", "serve", str(tmp_path / "m")]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    server = subprocess.Popen(
        [*command, "--port", str(port), "--no-access-log"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/forecast", json={}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, server.stdout.read().decode() if server.poll() is not None else "no answer"
        assert answer.status_code == 200
        assert [r["y"] for r in answer.json()["forecast"]] == model.predict()["y"].tolist()
        assert json.loads(httpx.get(f"http://127.0.0.1:{port}/health").text)["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny saved model (the real server test's settings)."""
    y = [10 + (i % 7) + 0.1 * i for i in range(40)]
    folder = tmp_path_factory.mktemp("tiny") / "m"
    Forecaster(horizon=2, epochs=1, ensemble=1, units=4, window=5, verbose=0).fit(y).save(folder)
    return folder


@pytest.fixture()
def started(monkeypatch):
    """What 'lstmcast serve' hands to uvicorn.run and create_app, without starting a server."""
    import uvicorn

    import lstmcast.serve.app as serve_app

    seen = {}
    real = serve_app.create_app
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(app=app, **kwargs))
    monkeypatch.setattr(
        serve_app, "create_app", lambda registry, **limits: seen.update(limits) or real(registry, **limits)
    )
    return seen


def test_serve_is_configured_through_environment_variables(tiny, started):
    port = free_port()
    env = {
        "LSTMCAST_MODELS": str(tiny.parent),
        "LSTMCAST_HOST": "127.0.0.1",
        "LSTMCAST_PORT": str(port),
        "LSTMCAST_MAX_BODY_BYTES": "1234",
        "LSTMCAST_MAX_HORIZON": "7",
        "LSTMCAST_READ_TIMEOUT": "2.5",
        "LSTMCAST_MAX_CONNECTIONS": "9",
        "LSTMCAST_KEEP_ALIVE_TIMEOUT": "3",
    }
    r = runner.invoke(app, ["serve"], env=env)
    assert r.exit_code == 0, r.output
    assert started["port"] == port and started["host"] == "127.0.0.1"
    assert (started["max_body_bytes"], started["max_horizon"], started["read_timeout"]) == (1234, 7, 2.5)
    assert (started["limit_concurrency"], started["timeout_keep_alive"]) == (9, 3)
    assert "Model 'm'" in r.output and f"http://127.0.0.1:{port}/forecast" in r.output
    r = runner.invoke(app, ["serve", "--max-horizon", "5"], env=env)  # a flag wins over its variable
    assert r.exit_code == 0 and started["max_horizon"] == 5
    r = runner.invoke(app, ["serve"], env={**env, "LSTMCAST_PORT": "http"})
    assert r.exit_code == 2 and "LSTMCAST_PORT" in r.output
    help_text = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for variable in ("LSTMCAST_MODELS", "LSTMCAST_PORT", "LSTMCAST_MAX_BODY_BYTES", "LSTMCAST_LOG_FORMAT"):
        assert variable in help_text


def test_json_logs(tiny, started):
    import logging

    from lstmcast.serve.logs import JsonFormatter

    r = runner.invoke(app, ["serve", str(tiny), "--port", str(free_port()), "--log-format", "json"])
    assert r.exit_code == 0, r.output
    startup = [json.loads(line) for line in r.output.strip().splitlines()]  # the command's own lines: JSON too
    assert startup[0]["logger"] == "lstmcast.serve" and startup[0]["message"].startswith("Model 'm'")
    formatters = started["log_config"]["formatters"]
    assert formatters["default"] == formatters["access"] == {"()": "lstmcast.serve.logs.JsonFormatter"}
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "h11_impl.py",
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/forecast", "1.1", 200),
        None,
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == '127.0.0.1:5000 - "POST /forecast HTTP/1.1" 200' and line["level"] == "INFO"
    assert (line["client"], line["method"], line["path"], line["status"]) == (
        "127.0.0.1:5000",
        "POST",
        "/forecast",
        200,
    )
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = logging.LogRecord("lstmcast.serve", logging.ERROR, "x.py", 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(failed)
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]
    r = runner.invoke(app, ["serve", str(tiny), "--log-format", "xml"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == ["Error: --log-format 'xml' is not a log format: use text or json."]
