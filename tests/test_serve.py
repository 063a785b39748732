"""The HTTP service (lstmcast.serve): forecasts equal the library's, errors are one clear line, swaps are atomic."""

import json
import threading

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lstmcast import Forecaster, load
from lstmcast.cli import app as cli
from lstmcast.errors import ConfigError
from lstmcast.forecasting import forecast_inputs
from lstmcast.serve.app import build_registry, create_app, describe_invalid
from lstmcast.serve.fastpath import FastForecast

SMALL = dict(horizon=3, epochs=2, ensemble=1, seed=0, units=8, window=6, verbose=0, combine=False)


def monthly(n=60, seed=0, level=100.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = level + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)
    return pd.DataFrame({"month": pd.date_range("2015-01-01", periods=n, freq="MS"), "sales": y})


def records(frame: pd.DataFrame) -> list[dict]:
    out = frame.copy()
    out["month"] = out["month"].dt.strftime("%Y-%m-%d")
    return out.to_dict(orient="records")


def values(forecast: list[dict], name: str) -> list[float]:
    return [r[name] for r in forecast]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Small saved models: one series (calibrated intervals), an ensemble, a recursive one, many series."""
    root = tmp_path_factory.mktemp("serve")
    data = monthly()
    one = Forecaster(**SMALL).fit(data, target="sales", time="month").calibrate()
    one.save(root / "models" / "sales")
    Forecaster(**{**SMALL, "ensemble": 2, "seed": 1}).fit(data, target="sales", time="month").save(root / "other")
    Forecaster(**{**SMALL, "strategy": "recursive"}).fit(data, target="sales", time="month").save(root / "recursive")
    rows = [monthly(40, seed=i, level=100 * (i + 1)).assign(store=f"s{i}") for i in range(3)]
    panel = pd.concat(rows, ignore_index=True)[["store", "month", "sales"]]
    Forecaster(**SMALL).fit(panel, id="store", time="month", target="sales").save(root / "panel")
    return {"root": root, "data": data, "panel": panel}


@pytest.fixture(scope="module")
def client(models):
    with TestClient(create_app(build_registry(model=models["root"] / "models" / "sales"))) as c:
        yield c


def test_empty_body_equals_lstmcast_predict(models, client):
    folder = models["root"] / "models" / "sales"
    cli_out = CliRunner().invoke(cli, ["predict", str(folder), "--json"])
    assert cli_out.exit_code == 0, cli_out.output
    for body in ({"json": {}}, {}):  # {} and no body at all
        r = client.post("/forecast", **body)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["forecast"] == json.loads(cli_out.output)["forecast"]
        assert values(answer["forecast"], "sales") == load(folder).predict()["sales"].tolist()
        assert answer["model"] == "sales" and len(answer["checksum"]) == 64
        assert answer["checksum"] == json.loads(cli_out.output)["checksum"]  # predict --json names the version too


def test_history_in_the_body_equals_predict_data(models, client):
    model = load(models["root"] / "models" / "sales")
    history = models["data"].iloc[-20:].assign(sales=lambda d: d["sales"] * 1.1)  # newer, different history
    r = client.post("/forecast", json={"data": records(history)})
    assert r.status_code == 200, r.text
    expected = model.predict(data=history)
    forecast = r.json()["forecast"]
    assert values(forecast, "sales") == expected["sales"].tolist()
    assert [f["month"] for f in forecast] == [str(t.date()) for t in expected.index]
    r = client.post("/forecast", json={"data": records(history), "horizon": 2})
    assert values(r.json()["forecast"], "sales") == model.predict(data=history, horizon=2)["sales"].tolist()


def test_intervals_with_level_and_quantiles(models, client):
    model = load(models["root"] / "models" / "sales")
    r = client.post("/forecast", json={"level": [80, 95], "quantiles": [0.1, 0.9]})
    assert r.status_code == 200, r.text
    expected = model.predict(level=[80, 95], quantiles=[0.1, 0.9])
    forecast = r.json()["forecast"]
    for column in ("sales", "sales-lo-80", "sales-hi-80", "sales-lo-95", "sales-hi-95", "sales-q-10", "sales-q-90"):
        assert values(forecast, column) == expected[column].tolist()


def test_intervals_of_a_model_saved_without_them_are_refused(models):
    with TestClient(create_app(build_registry(model=models["root"] / "other"))) as c:
        r = c.post("/forecast", json={"level": [80]})
        assert r.status_code == 422
        assert r.json()["error"]["message"] == (
            "model 'other' was saved without calibrated prediction intervals, and calibrating them means training a "
            "copy, which the service does not do: ask without level= and quantiles=, or save the model with them "
            "(lstmcast train calibrates them; in Python, model.calibrate() before model.save()) and ask again."
        )


def test_error_answers_and_the_service_keeps_answering(models, client):
    folder = models["root"] / "models" / "sales"
    ok = client.post("/forecast", json={}).json()
    r = client.post("/forecast", content=b'{"horizon": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "MalformedJSON"
    assert r.json()["error"]["message"].startswith("the body is not valid JSON:")
    r = client.post("/forecast", content=b"{}", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "content-type: application/json" in r.json()["error"]["message"]
    r = client.post("/forecast", json={"horizon": "three"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "horizon: should be a valid integer."
    r = client.post("/forecast", json={"horizn": 3})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("horizn: is not a field")
    r = client.post("/models/nope/forecast", json={})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "no model named 'nope' is served: the models are sales (GET /models)."
    # content the library refuses: its own message, word for word
    bad = models["data"].iloc[-20:].copy()
    bad.loc[bad.index[5], "sales"] = np.nan
    with pytest.raises(ValueError) as library:
        load(folder).predict(data=bad)
    body = json.dumps({"data": records(bad)})  # NaN, as Python's json writes it
    assert "NaN" in body
    r = client.post("/forecast", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {"type": type(library.value).__name__, "message": " ".join(str(library.value).split())}
    r = client.post("/forecast", json={"data": records(models["data"].iloc[-3:])})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("predicting needs the last 6 rows")
    r = client.post("/forecast", json={"horizon": 99})
    assert r.status_code == 422 and r.json()["error"]["type"] == "ConfigError" and "horizon=99" in r.text
    assert client.post("/forecast", json={}).json() == ok  # still answering, and the same


def test_body_limit_with_and_without_content_length(models):
    app = create_app(build_registry(model=models["root"] / "models" / "sales"), max_body_bytes=1000)
    with TestClient(app) as c:
        big = json.dumps({"data": records(pd.concat([models["data"]] * 3))}).encode()
        r = c.post("/forecast", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
        assert f"{len(big):,} bytes, over this service's limit of 1,000 bytes" in r.json()["error"]["message"]
        chunked = c.post(
            "/forecast", content=iter([big[:600], big[600:]]), headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413 and "longer than this service's limit" in chunked.json()["error"]["message"]
        assert c.post("/forecast", json={}).status_code == 200


def test_internal_errors_are_one_line_without_traceback(models, monkeypatch):
    import lstmcast.serve.app as serve_app

    def broken(version, request):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(serve_app, "answer", broken)
    with TestClient(create_app(build_registry(model=models["root"] / "other")), raise_server_exceptions=False) as c:
        r = c.post("/forecast", json={})
        assert r.status_code == 500
        assert r.json() == {
            "error": {
                "type": "InternalError",
                "message": "RuntimeError: boom second line (the server's log has details)",
            }
        }
        assert "Traceback" not in r.text and c.get("/health").json()["status"] == "ok"


def test_concurrent_requests_are_each_answered_correctly(models, client):
    model = load(models["root"] / "models" / "sales")
    histories = [models["data"].iloc[-12:].assign(sales=lambda d, k=k: d["sales"] + k) for k in range(16)]
    expected = [model.predict(data=h)["sales"].tolist() for h in histories]
    got = [None] * 16

    def ask(k):
        got[k] = values(client.post("/forecast", json={"data": records(histories[k])}).json()["forecast"], "sales")

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_a_model_replaced_on_disk_is_swapped_atomically(models, tmp_path):
    old, new = load(models["root"] / "models" / "sales"), load(models["root"] / "other")
    folder = tmp_path / "live"
    old.save(folder)
    forecasts = {}
    with TestClient(create_app(build_registry(model=folder))) as c:
        first = c.post("/forecast", json={}).json()
        forecasts[first["checksum"]] = values(first["forecast"], "sales")
        answers, stop = [], threading.Event()

        def hammer():
            while not stop.is_set():
                answers.append(c.post("/forecast", json={}).json())

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        new.save(folder, overwrite=True)  # renameat2 exchange while requests run
        after = None
        for _ in range(200):  # the next requests pick the new files up
            after = c.post("/forecast", json={}).json()
            if after["checksum"] != first["checksum"]:
                break
        stop.set()
        for t in threads:
            t.join()
        forecasts[after["checksum"]] = values(after["forecast"], "sales")
    assert after["checksum"] != first["checksum"] and len(answers) > 0
    assert forecasts[after["checksum"]] == new.predict()["sales"].tolist()
    assert forecasts[first["checksum"]] == old.predict()["sales"].tolist()
    for a in answers:  # every answer is the old model's or the new one's, whole
        assert values(a["forecast"], "sales") == forecasts[a["checksum"]]


def test_a_damaged_replacement_keeps_the_old_model_and_says_so(models, tmp_path):
    folder = tmp_path / "live"
    load(models["root"] / "other").save(folder)
    with TestClient(create_app(build_registry(model=folder))) as c:
        before = c.post("/forecast", json={}).json()
        doc = folder / "model.json"
        doc.write_text(doc.read_text().replace('"seed": 1', '"seed": 2', 1))  # checksum no longer matches
        assert c.post("/forecast", json={}).json() == before
        error = c.get("/health").json()["models"]["live"]["error"]
        assert "ModelFileError" in error and "checksum mismatch" in error


def test_health_model_metadata_and_docs(models, client):
    assert client.get("/health").json()["status"] == "ok"
    info = client.get("/model").json()
    assert info["name"] == "sales" and info["horizon"] == 3 and info["window"] == 6 and info["intervals"] is True
    assert info["schema"]["targets"] == ["sales"] and info["schema"]["time"] == "month"
    assert info["training"]["epochs"] == 2 and info["config"]["units"] == [8] and info["fast_path"] is True
    assert client.get("/models").json() == {"models": ["sales"], "default": "sales"}
    spec = client.get("/openapi.json").json()
    assert {"/forecast", "/models/{name}/forecast", "/health", "/model"} <= set(spec["paths"])
    assert "ForecastRequest" in spec["components"]["schemas"] and client.get("/docs").status_code == 200


def test_several_models_by_name_and_one_saved_later(models, tmp_path):
    directory = tmp_path / "served"
    for name in ("a", "b"):
        load(models["root"] / "other").save(directory / name)
    with TestClient(create_app(build_registry(models=directory))) as c:
        assert c.get("/models").json() == {"models": ["a", "b"], "default": None}
        r = c.post("/forecast", json={})
        assert r.status_code == 404 and "2 models (a, b) and no default" in r.json()["error"]["message"]
        assert (
            c.post("/models/a/forecast", json={}).json()["forecast"] == c.post("/models/b/forecast").json()["forecast"]
        )
        load(models["root"] / "recursive").save(directory / "c")
        r = c.post("/models/c/forecast", json={})
        assert r.status_code == 200 and r.json()["model"] == "c"
        assert c.post("/models/..%2F..%2Fetc/forecast", json={}).status_code == 404


def test_many_series_through_the_service(models):
    folder = models["root"] / "panel"
    model = load(folder)
    with TestClient(create_app(build_registry(model=folder))) as c:
        cli_out = CliRunner().invoke(cli, ["predict", str(folder), "--json"])
        assert c.post("/forecast", json={}).json()["forecast"] == json.loads(cli_out.output)["forecast"]
        newer = models["panel"].groupby("store").tail(10).assign(sales=lambda d: d["sales"] * 0.9)
        r = c.post("/forecast", json={"data": records(newer)})
        assert r.status_code == 200, r.text
        expected = model.predict(data=newer)
        forecast = r.json()["forecast"]
        assert [f["store"] for f in forecast] == expected["store"].tolist()
        assert values(forecast, "sales") == expected["sales"].tolist()


@pytest.mark.parametrize("name", ["other", "recursive"])
def test_fast_path_equals_forecast_at_bit_for_bit(models, name):
    model = load(models["root"] / name)
    fast = FastForecast.build(model)
    assert fast is not None
    history = models["data"].iloc[-15:].assign(sales=lambda d: d["sales"] * 0.95)
    series, vals, tail, start, horizon = forecast_inputs(model, None, history, None)
    assert np.array_equal(fast(vals, tail[:, :1], start, horizon), model.predict(data=history).to_numpy())


def test_invalid_bodies_are_described_in_one_line():
    union = [{"type": t, "loc": ("body", "data", 0, "y", t), "msg": "x"} for t in ("int", "float", "str")]
    assert describe_invalid(union) == (422, "InvalidRequest", "data.0.y: must be a number, a text or null.")
    many = [{"type": "missing", "loc": ("body", f"f{i}"), "msg": "Input should be given"} for i in range(5)]
    status, _, message = describe_invalid(many)
    assert status == 422 and message.endswith("f2: should be given (and 2 more).")


def refused_before_any_work(version, request):
    raise AssertionError("the request reached the forecast")


def test_request_limits_are_checked_before_any_work(models, monkeypatch):
    import lstmcast.serve.app as serve_app

    with TestClient(create_app(build_registry(model=models["root"] / "recursive"), max_horizon=5)) as c:
        assert c.post("/forecast", json={"horizon": 5}).status_code == 200  # recursive: any horizon up to the limit
        monkeypatch.setattr(serve_app, "answer", refused_before_any_work)
        r = c.post("/forecast", json={"horizon": 1_000_000})
        assert r.status_code == 422
        assert r.json()["error"] == {
            "type": "ConfigError",
            "message": "horizon=1000000 is over this service's limit of 5 steps (--max-horizon): ask for fewer "
            "steps, or start the service with a larger --max-horizon.",
        }
        r = c.post("/forecast", json={"level": [80] * 60, "quantiles": [0.5] * 40})
        assert r.status_code == 422
        assert r.json()["error"]["message"] == (
            "level and quantiles ask for 100 values together, over this service's limit of 99: ask for fewer "
            "intervals or quantiles in one request."
        )


def test_types_are_strict_and_the_body_is_an_object(client):
    refused = {
        "horizon: should be a valid integer.": [{"horizon": "3"}, {"horizon": 3.0}, {"horizon": True}],
        "level.0: should be a valid number.": [{"level": ["80"]}, {"level": [True]}, {"level": [None]}],
        "quantiles.1: should be a valid number.": [{"quantiles": [0.1, "0.9"]}],
        "level: should be a valid list.": [{"level": 80}],
    }
    for message, bodies in refused.items():
        for body in bodies:
            r = client.post("/forecast", json=body)
            assert r.status_code == 422 and r.json()["error"] == {"type": "InvalidRequest", "message": message}, body
    r = client.post("/forecast", content=b"null", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert (
        r.json()["error"]["message"]
        == "the body: should be a JSON object, not null ({} forecasts from the saved history)."
    )
    assert client.post("/forecast", json={"horizon": 2, "level": [80], "quantiles": [0.1]}).status_code == 200


def test_error_messages_are_cut_after_2000_characters(models, client):
    from lstmcast.serve.app import one_line

    rows = records(models["data"].iloc[-20:])
    rows[3]["month"] = "x" * 100_000
    with pytest.raises(ValueError) as library:
        load(models["root"] / "models" / "sales").predict(data=pd.DataFrame.from_records(rows))
    full = one_line(library.value)
    assert len(full) > 100_000
    r = client.post("/forecast", json={"data": rows})
    assert r.status_code == 422 and r.json()["error"]["type"] == "TimeIndexError"
    note = f"... ({len(full) - 2000:,} more characters not shown)"
    assert r.json()["error"]["message"] == full[:2000] + note
    assert len(r.content) < 2200


def test_deeply_nested_or_undecodable_json_is_malformed(client):
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
        r = client.post("/forecast", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400
        assert r.json()["error"] == {
            "type": "MalformedJSON",
            "message": "the body is not valid JSON: it is nested too deeply.",
        }
    r = client.post("/forecast", content=b'{"horizon": "\xff"}', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "the body is not valid JSON: it is not UTF-8 text (byte 13)."
    assert client.post("/forecast", json={}).status_code == 200


def test_a_request_that_waited_for_the_lock_does_not_load_the_same_files_again(models, tmp_path, monkeypatch):
    from lstmcast.serve import registry as reg

    folder = tmp_path / "live"
    load(models["root"] / "models" / "sales").save(folder)
    slot = build_registry(model=folder).slot(None)
    load(models["root"] / "other").save(folder, overwrite=True)  # new files on disk
    loads = []
    real = reg.load_version
    monkeypatch.setattr(reg, "load_version", lambda name, path, *root: loads.append(path) or real(name, path, *root))

    class Contended:
        """The slot's lock, won first by another request that loads the new files before this one gets it."""

        def __init__(self):
            self.lock, self.other = threading.Lock(), None

        def acquire(self, blocking=True):
            if self.other is None:
                self.other = slot._reload(reg.fingerprint(slot.path))  # the other request, holding the lock
            return self.lock.acquire(blocking)

        def release(self):
            self.lock.release()

    slot._lock = Contended()
    got = slot.current()
    assert got is slot._lock.other and len(loads) == 1  # the other request's version, not a second load
    assert got.checksum == json.loads((folder / "model.json").read_text())["document_sha256"]
    assert slot.current() is got and len(loads) == 1


