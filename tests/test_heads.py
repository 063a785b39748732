"""Quantile and distribution heads: non-crossing by construction, likelihoods, the way back to model space,
calibration after training, sample paths, and saving."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from lstmcast.data.windows import window_starts
from lstmcast.errors import ConfigError, DataError
from lstmcast.nn import NetworkSpec, init_params
from lstmcast.nn.heads import constrain
from lstmcast.nn.network import network_from_dict
from lstmcast.nn.scaling import denormalize, window_stats
from lstmcast.strategies import get_strategy
from lstmcast.train.config import TrainConfig
from lstmcast.train.losses import (
    NegBinLoss,
    NormalLoss,
    PointLoss,
    QuantileLoss,
    StudentTLoss,
    auto_settings,
    check_settings,
    check_targets,
    get_loss,
    loss_from_dict,
    point_error,
)
from lstmcast.train.trainer import train

FAST = settings(max_examples=30, deadline=None)
finite = st.floats(-1e6, 1e6, width=32)


def raw_outputs(width):
    """Raw head outputs (batch, H, k, width) of small shapes."""
    shapes = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2)).map(lambda s: (*s, width))
    return hnp.arrays(np.float32, shapes, elements=finite)


levels_st = st.lists(st.floats(0.01, 0.99), min_size=1, max_size=6, unique=True).map(
    lambda v: tuple(sorted({round(x, 4) for x in v} | {0.5}))
)


@partial(jax.jit, static_argnums=1)  # one program per shape, not one per operation
def _model_space(raw, head, loc, scale):
    b, _, k, _ = raw.shape
    return denormalize(constrain(raw, head), jnp.full((b, 1, k), loc), jnp.full((b, 1, k), scale), head)


def model_space(raw, head, loc, scale):
    """Raw head outputs -> the head's parameters in model space, for windows of level loc and scale."""
    return np.asarray(_model_space(jnp.asarray(raw), head, jnp.float32(loc), jnp.float32(scale)))


# -- quantiles never cross ---------------------------------------------------------------------------------
@FAST
@given(st.integers(1, 7).flatmap(raw_outputs), finite, st.floats(1e-3, 1e3))
def test_quantile_head_never_crosses(raw, loc, scale):
    q = model_space(raw, "quantile", loc, scale)
    assert np.all(np.diff(q, axis=-1) >= 0)


@FAST
@given(levels_st.flatmap(lambda lv: st.tuples(st.just(lv), raw_outputs(len(lv)))), st.data())
def test_quantile_loss_interpolation_never_crosses(levels_raw, data):
    levels, raw = levels_raw
    loss = QuantileLoss(levels)
    q = model_space(raw, "quantile", 3.0, 2.0)
    taus = sorted(data.draw(st.lists(st.floats(levels[0], levels[-1]), min_size=1, max_size=8)))
    got = loss.quantiles(q, taus)
    assert got.shape == (*q.shape[:-1], len(taus))
    assert np.all(np.diff(got, axis=-1) >= 0)
    assert np.allclose(loss.quantiles(q, levels), q, rtol=1e-6, atol=1e-6)  # the emitted levels come back


taus_st = st.lists(st.floats(1e-4, 1 - 1e-4), min_size=1, max_size=8).map(sorted)


@FAST
@given(st.sampled_from(["normal", "studentt"]), st.data(), taus_st, finite, st.floats(1e-3, 1e3))
def test_distribution_quantiles_never_cross(name, data, taus, loc, scale):
    loss = get_loss(name)
    q = loss.quantiles(model_space(data.draw(raw_outputs(loss.n_outputs)), name, loc, scale), taus)
    assert np.all(np.diff(q, axis=-1) >= 0)


def test_quantile_levels_outside_the_head_are_refused_with_the_range():
    q = np.sort(np.random.default_rng(0).normal(size=(2, 1, 1, 9)), axis=-1)
    with pytest.raises(ConfigError, match=r"\[0.01\] lie outside .* \(0.025 to 0.975\).*up to level 95"):
        QuantileLoss().quantiles(q, [0.01, 0.5])
    with pytest.raises(ConfigError, match="must include 0.5"):
        QuantileLoss((0.8, 0.9))
    with pytest.raises(ConfigError, match="has no quantiles"):
        PointLoss("mse").quantiles(q[..., :1], [0.5])


