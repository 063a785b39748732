"""Forecaster.tune and lstmcast tune: Optuna trials scored on rolling origins, deterministic under a seed."""

import json
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster, datasets
from lstmcast.errors import ConfigError, TooShortError
from lstmcast.params import PARAMS, SPACE

optuna = pytest.importorskip("optuna")

from lstmcast.tuning.space import DEFAULT_SPACE, check_space  # noqa: E402
from lstmcast.tuning.study import rolling_folds  # noqa: E402

AIR = datasets.load("airpassengers")
# the tiny model of tests/test_backtest.py (its compiled programs are shared); both searched settings are
# values inside the compiled epoch, so the trials share one program
TINY = dict(window=12, horizon=3, units=6, epochs=1, batch_size=16, ensemble=1, combine=False)
TINY_SPACE = {"learning_rate": (1e-3, 1e-2, "log"), "schedule": ["constant", "cosine"]}


def small(**kw):
    return Forecaster(**{**TINY, **kw})


@pytest.fixture(scope="module")
def searched():
    return small().tune(AIR, n_trials=3, space=TINY_SPACE, seed=7)


def test_the_same_seed_gives_the_same_trials_and_best_trial(searched):
    again = small().tune(AIR, n_trials=3, space=TINY_SPACE, seed=7)
    pd.testing.assert_frame_equal(
        searched.trials.drop(columns="seconds"), again.trials.drop(columns="seconds"), check_exact=True
    )
    assert again.best_params == searched.best_params and again.best_score == searched.best_score
    other = small().tune(AIR, n_trials=3, space=TINY_SPACE, seed=8)  # the seed drives the sampler
    assert list(other.trials["learning_rate"]) != list(searched.trials["learning_rate"])


def test_the_result_names_the_best_trial_and_rebuilds_it(searched):
    trials = searched.trials
    assert list(trials.columns) == ["learning_rate", "schedule", "mase", "seconds", "state", "error"]
    assert (trials["state"] == "complete").all() and len(trials) == 3
    best = trials["mase"].idxmin()
    assert searched.best_score == trials.loc[best, "mase"]
    assert searched.best_params == {k: trials.loc[best, k] for k in TINY_SPACE}
    assert 1e-3 <= searched.best_params["learning_rate"] <= 1e-2
    assert searched.folds == 3 and np.isfinite(searched.seasonal_naive_score)
    model = searched.best_forecaster()
    assert model.get_params() == {**small().get_params(), **searched.best_params, "seed": 7}
    assert not hasattr(model, "params_")  # a new, unfitted Forecaster
    assert repr(searched).startswith(f"TuneResult(best mase {searched.best_score:.4g} (seasonal naive ")
    assert json.dumps(searched.to_dict())  # JSON-ready


def test_a_trial_is_scored_like_a_backtest_of_its_settings(searched):
    best = searched.trials["mase"].idxmin()
    bt = searched.best_forecaster().backtest(AIR, folds=3, refit=False)
    assert bt.overall.table.loc["model", "mase"] == searched.trials.loc[best, "mase"]
    assert bt.overall.table.loc["seasonal_naive", "mase"] == searched.seasonal_naive_score


def test_your_settings_pass_through_and_stay_unchanged(monkeypatch):
    seen = []
    original = Forecaster.backtest

    def recording(self, data, **kw):
        seen.append((self.get_params(), kw))
        return original(self, data, **kw)

    monkeypatch.setattr(Forecaster, "backtest", recording)
    model = small(seed=3)
    before = model.get_params()
    result = model.tune(AIR, n_trials=2, space={"units": [6]}, metric="mae", folds=2, refit=True)
    assert model.get_params() == before and not hasattr(model, "params_")
    assert len(seen) == 2
    for params, kw in seen:
        assert params == {**before, "units": 6, "verbose": 0}  # combine=False, the tiny settings and seed 3 kept
        assert (kw["folds"], kw["step"], kw["refit"]) == (2, 3, True)  # origins a horizon apart
    assert result.metric == "mae" and "mae" in result.trials.columns and result.seed == 3


