"""Hostile inputs against the command line: every case must end with one clear line or a good result.

Each case runs ``python -m lstmcast ...`` (or, for the library's entry points, a few lines of
Python: ``py:`` cases) as a subprocess in a temporary folder (fast settings: one epoch, 4 units,
window 6, one ensemble member; 60 s per case at most) and the script prints a table of case, exit
code, seconds and first line of output. At the end it counts tracebacks (``Traceback`` anywhere in
the output), aborts (negative exit codes, or 134), ``MemoryError`` / ``OverflowError`` /
``RecursionError`` texts, the word ``nan`` in the output of a case that exited 0, timeouts, input
files changed (every file the script wrote before the cases, compared byte for byte at the end),
and series not named as their user wrote them (ids "007", "7", "1e3", "1000", unicode, a comma
and a spreadsheet formula, read back from a forecast CSV); the script exits 1 unless all but the
timeouts are zero.

Issue 21's cases: resources (a Keras LSTM(6000), a weights member of zeros, ``--config /dev/zero``,
a huge seasonal period, huge horizons in the CLI and the library, huge epochs), inputs as outputs
(``--out`` the data, a link to it, the config), invalid models never saved, ids as written, one
line for each bad input, files (weights mode, 8,000 loads while another process saves, a FIFO,
formula ids, a full disk), and the quiet surprises (a MultiIndex Series, ONNX beyond float32,
``plot --kind loss`` of an imported model).

Run: python benchmarks/hostile.py [-k SUBSTRING] [--loads 8000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

FAST = ["--epochs", "1", "--units", "4", "--window", "6", "--ensemble", "1"]
TIMEOUT = 60
KERAS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "keras_files"
IDS = ["007", "7", "1e3", "1000", "NA", "café", "日本", "a,b", "=cmd|' /C calc'!A0"]
LOADS = 8000  # --loads: loads of a model another process keeps saving over


def make_files(d: Path) -> None:
    """Every input file the cases read, written into ``d``."""
    n = 120
    t = np.arange(n)
    y = 10 + t * 0.1 + np.sin(2 * np.pi * t / 12)
    good = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="MS").strftime("%Y-%m-%d"), "y": y})
    good.to_csv(d / "good.csv", index=False)
    good.to_csv(d / "semicolon.csv", index=False, sep=";")
    good.to_csv(d / "tabs.csv", index=False, sep="\t")
    (d / "utf16.csv").write_text(good.to_csv(index=False), encoding="utf-16")
    (d / "latin1.csv").write_bytes("date,caf\xe9\n".encode("latin-1") + good.to_csv(index=False, header=False).encode())
    (d / "csv_in.parquet").write_text(good.to_csv(index=False))
    (d / "garbage.csv").write_bytes(bytes(range(256)) * 8)
    (d / "empty.csv").write_text("")
    (d / "header_only.csv").write_text("date,y\n")
    (d / "data_dir").mkdir()
    (d / "dupcols.csv").write_text("date,y,y\n" + "".join(f"{r.date},{r.y},{r.y}\n" for r in good.itertuples()))
    bad = good.copy()
    bad.loc[50, "y"] = np.nan
    bad.to_csv(d / "nan.csv", index=False)
    bad.loc[50, "y"] = np.inf
    bad.to_csv(d / "inf.csv", index=False)
    huge = good.copy()
    huge["y"] = huge["y"] * 1e300
    huge.to_csv(d / "huge.csv", index=False)
    good.assign(y=good["y"] * 1e40).to_csv(d / "e40.csv", index=False)  # beyond float32, fine in float64
    big = good.copy()
    big["y"] = np.where(t % 2 == 0, 1e308, -1e308)
    big.to_csv(d / "pm1e308.csv", index=False)
    text = good.copy()
    text["y"] = text["y"].astype(str)
    text.loc[3, "y"] = "abc"
    text.to_csv(d / "text.csv", index=False)
    cplx = good.copy()
    cplx["y"] = [f"({v}+1j)" for v in y]
    cplx.to_csv(d / "complex.csv", index=False)
    stamps = pd.date_range("2021-03-20", periods=400, freq="h", tz="Europe/Berlin")  # crosses the DST change
    tz = pd.DataFrame({"time": stamps.strftime("%Y-%m-%dT%H:%M:%S%z"), "y": np.sin(np.arange(400) / 5) + 2})
    tz.to_csv(d / "tz.csv", index=False)
    years = pd.DataFrame({"year": np.arange(1700.0, 1820.0), "y": y})
    years.to_csv(d / "float_years.csv", index=False)
    gap = pd.concat([years.iloc[:60], years.iloc[80:]])
    gap.to_csv(d / "year_gap.csv", index=False)
    (d / "target5.toml").write_text("target = 5\n")
    (d / "features5.toml").write_text("target = 'y'\nfeatures = 5\n")
    (d / "dense3.toml").write_text("target = 'y'\ndense_units = '3'\n")
    (d / "broken.toml").write_text("target = 'y\n")
    (d / "existing.csv").write_text("keep me\n")
    (d / "a_file").write_text("not a folder\n")
    planted = d / "planted"
    planted.mkdir()
    (planted / "config.toml").write_text("mine = true\n")
    (planted / "model.json").write_text('{"mine": true}\n')
    (d / "outside.json").write_text('{"outside": true}\n')
    link_dir = d / "linked"
    link_dir.mkdir()
    (link_dir / "model.json").symlink_to(d / "outside.json")
    (d / "x.csv").mkdir()
    (d / "small.toml").write_text("target = 'y'\ntime = 'date'\nepochs = 1\nunits = 4\nensemble = 1\n")
    (d / "epochs.toml").write_text("target = 'y'\nepochs = 99999999999999999999\n")
    (d / "data_link.csv").symlink_to(d / "good.csv")
    os.mkfifo(d / "fifo.csv")
    rows = [
        (i, day, 10.0 * k + (j % 7))
        for k, i in enumerate(IDS)
        for j, day in enumerate(pd.date_range("2020", periods=40))
    ]
    pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).to_csv(d / "ids.csv", index=False)
    old_dates = pd.DataFrame({"date": [f"{1500 + i}-01-01" for i in range(120)], "y": y})
    old_dates.to_csv(d / "old_dates.csv", index=False)
    good.assign(y=[f"{1000 * v:,.0f}" for v in y]).to_csv(d / "thousands.csv", index=False)
    comma = good.rename(columns={"y": "sales, EUR"})
    comma.to_csv(d / "comma.csv", index=False)
    _keras(d / "lstm6000.keras", units=6000)
    _keras(d / "zeros.keras", weights=bytes(256 * 2**20))
    _keras(d / "tutorial.keras")
    shutil.copy(KERAS / "history.csv", d / "history.csv")


def _keras(path: Path, units: int | None = None, weights: bytes | None = None) -> None:
    """A copy of the tutorial's .keras fixture: its LSTM's units or its weights member replaced."""
    with zipfile.ZipFile(KERAS / "tutorial_lstm.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    if units is not None:  # declared, with weights of the old shapes: refused before they are read
        config = json.loads(files["config.json"])
        config["config"]["layers"][1]["config"]["units"] = units
        files["config.json"] = json.dumps(config).encode()
    if weights is not None:
        files["model.weights.h5"] = weights
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n, data in files.items():
            z.writestr(n, data)


def tamper(d: Path) -> None:
    """Copies of the trained model with their model.json edited in different ways."""
    src = d / "m"
    if not (src / "model.json").exists():
        return
    for name, edit in {
        "m_window": lambda doc: _set_window(doc, 3),
        "m_garbage": None,
        "m_truncated": "truncate",
        "m_version": lambda doc: {**doc, "format_version": -5},
    }.items():
        dst = d / name
        dst.mkdir(exist_ok=True)
        for f in src.iterdir():
            if f.is_file():
                (dst / f.name).write_bytes(f.read_bytes())
        text = (dst / "model.json").read_text()
        if edit is None:
            (dst / "model.json").write_text("{not json")
        elif edit == "truncate":
            (dst / "model.json").write_text(text[: len(text) // 2])
        else:
            (dst / "model.json").write_text(json.dumps(edit(json.loads(text))))
    (d / "m_noweights").mkdir(exist_ok=True)
    (d / "m_noweights" / "model.json").write_bytes((src / "model.json").read_bytes())


def _set_window(doc, window):
    doc = json.loads(json.dumps(doc))
    for part in (doc.get("config"), doc.get("state", {}).get("config") if isinstance(doc.get("state"), dict) else None):
        if isinstance(part, dict) and "window" in part:
            part["window"] = window
    return doc


def cases() -> list[tuple[str, list[str]]]:
    train = ["train", "good.csv", "--target", "y", "--time", "date"]
    return [
        ("train a good model", [*train, *FAST, "--out", "m"]),
        ("train --json", [*train, *FAST, "--out", "m_json", "--json"]),
        ("predict the good model", ["predict", "m"]),
        ("predict --json", ["predict", "m", "--json"]),
        ("missing data file", ["train", "nope.csv", *FAST]),
        ("missing data file --json", ["train", "nope.csv", *FAST, "--json"]),
        ("directory as data", ["train", "data_dir", *FAST]),
        ("empty csv", ["train", "empty.csv", *FAST]),
        ("header-only csv", ["train", "header_only.csv", *FAST]),
        ("binary garbage csv", ["train", "garbage.csv", *FAST]),
        ("utf-16 csv", ["train", "utf16.csv", "--target", "y", "--time", "date", *FAST]),
        ("latin-1 csv", ["train", "latin1.csv", "--time", "date", *FAST]),
        ("semicolon csv", ["train", "semicolon.csv", "--target", "y", "--time", "date", *FAST]),
        ("tab-separated .csv", ["train", "tabs.csv", "--target", "y", "--time", "date", *FAST]),
        ("csv content in .parquet", ["train", "csv_in.parquet", "--target", "y", *FAST]),
        ("duplicate column names", ["train", "dupcols.csv", "--target", "y", "--time", "date", *FAST]),
        ("text in the target", ["train", "text.csv", "--target", "y", "--time", "date", *FAST]),
        ("complex values", ["train", "complex.csv", "--target", "y", "--time", "date", *FAST]),
        ("NaN in the target", ["train", "nan.csv", "--target", "y", "--time", "date", *FAST]),
        ("inf in the target", ["train", "inf.csv", "--target", "y", "--time", "date", *FAST]),
        (
            "1e300 data, scaler none",
            [
                "train",
                "huge.csv",
                "--target",
                "y",
                "--time",
                "date",
                *FAST,
                "--scaler",
                "none",
                "--normalize",
                "none",
                "--out",
                "m_huge",
            ],
        ),
        (
            "1e300 data, scaler standard",
            ["train", "huge.csv", "--target", "y", "--time", "date", *FAST, "--scaler", "standard", "--out", "m_huge2"],
        ),
        (
            "+-1e308 data, minmax",
            ["train", "pm1e308.csv", "--target", "y", "--time", "date", *FAST, "--scaler", "minmax", "--out", "m_big"],
        ),
        ("tz-aware DST data", ["train", "tz.csv", "--target", "y", "--time", "time", *FAST, "--out", "m_tz"]),
        ("predict --data tz", ["predict", "m_tz", "--data", "tz.csv"]),
        (
            "float year column",
            ["train", "float_years.csv", "--target", "y", "--time", "year", *FAST, "--out", "m_years"],
        ),
        ("integer years with a gap", ["train", "year_gap.csv", "--target", "y", "--time", "year", *FAST]),
        ("--units 1000000000", [*train, *FAST, "--units", "1000000000"]),
        ("--units 50000", [*train, *FAST, "--units", "50000"]),
        ("--units 0", [*train, *FAST, "--units", "0"]),
        ("--units abc", [*train, *FAST, "--units", "abc"]),
        ("--units 4.7", [*train, *FAST, "--units", "4.7"]),
        ("--ensemble 100000", [*train, *FAST, "--ensemble", "100000"]),
        ("--batch-size 1000000000", [*train, *FAST, "--batch-size", "1000000000", "--out", "m_batch"]),
        ("--freq ms on monthly data", [*train, *FAST, "--freq", "ms"]),
        ("--freq s on monthly data", [*train, *FAST, "--freq", "s"]),
        ("--freq xyz", [*train, *FAST, "--freq", "xyz"]),
        ("--window 100000", [*train, *FAST, "--window", "100000"]),
        ("--epochs 0", [*train, *FAST, "--epochs", "0"]),
        ("--test abc", [*train, *FAST, "--test", "abc"]),
        ("--test 2", [*train, *FAST, "--test", "2.5"]),
        ("--seed 2**70", [*train, *FAST, "--seed", str(2**70)]),
        ("--learning-rate inf", [*train, *FAST, "--learning-rate", "inf"]),
        ("--learning-rate 1e30", [*train, *FAST, "--learning-rate", "1e30", "--out", "m_lr"]),
        ("--learning-rate 1e30 --json", [*train, *FAST, "--learning-rate", "1e30", "--out", "m_lr", "--json"]),
        ("--horizon 0", [*train, *FAST, "--horizon", "0"]),
        ("unknown option", [*train, *FAST, "--bogus", "1"]),
        ("missing target column", ["train", "good.csv", "--target", "nope", *FAST]),
        ("TOML target = 5", ["train", "good.csv", "--config", "target5.toml", *FAST]),
        ("TOML features = 5", ["train", "good.csv", "--config", "features5.toml", *FAST]),
        ("TOML dense_units = '3'", ["train", "good.csv", "--config", "dense3.toml", *FAST]),
        ("broken TOML", ["train", "good.csv", "--config", "broken.toml", *FAST]),
        ("--out an existing file", [*train, *FAST, "--out", "a_file"]),
        ("--out a planted folder", [*train, *FAST, "--out", "planted"]),
        ("--out with a symlinked model.json", [*train, *FAST, "--out", "linked"]),
        ("predict a missing model", ["predict", "nope"]),
        ("predict a file as model", ["predict", "good.csv"]),
        ("predict a planted folder", ["predict", "planted"]),
        ("predict: model.json window edited", ["predict", "m_window"]),
        ("predict: model.json not JSON", ["predict", "m_garbage"]),
        ("predict: model.json truncated", ["predict", "m_truncated"]),
        ("predict: format_version -5", ["predict", "m_version"]),
        ("predict: weights missing", ["predict", "m_noweights"]),
        ("predict --output an existing file", ["predict", "m", "--output", "existing.csv"]),
        ("predict --output the --data file", ["predict", "m", "--data", "good.csv", "--output", "good.csv"]),
        ("predict --output a directory x.csv", ["predict", "m", "--output", "x.csv"]),
        ("predict --output unknown suffix", ["predict", "m", "--output", "out.xyz"]),
        ("predict --horizon 0", ["predict", "m", "--horizon", "0"]),
        ("predict --horizon 1000", ["predict", "m", "--horizon", "1000"]),
        ("predict --data semicolon", ["predict", "m", "--data", "semicolon.csv"]),
        ("predict --data nan", ["predict", "m", "--data", "nan.csv"]),
        ("evaluate the good model", ["evaluate", "m", "--data", "good.csv"]),
        ("evaluate --data utf-16", ["evaluate", "m", "--data", "utf16.csv"]),
        ("datasets export over an existing file", ["datasets", "export", "airline", "existing.csv"]),
        # -- issue 21, class 1: resources
        ("import-keras LSTM(6000)", ["import-keras", "lstm6000.keras", "k6000", *KERAS_ARGS]),
        ("import-keras 256 MiB of zeros", ["import-keras", "zeros.keras", "kzeros", *KERAS_ARGS]),
        ("--config /dev/zero", ["train", "good.csv", "--config", "/dev/zero", *FAST]),
        ("--seasonal-period 1000000000", [*train, *FAST, "--seasonal-period", "1000000000"]),
        ("train a recursive model", [*train, *FAST, "--strategy", "recursive", "--out", "m_rec"]),
        ("predict recursive --horizon 1000000000", ["predict", "m_rec", "--horizon", "1000000000"]),
        ("predict recursive --horizon 20000", ["predict", "m_rec", "--horizon", "20000", "--output", "h.parquet"]),
        ("TOML epochs = 1e20", ["train", "good.csv", "--config", "epochs.toml", "--time", "date"]),
        ("--epochs 10**12", [*train, *FAST, "--epochs", str(10**12)]),
        ("py: make_future_frame(10**9), many series", ["py", PY_PANEL + "m.make_future_frame(10**9)"]),
        ("py: predict(horizon=10**7)", ["py", PY_ONE + "m.predict(horizon=10**7)"]),
        (
            "py: from_keras LSTM(6000)",
            [
                "py",
                "import lstmcast; lstmcast.from_keras('lstm6000.keras', 'history.csv', "
                "target='y', time='ds', data_min=0, data_max=1)",
            ],
        ),
        # -- class 2: data loss
        ("train --out the data --force", [*train, *FAST, "--out", "good.csv", "--force"]),
        ("train --out a link to the data --force", [*train, *FAST, "--out", "data_link.csv", "--force"]),
        (
            "train --out the config --force",
            ["train", "good.csv", "--config", "small.toml", "--out", "small.toml", "--force"],
        ),
        (
            "py: set_params(units=-1) after fit, save over",
            ["py", PY_ONE + "m.save('m_keep'); m.set_params(units=-1); m.save('m_keep', overwrite=True)"],
        ),
        ("py: save() over an existing model", ["py", PY_ONE + "m.save('m_twice'); m.save('m_twice')"]),
        # -- class 3: ids
        ("ids as written: train", ["train", "ids.csv", *FAST, "--out", "m_ids", "--no-intervals"]),
        ("ids as written: predict --output", ["predict", "m_ids", "--output", "ids_out.csv"]),
        # -- class 4: one line each
        ("dates before 1677", ["train", "old_dates.csv", "--target", "y", "--time", "date", *FAST]),
        (
            "py: fit(DataFrame, target=0)",
            [
                "py",
                "import numpy as np, pandas as pd; from lstmcast import Forecaster; "
                "Forecaster().fit(pd.DataFrame(np.random.rand(60, 2)), target=0)",
            ],
        ),
        ("py: inf in a static column", ["py", PY_STATIC]),
        (
            "py: object Series holding None",
            [
                "py",
                "import pandas as pd; from lstmcast import Forecaster; "
                "Forecaster().fit(pd.Series([1.0, None] + [2.0] * 60, dtype=object))",
            ],
        ),
        ("thousands separators '1,234'", ["train", "thousands.csv", "--time", "date", *FAST]),
        ("predict --quantiles 0.1 1", ["predict", "m", "--quantiles", "0.1", "1"]),
        (
            "--target with a comma (\\,)",
            [
                "train",
                "comma.csv",
                "--target",
                "sales\\, EUR",
                "--time",
                "date",
                *FAST,
                "--out",
                "m_comma",
                "--no-intervals",
            ],
        ),
        # -- class 6: files
        (
            "py: weights mode = model.json mode",
            [
                "py",
                "import os, stat; m = [stat.S_IMODE(os.stat(f'm/{f}').st_mode) "
                "for f in ('model.json', 'model.safetensors')]; "
                "assert m[0] == m[1], m; print('modes', oct(m[0]), oct(m[1]))",
            ],
        ),
        ("FIFO as the data file", ["train", "fifo.csv", "--target", "y", *FAST]),
        ("py: full disk saving to a new folder", ["py", PY_ONE + PY_FULL_DISK]),
        ("py: loads while another process saves", ["py", "LOADS"]),
        # -- class 7: quiet surprises
        (
            "py: Series with a MultiIndex",
            [
                "py",
                "import numpy as np, pandas as pd; from lstmcast import Forecaster; "
                "Forecaster().fit(pd.Series(np.arange(80.0), index=pd.MultiIndex."
                "from_product([['a', 'b'], range(40)])))",
            ],
        ),
        ("train on 1e40 data", ["train", "e40.csv", "--target", "y", "--time", "date", *FAST, "--out", "m_e40"]),
        ("export ONNX beyond float32", ["export", "m_e40", "--onnx", "e40.onnx"]),
        ("import-keras, then plot --kind loss", ["import-keras", "tutorial.keras", "k_ok", *KERAS_ARGS]),
        ("plot --kind loss of the imported model", ["plot", "k_ok", "--kind", "loss", "--out", "loss.png"]),
    ]


KERAS_ARGS = ["--data", "history.csv", "--target", "y", "--time", "ds", "--data-min", "0", "--data-max", "1"]
_FIT = "Forecaster(epochs=1, units=4, window=6, ensemble=1, verbose=0)"
PY_ONE = f"from lstmcast import Forecaster; m = {_FIT}.fit('good.csv', target='y', time='date'); "
PY_PANEL = f"from lstmcast import Forecaster; m = {_FIT}.fit('ids.csv'); "
PY_STATIC = (
    "import numpy as np, pandas as pd; from lstmcast import Forecaster; "
    "f = pd.read_csv('ids.csv', dtype={'unique_id': str}, keep_default_na=False); "
    "f['s'] = np.where(f['unique_id'] == '7', np.inf, 1.0); "
    f"{_FIT}.fit(f, static=['s'])"
)
PY_FULL_DISK = (
    "import errno; from lstmcast.io import saving\n"
    "def full(path, data): raise OSError(errno.ENOSPC, 'No space left on device', str(path))\n"
    "saving.write_new = full\nm.save('m_new_folder')"
)


def loads_script(n: int) -> str:
    """Load a model ``n`` times while another process saves two different models over it in turn; count
    failures (and the generations seen, which shows the saves did run during the loads)."""
    return f"""
