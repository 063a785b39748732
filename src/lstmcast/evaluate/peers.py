"""Peers beside the model in ``evaluate(against="statsforecast")``: AutoETS, AutoARIMA and AutoTheta.

statsforecast is not a dependency of lstmcast: it is imported only here, when asked. Each peer is
fitted on the actual history up to every origin the model is scored at, and forecasts the same
horizon, one target at a time, so its row in the table is scored on exactly the model's points.
statsforecast 2.x requires pandas < 3 (``pandas<3.0.0`` in its metadata): installing it into an
environment with pandas 3 downgrades pandas to 2.x, which lstmcast supports (pandas >= 2.1).
"""

from __future__ import annotations

import numpy as np

from lstmcast.errors import ConfigError

PEERS = ("AutoETS", "AutoARIMA", "AutoTheta")
AGAINST = ("statsforecast",)
INSTALL = (
    "against='statsforecast' needs statsforecast in this environment: pip install statsforecast "
    "(it requires pandas < 3, so pip installs pandas 2.x beside it, which lstmcast supports)."
)


def check_against(against) -> tuple[str, ...]:
    """The peers asked for: () for None, PEERS for "statsforecast"; anything else refused in one line."""
    if against is None:
        return ()
    if against not in AGAINST:
        raise ConfigError(f"against={against!r} must be None or 'statsforecast'.")
    return PEERS


def peer_forecasts(y: np.ndarray, origins: np.ndarray, horizon: int, period: int) -> dict[str, np.ndarray]:
    """Each peer's forecasts (n, H, targets) from ``origins`` (n,), the last row each sees of ``y`` (rows, targets)."""
    try:
        from statsforecast import models
    except ImportError:
        raise ConfigError(INSTALL) from None
    out = {}
    for name in PEERS:
        cls = getattr(models, name)
        f = np.empty((len(origins), horizon, y.shape[1]))
        for i, o in enumerate(origins):
            for j in range(y.shape[1]):
                history = np.asarray(y[: o + 1, j], np.float64)
                f[i, :, j] = np.asarray(cls(season_length=period).forecast(y=history, h=horizon)["mean"])
        out[name] = f
    return out
