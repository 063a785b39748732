"""The Forecaster: a scikit-learn-style estimator tying data, network and trainer.

>>> from lstmcast import Forecaster, datasets
>>> model = Forecaster(window=10, units=8, epochs=2, verbose=0)
>>> model.fit(datasets.load("sine", length=200)).predict().shape
(1, 1)
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import jax
import numpy as np
import pandas as pd

from lstmcast import params as P
from lstmcast.auto import Choice, resolve
from lstmcast.data import calendar_features
from lstmcast.data.newdata import future_values, load_history
from lstmcast.data.panel import Panel
from lstmcast.data.panel_load import is_long, load_panel
from lstmcast.data.pipeline import check_length, fit_transforms, part_starts
from lstmcast.data.series import Series, load_series
from lstmcast.data.sources import reading
from lstmcast.data.split import make_split
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.errors import (
    ConfigError,
    DataError,
    DataFilledWarning,
    IntervalWarning,
    NotFittedError,
    TrainingInterrupted,
)
from lstmcast.evaluate.peers import check_against
from lstmcast.evaluate.report import Evaluation, score, seasonal_period
from lstmcast.fitting import check_finite, init_members, loss_space, member_keys, refit, reporter
from lstmcast.nn.network import NetworkSpec
from lstmcast.nn.summary import Summary, format_summary
from lstmcast.resources import check_forecast, check_training
from lstmcast.stats.combination import NETWORK, build_unvalidated
from lstmcast.stats.combination import build as build_combination
from lstmcast.strategies import get_strategy
from lstmcast.train.config import TRAIN_PARAMS, TrainConfig
from lstmcast.train.losses import check_settings, check_targets, get_loss, point_error
from lstmcast.train.programs import members_of, window_loss
from lstmcast.train.trainer import TARGET_STEPS, EpochCallback, auto_epochs, steps_per_epoch, train
from lstmcast.uncertainty.conformal import CALIBRATION_FIXED, MIN_WINDOWS, Calibration, calibration_plan
from lstmcast.uncertainty.head_quantiles import SAMPLES, head_paths, head_quantiles
from lstmcast.uncertainty.names import (
    SCORE_QUANTILES,
    all_quantiles,
    check_levels,
    check_quantiles,
    level_columns,
    quantile_column,
)

FUTURE_RELATIVE = True  # new models read future covariates relative to their window mean (nn/network.py)
MAX_SAMPLES = 100_000
MIN_CONFORMAL = 5  # fewer calibration origins than this: the final model's in-sample errors are used
# A combined fit trains the validation copy first, then fine-tunes it on every row: together about the
# TARGET_STEPS of a network fitted alone, so validation costs little more than the fit it validates.
COPY_STEPS, FINE_TUNE_STEPS = 300, 150


def _step_budget(cfg: dict, train_cfg: TrainConfig, starts: np.ndarray, target: int) -> np.ndarray:
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


class Forecaster:
    """LSTM/GRU forecaster of one or more series.

    Parameters are stored unchanged and checked in :meth:`fit`. The list below is generated from the
    one parameter table (:mod:`lstmcast.params`), so the defaults shown are the ones used.
    """

    def __init__(self, **params) -> None:
        unknown = sorted(set(params) - set(P.NAMES))
        if unknown:
            raise TypeError(P.unknown_message(unknown, "Forecaster() got unexpected keyword argument(s)"))
        for name in P.NAMES:
            setattr(self, name, params.get(name, P.DEFAULTS[name]))

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in P.PARAMS.values()]
    )

    # -- parameters (scikit-learn's protocol) --------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments, exactly as given (``deep`` is accepted for scikit-learn; nothing is nested)."""
        return {name: getattr(self, name) for name in P.NAMES}

    def set_params(self, **params) -> Forecaster:
        """Change constructor arguments (checked at the next ``fit``); returns self.

        On a fitted model, changing any of them but ``verbose`` makes it unfitted: its weights
        belong to the old settings (fit again), and it can no longer be saved as the old model.
        """
        unknown = sorted(set(params) - set(P.NAMES))
        if unknown:
            raise ConfigError(P.unknown_message(unknown))
        changed = [n for n, v in params.items() if n != "verbose" and not _same(v, getattr(self, n))]
        for name, value in params.items():
            setattr(self, name, value)
        if changed and hasattr(self, "params_"):
            for name in [k for k in self.__dict__ if k.endswith("_")]:
                del self.__dict__[name]
        return self

    def __repr__(self) -> str:
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, P.DEFAULTS[k])]
        return f"Forecaster({', '.join(changed)})"

    def _checked(self) -> dict:
        """Every parameter checked and normalized (the one place checks run); verbose="auto" resolved."""
        from lstmcast.train.progress import resolve_verbose

        cfg = P.check_params(self.get_params())
        cfg["verbose"] = resolve_verbose(cfg["verbose"])  # a fitted model's settings hold no "auto"
        return cfg

    # -- fitting -------------------------------------------------------------
    def fit(
        self,
        data,
        target=None,
        time=None,
        features=None,
        future=None,
        static=None,
        on_epoch_end: EpochCallback | None = None,
        id=None,
        *,
        shards: int | str | None = None,
    ) -> Forecaster:
        """Validate ``data``, split it in time order, fit the transforms on the training part and train.

        data: CSV/Parquet path, pandas Series/DataFrame or NumPy array.
        target: column(s) to forecast; time: the time column.
        features: past-only input columns (or "all"), read up to the forecast origin.
        future: input columns known in advance (calendar, prices, holidays), read over the horizon too.
        static: per-series attributes of a long table (many series): numeric ones standardized, categorical
        ones through learned embeddings, read by the head; one series has none (refused).
        id: the series id column of a long table (many series, one global model); a table with
        the columns ``unique_id``, ``ds`` and ``y`` (Nixtla's convention) is read as one with no
        arguments. ``predict()`` then returns a long table ``<id>, <time>, <targets>``.

        Ctrl-C keeps the best weights so far (``history_.interrupted``), or raises
        TrainingInterrupted before one epoch finished; a NaN or infinite loss raises
        TrainingDivergedError; a network too large for this machine raises ConfigError before it
        is built (:mod:`lstmcast.resources`). On any error the model is left as it was.

        shards: ``"process"`` in a ``jax.distributed`` run: ``data`` is a folder of Parquet partitioned by
        id (or a list of Parquet files) and each process reads only its share (:mod:`lstmcast.sharded_fit`);
        a number, in one process, runs the same global batches over that many shards.
        """
        if shards is not None:
            from lstmcast.sharded_fit import fit_sharded

            return fit_sharded(
                self, data, id=id, target=target, time=time, features=features, future=future, static=static,
                shards=shards, on_epoch_end=on_epoch_end,
            )  # fmt: skip
        cfg = self._checked()
        if isinstance(data, Panel):  # already loaded (lstmcast.data.panel.load_panel)
            from lstmcast.global_model import fit_panel

            fit_panel(self, data, cfg, on_epoch_end)
            return self
        if is_long(data, id) and (id is not None or (target is None and time is None)):
            from lstmcast.global_model import fit_panel

            panel = load_panel(
                data,
                id=id,
                target=target,
                time=time,
                features=features,
                future=future,
                static=static,
                freq=cfg["freq"],
                fill=cfg["fill"],
                **reading(cfg),
            )
            fit_panel(self, panel, cfg, on_epoch_end)
            return self
        strategy = get_strategy(cfg["strategy"])
        strategy.check_roles(static=_names(static))
        series = load_series(
            data, target=target, time=time, features=features, freq=cfg["freq"], fill=cfg["fill"], future=future,
            **reading(cfg),
        )  # fmt: skip
        if cfg["calendar"]:
            series = calendar_features.add_to_series(series)
        strategy.check_roles(features=series.features, future=series.future)
        if series.filled:
            counts = ", ".join(f"{n} {what}" for what, n in series.filled.items())
            warnings.warn(f"fill={cfg['fill']!r} filled: {counts}.", DataFilledWarning, stacklevel=2)
        return self._fit_series(series, cfg, on_epoch_end)

    def _fit_series(self, series: Series, cfg: dict, on_epoch_end: EpochCallback | None = None) -> Forecaster:
        """Train on a loaded series with checked settings ``cfg`` (the body of :meth:`fit`)."""
        strategy = get_strategy(cfg["strategy"])
        split = make_split(len(series), series.index, cfg["test"], cfg["validation"])
        loss = get_loss(cfg["loss"], quantiles=cfg["quantiles"])
        check_settings(loss, {k: v for k, v in cfg.items() if not (k == "scaler" and v == "minmax")})
        check_targets(loss, series.values[: split.train_end, : series.n_targets], series.targets)
        cfg, choices = resolve(cfg, series.values[: split.train_end, : series.n_targets], series.freq, loss)
        check_settings(loss, cfg)
        target_tf = TargetTransform(log=cfg["log"], lag=cfg["difference"])
        steps = strategy.model_horizon(cfg["horizon"])
        split, starts = _cut(series, cfg)
        rows = _split_rows(series, cfg)
        check_length(series, split, starts, cfg["window"], steps, target_tf.lag, rows, choices["window"])
        transforms = fit_transforms(
            series, split.train_end, Scaler(cfg["scaler"], tuple(cfg["feature_range"])), target_tf
        )
        spec = NetworkSpec(
            cell=cfg["cell"],
            units=cfg["units"],
            n_inputs=len(series.columns),
            window=cfg["window"],
            horizon=steps,
            n_targets=series.n_targets,
            dropout=cfg["dropout"],
            bidirectional=cfg["bidirectional"],
            dense_units=cfg["dense_units"],
            n_outputs=loss.n_outputs,
            n_future=len(series.future),
            normalize=cfg["normalize"],
            season=cfg["seasonal_period"],
            head=loss.head,
            future_relative=FUTURE_RELATIVE,
        )
        values = transforms.to_model_space(series.values)  # (rows, columns)
        check_training(spec, min(cfg["batch_size"], len(starts["train"])), cfg["ensemble"])  # before any allocation
        callback = on_epoch_end if on_epoch_end is not None else reporter(cfg["verbose"], loss_space(cfg, loss.name))
        train_cfg = TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS})
        copy = None  # the validation copy, trained first when the combination will need it
        if cfg["epochs"] == "auto" and cfg["combine"] and loss.kind == "point" and cfg["patience"] is None:
            cutoff, origins = calibration_plan(
                split.train_end, cfg["horizon"], cfg["window"] + target_tf.lag + steps + MIN_WINDOWS - 1
            )
            if origins >= MIN_CONFORMAL:
                copy = self._train_copy(series, cfg, cutoff)
        fit_starts = starts["train"]
        if copy is not None:  # the final model starts from the copy's weights
            initial, train_key = copy.params_, member_keys(cfg["seed"], cfg["ensemble"])
        else:
            initial, train_key = init_members(spec, cfg["seed"], cfg["ensemble"])
        if copy is not None and copy.history_.interrupted:  # Ctrl-C while the copy trained: it is the model
            transforms, params, history = copy.transforms_, copy.params_, copy.history_
            values = transforms.to_model_space(series.values)
            cfg["epochs"] = copy.config_["epochs"]
            choices["epochs"] = Choice(cfg["epochs"], f"Ctrl-C: the copy trained on rows 1..{cutoff} only")
        else:
            if copy is not None:  # fine-tune the copy on every row, from its parameters
                fit_starts = _step_budget(cfg, train_cfg, starts["train"], FINE_TUNE_STEPS)
                choices["epochs"] = Choice(
                    cfg["epochs"],
                    f"about {FINE_TUNE_STEPS} optimizer steps from the validation copy's weights (it trained about "
                    f"{COPY_STEPS} steps on rows 1..{cutoff})",
                )
                train_cfg = TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS})
            elif cfg["epochs"] == "auto" and getattr(self, "_step_target", None):  # a validation copy
                fit_starts = _step_budget(cfg, train_cfg, starts["train"], self._step_target)
                choices["epochs"] = Choice(cfg["epochs"], f"about {self._step_target} optimizer steps")
                train_cfg = TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS})
            elif cfg["epochs"] == "auto":
                cfg["epochs"] = auto_epochs(train_cfg, len(starts["train"]))
                choices["epochs"] = Choice(cfg["epochs"], f"about {TARGET_STEPS} optimizer steps")
                train_cfg = TrainConfig(**{p.name: cfg[p.name] for p in TRAIN_PARAMS})
            else:
                choices["epochs"] = Choice(cfg["epochs"], "set by you")
            try:
                params, history = train(
                    initial,
                    spec,
                    loss,
                    train_cfg,
                    values,
                    fit_starts,
                    train_key,
                    val_starts=starts["validation"],
                    on_epoch_end=callback,
                )
            finally:
                if getattr(callback, "progress", None) is not None:
                    callback.progress.stop()  # early stopping, Ctrl-C or an error ended training before the last epoch
        if (
            train_cfg.patience is not None
            and len(starts["validation"])
            and history.best_epoch
            and not history.interrupted
        ):
            params = refit(params, history, initial, spec, loss, train_cfg, values, starts, train_key)
        self.config_, self.spec_, self.loss_, self.params_, self.history_ = cfg, spec, loss, params, history
        self.choices_ = choices
        self.transforms_, self.series_, self.split_, self.starts_ = transforms, series, split, starts
        self.values_ = values
        self.n_rows_, self.first_index_ = len(series), series.index[0]
        for name in ("calibration_", "holdout_", "panel_", "ends_", "series_scales_", "combination_"):  # earlier fit's
            self.__dict__.pop(name, None)
        if cfg["combine"] and loss.kind == "point" and not history.interrupted:
            try:  # validation picks the combination; the intervals come with it
                self._copy = copy
                self.calibrate()
            except TrainingInterrupted:  # Ctrl-C while the copy trained: the network alone, as Ctrl-C leaves it
                for name in ("calibration_", "holdout_", "combination_"):
                    self.__dict__.pop(name, None)
                history.interrupted = True
                choices["combine"] = Choice(NETWORK, "Ctrl-C while the validation copy trained: the network alone")
            finally:
                self.__dict__.pop("_copy", None)
        elif cfg["combine"] and history.interrupted:
            choices["combine"] = Choice(NETWORK, "Ctrl-C during training: the network alone, not validated")
        elif cfg["combine"]:
            choices["combine"] = Choice(NETWORK, f"loss={loss.name!r} forecasts a distribution, not a point")
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError()

    @property
    def is_panel_(self) -> bool:
        """Whether the model was fitted on many series (a long table) as one global model."""
        self._check_fitted()
        return hasattr(self, "panel_")

    def _one_series(self, what: str) -> None:
        """Refuse what is not built for a global model of many series yet."""
        if self.is_panel_:
            raise ConfigError(
                f"{what} is not available for a model of many series yet: for now, fit one series at a time "
                "for it (fit(df[df[id] == 'one id'], ...))."
            )

    @property
    def n_params_(self) -> int:
        self._check_fitted()
        return int(sum(np.size(a) for a in jax.tree.leaves(self.params_)))

    @property
    def columns_(self) -> dict:
        """The column roles the model was fitted with, as ``fit`` keywords (id and static: many series only).

        An attribute; calling it (``columns_()``, as before) gives the same dict.
        """
        self._check_fitted()
        s = self.panel_ if self.is_panel_ else self.series_
        statics = getattr(self, "statics_", None) if self.is_panel_ else None
        return _Columns(
            {
                **({"id": s.id_name} if self.is_panel_ else {}),
                "target": list(s.targets),
                "time": s.time_name,
                "features": list(s.features) or None,
                "future": list(calendar_features.user_columns(s.future)) or None,
                **({"static": list(statics.names) if statics else None} if self.is_panel_ else {}),
            }
        )

    def summary(self, print_fn=print) -> Summary:
        """Print the Keras-style layer table (of one member, for an ensemble) and return it.

        print_fn: where the table goes, as Keras's ``summary(print_fn=...)``; ``None`` prints nothing.
        The returned :class:`~lstmcast.nn.summary.Summary` is a ``str`` whose ``repr`` (and HTML in
        Jupyter) is the table, so ``str(model.summary())`` and ``print(model.summary(print_fn=None))``
        give the table too.
        """
        self._check_fitted()
        table = format_summary(self.spec_)
        members = members_of(self.params_)
        if members > 1:
            table += (
                f"\nEnsemble: {members} models trained together from seeds {self.config_['seed']}.."
                f"{self.config_['seed'] + members - 1} ({members} x {self.spec_.count():,} parameters); "
                "the forecast is their median."
            )
        return Summary(table).printed(print_fn)

    # -- saving: the fitted state as plain data ------------------------------
    def save(self, path, overwrite: bool = False):
        """Write the model to folder ``path``: safetensors weights + a checksummed JSON document.

        The save is atomic and replaces an earlier lstmcast model at ``path``; any other existing
        folder or file is refused unless ``overwrite=True`` (see :func:`lstmcast.io.saving.save`).
        """
        from lstmcast.io.saving import save

        self._check_fitted()
        return save(self.to_state(), path, overwrite=overwrite)

    @classmethod
    def load(cls, path) -> Forecaster:
        """A model saved with :meth:`save`; it predicts bit-identically."""
        from lstmcast.io.saving import read_model

        return cls.from_state(read_model(path))

    def to_onnx(self, path, overwrite: bool = False):
        """Write the forecast as an ONNX graph at ``path`` (raw history in, original-scale forecast out) and
        its description as JSON beside it (``<path>.json``); see :mod:`lstmcast.export`."""
        from lstmcast.export import to_onnx

        return to_onnx(self, path, overwrite=overwrite)

    def to_state(self) -> dict:
        """Everything a fitted model is, as JSON-ready data plus ``arrays`` (its weights, flat-named)."""
        from lstmcast.io.state import fitted_state

        self._check_fitted()
        return fitted_state(self)

    @classmethod
    def from_state(cls, state: dict) -> Forecaster:
        """The model :meth:`to_state` described (checked: inconsistent states raise ModelFileError)."""
        from lstmcast.io.state import restore, saved_params

        model = cls(**saved_params(state))
        for name, value in restore(state).items():
            setattr(model, name, value)
        if model.is_panel_:
            return model
        if len(model.series_) == model.n_rows_:  # the whole training series is kept: evaluate() works too
            model.split_, model.starts_ = _cut(model.series_, model.config_)
            model.values_ = model.transforms_.to_model_space(model.series_.values)
        return model

    # -- forecasting ---------------------------------------------------------
    def predict(
        self, horizon: int | None = None, data=None, future=None, level=None, quantiles=None, samples=None
    ) -> pd.DataFrame:
        """Forecast ``horizon`` steps after the end of the data, on the original scale.

        data: newer history in the training schema (a model in production); by
        default the data the model was fitted on. future: the values of the
        ``future=`` covariates over the forecast steps (DataFrame or array).
        level: central prediction intervals in percent, e.g. ``[80, 95]`` (columns ``<target>-lo-80``,
        ``<target>-hi-80``...); quantiles: e.g. ``[0.1, 0.9]`` (columns ``<target>-q-10``...).
        Intervals are conformal (:meth:`calibrate`, run on first use) for point losses, the
        head's own for quantile and distribution losses. samples: sample paths per ensemble
        member behind a recursive distribution model's quantiles (default ``SAMPLES``).
        Returns a DataFrame indexed by the future timestamps, one column per target plus the
        interval and quantile columns.
        """
        if self.is_panel_:
            from lstmcast.global_forecast import predict_panel

            horizon = self.config_["horizon"] if horizon is None else horizon
            P.PARAMS["horizon"].check_value(horizon)
            check_forecast(self, horizon)  # before any array is allocated
            levels = check_levels(level) if level is not None else ()
            qs = check_quantiles(quantiles) if quantiles is not None else ()
            return predict_panel(self, horizon, data, future, levels, qs, self._check_samples(samples))
        series, values, tail, start, horizon = self._forecast_inputs(horizon, data, future)
        levels = check_levels(level) if level is not None else ()
        qs = check_quantiles(quantiles) if quantiles is not None else ()
        n_samples = self._check_samples(samples)
        if not levels and not qs:
            out = self.forecast_at(values, tail[:, : series.n_targets], start, horizon)  # (1, horizon, targets)
            return pd.DataFrame(out[0], index=series.future_index(horizon), columns=list(series.targets))
        taus = all_quantiles(levels, qs)
        out, q = self.forecast_intervals(values, tail[:, : series.n_targets], start, horizon, taus, n_samples)
        return interval_frame(out[0], q[0], taus, levels, qs, series.targets, series.future_index(horizon))

    def sample_paths(self, samples: int = 100, horizon: int | None = None, data=None, future=None) -> pd.DataFrame:
        """Draws of the next ``horizon`` steps from a distribution or quantile model, on the original scale.

        Recursive models: sample paths, each step drawn given the path's own earlier draws
        (ancestral sampling), so sums and maxima over the horizon are meaningful. Direct models:
        each step drawn from its own distribution, independently of the others. ``samples``
        paths per ensemble member, from the model's ``seed``: the same call gives the same draws.
        Returns a long table: ``sample``, the time column, one column per target (many series: ``sample``,
        the id column, the time column, the targets; each series' draws from its own history).
        """
        if self.is_panel_:
            return self._panel_sample_paths(samples, horizon, data, future)
        series, values, tail, start, horizon = self._forecast_inputs(horizon, data, future)
        self._check_spread("sample_paths()")
        n = self._check_samples(samples)
        undo = _undo_one(self, tail[:, : series.n_targets], start)
        paths = head_paths(self, values, start, horizon, n, undo)[:, 0]  # (draws, H, k)
        index = series.future_index(horizon)
        draws = paths.shape[0]
        frame = pd.DataFrame(paths.reshape(draws * horizon, -1), columns=list(series.targets))
        frame.insert(0, index.name or "time", np.tile(index.to_numpy(), draws))
        frame.insert(0, "sample", np.repeat(np.arange(draws), horizon))
        return frame

    def _panel_sample_paths(self, samples, horizon, data, future) -> pd.DataFrame:
        from lstmcast.global_forecast import forecast_panel

        self._check_spread("sample_paths()")
        n = self._check_samples(samples)
        horizon = self.config_["horizon"] if horizon is None else horizon
        P.PARAMS["horizon"].check_value(horizon)
        panel, _, paths = forecast_panel(self, horizon, data, future, samples=n, paths=True)  # (draws, S, H, k)
        draws, cells = paths.shape[0], panel.n_series * horizon
        frame = pd.DataFrame(paths.reshape(draws * cells, -1), columns=list(panel.targets))
        frame.insert(0, panel.time_name or "ds", np.tile(np.asarray(panel.future_index(horizon)), draws))
        frame.insert(0, panel.id_name, np.tile(np.repeat(panel.id_values(), horizon), draws))
        frame.insert(0, "sample", np.repeat(np.arange(draws), cells))
        return frame

    def _check_samples(self, samples) -> int:
        if samples is None:
            return SAMPLES
        P.integer(1, hi=MAX_SAMPLES)("samples", samples)
        self._check_spread("samples=")
        return int(samples)

    def _check_spread(self, what: str) -> None:
        self._check_fitted()
        if self.loss_.kind == "point":
            raise ConfigError(
                f"{what} draws from a distribution, and loss={self.loss_.name!r} forecasts a point: train with "
                "loss='normal', 'studentt', 'negbin' or 'quantile', or use predict(level=...) for conformal intervals."
            )

    def _forecast_inputs(self, horizon, data, future):
        """(series, model-space rows, raw tail rows, window start, horizon) of a forecast after the data's end."""
        self._check_fitted()
        cfg = self.config_
        horizon = cfg["horizon"] if horizon is None else horizon
        P.PARAMS["horizon"].check_value(horizon)
        check_forecast(self, horizon)  # before any array is allocated
        strategy = get_strategy(cfg["strategy"])
        if not strategy.one_step and horizon > self.spec_.horizon:
            raise ConfigError(
                f"horizon={horizon} is longer than the horizon={self.spec_.horizon} this direct model was trained "
                "for: refit with a longer horizon, or use strategy='recursive'."
            )
        series = self._history(data)
        need = self.history_rows_()
        steps = horizon if strategy.one_step else self.spec_.horizon
        tail = series.values[-need:]  # the rows a forecast reads (fewer when newer data holds fewer)
        if data is not None:  # newer history: log needs positive values where the forecast reads them
            self.transforms_.target.check(
                tail[:, : series.n_targets],
                list(series.targets),
                series.index[-need:],
                offset=len(series.values) - len(tail),
                fix="this model forecasts log values, so the rows it reads must be positive.",
            )
        values = np.concatenate([self.transforms_.to_model_space(tail), self._future_rows(series, future, steps)])
        start = np.array([len(tail) - cfg["window"]], np.int32)
        return series, values, tail, start, horizon

    def make_future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """The table to fill with the ``future=`` covariates for ``predict(future=...)``.

        Many series: a long table ``<id>, <time>, <future columns>`` of every series' next
        ``horizon`` timestamps; one series: those timestamps as the index. Covariate columns
        are NaN, to be filled with the values known in advance.
        """
        self._check_fitted()
        horizon = self.config_["horizon"] if horizon is None else horizon
        P.PARAMS["horizon"].check_value(horizon)
        check_forecast(self, horizon, "make_future_frame")  # before any array is allocated
        if self.is_panel_:
            from lstmcast.data.panel_future import make_future_frame

            return make_future_frame(self.panel_, horizon)
        s = self.series_
        user = calendar_features.user_columns(s.future)  # calendar columns are computed, not filled in
        return pd.DataFrame({name: np.nan for name in user}, index=s.future_index(horizon))

    # -- uncertainty ---------------------------------------------------------
    def _train_copy(self, s: Series, cfg: dict, cutoff: int) -> Forecaster:
        """The validation copy: the same settings (the automatic ones as chosen on all rows), trained on rows 1..cutoff.

        Its forecasts from the origins after ``cutoff`` are the conformal scores and pick the
        combination; with ``epochs="auto"`` the final model fine-tunes from its weights.
        """
        from lstmcast.train.progress import say

        verbose = P.PARAMS["verbose"].check_value(self.verbose)  # as set now, not at fit time
        say(verbose, f"Validation: training a copy on rows 1..{cutoff}, to forecast the newest rows it does not see...")
        fixed = {k: cfg[k] for k in CALIBRATION_FIXED}
        sub = Forecaster(**{**self.get_params(), **fixed, "test": 0, "verbose": verbose, "combine": False})
        if cfg["combine"] and self.epochs == "auto" and self.patience is None:  # the final model fine-tunes from it
            sub._step_target = COPY_STEPS
        part = dataclasses.replace(s, index=s.index[:cutoff], values=s.values[:cutoff])
        return sub._fit_series(part, sub._checked())

    def calibrate(self) -> Forecaster:
        """Calibrate conformal prediction intervals (:mod:`lstmcast.uncertainty.conformal`); returns self.

        A copy of the model (same settings) trains on the training rows before the newest
        ones and forecasts from each of those; its errors are the conformal scores
        (``calibration_``). ``predict(level=...)`` calls this on first use; saving keeps the
        scores. Those forecasts are of rows the copy never saw, so they are also scored beside the
        naive baselines on the original scale (``holdout_``, an Evaluation; not saved): an honest
        score of the configuration even when ``test=0``. Costs about one more fit. Series too
        short to set rows aside use the errors of the naive forecast over the history instead
        (wider than the model's own, never optimistic; ``choices_["intervals"]`` says which;
        ``holdout_`` is then None).
        """
        self._check_fitted()
        if self.is_panel_:
            if not hasattr(self, "ends_"):
                raise DataError(
                    "this model of many series was loaded from disk without its training series, so it cannot "
                    "calibrate prediction intervals: train it with intervals (lstmcast train keeps them) or refit it."
                )
            from lstmcast.uncertainty.panel_conformal import calibrate_panel

            self.calibration_, self.series_scales_ = calibrate_panel(self)
            self.choices_["intervals"] = Choice(
                "conformal",
                f"scale-free errors of a copy trained without each series' newest rows, pooled over "
                f"{self.calibration_.cutoff} series ({self.calibration_.origins} forecasts)",
            )
            return self
        trained = getattr(self, "choices_", {}).get("epochs")
        if trained is not None and trained.value == 0:  # weights brought over (lstmcast.from_keras)
            raise ConfigError(
                f"this model's weights were not trained by lstmcast ({trained.reason}), so conformal intervals "
                "cannot be calibrated: they need a copy trained the same way on earlier rows. Forecast without "
                "level=/quantiles=, or train an lstmcast model on the data for intervals."
            )
        if not hasattr(self, "values_"):
            raise DataError(
                "this model was loaded from disk without its whole training series, so it cannot calibrate "
                "prediction intervals: train it with intervals (lstmcast train keeps them by default) or refit it."
            )
        cfg, s = self.config_, self.series_
        n, horizon, lag = self.split_.train_end, cfg["horizon"], self.transforms_.target.lag
        steps = get_strategy(cfg["strategy"]).model_horizon(horizon)
        raw = s.values[:n, : s.n_targets]
        cutoff, origins = calibration_plan(n, horizon, cfg["window"] + lag + steps + MIN_WINDOWS - 1)
        if origins >= MIN_CONFORMAL:
            sub = self.__dict__.pop("_copy", None)  # trained by fit already, or trained now
            if sub is None or sub.n_rows_ != cutoff:
                sub = self._train_copy(s, cfg, cutoff)
            values = sub.transforms_.to_model_space(s.values[:n])
            first = np.arange(origins) + cutoff - 1  # (origins,) the last row each forecast sees
            method = "conformal"
            why = f"errors of a copy trained on rows 1..{cutoff}, forecasting from the {origins} origins after them"
            pred = sub.forecast_at(values, raw, first - cfg["window"] + 1, horizon)  # (origins, H, targets)
            if cfg["combine"]:
                self.combination_, pred = build_combination(
                    pred, raw, first, cutoff, n, horizon, cfg["seasonal_period"]
                )  # pred: each half of the origins combined with the weights the other half chose
                self.choices_["combine"] = Choice(self.combination_.chosen(), self.combination_.describe())
                why += "; the combined forecast's errors, each half of the origins weighted as the other chose"
        else:  # too short to set rows aside: the naive forecast's errors (wide rather than optimistic)
            if cfg["combine"] and n > horizon:
                self.combination_ = build_unvalidated(raw, n, horizon, cfg["seasonal_period"])
                self.choices_["combine"] = Choice(
                    self.combination_.chosen(),
                    f"the training part ({n} rows) is too short to validate the network: it joins the best "
                    f"statistical candidates on the history; {self.combination_.describe()}",
                )
            first = np.arange(n - horizon)  # every origin with a whole horizon after it
            pred = np.repeat(raw[first][:, None, :], horizon, axis=1)  # (origins, H, targets)
            method, cutoff = "naive", n
            why = (
                f"the training part ({n} rows) is too short to set rows aside: the {horizon}-step errors of the "
                "naive forecast over the history (likely wider than the model's errors)"
            )
        rows = first[:, None] + np.arange(1, horizon + 1)[None, :]  # (origins, H)
        self.calibration_ = Calibration.from_forecasts(raw[rows], pred, cutoff, method, bool(cfg["log"]))
        self.holdout_ = None
        if method == "conformal":  # the copy's forecasts are out of sample: score them beside the baselines
            try:
                self.holdout_ = score(
                    raw, first, pred, cutoff, seasonal_period(s.freq, cfg["seasonal_period"]), warn=False
                )
            except ConfigError:  # a season longer than the history before the first origin: no baselines
                pass
        self.choices_["intervals"] = Choice(method, why)
        return self

    def forecast_intervals(self, values, raw_targets, starts, horizon, taus, samples: int = SAMPLES):
        """(point (n, H, targets), quantiles (n, H, targets, Q)) of the windows at ``starts``.

        taus: (Q,) sorted quantile levels. Point losses: conformal quantiles around the point
        forecast (:meth:`calibrate` runs first if needed). Quantile and distribution losses: the
        head's own quantiles (direct) or ``SAMPLES`` sample paths per member (recursive).
        """
        self._check_fitted()
        point = self.forecast_at(values, raw_targets, starts, horizon)  # (n, H, targets)
        if self.loss_.kind != "point":
            q = head_quantiles(self, values, starts, horizon, taus, samples, _undo_one(self, raw_targets, starts))
            return point, q
        if getattr(self, "calibration_", None) is None:
            self.calibrate()
        cal = self.calibration_
        if horizon > cal.horizon:
            raise ConfigError(
                f"horizon={horizon} is longer than the {cal.horizon} steps the intervals were calibrated for: "
                "ask for intervals up to that horizon, or refit with a longer horizon."
            )
        levels = sorted({round(100 * abs(2 * t - 1), 8) for t in taus if t != 0.5})
        short = cal.short_levels(levels)
        if short:
            warnings.warn(
                f"only {cal.origins} calibration errors: the {short[0]:g}% bounds are the largest error seen and "
                f"may cover less than {short[0]:g}% (a longer history gives more errors).",
                IntervalWarning,
                stacklevel=3,
            )
        return point, cal.quantiles(point, np.asarray(taus, np.float64))

    def _future_rows(self, series: Series, future, steps: int) -> np.ndarray:
        """(steps, columns) model-space rows after the history: the known-in-advance covariates, zeros elsewhere."""
        rows = np.zeros((steps, len(series.columns)))
        raw = _future_raw(series, future, steps)
        if raw is None:
            return rows.astype(np.float32)
        lo = len(series.columns) - len(series.future)
        rows[:, lo:] = raw
        scaled = self.transforms_.scaler.transform(rows)
        rows[:, lo:] = scaled[:, lo:]
        return rows.astype(np.float32)

    def _history(self, data) -> Series:
        if data is None:
            return self.series_
        schema = self.series_
        if self.config_.get("calendar"):  # the calendar columns are computed, not read
            schema = dataclasses.replace(schema, future=calendar_features.user_columns(schema.future))
        need = self.config_["window"] + self.transforms_.target.lag
        series = load_history(schema, data, self.config_["fill"], need, **reading(self.config_, warn_unused=False))
        return calendar_features.add_to_series(series) if self.config_.get("calendar") else series

    def _data_parts(self, data):
        """(series, model-space values, split) of the fitted data, or of ``data`` with the fitted transforms."""
        if data is None:
            if not hasattr(self, "values_"):
                raise DataError(
                    f"this model was loaded from disk and keeps only its last {len(self.series_)} rows: "
                    "pass data= the series to evaluate or plot."
                )
            return self.series_, self.values_, self.split_
        series = self._history(data)
        split, _ = _cut(series, self.config_)
        return series, self.transforms_.to_model_space(series.values), split

    def actual(self, data=None) -> pd.DataFrame:
        """The target columns on the original scale, of the fitted data or of ``data``, time-indexed
        (many series: a long table ``<id>, <time>, <targets>``)."""
        self._check_fitted()
        if self.is_panel_:
            from lstmcast.global_forecast import _newer

            panel = self.panel_ if data is None else _newer(self, data)[0]
            frame = pd.DataFrame(panel.stacked()[:, : panel.n_targets], columns=list(panel.targets))
            frame.insert(0, panel.time_name or "ds", panel.times)
            frame.insert(0, panel.id_name, np.repeat(panel.id_values(), panel.lengths))
            return frame
        s = self.series_ if data is None else self._history(data)
        return pd.DataFrame(s.values[:, : s.n_targets], index=s.index, columns=list(s.targets))

    def predict_in_sample(self, data=None) -> pd.DataFrame:
        """One-step-ahead forecasts over the train, validation and test windows, on the original scale.

        data: another series in the training schema (the model is not refitted).
        Columns: ``<target>`` (actual), ``<target>_pred``, and ``part``.
        """
        self._check_fitted()
        self._one_series("predict_in_sample()")
        s, values, split = self._data_parts(data)
        raw = s.values[:, : s.n_targets]
        frames = []
        for part, starts in part_starts(split, self.window_, 1, self.transforms_.target.first_row).items():
            if self.spec_.n_future:  # windows whose horizon runs past the data lack their covariates' values
                starts = starts[starts + self.window_ + self.spec_.horizon <= len(s)]
            if len(starts) == 0:
                continue
            pred = self.forecast_at(values, raw, starts, horizon=1)[:, 0]  # (n, targets)
            rows = starts + self.window_
            frame = pd.DataFrame(raw[rows], index=s.index[rows], columns=list(s.targets))
            for j, name in enumerate(s.targets):
                frame[f"{name}_pred"] = pred[:, j]
            frame["part"] = part
            frames.append(frame)
        return pd.concat(frames)

    @property
    def window_(self) -> int:
        return self.config_["window"]

    @property
    def loss_space_(self) -> str:
        """What the training loss (``history_``, the epoch lines) is measured on: the model's space.

        The network trains on transformed, scaled windows, so its loss is not an error on the data's own
        scale; :meth:`evaluate` scores the original scale.
        """
        self._check_fitted()
        return loss_space(self.config_, self.loss_.name)

    def explain(self, data=None, future=None, steps: int = 32):
        """Why the forecast after the data's end is what it is: attributions per lag and per covariate.

        Integrated gradients through the network (``jax.grad``), from a baseline window in which every
        input stays at its window mean; for each forecast step and target the attributions add up to the
        forecast minus the baseline's forecast. data, future: as in :meth:`predict`. steps: points of the
        path integral (Gauss-Legendre). Returns an :class:`~lstmcast.explain.Explanation` (``by_column()``,
        ``by_lag()``, ``space``); ``lstmcast.plot.plot_explanation`` draws it. Direct models; a model of many
        series explains every series' next forecast, batched (``Explanation.series``, ``window_of(id)``).
        """
        from lstmcast.explain import explain_forecast

        return explain_forecast(self, data=data, future=future, steps=steps)

    # -- pictures --------------------------------------------------------------
    def plot(self, kind: str = "forecast", path=None, data=None, horizon=None, future=None, level=None, last=None):
        """A picture of the model: a matplotlib Figure (shown inline in Jupyter), or written to ``path``.

        kind: ``"forecast"`` (the next ``horizon`` steps after the history; ``level=[80, 95]`` shades
        prediction intervals; many series: one panel per series, at most 12), ``"fit"`` (actual values
        and one-step predictions over the train, validation and test parts) or ``"loss"`` (the
        training curves, labelled with the space they are measured in). The fit's picture notes the
        test part's score beside the best baseline, or else the calibration's holdout score. data, future: as in
        :meth:`predict`. last: rows of history shown. path: ``.png`` or ``.svg``, written atomically
        (replacing a file there). Returns the Figure, or the path written. Drawn without pyplot.
        """
        from lstmcast import plot as draw
        from lstmcast.plot.figure import finish

        self._check_fitted()
        kinds = ("forecast", "fit", "loss")
        if kind not in kinds:
            raise ConfigError.choice("kind", kind, kinds)
        if kind == "loss":
            return draw.plot_history(self.history_.loss, self.history_.val_loss, path, space=self.loss_space_)
        if kind == "fit":
            self._one_series("plot(kind='fit')")
            note = ""
            if data is None and getattr(self, "split_", None) is not None and self.split_.n_test:
                note = draw.score_note(self.evaluate(warn=False), "test part")
            elif data is None:
                note = draw.score_note(getattr(self, "holdout_", None), "holdout")
            return draw.plot_in_sample(self.actual(data), self.predict_in_sample(data), path, note=note)
        forecast = self.predict(horizon=horizon, data=data, future=future, level=level)
        if self.is_panel_:
            fig = draw.plot_series(self.actual(data), forecast, self.panel_.id_name, last=last)
        elif level is not None:
            fig = draw.plot_fans(self.actual(data), forecast, last=last)
        else:
            show = last or max(4 * len(forecast), 3 * self.window_)
            return draw.plot_forecast(self.actual(data), forecast, path, last=show)
        return finish(fig, path)

    # -- evaluation ----------------------------------------------------------
    def evaluate(self, data=None, part: str = "test", warn: bool = True, level=None, against=None) -> Evaluation:
        """Metrics of the ``test`` (or ``validation``) windows on the original scale, with baselines.

        data: score another series in the training schema, cut by the same
        ``test``/``validation`` settings (the model is not refitted).
        Every forecast of the part's windows is scored over the full horizon;
        ``scaled_mse`` is the loss's MSE on the scaled data (what Keras's
        ``evaluate`` prints as the test loss).
        level: also score prediction intervals (e.g. ``[80, 95]``): coverage, width, MSIS,
        pinball and scaled CRPS beside seasonal naive's intervals (``.intervals``), and the
        calibration table (``.calibration``).
        against: ``"statsforecast"`` adds AutoETS, AutoARIMA and AutoTheta rows, each fitted up to every
        origin the model is scored at (statsforecast must be installed; :mod:`lstmcast.evaluate.peers`).
        """
        self._check_fitted()
        peers = check_against(against)
        if self.is_panel_:  # one forecast of the horizon from each series' training end
            if data is not None or level is not None or peers:
                raise ConfigError(
                    "evaluate() of many series scores the fitted data's test part, without level= or against=."
                )
            from lstmcast.evaluate.panel_backtest import evaluate_panel

            return evaluate_panel(self)
        if part not in ("test", "validation"):
            raise ConfigError.choice("part", part, ("test", "validation"))
        cfg = self.config_
        # windows whose whole horizon lies in the part (recursive models train on one step)
        s, values, split = self._data_parts(data)
        starts = part_starts(split, cfg["window"], cfg["horizon"], self.transforms_.target.first_row)[part]
        if len(starts) == 0:
            raise DataError(
                f"the {part} part holds no window: this model trained on every row; fit with {part}= set "
                f"(e.g. {part}=0.2, --{part} 0.2) to hold rows out, or score the configuration with backtest() "
                "(lstmcast backtest)."
            )
        raw = s.values[:, : s.n_targets]
        origins = starts + cfg["window"] - 1
        scaled = window_loss(self.params_, self.spec_, point_error(self.loss_), values, starts)
        period = seasonal_period(s.freq, cfg["seasonal_period"])
        if peers:
            from lstmcast.evaluate.peers import peer_forecasts

            extra = peer_forecasts(raw, origins, cfg["horizon"], period)
        else:
            extra = None
        if level is None:
            pred = self.forecast_at(values, raw, starts)
            return score(raw, origins, pred, split.train_end, period, scaled_mse=scaled, warn=warn, peers=extra)
        levels = check_levels(level)
        taus = all_quantiles(levels, SCORE_QUANTILES)
        pred, q = self.forecast_intervals(values, raw, starts, cfg["horizon"], taus)
        return score(
            raw,
            origins,
            pred,
            split.train_end,
            period,
            scaled_mse=scaled,
            warn=warn,
            quantiles=q,
            taus=taus,
            levels=levels,
            peers=extra,
        )

    def backtest(
        self,
        data,
        target=None,
        time=None,
        features=None,
        future=None,
        folds: int = 3,
        step: int | None = None,
        refit=True,
        level=None,
        id=None,
        static=None,
    ):
        """Rolling-origin backtest of this configuration on ``data`` (see :mod:`lstmcast.evaluate.backtest`).

        refit: True (every fold), False (fit once, predict all folds in one batched call) or k (every k folds).
        level: also forecast and score prediction intervals, e.g. ``[80, 95]``.
        id: many series in a long table (or a Panel): a rolling-origin backtest of one global model
        (:mod:`lstmcast.evaluate.panel_backtest`); static: their per-series attribute columns.
        Every backtest's ``predictions`` has NeuralForecast's cross-validation shape
        (:mod:`lstmcast.evaluate.cv`: ``[id,] ds, cutoff, y, forecast`` + interval columns), ``folds`` its
        figures per fold.
        """
        from lstmcast.evaluate.backtest import run_backtest

        if isinstance(data, Panel) or (is_long(data, id) and (id is not None or (target is None and time is None))):
            from lstmcast.evaluate.panel_backtest import run_panel_backtest

            return run_panel_backtest(
                self,
                data,
                folds=folds,
                step=step,
                refit=refit,
                id=id,
                target=target,
                time=time,
                features=features,
                future=future,
                static=static,
                level=level,
            )
        get_strategy(P.check_params(self.get_params())["strategy"]).check_roles(static=_names(static))
        return run_backtest(
            self,
            data,
            target=target,
            time=time,
            features=features,
            future=future,
            folds=folds,
            step=step,
            refit=refit,
            level=level,
        )

    def cross_validation(
        self,
        df,
        h: int | None = None,
        n_windows: int = 1,
        step_size: int | None = None,
        refit=False,
        level=None,
        id=None,
        target=None,
        time=None,
        features=None,
        future=None,
        static=None,
    ) -> pd.DataFrame:
        """NeuralForecast's ``cross_validation``: ``n_windows`` cutoffs ``step_size`` rows apart (default ``h``),
        the last one ``h`` rows before each series' end, each forecasting ``h`` steps (default: ``horizon``).

        Returns the frame ``[unique_id,] ds, cutoff, y, <alias>`` (+ ``<alias>-lo-80``... with ``level=``), one
        row per series, cutoff and step; one series passed without ids has no id column. refit: False (fit
        once, before the first cutoff, as NeuralForecast), True or k (every k windows). ``step_size`` must be
        at least ``h``. :meth:`backtest` gives the same forecasts with their figures per fold and series.
        """
        model = self if h is None else type(self)(**{**self.get_params(), "horizon": h})
        if isinstance(df, Panel) or (is_long(df, id) and (id is not None or (target is None and time is None))):
            from lstmcast.evaluate.panel_backtest import run_panel_backtest

            columns = dict(id=id, target=target, time=time, features=features, future=future, static=static)
            bt = run_panel_backtest(model, df, n_windows, step_size, refit, level=level, end_cutoffs=True, **columns)
            return bt.predictions
        bt = model.backtest(df, target, time, features, future, n_windows, step_size, refit, level, static=static)
        # one series: a fold forecasts from every row of its step; NeuralForecast's cutoff is the fold's last
        p = bt.predictions
        fold = pd.Index(bt.folds["cutoff"]).searchsorted(p["cutoff"], side="right")  # (rows,) fold + 1
        last = p["cutoff"].groupby(fold).transform("max")
        return p[p["cutoff"] == last].reset_index(drop=True)

    def tune(
        self,
        data,
        n_trials: int = 20,
        space: dict | None = None,
        metric: str = "mase",
        folds: int = 3,
        refit=False,
        seed: int | None = None,
        target=None,
        time=None,
        features=None,
        future=None,
        id=None,
    ):
        """Search the network's settings with Optuna, each trial scored on rolling origins; returns a TuneResult.

        Each trial is this Forecaster's settings with the trial's values over them (so
        ``Forecaster(horizon=12, combine=False).tune(data)`` tunes the network alone), scored by a backtest
        of the last ``folds`` origins a horizon apart (fewer when the series is short; ``refit`` as in
        :meth:`backtest`). space: parameter name -> list of choices or (low, high) range (``(low, high,
        "log")`` on a log scale); default :data:`lstmcast.params.SPACE`. metric: "mase", "mae" or "rmse".
        seed: Optuna's TPE sampler and every trial's Forecaster (default: this one's ``seed``): the same
        seed gives the same trials and the same best trial. This Forecaster is left unchanged; the result's
        ``best_forecaster()`` is a new one with the best settings, ready to fit. Needs the ``tune`` extra
        (``pip install -e ".[tune]"``); see :mod:`lstmcast.tuning.study`.
        """
        from lstmcast.tuning import tune

        return tune(
            self, data, n_trials=n_trials, space=space, metric=metric, folds=folds, refit=refit, seed=seed,
            target=target, time=time, features=features, future=future, id=id,
        )  # fmt: skip

    def forecast_at(self, values: np.ndarray, raw_targets: np.ndarray, starts: np.ndarray, horizon=None) -> np.ndarray:
        """Original-scale forecasts (n, horizon, targets) of the windows at ``starts``, in one batched call.

        values: (rows, columns) in model space; raw_targets: (rows, targets) original.
        Covariates known in advance are read from the rows after each window. An ensemble's
        forecast is the median of its members' forecasts on the original scale.
        """
        self._check_fitted()
        horizon = self.config_["horizon"] if horizon is None else horizon
        z = get_strategy(self.config_["strategy"]).forecast(
            self.params_, self.spec_, self.loss_, values, starts, horizon
        )  # (members, n, horizon, targets)
        members, n = z.shape[:2]
        origins = starts + self.config_["window"] - 1
        levels = self.transforms_.history_levels(raw_targets, origins)  # (n, lag, targets)
        paths = self.transforms_.to_original(z.reshape(members * n, *z.shape[2:]), np.tile(levels, (members, 1, 1)))
        out = np.median(paths.reshape(z.shape), axis=0) if members > 1 else paths
        combination = getattr(self, "combination_", None)
        if combination is not None:
            out = combination.forecast(out, raw_targets, origins, horizon)
        check_finite(out)
        return out

    def history_rows_(self) -> int:
        """Rows a forecast reads: the window plus the differencing lag, and the combination's context."""
        self._check_fitted()
        rows = self.config_["window"] + self.transforms_.target.lag
        combination = getattr(self, "combination_", None)
        return rows if combination is None else max(rows, combination.context)


