"""Settings chosen from the training data when they are left at ``"auto"``, each with its reason.

Every choice reads the training rows only (the test part never influences it) and
anything the user sets explicitly wins. The rules, in order:

* ``seasonal_period``: given, else from the frequency (monthly 12, quarterly 4,
  weekly 52, daily 7, business daily 5, hourly 24, half-hourly 48; see
  :func:`lstmcast.data.seasons.season_length`), else 1 (no calendar: pass it).
* ``log``: when every training value is positive and the spread grows with the level:
  the slope of log(spread) on log(level) over blocks of a season is at least
  ``LOG_SLOPE`` (about 1 for multiplicative series, about 0 for additive ones).
* ``difference``: the seasonal lag m when the season is strong -- seasonal strength of a
  classical decomposition (of the logged series when log is on) at least
  ``SEASONAL_STRENGTH``, Hyndman's nsdiffs threshold -- and the training part holds at
  least three seasons plus the horizon; else 0.
* ``window``: two seasons (m > 1), else twice the horizon, at least ``MIN_WINDOW``; shortened
  to half the rows left after differencing and the horizon, so there are windows to learn from.
* ``epochs``: enough to make about ``TARGET_STEPS`` optimizer steps, between ``MIN_EPOCHS``
  and ``MAX_EPOCHS`` (:func:`lstmcast.train.trainer.auto_epochs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.data.seasons import season_length, seasonal_strength, spread_slope

LOG_SLOPE = 0.6
SEASONAL_STRENGTH = 0.64
MIN_WINDOW = 4


@dataclass(frozen=True)
class Choice:
    value: object
    reason: str

    def to_dict(self) -> dict:
        return {"value": self.value, "reason": self.reason}


def resolve(cfg: dict, y_train: np.ndarray, freq: str | None) -> tuple[dict, dict[str, Choice]]:
    """``cfg`` with every "auto" replaced by a value, and what was chosen and why.

    y_train: (rows, targets) the target columns of the training part, original scale.
    """
    out = dict(cfg)
    choices: dict[str, Choice] = {}
    horizon = cfg["horizon"]
    n = len(y_train)

    if cfg["seasonal_period"] is None:
        m = season_length(freq)
        why = f"from the frequency {freq!r}" if freq else "no calendar: pass seasonal_period= for seasonal data"
        choices["seasonal_period"] = Choice(m, why)
    else:
        m = cfg["seasonal_period"]
        choices["seasonal_period"] = Choice(m, "set by you")
    out["seasonal_period"] = m

    if cfg["log"] == "auto":
        if not np.all(y_train > 0):
            out["log"], why = False, "the training part has values <= 0"
        else:
            slopes = [spread_slope(y_train[:, j], m) for j in range(y_train.shape[1])]
            slope = min(s for s, _ in slopes)
            out["log"] = bool(slope >= LOG_SLOPE)
            why = f"spread grows with the level: slope {slope:.2f} {'>=' if out['log'] else '<'} {LOG_SLOPE}"
        choices["log"] = Choice(out["log"], why)
    else:
        choices["log"] = Choice(cfg["log"], "set by you")

    if cfg["difference"] == "auto":
        levels = np.log(y_train) if out["log"] else y_train
        if m <= 1:
            out["difference"], why = 0, "no season (seasonal_period 1)"
        elif n < 3 * m + horizon:
            out["difference"], why = 0, f"fewer than three seasons ({3 * m}) plus the horizon in the training part"
        else:
            strength = min(seasonal_strength(levels[:, j], m) for j in range(levels.shape[1]))
            strong = strength >= SEASONAL_STRENGTH
            out["difference"] = m if strong else 0
            why = f"seasonal strength {strength:.2f} {'>=' if strong else '<'} {SEASONAL_STRENGTH}"
        choices["difference"] = Choice(out["difference"], why)
    else:
        choices["difference"] = Choice(cfg["difference"], "set by you")

    if cfg["window"] == "auto":
        base = max(2 * m if m > 1 else 2 * horizon, MIN_WINDOW)
        room = (n - out["difference"] - horizon) // 2
        window = max(min(base, room), 1)
        why = "two seasons" if m > 1 else "twice the horizon"
        if window < base:
            why = f"half the {n - out['difference'] - horizon} rows left for windows ({why} would be {base})"
        out["window"] = window
        choices["window"] = Choice(window, why)
    else:
        choices["window"] = Choice(cfg["window"], "set by you")
    return out, choices
