"""Load on ``lstmcast serve``: throughput and latency at 1, 8 and 64 concurrent clients, and bad requests.

Trains the two models of ``benchmarks/predict_latency.py`` into a temporary folder (or reads them
from --models DIR), starts ``lstmcast serve --models DIR`` as a subprocess on a free port of
127.0.0.1, and drives it with httpx's async client (one process, so the client shares the CPU with
the server). Per model and concurrency, two kinds of request:

* ``{}``: the saved history (the service computes it once per model version, then answers from memory);
* ``history``: the last window + 12 rows in the body, 64 different ones (each one forecast afresh).

Each run stops after --requests requests or --seconds seconds. Then a mixed run at 64 clients sends
1,000 malformed requests (bad JSON, wrong types, NaN values, missing columns, bodies over the limit,
unknown model names, a wrong content type, too short histories) among good ones: each must get a 4xx,
every good one a 200, none a 5xx, and ``/health`` must answer afterwards. The server is stopped at the end.
Targets: p50 <= 5 ms and p99 <= 20 ms at one client; >= 500 forecasts/s at 64 clients.

    python benchmarks/serve_load.py [--models DIR] [--requests 2000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from predict_latency import NAMES, train_models  # noqa: E402

MAX_BODY = 100_000  # the server's --max-body-bytes here, so oversized bodies stay cheap to send
JSON = {"content-type": "application/json"}
CONCURRENCY = (1, 8, 64)
MALFORMED = 1000
POOL = 8  # connections per httpx client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(models: Path, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from lstmcast.cli import main; main()", "serve", "--models", str(models)]
    command += ["--port", str(port), "--no-access-log", "--max-body-bytes", str(MAX_BODY)]
    return subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_healthy(base: str, server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s:\n{log.read_text()}")


def histories(model_dir: Path, n: int = 64) -> list[bytes]:
    """``n`` request bodies, each the model's last window + 12 rows scaled by its own factor."""
    import lstmcast

    model = lstmcast.load(model_dir)
    frame = model.actual().iloc[-(model.window_ + 12) :]
    target = frame.columns[0]
    bodies = []
    for i in range(n):
        rows = frame.assign(**{target: frame[target] * (0.9 + 0.2 * i / n)})
        if model.series_.time_name:
            rows = rows.reset_index().astype({model.series_.time_name: str})
        bodies.append(json.dumps({"data": rows.to_dict(orient="records")}).encode())
    return bodies