def _parameter_doc() -> str:
    """The Parameters section of ``help(Forecaster)``, from the parameter table (grouped as in the table)."""
    import textwrap

    lines = ["", "    Parameters (keyword-only; default first)", "    ----------------------------------------"]
    for group in P.GROUPS:
        for p in P.in_group(group):
            lines.append(f"    {p.name} = {p.default!r}")
            lines += textwrap.wrap(p.help, 96, initial_indent=" " * 8, subsequent_indent=" " * 8)
    return "\n".join(lines) + "\n"


Forecaster.__doc__ = (Forecaster.__doc__ or "").rstrip() + "\n" + _parameter_doc()


def _undo_one(model, raw, starts):
    """``undo`` for :mod:`lstmcast.uncertainty.head_quantiles`: one series' transforms, each window's levels."""
    levels = model.transforms_.history_levels(raw, starts + model.config_["window"] - 1)  # (n, lag, targets)
    return lambda z, reps: model.transforms_.to_original(z, np.tile(levels, (reps, 1, 1)))


def _future_raw(series: Series, future, steps: int) -> np.ndarray | None:
    """(steps, n_future) raw known-in-advance values after the series: the user's, and the calendar's computed."""
    if not series.future:
        return None
    user = calendar_features.user_columns(series.future)
    given = future_values(dataclasses.replace(series, future=user), future, steps) if user else None
    stamps = series.future_index(steps)
    computed = (
        dict(zip(calendar_features.names(series.freq), calendar_features.values(stamps, series.freq).T))
        if (len(user) < len(series.future))
        else {}
    )
    cols = [computed[name] if name in computed else given[:, user.index(name)] for name in series.future]
    return np.stack(cols, axis=1)


