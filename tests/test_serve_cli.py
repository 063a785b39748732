"""``lstmcast serve``: its help, its refusals in one line, and one real server answering over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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
