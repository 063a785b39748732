"""The steps of a fit shared by one series (``series_model.py``), many (``global_model.py``) and many
sharded by process (``sharded_fit.py``).

The training settings and the network a configuration makes, initial members from one seed, the
epoch budget, training with its progress report and the retraining after early stopping, the
fitted attributes written in one place, and the check that a forecast is finite: every fit path
calls these, so none imports another, and each keeps only how its data is laid out.
"""

from __future__ import annotations

import jax
import numpy as np

from lstmcast.auto import Choice
from lstmcast.errors import DataError, TrainingInterrupted
from lstmcast.nn import prior
from lstmcast.nn.network import NetworkSpec, init_params
from lstmcast.train.config import TRAIN_PARAMS, TrainConfig
from lstmcast.train.trainer import TARGET_STEPS, EpochCallback, auto_epochs, steps_per_epoch, train

# what a fit of one kind leaves behind that a fit of the other must not keep
ONE_SERIES_STATE = ("series_", "split_", "calibration_", "holdout_", "combination_", "series_scales_")
PANEL_STATE = ("panel_", "ends_", "statics_", "shard_", "calibration_", "holdout_", "combination_", "series_scales_")


def train_config(cfg: dict) -> TrainConfig:
    """The training settings of a checked configuration: the parameter table's group "train"."""
    return TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS})


# A combined fit (combine=True, epochs="auto", no early stopping) trains its validation copy first, then
# fine-tunes it on every row: together about the TARGET_STEPS of a network fitted alone, so validation costs
# little more than the fit it validates. One series and many take the same budget.
COPY_STEPS, FINE_TUNE_STEPS = 250, 125
# The validation copy is one model, and the final ensemble's members fork from its weights, each plus
# FORK_JITTER times its own fresh initial weights, then fine-tune on every row: an ensemble of K then costs
# about 2x one model instead of K x (benchmarks/ensemble_cost.py --default; DESIGN.md).
FORK_JITTER = 0.2

FUTURE_ENCODER = 8  # width of the layer new networks read covariates known in advance through (nn/network.py)


def network_spec(cfg: dict, loss, steps: int, n_inputs: int, n_targets: int, n_future: int, statics=None,
                 static_at: int = 0, future_relative: bool = True) -> NetworkSpec:  # fmt: skip
    """The network a fit builds: the configuration's layers, ``loss``'s head, the data's columns.

    n_inputs: every column a window row holds (targets, features, static encodings, a mask, future);
    statics: the static attributes' encoding (data/statics.py), read at column ``static_at``.
    """
    return NetworkSpec(
        cell=cfg["cell"],
        units=cfg["units"],
        n_inputs=n_inputs,
        window=cfg["window"],
        horizon=steps,
        n_targets=n_targets,
        dropout=cfg["dropout"],
        bidirectional=cfg["bidirectional"],
        dense_units=cfg["dense_units"],
        n_outputs=loss.n_outputs,
        n_future=n_future,
        normalize=cfg["normalize"],
        season=cfg["seasonal_period"],
        head=loss.head,
        future_relative=future_relative,
        future_encoder=FUTURE_ENCODER if n_future else 0,
        n_static=statics.n_numeric if statics else 0,
        static_cards=statics.cards if statics else (),
        static_at=static_at if statics else 0,
    )


def choose_epochs(cfg: dict, choices: dict, n_windows: int) -> None:
    """``epochs="auto"``: about ``TARGET_STEPS`` optimizer steps over ``n_windows``; else the user's, said so."""
    if cfg["epochs"] == "auto":
        cfg["epochs"] = auto_epochs(train_config(cfg), n_windows)
        choices["epochs"] = Choice(cfg["epochs"], f"about {TARGET_STEPS} optimizer steps")
    else:
        choices["epochs"] = Choice(cfg["epochs"], "set by you")


def run_training(spec, loss, cfg: dict, table, starts: dict, initial, key, callback, fit_starts=None):
    """Train from ``initial`` on the windows ``fit_starts`` (default ``starts["train"]``) of ``table``, scored on
    ``starts["validation"]``; then, after early stopping, retrain on both for the best epoch count (:func:`refit`).

    The progress bar stops however training ends (the last epoch, early stopping, Ctrl-C or an error).
    Returns (params, history).
    """
    train_cfg = train_config(cfg)
    try:
        params, history = train(
            initial,
            spec,
            loss,
            train_cfg,
            table,
            starts["train"] if fit_starts is None else fit_starts,
            key,
            val_starts=starts["validation"],
            on_epoch_end=callback,
        )
    finally:
        if getattr(callback, "progress", None) is not None:
            callback.progress.stop()
    if train_cfg.patience is not None and len(starts["validation"]) and history.best_epoch and not history.interrupted:
        params = refit(params, history, initial, spec, loss, train_cfg, table, starts, key)
    return params, history


