"""``Forecaster.plot``: the picture of a fitted model, its forecast, its fit or its loss curves."""

from __future__ import annotations

from lstmcast.errors import ConfigError
from lstmcast.plot.fans import plot_fans, plot_series
from lstmcast.plot.figure import finish
from lstmcast.plot.fit import plot_forecast, plot_history, plot_in_sample, score_note


def plot_model(model, kind: str = "forecast", path=None, data=None, horizon=None, future=None, level=None, last=None):
    """The work of :meth:`~lstmcast.Forecaster.plot`."""
    model._check_fitted()
    kinds = ("forecast", "fit", "loss")
    if kind not in kinds:
        raise ConfigError.choice("kind", kind, kinds)
    if kind == "loss":
        return plot_history(model.history_.loss, model.history_.val_loss, path, space=model.loss_space_)
    if kind == "fit":
        model._one_series("plot(kind='fit')")
        note = ""
        if data is None and getattr(model, "split_", None) is not None and model.split_.n_test:
            note = score_note(model.evaluate(warn=False), "test part")
        elif data is None:
            note = score_note(getattr(model, "holdout_", None), "holdout")
        return plot_in_sample(model.actual(data), model.predict_in_sample(data), path, note=note)
    forecast = model.predict(horizon=horizon, data=data, future=future, level=level)
    if model.is_panel_:
        fig = plot_series(model.actual(data), forecast, model.panel_.id_name, last=last)
    elif level is not None:
        fig = plot_fans(model.actual(data), forecast, last=last)
    else:
        show = last or max(4 * len(forecast), 3 * model.window_)
        return plot_forecast(model.actual(data), forecast, path, last=show)
    return finish(fig, path)
