"""``from_keras``: a Keras 3 ``.keras`` model as a fitted lstmcast Forecaster.

The result is an ordinary Forecaster, built as ``fit`` builds one but with Keras's
weights instead of training: one model (no ensemble), the network the file describes
(:mod:`lstmcast.keras.layers`), the user's scaling as the fitted scaler
(:mod:`lstmcast.keras.scaling`), windows read as they are (``normalize="none"``, no
log, no differencing) and ``data`` as the fitted history: ``predict()`` forecasts
after its end, ``predict(data=newer)`` from newer history, and ``save``, ``load``
and ``summary`` work unchanged.
"""

from __future__ import annotations

from lstmcast.auto import Choice
from lstmcast.errors import ConfigError, TooShortError

KERAS = "read from the .keras file"


def from_keras(
    path,
    data,
    *,
    target=None,
    time=None,
    features=None,
    scaler="minmax",
    data_min=None,
    data_max=None,
    feature_range=(0.0, 1.0),
    mean=None,
    std=None,
    strategy: str = "direct",
    horizon: int | None = None,
    window: int | None = None,
    freq: str | None = None,
):
    """A fitted Forecaster with the weights of the Keras 3 model in ``path`` (nothing in the file is executed).

    path: a ``.keras`` file of a ``keras.Sequential`` stack of LSTM / GRU / Bidirectional layers,
    optional Dropout and one hidden ``Dense(relu)``, and a linear ``Dense`` head; anything else is
    refused by name (ConfigError), a damaged file with ModelFileError.
    data: the history to forecast from, in any form ``fit`` reads, with ``target`` / ``time`` /
    ``features`` as in ``fit``: the model's input columns are the targets, then the features, in the
    order Keras read them. At least ``window`` rows.
    scaler, data_min, data_max, feature_range, mean, std: how the Keras model's inputs were scaled
    (:func:`lstmcast.keras.scaling.scaler_of`): ``"minmax"`` with ``data_min`` / ``data_max``,
    ``"standard"`` with ``mean`` / ``std``, None, or a fitted scikit-learn scaler.
    strategy: ``"direct"``: the head's ``Dense(k)`` emits ``k / targets`` steps (step-major:
    output ``h * targets + j`` is step ``h + 1`` of target ``j``); ``"recursive"``: a one-step model
    (``Dense(targets)``) whose forecasts are fed back, so any ``horizon`` can be asked for.
    horizon: the forecast's steps (direct: the head's, so it may be left out; recursive: default 1).
    window: the window length, needed only when the model accepts windows of any length.
    freq: the data's pandas frequency, when it cannot be inferred.
    """
    from lstmcast.data.pipeline import Transforms
    from lstmcast.data.seasons import season_length
    from lstmcast.data.series import load_series
    from lstmcast.data.transforms import TargetTransform
    from lstmcast.forecaster import Forecaster
    from lstmcast.keras.archive import import_h5py, read_archive
    from lstmcast.keras.layers import parse_stack
    from lstmcast.keras.scaling import scaler_of
    from lstmcast.keras.weights import read_params
    from lstmcast.nn.network import NetworkSpec
    from lstmcast.resources import check_parameters
    from lstmcast.series_model import FUTURE_RELATIVE, split_series
    from lstmcast.strategies import get_strategy
    from lstmcast.train.history import History
    from lstmcast.train.losses import get_loss

    import_h5py()  # the extra that reads the weights: refused before anything else is read
    archive = read_archive(path)
    where = repr(str(path))
    stack = parse_stack(archive.config, where)  # refused here, before the data or the weights are read
    if strategy not in ("direct", "recursive"):
        raise ConfigError.choice("strategy", strategy, ("direct", "recursive"))
    steps_of = get_strategy(strategy)
    window = _window(stack.window, window, where)
    series = load_series(data, target=target, time=time, features=features, freq=freq)
    steps_of.check_roles(features=series.features)
    columns = list(series.columns)
    if stack.n_inputs != len(columns):
        raise ConfigError(
            f"{where} reads {stack.n_inputs} input column(s) per step, but the data gives {len(columns)} "
            f"({', '.join(columns)}): pass the model's inputs as target= and features= (targets first, then the "
            "features, in the order the Keras model read them)."
        )
    asked, horizon = horizon, _horizon(stack.head.units, series.n_targets, strategy, horizon, where)
    if len(series) < window:
        raise TooShortError(
            f"{where} reads windows of {window} rows, but the data has {len(series)}: pass at least {window} rows "
            "of history."
        )
    fitted_scaler = scaler_of(scaler, columns, data_min, data_max, feature_range, mean, std)
    model = Forecaster(
        window=window,
        horizon=horizon,
        strategy=strategy,
        cell=stack.cell,
        units=stack.units,
        dropout=stack.dropout,
        bidirectional=stack.bidirectional,
        dense_units=stack.hidden.units if stack.hidden is not None else 0,
        scaler=fitted_scaler.kind,
        feature_range=fitted_scaler.feature_range,
        log=False,
        difference=0,
        normalize="none",
        test=0,
        freq=freq,
        ensemble=1,
        loss="mse",  # the tutorials' Keras loss; it matters only to a retraining
    )
    cfg = model._checked()  # checked, with verbose="auto" resolved as fit resolves it
    cfg["seasonal_period"] = season_length(series.freq)  # as fit resolves it: seasonal naive and MASE use it
    cfg["epochs"] = 1  # the saved settings hold no "auto"; this model was trained in Keras (history_ is empty)
    loss = get_loss(cfg["loss"])
    spec = NetworkSpec(
        cell=stack.cell,
        units=stack.units,
        n_inputs=len(columns),
        window=window,
        horizon=steps_of.model_horizon(horizon),
        n_targets=series.n_targets,
        dropout=stack.dropout,
        bidirectional=stack.bidirectional,
        dense_units=cfg["dense_units"],
        n_outputs=loss.n_outputs,
        normalize="none",
        season=cfg["seasonal_period"],
        head=loss.head,
        future_relative=FUTURE_RELATIVE,
    )
    check_parameters(  # before a weight is read or a parameter allocated
        spec.count(), f"{where} (units={','.join(map(str, spec.units))})", "this Keras model is too large to import"
    )
    params = read_params(archive, stack, spec)
    transforms = Transforms(fitted_scaler, TargetTransform(log=False, lag=0), series.n_targets)
    split, starts = split_series(series, cfg)
    model.config_, model.spec_, model.loss_, model.params_, model.history_ = cfg, spec, loss, params, History()
    model.choices_ = {
        "window": Choice(window, f"{KERAS}: the model's input length" if stack.window else "set by you"),
        "horizon": Choice(horizon, _horizon_reason(stack.head.units, strategy, asked)),
        "scaler": Choice(fitted_scaler.kind, "set by you: the scaling the Keras model's data went through"),
        "normalize": Choice("none", "a Keras model reads its scaled windows as they are"),
        "log": Choice(False, "a Keras model reads its scaled values as they are"),
        "difference": Choice(0, "a Keras model reads its scaled values as they are"),
        "seasonal_period": Choice(cfg["seasonal_period"], f"from the frequency {series.freq!r}"),
        "epochs": Choice(0, f"trained in Keras {archive.keras_version}; lstmcast trained nothing"),
    }
    model.transforms_, model.series_, model.split_, model.starts_ = transforms, series, split, starts
    model.values_ = transforms.to_model_space(series.values)
    model.n_rows_, model.first_index_ = len(series), series.index[0]
    return model


