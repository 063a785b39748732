import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmcast.data import Scaler, TargetTransform, load_series, make_split
from lstmcast.data.pipeline import fit_transforms
from lstmcast.errors import ConfigError, TransformError

finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@given(
    x=arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 4)), elements=finite),
    kind=st.sampled_from(["minmax", "standard", "robust", "none"]),
)
def test_scalers_invert(x, kind):
    s = Scaler(kind).fit(x)
    back = s.inverse(s.transform(x))
    np.testing.assert_allclose(back, x, rtol=1e-9, atol=1e-6)
    restored = Scaler.from_dict(s.to_dict())
    np.testing.assert_array_equal(restored.transform(x), s.transform(x))


def test_minmax_feature_range():
    s = Scaler("minmax", feature_range=(-1.0, 1.0)).fit(np.array([[2.0], [4.0], [6.0]]))
    np.testing.assert_allclose(s.transform(np.array([[2.0], [6.0], [8.0]]))[:, 0], [-1.0, 1.0, 2.0])


def test_constant_column_does_not_divide_by_zero():
    s = Scaler("standard").fit(np.ones((5, 1)))
    assert np.isfinite(s.transform(np.ones((2, 1)))).all()


@given(
    y=arrays(np.float64, st.tuples(st.integers(15, 40), st.integers(1, 2)), elements=st.floats(0.1, 1e4)),
    log=st.booleans(),
    lag=st.sampled_from([0, 1, 3]),
    horizon=st.integers(1, 4),
)
def test_target_transform_inverts_forecast_paths(y, log, lag, horizon):
    t = TargetTransform(log=log, lag=lag)
    z = t.forward(y)
    origin = 10
    path = z[origin + 1 : origin + 1 + horizon][None]  # (1, H, targets): the true future, transformed
    history = t.levels(y)[origin - lag + 1 : origin + 1][None]  # (1, lag, targets)
    back = t.inverse(path, history)[0]
    np.testing.assert_allclose(back, y[origin + 1 : origin + 1 + horizon], rtol=1e-9)


@given(
    train=arrays(np.float64, 30, elements=st.floats(1, 100)),
    test_a=arrays(np.float64, 10, elements=st.floats(-1e3, 1e3)),
    test_b=arrays(np.float64, 10, elements=st.floats(-1e3, 1e3)),
    kind=st.sampled_from(["minmax", "standard", "robust"]),
    lag=st.sampled_from([0, 1, 2]),
)
def test_fitted_transforms_ignore_rows_after_the_training_cut(train, test_a, test_b, kind, lag):
    fitted = []
    for test in (test_a, test_b):
        series = load_series(np.concatenate([train, test]))
        split = make_split(len(series), series.index, test=10)
        fitted.append(fit_transforms(series, split.train_end, Scaler(kind), TargetTransform(lag=lag)))
    assert fitted[0].scaler.to_dict() == fitted[1].scaler.to_dict()


def test_log_of_non_positive_is_refused():
    series = load_series(np.array([3.0, 2.0, 0.0, 4.0, 5.0]))
    with pytest.raises(TransformError) as e:
        fit_transforms(series, 5, Scaler(), TargetTransform(log=True))
    assert str(e.value) == (
        "log transform needs positive values, but column 'y' has 1 value(s) <= 0, first 0.0 at 2 (row 2); "
        "drop log=True or shift the data above zero."
    )


def test_unknown_scaler():
    with pytest.raises(ConfigError, match=r"scaler='maxabs' is not supported: use one of 'minmax', 'standard'"):
        Scaler("maxabs")


def test_a_subnormal_spread_counts_as_constant():
    """Found by hypothesis: a robust scale of 2e-311 overflowed 1.0 to inf."""
    x = np.array([[1.0], [2.2250738585e-311], [1.0]] + [[0.0]] * 6)
    s = Scaler("robust").fit(x)
    assert s.scale_[0] == 1.0
    np.testing.assert_array_equal(s.inverse(s.transform(x)), x)
