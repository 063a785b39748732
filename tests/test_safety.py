"""Never lose a model, never overwrite what is not ours, every CLI error one line (issue 15).

Atomic saves (temporary sibling + swap), refusals of folders and files lstmcast did not write,
links never followed, bounded reads, guarded output files, and the CLI's one-line errors.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lstmcast
from lstmcast import Forecaster, datasets
from lstmcast.cli import app
from lstmcast.errors import ModelFileError, OverwriteError, WriteError
from lstmcast.io import files as io_files
from lstmcast.io import saving

runner = CliRunner()
FILES = ("model.json", "model.safetensors")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two small fitted models that differ in their weights, saved once each."""
    d = tmp_path_factory.mktemp("models")
    sine = datasets.load("sine", length=200)
    out = []
    for seed in (0, 1):
        m = Forecaster(window=8, units=64, epochs=1, batch_size=32, ensemble=1, seed=seed, combine=False).fit(sine)
        out.append((m, m.save(d / f"m{seed}")))
    return out


def files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def siblings(folder: Path) -> list[str]:
    return sorted(p for p in os.listdir(folder.parent) if p.startswith(f".{folder.name}."))


# --- refusals: what is not ours is never replaced, links are never followed -----------------------------


def test_a_planted_folder_is_refused_even_with_overwrite(models, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "model.json").write_text("{}")
    for overwrite in (False, True):
        with pytest.raises(OverwriteError) as e:
            models[0][0].save(target, overwrite=overwrite)
        assert str(e.value) == (
            f"refusing to save the model to {str(target)!r}: the folder holds files lstmcast did not write "
            "(notes.txt); move them away or choose another path."
        )
    assert files(target) == {"model.json": b"{}", "notes.txt": b"mine"} and siblings(target) == []


def test_a_folder_that_is_not_a_model_needs_overwrite(models, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "model.json").write_text('{"format": "something else"}')
    with pytest.raises(OverwriteError) as e:
        models[0][0].save(target)
    assert str(e.value) == (
        f"refusing to save the model to {str(target)!r}: the folder exists and is not an lstmcast model; "
        "pass --force (overwrite=True) to replace it, or choose another path."
    )
    models[0][0].save(target, overwrite=True)
    assert files(target) == files(models[0][1])


def test_a_file_is_refused_unless_overwrite(models, tmp_path):
    target = tmp_path / "out"
    target.write_text("a file")
    with pytest.raises(OverwriteError) as e:
        models[0][0].save(target)
    assert str(e.value) == (
        f"refusing to save the model to {str(target)!r}: it is an existing file, not a model folder; "
        "pass --force (overwrite=True) to replace it, or choose another path."
    )
    assert target.read_text() == "a file"
    models[0][0].save(target, overwrite=True)
    assert lstmcast.load(target).predict().equals(models[0][0].predict())


def test_a_linked_model_json_is_refused_and_the_outside_file_untouched(models, tmp_path):
    outside = tmp_path / "precious.json"
    outside.write_text('{"format": "lstmcast-model"}')
    target = tmp_path / "out"
    target.mkdir()
    (target / "model.safetensors").write_bytes(b"x")
    (target / "model.json").symlink_to(outside)
    for overwrite in (False, True):
        with pytest.raises(OverwriteError) as e:
            models[0][0].save(target, overwrite=overwrite)
        assert str(e.value) == (
            f"refusing to save the model to {str(target)!r}: model.json in it is a symbolic link, and lstmcast "
            "never writes through links; remove the link or choose another path."
        )
    assert outside.read_text() == '{"format": "lstmcast-model"}'
    assert (target / "model.json").is_symlink() and siblings(target) == []


