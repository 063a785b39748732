"""An explanation of a forecast drawn: attribution per lag and forecast step, and per input column."""

from __future__ import annotations

import numpy as np

from lstmcast.errors import ColumnError
from lstmcast.plot.figure import Figure, finish


def plot_explanation(explanation, path=None, target=None, window: int = 0, title: str | None = None):
    """An :class:`~lstmcast.explain.Explanation` drawn: attribution per lag and forecast step (a heat map, the
    columns summed) and per input column (bars, one group per step). Returns the Figure, or the path written."""
    targets = list(explanation.targets)
    target = targets[0] if target is None else target
    if target not in targets:
        raise ColumnError(f"target={target!r} is not a forecast target: use one of {targets!r}.")
    by_lag = explanation.by_lag(window).xs(target, level="target")  # (steps, lags)
    by_column = explanation.by_column(window).xs(target, level="target")  # (steps, columns)
    fig = Figure(figsize=(12, 4.2))
    heat, bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    limit = float(np.abs(by_lag.to_numpy()).max()) or 1.0
    image = heat.imshow(by_lag.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    heat.set_xticks(range(by_lag.shape[1]), by_lag.columns, rotation=90, fontsize="small")
    heat.set_yticks(range(by_lag.shape[0]), [f"step {s}" for s in by_lag.index], fontsize="small")
    heat.set_title("by lag (inputs summed)")
    fig.colorbar(image, ax=heat, label=f"attribution ({explanation.space} scale)")
    steps, names = by_column.index.tolist(), list(by_column.columns)
    width = 0.8 / max(len(steps), 1)
    for i, step in enumerate(steps):
        bars.barh(np.arange(len(names)) + i * width, by_column.loc[step].to_numpy(), height=width, label=f"step {step}")
    bars.set_yticks(np.arange(len(names)) + 0.4 - width / 2, names, fontsize="small")
    bars.axvline(0.0, color="0.5", lw=0.8)
    bars.set_title("by input (lags summed)")
    if len(steps) <= 12:
        bars.legend(fontsize="x-small", loc="best")
    f, b = (
        explanation.forecast[window, 0, targets.index(target)],
        explanation.baseline[window, 0, targets.index(target)],
    )
    default = f"{target}: step 1 forecast {f:.4g} = baseline {b:.4g} + attributions ({explanation.space} scale)"
    fig.suptitle(default if title is None else title)
    return finish(fig, path)
