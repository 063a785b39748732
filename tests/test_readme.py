"""Every example of the README and of the documentation (docs/) runs as written.

A page's fenced blocks run in order, as a reader would run them, in a fresh folder:

- ```python blocks are executed, one namespace per page (a page reads as one script);
- ```bash blocks: each ``lstmcast`` (or ``.venv/bin/lstmcast``) command runs through the command line
  in-process and must succeed; installing (``pip``, ``python3 -m venv``), ``curl`` and
  ``lstmcast serve`` (which serves until stopped) are not run: the service page checks the same
  requests in Python;
- ```py blocks are shown, not run: they need what a test machine lacks (TensorFlow, a GPU, several
  machines, the reader's own files) and say so in a comment or the text around them.

To keep the suite fast, settings left at ``epochs="auto"`` train for about 50 optimizer steps here
instead of 500 (``lstmcast.train.trainer.TARGET_STEPS``; a combined fit's validation copy and
fine-tune 25 + 13 instead of 250 + 125, ``lstmcast.fitting.COPY_STEPS`` and ``FINE_TUNE_STEPS``),
settings giving ``epochs`` as a number train at most ``MAX_EPOCHS`` (2) epochs, and ensembles have
``MAX_MEMBERS`` (1) member: the code runs as written, its models are only trained less (ensembles are the
unit tests' business, and each ensemble size compiles programs of its own in a compile-bound suite).

The site itself builds with ``mkdocs build --strict`` (skipped where MkDocs is not installed; it is in
the ``dev`` extra).
"""

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import pytest
from typer.testing import CliRunner

from lstmcast.cli import app
from lstmcast.estimator import Estimator

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
PAGES = ["README.md"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
MAX_EPOCHS = 2  # epochs=<number> on a page trains at most this many epochs here
MAX_MEMBERS = 1  # ensemble members trained here (each size compiles its own programs; the default's 5 at -O0)
NOT_RUN = ("pip", ".venv/bin/pip", "python3", "curl", "source", ".venv/bin/python", ".venv/bin/mkdocs")


def blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block, indented ones (inside tabs) dedented."""
    return [(m["lang"], textwrap.dedent(m["body"])) for m in FENCE.finditer(text)]


def commands(code: str) -> list[list[str]]:
    """The shell commands of a bash block, continuation lines joined and comments dropped."""
    return [shlex.split(line, comments=True) for line in code.replace("\\\n", " ").splitlines() if line.strip()]


def run_page(page: str) -> None:
    namespace: dict = {"__name__": "__main__"}
    runner = CliRunner()
    for lang, code in blocks((ROOT / page).read_text()):
        if lang == "python":
            exec(compile(code, page, "exec"), namespace)
        elif lang == "bash":
            for args in commands(code):
                if not args:
                    continue
                program = args[0].removeprefix(".venv/bin/")
                if program == "lstmcast" and args[1:2] != ["serve"]:
                    result = runner.invoke(app, args[1:])
                    assert result.exit_code == 0, f"{page}: {shlex.join(args)}\n{result.output}"
                else:
                    assert program == "lstmcast" or args[0] in NOT_RUN, (
                        f"{page}: {shlex.join(args)} is neither run nor known: mark the block ```py if it cannot run"
                    )


def test_quick_start_has_two_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert [len(b.strip().splitlines()) for b in found] == [1, 1]
    assert "lstmcast demo" in found[0] and "pytest" in found[1]
    assert (ROOT / ".ci" / "run").read_text().strip().endswith(found[1].strip())


def test_after_the_quick_start_commands_use_the_environment_by_path():
    rest = README.split("## Quick start", 1)[1]
    for page in [rest] + [(ROOT / p).read_text() for p in PAGES[1:]]:
        for lang, code in blocks(page):
            for args in commands(code) if lang == "bash" else []:
                assert args[0] not in ("lstmcast", "pip", "python"), f"use .venv/bin/{args[0]}: {shlex.join(args)}"
    assert "source .venv/bin/activate" in rest


@pytest.mark.parametrize("page", PAGES)
def test_examples_run_as_written(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("lstmcast.train.trainer.TARGET_STEPS", 50)  # epochs="auto": 50 steps, not 500
    # a combined fit's copy and fine-tune, scaled alike (250 + 125 steps -> 25 + 13)
    monkeypatch.setattr("lstmcast.fitting.COPY_STEPS", 25)
    monkeypatch.setattr("lstmcast.fitting.FINE_TUNE_STEPS", 13)
    checked = Estimator._checked

    def fewer_epochs(model):  # epochs given as a number: at most MAX_EPOCHS here (the tutorial's 50 at batch 1...)
        model.ensemble = min(model.ensemble, MAX_MEMBERS)
        cfg = checked(model)
        if cfg["epochs"] != "auto":
            cfg["epochs"] = min(cfg["epochs"], MAX_EPOCHS)
        return cfg

    monkeypatch.setattr(Estimator, "_checked", fewer_epochs)
    matplotlib.use("agg")  # pictures written to files only; the tests run without a display
    run_page(page)
    if page == "README.md":
        assert (tmp_path / "air-model" / "model.json").exists() and (tmp_path / "fit.png").exists()


def test_gallery_pictures_are_committed_for_every_image_on_the_site():
    for page in PAGES[1:]:
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / page).read_text()):
            assert ((ROOT / page).parent / image).exists(), f"{page}: {image} is missing; run its page's code in docs/"


def test_the_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "api" / "index.html").read_text().count("loss_space_") >= 1
