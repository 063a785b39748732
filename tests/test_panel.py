"""Long-format panels: per-series validation with the series named, shared frequency, static columns, fast path."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmcast.data import load_series
from lstmcast.data.panel import Panel
from lstmcast.data.panel_load import _load, is_long, load_panel
from lstmcast.errors import ColumnError, DataError, EmptyDataError, MissingValueError, TimeIndexError


def dates(start, n, freq="D"):
    return pd.date_range(start, periods=n, freq=freq)


def long(**series):
    """A long table: name=(timestamps, values) per series, in this order."""
    return pd.concat(
        [pd.DataFrame({"unique_id": k, "ds": t, "y": list(v)}) for k, (t, v) in series.items()],
        ignore_index=True,
    )


def slow(data, **kw):
    """The reference: every series through load_series."""
    args = {k: kw.get(k) for k in ("id", "target", "time", "features", "future", "static", "freq", "fill")}
    return _load(data, **args, fast=False)


def assert_same(p: Panel, q: Panel):
    assert p.ids == q.ids
    np.testing.assert_array_equal(p.offsets(), q.offsets())
    np.testing.assert_array_equal(p.stacked(), q.stacked())
    assert p.times.equals(q.times) and p.times.name == q.times.name and type(p.times) is type(q.times)
    for name in ("targets", "features", "future", "freq", "time_name", "id_name", "static_categorical", "filled"):
        assert getattr(p, name) == getattr(q, name), name
    for name in ("skipped", "steps", "step", "to_utc", "time_detected"):
        assert getattr(p, name) == getattr(q, name), name
    if p.static is None:
        assert q.static is None
    else:
        pd.testing.assert_frame_equal(p.static, q.static)


MIXED = long(
    b=(dates("2024-01-03", 5), [1, 2, 3, 4, 5]),
    a=(dates("2024-01-01", 8), range(8)),
    c=(dates("2024-01-10", 1), [7]),
    d=(dates("2024-01-02", 2), [8, 9]),
)


def test_nixtla_columns_need_no_arguments():
    p = load_panel(MIXED)
    assert p.ids == ("a", "b", "c", "d")  # sorted, not in order of appearance
    assert (p.id_name, p.time_name, p.targets, p.freq) == ("unique_id", "ds", ("y",), "D")
    np.testing.assert_array_equal(p.lengths, [8, 5, 1, 2])
    np.testing.assert_array_equal(p.offsets(), [0, 8, 13, 14, 16])
    assert (len(p), p.n_series, p.total_rows, p.stacked().shape) == (4, 4, 16, (16, 1))
    assert p.static is None and p.filled == {} and not p.time_detected
    b = p.get("b")
    assert b.index.equals(dates("2024-01-03", 5)) and b.freq == "D"
    np.testing.assert_array_equal(b.values[:, 0], [1, 2, 3, 4, 5])


def test_offsets_cut_stacked_into_each_series():
    p = load_panel(MIXED)
    stacked, offsets = p.stacked(), p.offsets()
    assert len(p.series) == 4
    for i, s in enumerate(p.series):
        np.testing.assert_array_equal(stacked[offsets[i] : offsets[i + 1]], s.values)
        assert s.index.equals(p.times[offsets[i] : offsets[i + 1]])
    assert [s.values[0, 0] for s in p.series[1:3]] == [1.0, 7.0]
    assert p.series[-1].values[-1, 0] == 9.0
    assert not stacked.flags.writeable and not p.series[0].values.flags.writeable


def test_each_series_equals_load_series_on_its_own_rows():
    p = load_panel(MIXED)
    for sid in ("a", "b"):
        alone = load_series(MIXED[MIXED.unique_id == sid].drop(columns="unique_id"), target="y", time="ds")
        s = p.get(sid)
        assert s.index.equals(alone.index) and s.freq == alone.freq
        np.testing.assert_array_equal(s.values, alone.values)


def test_custom_names_features_future_and_static():
    t = dates("2024-01-01", 4, "MS")
    df = pd.DataFrame(
        {
            "store": np.repeat([7, 12], 4),
            "month": np.tile(t, 2),
            "sales": np.arange(8.0),
            "price": np.arange(8.0) / 10,
            "promo": [0, 1] * 4,
            "size": np.repeat([100, 250], 4),
            "region": np.repeat(["north", "south"], 4),
        }
    )
    p = load_panel(
        df, id="store", target="sales", time="month", features=["price"], future=["promo"], static=["size", "region"]
    )
    assert p.ids == ("12", "7")  # str(id), sorted as strings
    assert (p.columns, p.freq, p.id_name) == (("sales", "price", "promo"), "MS", "store")
    np.testing.assert_array_equal(p.get(7).values[:, 2], [0, 1, 0, 1])
    assert p.static_categorical == ("region",)
    expected = pd.DataFrame(
        {"size": [250.0, 100.0], "region": pd.array(["south", "north"], dtype=object)},
        index=pd.Index(["12", "7"], name="store"),
    )
    pd.testing.assert_frame_equal(p.static, expected)


def test_category_dtype_marks_integer_codes_categorical():
    df = long(a=(dates("2024-01-01", 3), range(3)), b=(dates("2024-01-01", 3), range(3)))
    df["code"] = pd.Series([3, 3, 3, 5, 5, 5], dtype="category")
    df["flag"] = [True] * 3 + [False] * 3
    p = load_panel(df, static=["code", "flag"])
    assert p.static_categorical == ("code",)
    assert list(p.static["code"]) == ["3", "5"] and list(p.static["flag"]) == [1.0, 0.0]
    assert "code" not in p.columns  # static columns are not per-row values


def test_short_series_fit_the_grid_inferred_from_the_longer_ones():
    p = load_panel(long(a=(dates("2024-01-01", 6, "MS"), range(6)), b=(dates("2024-03-01", 2, "MS"), [1, 2])))
    assert p.freq == "MS" and list(p.lengths) == [6, 2]
    with pytest.raises(TimeIndexError) as e:
        load_panel(
            long(a=(dates("2024-01-01", 6, "MS"), range(6)), b=(pd.to_datetime(["2024-03-15", "2024-04-15"]), [1, 2]))
        )
    assert str(e.value) == (
        "series 'b': time column 'ds': timestamp 2024-03-15 at row 0 is off the frequency 'MS'; pass the right "
        "freq= or resample the data."
    )


def test_one_series_is_a_panel_and_rows_steps_without_a_time_column():
    p = load_panel(long(only=(dates("2024-01-01", 5), range(5))))
    assert p.ids == ("only",) and p.total_rows == 5
    q = load_panel(pd.DataFrame({"unique_id": list("abab"), "v": [1.0, 10.0, 2.0, 20.0]}))
    assert q.time_name is None and q.freq is None
    assert q.get("b").index.equals(pd.RangeIndex(2))
    np.testing.assert_array_equal(q.stacked()[:, 0], [1, 2, 10, 20])


def test_integer_time_steps_and_fill_per_series():
    df = pd.DataFrame({"unique_id": list("aaabb"), "t": [2000, 2001, 2002, 2001, 2003], "y": [1.0, 2, 3, 4, 6]})
    with pytest.raises(TimeIndexError) as e:
        load_panel(df, time="t")
    assert str(e.value) == (
        "series 'b': time column 't' steps by 1 but has 1 missing step(s), first between 2001 (row 0) and 2003 "
        "(row 1); insert the missing rows, or pass fill='interpolate', 'ffill' or 'zero' to insert and fill them."
    )
    p = load_panel(df, time="t", fill="interpolate")
    assert p.filled == {"b": {"missing steps": 1, "y": 1}} and p.step == 1
    assert list(p.get("b").index) == [2001, 2002, 2003]
    np.testing.assert_array_equal(p.get("b").values[:, 0], [4, 5, 6])
    assert_same(p, slow(df, time="t", fill="interpolate"))


def test_fill_is_per_series_and_reported_by_id():
    df = long(a=(dates("2024-01-01", 5), [1, np.nan, 3, 4, 5]), b=(dates("2024-01-01", 6).delete(2), range(5)))
    p = load_panel(df, fill="ffill")
    assert p.filled == {"a": {"y": 1}, "b": {"missing timestamps": 1, "y": 1}}
    np.testing.assert_array_equal(p.get("b").values[:, 0], [0, 1, 1, 2, 3, 4])
    assert list(p.lengths) == [5, 6]
    assert_same(p, slow(df, fill="ffill"))


def test_shuffled_rows_give_the_same_panel():
    df = MIXED.copy()
    df["kind"] = df["unique_id"].map({"a": "x", "b": "y", "c": "x", "d": "z"})
    shuffled = df.sample(frac=1.0, random_state=3)
    assert_same(load_panel(df, static=["kind"]), load_panel(shuffled, static=["kind"]))
    assert_same(load_panel(shuffled, static=["kind"]), slow(shuffled, static=["kind"]))


def test_index_levels_become_columns():
    assert_same(load_panel(MIXED.set_index(["unique_id", "ds"])), load_panel(MIXED))


def test_trading_days_per_series():
    days = pd.bdate_range("2024-01-01", periods=40)
    df = long(a=(days.delete([5, 17]), range(38)), b=(days[:30], range(30)))
    p = load_panel(df)
    assert (p.freq, p.steps, p.skipped) == ("B", "observations", {"a": 2})
    assert_same(p, slow(df))


def test_time_zones_and_hourly_grid():
    t = pd.date_range("2024-03-30", periods=48, freq="h", tz="Europe/Paris")
    df = long(a=(t, range(48)), b=(t[10:20], range(10)))
    p = load_panel(df)
    assert p.freq == "h" and str(p.times.tz) == "Europe/Paris"
    assert p.get("b").index.equals(t[10:20])
    assert_same(p, slow(df))


def test_subset_cut_tail_and_future_index():
    p = load_panel(MIXED)
    sub = p.subset(["d", "a"])
    assert sub.ids == ("a", "d") and list(sub.lengths) == [8, 2]
    np.testing.assert_array_equal(sub.get("d").values[:, 0], [8, 9])
    with pytest.raises(DataError, match="series 'c' has 1 row"):
        p.cut(1)
    held = p.subset(["a", "b"]).cut(2)
    assert list(held.lengths) == [6, 3] and held.get("b").index[-1] == pd.Timestamp("2024-01-05")
    tail = p.tail(2)
    assert list(tail.lengths) == [2, 2, 1, 2] and tail.get("a").values[0, 0] == 6
    ahead = p.future_index(2)
    for i, s in enumerate(p.series):
        assert ahead[2 * i : 2 * i + 2].equals(s.future_index(2))
    with pytest.raises(DataError, match="series 'zz' is not in the panel"):
        p.get("zz")


def test_other_time_column_found_by_its_dates_features_all_and_utc():
    df = MIXED.rename(columns={"ds": "when"}).assign(x=1.0, temp=2.0)
    p = load_panel(df, features="all", future=["temp"])
    assert (p.time_name, p.time_detected, p.features, p.future) == ("when", True, ("x",), ("temp",))
    stamps = ["2024-03-31 01:00+01:00", "2024-03-31 03:00+02:00", "2024-03-31 04:00+02:00"]  # hourly across DST
    q = load_panel(pd.DataFrame({"unique_id": "a", "ds": stamps, "y": [1.0, 2, 3]}))
    assert q.to_utc and q.freq == "h" and str(q.times.tz) == "UTC"
    assert q.get("a").index_note.startswith("the time column's timestamps have several UTC offsets")


def test_is_long(tmp_path):
    assert is_long(MIXED)
    assert not is_long(MIXED.rename(columns={"unique_id": "store"}))
    assert is_long(MIXED.rename(columns={"unique_id": "store"}), id="store")
    assert is_long(MIXED.set_index("unique_id"))
    path = tmp_path / "panel.csv"
    MIXED.to_csv(path, index=False)
    assert is_long(path) and load_panel(path).ids == ("a", "b", "c", "d")


BASE = dict(a=(dates("2024-01-01", 5), range(5)))
ERRORS = [
    (
        lambda load: load(long(**BASE, b=(dates("2024-01-01", 6), [1, 2, np.nan, 4, np.nan, 6]))),
        MissingValueError,
        "series 'b': column 'y' has 2 NaN value(s), first at 2024-01-03 (row 2); clean the data or pass "
        "fill='interpolate', 'ffill' or 'zero'.",
    ),
    (
        lambda load: load(long(**BASE, b=(dates("2024-01-01", 4)[[0, 1, 1, 2]], range(4)))),
        TimeIndexError,
        "series 'b': time column 'ds' has 1 duplicate timestamp(s), first 2024-01-02 at row 2; remove or aggregate "
        "the duplicates (e.g. df.groupby(['unique_id', 'ds']).mean()), or, if two series share this id, give each "
        "its own.",
    ),
    (
        lambda load: load(long(**BASE, b=(dates("2024-01-01", 6).delete(3), range(5)))),
        TimeIndexError,
        "series 'b': time column 'ds' has 1 missing timestamp(s) against frequency 'D', first 2024-01-04 (between "
        "rows 2 and 3); pass fill='interpolate', 'ffill' or 'zero' to insert and fill them, or pass the right freq= "
        "(e.g. 'B' for business days).",
    ),
    (
        lambda load: load(long(**BASE, b=(dates("2024-01-01", 3), ["1", "x", "3"]))),
        ColumnError,
        "series 'b': column 'y' is not numeric (dtype object): value 'x' at row 1; convert it to numbers or choose "
        "another column.",
    ),
    (
        lambda load: load(long(**BASE, b=(dates("2024-01-07", 5, "W-SUN"), range(5)))),
        TimeIndexError,
        "series 'b' has frequency 'W-SUN' but series 'a' has 'D': every series of a panel shares one frequency; "
        "resample the series that differ, or pass freq= to check them all against one grid (e.g. freq='D').",
    ),
    (
        lambda load: load(pd.DataFrame({"unique_id": list("aaabbb"), "t": [1, 2, 3, 1, 3, 5], "y": 1.0}), time="t"),
        TimeIndexError,
        "series 'b' steps by 2 but series 'a' by 1: every series of a panel shares one step of its time column 't'; "
        "relabel the series that differ.",
    ),
    (
        lambda load: load(
            long(**BASE, b=(dates("2024-01-01", 5), range(5))).assign(kind=list("xxxxxyyzyy")), static="kind"
        ),
        ColumnError,
        "series 'b': static column 'kind' changes within the series ('y', then 'z' at row 7); a static column holds "
        "one value per series: pass it in features= or future= if it changes over time.",
    ),
    (
        lambda load: load(long(**BASE).assign(kind=[1.0, 1.0, np.nan, 1.0, 1.0]), static=["kind"]),
        MissingValueError,
        "series 'a': static column 'kind' is missing (NaN) at row 2; give every series a value (e.g. 'unknown' for "
        "a category) or leave 'kind' out of static=.",
    ),
    (
        lambda load: load(long(**BASE).assign(unique_id=["a", "a", None, "a", None])),
        MissingValueError,
        "id column 'unique_id' has 2 missing value(s), first at row 2: every row needs a series id; fill them or "
        "drop those rows.",
    ),
    (
        lambda load: load(pd.DataFrame({"unique_id": [1, 1, "1"], "ds": [1, 2, 3], "y": 1.0})),
        ColumnError,
        "id column 'unique_id' holds 1 and '1', the same id as text ('1'): ids are compared as strings; make them "
        "distinct.",
    ),
    (
        lambda load: load(long(**BASE), id="store"),
        ColumnError,
        "id column 'store' not found; columns are 'unique_id', 'ds', 'y'. Pass id= the column that names each series.",
    ),
    (
        lambda load: load(long(**BASE).iloc[:0]),
        EmptyDataError,
        "the data has no rows: check the file or filter that produced it.",
    ),
    (
        lambda load: load(long(**BASE).assign(k=1.0), static=["k"], target="k"),
        ColumnError,
        "column 'k' is both static and in target=: a static column holds one value per series; keep it in one of "
        "static= and target=.",
    ),
    (
        lambda load: load(long(a=(dates("2024-01-01", 2), [1, 2]), b=(dates("2024-01-01", 1), [1]))),
        TimeIndexError,
        "series 'a': cannot infer the frequency of time column 'ds' (2 rows from 2024-01-01 to 2024-01-02): pass "
        "freq= (e.g. 'D', 'h', 'MS', 'B'); dates written day first (31/01/2024) need day_first=True.",
    ),
]


@pytest.mark.parametrize("load", [load_panel, slow], ids=["fast", "per-series"])
@pytest.mark.parametrize("make,kind,message", ERRORS)
def test_error_messages_name_the_series(make, kind, message, load):
    with pytest.raises(kind) as info:
        make(load)
    assert str(info.value) == message


def test_freq_given_checks_every_series_against_it():
    df = long(a=(dates("2024-01-01", 5), range(5)), b=(dates("2024-01-01", 3, "2D"), range(3)))
    p = load_panel(df, freq="D", fill="zero")
    assert p.freq == "D" and p.filled == {"b": {"missing timestamps": 2, "y": 2}} and list(p.lengths) == [5, 5]


@st.composite
def panels(draw):
    freq = draw(st.sampled_from(["D", "h", "MS", "W-SUN", "B", "years"]))
    fill = draw(st.sampled_from([None, "zero", "ffill", "interpolate"]))
    n = draw(st.integers(1, 5))
    parts = []
    for k in range(n):
        length = draw(st.integers(1, 9))
        grid = pd.Index(np.arange(1990, 2020)) if freq == "years" else dates("2024-01-01", 30, freq)
        t = grid[draw(st.integers(0, 10)) :][:length]
        y = np.arange(length, dtype=float) + 10 * k
        if length > 2 and draw(st.booleans()):
            y[draw(st.integers(1, length - 1))] = np.nan  # never the first row: ffill/interpolate cannot fill it
        if length > 3 and draw(st.booleans()):
            keep = np.ones(length, bool)
            keep[draw(st.integers(1, length - 2))] = False  # an inner gap
            t, y = t[keep], y[keep]
        parts.append(pd.DataFrame({"unique_id": f"s{k}", "ds": t, "y": y}))
    df = pd.concat(parts, ignore_index=True)
    if draw(st.booleans()):
        df = df.sample(frac=1.0, random_state=draw(st.integers(0, 100)))
    return df, draw(st.sampled_from([None, None if freq == "years" else freq])), fill


def outcome(load, df, freq, fill):
    try:
        return load(df, freq=freq, fill=fill)
    except DataError as exc:
        return type(exc), str(exc)


@settings(max_examples=60, deadline=None)
@given(panels())
def test_fast_path_equals_the_per_series_path(case):
    df, freq, fill = case
    fast, ref = outcome(load_panel, df, freq, fill), outcome(slow, df, freq, fill)
    if isinstance(fast, Panel):
        assert isinstance(ref, Panel), ref
        assert_same(fast, ref)
    else:
        assert fast == ref
