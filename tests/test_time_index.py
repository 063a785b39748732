"""Time indexes read right without options: trading days, whole-number time columns and their steps."""

import numpy as np
import pandas as pd
import pytest

from lstmcast import Forecaster, datasets
from lstmcast.data import load_series
from lstmcast.errors import ColumnError, ConfigError, TimeIndexError

MSFT_NOTE = (
    "rows are trading days: business days with 42 missing weekday(s) (holidays) skipped, not filled; "
    "forecasts are labelled with the next business days"
)


def years(values, y=None):
    return pd.DataFrame({"year": values, "y": np.arange(len(values), dtype=float) if y is None else y})


# -- trading days ----------------------------------------------------------------------------------------------


def test_trading_days_load_with_no_options():
    stock = datasets.load("msft")
    s = load_series(stock, target="close")
    assert len(s) == 1226 and s.freq == "B"
    assert s.steps == "observations" and s.skipped == 42 and s.step == 1
    assert s.index.equals(stock.index) and s.time_name == "date"  # no rows inserted
    np.testing.assert_array_equal(s.values[:, 0], stock["close"].to_numpy())
    assert s.filled == {}
    assert s.index_note == MSFT_NOTE
    assert list(s.future_index(3)) == list(pd.to_datetime(["2017-11-13", "2017-11-14", "2017-11-15"]))
    assert s.future_index(3).name == "date"


def test_trading_days_from_a_time_column_with_features():
    stock = datasets.load("msft").reset_index()
    s = load_series(stock, target="close", time="date", features="all")
    assert s.features == ("open", "high", "low", "volume") and len(s) == 1226 and s.steps == "observations"


def test_next_business_days_skip_the_weekend():
    days = pd.bdate_range("2024-01-01", "2024-03-01").delete([10, 30])  # two weekday holidays
    s = load_series(pd.DataFrame({"date": days, "y": np.arange(len(days), dtype=float)}), target="y", time="date")
    assert s.freq == "B" and s.steps == "observations" and s.skipped == 2
    assert list(s.future_index(2)) == list(pd.to_datetime(["2024-03-04", "2024-03-05"]))  # 2024-03-01 is a Friday


def test_regular_business_days_stay_calendar():
    days = pd.bdate_range("2024-01-01", periods=30)
    s = load_series(pd.DataFrame({"date": days, "y": np.arange(30.0)}), target="y", time="date")
    assert s.freq == "B" and s.steps == "calendar" and s.skipped == 0 and s.index_note is None


def test_explicit_business_frequency_keeps_gap_checking():
    stock = datasets.load("msft")
    with pytest.raises(TimeIndexError) as e:
        load_series(stock, target="close", freq="B")
    assert str(e.value) == (
        "time column 'date' has 42 missing timestamp(s) against frequency 'B', first 2013-01-21 (between rows 12 "
        "and 13); pass fill='interpolate', 'ffill' or 'zero' to insert and fill them, or leave freq= out to read "
        "the rows as trading days."
    )
    s = load_series(stock, target="close", freq="B", fill="ffill")
    assert len(s) == 1268 and s.steps == "calendar" and s.filled == {"missing timestamps": 42, "close": 42}


def test_a_week_long_hole_is_not_holidays():
    days = pd.bdate_range("2024-01-01", periods=80).delete(range(20, 26))  # 6 business days in a row
    with pytest.raises(TimeIndexError) as e:
        load_series(pd.DataFrame({"date": days, "y": np.arange(74.0)}), target="y", time="date")
    assert str(e.value) == (
        "time column 'date' has 6 missing timestamp(s) against frequency 'B', first 2024-01-29 (between rows 19 "
        "and 20); pass fill='interpolate', 'ffill' or 'zero' to insert and fill them (rows are read as trading "
        "days only with at most 5 business days missing in a row and 10% in all)."
    )


def test_too_many_missing_weekdays_are_not_holidays():
    days = pd.bdate_range("2024-01-01", periods=40).delete([3, 8, 13, 18, 23])  # 5 of 40 = 12.5%
    with pytest.raises(TimeIndexError, match=r"^time column 'date' has 5 missing timestamp\(s\) against frequency 'B'"):
        load_series(pd.DataFrame({"date": days, "y": np.arange(35.0)}), target="y", time="date")


def test_daily_series_with_weekends_and_a_missing_day_stays_an_error():
    days = pd.date_range("2024-01-01", periods=30, freq="D").delete(9)
    with pytest.raises(TimeIndexError) as e:
        load_series(pd.DataFrame({"date": days, "y": np.arange(29.0)}), target="y", time="date")
    assert str(e.value) == (
        "time column 'date' has 1 missing timestamp(s) against frequency 'D', first 2024-01-10 (between rows 8 "
        "and 9); pass fill='interpolate', 'ffill' or 'zero' to insert and fill them, or pass the right freq= "
        "(e.g. 'B' for business days)."
    )


