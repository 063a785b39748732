"""The Forecaster: a scikit-learn-style estimator tying data, network and trainer.

>>> from lstmcast import Forecaster, datasets
>>> model = Forecaster(window=10, units=8, epochs=2, verbose=0)
>>> model.fit(datasets.load("sine", length=200)).predict().shape
(1, 1)
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from lstmcast.data.pipeline import check_length, fit_transforms, part_starts
from lstmcast.data.series import Series, future_index, load_series
from lstmcast.data.sources import read_source
from lstmcast.data.split import make_split
from lstmcast.data.transforms import Scaler, TargetTransform
from lstmcast.errors import ConfigError, DataError, DataFilledWarning, NotFittedError
from lstmcast.evaluate.report import Evaluation, score, seasonal_period
from lstmcast.nn.network import NetworkSpec, init_params
from lstmcast.nn.summary import format_summary
from lstmcast.train.cache import enable_compilation_cache
from lstmcast.train.config import TrainConfig
from lstmcast.train.programs import predict_windows, window_loss
from lstmcast.train.trainer import EpochCallback, train

STRATEGIES = ("direct", "recursive")


class Forecaster:
    """LSTM/GRU forecaster of one or more series.

    Parameters are stored unchanged and checked in :meth:`fit`. Defaults are the
    seed tutorial's network (one LSTM of 50 units, Adam 1e-3, MSE) with a
    window of 10, a time-ordered 80/20 train/test split and a min-max scaler
    fitted on the training part.
    """

    def __init__(
        self,
        *,
        window: int = 10,  # past steps the network reads
        horizon: int = 1,  # future steps forecast
        strategy: str = "direct",  # "direct": the head emits every step; "recursive": one step, fed back
        cell: str = "lstm",  # "lstm" or "gru"
        units: int | tuple[int, ...] = 50,  # one entry per stacked recurrent layer
        dropout: float = 0.0,  # between stacked layers
        bidirectional: bool = False,
        dense_units: int = 0,  # a hidden dense layer before the head (0: none)
        scaler: str = "minmax",  # minmax | standard | robust | none, fitted on the training part
        feature_range: tuple[float, float] = (0.0, 1.0),  # minmax only
        log: bool = False,  # forecast log(target) (positive data only)
        difference: int = 0,  # forecast differences at this lag (1, or a seasonal lag)
        test: float | int | str = 0.2,  # held-out end of the data: fraction, rows, or start timestamp
        validation: float | int | str = 0.0,  # held out before the test part, for val_loss and early stopping
        epochs: int = 50,
        batch_size: int = 32,
        steps_per_epoch: int | None = None,  # cap per epoch, each epoch a new sample of windows (huge series)
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        schedule: str = "constant",
        loss: str = "mse",
        clipnorm: float | None = None,
        patience: int | None = None,  # early stopping on val_loss (or loss without validation)
        restore_best: bool = True,
        freq: str | None = None,  # pandas frequency; inferred when None
        fill: str | None = None,  # fill NaN / missing timestamps: "interpolate" | "ffill" | "zero"
        seasonal_period: int | None = None,  # for seasonal naive and MASE; from freq when None
        seed: int = 0,  # fixes initialization, shuffling and dropout
        verbose: int = 0,  # 0 silent, 1 progress bar, 2 one line per epoch
    ) -> None:
        for name, value in locals().items():
            if name != "self":
                setattr(self, name, value)

    # -- parameters ---------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict:
        """The constructor arguments, as given (JSON-friendly)."""
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def __repr__(self) -> str:
        defaults = {p: v.default for p, v in inspect.signature(type(self).__init__).parameters.items() if p != "self"}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v != _jsonable(defaults[k])]
        return f"Forecaster({', '.join(changed)})"

    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            steps_per_epoch=self.steps_per_epoch,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            schedule=self.schedule,
            loss=self.loss,
            clipnorm=self.clipnorm,
            patience=self.patience,
            restore_best=self.restore_best,
        )

    def _check_params(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError.choice("strategy", self.strategy, STRATEGIES)
        for name in ("window", "horizon"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ConfigError.positive(name, value)
        if self.verbose not in (0, 1, 2):
            raise ConfigError(f"verbose={self.verbose!r} must be 0 (silent), 1 (progress bar) or 2 (a line per epoch).")
        if not isinstance(self.seed, (int, np.integer)):
            raise ConfigError(f"seed={self.seed!r} must be an integer.")

    # -- fitting -------------------------------------------------------------
    def fit(self, data, target=None, time=None, features=None, on_epoch_end: EpochCallback | None = None) -> Forecaster:
        """Validate ``data``, split it in time order, fit the transforms on the training part and train.

        data: CSV/Parquet path, pandas Series/DataFrame or NumPy array.
        target: column(s) to forecast; time: the time column; features: extra input columns (or "all").
        """
        self._check_params()
        enable_compilation_cache()  # before the first JAX op, so initialization is cached too
        cfg = self._train_config()
        target_tf = TargetTransform(log=self.log, lag=self.difference)
        series = load_series(data, target=target, time=time, features=features, freq=self.freq, fill=self.fill)
        if series.filled:
            counts = ", ".join(f"{n} {what}" for what, n in series.filled.items())
            warnings.warn(f"fill={self.fill!r} filled: {counts}.", DataFilledWarning, stacklevel=2)
        split, starts = self._cut(series)
        steps = self._model_horizon()
        check_length(series, split, starts, self.window, steps, target_tf.lag, self._split_rows(series))
        transforms = fit_transforms(series, split.train_end, Scaler(self.scaler, tuple(self.feature_range)), target_tf)
        spec = NetworkSpec(
            cell=self.cell,
            units=self.units,
            n_inputs=len(series.columns),
            window=self.window,
            horizon=steps,
            n_targets=series.n_targets,
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            dense_units=self.dense_units,
        )
        values = transforms.to_model_space(series.values)  # (rows, columns)
        init_key, train_key = jax.random.split(jax.random.key(int(self.seed)))
        params = init_params(init_key, spec)
        callback = on_epoch_end if on_epoch_end is not None else _reporter(self.verbose)
        params, history = train(
            params,
            spec,
            cfg,
            values,
            values[:, : series.n_targets],
            starts["train"],
            train_key,
            val_starts=starts["validation"],
            on_epoch_end=callback,
        )
        if getattr(callback, "progress", None) is not None:
            callback.progress.stop()  # early stopping or Ctrl-C ended training before the last epoch
        self.spec_, self.params_, self.history_ = spec, params, history
        self.transforms_, self.series_, self.split_, self.starts_ = transforms, series, split, starts
        self.values_ = values
        self.n_rows_, self.first_index_ = len(series), series.index[0]
        return self

    def save(self, path) -> Path:
        """Write the model to folder ``path``: safetensors weights + a checksummed JSON document."""
        from lstmcast.io.saving import save

        return save(self, path)

    @classmethod
    def load(cls, path) -> Forecaster:
        """A model saved with :meth:`save`; it predicts bit-identically."""
        from lstmcast.io.saving import load

        return load(path)

    def _model_horizon(self) -> int:
        """Steps the network emits: the horizon (direct) or one (recursive)."""
        return self.horizon if self.strategy == "direct" else 1

    def _cut(self, series: Series):
        """The time-ordered split of ``series`` and the window starts of each part."""
        split = make_split(len(series), series.index, self.test, self.validation)
        return split, part_starts(split, self.window, self._model_horizon(), self.difference)

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
        split, _ = self._cut(series)
        return series, self.transforms_.to_model_space(series.values), split

    def _split_rows(self, series: Series):
        def rows(n: int):
            try:
                s = make_split(
                    n, series.index[:n] if n <= len(series) else pd.RangeIndex(n), self.test, self.validation
                )
            except ConfigError:
                return 0, 0, 0
            return s.n_train, s.n_val, s.n_test

        return rows

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError()

    @property
    def n_params_(self) -> int:
        self._check_fitted()
        return int(sum(np.size(a) for a in jax.tree.leaves(self.params_)))

    def summary(self) -> str:
        """Keras-style layer table."""
        self._check_fitted()
        return format_summary(self.spec_)

    # -- forecasting ---------------------------------------------------------
    def _paths(self, values: np.ndarray, raw_targets: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Original-scale forecasts (n, H, targets) for windows at ``starts``, each from actual history."""
        pred = np.asarray(predict_windows(self.params_, self.spec_, values, starts), np.float64)
        origins = starts + self.window - 1
        return self.transforms_.to_original(pred, self.transforms_.history_levels(raw_targets, origins))

    def _recursive(self, values: np.ndarray, starts: np.ndarray, horizon: int, future: np.ndarray | None):
        """Feed one-step forecasts back in, for every window at once.

        values: (rows, columns) model space; future: (n, horizon, features) model-space
        feature values over each forecast, or None without features.
        Returns (n, horizon, targets) in model space.
        """
        k = self.transforms_.n_targets
        windows = values[starts[:, None] + np.arange(self.window)]  # (n, window, columns)
        n, w, c = windows.shape
        flat_starts = np.arange(n, dtype=np.int32) * w  # window b starts at row b * w of the stacked windows
        steps = []
        for h in range(horizon):
            z = np.asarray(predict_windows(self.params_, self.spec_, windows.reshape(n * w, c), flat_starts))[:, 0]
            steps.append(z)  # (n, targets)
            row = np.empty((n, 1, c), np.float32)
            row[:, 0, :k] = z
            if c > k:
                row[:, 0, k:] = future[:, h]
            windows = np.concatenate([windows[:, 1:], row], axis=1)
        return np.stack(steps, axis=1)  # (n, horizon, targets)

    def predict(self, horizon: int | None = None, data=None, future=None) -> pd.DataFrame:
        """Forecast ``horizon`` steps after the end of the data, on the original scale.

        data: newer history in the training schema (a model in production); by
        default the data the model was fitted on. future: for ``recursive`` with
        input features, their values over the horizon (DataFrame or array).
        Returns a DataFrame indexed by the future timestamps, one column per target.
        """
        self._check_fitted()
        horizon = self.horizon if horizon is None else horizon
        if not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ConfigError.positive("horizon", horizon)
        series = self._history(data)
        values = self.transforms_.to_model_space(series.values)
        raw_targets = series.values[:, : series.n_targets]
        if self.strategy == "direct":
            if horizon > self.spec_.horizon:
                raise ConfigError(
                    f"horizon={horizon} is longer than the horizon={self.spec_.horizon} this direct model was trained "
                    "for: refit with a longer horizon, or use strategy='recursive'."
                )
            start = np.array([len(series) - self.window], np.int32)
            out = self._paths(values, raw_targets, start)[:, :horizon]
        else:
            start = np.array([len(series) - self.window], np.int32)
            feats = self._future_features(series, future, horizon)
            z = self._recursive(values, start, horizon, None if feats is None else feats[None])
            out = self.transforms_.to_original(z, self.transforms_.history_levels(raw_targets, start + self.window - 1))
        index = future_index(series.index, series.freq, horizon)
        return pd.DataFrame(out[0], index=index, columns=list(series.targets))

    def _history(self, data) -> Series:
        if data is None:
            return self.series_
        s = self.series_
        frame = read_source(data)
        time = s.time_name if s.time_name in frame.columns else None  # else in the index, or row steps
        series = load_series(
            frame, target=list(s.targets), time=time, features=list(s.features) or None, freq=s.freq, fill=self.fill
        )
        need = self.window + self.transforms_.target.lag
        if len(series) < need:
            raise DataError(f"predicting needs the last {need} rows (window + difference), got {len(series)}.")
        return series

    def _future_features(self, series: Series, future, horizon: int) -> np.ndarray | None:
        if not series.features:
            return None
        if future is None:
            raise DataError(
                f"strategy='recursive' with input features {list(series.features)} needs their future values: "
                f"pass future= a table with those columns for the {horizon} forecast steps."
            )
        frame = (
            future
            if isinstance(future, pd.DataFrame)
            else pd.DataFrame(np.asarray(future), columns=list(series.features))
        )
        missing = [c for c in series.features if c not in frame.columns]
        if missing or len(frame) < horizon:
            raise DataError(
                f"future= must hold columns {list(series.features)} for {horizon} steps; "
                f"missing columns {missing}, got {len(frame)} rows."
            )
        raw = np.zeros((horizon, len(series.columns)))
        raw[:, series.n_targets :] = frame[list(series.features)].to_numpy(np.float64)[:horizon]
        return self.transforms_.scaler.transform(raw)[:, series.n_targets :].astype(np.float32)

    def actual(self, data=None) -> pd.DataFrame:
        """The target columns on the original scale, of the fitted data or of ``data``, time-indexed."""
        self._check_fitted()
        s = self.series_ if data is None else self._history(data)
        return pd.DataFrame(s.values[:, : s.n_targets], index=s.index, columns=list(s.targets))

    def predict_in_sample(self, data=None) -> pd.DataFrame:
        """One-step-ahead forecasts over the train, validation and test windows, on the original scale.

        data: another series in the training schema (the model is not refitted).
        Columns: ``<target>`` (actual), ``<target>_pred``, and ``part``.
        """
        self._check_fitted()
        s, values, split = self._data_parts(data)
        frames = []
        for part, starts in part_starts(split, self.window, 1, self.transforms_.target.first_row).items():
            if len(starts) == 0:
                continue
            pred = self._paths(values, s.values[:, : s.n_targets], starts)[:, 0]  # (n, targets)
            rows = starts + self.window
            frame = pd.DataFrame(s.values[rows, : s.n_targets], index=s.index[rows], columns=list(s.targets))
            for j, name in enumerate(s.targets):
                frame[f"{name}_pred"] = pred[:, j]
            frame["part"] = part
            frames.append(frame)
        return pd.concat(frames)

    # -- evaluation ----------------------------------------------------------
    def evaluate(self, data=None, part: str = "test", warn: bool = True) -> Evaluation:
        """Metrics of the ``test`` (or ``validation``) windows on the original scale, with baselines.

        data: score another series in the training schema, cut by the same
        ``test``/``validation`` settings (the model is not refitted).
        Every forecast of the part's windows is scored over the full horizon;
        ``scaled_mse`` is the MSE on the scaled data (what Keras's ``evaluate``
        prints as the test loss).
        """
        self._check_fitted()
        if part not in ("test", "validation"):
            raise ConfigError.choice("part", part, ("test", "validation"))
        # windows whose whole horizon lies in the part (recursive models train on one step)
        s, values, split = self._data_parts(data)
        starts = part_starts(split, self.window, self.horizon, self.transforms_.target.first_row)[part]
        if len(starts) == 0:
            raise DataError(f"the {part} part holds no window: fit with {part}= set (e.g. {part}=0.2).")
        raw = s.values[:, : s.n_targets]
        origins = starts + self.window - 1
        pred = self.forecast_at(values, raw, starts)
        scaled = window_loss(self.params_, self.spec_, "mse", values, values[:, : s.n_targets], starts)
        period = seasonal_period(s.freq, self.seasonal_period)
        return score(raw, origins, pred, split.train_end, period, scaled_mse=scaled, warn=warn)

    def backtest(
        self, data, target=None, time=None, features=None, folds: int = 3, step: int | None = None, refit=True
    ):
        """Rolling-origin backtest of this configuration on ``data`` (see :mod:`lstmcast.evaluate.backtest`).

        refit: True (every fold), False (fit once, predict all folds in one batched call) or k (every k folds).
        """
        from lstmcast.evaluate.backtest import run_backtest

        return run_backtest(
            self, data, target=target, time=time, features=features, folds=folds, step=step, refit=refit
        )

    def forecast_at(self, values: np.ndarray, raw_targets: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Original-scale forecasts (n, horizon, targets) of the windows at ``starts``, in one batched call.

        values: (rows, columns) in model space; raw_targets: (rows, targets) original.
        Recursive models read their input features' future values from ``values``.
        """
        origins = starts + self.window - 1
        if self.strategy == "direct":
            return self._paths(values, raw_targets, starts)[:, : self.horizon]
        k, h = self.transforms_.n_targets, self.horizon
        future = values[origins[:, None] + 1 + np.arange(h), k:] if values.shape[1] > k else None  # (n, H, features)
        z = self._recursive(values, starts, h, future)
        return self.transforms_.to_original(z, self.transforms_.history_levels(raw_targets, origins))


def _jsonable(v):
    return list(v) if isinstance(v, tuple) else v


def _reporter(verbose: int) -> EpochCallback | None:
    if verbose == 0:
        return None
    from lstmcast.train.progress import epoch_printer

    return epoch_printer(verbose)
