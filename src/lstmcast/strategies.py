"""Multi-step strategies: what the network emits, which column roles it can use, how a forecast is made.

* ``direct``: the head emits every step of the horizon at once. It reads past-only
  covariates (``features=``) inside the window, and the values of covariates known
  in advance (``future=``) over the whole horizon reach the head.
* ``recursive``: the network forecasts one step, which is fed back as the newest
  input ``horizon`` times, inside one compiled ``lax.scan``. Each fed-back row
  needs every input column at that future step, so only covariates known in
  advance can be inputs; past-only covariates are refused (their realised future
  values would leak into the forecast).

Which covariates each strategy reads is derived from the column-role table
(:mod:`lstmcast.roles`): direct reads them all, recursive those known in advance
(``future=``, ``static=``). Static attributes describe each of many series; one
series has nothing to learn from a constant, so they are refused there.

Arrays here are in model space: ``values`` (rows, targets + features + future),
forecasts (n, horizon, targets). With a quantile or distribution head a forecast also
has quantiles (``forecast_quantiles``: closed form for direct, from sample paths for
recursive) and draws (``forecast_samples``: sample paths for recursive, each step's own
distribution for direct).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.data.columns import given_names
from lstmcast.errors import ConfigError
from lstmcast.nn.network import NetworkSpec
from lstmcast.roles import ROLES, readable_at_every_step
from lstmcast.train.losses import Loss
from lstmcast.train.programs import predict_recursive, predict_windows, sample_paths, sample_windows


@dataclass(frozen=True)
class Strategy:
    name: str
    roles: frozenset  # the covariate roles it can read (lstmcast.roles.readable_at_every_step)
    one_step: bool  # the network emits one step (fed back) instead of the whole horizon

    def model_horizon(self, horizon: int) -> int:
        """Steps the network emits."""
        return 1 if self.one_step else horizon

    def check_roles(self, many_series: bool = False, **given) -> None:
        """The one place a column role is refused: ``given`` maps role names to their columns (one name or a list).

        Which roles a strategy reads, and which need many series, come from the role table
        (:mod:`lstmcast.roles`).
        """
        for name, columns in given.items():
            role, columns = ROLES[name], list(given_names(columns))  # one name or a list
            if not columns or not role.covariate:
                continue
            if role.many_series and not many_series:
                raise ConfigError(
                    f"{name}={columns!r}: {role.noun} describe each of many series, and this model forecasts "
                    f"one table of series sharing every row; leave {name}= out, or pass id= the series id "
                    "column of a long table."
                )
            if name not in self.roles:
                raise ConfigError(
                    f"strategy={self.name!r} cannot use {role.noun} {columns!r}: forecasting step by "
                    "step needs their values after the forecast origin, which are unknown. Pass columns whose "
                    "future values you know as future=[...], or use strategy='direct'."
                )

    def forecast(self, params, spec: NetworkSpec, loss: Loss, values: np.ndarray, starts: np.ndarray, horizon: int):
        """Model-space forecasts (members, n, horizon, targets) of the windows at ``starts``.

        ``values`` holds, in the rows after each window, the covariates known in advance
        over its horizon (the realised values in evaluation, the user's in a forecast).
        """
        if self.one_step:
            return np.asarray(predict_recursive(params, spec, loss, values, starts, horizon), np.float64)
        out = predict_windows(params, spec, values, starts)  # (members, n, H, targets, outputs)
        return np.asarray(loss.point(out), np.float64)[:, :, :horizon]

    def forecast_quantiles(
        self, params, spec: NetworkSpec, loss: Loss, values, starts, horizon: int, taus, key=None, samples: int = 200
    ) -> np.ndarray:
        """Model-space quantiles (members, n, horizon, targets, Q) at levels ``taus`` (Q,) of the windows at ``starts``.

        direct: in closed form from each step's emitted quantiles or distribution (``loss.quantiles``);
        ``key`` and ``samples`` are not used. recursive: the empirical quantiles of ``samples`` sample
        paths drawn with ``key`` (required). Only monotone per-step transforms map these to quantiles
        of the original scale; undo differencing on :meth:`forecast_samples`' paths instead.
        """
        _check_head(spec, loss)
        if self.one_step:
            if key is None:
                raise ConfigError("recursive quantiles are estimated from sample paths: pass key=jax.random.key(seed).")
            levels = np.atleast_1d(np.asarray(taus, np.float64))
            loss.quantiles(np.ones((1, loss.n_outputs)), levels)  # the direct strategy's checks of the levels
            paths = self.forecast_samples(params, spec, loss, values, starts, horizon, key, samples)
            method = "inverted_cdf" if loss.counts else "linear"  # counts stay whole numbers
            return np.moveaxis(np.quantile(paths, levels, axis=2, method=method), 0, -1)
        out = np.asarray(predict_windows(params, spec, values, starts))[:, :, :horizon]  # (members, n, h, k, outputs)
        return loss.quantiles(out, taus)

    def forecast_samples(
        self, params, spec: NetworkSpec, loss: Loss, values, starts, horizon: int, key, samples: int = 200
    ) -> np.ndarray:
        """Model-space draws (members, n, samples, horizon, targets) for the windows at ``starts``.

        recursive: sample paths, each feeding its own draws back (ancestral sampling, one compiled
        ``lax.scan``); a quantile head draws by inverse CDF, levels beyond its outer quantiles giving
        those quantiles. direct: each step drawn independently from its own distribution, so the
        per-step marginals are right but nothing ties the steps of one path together. ``key``
        fixes every draw; a window's draws do not depend on the other windows in the call.
        """
        _check_head(spec, loss)
        if self.one_step:
            out = sample_paths(params, spec, loss, values, starts, horizon, key, samples)
        else:
            out = sample_windows(params, spec, loss, values, starts, key, samples)[:, :, :, :horizon]
        return np.asarray(out, np.float64)


STRATEGIES = {
    "direct": Strategy("direct", readable_at_every_step(one_step=False), one_step=False),
    "recursive": Strategy("recursive", readable_at_every_step(one_step=True), one_step=True),
}


def _check_head(spec: NetworkSpec, loss: Loss) -> None:
    if spec.head != loss.head or spec.n_outputs != loss.n_outputs:
        raise ConfigError(
            f"the network's head ({spec.head!r}, {spec.n_outputs} outputs) does not match loss={loss.name!r} "
            f"({loss.head!r}, {loss.n_outputs} outputs): build it with head=loss.head, n_outputs=loss.n_outputs."
        )


def get_strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise ConfigError.choice("strategy", name, tuple(STRATEGIES))
    return STRATEGIES[name]