def test_median_is_interpolated_when_not_emitted():
    q = jnp.array([[[[1.0, 3.0, 7.0]]]])
    assert float(QuantileLoss((0.2, 0.4, 0.9)).point(q)[0, 0, 0]) == pytest.approx(3.0 + 4.0 * 0.1 / 0.5)
    assert float(QuantileLoss((0.1, 0.5, 0.9)).point(q)[0, 0, 0]) == 3.0


# -- per-window losses against hand computation ------------------------------------------------------------
def test_pinball_by_hand():
    out = jnp.array([[[[-1.0, 0.0, 2.0]]]])  # one window, one step, one target, quantiles 0.1 0.5 0.9
    # errors y - q = 2, 1, -1: 0.1 * 2, 0.5 * 1, (0.9 - 1) * -1
    assert float(QuantileLoss((0.1, 0.5, 0.9)).per_window(out, jnp.array([[[1.0]]]))[0]) == pytest.approx(0.8 / 3)


def test_likelihoods_by_hand():
    y = jnp.array([[[2.0, 0.0]]])  # (batch 1, H 1, k 2)
    normal = jnp.array([[[[1.0, 2.0], [0.0, 0.5]]]])
    expected = np.mean([np.log(2.0) + 0.5 * 0.25 + 0.5 * np.log(2 * np.pi), np.log(0.5) + 0.5 * np.log(2 * np.pi)])
    assert float(NormalLoss().per_window(normal, y)[0]) == pytest.approx(expected, rel=1e-6)
    t = jnp.array([[[[1.0, 2.0, 3.0], [0.5, 0.5, 7.5]]]])
    expected = -np.mean([stats.t.logpdf(2.0, 3.0, 1.0, 2.0), stats.t.logpdf(0.0, 7.5, 0.5, 0.5)])
    assert float(StudentTLoss().per_window(t, y)[0]) == pytest.approx(expected, rel=1e-5)
    counts = jnp.array([[[3.0, 0.0]]])
    nb = jnp.array([[[[2.5, 0.4], [0.7, 2.0]]]])  # (mu, alpha): n = 1 / alpha, p = n / (n + mu)
    expected = -np.mean(
        [stats.nbinom.logpmf(k, 1 / a, (1 / a) / (1 / a + m)) for k, (m, a) in [(3, (2.5, 0.4)), (0, (0.7, 2.0))]]
    )
    assert float(NegBinLoss().per_window(nb, counts)[0]) == pytest.approx(expected, rel=1e-5)


def test_negbin_quantiles_and_draws_match_scipy():
    out = np.array([[[[4.0, 0.25]]]])
    r = 4.0
    expected = stats.nbinom.ppf([0.1, 0.5, 0.9], r, r / (r + 4.0))
    np.testing.assert_array_equal(NegBinLoss().quantiles(out, [0.1, 0.5, 0.9])[0, 0, 0], expected)
    draws = np.asarray(NegBinLoss().sample(jnp.asarray(out, jnp.float32), jax.random.key(0), 4000))
    assert np.all(draws == np.round(draws)) and np.all(draws >= 0)
    assert draws.mean() == pytest.approx(4.0, rel=0.06) and draws.var() == pytest.approx(4.0 + 0.25 * 16, rel=0.15)


# -- the way back to model space ---------------------------------------------------------------------------
def test_spread_scales_with_the_window_and_ignores_its_level_shape_untouched():
    out = jnp.array([[[[0.5, 0.2, 5.0]]]])  # window units: mu, sigma, df
    one = jnp.ones((1, 1, 1))
    a = np.asarray(denormalize(out, 10 * one, 3 * one, "studentt"))[0, 0, 0]
    b = np.asarray(denormalize(out, -4 * one, 3 * one, "studentt"))[0, 0, 0]
    np.testing.assert_allclose(a, [11.5, 0.6, 5.0], rtol=1e-6)
    np.testing.assert_allclose(b, [-2.5, 0.6, 5.0], rtol=1e-6)
    n = np.asarray(denormalize(out[..., :2], 10 * one, 3 * one, "normal"))[0, 0, 0]
    np.testing.assert_allclose(n, [11.5, 0.6], rtol=1e-6)
    nb = np.asarray(denormalize(jnp.array([[[[2.0, 0.3]]]]), 0 * one, 7 * one, "negbin"))[0, 0, 0]
    np.testing.assert_allclose(nb, [14.0, 0.3], rtol=1e-6)  # the mean stretches, the dispersion stays


