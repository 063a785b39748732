"""Keras's saved variables put one to one into lstmcast's parameters.

lstmcast's parameter layout is Keras's (nn/cells.py): a recurrent layer's variables
0, 1, 2 are ``kernel`` (inputs, gates * U), ``recurrent_kernel`` (U, gates * U) and
``bias`` (LSTM (4U,), GRU ``reset_after=True`` (2, 3U)) in Keras's gate order; a Dense
layer's are ``kernel`` (inputs, units) and ``bias`` (units,). A Bidirectional layer
keeps its halves under ``forward_layer`` and ``backward_layer``, concatenated in that
order, as lstmcast's ``forward`` and ``backward``. A layer saved with
``use_bias=False`` has no bias variable; its bias is zero. Every shape comes from the
lstmcast network the configuration describes, and the file must match it exactly
(tests/test_keras_parity.py checks this mapping against Keras's predictions).
"""

from __future__ import annotations

import numpy as np

from lstmcast.errors import ModelFileError
from lstmcast.keras.archive import WEIGHTS, KerasArchive, WeightsFile
from lstmcast.keras.layers import KerasStack, Layer
from lstmcast.nn.network import NetworkSpec

RECURRENT = ("kernel", "recurrent_kernel", "bias")
DENSE = ("kernel", "bias")
BIDIRECTIONAL = {"forward": "forward_layer/", "backward": "backward_layer/"}  # lstmcast direction -> Keras's group


def read_params(archive: KerasArchive, stack: KerasStack, spec: NetworkSpec) -> dict:
    """lstmcast's parameters (one model, no members axis) from ``archive``'s weights, checked against ``spec``."""
    import jax

    from lstmcast.nn.network import init_params

    template = jax.eval_shape(lambda k: init_params(k, spec), jax.random.key(0))  # shapes only, nothing computed
    with WeightsFile(archive) as file:
        layers = []
        for i, layer in enumerate(stack.recurrent):
            halves = BIDIRECTIONAL if spec.bidirectional else {"forward": ""}
            groups = {d: f"{layer.group}/{half}cell/vars" for d, half in halves.items()}
            layers.append(
                {d: _variables(file, group, layer, RECURRENT, template["layers"][i][d]) for d, group in groups.items()}
            )
        params = {"layers": layers}
        if stack.hidden is not None:
            params["dense"] = _variables(file, f"{stack.hidden.group}/vars", stack.hidden, DENSE, template["dense"])
        params["head"] = _variables(file, f"{stack.head.group}/vars", stack.head, DENSE, template["head"])
    return jax.tree.map(jax.numpy.asarray, params)


def _variables(file: WeightsFile, group: str, layer: Layer, names: tuple[str, ...], shapes: dict) -> dict:
    """One layer's variables by name: ``group/0``, ``group/1``... in ``names`` order (no bias without use_bias)."""
    stored = names if layer.use_bias else names[:-1]
    found = file.names(group)
    expected = [str(j) for j in range(len(stored))]
    if sorted(found, key=_number) != expected:
        bias = "" if layer.use_bias else " (use_bias=False: no bias)"
        raise ModelFileError(
            f"{file.where}: {WEIGHTS} holds {len(found)} variable(s) at {group!r} for layer {layer.name!r}, "
            f"whose configuration has {len(stored)}{bias}: the file is truncated or the weights do not belong to "
            "this config.json."
        )
    out = {
        name: file.read(f"{group}/{j}", shapes[name].shape, f"the {name} of layer {layer.name!r}")
        for j, name in enumerate(stored)
    }
    if not layer.use_bias:
        out["bias"] = np.zeros(shapes["bias"].shape, np.float32)
    return out


def _number(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (1 << 30, name)