def _horizon_reason(outputs: int, strategy: str, asked) -> str:
    if strategy == "direct":
        return f"{KERAS}: its Dense({outputs}) head"
    return "set by you" if asked is not None else "one step fed back (strategy='recursive'); ask more in predict"


def _window(from_file: int | None, given: int | None, where: str) -> int:
    if from_file is None:
        if given is None:
            raise ConfigError(
                f"{where} accepts windows of any length: pass window= (the number of rows it was trained on)."
            )
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ConfigError.positive("window", given)
        return given
    if given is not None and given != from_file:
        raise ConfigError(
            f"window={given!r} differs from the {from_file} rows {where} reads: leave window= out, it is read "
            "from the file."
        )
    return from_file


def _horizon(outputs: int, n_targets: int, strategy: str, horizon, where: str) -> int:
    """The forecast's steps: the head's outputs per target (direct), or the asked steps of a one-step model."""
    if outputs % n_targets:
        raise ConfigError(
            f"{where}'s Dense({outputs}) head cannot be split over {n_targets} targets: its width must be "
            "steps x targets."
        )
    steps = outputs // n_targets
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1):
        raise ConfigError.positive("horizon", horizon)
    if strategy == "recursive":
        if steps != 1:
            raise ConfigError(
                f"strategy='recursive' feeds one step back, but {where}'s Dense({outputs}) head emits {steps} steps "
                f"of {n_targets} target(s): use strategy='direct'."
            )
        return 1 if horizon is None else horizon
    if horizon is not None and horizon != steps:
        raise ConfigError(
            f"horizon={horizon} differs from the {steps} step(s) {where}'s Dense({outputs}) head emits: leave "
            "horizon= out, or use strategy='recursive' with a one-step model."
        )
    return steps
