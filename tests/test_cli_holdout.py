"""``lstmcast train`` scores the model on rows it did not see even with the default ``--test 0``: the
conformal calibration's copy forecasts the newest training rows, and those forecasts are scored."""

import json

import pytest
from typer.testing import CliRunner

from lstmcast import Forecaster, datasets
from lstmcast.cli import app
from lstmcast.workflow import fit_note as score_note

runner = CliRunner()
FAST = ["--window", "12", "--units", "8", "--epochs", "3", "--batch-size", "16", "--ensemble", "2"]
PARAMS = dict(window=12, units=8, epochs=3, batch_size=16, ensemble=2, log=True, difference=12, horizon=3, verbose=0)


@pytest.fixture(scope="module")
def air(tmp_path_factory):
    d = tmp_path_factory.mktemp("holdout")
    assert runner.invoke(app, ["datasets", "export", "airpassengers", str(d / "air.csv")]).exit_code == 0
    return d


def train(air, *extra):
    args = ["train", air / "air.csv", "--target", "passengers", "--time", "month", "--log", "--difference", "12"]
    return runner.invoke(app, [str(a) for a in [*args, "--horizon", "3", *FAST, *extra]])


def test_train_without_a_test_part_scores_the_calibration_forecasts_beside_the_baselines(air):
    r = train(air, "--out", air / "m", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["evaluation"] is None
    model = Forecaster(**PARAMS).fit(datasets.load("airpassengers")).calibrate()
    expected = model.holdout_
    holdout = out["holdout"]
    assert holdout["metrics"]["model"]["mae"] == expected.table.loc["model", "mae"]
    assert set(holdout["metrics"]) == {"model", "naive", "seasonal_naive", "drift", "mean"}
    assert holdout["n_windows"] == model.calibration_.origins
    r = train(air, "--out", air / "m", "--plot", air / "fit.png", "--force")
    assert r.exit_code == 0, r.output
    assert (
        f"Holdout: {model.calibration_.origins} forecasts of a copy trained on rows 1..{model.calibration_.cutoff}"
        in r.output
    )
    assert f"Skill: {expected.skill:+.1%} MAE" in r.output
    assert "combine" in r.output and "validation MASE" in r.output  # what fit chose, and on which scores
    assert "Calibrating prediction intervals" not in r.output  # fit calibrated with the combination: no second copy
    assert f"(loss: {model.loss_space_})" in r.output and "mae of log values, differenced at lag 12" in r.output


def test_without_intervals_train_says_how_to_get_a_score(air):
    r = train(air, "--out", air / "n", "--no-intervals", "--no-combine")  # combining validates, so it scores
    assert r.exit_code == 0, r.output
    assert "No holdout score: pass --test 0.2 (or keep --intervals)" in r.output and "Skill" not in r.output


def test_the_fit_plot_note_names_the_score_it_shows():
    model = Forecaster(**{**PARAMS, "test": 24}).fit(datasets.load("airpassengers"))
    ev = model.evaluate(warn=False)
    note = score_note(ev, None)
    assert note == (
        f"test part: MAE {ev.table.loc['model', 'mae']:.4g} vs {ev.best_baseline} "
        f"{ev.table.loc[ev.best_baseline, 'mae']:.4g} (skill {ev.skill:+.1%})"
    )
    assert score_note(None, ev).startswith("holdout: MAE") and score_note(None, None) == ""
    assert [t.get_text() for t in model.plot("fit").axes[0].texts] == [note]
