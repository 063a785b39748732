"""The pretrained prior shipped in the package (nn/prior.py) and the script that trains it (tools/train_prior.py)."""

import hashlib
import importlib.util
from importlib import resources
from pathlib import Path

import jax
import numpy as np
import pytest

from lstmcast import Forecaster, load
from lstmcast.fitting import init_members
from lstmcast.nn import NetworkSpec, prior

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("train_prior", ROOT / "tools" / "train_prior.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_prior_matches_its_recorded_checksum_and_provenance():
    files = resources.files("lstmcast.nn").joinpath("files")
    digest = hashlib.sha256(files.joinpath("prior.safetensors").read_bytes()).hexdigest()
    assert digest == prior.SHA256
    assert prior.SHA256 in files.joinpath("PRIOR.md").read_text()
    spec = NetworkSpec(units=prior.UNITS, window=8, horizon=prior.HORIZON, normalize="last")
    names = {
        ".".join(str(getattr(k, "key", getattr(k, "idx", k))) for k in path)
        for path, _ in jax.tree_util.tree_flatten_with_path(jax.eval_shape(lambda k: spec.init(k), jax.random.key(0)))[
            0
        ]
    }
    assert set(prior.weights()) == names  # every weight of the default network, nothing else


def test_the_training_script_gives_the_same_bytes_for_the_same_seed():
    script = _script()
    a = script.train_prior(seed=3, steps=2, series=6, rounds=1)
    b = script.train_prior(seed=3, steps=2, series=6, rounds=1)
    c = script.train_prior(seed=4, steps=2, series=6, rounds=1)
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert any(not np.array_equal(a[k], c[k]) for k in a)


def test_members_start_at_the_prior_plus_their_own_jitter_with_the_head_cut_to_the_horizon():
    spec = NetworkSpec(units=(50,), window=8, horizon=6, normalize="last")
    started, key = init_members(spec, seed=0, members=2, init="prior")
    fresh, fresh_key = init_members(spec, seed=0, members=2)
    w = prior.weights()
    kernel = np.asarray(started["layers"][0]["forward"]["kernel"])
    want = w["layers.0.forward.kernel"] + prior.JITTER * np.asarray(fresh["layers"][0]["forward"]["kernel"])
    np.testing.assert_allclose(kernel, want, rtol=1e-6, atol=1e-7)
    head = np.asarray(started["head"]["kernel"])  # (members, 50, 6)
    np.testing.assert_allclose(
        head, w["head.kernel"][:, :6] + prior.JITTER * np.asarray(fresh["head"]["kernel"]), rtol=1e-6, atol=1e-7
    )
    assert not np.array_equal(head[0], head[1])  # members still differ
    assert np.array_equal(np.asarray(jax.random.key_data(key)), np.asarray(jax.random.key_data(fresh_key)))


def test_a_longer_horizon_keeps_a_fresh_head_and_another_network_stays_random():
    long = NetworkSpec(units=(50,), window=8, horizon=prior.HORIZON + 1, normalize="last")
    started, _ = init_members(long, seed=0, members=1, init="prior")
    fresh, _ = init_members(long, seed=0, members=1)
    assert np.array_equal(np.asarray(started["head"]["kernel"]), np.asarray(fresh["head"]["kernel"]))
    assert not np.array_equal(
        np.asarray(started["layers"][0]["forward"]["kernel"]), np.asarray(fresh["layers"][0]["forward"]["kernel"])
    )
    small = NetworkSpec(units=(8,), window=8, horizon=3, normalize="last")
    a, _ = init_members(small, seed=0, members=1, init="prior")
    b, _ = init_members(small, seed=0, members=1)
    assert all(np.array_equal(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def test_a_forecaster_started_from_the_prior_saves_loads_and_says_so(tmp_path):
    y = 20 + np.sin(np.arange(70.0) * np.pi / 6) + np.random.default_rng(0).normal(0, 0.1, 70)
    model = Forecaster(horizon=4, seasonal_period=12, init="prior", combine=False, epochs=2, ensemble=2, seed=0)
    model.fit(y)
    assert model.get_params()["init"] == "prior"
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(np.asarray(load(tmp_path / "m").predict()), np.asarray(model.predict()))


def test_init_is_checked_with_its_choices():
    from lstmcast.errors import ConfigError

    with pytest.raises(ConfigError, match="init='pretrained'.*'random', 'prior'"):
        Forecaster(init="pretrained").fit(np.arange(30.0))
