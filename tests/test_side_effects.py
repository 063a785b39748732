"""The library leaves the process as it found it; lstmcast.configure() and the CLI opt in."""

import json
import os
import subprocess
import sys
from pathlib import Path

SNAPSHOT = (
    "import json, os, sys, jax, matplotlib; "
    "print(json.dumps({'cache': jax.config.jax_compilation_cache_dir, 'xla': os.environ.get('XLA_FLAGS'), "
    "'backend': matplotlib.get_backend(), 'min_time': jax.config.jax_persistent_cache_min_compile_time_secs}))"
)


def _run(code: str, **env) -> dict:
    full = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "LSTMCAST_CACHE_DIR", "MPLBACKEND")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_fit_predict_plot_change_nothing(tmp_path):
    """XLA_FLAGS, JAX's cache settings and matplotlib's backend are what the user had, after a whole workflow."""
    mine = str(Path(__file__).resolve().parents[1] / ".cache" / "jax-tests")  # the user's own cache: the tests'
    users = f"import jax, matplotlib; matplotlib.use('svg'); jax.config.update('jax_compilation_cache_dir', {mine!r}); "
    workflow = (
        "import lstmcast; from lstmcast import Forecaster, datasets; from lstmcast.plot import plot_forecast; "
        "m = Forecaster(window=6, units=4, epochs=1, ensemble=1).fit(datasets.load('sine', length=80)); "
        f"plot_forecast(m.actual(), m.predict(), {str(tmp_path / 'f.png')!r}); "
        f"m.save({str(tmp_path / 'm')!r}); lstmcast.load({str(tmp_path / 'm')!r}).predict(); "
    )
    # the user's own XLA flags: the suite's (tests/conftest.py; a fit compiled with XLA's defaults took most of
    # the test) and one more
    flags = "--xla_force_host_platform_device_count=1 " + os.environ["XLA_FLAGS"]
    before = _run(users + SNAPSHOT, XLA_FLAGS=flags)
    after = _run(users + workflow + SNAPSHOT, XLA_FLAGS=flags)
    assert after == before
    assert after["cache"] == mine and after["xla"] == flags and after["backend"] == "svg"
    assert (tmp_path / "f.png").exists()


def test_configure_opts_in_and_keeps_a_users_cache(tmp_path):
    opted = _run(f"import lstmcast; lstmcast.configure(cache={str(tmp_path / 'c')!r}); " + SNAPSHOT)
    assert opted["cache"] == str(tmp_path / "c") and opted["min_time"] == 0.0
    mine = str(tmp_path / "mine")
    kept = _run(
        f"import jax; jax.config.update('jax_compilation_cache_dir', {mine!r}); import lstmcast; "
        "lstmcast.configure(); " + SNAPSHOT
    )
    assert kept["cache"] == mine
    off = _run("import lstmcast; lstmcast.configure(); " + SNAPSHOT, LSTMCAST_CACHE_DIR="off")
    assert off["cache"] is None
