"""Prometheus metrics of the service (``GET /metrics``, the ``prometheus-client`` package of the ``serve`` extra).

* ``lstmcast_requests_total{route, method, status}``: answers, by route template (``/models/{name}/forecast``,
  never the raw path, so clients cannot create series), method and status code;
* ``lstmcast_request_seconds{route}``: a latency histogram, from the request to the end of the answer;
* ``lstmcast_errors_total{status}``: error answers (status 400 and above) by status code;
* ``lstmcast_model_info{model, checksum}``: 1 for each model version now served (its checksum:
  model.json's ``document_sha256``); ``lstmcast_model_up{model}``: 1 when the model answers, 0 when
  its folder does not load (503).

Each application has its own collector registry. With ``--workers N`` each process counts its
own requests, and a scrape reaches one of them.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

PATH = "/metrics"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ModelVersions:
    """A collector reading the registry at each scrape: which version of each model answers."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def collect(self):
        info = GaugeMetricFamily(
            "lstmcast_model_info",
            "The model version each name serves (checksum: model.json's document_sha256).",
            labels=["model", "checksum"],
        )
        up = GaugeMetricFamily(
            "lstmcast_model_up", "1 when the model answers, 0 when its folder does not load.", labels=["model"]
        )
        for name, health in self.registry.health().items():
            if health["checksum"] is not None:
                info.add_metric([name, health["checksum"]], 1)
            up.add_metric([name], 0 if health["checksum"] is None else 1)
        yield info
        yield up


class Metrics:
    """ASGI middleware: counts and times every answer, and answers ``GET /metrics`` itself."""

    def __init__(self, app, registry) -> None:
        self.app = app
        self.prom = CollectorRegistry()
        self.requests = Counter(
            "lstmcast_requests",
            "HTTP answers by route, method and status code.",
            ["route", "method", "status"],
            registry=self.prom,
        )
        self.latency = Histogram(
            "lstmcast_request_seconds",
            "Seconds from a request to the end of its answer, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.prom,
        )
        self.errors = Counter(
            "lstmcast_errors", "Error answers (400 and above) by status code.", ["status"], registry=self.prom
        )
        self.prom.register(ModelVersions(registry))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == PATH and scope["method"] in ("GET", "HEAD"):
            await self._scrape(send)
            return
        start, status = time.perf_counter(), 500

        async def watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", None) or "other"  # the matched template; unknown: other
            self.requests.labels(route, scope["method"] if route != "other" else "other", str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - start)
            if status >= 400:
                self.errors.labels(str(status)).inc()

    async def _scrape(self, send) -> None:
        body = generate_latest(self.prom)
        headers = [(b"content-type", CONTENT_TYPE_LATEST.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
