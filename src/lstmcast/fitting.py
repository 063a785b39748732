"""The steps of a fit shared by one series (``forecaster.py``) and many (``global_model.py``).

Initial members from one seed, the retraining after early stopping, the progress reporter,
and the check that a forecast is finite: both estimators' paths call these, so neither
imports the other.
"""

from __future__ import annotations

import jax
import numpy as np

from lstmcast.errors import DataError, TrainingInterrupted
from lstmcast.nn import prior
from lstmcast.nn.network import NetworkSpec, init_params
from lstmcast.train.config import TrainConfig
from lstmcast.train.trainer import EpochCallback, train


def init_members(spec: NetworkSpec, seed: int, members: int, init: str = "random"):
    """Initial parameters and the training key: member j is exactly what ``seed + j`` gives one model.

    One model: (params, key). An ensemble: params and keys stacked on a leading members axis.
    ``init="prior"``: each starts from the shipped prior where the network's shape allows (nn/prior.py).
    """
    params, key = _fresh_members(spec, seed, members)
    if init == "prior" and prior.applies(spec):
        params = prior.start(params, spec)
    return params, key


def _fresh_members(spec: NetworkSpec, seed: int, members: int):
    keys = [jax.random.split(jax.random.key(seed + j)) for j in range(members)]
    if members == 1:
        return init_params(keys[0][0], spec), keys[0][1]
    init_keys = jax.numpy.stack([k[0] for k in keys])
    params = jax.vmap(lambda k: init_params(k, spec))(init_keys)
    if spec.normalize == "mixed":  # odd members read their windows through the learned recursion (nn/scaling.py)
        params["smoothing"]["es"] = (jax.numpy.arange(members) % 2 == 1).astype(jax.numpy.float32)[:, None]
    return params, jax.numpy.stack([k[1] for k in keys])


def member_keys(seed: int, members: int):
    """The training key of :func:`init_members`, for weights that start from another model's (no initializer run)."""
    keys = [jax.random.split(jax.random.key(seed + j))[1] for j in range(members)]
    return keys[0] if members == 1 else jax.numpy.stack(keys)


def refit(params, history, initial, spec, loss, train_cfg, values, starts, key):
    """After early stopping: retrain on training + validation windows for the best epoch count.

    Ctrl-C during the refit keeps ``params`` (the best weights of the first run) and marks the
    history interrupted; a diverged refit raises like any training.
    """
    # early stopping chose the epochs on the newest rows; the final model learns from them too
    everything = np.concatenate([starts["train"], starts["validation"]])
    final_cfg = TrainConfig(**{**train_cfg.to_dict(), "epochs": history.best_epoch, "patience": None})
    try:
        refitted, refit_history = train(initial, spec, loss, final_cfg, values, everything, key)
    except TrainingInterrupted:
        history.interrupted = True
        return params
    if refit_history.interrupted:
        history.interrupted = True
        return params
    history.refit_epochs = history.best_epoch
    return refitted


def check_finite(out: np.ndarray) -> None:
    if not np.isfinite(out).all():
        raise DataError(
            "the forecast is not finite (NaN or infinite): training diverged or the data's magnitude overflows "
            "the transforms; try a smaller learning_rate, scaler='standard', or log=True."
        )


def reporter(verbose, space: str = "") -> EpochCallback | None:
    """The epoch printer of ``verbose`` (0, 1, 2 or "auto": 1 in an interactive session), or None when silent."""
    from lstmcast.train.progress import epoch_printer, resolve_verbose

    if resolve_verbose(verbose) == 0:
        return None
    return epoch_printer(verbose, space=space)


def loss_space(cfg: dict, loss_name: str) -> str:
    """Which numbers the training loss is measured on: the model's space, not the data's own scale.

    >>> print(loss_space({"log": True, "difference": 12, "scaler": "standard", "normalize": "none"}, "mse"))
    mse of log values, differenced at lag 12, standardized (on the training part); evaluate() scores the original scale
    """
    steps = []
    if cfg.get("log") is True:
        steps.append("log values")
    if cfg.get("difference") not in (0, None, "auto", False):
        steps.append(f"differenced at lag {cfg['difference']}")
    scaler = {"minmax": "min-max scaled", "standard": "standardized", "robust": "robust-scaled"}.get(cfg.get("scaler"))
    if scaler:
        steps.append(f"{scaler} (on the training part)")
    window = {
        "last": "relative to each window's last value",
        "mean": "relative to each window's mean",
        "season": "relative to each window's seasonal level",
        "season-mean": "relative to each window's mean season",
        "es": "relative to a learned Holt-Winters level and season over each window",
        "mixed": "relative to each window's seasonal level, or a learned Holt-Winters one (half the members)",
        "scale": "divided by each window's mean absolute value",
    }.get(cfg.get("normalize"))
    if window:
        steps.append(window)
    where = ", ".join(steps) if steps else "the values as given"
    if steps and steps[0] != "log values":
        where = "values " + where
    return f"{loss_name} of {where}; evaluate() scores the original scale"
