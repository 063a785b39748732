"""Multi-step strategies: what the network emits, which column roles it can use, how a forecast is made.

* ``direct``: the head emits every step of the horizon at once. It reads past-only
  covariates (``features=``) inside the window, and the values of covariates known
  in advance (``future=``) over the whole horizon reach the head.
* ``recursive``: the network forecasts one step, which is fed back as the newest
  input ``horizon`` times, inside one compiled ``lax.scan``. Each fed-back row
  needs every input column at that future step, so only covariates known in
  advance can be inputs; past-only covariates are refused (their realised future
  values would leak into the forecast).

Static attributes (``static=``) describe each of many series; one series has
nothing to learn from a constant, so no strategy takes them yet.

Arrays here are in model space: ``values`` (rows, targets + features + future),
forecasts (n, horizon, targets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.errors import ConfigError
from lstmcast.nn.network import NetworkSpec
from lstmcast.train.losses import Loss
from lstmcast.train.programs import predict_recursive, predict_windows

ROLES = ("features", "future", "static")


@dataclass(frozen=True)
class Strategy:
    name: str
    roles: frozenset  # the covariate roles it can use
    one_step: bool  # the network emits one step (fed back) instead of the whole horizon

    def model_horizon(self, horizon: int) -> int:
        """Steps the network emits."""
        return 1 if self.one_step else horizon

    def check_roles(self, features=(), future=(), static=()) -> None:
        """The one place a strategy refuses a column role it cannot use."""
        if static:
            raise ConfigError(
                f"static={list(static)!r}: static attributes describe each of many series, and this model "
                "forecasts one table of series sharing every row; leave static= out."
            )
        if features and "features" not in self.roles:
            raise ConfigError(
                f"strategy={self.name!r} cannot use past-only features {list(features)!r}: forecasting step by "
                "step needs their values after the forecast origin, which are unknown. Pass columns whose future "
                "values you know as future=[...], or use strategy='direct'."
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


STRATEGIES = {
    "direct": Strategy("direct", frozenset({"features", "future"}), one_step=False),
    "recursive": Strategy("recursive", frozenset({"future"}), one_step=True),
}


def get_strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise ConfigError.choice("strategy", name, tuple(STRATEGIES))
    return STRATEGIES[name]