def test_a_linked_model_folder_is_refused(models, tmp_path):
    real = models[1][1]
    before = files(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(OverwriteError) as e:
        models[0][0].save(link, overwrite=True)
    assert str(e.value) == (
        f"refusing to save the model to {str(link)!r}: it is a symbolic link, and lstmcast never writes through "
        "links; give the real folder's path."
    )
    assert files(real) == before


# --- replacing a model: atomic, complete, and the old one survives any failure ---------------------------


def test_a_model_replaces_a_model_and_overwrite_replaces_too(models, tmp_path):
    (m0, p0), (m1, p1) = models
    target = m0.save(tmp_path / "out")
    assert files(target) == files(p0)
    with pytest.raises(OverwriteError, match=r"an lstmcast model is already there; pass overwrite=True"):
        m1.save(target)  # an lstmcast model is not replaced without asking (lstmcast train --out does replace it)
    assert files(target) == files(p0)
    m1.save(target, overwrite=True)
    assert files(target) == files(p1)
    m0.save(target, overwrite=True)
    assert files(target) == files(p0) and siblings(target) == []
    assert lstmcast.load(target).predict().equals(m0.predict())


def test_replacing_without_renameat2_uses_an_old_sibling_and_cleans_it(models, tmp_path, monkeypatch):
    (m0, p0), (m1, p1) = models
    target = m0.save(tmp_path / "out")
    monkeypatch.setattr(io_files, "exchange", lambda a, b: False)
    m1.save(target, overwrite=True)
    assert files(target) == files(p1) and siblings(target) == []


def test_a_save_that_fails_while_writing_keeps_the_old_model_bit_identical(models, tmp_path, monkeypatch):
    (m0, p0), (m1, _) = models
    target = m0.save(tmp_path / "out")
    before = files(target)
    seen = []

    def broken_save_file(arrays, filename, metadata=None):
        seen.append(siblings(target))  # the temporary folder exists by now
        Path(filename).write_bytes(b"half a file")
        raise KeyboardInterrupt

    import safetensors.numpy

    monkeypatch.setattr(safetensors.numpy, "save_file", broken_save_file)
    with pytest.raises(KeyboardInterrupt):
        m1.save(target, overwrite=True)
    assert len(seen) == 1 and seen[0][0].startswith(".out.tmp-")
    assert files(target) == before and siblings(target) == []
    assert lstmcast.load(target).predict().equals(m0.predict())


def test_a_full_disk_is_one_error_and_the_old_model_stays(models, tmp_path, monkeypatch):
    (m0, _), (m1, _) = models
    target = m0.save(tmp_path / "out")
    before = files(target)

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(saving, "write_new", full)
    with pytest.raises(WriteError) as e:
        m1.save(target, overwrite=True)
    assert str(e.value) == (
        f"cannot save the model to {str(target)!r}: No space left on device; "
        f"the previous content of {str(target)!r} is unchanged."
    )
    assert files(target) == before and siblings(target) == []


def test_a_full_disk_saving_to_a_new_folder_says_nothing_was_written(models, tmp_path, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(saving, "write_new", full)
    target = tmp_path / "new"
    with pytest.raises(WriteError) as e:
        models[0][0].save(target)
    assert str(e.value) == (
        f"cannot save the model to {str(target)!r}: No space left on device; nothing was written at {str(target)!r}."
    )
    assert not target.exists() and siblings(target) == []


def test_stale_temporaries_of_dead_processes_are_cleaned_up(models, tmp_path):
    m0, p0 = models[0]
    target = tmp_path / "out"
    dead = 2**22 + 12345  # above the largest pid Linux allows (2**22): no such process
    stale = tmp_path / f".out.tmp-{dead}-abcd"
    stale.mkdir()
    (stale / "model.json").write_text("half")
    old = tmp_path / f".out.old-{dead}-abcd"
    old.mkdir()
    (old / "model.safetensors").write_bytes(b"old")
    foreign = tmp_path / f".out.tmp-{dead}-ffff"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("not ours")
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(target)
    assert str(e.value).endswith(f"A save to it was interrupted: {str(old)!r} may hold the model.")
    m0.save(target)
    assert siblings(target) == [foreign.name]  # only folders holding model files are deleted
    assert files(target) == files(p0)


@pytest.mark.parametrize("swap", ["renameat2", "two renames"])
def test_a_real_ctrl_c_during_saves_leaves_a_complete_model(models, tmp_path, swap):
    """SIGINT a process that saves two models alternately to one path: the path holds one of them, whole."""
    (m0, p0), (m1, p1) = models
    target = tmp_path / "out"
    script = (
        "import signal, sys\n"
        # Ctrl-C as a user's terminal delivers it, whatever disposition the test worker passed on
        "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from lstmcast.io import saving\n"
        "from lstmcast.io.saving import read_model, save\n"
        "if sys.argv[4] == 'two renames':\n"
        "    import lstmcast.io.files as io_files; io_files.exchange = lambda a, b: False\n"
        "states = [read_model(sys.argv[1]), read_model(sys.argv[2])]\n"
        "in_save, i = False, 0\n"
        "try:\n"
        "    while True:\n"
        "        in_save = True\n"
        "        save(states[i % 2], sys.argv[3], overwrite=True)\n"
        "        in_save = False\n"
        "        i += 1\n"
        "        if i == 2:\n"
        "            print('ready', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('during-save' if in_save else 'between-saves', i, flush=True)\n"
    )
    expected = [files(p0), files(p1)]
    outcomes = []
    deadline = time.monotonic() + 60
    during = 0
    while during < 2 and time.monotonic() < deadline:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(p0), str(p1), str(target), swap],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.02 + (0.037 * len(outcomes)) % 0.2)
        # Ctrl-C again every 5 s, as a user would: Python drops a KeyboardInterrupt raised inside a garbage
        # collector callback ("Exception ignored in: <function _xla_gc_callback ...>"), and the loop went on
        for _ in range(12):
            proc.send_signal(signal.SIGINT)
            try:
                out, _ = proc.communicate(timeout=5)
                break
            except subprocess.TimeoutExpired:
                pass
        else:
            masks = _signal_masks(proc.pid)
            proc.kill()  # never leave a saving loop running after the test
            proc.communicate()
            pytest.fail(f"the saving process did not stop within 60 s of Ctrl-C ({masks}); outcomes: {outcomes}")
        outcomes.append(out.strip())
        during += outcomes[-1].startswith("during-save")
        assert files(target) in expected, outcomes  # never a mix, never a half-written file
        loaded = lstmcast.load(target)
        assert loaded.predict().equals((m0 if files(target) == expected[0] else m1).predict())
    assert during == 2, outcomes
    m0.save(target, overwrite=True)  # whatever an interrupted save left behind goes with the next save
    assert siblings(target) == []


