"""Covariates known in advance reach the head through one ReLU layer over their levels and changes (nn/network.py)."""

import jax
import numpy as np
import pandas as pd

from lstmcast import Forecaster, fitting, load
from lstmcast.nn.network import NetworkSpec, apply, init_params
from tiny import NET  # tests/tiny.py: the configurations test files share

TINY = {**NET, "combine": False}


def frame(n=80):
    t = np.arange(n)
    temp = 18 + 8 * np.sin(t / 9)
    return pd.DataFrame(
        {"y": 100 + np.abs(temp - 18) + np.sin(t / 3), "temp": temp},
        index=pd.date_range("2021-01-01", periods=n, freq="D", name="ds"),
    )


def test_a_new_model_reads_its_covariates_through_the_encoder_and_saves_it(tmp_path):
    model = Forecaster(**TINY).fit(frame(), target="y", future=["temp"])
    spec, encoder = model.spec_, model.params_["future"]
    assert spec.future_encoder == fitting.FUTURE_ENCODER > 0
    assert encoder["kernel"].shape == (2, spec.future_encoder) and encoder["bias"].shape == (spec.future_encoder,)
    assert spec.features_width == spec.units[-1] + spec.horizon * spec.future_encoder
    rows = {row.name: row for row in spec.layer_rows()}
    assert rows["future_encoder"].params == 3 * spec.future_encoder
    assert spec.count() == sum(leaf.size for leaf in jax.tree_util.tree_leaves(model.params_))
    future = pd.DataFrame({"temp": [5.0, 18.0, 31.0]})
    path = model.save(tmp_path / "m")
    assert load(path).predict(future=future).equals(model.predict(future=future))


def test_without_covariates_nothing_changes():
    spec = NetworkSpec(units=(4,), window=6, horizon=2)
    assert "future" not in init_params(jax.random.PRNGKey(0), spec) and spec.future_encoder == 0


def test_the_encoder_reads_levels_so_a_response_can_bend():
    """Two windows with the same covariate changes but different levels: read relative to the window mean
    alone they look the same to the head; through the encoder they need not. (The head's weights on the
    recurrent state are zeroed: only what the head reads of the covariates differs.)"""
    spec = NetworkSpec(units=(3,), n_inputs=2, window=4, horizon=1, n_future=1, future_encoder=4)
    params = init_params(jax.random.PRNGKey(3), spec)
    params["future"]["kernel"] = params["future"]["kernel"].at[0].set(1.0)  # levels reach every unit
    params["head"]["kernel"] = params["head"]["kernel"].at[:3].set(0.0)
    inputs = np.zeros((2, 4, 2), np.float32)  # (batch, window, target + covariate)
    inputs[1, :, 1] = 5.0  # the second window's covariate 5 higher all along
    future = inputs[:, :1, 1:] + 1.0  # (batch, horizon, n_future): both one above their window
    out = np.asarray(apply(params, spec, inputs, future=future))
    assert not np.allclose(out[0], out[1])
    unencoded = NetworkSpec(units=(3,), n_inputs=2, window=4, horizon=1, n_future=1, future_relative=True)
    plain = init_params(jax.random.PRNGKey(3), unencoded)
    plain["head"]["kernel"] = plain["head"]["kernel"].at[:3].set(0.0)
    out = np.asarray(apply(plain, unencoded, inputs, future=future))
    np.testing.assert_allclose(out[0], out[1], atol=1e-6)  # relative alone: the same
