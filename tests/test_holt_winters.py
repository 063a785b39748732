"""ES-RNN's normalization (nn/holt_winters.py): the recursion, its gradients, and a network that learns it."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lstmcast.errors import ConfigError
from lstmcast.nn import NetworkSpec, init_params
from lstmcast.nn.holt_winters import GAIN, recursion
from lstmcast.nn.scaling import window_stats


def _by_hand(x, alpha, gamma, m):
    """The recursion as written in the docstring, one row at a time (numpy, float64): x (window,)."""
    level = float(np.mean(x[:m]))
    s = list(x[:m] - level) if m > 1 else [0.0]
    used = list(s) if m > 1 else [0.0]
    for t in range(m, len(x)):
        p = (t - m) % m if m > 1 else 0
        level = alpha * (x[t] - s[p]) + (1 - alpha) * level
        used.append(s[p])
        if m > 1:
            s[p] = gamma * (x[t] - level) + (1 - gamma) * s[p]
    if m > 1:
        used[:m] = s  # the first season's rows: their phase's final component
    nxt = (len(x) - m) % m if m > 1 else 0
    return level, np.roll(np.asarray(s), -nxt), np.asarray(used)


@pytest.mark.parametrize(("m", "window"), [(1, 7), (4, 11), (3, 6), (5, 5)])
def test_the_scan_is_the_recursion_written_row_by_row(m, window):
    rng = np.random.default_rng(m)
    x = rng.normal(size=(2, window, 1)).cumsum(axis=1)
    with jax.enable_x64(True):
        level, comps, used = recursion(jnp.asarray(x), jnp.asarray([0.3]), jnp.asarray([0.6]), m)
        for b in range(2):
            l_ref, s_ref, u_ref = _by_hand(x[b, :, 0], 0.3, 0.6, m)
            assert abs(float(level[b, 0]) - l_ref) < 1e-12
            np.testing.assert_allclose(np.asarray(comps[b, :, 0]), s_ref if m > 1 else [0.0], atol=1e-12)
            np.testing.assert_allclose(np.asarray(used[b, :, 0]), u_ref, atol=1e-12)


def _loss(logits, x, m):
    """A loss that reads every output of the recursion, as a function of the two logits."""
    alpha, gamma = jax.nn.sigmoid(GAIN * logits[:1]), jax.nn.sigmoid(GAIN * logits[1:])
    level, comps, used = recursion(x, alpha, gamma, m)
    return jnp.sum(level**2) + jnp.sum(jnp.sin(comps)) + jnp.sum(used * x)


@pytest.mark.parametrize("m", [1, 4])
def test_gradients_through_the_scan_match_finite_differences(m):
    """Autodiff of the lax.scan recursion equals central differences of the same function (float64)."""
    x = np.random.default_rng(0).normal(size=(3, 13, 1)).cumsum(axis=1)
    with jax.enable_x64(True):
        xj, logits = jnp.asarray(x), jnp.asarray([0.04, -0.07])
        grad = np.asarray(jax.grad(_loss)(logits, xj, m))
        eps = 1e-6
        for i in range(2):
            e = np.zeros(2)
            e[i] = eps
            numeric = (float(_loss(logits + e, xj, m)) - float(_loss(logits - e, xj, m))) / (2 * eps)
            assert abs(grad[i] - numeric) < 1e-6 * max(1.0, abs(numeric))
        if m > 1:
            assert abs(grad[1]) > 1e-3  # the season's coefficient reaches the loss


def test_a_level_coefficient_near_one_is_the_last_value_and_a_season_is_kept_by_phase():
    x = jnp.asarray(np.arange(12.0)[None, :, None] % 4 + 10.0)  # a pure season of 4 around a level
    big = {"level": jnp.asarray([5.0]), "season": jnp.asarray([0.0])}  # alpha = sigmoid(50): 1
    loc_in, loc_out, scale = window_stats(x, "es", season=4, horizon=6, smoothing=big)
    np.testing.assert_allclose(np.asarray(loc_out[0, :, 0]), [10, 11, 12, 13, 10, 11], atol=1e-4)
    np.testing.assert_allclose(np.asarray(loc_in[0, :, 0]), np.asarray(x[0, :, 0]), atol=1e-4)
    assert float(scale[0, 0, 0]) > 0  # floored: a window of a pure season has no seasonal steps


def test_the_coefficients_are_parameters_counted_in_the_summary():
    spec = NetworkSpec(units=(8,), window=8, horizon=2, normalize="es", season=4)
    params = init_params(jax.random.key(0), spec)
    assert set(params["smoothing"]) == {"level", "season"}
    plain = NetworkSpec(units=(8,), window=8, horizon=2, normalize="season", season=4)
    assert spec.count() == plain.count() + 2
    assert spec.layer_rows()[0].name == "exponential_smoothing"


def test_a_forecaster_learns_the_coefficients_and_predicts_the_same_after_loading(tmp_path):
    from lstmcast import Forecaster, load

    t = np.arange(80.0)
    y = 50 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(1).normal(0, 1, 80)
    model = Forecaster(horizon=6, seasonal_period=12, normalize="es", combine=False, epochs=20, ensemble=1, seed=0)
    model.fit(y)
    for name in ("level", "season"):  # trained with the network, not left at their start (zero)
        assert np.all(np.abs(np.asarray(model.params_["smoothing"][name])) > 1e-4)
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(np.asarray(load(tmp_path / "m").predict()), np.asarray(model.predict()))


def test_an_es_network_is_refused_by_onnx_export_with_the_fix():
    from lstmcast import Forecaster
    from lstmcast.export.onnx_graph import check_exportable

    y = np.sin(np.arange(60.0) / 3) + 5
    model = Forecaster(horizon=3, seasonal_period=6, normalize="es", combine=False, epochs=2, ensemble=1, seed=0)
    model.fit(y)
    with pytest.raises(ConfigError, match="normalize='es'.*refit with normalize='season'"):
        check_exportable(model)


def test_mixed_members_read_their_windows_as_season_or_es_by_their_flag():
    x = jnp.asarray(np.random.default_rng(2).normal(size=(3, 12, 1)).cumsum(axis=1))
    coefs = {"level": jnp.asarray([0.1]), "season": jnp.asarray([-0.2])}
    season = window_stats(x, "season", season=4, horizon=5)
    es = window_stats(x, "es", season=4, horizon=5, smoothing=coefs)
    for flag, want in ((0.0, season), (1.0, es)):
        got = window_stats(x, "mixed", season=4, horizon=5, smoothing={**coefs, "es": jnp.asarray([flag])})
        for a, b in zip(got, want):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(jnp.broadcast_to(b, a.shape)))


def test_a_mixed_ensemble_alternates_its_members_and_training_never_moves_the_flags():
    from lstmcast import Forecaster
    from lstmcast.fitting import init_members

    spec = NetworkSpec(units=(4,), window=8, horizon=2, normalize="mixed", season=4)
    params, _ = init_members(spec, seed=0, members=5)
    np.testing.assert_array_equal(np.asarray(params["smoothing"]["es"])[:, 0], [0, 1, 0, 1, 0])
    y = 10 + np.sin(np.arange(60.0) * np.pi / 3)
    model = Forecaster(horizon=3, seasonal_period=6, normalize="mixed", combine=False, epochs=3, ensemble=2, seed=0)
    model.fit(y)
    np.testing.assert_array_equal(np.asarray(model.params_["smoothing"]["es"])[:, 0], [0, 1])
    assert np.all(np.isfinite(np.asarray(model.predict())))


def test_the_first_season_reaches_the_network_as_it_varies_and_a_one_row_window_stays_finite():
    x = jnp.asarray(np.random.default_rng(3).normal(size=(2, 8, 1)).cumsum(axis=1))
    coefs = {"level": jnp.asarray([0.0]), "season": jnp.asarray([0.0])}
    loc_in, _, scale = window_stats(x, "es", season=4, horizon=2, smoothing=coefs)
    first = np.asarray((x - loc_in) / scale)[:, :4, 0]  # the rows that only started the recursion
    assert np.all(np.ptp(first, axis=1) > 1e-3)  # not one number per window
    one = window_stats(jnp.ones((2, 1, 1)), "es", season=1, horizon=3, smoothing=coefs)
    assert all(np.all(np.isfinite(np.asarray(a))) for a in one)


def test_mixed_with_one_member_is_refused_with_the_fix():
    from lstmcast import Forecaster

    with pytest.raises(ConfigError, match="ensemble=1 has one member: use normalize='season' or normalize='es'"):
        Forecaster(horizon=2, normalize="mixed", ensemble=1).fit(np.arange(40.0))