def test_many_series_are_tuned_as_one_global_model():
    """A long table (unique_id, ds, y): each trial is a panel backtest (the settings of test_panel_backtest)."""
    rng = np.random.default_rng(0)
    frames = []
    for sid, n in {"s0": 40, "s1": 48, "s2": 60}.items():
        y = 100 * (1 + 0.2 * np.sin(2 * np.pi * np.arange(n) / 12)) + rng.normal(0, 5, n)
        frames.append(pd.DataFrame({"unique_id": sid, "ds": pd.date_range("2015-01-01", periods=n, freq="MS"), "y": y}))
    df = pd.concat(frames, ignore_index=True)
    model = Forecaster(units=8, epochs=2, ensemble=1, verbose=0, seed=0, horizon=3, window=12)
    result = model.tune(df, n_trials=1, space={"units": [8]})
    bt = model.backtest(df, folds=result.folds, refit=False)
    assert result.folds == 3 and result.best_score == bt.overall["mase"]
    assert result.seasonal_naive_score == bt.overall["seasonal_naive_mase"]
    # static attributes reach every trial as they reach fit and backtest (the role table's keywords)
    df["kind"] = df["unique_id"].map({"s0": "a", "s1": "b", "s2": "a"})
    with_static = model.tune(df, n_trials=1, space={"units": [8]}, static=["kind"])
    bt = model.backtest(df, folds=with_static.folds, refit=False, static=["kind"])
    assert with_static.best_score == bt.overall["mase"]
    with pytest.raises(ConfigError, match=r"static=\['kind'\]: static attributes describe each of many series"):
        model.tune(AIR, n_trials=1, static=["kind"])


def test_short_series_use_fewer_origins():
    assert rolling_folds(144, 12, 3, 40) == 3
    assert rolling_folds(30, 6, 3, 16) == 2  # half the rows first: 15 left, two horizons of 6
    assert rolling_folds(20, 6, 3, 16) == 1  # at least one
    # 22 rows, window 12, horizon 3: the 15 rows a fit needs before the first origin leave room for two
    result = small().tune(AIR.iloc[:22], n_trials=1, space={"units": [6]})
    assert result.folds == 2
    assert result.notes == (
        "2 rolling origin(s) instead of folds=3: 22 rows leave room for 2 horizon(s) after the first half of "
        "the series and the 15 rows a fit needs",
    )


def test_trials_that_cannot_run_fail_alone_and_all_failing_raises_the_reason():
    result = small().tune(AIR, n_trials=4, space={"window": [12, 200]}, seed=1)
    trials = result.trials
    assert set(trials["state"]) == {"complete", "fail"}  # this seed draws both
    failed = trials[trials["state"] == "fail"]
    assert (failed["window"] == 200).all() and failed["error"].str.contains("window=200").all()
    assert result.best_params == {"window": 12}
    with pytest.raises(TooShortError, match="window=200"):
        small().tune(AIR, n_trials=2, space={"window": [200]})


def test_a_failed_trial_is_logged_in_one_line_without_a_traceback():
    import io
    import logging

    log, seen = logging.getLogger("optuna"), io.StringIO()
    handler = logging.StreamHandler(seen)  # beside Optuna's own handler, which the search filters alike
    log.addHandler(handler)
    try:
        with pytest.raises(TooShortError):
            Forecaster(**{**small().get_params(), "verbose": 1}).tune(AIR, n_trials=1, space={"window": [200]})
    finally:
        log.removeHandler(handler)
    assert "Trial 0 failed with parameters: {'window': 200}" in seen.getvalue()
    assert "Traceback" not in seen.getvalue() and not handler.filters  # the filter went with the search


def test_the_default_space_is_declared_once_and_checked():
    assert set(SPACE) <= set(PARAMS) and set(DEFAULT_SPACE) == set(SPACE)
    for name, dim in DEFAULT_SPACE.items():
        values = dim.values if dim.kind == "choice" else (dim.low, dim.high)
        for v in values:
            PARAMS[name].check_value(v)
    assert DEFAULT_SPACE["learning_rate"].log and DEFAULT_SPACE["units"].values == (32, 64)


@pytest.mark.parametrize(
    "space,message",
    [
        ({"windw": [12]}, "space: unknown parameter(s) 'windw' (did you mean 'window'?)"),
        ({"horizon": [3, 6]}, "space: 'horizon' cannot be tuned: it defines the forecast asked for"),
        ({"cell": ["lstm", "rnn"]}, "space: cell='rnn' is not supported: use one of 'lstm', 'gru'."),
        ({"units": []}, "space: units=[] offers no choice"),
        ({"units": [32, 32]}, "space: units=[32, 32] repeats a choice"),
        ({"dropout": (0.3, 0.1)}, "space: dropout=(0.3, 0.1) must be a range (low, high) of numbers with low < high."),
        ({"dropout": (0.0, 1.5)}, "space: dropout=1.5 must be a finite number in [0, 1)"),
        ({"learning_rate": (0.0, 0.1, "log")}, "space: learning_rate=(0.0, 0.1, 'log') on a log scale needs low > 0."),
        ({"units": 32}, "space: units=32 must be a list of choices, e.g. [32, 64], or a range (low, high)"),
        ({}, "space={} must be a non-empty dict"),
    ],
)
def test_bad_spaces_are_refused_in_one_line(space, message):
    with pytest.raises(ConfigError) as info:
        small().tune(AIR, n_trials=1, space=space)
    assert str(info.value).startswith(message)