def test_a_folder_that_does_not_load_is_answered_503_from_memory_until_it_changes(models, tmp_path, monkeypatch):
    from lstmcast.serve import registry as reg

    directory = tmp_path / "served"
    model = load(models["root"] / "other")
    model.save(directory / "a")
    loads = []
    real = reg.load_version
    monkeypatch.setattr(reg, "load_version", lambda name, path, *root: loads.append(path) or real(name, path, *root))
    with TestClient(create_app(build_registry(models=directory))) as c:
        model.save(directory / "b")
        doc = directory / "b" / "model.json"
        doc.write_text(doc.read_text().replace('"seed": 1', '"seed": 2', 1))  # checksum no longer matches
        loads.clear()
        first, again = c.post("/models/b/forecast", json={}), c.post("/models/b/forecast", json={})
        assert first.status_code == again.status_code == 503 and first.json() == again.json()
        assert len(loads) == 1  # read once, then answered from memory
        error = first.json()["error"]
        assert error["type"] == "ModelUnavailable"
        assert error["message"].startswith("model 'b' does not load: ModelFileError: ")
        assert str(tmp_path) not in error["message"]  # no server path in an answer
        assert "checksum mismatch" in error["message"]
        assert error["message"].endswith("refusing it: save the model again. (read again when its files change)")
        model.save(directory / "b", overwrite=True)  # the files change: read again, and served
        r = c.post("/models/b/forecast", json={})
        assert r.status_code == 200 and r.json()["model"] == "b" and len(loads) == 2
        responses = c.get("/openapi.json").json()["paths"]["/models/{name}/forecast"]["post"]["responses"]
        assert "503" in responses and "does not load" in responses["503"]["description"]


