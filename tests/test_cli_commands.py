"""Every command through Typer's CliRunner: results, files, exit codes and error messages."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast.cli import app

runner = CliRunner()
FAST = ["--window", "12", "--units", "8", "--epochs", "3", "--batch-size", "16", "--ensemble", "2"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    assert run("datasets", "export", "airpassengers", d / "air.csv").exit_code == 0
    r = run(
        "train",
        d / "air.csv",
        "--target",
        "passengers",
        "--time",
        "month",
        "--test",
        "24",
        "--log",
        "--difference",
        "12",
        "--horizon",
        "3",
        *FAST,
        "--out",
        d / "model",
        "--plot",
        d / "fit.png",
        "-q",
    )
    assert r.exit_code == 0, r.output
    return d


def test_datasets_list_describe_export(tmp_path):
    r = run("datasets", "list", "--json")
    assert r.exit_code == 0
    assert [d["name"] for d in json.loads(r.output)] == ["airpassengers", "msft", "sine", "sunspots", "temperature"]
    r = run("datasets", "describe", "sunspots")
    assert r.exit_code == 0 and "Public domain" in r.output and "1700-01-01" in r.output
    r = run("datasets", "export", "msft", tmp_path / "msft.parquet")
    assert r.exit_code == 0
    assert list(pd.read_parquet(tmp_path / "msft.parquet").columns) == [
        "date",
        "open",
        "high",
        "low",
        "close",
        "volume",
    ]


def test_train_writes_model_config_and_plot(workspace):
    assert sorted(p.name for p in (workspace / "model").iterdir()) == ["config.toml", "model.json", "model.safetensors"]
    assert (workspace / "fit.png").read_bytes()[:4] == b"\x89PNG"
    text = (workspace / "model" / "config.toml").read_text()
    assert 'target = "passengers"' in text and "difference = 12" in text and "log = true" in text


def test_train_json_and_config_reproduces(workspace, tmp_path):
    r = run("train", "--config", workspace / "model" / "config.toml", "--out", tmp_path / "again", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["evaluation"]["metrics"]["model"]["mase"] is not None and len(out["history"]["loss"]) == 3
    same = (tmp_path / "again" / "model.safetensors").read_bytes() == (
        workspace / "model" / "model.safetensors"
    ).read_bytes()
    assert same


def test_predict_writes_every_format(workspace, tmp_path):
    for suffix in ("csv", "parquet", "json"):
        r = run("predict", workspace / "model", "--output", tmp_path / f"f.{suffix}", "-q")
        assert r.exit_code == 0, r.output
    frame = pd.read_csv(tmp_path / "f.csv")
    assert list(frame.columns) == ["month", "passengers"] and frame["month"].tolist()[0] == "1961-01-01"
    assert pd.read_parquet(tmp_path / "f.parquet")["passengers"].tolist() == pytest.approx(frame["passengers"].tolist())
    r = run("predict", workspace / "model", "--json", "--plot", tmp_path / "fc.svg")
    assert r.exit_code == 0 and len(json.loads(r.output)["forecast"]) == 3
    written = json.loads((tmp_path / "f.json").read_text())  # the file and --json write times alike
    assert [row["month"] for row in written] == [row["month"] for row in json.loads(r.output)["forecast"]]
    assert written[0]["month"] == "1961-01-01"
    assert (tmp_path / "fc.svg").read_text().lstrip().startswith("<?xml")


def test_predict_from_newer_data(workspace, tmp_path):
    air = pd.read_csv(workspace / "air.csv")
    air.iloc[:-12].to_csv(tmp_path / "older.csv", index=False)
    r = run("predict", workspace / "model", "--data", tmp_path / "older.csv", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["forecast"][0]["month"].startswith("1960-01-01")


def test_evaluate_backtest_summary_plot(workspace, tmp_path):
    r = run("evaluate", workspace / "model", "--data", workspace / "air.csv", "--json", "--plot", tmp_path / "e.png")
    assert r.exit_code == 0, r.output
    ev = json.loads(r.output)
    assert set(ev["metrics"]) == {"model", "naive", "seasonal_naive", "drift", "mean"} and ev["horizon"] == 3
    r = run(
        "backtest",
        workspace / "air.csv",
        "--model",
        workspace / "model",
        "--folds",
        "2",
        "--refit",
        "false",
        "--plot",
        tmp_path / "bt.png",
    )
    assert r.exit_code == 0, r.output
    assert "All folds: 2 forecasts" in r.output and (tmp_path / "bt.png").exists()
    r = run("summary", workspace / "model", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["total_params"] == 4 * (8 * 9 + 8) + 9 * 3
    for kind in ("forecast", "fit", "loss"):
        r = run(
            "plot",
            workspace / "model",
            "--kind",
            kind,
            "--data",
            workspace / "air.csv",
            "--out",
            tmp_path / f"{kind}.png",
        )
        assert r.exit_code == 0, r.output
        assert (tmp_path / f"{kind}.png").exists()


def test_backtest_with_options_only(tmp_path):
    r = run("backtest", "--dataset", "sunspots", *FAST, "--folds", "2", "--step", "5", "--horizon", "5", "--json")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.output)["folds"]) == 2


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "missing.csv", "--target", "y"], "Error: data file 'missing.csv' does not exist: check the path."),
        (
            ["train", "{air}", "--target", "Passengers", "--time", "month"],
            "Error: target column 'Passengers' not found; columns are 'passengers'.",
        ),
        (["train", "{nan}", "--target", "y"], "Error: column 'y' has 1 NaN value(s), first at 3 (row 3)"),
        (
            ["train", "{short}", "--target", "y", "--window", "10", "--test", "0.2"],
            "Error: --window 10 and --horizon 1 need a training part of at least 11 rows",
        ),
        (["predict", "no-model"], "Error: 'no-model' is not a saved lstmcast model"),
        (["train", "--config", "nope.toml"], "Error: config file 'nope.toml' does not exist"),
        (
            ["train", "{air}", "--target", "passengers", "--cell", "rnn"],
            "Error: --cell rnn is not supported: use one of 'lstm', 'gru'.",
        ),
        (["plot", "{model}", "--kind", "fit"], "Error: --kind fit needs --data"),
        (["backtest", "{air}", "--target", "passengers", "--refit", "maybe"], "Error: --refit 'maybe' must be true"),
    ],
)
def test_user_errors_exit_1_with_one_line(workspace, tmp_path, args, message):
    pd.DataFrame({"y": [1.0, 2, 3, np.nan, 5, 6, 7, 8]}).to_csv(tmp_path / "nan.csv", index=False)
    pd.DataFrame({"y": np.arange(12.0)}).to_csv(tmp_path / "short.csv", index=False)
    paths = {
        "air": workspace / "air.csv",
        "nan": tmp_path / "nan.csv",
        "short": tmp_path / "short.csv",
        "model": workspace / "model",
    }
    r = run(*[a.format(**paths) for a in args])
    assert r.exit_code == 1, r.output
    assert message in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_debug_shows_the_traceback():
    r = runner.invoke(app, ["--debug", "predict", "no-model"])
    assert r.exit_code == 1 and r.exception is not None and type(r.exception).__name__ == "ModelFileError"


def test_usage_errors_exit_2():
    assert run("train", "--epochs", "ten").exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_every_command_speaks_json(workspace, tmp_path):
    r = run("datasets", "export", "sine", tmp_path / "s.csv", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["rows"] == 1000
    r = run("plot", workspace / "model", "--kind", "loss", "--out", tmp_path / "l.png", "--json")
    assert r.exit_code == 0 and json.loads(r.output) == {"plot": str(tmp_path / "l.png"), "kind": "loss"}
    r = run("datasets", "describe", "temperature", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["rows"] == 20


def test_force_replaces_a_folder_that_is_not_a_model(workspace, tmp_path):
    out = tmp_path / "m"
    out.mkdir()
    (out / "config.toml").write_text("not from lstmcast")
    args = ["train", workspace / "air.csv", "--target", "passengers", "--time", "month", *FAST, "--out", out, "-q"]
    r = run(*args)
    assert r.exit_code == 1 and "pass --force (overwrite=True) to replace it" in " ".join(r.output.split())
    assert (out / "config.toml").read_text() == "not from lstmcast"
    r = run(*args, "--force")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["config.toml", "model.json", "model.safetensors"]
    assert 'target = "passengers"' in (out / "config.toml").read_text()


def test_train_json_errors_are_json(tmp_path):
    r = run("train", tmp_path / "missing.csv", "--target", "y", "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout) == {
        "error": {
            "type": "DataError",
            "message": f"data file {str(tmp_path / 'missing.csv')!r} does not exist: check the path.",
        }
    }


def test_plot_outputs_are_never_overwritten_unasked(workspace, tmp_path):
    out = tmp_path / "loss.png"
    out.write_bytes(b"mine")
    r = run("plot", workspace / "model", "--kind", "loss", "--out", out)
    assert r.exit_code == 1
    assert f"Error: refusing to overwrite {str(out)!r}: it already exists; pass --force" in " ".join(r.output.split())
    assert out.read_bytes() == b"mine"
    assert run("plot", workspace / "model", "--kind", "loss", "--out", out, "--force").exit_code == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    before = (workspace / "air.csv").read_bytes()
    r = run(
        "evaluate", workspace / "model", "--data", workspace / "air.csv", "--plot", workspace / "air.csv", "--force"
    )
    assert r.exit_code == 1 and "must end in .png or .svg" in r.output
    assert (workspace / "air.csv").read_bytes() == before


def test_quiet_prints_no_warnings(workspace, tmp_path):
    """--quiet prints nothing but errors: the one-line warnings go too."""
    frame = pd.read_csv(workspace / "air.csv").assign(note=1.0)  # a column with no role: UnusedColumnsWarning
    frame.to_csv(tmp_path / "extra.csv", index=False)
    tiny = ["--window", "6", "--units", "4", "--epochs", "1", "--ensemble", "1", "--horizon", "3", "--no-combine"]
    loud = run("train", tmp_path / "extra.csv", "--target", "passengers", *tiny, "--out", tmp_path / "a")
    assert loud.exit_code == 0 and "Warning: column(s) 'note' are not used" in loud.stderr
    quiet = run("train", tmp_path / "extra.csv", "--target", "passengers", *tiny, "--out", tmp_path / "b", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_a_model_folder_after_level_is_pointed_out(workspace):
    r = run("predict", "--level", "80", "95", workspace / "model")  # '95' is taken as the folder, the folder as a level
    assert r.exit_code == 1
    assert "is not a number, e.g. --level 80 95; a folder or file named after the values is read as one of them, " in (
        " ".join(r.output.split())
    )