def step_budget(cfg: dict, train_cfg: TrainConfig, starts: np.ndarray, target: int) -> np.ndarray:
    """Set ``cfg["epochs"]`` for about ``target`` optimizer steps over ``starts``; returns the starts to train on.

    Whole epochs when they come within 15% of ``target``; otherwise the epochs run over a
    random sample (seeded) of the windows sized to make ``target`` steps: the same compiled
    epoch as the whole set's (a count in its bucket), where a cap on steps per epoch would
    compile another program.
    """
    per_epoch = steps_per_epoch(train_cfg, len(starts))
    epochs = max(round(target / per_epoch), 1)
    cfg["epochs"] = epochs
    if cfg["steps_per_epoch"] is not None or epochs * per_epoch <= 1.15 * target:
        return starts
    size = -(-target // epochs) * cfg["batch_size"]  # windows per epoch for about target steps in all
    pick = np.random.default_rng(cfg["seed"]).choice(len(starts), min(size, len(starts)), replace=False)
    return starts[np.sort(pick)]


def fine_tunes(cfg: dict, model) -> bool:
    """Whether the final model fine-tunes from the validation copy: a combined fit with ``epochs="auto"`` and
    no early stopping."""
    return bool(cfg["combine"] and model.epochs == "auto" and model.patience is None)


def forks(cfg: dict, model) -> bool:
    """Whether the final ensemble forks from a one-model validation copy: a fit that fine-tunes from the copy
    (:func:`fine_tunes`), of several members that share one normalization (``"mixed"`` members differ in
    theirs, so they keep a copy of their own each)."""
    return fine_tunes(cfg, model) and cfg["ensemble"] > 1 and cfg["normalize"] != "mixed"


def fork(trunk, spec, cfg: dict, jitter: float):
    """``cfg["ensemble"]`` members starting at the one-model ``trunk`` plus ``jitter`` times their own fresh weights."""
    fresh, _ = init_members(spec, cfg["seed"], cfg["ensemble"], "random")  # (members, ...) leaves
    return jax.tree.map(lambda t, f: t[None] + jitter * f, trunk, fresh)


def start_from_copy(copy, spec, cfg: dict, forked: bool):
    """(initial parameters, training key) of a final model that starts from its validation ``copy``'s weights:
    its K members forked from the one-model copy (``forked``), or the copy's own members."""
    if forked:
        return fork(copy.params_, spec, cfg, FORK_JITTER), member_keys(cfg["seed"], cfg["ensemble"])
    return copy.params_, member_keys(cfg["seed"], cfg["ensemble"])


def copy_as_model(copy, spec, cfg: dict, forked: bool):
    """The parameters of a fit that Ctrl-C stopped while its validation ``copy`` trained: the copy's weights, as
    many members as configured (the one-model copy repeated when the ensemble forks from it)."""
    return fork(copy.params_, spec, cfg, 0.0) if forked else copy.params_


def fine_tune_choices(cfg: dict, choices: dict, forked: bool, copy_text: str) -> None:
    """``choices_["epochs"]`` (and ``["ensemble"]`` when ``forked``) of a final model fine-tuned from its validation
    copy; copy_text says what the copy trained on."""
    choices["epochs"] = Choice(
        cfg["epochs"], f"about {FINE_TUNE_STEPS} optimizer steps from the validation copy's weights ({copy_text})"
    )
    if forked:
        choices["ensemble"] = Choice(
            cfg["ensemble"],
            f"members forked from the one-model validation copy, each plus {FORK_JITTER} x its own fresh initial "
            f"weights, fine-tuned on every row (about 2x one model's cost, not {cfg['ensemble']}x)",
        )


def unvalidated(loss, interrupted: bool) -> Choice | None:
    """``choices_["combine"]`` of a combined fit that keeps the network alone without validating it (a distribution
    loss, or Ctrl-C during training), or None when the fit validates it; one series and many alike."""
    from lstmcast.stats.combination import NETWORK

    if loss.kind != "point":
        return Choice(NETWORK, f"loss={loss.name!r} forecasts a distribution, not a point")
    if interrupted:
        return Choice(NETWORK, "Ctrl-C during training: the network alone, not validated")
    return None


def set_fitted(model, cfg: dict, spec, loss, params, history, choices: dict, stale=(), **state) -> None:
    """Write a fit's attributes on ``model`` (the one place they are written): the configuration as resolved,
    the network, loss, parameters, history and choices, the path's own ``state`` (``panel_=...``), and
    none of the ``stale`` ones an earlier fit of another kind left."""
    model.config_, model.spec_, model.loss_, model.params_, model.history_ = cfg, spec, loss, params, history
    model.choices_ = choices
    for name, value in state.items():
        setattr(model, name, value)
    for name in stale:
        if name not in state:
            model.__dict__.pop(name, None)


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