import subprocess, sys, time
from lstmcast.io.saving import read_model
saver = ("import sys\\nfrom lstmcast.io.saving import read_model, save\\n"
         "s = [read_model('m'), read_model('m_tz')]  # two different models\\ni = 0\\n"
         "while True:\\n    save(s[i % 2], 'm_live', overwrite=True)\\n    i += 1\\n")
from lstmcast.io.saving import save
save(read_model('m'), 'm_live')
p = subprocess.Popen([sys.executable, '-c', saver])
failures, kinds = 0, set()
try:
    time.sleep(1.0)
    for _ in range({n}):
        try:
            kinds.add(read_model('m_live')['weights_sha256'])
        except Exception as exc:
            failures += 1
            first = str(exc)
finally:
    p.kill()
print(f"{{failures}} failures in {n} loads during saves ({{len(kinds)}} generations seen)")
sys.exit(1 if failures else 0)
"""


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def run_case(args: list[str], cwd: Path, loads: int = LOADS) -> tuple[int, str, str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    if args[0] == "py":
        code = loads_script(loads) if args[1] == "LOADS" else args[1]
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-m", "lstmcast", *args]
    try:
        p = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT * (5 if args[:2] == ["py", "LOADS"] else 1),
            env=env,
            errors="replace",
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return -999, out, f"timed out after {TIMEOUT} s"
    return p.returncode, p.stdout, p.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="run only the cases whose name contains this")
    ap.add_argument("--loads", type=int, default=LOADS, help="loads during saves (default 8000)")
    opts = ap.parse_args()
    tracebacks, aborts, nans, timeouts, errors = [], [], [], [], []
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lstmcast-hostile-") as tmp:
        d = Path(tmp)
        make_files(d)
        inputs = _digests(d)
        for name, args in cases():
            if opts.k not in name:
                continue
            if name.startswith("predict:"):
                tamper(d)
            t0 = time.perf_counter()
            rc, out, err = run_case(args, d, opts.loads)
            seconds = time.perf_counter() - t0
            both = out + "\n" + err
            line = first_line(out) or first_line(err)
            if rc != 0 and first_line(err):
                line = first_line(err)
            if rc != 0 and args[0] == "py":  # a library call: its exception's last line
                line = last_line(err) or line
            rows.append((name, rc, seconds, line))
            if "Traceback" in both and args[0] != "py":
                tracebacks.append(name)
            if args[0] == "py" and rc != 0 and not re.search(r"lstmcast\.errors\.\w+|^\w*Error: ", last_line(err)):
                tracebacks.append(name)  # a library call may raise only lstmcast's own errors
            if re.search(r"MemoryError|OverflowError|RecursionError", both):
                errors.append(name)
            if rc == -999:
                timeouts.append(name)
            elif rc < 0 or rc == 134:
                aborts.append(name)
            if rc == 0 and re.search(r"\bnan\b", both, re.IGNORECASE):
                nans.append(name)
        changed = sorted(k for k, v in _digests(d, inputs).items() if v != inputs[k])
        renamed = _renamed(d / "ids_out.csv") if "ids" in opts.k or not opts.k else []
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  exit      s  first line of output")
    for name, rc, seconds, line in rows:
        print(f"{name:<{width}}  {rc:>4}  {seconds:5.1f}  {line[:150]}")
    print(
        f"\n{len(rows)} cases in {time.perf_counter() - started:.0f} s: {len(tracebacks)} tracebacks, "
        f"{len(aborts)} aborts, {len(errors)} MemoryError/OverflowError/RecursionError, "
        f"{len(nans)} 'nan' with exit 0, {len(timeouts)} timeouts, {len(changed)} input files changed, "
        f"{len(renamed)} series renamed"
    )
    for label, names in (
        ("tracebacks", tracebacks),
        ("aborts", aborts),
        ("MemoryError/OverflowError/RecursionError", errors),
        ("nan with exit 0", nans),
        ("timeouts", timeouts),
        ("input files changed", changed),
        ("series renamed", renamed),
    ):
        if names:
            print(f"{label}: {', '.join(names)}")
    return 1 if tracebacks or aborts or nans or errors or changed or renamed else 0


def last_line(text: str) -> str:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")


def _digests(d: Path, only=None) -> dict[str, str]:
    """SHA-256 of every regular file under ``d`` (or of the paths in ``only``; a vanished one: 'gone')."""
    out = {}
    names = (
        list(only)
        if only is not None
        else [str(p.relative_to(d)) for p in sorted(d.rglob("*")) if p.is_file() and not p.is_symlink()]
    )
    for name in names:
        p = d / name
        if p.is_symlink() or not p.is_file():
            out[name] = "gone"
            continue
        out[name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _renamed(path: Path) -> list[str]:
    """The ids of the forecast that are not exactly the ids written in ids.csv (a formula kept as text)."""
    if not path.exists():
        return ["(no forecast written)"]
    got = set(pd.read_csv(path, dtype=str, keep_default_na=False)["unique_id"])
    want = {("'" + i if i.startswith(("=", "+", "@")) else i) for i in IDS}  # formulas escaped for spreadsheets
    return sorted(got ^ want)


if __name__ == "__main__":
    sys.exit(main())
