"""The HTTP forecast service behind ``lstmcast serve`` (needs the ``serve`` extra: FastAPI, uvicorn).

* :mod:`~lstmcast.serve.app`: the FastAPI application, its routes and error answers;
* :mod:`~lstmcast.serve.registry`: models by name, reloaded atomically when replaced on disk;
* :mod:`~lstmcast.serve.forecasting`: a request answered through the library's checks;
* :mod:`~lstmcast.serve.fastpath`: one-window forecasts, bit-identical to ``Forecaster.predict``;
* :mod:`~lstmcast.serve.schemas`: request and response bodies (the OpenAPI schema);
* :mod:`~lstmcast.serve.limits`: the request body's size and time limits, the request limits, paths hidden;
* :mod:`~lstmcast.serve.protocol`: uvicorn's h11 protocol answering invalid HTTP in JSON, with a connection cap;
* :mod:`~lstmcast.serve.metrics`: Prometheus ``/metrics``;
* :mod:`~lstmcast.serve.logs`: text or JSON log lines.
"""