def test_heads_constrain_raw_outputs():
    raw = jnp.array([[[[-80.0, -80.0, -80.0]]]])
    mu, sigma, df = np.asarray(constrain(raw, "studentt"))[0, 0, 0]
    assert mu == -80.0 and sigma > 0 and df >= 2.0
    m, alpha = np.asarray(constrain(raw[..., :2], "negbin"))[0, 0, 0]
    assert m > 0 and alpha > 0
    x = jnp.arange(6.0).reshape(1, 6, 1)
    assert np.asarray(constrain(x, "point")) is not None and constrain(x, "point") is x  # point: nothing happens


def test_scale_mode_divides_by_the_mean_absolute_value_at_least_one():
    x = jnp.array([[[0.0], [4.0], [8.0]], [[0.0], [0.0], [1.0]]])
    loc_in, loc_out, scale = window_stats(x, "scale")
    assert np.all(np.asarray(loc_in) == 0) and np.all(np.asarray(loc_out) == 0)
    np.testing.assert_allclose(np.asarray(scale)[:, 0, 0], [4.0, 1.0])


def test_network_spec_checks_its_head_and_lists_it():
    with pytest.raises(ConfigError, match="normalize='last' cannot be used with loss='negbin'"):
        NetworkSpec(head="negbin", n_outputs=2, normalize="last")
    with pytest.raises(ConfigError, match="n_outputs=3 does not fit head='normal'"):
        NetworkSpec(head="normal", n_outputs=3)
    point, quantile = NetworkSpec(n_outputs=9), NetworkSpec(n_outputs=9, head="quantile")
    assert quantile.count() == point.count()
    last = quantile.layer_rows()[-1]
    assert (last.name, last.kind, last.params) == ("quantile_head", "MonotoneQuantiles", 0)
    assert [r.name for r in point.layer_rows()] == ["lstm", "dense"]


# -- saving ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loss", [PointLoss("huber"), QuantileLoss((0.05, 0.5, 0.95)), NormalLoss(), StudentTLoss(), NegBinLoss()]
)
def test_losses_round_trip(loss):
    d = loss.to_dict()
    assert loss_from_dict(d) == loss and hash(loss_from_dict(d)) == hash(loss)
    assert get_loss(loss.name, quantiles=getattr(loss, "levels", (0.5,))) == loss


def test_point_error_scores_any_head_by_its_point_forecast():
    out = jnp.array([[[[1.0, 0.5]], [[2.0, 0.1]]]])  # (batch 1, H 2, k 1, (mu, sigma))
    y = jnp.array([[[0.0], [4.0]]])
    assert point_error(PointLoss("huber"), "mae") == PointLoss("mae")  # a point head: the same program as ever
    assert float(point_error(NormalLoss()).per_window(out, y)[0]) == pytest.approx((1.0 + 4.0) / 2)
    assert point_error(QuantileLoss((0.1, 0.5, 0.9)), "mae").n_outputs == 3


def test_saved_dicts():
    assert QuantileLoss((0.1, 0.5, 0.9)).to_dict() == {
        "kind": "quantile",
        "name": "quantile",
        "quantiles": [0.1, 0.5, 0.9],
    }
    assert NormalLoss().to_dict() == {"kind": "distribution", "name": "normal"}
    with pytest.raises(ConfigError, match="loss kind 'mixture'"):
        loss_from_dict({"kind": "mixture", "name": "gmm"})
    old = NetworkSpec().to_dict()
    del old["head"]
    assert network_from_dict(old).head == "point"
    spec = NetworkSpec(n_outputs=3, head="studentt", normalize="scale")
    assert network_from_dict(spec.to_dict()) == spec