def malformed(name: str, good: bytes) -> list[tuple[str, str, bytes, dict]]:
    """(kind, path, body, headers) of bad requests to model ``name``, built from a good body."""
    doc = json.loads(good)
    rows = doc["data"]
    target = [k for k in rows[0] if k != "month"][0]
    path = f"/models/{name}/forecast"
    nan_rows = [dict(r) for r in rows]
    nan_rows[3][target] = math.nan
    return [
        ("bad JSON", path, good[: len(good) // 2], JSON),
        ("wrong types", path, json.dumps({"horizon": "twelve"}).encode(), JSON),
        ("wrong types", path, json.dumps({"data": [{target: [1, 2]}]}).encode(), JSON),
        ("wrong types", path, json.dumps({"data": {"a": 1}, "level": "80"}).encode(), JSON),
        ("NaN values", path, json.dumps({"data": nan_rows}).encode(), JSON),
        ("missing columns", path, json.dumps({"data": [{"other": r[target]} for r in rows]}).encode(), JSON),
        ("too short", path, json.dumps({"data": rows[:2]}).encode(), JSON),
        ("oversized", path, b'{"data": [' + b'{"y": 1.0}, ' * (MAX_BODY // 10) + b"]}", JSON),
        ("unknown model", "/models/no-such-model/forecast", good, JSON),
        ("not JSON", path, good, {"content-type": "text/plain"}),
        ("unknown field", path, json.dumps({"horizn": 3}).encode(), JSON),
    ]


async def drive(base: str, jobs, clients: int, limit: int, seconds: float):
    """Send ``jobs`` (kind, path, body, headers) round-robin from ``clients`` concurrent tasks, after one untimed
    request per task; per kind: latencies and status counts, and transport errors.

    The tasks share httpx clients of at most POOL connections each (one pool of 64 connections cost the
    client ~3x more CPU per request than the server spent answering it), opened fresh for each run.
    """
    latencies, statuses = collections.defaultdict(list), collections.defaultdict(collections.Counter)
    errors = collections.Counter()
    sent = 0
    pools = [
        httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=POOL))
        for _ in range(math.ceil(clients / POOL))
    ]

    async def warm(i: int) -> None:
        kind, path, body, headers = jobs[i % len(jobs)]
        await pools[i % len(pools)].post(path, content=body, headers=headers)

    async def worker(i: int) -> None:
        nonlocal sent
        client = pools[i % len(pools)]
        while sent < limit and time.perf_counter() < deadline:
            kind, path, body, headers = jobs[sent % len(jobs)]
            sent += 1
            t = time.perf_counter()
            try:
                r = await client.post(path, content=body, headers=headers)
            except httpx.TransportError as exc:
                errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            latencies[kind].append(time.perf_counter() - t)
            statuses[kind][r.status_code] += 1

    try:
        await asyncio.gather(*(warm(i) for i in range(clients) if jobs[i % len(jobs)][0] in ("ok", "good")))
        t0 = time.perf_counter()
        deadline = t0 + seconds
        await asyncio.gather(*(worker(i) for i in range(clients)))
        wall = time.perf_counter() - t0
    finally:
        for pool in pools:
            await pool.aclose()
    return wall, latencies, statuses, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(values: list[float], q: float) -> float:
    return 1e3 * (
        statistics.median(values) if q == 50 else sorted(values)[min(len(values) - 1, int(q / 100 * len(values)))]
    )


async def run(base: str, server: int, paths: dict[str, Path], requests: int, seconds: float) -> int:
    bodies = {name: histories(paths[name]) for name in NAMES}
    failures = 0
    print(
        f"\n{'model':<6} {'request':<8} {'clients':>7} {'requests':>8} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'5xx':>4} {'server CPU ms/req':>17} {'client CPU ms/req':>17}"
    )
    for name in NAMES:
        path = f"/models/{name}/forecast"
        kinds = (("{}", [("ok", path, b"{}", JSON)]), ("history", [("ok", path, b, JSON) for b in bodies[name]]))
        for kind, jobs in kinds:
            for clients in CONCURRENCY:
                limit = requests if clients > 1 else requests // 4
                cpu0, own0 = cpu_seconds(server), time.process_time()
                wall, lat, st, errors = await drive(base, jobs, clients, limit, seconds)
                done = lat["ok"]
                cpu = 1e3 * (cpu_seconds(server) - cpu0) / max(len(done), 1)
                own = 1e3 * (time.process_time() - own0) / max(len(done), 1)
                bad = sum(n for code, n in st["ok"].items() if code != 200) + sum(errors.values())
                five = sum(n for code, n in st["ok"].items() if code >= 500)
                failures += bad
                print(
                    f"{name:<6} {kind:<8} {clients:>7} {len(done):>8} {len(done) / wall:>8.0f} "
                    f"{ms(done, 50):>8.2f} {ms(done, 99):>8.2f} {five:>4} {cpu:>17.2f} {own:>17.2f}"
                    + (f"  NOT 200: {bad}" if bad else "")
                )
    # 1,000 malformed requests mixed among as many good ones, at 64 clients
    bad_jobs = [job for name in NAMES for job in malformed(name, bodies[name][0])]
    good_jobs = [("good", f"/models/{name}/forecast", b, JSON) for name in NAMES for b in bodies[name][:8]]
    jobs = [bad_jobs[i % len(bad_jobs)] for i in range(MALFORMED)]
    jobs += [good_jobs[i % len(good_jobs)] for i in range(MALFORMED)]
    random.Random(0).shuffle(jobs)
    wall, lat, st, errors = await drive(base, jobs, 64, len(jobs), 600)
    print(f"\nmixed run: {len(jobs)} requests at 64 clients in {wall:.1f} s")
    for kind in sorted(st):
        print(f"  {kind:<15} " + ", ".join(f"{code} x{n}" for code, n in sorted(st[kind].items())))
    for what, n in errors.items():
        print(f"  transport error {what} x{n}")
    expected = {kind: (lambda c: c == 200) if kind == "good" else (lambda c: 400 <= c < 500) for kind in st}
    wrong = sum(n for kind in st for code, n in st[kind].items() if not expected[kind](code))
    five = sum(n for kind in st for code, n in st[kind].items() if code >= 500)
    async with httpx.AsyncClient(base_url=base) as client:
        health = (await client.get("/health")).json()["status"]
    print(
        f"  answers not as expected: {wrong}; 5xx: {five}; transport errors: {sum(errors.values())}; "
        f"/health afterwards: {health}"
    )
    return failures + wrong + sum(errors.values()) + (health != "ok")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="Folder of the trained models (trained into it when absent).")
    parser.add_argument("--requests", type=int, default=2000, help="Requests per run (a quarter at one client).")
    parser.add_argument("--seconds", type=float, default=10.0, help="Time limit per run.")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        models = args.models or Path(tmp) / "models"
        import lstmcast

        lstmcast.configure()
        paths = train_models(models)
        port, log = free_port(), Path(tmp) / "server.log"
        base = f"http://127.0.0.1:{port}"
        t = time.perf_counter()
        server = start_server(models, port, log)
        try:
            wait_healthy(base, server, log)
            print(f"server up in {time.perf_counter() - t:.1f} s (models loaded and warmed)")
            failures = asyncio.run(run(base, server.pid, paths, args.requests, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"server stopped (exit {server.returncode}); load average after: {os.getloadavg()[0]:.2f}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
