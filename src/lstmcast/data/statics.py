"""Static attributes of many series as network inputs: one fitted encoding, repeated over each series' rows.

Numeric attributes are standardized over the series, categorical ones become integer codes
(1.. in sorted order, 0 for a category never seen in training, the network embeds them).
:func:`with_statics` puts each series' encoded attributes into its model-space rows after the
past-only features (``NetworkSpec.static_at``); the encoding is saved with the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmcast.errors import ConfigError


@dataclass(frozen=True)
class StaticEncoding:
    """How a panel's static attributes reach the network: numeric ones standardized over the series,
    categorical ones as integer codes (1.. in sorted order; 0 for a category never seen in training)."""

    numeric: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    categorical: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]

    @classmethod
    def fit(cls, panel) -> StaticEncoding | None:
        if panel.static is None:
            return None
        table = panel.static
        numeric = tuple(c for c in table.columns if c not in panel.static_categorical)
        values = table[list(numeric)].to_numpy(np.float64) if numeric else np.zeros((len(table), 0))
        std = values.std(axis=0)
        return cls(
            numeric,
            tuple(float(v) for v in values.mean(axis=0)),
            tuple(float(v) if v > 0 else 1.0 for v in std),
            tuple(panel.static_categorical),
            tuple(tuple(sorted(set(table[c]))) for c in panel.static_categorical),
        )

    @property
    def names(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    @property
    def n_numeric(self) -> int:
        return len(self.numeric)

    @property
    def cards(self) -> tuple[int, ...]:
        return tuple(len(c) + 1 for c in self.categories)  # + the unknown category, code 0

    @property
    def width(self) -> int:
        return len(self.numeric) + len(self.categorical)

    def encode(self, static: pd.DataFrame) -> np.ndarray:
        """(S, width) float32: standardized numeric attributes, then category codes."""
        missing = [c for c in self.names if c not in static.columns]
        if missing:
            raise ConfigError(f"the data lacks the static column(s) {missing} the model was trained with.")
        cols = [(static[c].to_numpy(np.float64) - m) / s for c, m, s in zip(self.numeric, self.mean, self.std)]
        for c, cats in zip(self.categorical, self.categories):
            where = {v: i + 1 for i, v in enumerate(cats)}
            codes = np.array([where.get(str(v), 0) for v in static[c]], np.float64)
            if not codes.all():
                _warn_unseen(c, sorted({str(v) for v, code in zip(static[c], codes) if code == 0}))
            cols.append(codes)
        return np.stack(cols, axis=1).astype(np.float32) if cols else np.zeros((len(static), 0), np.float32)

    def to_dict(self) -> dict:
        return {
            "numeric": list(self.numeric),
            "mean": list(self.mean),
            "std": list(self.std),
            "categorical": list(self.categorical),
            "categories": [list(c) for c in self.categories],
        }

    @classmethod
    def from_dict(cls, d: dict) -> StaticEncoding:
        return cls(
            tuple(d["numeric"]),
            tuple(float(v) for v in d["mean"]),
            tuple(float(v) for v in d["std"]),
            tuple(d["categorical"]),
            tuple(tuple(str(v) for v in c) for c in d["categories"]),
        )


def with_statics(values: np.ndarray, panel, encoding: StaticEncoding | None, encoded=None) -> np.ndarray:
    """Model-space rows (rows, columns) with each series' encoded attributes inserted after the past-only
    features, constant over its rows (NetworkSpec.static_at). ``encoded`` (S, width): already encoded
    (a loaded model keeps them), else from ``panel.static``."""
    if encoding is None:
        return values
    if encoded is None:
        if panel.static is None:
            raise ConfigError(f"the data lacks the static column(s) {list(encoding.names)} the model was trained with.")
        encoded = encoding.encode(panel.static)
    at = panel.n_targets + len(panel.features)
    rows = np.repeat(np.asarray(encoded, np.float32), panel.lengths, axis=0)  # (rows, width)
    return np.concatenate([values[:, :at], rows, values[:, at:]], axis=1).astype(np.float32)


def _warn_unseen(column: str, values: list[str]) -> None:
    import warnings

    from lstmcast.errors import UnseenCategoryWarning

    shown = ", ".join(repr(v) for v in values[:3]) + (f" and {len(values) - 3} more" if len(values) > 3 else "")
    warnings.warn(
        f"static column {column!r}: {shown} never appeared in training, so those series are forecast as of no "
        "known category (the embedding of unseen values); refit with them to learn theirs.",
        UnseenCategoryWarning,
        stacklevel=3,
    )
