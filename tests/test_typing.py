"""The type check of ``src`` (mypy, configured leniently in pyproject.toml's ``[tool.mypy]``) passes.

It runs with the test suite, so CI's one test command covers it. Skipped only where mypy is not installed
(it is in the ``dev`` extra).
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes_over_src():
    pytest.importorskip("mypy")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".cache" / "mypy"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout


def test_the_package_is_marked_typed_and_has_one_version():
    import tomllib

    import lstmcast

    assert (ROOT / "src" / "lstmcast" / "py.typed").exists()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "lstmcast.__version__"}
    assert lstmcast.__version__ in (ROOT / "CHANGELOG.md").read_text()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License") and project["project"]["license"] == {"text": "MIT"}
