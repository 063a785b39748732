"""The Forecaster: a scikit-learn-style estimator tying data, network and trainer.

Its methods are the public face and say which data goes where; the work is done below it: the
estimator protocol in :mod:`lstmcast.estimator`, the fit of one series in
:mod:`lstmcast.series_model` (many: :mod:`lstmcast.global_model`), forecasts in
:mod:`lstmcast.forecasting` (many: :mod:`lstmcast.global_forecast`), intervals in
:mod:`lstmcast.calibration`, scores in :mod:`lstmcast.evaluation`, the saved state in
:mod:`lstmcast.io`, pictures in :mod:`lstmcast.plot.model`.

>>> from lstmcast import Forecaster, datasets
>>> model = Forecaster(window=10, units=8, epochs=2, ensemble=1, verbose=0)
>>> model.fit(datasets.load("sine", length=200)).predict().shape
(1, 1)
"""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pandas as pd

from lstmcast import calibration, evaluation, forecasting, roles
from lstmcast.data import calendar_features
from lstmcast.data.panel import Panel
from lstmcast.data.panel_load import load_panel, many_series
from lstmcast.data.series import load_series
from lstmcast.data.sources import reading
from lstmcast.errors import ConfigError, DataFilledWarning
from lstmcast.estimator import Estimator, parameter_doc
from lstmcast.evaluate.report import Evaluation
from lstmcast.fitting import loss_space
from lstmcast.nn.summary import Summary, format_summary
from lstmcast.series_model import fit_series, split_series
from lstmcast.strategies import get_strategy
from lstmcast.train.programs import members_of
from lstmcast.train.trainer import EpochCallback
from lstmcast.uncertainty.head_quantiles import SAMPLES