def test_intervals_of_a_model_trained_in_keras_are_refused_with_the_reason(tmp_path):
    from keras_fixtures import imported  # tests/keras_fixtures.py

    model = imported("tutorial_lstm")
    model.save(tmp_path / "keras")
    with pytest.raises(ConfigError) as library:  # the library's own refusal, for the same reason
        load(tmp_path / "keras").calibrate()
    with TestClient(create_app(build_registry(model=tmp_path / "keras"))) as c:
        r = c.post("/forecast", json={"level": [80]})
        assert r.status_code == 422 and r.json()["error"]["type"] == "ConfigError"
        message = r.json()["error"]["message"]
        reason = load(tmp_path / "keras").choices_["epochs"].reason
        assert message == (
            f"model 'keras' was saved without calibrated prediction intervals, and its weights were not trained by "
            f"lstmcast ({reason}), so it cannot have them (calibrating needs a copy trained the same way on earlier "
            "rows): it gives point forecasts only; ask without level= and quantiles=."
        )
        assert f"not trained by lstmcast ({reason})" in str(library.value)
        assert c.post("/forecast", json={}).status_code == 200


# -- hardening (issue 21), future= models and a folder that does not load (issue 20), metrics (issue 22) --------


def priced(n=60):
    """monthly() with a known-in-advance price that moves the sales."""
    data = monthly(n)
    data["price"] = 10 + np.cos(np.arange(n) / 3)
    data["sales"] = data["sales"] - 2 * data["price"]
    return data


