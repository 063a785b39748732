"""Each cell against a plain NumPy float64 implementation of its equations."""

import jax
import numpy as np
import pytest

from lstmcast.nn import NetworkSpec, apply, init_params


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_lstm(p, x, reverse=False):  # x (batch, time, D)
    W, U, b = (np.asarray(p[k], np.float64) for k in ("kernel", "recurrent_kernel", "bias"))
    units = U.shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    outs = [None] * x.shape[1]
    order = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
    for t in order:
        z = x[:, t] @ W + h @ U + b
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outs[t] = h
    return np.stack(outs, 1)


def np_gru(p, x, reverse=False):
    W, U, b = (np.asarray(p[k], np.float64) for k in ("kernel", "recurrent_kernel", "bias"))
    units = U.shape[0]
    h = np.zeros((x.shape[0], units))
    outs = [None] * x.shape[1]
    order = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
    for t in order:
        xz = x[:, t] @ W + b[0]
        hz = h @ U + b[1]
        z = sigmoid(xz[:, :units] + hz[:, :units])
        r = sigmoid(xz[:, units : 2 * units] + hz[:, units : 2 * units])
        cand = np.tanh(xz[:, 2 * units :] + r * hz[:, 2 * units :])
        h = z * h + (1 - z) * cand
        outs[t] = h
    return np.stack(outs, 1)


def np_network(params, spec, x):
    ref = np_lstm if spec.cell == "lstm" else np_gru
    seq = x
    for i, layer in enumerate(params["layers"]):
        outs = [ref(layer[d], seq, reverse=(d == "backward")) for d in spec.directions]
        if i < len(spec.units) - 1:
            seq = np.concatenate(outs, -1)
        else:
            last = [o[:, 0] if d == "backward" else o[:, -1] for o, d in zip(outs, spec.directions)]
            seq = np.concatenate(last, -1)
    if "dense" in params:
        seq = np.maximum(seq @ np.asarray(params["dense"]["kernel"]) + np.asarray(params["dense"]["bias"]), 0)
    out = seq @ np.asarray(params["head"]["kernel"], np.float64) + np.asarray(params["head"]["bias"], np.float64)
    return out.reshape(x.shape[0], spec.horizon, spec.n_targets)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("units,bidirectional", [((7,), False), ((6, 5), False), ((4,), True), ((5, 3), True)])
def test_network_matches_numpy_float64(cell, units, bidirectional):
    spec = NetworkSpec(
        cell=cell,
        units=units,
        n_inputs=3,
        window=9,
        horizon=2,
        n_targets=2,
        bidirectional=bidirectional,
        dense_units=4 if len(units) > 1 else 0,
    )
    with jax.enable_x64(True):
        params = jax.tree.map(lambda a: a.astype(np.float64), init_params(jax.random.key(3), spec))
        # random biases too, so every bias path is exercised
        params = jax.tree.map(lambda a: a + 0.1 * np.random.default_rng(a.size).normal(size=a.shape), params)
        x = np.random.default_rng(0).normal(size=(5, 9, 3))
        ours = np.asarray(apply(params, spec, jax.numpy.asarray(x)))[..., 0]  # one output per step and target
    ref = np_network(jax.tree.map(np.asarray, params), spec, x)
    assert ours.dtype == np.float64
    assert np.max(np.abs(ours - ref)) < 1e-10


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gradients_match_finite_differences(cell):
    spec = NetworkSpec(cell=cell, units=(4, 3), n_inputs=2, window=5)
    with jax.enable_x64(True):
        params = jax.tree.map(lambda a: a.astype(np.float64), init_params(jax.random.key(0), spec))
        x = jax.numpy.asarray(np.random.default_rng(1).normal(size=(3, 5, 2)))

        def f(p):
            return jax.numpy.sum(apply(p, spec, x) ** 2)

        grads = jax.grad(f)(params)
        leaves, treedef = jax.tree.flatten(params)
        gleaves = jax.tree.leaves(grads)
        rng = np.random.default_rng(2)
        for li, (leaf, g) in enumerate(zip(leaves, gleaves)):
            idx = tuple(rng.integers(0, s) for s in leaf.shape)
            eps = 1e-6
            plus = [l.at[idx].add(eps) if j == li else l for j, l in enumerate(leaves)]
            minus = [l.at[idx].add(-eps) if j == li else l for j, l in enumerate(leaves)]
            fd = (f(jax.tree.unflatten(treedef, plus)) - f(jax.tree.unflatten(treedef, minus))) / (2 * eps)
            assert abs(float(fd) - float(g[idx])) < 1e-6 * max(1.0, abs(float(fd)))