class Forecaster(Estimator):
    """LSTM/GRU forecaster of one or more series.

    Parameters are stored unchanged and checked in :meth:`fit`. The list below is generated from the
    one parameter table (:mod:`lstmcast.params`), so the defaults shown are the ones used.
    """

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
        The column roles (:mod:`lstmcast.roles`; the same keywords in ``backtest``, ``cross_validation``
        and ``tune``, the options ``--target``... of the command line and the config file's keys):

        {roles}

        A table with the columns ``unique_id``, ``ds`` and ``y`` (Nixtla's convention) is read as a long
        table of many series with no arguments; ``predict()`` then returns a long table ``<id>, <time>,
        <targets>``. Roles of many series only (id, static) are refused for one series.

        Ctrl-C keeps the best weights so far (``history_.interrupted``), or raises
        TrainingInterrupted before one epoch finished; a NaN or infinite loss raises
        TrainingDivergedError; a network too large for this machine raises ConfigError before it
        is built (:mod:`lstmcast.resources`). On any error the model is left as it was.

        shards: ``"process"`` in a ``jax.distributed`` run: ``data`` is a folder of Parquet partitioned by
        id (or a list of Parquet files) and each process reads only its share (:mod:`lstmcast.sharded_fit`);
        a number, in one process, runs the same global batches over that many shards.
        """
        columns = roles.columns_of(target=target, id=id, time=time, features=features, future=future, static=static)
        if shards is not None:
            from lstmcast.sharded_fit import fit_sharded

            return fit_sharded(self, data, **columns, shards=shards, on_epoch_end=on_epoch_end)
        cfg = self._checked()
        if isinstance(data, Panel):  # already loaded (lstmcast.data.panel.load_panel)
            from lstmcast.global_model import fit_panel

            fit_panel(self, data, cfg, on_epoch_end)
            return self
        if many_series(data, **columns):
            from lstmcast.global_model import fit_panel

            panel = load_panel(data, **columns, freq=cfg["freq"], fill=cfg["fill"], **reading(cfg))
            fit_panel(self, panel, cfg, on_epoch_end)
            return self
        strategy = get_strategy(cfg["strategy"])
        strategy.check_roles(**roles.many_series_only(columns))
        series = load_series(data, **roles.one_series(columns), freq=cfg["freq"], fill=cfg["fill"], **reading(cfg))
        if cfg["calendar"]:
            series = calendar_features.add_to_series(series)
        strategy.check_roles(features=series.features, future=series.future)
        if series.filled:
            counts = ", ".join(f"{n} {what}" for what, n in series.filled.items())
            warnings.warn(f"fill={cfg['fill']!r} filled: {counts}.", DataFilledWarning, stacklevel=2)
        return fit_series(self, series, cfg, on_epoch_end)

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
        sizes: list[int] = [np.size(a) for a in jax.tree.leaves(self.params_)]
        return int(sum(sizes))

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

        The save is atomic. ``path`` may be absent or an empty folder; an earlier lstmcast model there is
        replaced only with ``overwrite=True`` (``lstmcast train --out`` replaces one by itself), and
        anything else is refused (see :func:`lstmcast.io.saving.save`).
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
            model.split_, model.starts_ = split_series(model.series_, model.config_)
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
        Intervals are conformal (:meth:`calibrate`: in a combined fit, else called once) for point losses, the
        head's own for quantile and distribution losses. samples: sample paths per ensemble
        member behind a recursive distribution model's quantiles (default ``SAMPLES``).
        Returns a DataFrame indexed by the future timestamps, one column per target plus the
        interval and quantile columns.
        """
        return forecasting.predict(self, horizon, data, future, level, quantiles, samples)

    def sample_paths(self, samples: int = 100, horizon: int | None = None, data=None, future=None) -> pd.DataFrame:
        """Draws of the next ``horizon`` steps from a distribution or quantile model, on the original scale.

        Recursive models: sample paths, each step drawn given the path's own earlier draws
        (ancestral sampling), so sums and maxima over the horizon are meaningful. Direct models:
        each step drawn from its own distribution, independently of the others. ``samples``
        paths per ensemble member, from the model's ``seed``: the same call gives the same draws.
        Returns a long table: ``sample``, the time column, one column per target (many series: ``sample``,
        the id column, the time column, the targets; each series' draws from its own history).
        """
        return forecasting.sample_paths(self, samples, horizon, data, future)

    def make_future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """The table to fill with the ``future=`` covariates for ``predict(future=...)``.

        Many series: a long table ``<id>, <time>, <future columns>`` of every series' next
        ``horizon`` timestamps; one series: those timestamps as the index. Covariate columns
        are NaN, to be filled with the values known in advance.
        """
        return forecasting.make_future_frame(self, horizon)

    # -- uncertainty ---------------------------------------------------------
    def calibrate(self) -> Forecaster:
        """Calibrate conformal prediction intervals (:mod:`lstmcast.uncertainty.conformal`); returns self.

        A copy of the model (same settings) trains on the training rows before the newest
        ones and forecasts from each of those; its errors are the conformal scores
        (``calibration_``). A combined fit (``combine=True``, the default for point losses; many series: up to
        ``COMBINE_SERIES`` of them) and ``lstmcast train`` calibrate already, and a calibrated model is returned
        as it is; otherwise call this once before ``predict(level=...)``, which never
        trains (it raises :class:`~lstmcast.errors.NotCalibratedError`). Saving keeps the scores.
        Those forecasts are of rows the copy never saw, so they are also scored beside the
        naive baselines on the original scale (``holdout_``, an Evaluation; not saved): an honest
        score of the configuration even when ``test=0``. Costs about one more fit. Series too
        short to set rows aside use the errors of the naive forecast over the history instead
        (wider than the model's own, never optimistic; ``choices_["intervals"]`` says which;
        ``holdout_`` is then None).
        """
        return calibration.calibrate(self)

    def forecast_intervals(self, values, raw_targets, starts, horizon, taus, samples: int = SAMPLES):
        """(point (n, H, targets), quantiles (n, H, targets, Q)) of the windows at ``starts``.

        taus: (Q,) sorted quantile levels. Point losses: conformal quantiles around the point
        forecast (:meth:`calibrate` runs first if needed). Quantile and distribution losses: the
        head's own quantiles (direct) or ``SAMPLES`` sample paths per member (recursive).
        """
        return forecasting.forecast_intervals(self, values, raw_targets, starts, horizon, taus, samples)

    def actual(self, data=None) -> pd.DataFrame:
        """The target columns on the original scale, of the fitted data or of ``data``, time-indexed
        (many series: a long table ``<id>, <time>, <targets>``)."""
        return forecasting.actual(self, data)

    def predict_in_sample(self, data=None) -> pd.DataFrame:
        """One-step-ahead forecasts over the train, validation and test windows, on the original scale.

        data: another series in the training schema (the model is not refitted).
        Columns: ``<target>`` (actual), ``<target>_pred``, and ``part``.
        """
        return forecasting.predict_in_sample(self, data)

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
        from lstmcast.plot.model import plot_model  # matplotlib only when drawing

        return plot_model(self, kind, path, data, horizon, future, level, last)

    # -- evaluation ----------------------------------------------------------
    def evaluate(self, data=None, part: str = "test", warn: bool = True, level=None, against=None) -> Evaluation:
        """Metrics of the ``test`` (or ``validation``) windows on the original scale, with baselines.

        data: score another series in the training schema, cut by the same
        ``test``/``validation`` settings (the model is not refitted).
        Every forecast of the part's windows is scored over the full horizon;
        ``scaled_mse`` is the loss's MSE on the scaled data (what Keras's
        ``evaluate`` prints as the test loss): the network's, so None for a combined forecast.
        level: also score prediction intervals (e.g. ``[80, 95]``): coverage, width, MSIS,
        pinball and scaled CRPS beside seasonal naive's intervals (``.intervals``), and the
        calibration table (``.calibration``).
        against: ``"statsforecast"`` adds AutoETS, AutoARIMA and AutoTheta rows, each fitted up to every
        origin the model is scored at (statsforecast must be installed; :mod:`lstmcast.evaluate.peers`).
        """
        return evaluation.evaluate_model(self, data, part, warn, level, against)

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
        columns = roles.columns_of(target=target, id=id, time=time, features=features, future=future, static=static)
        return evaluation.backtest(self, data, columns, folds, step, refit, level)

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
        columns = roles.columns_of(target=target, id=id, time=time, features=features, future=future, static=static)
        return evaluation.cross_validation(self, df, columns, h, n_windows, step_size, refit, level)

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
        static=None,
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

        columns = roles.columns_of(target=target, id=id, time=time, features=features, future=future, static=static)
        return tune(
            self, data, columns, n_trials=n_trials, space=space, metric=metric, folds=folds, refit=refit, seed=seed
        )

    def forecast_at(self, values: np.ndarray, raw_targets: np.ndarray, starts: np.ndarray, horizon=None) -> np.ndarray:
        """Original-scale forecasts (n, horizon, targets) of the windows at ``starts``, in one batched call.

        values: (rows, columns) in model space; raw_targets: (rows, targets) original.
        Covariates known in advance are read from the rows after each window. An ensemble's
        forecast is the median of its members' forecasts on the original scale.
        """
        return forecasting.forecast_at(self, values, raw_targets, starts, horizon)

    def history_rows_(self) -> int:
        """Rows a forecast reads: the window plus the differencing lag, and the combination's context."""
        self._check_fitted()
        rows = self.config_["window"] + self.transforms_.target.lag
        combination = getattr(self, "combination_", None)
        return rows if combination is None else max(rows, combination.context)


Forecaster.__doc__ = (Forecaster.__doc__ or "").rstrip() + "\n" + parameter_doc()
Forecaster.fit.__doc__ = Forecaster.fit.__doc__.replace("{roles}", roles.doc_lines(indent=" " * 8).lstrip())


class _Columns(dict):
    """``columns_``'s dict, callable for code written when ``columns_`` was a method."""

    def __call__(self) -> dict:
        return dict(self)