@pytest.fixture(scope="module")
def future_model(models):
    """A one-series model trained with future=["price"], and the rows after its history with their prices."""
    data = priced(66)
    model = Forecaster(**SMALL).fit(data.iloc[:60], target="sales", time="month", future=["price"])
    model.save(models["root"] / "priced")
    return {"folder": models["root"] / "priced", "model": model, "after": data.iloc[60:63]}


@pytest.mark.parametrize("path", ["fast", "library"])
def test_recursive_horizons_share_a_few_compiled_programs(models, monkeypatch, path):
    from lstmcast.serve import registry as reg
    from lstmcast.serve.fastpath import run_steps
    from lstmcast.train import programs

    if path == "library":
        monkeypatch.setattr(reg.FastForecast, "build", classmethod(lambda cls, model: None))
    folder = models["root"] / "recursive"
    with TestClient(create_app(build_registry(model=folder))) as c:
        assert c.get("/model").json()["fast_path"] is (path == "fast")
        before = programs._recursive_program.cache_info().misses
        answers = {h: c.post("/forecast", json={"horizon": h}) for h in range(1, 11)}
        compiled = programs._recursive_program.cache_info().misses - before
    assert compiled <= len({run_steps(h, 3) for h in range(1, 11)}) == 4  # 3, 4, 8, 16 steps: not one per horizon
    model = load(folder)
    for h, r in answers.items():  # the first h steps of a longer run are the bits of running h steps
        assert r.status_code == 200, r.text
        assert values(r.json()["forecast"], "sales") == model.predict(horizon=h)["sales"].tolist()


