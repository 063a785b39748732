"""The declared recurrent cells: each cell's name, layout and mappings, in one place and without JAX.

The parameter table (``cell=`` choices and the tuning space), the memory check before allocation,
the ONNX exporter and the Keras importer read these declarations instead of keeping name lists of
their own; :mod:`lstmcast.nn.cells` attaches each cell's step (and fast layer) to its declaration.
This module imports nothing heavy, so ``lstmcast --help`` does not start JAX to list the cells.

A cell without an ONNX operator or a Keras class is refused by export or import by capability,
with a message that names the cells that have one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellDeclaration:
    """What every part of lstmcast needs to know about a cell besides its arithmetic."""

    name: str  # the value of cell=, e.g. "lstm"
    label: str  # the Keras layer name in summaries, e.g. "LSTM"
    gates: int  # blocks of U columns in the kernels
    bias_rows: int  # 1: one bias (gates*U,); 2: input and recurrent biases (2, gates*U)
    n_states: int  # arrays in the recurrent carry (LSTM: h and c)
    forget_bias: bool = False  # Keras's unit_forget_bias: gate block 1 starts at 1
    cudnn: bool = False  # cuDNN's fused kernel can run a stack of these (nn/cudnn.py)
    onnx_operator: str | None = None  # the ONNX operator, or None: export refuses the cell
    onnx_gates: tuple[int, ...] | None = None  # Keras's gate blocks in the ONNX operator's order
    keras_class: str | None = None  # the Keras layer class imported as this cell, or None


DECLARED: dict[str, CellDeclaration] = {
    d.name: d
    for d in (
        CellDeclaration(
            "lstm",
            "LSTM",
            4,
            1,
            2,
            forget_bias=True,
            cudnn=True,
            onnx_operator="LSTM",
            onnx_gates=(0, 3, 1, 2),
            keras_class="LSTM",
        ),
        CellDeclaration("gru", "GRU", 3, 2, 1, onnx_operator="GRU", onnx_gates=(0, 1, 2), keras_class="GRU"),
    )
}
NAMES = tuple(DECLARED)
