"""Conformal prediction intervals: the calibration, predict(level=, quantiles=), saving, evaluate, backtest, CLI."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lstmcast import Forecaster
from lstmcast.cli import app
from lstmcast.errors import ConfigError, DataError, IntervalWarning, ModelFileError, NotCalibratedError
from lstmcast.io.schema import check_state
from lstmcast.uncertainty.conformal import MIN_ORIGINS, Calibration, calibration_plan
from lstmcast.uncertainty.names import all_quantiles, level_columns, quantile_column

runner = CliRunner()
SMALL = dict(units=8, epochs=3, ensemble=1, verbose=0, seed=0)


def noisy_sine(n=240, sd=0.3, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(10 + np.sin(2 * np.pi * t / 12) + rng.normal(0, sd, n), name="y")


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(horizon=4, seasonal_period=12, **SMALL).fit(noisy_sine())


# -- the conformal step itself ---------------------------------------------------------------
def test_conformal_coverage_on_iid_noise_is_within_binomial_tolerance():
    # exchangeable scores: the split-conformal interval covers a fresh draw with probability
    # >= L (and < L + 1/(n+1)); over many independent calibrations the observed rate is binomial
    rng = np.random.default_rng(1)
    trials, n = 4000, 39
    hits = {80: 0, 95: 0}
    for _ in range(trials):
        cal = Calibration(rng.normal(size=(n, 1, 1)), cutoff=1)
        fresh = rng.normal()
        for level in hits:
            w = cal.half_widths(np.array([level / 100]))[0, 0, 0]
            hits[level] += abs(fresh) <= w
    for level, h in hits.items():
        p = level / 100  # the guarantee: between p and p + 1/(n+1)
        sd = math.sqrt(p * (1 - p) / trials)
        assert p - 4 * sd <= h / trials <= p + 1 / (n + 1) + 4 * sd, (level, h / trials)


def test_half_width_is_the_conformal_rank():
    errors = np.arange(1.0, 11.0)[:, None, None] * np.array([1, -1] * 5)[:, None, None]  # |e| = 1..10
    cal = Calibration(errors, cutoff=5)
    # n = 10: level 0.8 -> rank ceil(11 * 0.8) = 9 -> 9; level 0.5 -> ceil(5.5) = 6 -> 6
    assert cal.half_widths(np.array([0.5, 0.8]))[0, 0].tolist() == [6.0, 9.0]
    # level 0.95 -> rank ceil(10.45) = 11 > n: the largest error (10), and the level is reported short;
    # but at least the 80% half-width (9) times the normal ratio z(0.975) / z(0.9) = 1.5293...
    ratio = 1.959963984540054 / 1.2815515655446004
    assert cal.half_widths(np.array([0.95]))[0, 0, 0] == pytest.approx(9.0 * ratio)
    assert cal.short_levels([80, 95]) == [95]


def test_log_calibration_scales_with_the_level():
    cal = Calibration.from_forecasts(
        np.full((30, 1, 1), 110.0), np.full((30, 1, 1), 100.0), cutoff=3, method="conformal", log=True
    )
    q = cal.quantiles(np.array([[[1000.0]]]), np.array([0.1, 0.5, 0.9]))[0, 0, 0]
    assert q[1] == 1000.0 and q[2] == pytest.approx(1100.0) and q[0] == pytest.approx(1000 / 1.1)


@settings(max_examples=60, deadline=None)
@given(
    errors=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
    point=st.floats(-1e6, 1e6, allow_nan=False),
    taus=st.lists(st.floats(0.001, 0.999), min_size=1, max_size=12, unique=True),
    log=st.booleans(),
)
def test_conformal_quantiles_never_cross(errors, point, taus, log):
    e = np.asarray(errors)[:, None, None]
    if log:
        point = abs(point) + 1.0
        e = np.clip(e / 1e6, -5, 5)
    taus = np.sort(np.asarray(taus))
    q = Calibration(e, cutoff=1, log=log).quantiles(np.array([[[point]]]), taus)[0, 0, 0]
    assert np.all(np.diff(q) >= 0)


def test_calibration_plan_sets_aside_origins_and_keeps_training_rows():
    cutoff, origins = calibration_plan(144, 12, 24 + 12 + 9)
    assert origins == max(MIN_ORIGINS, math.ceil(0.2 * 144) - 12 + 1) and cutoff + origins + 12 - 1 == 144
    assert calibration_plan(40, 12, 30) == (40 - 0 - 11, 0)  # too short: no origin


# -- the Forecaster -----------------------------------------------------------------------------
def test_predict_level_and_quantiles_columns_and_order(fitted):
    out = fitted.predict(level=[95, 80], quantiles=[0.9, 0.1])
    lo80, hi80 = level_columns("y", 80)
    assert list(out.columns) == ["y", lo80, hi80, "y-lo-95", "y-hi-95", quantile_column("y", 0.1), "y-q-90"]
    assert (out["y-lo-95"] <= out[lo80]).all() and (out[lo80] <= out["y"]).all()
    assert (out["y"] <= out[hi80]).all() and (out[hi80] <= out["y-hi-95"]).all()
    # the 0.1/0.9 quantiles are the 80% interval's edges
    assert np.allclose(out["y-q-10"], out[lo80]) and np.allclose(out["y-q-90"], out[hi80])
    # the point forecast is the one predict() gives without intervals
    assert np.array_equal(out["y"].to_numpy(), fitted.predict()["y"].to_numpy())
    assert fitted.choices_["intervals"].value == "conformal"


def test_predict_intervals_are_reproducible_with_one_seed():
    a = Forecaster(horizon=4, seasonal_period=12, **SMALL).fit(noisy_sine()).predict(level=[80])
    b = Forecaster(horizon=4, seasonal_period=12, **SMALL).fit(noisy_sine()).predict(level=[80])
    assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_levels_and_quantiles_are_checked(fitted):
    with pytest.raises(ConfigError, match=r"level=\[80, 100\] must be one or more percentages strictly between"):
        fitted.predict(level=[80, 100])
    with pytest.raises(ConfigError, match=r"quantiles=\[0\] must be one or more numbers strictly between 0 and 1"):
        fitted.predict(quantiles=[0])


def test_short_calibration_warns():
    # 50 rows, horizon 4, window 24: 10 origins, fewer than a 95% interval needs (19)
    model = Forecaster(horizon=4, seasonal_period=12, **SMALL).fit(noisy_sine(50))
    with pytest.warns(IntervalWarning, match=r"calibration errors: the 95% bounds are the largest error seen"):
        model.predict(level=[95])


def test_intervals_round_trip_through_save_and_load(fitted, tmp_path):
    before = fitted.predict(level=[80, 95], quantiles=[0.25])
    fitted.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert np.array_equal(loaded.predict(level=[80, 95], quantiles=[0.25]).to_numpy(), before.to_numpy())
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["calibration"]["method"] == "conformal" and len(doc["calibration"]["errors"]) >= MIN_ORIGINS


def test_a_damaged_calibration_is_refused(fitted):
    fitted.predict(level=[80])
    state = fitted.to_state()
    state["calibration"]["errors"][0][0] = []
    with pytest.raises(ModelFileError, match=r"calibration.errors\[0\]\[0\].* must hold 1 value, got 0"):
        check_state(state)


def test_refitting_drops_the_old_calibration(fitted):
    model = Forecaster(horizon=4, seasonal_period=12, combine=False, **SMALL).fit(noisy_sine())
    with pytest.raises(NotCalibratedError, match=r"not calibrated, and predicting never trains: call model\.calibrate"):
        model.predict(level=[80])  # combine=False: nothing calibrated in fit, and predict does not train
    assert not hasattr(model, "calibration_")
    model.calibrate().predict(level=[80])
    model.fit(noisy_sine(seed=3))
    assert not hasattr(model, "calibration_")


def test_evaluate_scores_intervals_beside_seasonal_naive():
    model = Forecaster(horizon=4, seasonal_period=12, test=48, **SMALL).fit(noisy_sine())
    ev = model.evaluate(level=[80, 95], warn=False)
    assert list(ev.intervals.index) == ["model", "seasonal_naive"]
    for col in ("coverage_80", "width_80", "msis_80", "coverage_95", "pinball", "scaled_crps"):
        assert np.isfinite(ev.intervals.loc["model", col])
    assert list(ev.calibration["level"]) == [80.0, 95.0]
    assert ev.to_dict()["intervals"]["model"]["coverage_80"] == pytest.approx(ev.intervals.loc["model", "coverage_80"])


def test_backtest_with_levels_adds_bands_and_interval_metrics():
    model = Forecaster(horizon=4, seasonal_period=12, **SMALL)
    bt = model.backtest(noisy_sine(200), folds=2, level=[80])
    p = bt.predictions
    assert list(p.columns)[-3:] == ["forecast", "forecast-lo-80", "forecast-hi-80"]
    assert (p["forecast-lo-80"] <= p["forecast"]).all() and (p["forecast"] <= p["forecast-hi-80"]).all()
    assert 0.0 <= bt.overall.intervals.loc["model", "coverage_80"] <= 1.0
    # each fold's interval figures beside its point figures, as scored for that fold
    for ev, (_, row) in zip(bt.evaluations, bt.folds.iterrows()):
        assert row["coverage_80"] == ev.intervals.loc["model", "coverage_80"]
        assert row["msis_80"] == ev.intervals.loc["model", "msis_80"]


def test_all_quantiles_merges_levels_and_quantiles():
    assert all_quantiles([80], [0.1, 0.5]).tolist() == [0.1, 0.5, 0.9]


# -- the command line ---------------------------------------------------------------------------
def test_cli_train_calibrates_and_predict_level_writes_interval_columns(tmp_path):
    data = tmp_path / "s.csv"
    noisy_sine().to_frame().to_csv(data, index=False)
    out = tmp_path / "model"
    args = ["train", str(data), "--horizon", "4", "--seasonal-period", "12", "--units", "8", "--epochs", "2"]
    result = runner.invoke(app, [*args, "--ensemble", "1", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    csv = tmp_path / "f.csv"
    result = runner.invoke(app, ["predict", str(out), "--level", "80", "95", "--quantiles", "0.1", "-o", str(csv)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(csv)
    assert {"y-lo-80", "y-hi-80", "y-lo-95", "y-hi-95", "y-q-10"} <= set(frame.columns)
    # the saved calibration gives the same intervals as the library
    lib = Forecaster.load(out).predict(level=[80, 95], quantiles=[0.1])
    assert np.allclose(frame["y-hi-95"].to_numpy(), lib["y-hi-95"].to_numpy())
    result = runner.invoke(app, ["predict", str(out), "--level", "80,95", "--json"])
    assert result.exit_code == 0 and "y-lo-95" in json.loads(result.output)["forecast"][0]
    result = runner.invoke(app, ["predict", str(out), "--level", "80", "0.5"])
    assert result.exit_code == 1
    assert "--level 80.0 0.5: levels are percentages (80 for an 80% interval)" in result.output


def test_a_series_too_short_to_set_rows_aside_uses_the_naive_errors():
    y = noisy_sine(30)
    model = Forecaster(horizon=4, seasonal_period=12, **SMALL).fit(y)
    model.calibrate()
    assert model.choices_["intervals"].value == "naive"
    assert "too short to set rows aside" in model.choices_["intervals"].reason
    # scores: y[o + k] - y[o] for every origin o with a whole horizon after it
    v = y.to_numpy()
    expected = np.stack([v[o + 1 : o + 5] - v[o] for o in range(26)])[:, :, None]
    assert np.allclose(model.calibration_.errors, expected)


# -- quantile and distribution heads through the Forecaster ------------------------------------------
@pytest.mark.parametrize(
    "loss, strategy",
    [("quantile", "direct"), ("normal", "direct"), ("studentt", "recursive"), ("quantile", "recursive")],
)
def test_head_intervals_are_ordered_reproducible_and_survive_save_and_load(loss, strategy, tmp_path):
    params = dict(horizon=4, seasonal_period=12, loss=loss, strategy=strategy, **{**SMALL, "ensemble": 2})
    model = Forecaster(**params).fit(noisy_sine())
    out = model.predict(level=[50, 80], quantiles=[0.5])
    cols = ["y-lo-80", "y-lo-50", "y-q-50", "y-hi-50", "y-hi-80"]
    assert np.all(np.diff(out[cols].to_numpy(), axis=1) >= 0)
    assert not hasattr(model, "calibration_")  # the head's own quantiles, no conformal step
    again = Forecaster(**params).fit(noisy_sine()).predict(level=[50, 80], quantiles=[0.5])
    assert np.array_equal(out.to_numpy(), again.to_numpy())
    model.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert np.array_equal(loaded.predict(level=[50, 80], quantiles=[0.5]).to_numpy(), out.to_numpy())


def test_a_quantile_head_refuses_levels_beyond_its_quantiles():
    model = Forecaster(horizon=2, seasonal_period=12, loss="quantile", quantiles=(0.1, 0.5, 0.9), **SMALL)
    model.fit(noisy_sine())
    with pytest.raises(ConfigError, match=r"0\.1 to 0\.9"):
        model.predict(level=[95])


def test_negbin_models_counts_and_chooses_count_settings():
    rng = np.random.default_rng(0)
    y = rng.poisson(5 + 3 * np.sin(2 * np.pi * np.arange(200) / 7)).astype(float)
    model = Forecaster(horizon=7, seasonal_period=7, loss="negbin", **SMALL).fit(y)
    assert (model.config_["normalize"], model.config_["scaler"], model.config_["log"]) == ("scale", "none", False)
    out = model.predict(level=[80])
    assert (out["y-lo-80"] >= 0).all() and (out["y-lo-80"] <= out["y-hi-80"]).all()
    with pytest.raises(DataError, match=r"loss='negbin' models counts, but 'y' holds 3.5 at row 0"):
        Forecaster(horizon=7, loss="negbin", **SMALL).fit(np.r_[3.5, y])
    with pytest.raises(ConfigError, match=r"scaler='standard' cannot be used with loss='negbin'"):
        Forecaster(horizon=7, loss="negbin", scaler="standard", **SMALL).fit(y)


def test_a_negbin_model_saves_and_loads(tmp_path):
    """The default scaler 'minmax', replaced by 'none' for counts (and saved with its reason), is no damage."""
    rng = np.random.default_rng(0)
    y = rng.poisson(5 + 3 * np.sin(2 * np.pi * np.arange(60) / 7)).astype(float)
    model = Forecaster(horizon=3, window=14, seasonal_period=7, loss="negbin", combine=False, **SMALL).fit(y)
    model.save(tmp_path / "counts")
    again = Forecaster.load(tmp_path / "counts")
    assert again.config_["scaler"] == "none" and again.get_params()["scaler"] == "minmax"
    pd.testing.assert_frame_equal(again.predict(level=[80]), model.predict(level=[80]))
    # a scaler edited in the file is still refused: only the recorded replacement of the default passes
    doc = json.loads((tmp_path / "counts" / "model.json").read_text())
    doc["config"]["scaler"] = "standard"
    with pytest.raises(ModelFileError, match=r'config.scaler is "standard" but resolved.scaler is "none"'):
        check_state(doc)


def test_quantiles_without_the_median_side_are_refused():
    with pytest.raises(ConfigError, match=r"must include 0\.5 or quantiles on both sides of it"):
        Forecaster(loss="quantile", quantiles=(0.6, 0.9)).fit(noisy_sine())


def test_sample_paths_of_a_recursive_distribution_model():
    model = Forecaster(horizon=3, seasonal_period=12, loss="normal", strategy="recursive", **SMALL)
    model.fit(noisy_sine())
    paths = model.sample_paths(samples=50)
    assert list(paths.columns) == ["sample", "time", "y"] and len(paths) == 50 * 3
    assert paths["sample"].nunique() == 50 and paths.groupby("sample")["y"].std().gt(0).all()
    assert paths.equals(model.sample_paths(samples=50))  # the seed fixes the draws
    few, many = model.predict(level=[80], samples=20), model.predict(level=[80], samples=400)
    assert np.array_equal(few["y"].to_numpy(), many["y"].to_numpy())  # the point forecast does not sample
    assert not np.array_equal(few["y-lo-80"].to_numpy(), many["y-lo-80"].to_numpy())
    with pytest.raises(ConfigError, match=r"samples=0 must be an integer from 1 to 100000\."):
        model.predict(level=[80], samples=0)
    direct = Forecaster(horizon=3, seasonal_period=12, loss="normal", **SMALL).fit(noisy_sine())
    with pytest.raises(ConfigError, match=r"samples=20 sets how many sample paths a recursive model's quantiles"):
        direct.predict(level=[80], samples=20)  # read by nothing: refused, not ignored
    assert len(direct.sample_paths(samples=20)) == 20 * 3  # direct paths draw each step from the head


def test_a_point_model_has_no_sample_paths(fitted):
    with pytest.raises(ConfigError, match=r"sample_paths\(\) draws from a distribution, and loss='mae' forecasts"):
        fitted.sample_paths()


def test_cli_backtest_and_evaluate_score_intervals_and_draw_calibration(tmp_path):
    data = tmp_path / "s.csv"
    noisy_sine(200).to_frame().to_csv(data, index=False)
    small = ["--horizon", "4", "--seasonal-period", "12", "--units", "8", "--epochs", "2", "--ensemble", "1"]
    cal = tmp_path / "cal.png"
    result = runner.invoke(
        app, ["backtest", str(data), *small, "--folds", "2", "--level", "80", "95", "--calibration", str(cal)]
    )
    assert result.exit_code == 0, result.output
    assert "Prediction intervals" in result.output and "Calibration (nominal -> observed coverage" in result.output
    assert cal.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", str(data), *small, "--test", "40", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(out), "--data", str(data), "--level", "80", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc["intervals"]) == {"model", "seasonal_naive"} and doc["calibration"][0]["level"] == 80.0
    result = runner.invoke(app, ["evaluate", str(out), "--data", str(data), "--calibration", str(tmp_path / "c.png")])
    assert result.exit_code == 1 and "--calibration needs --level" in result.output


def test_intervals_never_narrow_further_ahead():
    from lstmcast.uncertainty.conformal import Calibration

    errors = np.zeros((19, 3, 1))
    errors[:, 0, 0] = np.arange(1, 20)  # step 1's errors are larger than step 2's
    errors[:, 1, 0] = np.arange(1, 20) / 2
    errors[:, 2, 0] = np.arange(1, 20) * 2
    widths = Calibration(errors, 50).half_widths(np.array([0.8]))[:, 0, 0]  # (H,)
    assert widths.tolist() == [16.0, 16.0, 32.0]  # rank ceil(20 * 0.8) = 16: 16, max(8, 16), 32


def test_a_heavy_tail_keeps_its_own_wider_quantile_above_the_normal_floor():
    from lstmcast.uncertainty.conformal import Calibration

    errors = np.concatenate([np.ones(90), np.full(10, 50.0)])[:, None, None]  # 10% of the errors are huge
    widths = Calibration(errors, 50).half_widths(np.array([0.8, 0.95]))[0, 0]
    assert widths.tolist() == [1.0, 50.0]  # the empirical 95% (50) is above 1.53 x the 80% (1)