def test_a_field_the_model_cannot_use_is_refused(client):
    r = client.post("/forecast", json={"future": [{"month": "1965-01-01", "price": 1.0}]})
    assert r.status_code == 422
    assert r.json()["error"] == {
        "type": "ConfigError",
        "message": "model 'sales' was trained without future= covariates, so it cannot use the request's 'future' "
        "table: send the request without it.",
    }


def test_a_horizon_of_5001_digits_gets_a_plain_message(client):
    body = b'{"horizon": ' + b"9" * 5001 + b"}"
    r = client.post("/forecast", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "type": "MalformedJSON",
        "message": "the body is not valid JSON: a number in it has more than 4,300 digits.",
    }


def test_no_answer_shows_a_server_path(models, tmp_path):
    directory = tmp_path / "served"
    load(models["root"] / "other").save(directory / "a")
    load(models["root"] / "other").save(directory / "b")
    doc = directory / "b" / "model.json"
    doc.write_text(doc.read_text().replace('"seed": 1', '"seed": 2', 1))
    with TestClient(create_app(build_registry(models=directory))) as c:
        answers = [c.get("/health"), c.get("/models/a"), c.get("/models"), c.post("/models/b/forecast", json={})]
        answers.append(c.post("/models/a/forecast", json={"data": [{"month": "2020-01-01"}]}))
        (directory / "a" / "model.json").write_text("{}")  # a failed reload: its error shows in /health
        answers.append(c.post("/models/a/forecast", json={}))
        answers.append(c.get("/health"))
    assert "path" not in answers[1].json() and answers[1].json()["name"] == "a"
    assert "a" in answers[-1].json()["models"] and answers[-1].json()["models"]["a"]["error"]
    for r in answers:
        assert str(tmp_path) not in r.text and "/tmp" not in r.text, r.text


