"""A small builder of ONNX graphs: nodes with unique names, constants as initializers, and the few
multi-input operators (Slice, Unsqueeze, TopK) spelled once.

Every tensor is named by a string; each method adds nodes and returns the name of its output.
Equal constants are stored once, so a network unrolled over a recursive horizon keeps one copy of
its weights.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

OPSET = 17  # ONNX 1.12 (2022): every operator used here, read by onnxruntime 1.12 and later
IR_VERSION = 8  # the IR version of opset 17, for runtimes older than the installed onnx package


class GraphBuilder:
    """Nodes and initializers of one graph, named ``<op>_<n>`` in the order they are added."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0
        self._consts: dict[tuple, str] = {}  # equal constants share one initializer (a member's weights per step)

    def _name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, value, dtype=np.float32, stem: str = "const") -> str:
        """A constant tensor (an initializer) holding ``value`` as ``dtype``; equal ones are stored once."""
        array = np.ascontiguousarray(value, dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            self._consts[key] = name = self._name(stem)
            self.initializers.append(numpy_helper.from_array(array, name))
        return self._consts[key]

    def ints(self, values) -> str:
        return self.const(np.asarray(values, np.int64), np.int64, "ints")

    def op(self, op_type: str, *inputs: str, **attrs) -> str:
        """One node with one output; returns the output's name."""
        return self.op_n(op_type, list(inputs), 1, **attrs)[0]

    def op_n(self, op_type: str, inputs: list[str], n_outputs: int, skip=(), **attrs) -> list[str]:
        """One node with ``n_outputs`` outputs; those numbered in ``skip`` are left out ("")."""
        name = self._name(op_type.lower())
        outputs = ["" if i in skip else f"{name}_out{i}" for i in range(n_outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name, **attrs))
        return outputs

    def take(self, x: str, axis: int, start: int, end: int) -> str:
        """``x[..., start:end, ...]`` along ``axis`` (static bounds)."""
        return self.op("Slice", x, self.ints([start]), self.ints([end]), self.ints([axis]))

    def unsqueeze(self, x: str, axis: int) -> str:
        return self.op("Unsqueeze", x, self.ints([axis]))

    def reshape(self, x: str, shape) -> str:
        """Reshape; 0 keeps that dimension (the batch), -1 is inferred."""
        return self.op("Reshape", x, self.ints(shape))

    def mean(self, x: str, axis: int) -> str:
        """Mean over ``axis``, kept as a dimension of 1 (ReduceMean's axes are an attribute at opset 17)."""
        return self.op("ReduceMean", x, axes=[axis], keepdims=1)

    def cast(self, x: str, dtype) -> str:
        return self.op("Cast", x, to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def concat(self, parts: list[str], axis: int) -> str:
        return parts[0] if len(parts) == 1 else self.op("Concat", *parts, axis=axis)

    def alias(self, x: str, name: str) -> str:
        """Give tensor ``x`` the graph-level name ``name`` (an Identity node), e.g. for a graph output."""
        self.nodes.append(helper.make_node("Identity", [x], [name], name=f"{name}_identity"))
        return name

    def model(self, inputs, outputs, name: str, doc: str, metadata: dict[str, str]) -> onnx.ModelProto:
        """The finished model: ``inputs``/``outputs`` are ValueInfoProtos of the graph's own tensors."""
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers, doc_string=doc)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="lstmcast", doc_string=doc
        )
        model.ir_version = IR_VERSION
        helper.set_model_props(model, metadata)
        return model