def test_bad_arguments_are_refused_before_any_trial():
    with pytest.raises(ConfigError, match="metric='smape' is not supported: use one of 'mase', 'mae', 'rmse'."):
        small().tune(AIR, metric="smape")
    with pytest.raises(ConfigError, match="n_trials=0 must be a positive integer."):
        small().tune(AIR, n_trials=0)
    with pytest.raises(ConfigError, match="refit='sometimes' must be True, False, or a positive integer"):
        small().tune(AIR, refit="sometimes")
    with pytest.raises(ConfigError, match="cell='rnn' is not supported"):
        small(cell="rnn").tune(AIR)


def test_ranges_over_integers_and_tuple_choices():
    space = check_space({"units": [6, (8, 4)], "dense_units": (0, 4), "dropout": (0.0, 0.2)})
    assert space["units"].values == (6, (8, 4)) and space["units"].kind == "choice"
    assert (space["dense_units"].kind, space["dropout"].kind) == ("int", "float")
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    values = [space["units"].suggest(study.ask()) for _ in range(8)]
    assert set(values) == {6, (8, 4)}  # a units tuple travels through Optuna as its text and comes back


def test_without_optuna_tune_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    with pytest.raises(ConfigError, match=r'tune\(\) needs Optuna, an optional extra: pip install -e "\.\[tune\]"'):
        small().tune(AIR, n_trials=1)


# -- lstmcast tune ------------------------------------------------------------------------------------
runner = CliRunner()
FAST = ["--window", "12", "--units", "6", "--epochs", "1", "--batch-size", "16", "--ensemble", "1", "--no-combine"]


def run(*args):
    from lstmcast.cli import app

    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def air_csv(tmp_path_factory):
    d = tmp_path_factory.mktemp("tune")
    AIR.rename_axis("month").rename("passengers").reset_index().to_csv(d / "air.csv", index=False)
    (d / "space.toml").write_text('learning_rate = {low = 1e-3, high = 1e-2, log = true}\nschedule = ["constant"]\n')
    return d


def test_cli_tune_prints_the_trials_and_writes_a_config_train_reads(air_csv):
    d = air_csv
    args = ["tune", d / "air.csv", "--target", "passengers", "--time", "month", "--horizon", "3", "--trials", "2"]
    r = run(*args, *FAST, "--space", d / "space.toml", "--seed", "7", "--output", d / "best.toml")
    assert r.exit_code == 0, r.output
    assert "2 trials" in r.output and "learning_rate" in r.output and "Best: learning_rate=" in r.output
    assert f"Best settings written to {d / 'best.toml'}" in r.output
    from lstmcast.configfile import model_params, read_config

    cfg = read_config(d / "best.toml")
    assert cfg["data"] == str((d / "air.csv").resolve()) and cfg["target"] == "passengers"
    params = model_params(cfg)
    assert params["seed"] == 7 and params["combine"] is False and params["units"] == (6,)
    assert params["schedule"] == "constant" and 1e-3 <= params["learning_rate"] <= 1e-2
    # the same search as JSON names the same best settings
    r = run(*args, *FAST, "--space", d / "space.toml", "--seed", "7", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["best_params"]["learning_rate"] == params["learning_rate"] and len(out["trials"]) == 2
    # an existing output is refused before any trial, unless --force; an input file never
    r = run(*args, *FAST, "--output", d / "best.toml")
    assert r.exit_code == 1 and "refusing to overwrite" in r.output and "--force" in r.output
    r = run(*args, *FAST, "--output", d / "space.toml", "--space", d / "space.toml", "--force")
    assert r.exit_code == 1 and "it is the input file" in r.output
    r = run(*args, *FAST, "--output", d / "best.csv")
    assert r.exit_code == 1 and "must end in .toml" in r.output


def test_cli_tune_reports_failed_trials_below_the_table(air_csv):
    d = air_csv
    (d / "windows.toml").write_text("window = [12, 200]\n")
    args = ["tune", d / "air.csv", "--target", "passengers", "--time", "month", "--horizon", "3", "--trials", "4"]
    r = run(*args, *FAST, "--space", d / "windows.toml", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "1 rolling origin(s) instead of folds=3: 144 rows leave room for 1 horizon(s)" in r.output
    assert "failed: folds=1 x step=3 leave 141 training rows in the first fold, but window=200" in r.output
    assert "Best: window=12;" in r.output


def test_cli_tune_refuses_a_bad_space_file(air_csv):
    d = air_csv
    (d / "bad.toml").write_text("dropout = {low = 0.0}\n")
    r = run("tune", d / "air.csv", "--target", "passengers", "--time", "month", "--space", d / "bad.toml")
    assert r.exit_code == 1 and "must be a list of choices or a range {low = ..., high = ...}" in r.output