def test_links_that_leave_the_served_folder_are_refused(models, tmp_path):
    directory, outside = tmp_path / "served", tmp_path / "outside"
    load(models["root"] / "other").save(directory / "a")
    load(models["root"] / "other").save(outside / "m")
    (directory / "linked").symlink_to(outside / "m", target_is_directory=True)
    load(models["root"] / "other").save(directory / "weights")
    (directory / "weights" / "model.safetensors").unlink()
    (directory / "weights" / "model.safetensors").symlink_to(outside / "m" / "model.safetensors")
    with TestClient(create_app(build_registry(models=directory))) as c:
        for name, what in (("linked", "the folder"), ("weights", "model.safetensors")):
            r = c.post(f"/models/{name}/forecast", json={})
            assert r.status_code == 503, r.text
            assert r.json()["error"]["message"] == (
                f"model {name!r} does not load: ModelFileError: {what} is a symbolic link that leads outside the "
                "served folder (--models): refused; copy the model into the folder instead of linking it. (read "
                "again when its files change)"
            )
        assert c.post("/models/a/forecast", json={}).status_code == 200


def test_a_folder_that_does_not_load_at_startup_is_503_and_the_others_serve(models, tmp_path):
    directory = tmp_path / "served"
    model = load(models["root"] / "other")
    model.save(directory / "a")
    model.save(directory / "b")
    doc = directory / "b" / "model.json"
    doc.write_text(doc.read_text().replace('"seed": 1', '"seed": 2', 1))  # broken before the service starts
    with TestClient(create_app(build_registry(models=directory))) as c:
        assert c.get("/models").json() == {"models": ["a", "b"], "default": None}
        assert c.post("/models/a/forecast", json={}).status_code == 200
        r = c.post("/models/b/forecast", json={})
        assert r.status_code == 503 and r.json()["error"]["type"] == "ModelUnavailable"
        assert "checksum mismatch" in r.json()["error"]["message"]
        r = c.post("/forecast", json={})  # the count names the folder that does not load, as the list does
        assert r.status_code == 404 and "2 models (a, b) and no default" in r.json()["error"]["message"]
        health = c.get("/health").json()
        assert health["status"] == "degraded" and health["models"]["b"]["checksum"] is None
        assert health["models"]["a"]["checksum"] == c.post("/models/a/forecast", json={}).json()["checksum"]
        model.save(directory / "b", overwrite=True)  # repaired: served from the next request
        assert c.post("/models/b/forecast", json={}).status_code == 200
        assert c.get("/health").json()["status"] == "ok"


