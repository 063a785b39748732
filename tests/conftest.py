"""Test-session settings: one persistent compilation cache shared by every test worker and run.

The cache lives in the repository's ``.cache/jax-tests`` (gitignored), so a second
``pytest`` run starts warm; pytest-xdist's workers and the subprocesses tests start
(CLI, notebooks) all use it through ``LSTMCAST_CACHE_DIR``. A user's own cache folder
is never touched.
"""

import os
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "jax-tests"

# The tests compile hundreds of tiny programs, each once; XLA's backend optimizations cost more than
# they save on those: at -O0 a cold run of the ONNX and short-series tests took 53 s instead of 99 s.
# Set here, before JAX starts, for this test session only (and the processes it starts); a level the
# environment already names is kept.
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()


@pytest.fixture(scope="session", autouse=True)
def _compilation_cache():
    os.environ["LSTMCAST_CACHE_DIR"] = str(CACHE)
    import lstmcast

    lstmcast.configure(cache=CACHE, xla_tuning=False)  # XLA flags stay as the environment gave them
    yield
