"""A layer table like Keras's ``model.summary()``."""

from __future__ import annotations

from dataclasses import dataclass

from lstmcast.nn.cells import count_params
from lstmcast.nn.network import NetworkSpec


@dataclass(frozen=True)
class LayerRow:
    name: str  # "lstm", "lstm_1", "bidirectional", "dense"
    kind: str  # "LSTM", "GRU", "Bidirectional(LSTM)", "Dense"
    output_shape: tuple  # (None, ...) like Keras
    params: int


def layer_rows(spec: NetworkSpec) -> list[LayerRow]:
    """One row per layer, with Keras's names, output shapes and parameter counts."""
    rows: list[LayerRow] = []
    width = spec.n_inputs
    cell_name = spec.cell.upper()
    n_dir = len(spec.directions)
    for i, units in enumerate(spec.units):
        last = i == len(spec.units) - 1
        out_width = units * n_dir
        shape = (None, out_width) if last else (None, spec.window, out_width)
        params = count_params(spec.cell, width, units) * n_dir
        base = "bidirectional" if spec.bidirectional else spec.cell
        kind = f"Bidirectional({cell_name})" if spec.bidirectional else cell_name
        rows.append(LayerRow(_numbered(base, i), kind, shape, params))
        width = out_width
    dense_index = 0
    if spec.dense_units:
        rows.append(LayerRow("dense", "Dense", (None, spec.dense_units), (width + 1) * spec.dense_units))
        width = spec.dense_units
        dense_index = 1
    rows.append(
        LayerRow(_numbered("dense", dense_index), "Dense", (None, spec.n_outputs), (width + 1) * spec.n_outputs)
    )
    return rows


def _numbered(base: str, i: int) -> str:
    return base if i == 0 else f"{base}_{i}"


def total_params(spec: NetworkSpec) -> int:
    return sum(r.params for r in layer_rows(spec))


def format_summary(spec: NetworkSpec) -> str:
    """Plain-text summary, laid out like Keras's (the first column widens for long layer names)."""
    rows = layer_rows(spec)
    total = total_params(spec)
    labels = [f"{r.name} ({r.kind})" for r in rows]
    name_w = max(28, max(len(label) for label in labels) + 2)
    width = name_w + 24 + 13
    out = ["_" * width, f"{'Layer (type)':<{name_w}}{'Output Shape':<24}{'Param #':>13}", "=" * width]
    for label, r in zip(labels, rows):
        out.append(f"{label:<{name_w}}{str(r.output_shape):<24}{r.params:>13,}")
    out += [
        "=" * width,
        f"Total params: {total:,} ({total * 4 / 1024:.2f} KB)",
        f"Trainable params: {total:,}",
        "_" * width,
    ]
    return "\n".join(out)