def interval_frame(point, q, taus, levels, quantiles, targets, index) -> pd.DataFrame:
    """The forecast table: per target its point column, then ``-lo-L``/``-hi-L`` per level, then ``-q-P``.

    point (H, targets); q (H, targets, Q) at ``taus``.
    """
    where = {round(float(t), 10): i for i, t in enumerate(taus)}
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(targets):
        columns[name] = point[:, j]
        for level in levels:
            lo, hi = (round((1 - level / 100) / 2, 10), round(1 - (1 - level / 100) / 2, 10))
            lo_name, hi_name = level_columns(name, level)
            columns[lo_name], columns[hi_name] = q[:, j, where[lo]], q[:, j, where[hi]]
        for tau in quantiles:
            columns[quantile_column(name, tau)] = q[:, j, where[round(float(tau), 10)]]
    return pd.DataFrame(columns, index=index)


def _cut(series: Series, cfg: dict):
    """The time-ordered split of ``series`` and the window starts of each part."""
    split = make_split(len(series), series.index, cfg["test"], cfg["validation"])
    steps = get_strategy(cfg["strategy"]).model_horizon(cfg["horizon"])
    return split, part_starts(split, cfg["window"], steps, cfg["difference"])


def _split_rows(series: Series, cfg: dict):
    def rows(n: int):
        try:
            index = series.index[:n] if n <= len(series) else pd.RangeIndex(n)
            s = make_split(n, index, cfg["test"], cfg["validation"])
        except ConfigError:
            return 0, 0, 0
        return s.n_train, s.n_val, s.n_test

    return rows


class _Columns(dict):
    """``columns_``'s dict, callable for code written when ``columns_`` was a method."""

    def __call__(self) -> dict:
        return dict(self)


def _names(value) -> tuple:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return tuple(a) == tuple(b)
    return type(a) is type(b) and a == b