def test_weekdays_with_a_time_of_day_are_not_trading_days():
    days = pd.bdate_range("2024-01-01", periods=40).delete(10) + pd.Timedelta(hours=9, minutes=30)
    with pytest.raises(TimeIndexError, match=r"^time column 'date' has 1 missing timestamp\(s\) against frequency 'B'"):
        load_series(pd.DataFrame({"date": days, "y": np.arange(39.0)}), target="y", time="date")


def test_monthly_series_with_a_missing_month_still_refused():
    air = datasets.load("airpassengers").drop(index=pd.Timestamp("1955-03-01"))
    with pytest.raises(TimeIndexError) as e:
        load_series(air)
    assert str(e.value) == (
        "time column 'month' has 1 missing timestamp(s) against frequency 'MS', first 1955-03-01 (between rows 73 "
        "and 74); pass fill='interpolate', 'ffill' or 'zero' to insert and fill them, or pass the right freq= "
        "(e.g. 'B' for business days)."
    )


def test_weekday_month_starts_are_not_trading_days():
    months = pd.DatetimeIndex(["2024-01-01", "2024-02-01", "2024-04-01"], name="month")  # all weekdays, March gone
    with pytest.raises(TimeIndexError, match=r"^time column 'month' has 1 missing timestamp\(s\) against .*'MS'"):
        load_series(pd.Series([1.0, 2.0, 3.0], index=months, name="y"))


def test_forecaster_on_trading_days_labels_next_business_days():
    stock = datasets.load("msft")
    m = Forecaster(window=6, units=4, epochs=1, test=0.2, ensemble=1, combine=False).fit(stock, target="close")
    assert m.series_.steps == "observations" and len(m.series_) == 1226
    out = m.predict()
    assert len(out) >= 1 and np.isfinite(out.to_numpy()).all()
    assert list(out.index) == list(pd.bdate_range("2017-11-13", periods=len(out)))


# -- whole-number time columns ---------------------------------------------------------------------------------


def test_whole_float_years_are_integers():
    s = load_series(years(np.arange(1700.0, 1711.0)), target="y", time="year")
    assert s.index.dtype == np.int64 and list(s.index) == list(range(1700, 1711))
    assert s.freq is None and s.step == 1 and s.steps == "calendar" and s.index_note is None
    assert list(s.future_index(1)) == [1711] and s.future_index(1).name == "year"


def test_whole_float_years_from_csv(tmp_path):
    path = tmp_path / "years.csv"
    path.write_text("year,y\n" + "".join(f"{1700 + i}.0,{i}\n" for i in range(309)))
    s = load_series(path, target="y", time="year")
    assert s.index[-1] == 2008 and list(s.future_index(2)) == [2009, 2010]


def test_integer_years_with_a_gap():
    with pytest.raises(TimeIndexError) as e:
        load_series(years([1700, 1701, 1702, 1703, 1706, 1707, 1708]), target="y", time="year")
    assert str(e.value) == (
        "time column 'year' steps by 1 but has 2 missing step(s), first between 1703 (row 3) and 1706 (row 4); "
        "insert the missing rows, or pass fill='interpolate', 'ffill' or 'zero' to insert and fill them."
    )


def test_integer_gap_filled_when_asked():
    s = load_series(years([1700, 1701, 1703, 1704], [1.0, 2.0, 4.0, 5.0]), target="y", time="year", fill="interpolate")
    assert list(s.index) == [1700, 1701, 1702, 1703, 1704] and s.values[:, 0].tolist() == [1, 2, 3, 4, 5]
    assert s.filled == {"missing steps": 1, "y": 1}


def test_step_two_forecasts_last_plus_two():
    s = load_series(years([0, 2, 4, 6, 8]), target="y", time="year")
    assert s.step == 2 and list(s.future_index(2)) == [10, 12]


def test_value_off_the_step():
    with pytest.raises(TimeIndexError) as e:
        load_series(years([0, 2, 4, 5, 6, 8, 10]), target="y", time="year")
    assert str(e.value) == (
        "time column 'year' steps by 2 (its most common difference) but value 5 at row 3 is off that step "
        "(counting from 0); pass data on one constant step."
    )


def test_non_whole_float_time_column():
    with pytest.raises(TimeIndexError) as e:
        load_series(years([1700.0, 1701.0, 1701.5, 1703.0]), target="y", time="year")
    assert str(e.value) == (
        "time column 'year' has a value that is not a whole number: 1701.5 at row 2; a numeric time column holds "
        "whole steps (e.g. years): fix that row or pass time= another column."
    )


