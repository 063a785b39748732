"""The declared losses and heads: each loss's name, kind and head, each head's width and label, without JAX.

The parameter table (``loss=`` choices), the network's summary and its head check
(:mod:`lstmcast.nn.heads`), the loss objects (:mod:`lstmcast.train.losses`, which must implement
every name declared here) and the saved-model checks read these declarations instead of keeping
name lists or widths of their own. Like :mod:`lstmcast.cell_table`, this module imports nothing
heavy, so ``lstmcast --help`` does not start JAX to list the losses.

>>> [n for n, d in LOSSES.items() if d.kind == "distribution"]
['normal', 'studentt', 'negbin']
>>> HEADS["studentt"].width, HEADS["quantile"].width
(3, None)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeadDeclaration:
    """What the network's last dense layer emits per target and step."""

    name: str
    width: int | None  # outputs per target and step; None: any (one per quantile level, or a plain Dense)
    label: str | None  # the summary's name for its output constraint; None: the Dense layer's outputs as they are
    unshifted: bool = False  # its windows must be divided by their level and never shifted (a positive mean)


@dataclass(frozen=True)
class LossDeclaration:
    name: str  # the value of loss=
    kind: str  # "point" | "quantile" | "distribution": which intervals and refusals apply
    head: str  # the head it trains (HEADS)
    counts: bool = False  # it models non-negative whole numbers in their own units (settings forced, whole quantiles)


HEADS: dict[str, HeadDeclaration] = {
    d.name: d
    for d in (
        HeadDeclaration("point", None, None),
        HeadDeclaration("quantile", None, "MonotoneQuantiles"),
        HeadDeclaration("normal", 2, "Normal"),
        HeadDeclaration("studentt", 3, "StudentT"),
        HeadDeclaration("negbin", 2, "NegativeBinomial", unshifted=True),
    )
}
LOSSES: dict[str, LossDeclaration] = {
    d.name: d
    for d in (
        LossDeclaration("mse", "point", "point"),
        LossDeclaration("mae", "point", "point"),
        LossDeclaration("huber", "point", "point"),
        LossDeclaration("quantile", "quantile", "quantile"),
        LossDeclaration("normal", "distribution", "normal"),
        LossDeclaration("studentt", "distribution", "studentt"),
        LossDeclaration("negbin", "distribution", "negbin", counts=True),
    )
}
NAMES = tuple(LOSSES)


def named(kind: str) -> tuple[str, ...]:
    """The losses of one kind, in declaration order: ``named("point") == ("mse", "mae", "huber")``."""
    return tuple(n for n, d in LOSSES.items() if d.kind == kind)
