import jax
import pytest

from lstmcast.nn import NetworkSpec, format_summary, init_params, layer_rows, total_params
from lstmcast.nn.cells import count_params


def keras_lstm(n_in, units):
    return 4 * (units * (n_in + units) + units)


def keras_gru(n_in, units):  # reset_after=True: two bias vectors
    return 3 * (units * (n_in + units) + 2 * units)


def n_leaves(params):
    return sum(a.size for a in jax.tree.leaves(params))


def test_seed_model_has_10451_parameters():
    spec = NetworkSpec(cell="lstm", units=(50,), n_inputs=1, window=10)
    rows = layer_rows(spec)
    assert [(r.name, r.params) for r in rows] == [("lstm", 10_400), ("dense", 51)]
    assert total_params(spec) == 10_451
    assert n_leaves(init_params(jax.random.key(0), spec)) == 10_451
    text = format_summary(spec)
    assert "10,400" in text and "Total params: 10,451 (40.82 KB)" in text


@pytest.mark.parametrize("n_in,units", [(1, 1), (1, 50), (3, 16), (7, 128), (64, 32)])
def test_counts_match_keras_formulas(n_in, units):
    assert count_params("lstm", n_in, units) == keras_lstm(n_in, units)
    assert count_params("gru", n_in, units) == keras_gru(n_in, units)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_stacked_counts_equal_real_parameter_arrays(cell, bidirectional):
    spec = NetworkSpec(
        cell=cell,
        units=(32, 16),
        n_inputs=4,
        window=6,
        horizon=3,
        n_targets=2,
        bidirectional=bidirectional,
        dense_units=8,
    )
    f = keras_lstm if cell == "lstm" else keras_gru
    d = 2 if bidirectional else 1
    expected = d * f(4, 32) + d * f(32 * d, 16) + (16 * d + 1) * 8 + (8 + 1) * 6
    assert total_params(spec) == expected
    assert n_leaves(init_params(jax.random.key(1), spec)) == expected


def test_layer_shapes_like_keras():
    spec = NetworkSpec(units=(64, 64), window=48, n_inputs=5)
    assert [r.output_shape for r in layer_rows(spec)] == [(None, 48, 64), (None, 64), (None, 1)]
    assert [r.name for r in layer_rows(spec)] == ["lstm", "lstm_1", "dense"]


def test_keras_initializers():
    import numpy as np

    p = init_params(jax.random.key(0), NetworkSpec(units=(8,), n_inputs=3))
    layer = p["layers"][0]["forward"]
    bias = np.asarray(layer["bias"])
    assert bias[8:16].tolist() == [1.0] * 8 and not bias[:8].any() and not bias[16:].any()  # forget gate 1
    rec = np.asarray(layer["recurrent_kernel"])  # (8, 32): orthonormal rows
    np.testing.assert_allclose(rec @ rec.T, np.eye(8), atol=1e-5)
    limit = (6 / (3 + 32)) ** 0.5
    assert np.abs(np.asarray(layer["kernel"])).max() <= limit


def test_summary_columns_stay_aligned_with_long_names():
    spec = NetworkSpec(cell="gru", units=(16, 16), bidirectional=True, dense_units=8)
    lines = format_summary(spec).splitlines()
    body = [line for line in lines if line.split()[-1].replace(",", "").isdigit() and "params" not in line]
    assert len(body) == 4 and len({len(line) for line in body}) == 1  # parameter counts end in one column
    assert body[1].startswith("bidirectional_1 (Bidirectional(GRU))  (None, 32)")
    assert body[1].split()[-1] == "4,800"