# -- settings ----------------------------------------------------------------------------------------------
def test_settings_each_loss_needs():
    assert auto_settings("negbin") == {"normalize": "scale", "scaler": "none", "log": False, "difference": 0}
    assert auto_settings("normal") == {} and auto_settings(PointLoss()) == {}
    check_settings("negbin", {"scaler": "auto", "log": "auto", "normalize": "scale", "difference": 0})
    with pytest.raises(ConfigError, match="^scaler='minmax' cannot be used with loss='negbin'.*use scaler='none'"):
        check_settings("negbin", {"scaler": "minmax"})
    with pytest.raises(ConfigError, match="^log=True cannot be used with loss='negbin'"):
        check_settings(NegBinLoss(), {"log": True})
    direct = {"difference": 12, "horizon": 24, "strategy": "direct"}
    with pytest.raises(ConfigError, match="^difference=12 with horizon=24 cannot be used with loss='normal'"):
        check_settings("normal", direct)
    check_settings("mse", direct)
    check_settings("quantile", {**direct, "horizon": 12})
    check_settings("studentt", {**direct, "strategy": "recursive"})  # sample paths are undone path by path
    check_targets("normal", np.array([[-1.5]]))
    with pytest.raises(DataError, match="'sales' holds -1 at row 1"):
        check_targets("negbin", np.array([[3.0], [-1.0]]), ["sales"])


# -- trained heads are calibrated --------------------------------------------------------------------------
NOISE = 0.3
WINDOW = 20  # over 16 steps the recurrence runs rolled: compiles in a fifth of the time


def noisy_sine(seed, n=600):
    t = np.arange(n)
    return (np.sin(2 * np.pi * t / 16) + NOISE * np.random.default_rng(seed).normal(size=n)).astype(np.float32)[:, None]


def fit(loss, seed=0):
    spec = NetworkSpec(units=(16,), window=WINDOW, n_outputs=loss.n_outputs, head=loss.head)
    series = noisy_sine(seed)
    cfg = TrainConfig(epochs=12, batch_size=32, learning_rate=1e-2, loss=loss.name)
    params, history = train(
        init_params(jax.random.key(0), spec),
        spec,
        loss,
        cfg,
        series,
        window_starts(WINDOW, 1, 0, 600),
        jax.random.key(1),
    )
    return spec, params, history


def test_normal_head_learns_the_noise():
    loss = NormalLoss()
    spec, params, history = fit(loss)
    assert np.isfinite(history.loss).all() and history.loss[-1] < history.loss[0]
    fresh = noisy_sine(7)
    starts = window_starts(WINDOW, 1, 0, 600)
    q = get_strategy("direct").forecast_quantiles(params, spec, loss, fresh, starts, 1, [0.5, 0.8413])
    sigma = np.mean(q[..., 1] - q[..., 0])  # mu + 1 sd minus mu
    assert 0.7 * NOISE < sigma < 1.5 * NOISE


def test_quantile_head_covers_fresh_noise():
    loss = QuantileLoss((0.1, 0.5, 0.9))
    spec, params, _ = fit(loss)
    fresh = noisy_sine(8)
    starts = window_starts(WINDOW, 1, 0, 600)
    q = get_strategy("direct").forecast_quantiles(params, spec, loss, fresh, starts, 1, [0.1, 0.9])[0, :, 0, 0]
    y = fresh[starts + WINDOW, 0]
    covered = np.mean((q[:, 0] <= y) & (y <= q[:, 1]))
    assert abs(covered - 0.8) < 0.08  # binomial sd over ~580 windows is 0.017; the rest is the model's error


# -- sample paths ------------------------------------------------------------------------------------------
def test_recursive_sample_paths():
    loss = StudentTLoss()
    spec = NetworkSpec(units=(4,), window=6, n_outputs=3, head="studentt", normalize="last")
    params = init_params(jax.random.key(0), spec)
    values = np.sin(np.arange(40.0))[:, None]
    recursive = get_strategy("recursive")
    paths = recursive.forecast_samples(params, spec, loss, values, np.array([3, 10, 20]), 5, jax.random.key(1), 16)
    assert paths.shape == (1, 3, 16, 5, 1) and np.isfinite(paths).all()
    again = recursive.forecast_samples(params, spec, loss, values, np.array([3, 10, 20]), 5, jax.random.key(1), 16)
    np.testing.assert_array_equal(paths, again)
    assert np.all(np.std(paths[0, :, :, -1, 0], axis=1) > 0)  # paths differ
    other = recursive.forecast_samples(params, spec, loss, values, np.array([3, 10, 20]), 5, jax.random.key(2), 16)
    assert not np.array_equal(paths, other)
    alone = recursive.forecast_samples(params, spec, loss, values, np.array([20]), 5, jax.random.key(1), 16)
    np.testing.assert_array_equal(alone[0, 0], paths[0, 2])  # a window's paths do not depend on the others
    q = recursive.forecast_quantiles(
        params, spec, loss, values, np.array([3]), 5, [0.1, 0.5, 0.9], jax.random.key(1), 16
    )
    assert q.shape == (1, 1, 5, 1, 3) and np.all(np.diff(q, axis=-1) >= 0)
    with pytest.raises(ConfigError, match="pass key="):
        recursive.forecast_quantiles(params, spec, loss, values, np.array([3]), 5, [0.5])


