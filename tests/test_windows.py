import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmcast.data.windows import count_windows, window_starts
from lstmcast.nn.network import NetworkSpec
from lstmcast.train.programs import gather


def brute_force(n, window, horizon, lo, hi, first):
    """Every window, found by trying every start."""
    return [s for s in range(n) if s >= first and s + window >= lo and s + window + horizon <= hi]


@given(
    n=st.integers(1, 60),
    window=st.integers(1, 12),
    horizon=st.integers(1, 5),
    cut=st.floats(0, 1),
    first=st.integers(0, 3),
)
def test_starts_are_exactly_the_valid_windows(n, window, horizon, cut, first):
    lo = int(cut * n)
    assert window_starts(window, horizon, lo, n, first).tolist() == brute_force(n, window, horizon, lo, n, first)
    assert window_starts(window, horizon, 0, lo, first).tolist() == brute_force(n, window, horizon, 0, lo, first)


@given(n=st.integers(0, 200), window=st.integers(1, 20), horizon=st.integers(1, 5))
def test_count_keeps_every_window(n, window, horizon):
    assert count_windows(n, window, horizon) == len(window_starts(window, horizon, 0, n))


def test_seed_series_has_990_windows_not_989():
    assert count_windows(1000, 10, 1) == 990


@settings(deadline=None)  # the first example compiles the gather
@given(n=st.integers(8, 40), window=st.integers(1, 6), horizon=st.integers(1, 3), data=st.data())
def test_gathered_windows_hold_the_right_values(n, window, horizon, data):
    series = np.arange(n * 2, dtype=np.float32).reshape(n, 2)  # (time, features)
    starts = window_starts(window, horizon, 0, n)
    if len(starts) == 0:
        return
    pick = np.asarray(data.draw(st.lists(st.sampled_from(starts.tolist()), min_size=1, max_size=5)), np.int32)
    spec = NetworkSpec(n_inputs=series.shape[1], window=window, horizon=horizon)
    x, y, future = gather(series, pick, spec)
    assert future is None
    for b, s in enumerate(pick):
        np.testing.assert_array_equal(np.asarray(x[b]), series[s : s + window])
        np.testing.assert_array_equal(np.asarray(y[b]), series[s + window : s + window + horizon, :1])


@given(
    n=st.integers(20, 80),
    window=st.integers(1, 8),
    horizon=st.integers(1, 4),
    test=st.integers(0, 10),
    val=st.integers(0, 10),
    lag=st.integers(0, 2),
)
def test_no_window_straddles_a_cut(n, window, horizon, test, val, lag):
    """Every target of a part's window lies in that part; inputs may only look back."""
    from lstmcast.data.pipeline import part_starts
    from lstmcast.data.split import Split

    split = Split(train_end=n - test - val, val_end=n - test, n=n)
    bounds = {"train": (0, split.train_end), "validation": (split.train_end, split.val_end), "test": (split.val_end, n)}
    for part, starts in part_starts(split, window, horizon, lag).items():
        lo, hi = bounds[part]
        for s in starts:
            assert s >= lag and lo <= s + window and s + window + horizon <= hi