def _signal_masks(pid: int) -> str:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "no /proc"
    return ", ".join(line for line in lines if line.startswith(("SigBlk", "SigIgn", "SigCgt")))


# --- bounded reads ------------------------------------------------------------------------------------------


def test_huge_model_files_are_refused_before_reading(models, tmp_path):
    p0 = models[0][1]
    big = tmp_path / "big"
    big.mkdir()
    (big / "model.safetensors").write_bytes((p0 / "model.safetensors").read_bytes())
    with open(big / "model.json", "wb") as f:
        f.truncate(saving.MAX_DOCUMENT_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(big)
    assert str(e.value) == (
        f"{str(big / 'model.json')!r} is 50,000,001 bytes, over lstmcast's 50 MB limit for this file; "
        "refusing to read it."
    )
    (big / "model.json").write_bytes((p0 / "model.json").read_bytes())
    with open(big / "model.safetensors", "wb") as f:
        f.truncate(saving.MAX_WEIGHTS_BYTES + 1)
    with pytest.raises(ModelFileError) as e:
        lstmcast.load(big)
    assert str(e.value) == (
        f"{str(big / 'model.safetensors')!r} is 2,000,000,001 bytes, over lstmcast's 2 GB limit for this file; "
        "refusing to read it."
    )


# --- output files ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    sine = datasets.load("sine", length=200)
    pd.DataFrame({"y": sine.to_numpy()}).to_csv(d / "data.csv", index=False)
    r = run(
        "train", d / "data.csv", "--target", "y", "--window", "8", "--units", "8", "--epochs", "1",
        "--ensemble", "1", "--out", d / "model", "-q",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    return d


def test_predict_output_refuses_an_existing_file_and_force_replaces_it(workspace, tmp_path):
    out = tmp_path / "f.csv"
    out.write_text("keep me")
    r = run("predict", workspace / "model", "--output", out, "-q")
    assert r.exit_code == 1
    assert one_line(r.output) == (
        f"Error: refusing to overwrite {str(out)!r}: it already exists; pass --force to replace it, "
        "or choose another path."
    )
    assert out.read_text() == "keep me"
    r = run("predict", workspace / "model", "--output", out, "--force", "-q")
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out)["y"].notna().all() and len(pd.read_csv(out)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]  # no temporary left


def test_predict_never_writes_over_its_data_file(workspace, tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes((workspace / "data.csv").read_bytes())
    before = data.read_bytes()
    for extra in ([], ["--force"]):
        r = run("predict", workspace / "model", "--data", data, "--output", data, *extra)
        assert r.exit_code == 1
        assert one_line(r.output) == (
            f"Error: refusing to write {str(data)!r}: it is the input file {str(data)!r}; choose another output path."
        )
        link = tmp_path / "link.csv"
        link.unlink(missing_ok=True)
        link.symlink_to(data)
        for other in (tmp_path / "sub" / ".." / "data.csv", link):  # other spellings of the same file
            r = run("predict", workspace / "model", "--data", data, "--output", other, *extra)
            assert r.exit_code == 1 and f"it is the input file {str(data)!r}" in one_line(r.output)
    r = run("predict", workspace / "model", "--output", workspace / "model" / "model.json", "--force")
    assert r.exit_code == 1 and "it is the input file" in r.output
    assert data.read_bytes() == before


def test_stale_output_temporaries_of_dead_processes_are_cleaned_up(tmp_path):
    dead = 2**22 + 12345
    stale = tmp_path / f".t.csv.tmp-{dead}-abcd"
    stale.write_text("half")
    assert run("datasets", "export", "temperature", tmp_path / "t.csv", "-q").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_an_output_that_is_a_folder_is_one_error(workspace, tmp_path):
    folder = tmp_path / "x.csv"
    folder.mkdir()
    r = run("predict", workspace / "model", "--output", folder, "--force")
    assert r.exit_code == 1
    assert one_line(r.output) == (
        f"Error: cannot write {str(folder)!r}: it is a folder; give a file path instead (inside it or elsewhere)."
    )


def test_predict_plot_refuses_an_existing_file(workspace, tmp_path):
    png = tmp_path / "p.png"
    png.write_bytes(b"mine")
    r = run("predict", workspace / "model", "--plot", png)
    assert r.exit_code == 1 and f"refusing to overwrite {str(png)!r}: it already exists" in one_line(r.output)
    assert png.read_bytes() == b"mine"
    assert run("predict", workspace / "model", "--plot", png, "--force", "-q").exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_datasets_export_refuses_an_existing_file(tmp_path):
    out = tmp_path / "t.csv"
    out.write_text("keep me")
    r = run("datasets", "export", "temperature", out)
    assert r.exit_code == 1
    assert one_line(r.output) == (
        f"Error: refusing to overwrite {str(out)!r}: it already exists; pass --force to replace it, "
        "or choose another path."
    )
    assert out.read_text() == "keep me"
    assert run("datasets", "export", "temperature", out, "--force", "-q").exit_code == 0
    assert len(pd.read_csv(out)) == 20


def test_train_refuses_a_foreign_out_folder_before_training(workspace, tmp_path):
    out = tmp_path / "project"
    out.mkdir()
    (out / "report.docx").write_bytes(b"mine")
    start = time.monotonic()
    r = run("train", workspace / "data.csv", "--target", "y", "--epochs", "50", "--out", out, "--force")
    assert r.exit_code == 1 and time.monotonic() - start < 5
    assert one_line(r.output) == (
        f"Error: refusing to save the model to {str(out)!r}: the folder holds files lstmcast did not write "
        "(report.docx); move them away or choose another path."
    )
    assert files(out) == {"report.docx": b"mine"}


def test_train_writes_config_in_the_same_swap_and_replaces_its_own_model(workspace, tmp_path):
    args = ["train", workspace / "data.csv", "--target", "y", "--window", "8", "--units", "8", "--epochs", "1"]
    out = tmp_path / "m"
    assert run(*args, "--ensemble", "1", "--out", out, "-q").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["config.toml", *FILES]
    r = run(*args, "--ensemble", "2", "--out", out, "--json")  # an lstmcast model: replaced without --force
    assert r.exit_code == 0, r.output
    assert lstmcast.load(out).ensemble == 2 and "ensemble = 2" in (out / "config.toml").read_text()
    assert siblings(out) == []


# --- one line for every error ----------------------------------------------------------------------------


def test_json_errors_are_json_on_stdout(workspace, tmp_path):
    out = tmp_path / "f.json"
    out.write_text("[]")
    r = run("predict", workspace / "model", "--output", out, "--json")
    assert r.exit_code == 1 and r.stderr == ""
    assert json.loads(r.stdout) == {
        "error": {
            "type": "OverwriteError",
            "message": f"refusing to overwrite {str(out)!r}: it already exists; pass --force to replace it, "
            "or choose another path.",
        }
    }
    r = run("datasets", "describe", "nope", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["error"]["type"] != ""


def test_an_unexpected_exception_is_one_line(workspace, monkeypatch):
    def boom(path):
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr(saving, "read_model", boom)  # predict reads the state (and its checksum)
    r = run("predict", workspace / "model")
    assert r.exit_code == 1
    assert r.output == "Error: ValueError: boom second line (run with --debug for the traceback)\n"
    r = run("predict", workspace / "model", "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout) == {"error": {"type": "ValueError", "message": "boom second line"}}
    r = runner.invoke(app, ["--debug", "predict", str(workspace / "model")])
    assert isinstance(r.exception, ValueError)


def test_ctrl_c_in_a_command_is_one_line_and_exit_130(workspace, monkeypatch):
    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(saving, "read_model", interrupted)
    r = run("predict", workspace / "model")
    assert r.exit_code == 130 and r.output == "Interrupted.\n"


def test_a_read_only_filesystem_is_one_line(workspace, tmp_path, monkeypatch):
    def read_only(self, path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", read_only)
    out = tmp_path / "f.csv"
    r = run("predict", workspace / "model", "--output", out)
    assert r.exit_code == 1
    assert r.output == f"Error: cannot write {str(out)!r}: Read-only file system.\n"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(saving, "write_new", lambda path, data: read_only(None, path))
    r = run("train", workspace / "data.csv", "--target", "y", "--window", "8", "--units", "8", "--epochs", "1",
            "--out", tmp_path / "m", "--json")  # fmt: skip
    assert r.exit_code == 1
    assert json.loads(r.stdout)["error"] == {
        "type": "WriteError",
        "message": f"cannot save the model to {str(tmp_path / 'm')!r}: Read-only file system; "
        f"nothing was written at {str(tmp_path / 'm')!r}.",  # a new folder: there was no previous content
    }
    assert list(tmp_path.iterdir()) == []


def test_a_plain_os_error_is_one_line_without_errno(workspace, monkeypatch):
    def missing(path):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "gone.csv")

    monkeypatch.setattr(saving, "read_model", missing)
    r = run("predict", workspace / "model")
    assert r.exit_code == 1 and r.output == "Error: No such file or directory: 'gone.csv'\n"


def test_weights_are_written_with_the_same_bits_as_before(models):
    """The atomic path changes where bytes go, not which bytes: safetensors content and checksums agree."""
    m0, p0 = models[0]
    doc = json.loads((p0 / "model.json").read_text())
    import hashlib

    assert doc["weights_sha256"] == hashlib.sha256((p0 / "model.safetensors").read_bytes()).hexdigest()
    from safetensors.numpy import load_file

    arrays = load_file(str(p0 / "model.safetensors"))
    state = m0.to_state()["arrays"]
    assert sorted(arrays) == sorted(state) and all(np.array_equal(arrays[k], state[k]) for k in arrays)