def test_quantile_and_ensemble_paths():
    loss = QuantileLoss((0.1, 0.5, 0.9))
    spec = NetworkSpec(units=(4,), window=6, n_outputs=3, head="quantile")
    params = jax.vmap(lambda k: init_params(k, spec))(jax.random.split(jax.random.key(0), 2))  # two members
    values = np.cos(np.arange(30.0))[:, None]
    recursive = get_strategy("recursive")
    paths = recursive.forecast_samples(params, spec, loss, values, np.array([0, 5]), 3, jax.random.key(3), 8)
    assert paths.shape == (2, 2, 8, 3, 1) and not np.array_equal(paths[0], paths[1])
    # first-step draws (inverse CDF) lie within the emitted quantiles, around the median (the point forecast)
    emitted = recursive.forecast_quantiles(
        params, spec, loss, values, np.array([0, 5]), 1, [0.1, 0.9], jax.random.key(0), 64
    )
    point = recursive.forecast(params, spec, loss, values, np.array([0, 5]), 1)[:, :, 0, 0]  # (members, n)
    first = paths[:, :, :, 0, 0]  # (members, n, samples)
    assert np.all(first.min(axis=2) <= point) and np.all(point <= first.max(axis=2))
    assert np.all(emitted[..., 0, 0, 0] <= point) and np.all(point <= emitted[..., 0, 0, 1])


def test_direct_draws_and_head_mismatch():
    loss = NegBinLoss()
    spec = NetworkSpec(units=(4,), window=6, horizon=2, n_outputs=2, head="negbin", normalize="scale")
    params = init_params(jax.random.key(0), spec)
    counts = np.random.default_rng(0).poisson(5.0, size=(30, 1)).astype(float)
    direct = get_strategy("direct")
    draws = direct.forecast_samples(params, spec, loss, counts, np.array([0, 4]), 2, jax.random.key(0), 10)
    assert draws.shape == (1, 2, 10, 2, 1) and np.all(draws == np.round(draws))
    q = direct.forecast_quantiles(params, spec, loss, counts, np.array([0, 4]), 2, [0.05, 0.5, 0.95])
    assert q.shape == (1, 2, 2, 1, 3) and np.all(np.diff(q, axis=-1) >= 0)
    with pytest.raises(ConfigError, match="does not match loss='normal'"):
        direct.forecast_quantiles(params, spec, NormalLoss(), counts, np.array([0]), 2, [0.5])


def test_losses_and_heads_come_from_the_one_declaration():
    from lstmcast import loss_table, params
    from lstmcast.nn import heads
    from lstmcast.train.losses import get_loss

    assert params.PARAMS["loss"].check_value("negbin") == "negbin"
    for name in loss_table.NAMES:  # the parameter table's choices are the declared losses
        params.PARAMS["loss"].check_value(name)
    with pytest.raises(ConfigError, match="loss='poisson'"):
        params.PARAMS["loss"].check_value("poisson")
    for name, d in loss_table.LOSSES.items():
        loss = get_loss(name, quantiles=(0.1, 0.5, 0.9))
        head = loss_table.HEADS[d.head]
        assert (loss.name, loss.kind, loss.head, loss.counts) == (name, d.kind, d.head, d.counts)
        assert loss.n_outputs == (head.width if head.width is not None else (3 if name == "quantile" else 1))
    assert heads.HEADS == tuple(loss_table.HEADS)
    assert heads.WIDTHS == {"normal": 2, "studentt": 3, "negbin": 2}
    assert set(heads.LABELS) == {n for n, h in loss_table.HEADS.items() if h.label}


def test_a_count_loss_refuses_shifted_windows_by_its_heads_declaration():
    from lstmcast.nn.heads import check_head

    with pytest.raises(ConfigError, match="normalize='last' cannot be used with loss='negbin'"):
        check_head("negbin", 2, "last")
    check_head("negbin", 2, "scale")
    check_head("normal", 2, "last")
