"""Settings chosen from the training data when they are left at ``"auto"``, each with its reason.

Every choice reads the training rows only (the test part never influences it) and
anything the user sets explicitly wins. The rules, in order:

* ``seasonal_period``: given, else from the frequency (monthly 12, quarterly 4,
  weekly 52, daily 7, business daily 5, hourly 24, half-hourly 48; see
  :func:`lstmcast.data.seasons.season_length`), else 1 (no calendar: pass it).
* ``log``: when every training value is positive and the spread grows with the level:
  the slope of log(spread) on log(level) over blocks of a season is at least
  ``LOG_SLOPE`` (about 1 for multiplicative series, about 0 for additive ones).
* the season is *strong* when the seasonal strength of a classical decomposition (of the
  logged series when log is on) is at least ``SEASONAL_STRENGTH``, Hyndman's nsdiffs
  threshold, and the training part holds at least three seasons plus the horizon.
* ``normalize``: ``"season"`` when there is a season (m > 1: each window relative to halfway
  between its average season and its last season, nn/scaling.py; windows shorter than a
  season fall back to ``"last"``), else ``"last"``; ``"last"`` too when ``difference=`` is
  set. On benchmarks/accuracy.py this beat seasonal differencing of strong seasons (geometric
  mean of relative MASE 0.599 vs 0.624 on 45 series) and seasonal windows for strong seasons
  only (0.627).
* ``difference``: 0 when the windows handle the season; else the seasonal lag m for a
  strong season (with ``normalize="last"`` set by you), else 0.
* ``window``: two seasons (m > 1), else twice the horizon, at least ``MIN_WINDOW``; shortened
  to half the rows left after differencing and the horizon, so there are windows to learn from.
  A global model of many series: three (``PANEL_SEASONS``).
* ``epochs``: enough to make about ``TARGET_STEPS`` optimizer steps, between ``MIN_EPOCHS``
  and ``MAX_EPOCHS`` (:func:`lstmcast.train.trainer.auto_epochs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstmcast.data.seasons import season_length, seasonal_strength, spread_slope
from lstmcast.errors import ConfigError, TooShortError

SEASON_MODES = ("season", "season-mean", "es", "mixed")  # modes that read the season inside each window

LOG_SLOPE = 0.6
SEASONAL_STRENGTH = 0.64
MIN_WINDOW = 4
# A global model pools its windows over the series, so each series can give fewer: its automatic window is three
# seasons (three horizons) where one series' is two. On the two real panels of the development set and three
# short quarterly panels (benchmarks/panel.py real quarterly, the network alone) 1.5 times the one-series window
# improved every panel's geometric mean of MASE relative to seasonal naive (0.745 -> 0.699, 0.913 -> 0.792,
# 0.463 -> 0.263, 0.453 -> 0.356, 0.505 -> 0.490); twice it gained more on the short quarterly panels and lost on
# the monthly one (0.776).
PANEL_SEASONS = 3


@dataclass(frozen=True)
class Choice:
    value: object
    reason: str

    def to_dict(self) -> dict:
        return {"value": self.value, "reason": self.reason}


def resolve(
    cfg: dict, y_train: np.ndarray, freq: str | None, loss=None, seasons: int = 2
) -> tuple[dict, dict[str, Choice]]:
    """``cfg`` with every "auto" replaced by a value, and what was chosen and why.

    y_train: (rows, targets) the target columns of the training part, original scale.
    loss: the Loss object; a count loss (negbin) fixes the settings that would shift or log counts.
    seasons: the automatic window's length in seasons (in horizons without a season): 2 for one series,
    ``PANEL_SEASONS`` for a global model of many series.
    """
    from lstmcast.train.losses import auto_settings, difference_allowed

    out = dict(cfg)
    choices: dict[str, Choice] = {}
    if loss is not None:
        for key, value in auto_settings(loss).items():
            if key == "scaler" and cfg[key] == "minmax":  # the default; counts are modelled in their own units
                out[key] = value
                choices[key] = Choice(value, f"loss={loss.name!r} models counts in their own units")
            elif cfg.get(key) == "auto":
                out[key] = value
                choices[key] = Choice(value, f"loss={loss.name!r} models counts in their own units")
        cfg = dict(out)
    horizon = cfg["horizon"]
    n = len(y_train)

    if cfg["seasonal_period"] is None:
        m = season_length(freq)
        why = f"from the frequency {freq!r}" if freq else "no calendar: pass seasonal_period= for seasonal data"
        choices["seasonal_period"] = Choice(m, why)
    else:
        m = cfg["seasonal_period"]
        if m > n:  # refused before any season-long array is built
            raise ConfigError(
                f"seasonal_period={m} is longer than the training part ({n} rows): pass a seasonal_period of at "
                f"most {n} (one season must fit in the data), or leave it out to read it from the frequency."
            )
        choices["seasonal_period"] = Choice(m, "set by you")
    out["seasonal_period"] = m

    if cfg["log"] == "auto" and "log" not in choices:
        if not np.all(y_train > 0):
            out["log"], why = False, "the training part has values <= 0"
        else:
            slopes = [spread_slope(y_train[:, j], m) for j in range(y_train.shape[1])]
            slope = min(s for s, _ in slopes)
            out["log"] = bool(slope >= LOG_SLOPE)
            grows = "grows" if out["log"] else "does not grow"
            why = f"spread {grows} with the level: slope {slope:.2f} {'>=' if out['log'] else '<'} {LOG_SLOPE}"
        choices["log"] = Choice(out["log"], why)
    elif "log" not in choices:
        choices["log"] = Choice(cfg["log"], "set by you")

    # the season's strength, on the logged series when log is on
    levels = np.log(y_train) if out["log"] else y_train
    if m <= 1:
        strong, season_why = False, "no season (seasonal_period 1)"
    elif n < 3 * m + horizon:
        strong, season_why = False, f"fewer than three seasons ({3 * m}) plus the horizon in the training part"
    else:
        strength = min(seasonal_strength(levels[:, j], m) for j in range(levels.shape[1]))
        strong = strength >= SEASONAL_STRENGTH
        season_why = f"seasonal strength {strength:.2f} {'>=' if strong else '<'} {SEASONAL_STRENGTH}"

    if cfg["normalize"] == "auto" and "normalize" not in choices:
        if cfg["difference"] not in ("auto", 0):
            out["normalize"], why = "last", "difference= is set: windows relative to their last value"
        elif m > n:
            out["normalize"], why = "last", f"seasonal period {m} is longer than the {n} training rows"
        elif m > 1:
            out["normalize"], why = "season", f"seasonal period {m}: windows relative to their average and last season"
        else:
            out["normalize"], why = "last", "no season: windows relative to their last value"
        choices["normalize"] = Choice(out["normalize"], why)
    elif "normalize" not in choices:
        choices["normalize"] = Choice(cfg["normalize"], "set by you")

    if cfg["difference"] == "auto" and "difference" not in choices:
        if out["normalize"] in SEASON_MODES and m > 1:
            out["difference"], why = 0, f"the season is handled inside the windows (normalize={out['normalize']!r})"
        else:
            out["difference"], why = (m if strong else 0), season_why
        if (
            out["difference"]
            and loss is not None
            and not difference_allowed(loss, out["difference"], horizon, cfg.get("strategy", "direct"))
        ):
            out["difference"], why = 0, f"quantiles of loss={loss.name!r} do not survive differencing beyond the lag"
        choices["difference"] = Choice(out["difference"], why)
    elif "difference" not in choices:
        choices["difference"] = Choice(cfg["difference"], "set by you")

    if cfg["window"] == "auto":
        left = n - out["difference"] - horizon  # rows a window and its targets leave for the window
        if left < 2:
            lag = f" and difference={out['difference']}" if out["difference"] else ""
            raise TooShortError(
                f"horizon={horizon}{lag} leave{'s' if not lag else ''} no rows for a window in the {n} training "
                f"rows: use a horizon of at most {n - out['difference'] - 2}, or give the series more history."
            )
        base = max(seasons * m if m > 1 else seasons * horizon, MIN_WINDOW)
        room = left // 2
        window = max(min(base, room), 1)
        times = {2: "two", 3: "three"}.get(seasons, str(seasons))
        why = f"{times} seasons" if m > 1 else f"{times} times the horizon"
        if window < base:
            why = f"half the {n - out['difference'] - horizon} rows left for windows ({why} would be {base})"
        out["window"] = window
        choices["window"] = Choice(window, why)
    else:
        choices["window"] = Choice(cfg["window"], "set by you")
    return out, choices
