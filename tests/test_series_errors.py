"""Every data error names the column, row or timestamp, and the fix: exact messages."""

import numpy as np
import pandas as pd
import pytest

from lstmcast import datasets
from lstmcast.data import load_series
from lstmcast.errors import (
    ColumnError,
    ConfigError,
    DataError,
    EmptyDataError,
    MissingValueError,
    TimeIndexError,
)

D = pd.date_range("2024-01-01", periods=6, freq="D")


def frame(y, dates=D):
    return pd.DataFrame({"date": dates, "y": y})


CASES = [
    (
        lambda: load_series(pd.DataFrame({"y": []})),
        EmptyDataError,
        "the data has no rows: check the file or filter that produced it.",
    ),
    (
        lambda: load_series(pd.DataFrame({"date": D, "sales": range(6)}), target="Sales", time="date"),
        ColumnError,
        "target column 'Sales' not found; columns are 'sales'.",
    ),
    (
        lambda: load_series(pd.DataFrame({"a": range(6), "b": range(6)})),
        ColumnError,
        "cannot tell which column to forecast among 'a', 'b': pass target= the column name (a column named y is "
        "taken by default).",
    ),
    (
        lambda: load_series(pd.DataFrame({"y": ["1", "2", "x", "4"]}), target="y"),
        ColumnError,
        "column 'y' is not numeric (dtype str): value 'x' at row 2; convert it to numbers or choose another column.",
    ),
    (
        lambda: load_series(pd.DataFrame({"y": [340, 2, 10**400, 4]}, dtype=object), target="y"),
        ColumnError,
        "column 'y' is not numeric (dtype object): value 1000000000000000000000000000000000000000... (401 "
        "characters) at row 2; convert it to numbers or choose another column.",
    ),
    (
        lambda: load_series(pd.DataFrame({"y": [340, 2, 10**30, 4]}), target="y"),
        ColumnError,
        "column 'y' is not numeric (dtype object): value 1000000000000000000000000000000 at row 2; convert it to "
        "numbers or choose another column.",
    ),
    (
        lambda: load_series(frame([1, np.nan, 3, np.nan, 5, 6]), target="y", time="date"),
        MissingValueError,
        "column 'y' has 2 NaN value(s), first at 2024-01-02 (row 1); clean the data or pass fill='interpolate', "
        "'ffill' or 'zero'.",
    ),
    (
        lambda: load_series(frame([1, 2, np.inf, 4, -np.inf, 6]), target="y", time="date"),
        MissingValueError,
        "column 'y' has 2 infinite value(s), first at 2024-01-03 (row 2); replace them with real numbers "
        "(fill= handles only NaN).",
    ),
    (
        lambda: load_series(frame(range(6), D[[0, 1, 1, 2, 3, 4]]), target="y", time="date"),
        TimeIndexError,
        "time column 'date' has 1 duplicate timestamp(s), first 2024-01-02 at row 2; remove or aggregate the "
        "duplicates (e.g. df.groupby(time).mean()); if the table holds several series in long format (an id "
        "column), pass id= that column (--id on the command line): one model for every series.",
    ),
    (
        lambda: load_series(frame(range(6), D[[0, 1, 3, 2, 4, 5]]), target="y", time="date"),
        TimeIndexError,
        "time column 'date' is not sorted: row 3 (2024-01-03) is earlier than row 2 (2024-01-04); sort the data "
        "by time first.",
    ),
    (
        lambda: load_series(frame(range(5), D.delete(3)), target="y", time="date"),
        TimeIndexError,
        "time column 'date' has 1 missing timestamp(s) against frequency 'D', first 2024-01-04 (between rows 2 "
        "and 3); pass fill='interpolate', 'ffill' or 'zero' to insert and fill them, or pass the right freq= "
        "(e.g. 'B' for business days).",
    ),
    (
        lambda: load_series(
            frame(range(4), pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-09"])),
            target="y",
            time="date",
        ),
        TimeIndexError,
        "cannot infer the frequency of time column 'date' (4 rows from 2024-01-01 to 2024-01-09): pass freq= "
        "(e.g. 'D', 'h', 'MS', 'B'); dates written day first (31/01/2024) need day_first=True.",
    ),
    (
        lambda: load_series(
            pd.DataFrame({"date": ["2024-01-01", "nope", "2024-01-03"], "y": range(3)}), target="y", time="date"
        ),
        TimeIndexError,
        "time column 'date' has a value that is not a timestamp: 'nope' at row 1; fix or remove that row.",
    ),
    (
        lambda: load_series(pd.DataFrame({"y": range(3)}), target="y", time="when"),
        ColumnError,
        "time column 'when' not found; columns are 'y'. Pass time= one of them.",
    ),
    (
        lambda: load_series(pd.DataFrame({"y": range(3), "x": range(3)}), target="y", features=["z"]),
        ColumnError,
        "feature column 'z' not found; columns are 'y', 'x'.",
    ),
    (
        lambda: load_series(np.zeros((2, 2, 2))),
        DataError,
        "a NumPy array must be 1-D (one series) or 2-D (rows, columns), got shape (2, 2, 2).",
    ),
    (
        lambda: load_series("no/such/file.csv"),
        DataError,
        "data file 'no/such/file.csv' does not exist: check the path.",
    ),
    (
        lambda: load_series(frame(range(6)), target="y", time="date", fill="mean"),
        ConfigError,
        "fill='mean' is not supported: use one of 'interpolate', 'ffill', 'zero'.",
    ),
]


@pytest.mark.parametrize("make,kind,message", CASES)
def test_error_messages(make, kind, message):
    with pytest.raises(kind) as info:
        make()
    assert str(info.value) == message


def test_monthly_gap_is_found_against_month_starts():
    air = datasets.load("airpassengers").drop(index=pd.Timestamp("1955-03-01"))
    with pytest.raises(TimeIndexError) as e:
        load_series(air)
    assert str(e.value).startswith(
        "time column 'month' has 1 missing timestamp(s) against frequency 'MS', "
        "first 1955-03-01 (between rows 73 and 74)"
    )


def test_errors_are_value_errors_for_generic_handlers():
    with pytest.raises(ValueError):
        load_series(pd.DataFrame({"y": []}))


@pytest.mark.parametrize(
    "fill,expected", [("interpolate", [1, 2, 3, 4, 5, 6]), ("ffill", [1, 2, 3, 3, 5, 6]), ("zero", [1, 2, 3, 0, 5, 6])]
)
def test_fill_only_when_asked_and_reported(fill, expected):
    s = load_series(frame([1.0, 2, 3, 5, 6], D.delete(3)), target="y", time="date", fill=fill)
    assert s.values[:, 0].tolist() == expected
    assert s.filled == {"missing timestamps": 1, "y": 1}
    assert s.freq == "D"


def test_nan_fill_is_reported_per_column():
    s = load_series(frame([1.0, np.nan, 3, 4, np.nan, 6]), target="y", time="date", fill="interpolate")
    assert s.filled == {"y": 2}
    assert s.values[:, 0].tolist() == [1, 2, 3, 4, 5, 6]


def test_trading_days_are_read_as_observations_unless_freq_is_given():
    stock = datasets.load("msft").reset_index()
    s = load_series(stock, target="close", time="date")  # business days inferred; holidays skipped, not filled
    assert (s.freq, s.steps, s.skipped, len(s)) == ("B", "observations", 42, 1226)
    with pytest.raises(TimeIndexError, match=r"missing timestamp\(s\) against frequency 'B', first 2013-01-21"):
        load_series(stock, target="close", time="date", freq="B")  # Martin Luther King day
    s = load_series(stock, target="close", time="date", features="all", freq="B", fill="ffill")
    assert s.features == ("open", "high", "low", "volume") and s.filled["missing timestamps"] > 0


def test_sources_agree(tmp_path):
    df = datasets.load("airpassengers").reset_index()
    df.to_csv(tmp_path / "a.csv", index=False)
    df.to_parquet(tmp_path / "a.parquet")
    a = load_series(tmp_path / "a.csv", target="passengers", time="month")
    b = load_series(tmp_path / "a.parquet", target="passengers", time="month")
    c = load_series(datasets.load("airpassengers"))
    assert a.freq == b.freq == c.freq == "MS"
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.values, c.values)
    np.testing.assert_array_equal(load_series(df["passengers"].to_numpy()).values, a.values)


def test_a_column_named_y_is_the_default_target_beside_other_numeric_columns():
    frame = pd.DataFrame({"ds": D, "price": range(6), "y": [3.0, 1, 4, 1, 5, 9], "promo": [0, 1] * 3})
    s = load_series(frame, features=["price"], future=["promo"])
    assert list(s.targets) == ["y"] and list(s.columns) == ["y", "price", "promo"]


def test_dates_written_day_first_are_named_not_left_unused():
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    frame = pd.DataFrame({"date": days.strftime("%d/%m/%Y"), "y": np.arange(40.0)})
    with pytest.raises(ColumnError) as e:  # month first, '13/01/2024' is no date: said so, not a warning later
        load_series(frame)
    assert str(e.value.args[0]) == (
        "column 'date' holds dates written day first ('13/01/2024'), which are read month first unless told: pass "
        "day_first=True, or date_format= (e.g. '%d/%m/%Y')."
    )
    s = load_series(frame, day_first=True)
    assert s.time_name == "date" and s.freq == "D" and s.index[-1] == days[-1]
