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

# The tests compile hundreds of tiny programs, each once, and run each for a few steps, so compiling
# is most of a cold run. These XLA flags cut it, set here before JAX starts, for this test session only
# (and the processes it starts); a flag the environment already names is kept:
# - backend optimizations off: a cold run of the ONNX and short-series tests took 53 s instead of 99 s;
# - XLA:CPU's older elemental emitters instead of its fusion emitters: the epoch program of a small
#   LSTM compiled in 1.5 s instead of 2.9 s, and a cold run of the conformance and interval tests took
#   49 s instead of 83 s. The library keeps XLA's defaults: without fusion emitters the seed job's step
#   (batch 1) ran 2.5 times slower;
# - one LLVM module per program instead of parallel codegen's split: two xdist workers already keep both
#   cores busy, and splitting costs CPU; a cold run of those tests took 36.5-37.2 s instead of 38.9-39.7 s.
TEST_FLAGS = (
    "--xla_backend_optimization_level=0",
    "--xla_cpu_use_fusion_emitters=false",
    "--xla_cpu_parallel_codegen_split_count=1",
)
for flag in TEST_FLAGS:
    if flag.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flag).strip()
# Rolled recurrences (lstmcast/nn/unroll.py): the library unrolls windows of up to 16 steps, which makes
# each program larger; rolled, a cold run of the conformance, interval, explanation and many-series tests
# took 41 s instead of 53 s. tests/test_unroll.py checks both give the same forecasts and gradients.
os.environ.setdefault("LSTMCAST_UNROLL", "0")


@pytest.fixture(scope="session", autouse=True)
def _compilation_cache():
    os.environ["LSTMCAST_CACHE_DIR"] = str(CACHE)
    import lstmcast

    lstmcast.configure(cache=CACHE, xla_tuning=False)  # XLA flags stay as the environment gave them
    yield
