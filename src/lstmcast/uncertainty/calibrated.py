"""Whether a fitted model holds conformal scores: the refusal predicting gives, and the explicit calibration
of workflows that train anyway.

Predicting never trains (``predict``, ``evaluate``, ``plot``, the service): a point-loss model without
scores is refused with :class:`~lstmcast.errors.NotCalibratedError`, which says how to calibrate. The
scores come from a combined fit, ``lstmcast train``, a backtest's refits (:func:`ensure_calibrated`) or
an explicit ``calibrate()`` (:mod:`lstmcast.calibration`, which this module sits below).
"""

from __future__ import annotations

from lstmcast.errors import NotCalibratedError


def require_calibration(model) -> None:
    """Raise :class:`~lstmcast.errors.NotCalibratedError` when a point-loss model has no conformal scores.

    ``predict``, ``evaluate`` and the service never train: the scores come from ``fit`` (a combined
    fit of one series), ``lstmcast train``, or an explicit :meth:`~lstmcast.Forecaster.calibrate`.
    """
    if getattr(model, "calibration_", None) is not None:
        return
    foreign = foreign_weights(model)
    if foreign:
        raise NotCalibratedError(foreign)
    how = (
        "call model.calibrate() once (it trains a copy on each series' earlier rows, about one more fit; "
        "saving keeps the scores)"
        if model.is_panel_
        else "call model.calibrate() once (it trains a copy on the earlier rows, about one more fit; saving "
        "keeps the scores), or fit with combine=True (the default), which calibrates inside fit"
    )
    raise NotCalibratedError(
        f"this model's prediction intervals are not calibrated, and predicting never trains: {how}. "
        "On the command line, lstmcast train calibrates them before it saves a model unless given --no-intervals: "
        "train it again without that option."
    )


def foreign_weights(model) -> str | None:
    """Why ``model`` can never be calibrated (weights trained outside lstmcast), or None."""
    trained = getattr(model, "choices_", {}).get("epochs")
    if trained is None or trained.value != 0:
        return None
    return (  # weights brought over (lstmcast.from_keras)
        f"this model's weights were not trained by lstmcast ({trained.reason}), so conformal intervals "
        "cannot be calibrated: they need a copy trained the same way on earlier rows. Forecast without "
        "level=/quantiles=, or train an lstmcast model on the data for intervals."
    )


def ensure_calibrated(model):
    """Calibrate ``model`` unless it already is or its loss has its own spread: for workflows that train anyway
    (a backtest's refits). Returns ``model``."""
    if model.loss_.kind == "point" and getattr(model, "calibration_", None) is None:
        model.calibrate()
    return model