def test_missing_value_in_a_float_time_column():
    with pytest.raises(
        TimeIndexError, match=r"^time column 'year' has a value that is not a whole number: nan at row 1;"
    ):
        load_series(years([1700.0, np.nan, 1702.0]), target="y", time="year")


def test_named_integer_index_is_time():
    y = pd.Series(np.arange(10.0), index=pd.Index(range(1990, 2010, 2), name="year"), name="y")
    s = load_series(y)
    assert s.time_name == "year" and s.step == 2 and list(s.future_index(1)) == [2010]
    with pytest.raises(TimeIndexError, match=r"^time column 'year' steps by 2 but has 1 missing step\(s\)"):
        load_series(y.drop(index=2000))
    s = load_series(pd.Series(np.arange(5.0), index=pd.Index([3, 4, 5, 6, 7], name="t")))
    assert s.index.tolist() == [3, 4, 5, 6, 7] and list(s.future_index(1)) == [8]


def test_row_steps_stay_as_today():
    s = load_series(datasets.load("temperature"))
    assert s.time_name is None and s.index.equals(pd.RangeIndex(20)) and s.step == 1
    assert list(s.future_index(2)) == [20, 21]
    filtered = pd.Series(np.arange(5.0), index=[0, 1, 5, 6, 9])  # unnamed integer index: row steps
    assert load_series(filtered).index.equals(pd.RangeIndex(5))


def test_steps_option_forces_or_refuses_trading_days():
    tail = datasets.load("msft").iloc[-8:]  # 2017-11-01 .. 11-10, no holiday: plain business days
    stock = datasets.load("msft").loc["2017-08-28":"2017-09-08"]  # Labor Day 2017-09-04 missing: 1 of 10
    s = load_series(stock, target="close", freq="B", steps="observations")  # newer history of a trading-day model
    assert (s.freq, s.steps, s.skipped, len(s)) == ("B", "observations", 1, 9)
    assert load_series(tail, target="close", steps="observations").skipped == 0
    with pytest.raises(TimeIndexError, match=r"^time column 'date' has 1 missing timestamp\(s\) against frequency 'B'"):
        load_series(stock.iloc[:-3], target="close", steps="calendar")
    weekend = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=pd.DatetimeIndex(["2024-01-05", "2024-01-06", "2024-01-08"]))
    with pytest.raises(TimeIndexError) as e:
        load_series(weekend, steps="observations")
    assert str(e.value) == (
        "time column 'index': timestamp 2024-01-06 at row 1 is not a business day at midnight, so the rows cannot "
        "be read as trading days; drop or fix that row."
    )
    with pytest.raises(ConfigError) as e:
        load_series(stock, target="close", freq="D", steps="observations")
    assert str(e.value) == (
        "steps='observations' reads rows as trading days on business days, but freq='D': pass freq='B' or leave it out."
    )
    with pytest.raises(ConfigError, match=r"^steps='rows' is not supported: use one of 'calendar', 'observations'\.$"):
        load_series(stock, target="close", steps="rows")


def test_the_one_date_column_is_the_time_column_without_time_and_says_so():
    from lstmcast import datasets

    air = datasets.load("airpassengers").to_frame().reset_index()
    air["month"] = air["month"].dt.strftime("%Y-%m-%d")  # dates as text, as read from a CSV
    s = load_series(air)
    assert s.time_name == "month" and s.freq == "MS" and s.index[0] == pd.Timestamp("1949-01-01")
    assert s.index_note == "time column 'month' found by its dates (pass time= to choose another)"
    commas = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "note": ["1,5", "2,5", "3,5", "4,5"]})
    assert load_series(commas, target="y").time_name is None  # '1,5' is not a date
    two = air.assign(other=air["month"])
    with pytest.raises(ColumnError, match=r"^columns 'month', 'other' all hold dates: pass time= the one"):
        load_series(two)


def test_dates_that_exist_only_day_first_are_all_read_day_first():
    days = pd.date_range("2023-01-01", periods=40, freq="D")
    frame = pd.DataFrame({"date": days.strftime("%d/%m/%Y"), "y": np.arange(40.0)})
    s = load_series(frame, target="y", time="date")
    assert s.index.equals(pd.DatetimeIndex(days, name="date")) and s.freq == "D"


def test_yearly_data_spanning_more_than_292_years_fits():
    """pandas Timedeltas end at 292 years: the grid-size check must not overflow on sunspots (1700-2008)."""
    from lstmcast.data.calendar import grid_points

    sun = datasets.load("sunspots")
    assert grid_points(sun.index[0], sun.index[-1], "YS") == pytest.approx(309, abs=1)
    assert load_series(sun).freq == "YS-JAN"