def test_a_model_trained_with_future_covariates_is_served(models, future_model, tmp_path):
    model, after = future_model["model"], future_model["after"]
    future = records(after[["month", "price"]])
    expected = model.predict(future=after.set_index("month")[["price"]])
    directory = tmp_path / "served"
    load(future_model["folder"]).save(directory / "priced")
    load(models["root"] / "other").save(directory / "plain")
    for registry in (build_registry(model=future_model["folder"]), build_registry(models=directory)):
        with TestClient(create_app(registry)) as c:
            route = "/forecast" if registry.default else "/models/priced/forecast"
            r = c.post(route, json={"future": future})
            assert r.status_code == 200, r.text
            assert values(r.json()["forecast"], "sales") == expected["sales"].tolist()
            info = c.get("/model" if registry.default else "/models/priced").json()
            assert info["future"] == ["price"]
            r = c.post(route, json={})  # no future table: what to send, in the request's terms
            assert r.status_code == 422 and r.json()["error"] == {
                "type": "DataError",
                "message": "model 'priced' reads covariates known in advance "
                "['price']: send their values in the request's 'future' field, records with ['month', 'price'] for "
                "each of the next 3 forecast step(s) (GET /model, or /models/NAME, lists them).",
            }
            text = [dict(row, price="cheap") if i == 1 else row for i, row in enumerate(future)]
            r = c.post(route, json={"future": text})  # a value that is no number: 422 naming it, not a 500
            assert r.status_code == 422 and r.json()["error"]["type"] == "ColumnError"
            assert "future= column 'price' is not numeric" in r.json()["error"]["message"]
            assert "value 'cheap' at row 1" in r.json()["error"]["message"]
            if not registry.default:
                assert c.post("/models/plain/forecast", json={}).status_code == 200


def test_metrics_count_requests_latency_errors_and_model_versions(models, client):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape() -> dict:
        r = client.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(r.text)
            for s in f.samples
        }

    def sample(metrics, name, **labels):
        return metrics.get((name, tuple(sorted(labels.items()))), 0)

    before = scrape()
    client.post("/forecast", json={})
    client.post("/forecast", json={"horizon": "three"})
    client.post("/models/secret-name/forecast", json={})
    after = scrape()
    ok = dict(route="/forecast", method="POST", status="200")
    assert sample(after, "lstmcast_requests_total", **ok) == sample(before, "lstmcast_requests_total", **ok) + 1
    bad = dict(route="/forecast", method="POST", status="422")
    assert sample(after, "lstmcast_requests_total", **bad) == sample(before, "lstmcast_requests_total", **bad) + 1
    for status in ("422", "404"):
        assert sample(after, "lstmcast_errors_total", status=status) == (
            sample(before, "lstmcast_errors_total", status=status) + 1
        )
    assert sample(after, "lstmcast_request_seconds_count", route="/forecast") == (
        sample(before, "lstmcast_request_seconds_count", route="/forecast") + 2
    )
    assert not any("secret-name" in str(key) for key in after)  # routes by template: clients create no series
    checksum = client.get("/model").json()["checksum"]
    assert sample(after, "lstmcast_model_info", model="sales", checksum=checksum) == 1
    assert sample(after, "lstmcast_model_up", model="sales") == 1
