"""Hostile inputs against the command line: every case must end with one clear line or a good result.

Each case runs ``python -m lstmcast ...`` as a subprocess in a temporary folder (fast settings:
one epoch, 4 units, window 6, one ensemble member; 60 s per case at most) and the script prints a
table of case, exit code and first line of output. At the end it counts tracebacks (``Traceback``
anywhere in the output), aborts (negative exit codes, or 134), the word ``nan`` in the output of a
case that exited 0, and timeouts; the script exits 1 unless the first three are zero.

Run: python benchmarks/hostile.py [-k SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FAST = ["--epochs", "1", "--units", "4", "--window", "6", "--ensemble", "1"]
TIMEOUT = 60


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
    ]


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def run_case(args: list[str], cwd: Path) -> tuple[int, str, str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    try:
        p = subprocess.run(
            [sys.executable, "-m", "lstmcast", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
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
    opts = ap.parse_args()
    tracebacks, aborts, nans, timeouts = [], [], [], []
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lstmcast-hostile-") as tmp:
        d = Path(tmp)
        make_files(d)
        for name, args in cases():
            if opts.k not in name:
                continue
            if name.startswith("predict:"):
                tamper(d)
            rc, out, err = run_case(args, d)
            both = out + "\n" + err
            line = first_line(out) or first_line(err)
            if rc != 0 and first_line(err):
                line = first_line(err)
            rows.append((name, rc, line))
            if "Traceback" in both:
                tracebacks.append(name)
            if rc == -999:
                timeouts.append(name)
            elif rc < 0 or rc == 134:
                aborts.append(name)
            if rc == 0 and re.search(r"\bnan\b", both, re.IGNORECASE):
                nans.append(name)
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  exit  first line of output")
    for name, rc, line in rows:
        print(f"{name:<{width}}  {rc:>4}  {line[:160]}")
    print(
        f"\n{len(rows)} cases in {time.perf_counter() - started:.0f} s: {len(tracebacks)} tracebacks, "
        f"{len(aborts)} aborts, {len(nans)} 'nan' with exit 0, {len(timeouts)} timeouts"
    )
    for label, names in (
        ("tracebacks", tracebacks),
        ("aborts", aborts),
        ("nan with exit 0", nans),
        ("timeouts", timeouts),
    ):
        if names:
            print(f"{label}: {', '.join(names)}")
    return 1 if tracebacks or aborts or nans else 0


if __name__ == "__main__":
    sys.exit(main())
