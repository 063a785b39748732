import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _compilation_cache(tmp_path_factory):
    """Keep the tests' compiled programs out of the user's cache directory."""
    os.environ.setdefault("LSTMCAST_CACHE_DIR", str(tmp_path_factory.mktemp("jax-cache")))
    yield
