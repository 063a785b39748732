"""lstmcast's XLA flag: added only on AVX-512 CPUs, never over a user's own setting."""

import os
import subprocess
import sys

from lstmcast.xla_flags import VECTOR_WIDTH_FLAG, tuned_flags


def test_adds_vector_width_on_avx512():
    assert tuned_flags("", avx512=True) == f"{VECTOR_WIDTH_FLAG}=512"
    assert tuned_flags("--xla_foo=1", avx512=True) == f"--xla_foo=1 {VECTOR_WIDTH_FLAG}=512"


def test_leaves_flags_alone_without_avx512():
    assert tuned_flags("--xla_foo=1", avx512=False) == "--xla_foo=1"


def test_never_overrides_the_users_choice():
    assert tuned_flags(f"{VECTOR_WIDTH_FLAG}=256", avx512=True) == f"{VECTOR_WIDTH_FLAG}=256"


def _flags_after_import(**env) -> str:
    code = "import os, lstmcast; print(os.environ.get('XLA_FLAGS', ''))"
    full = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "LSTMCAST_XLA_TUNING")} | env
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True).stdout


def test_opt_out_keeps_xla_flags_untouched():
    assert _flags_after_import(LSTMCAST_XLA_TUNING="0", XLA_FLAGS="--xla_foo=1").strip() == "--xla_foo=1"


def test_import_keeps_the_users_flags():
    assert _flags_after_import(XLA_FLAGS="--xla_foo=1").split()[0] == "--xla_foo=1"
