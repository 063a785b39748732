"""A Keras Sequential configuration read as an lstmcast network, or refused with the layer and option named.

lstmcast's network (nn/network.py) is one kind of recurrent cell stacked one or more
times (each layer optionally bidirectional), an optional hidden ``Dense`` with ReLU
and a linear ``Dense`` head. The Keras models that are exactly this import:

    [InputLayer] -> LSTM | GRU | Bidirectional(LSTM | GRU), repeated (return_sequences on all but the last)
                 -> [Dense(n, activation="relu")] -> Dense(outputs)        (Dropout layers anywhere before the head)

Everything else is refused by :func:`parse_stack` with a ConfigError naming the layer
and what lstmcast cannot do: another layer class (``Conv1D``, ``Lambda``, ``Masking``,
a custom class...), or an option that changes what the layer computes
(``stateful``, ``go_backwards``, ``return_state``, activations other than Keras's
defaults, ``GRU(reset_after=False)``, a non-linear head, a dtype policy other than
float32, quantized or LoRA weights). Options that matter only when training
(``dropout``, regularizers, constraints, initializers, ``unroll``) are accepted and unused.

Keras stores each layer's variables under a name made from its class, not its own
``name``: ``layers/lstm``, ``layers/lstm_1``, ``layers/dense``... in the order of the
layers (:func:`weights_names`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lstmcast.cell_table import DECLARED
from lstmcast.errors import ConfigError

CELLS = {d.keras_class: name for name, d in DECLARED.items() if d.keras_class}  # Keras class -> cell=
SUPPORTED = ("InputLayer", "LSTM", "GRU", "Bidirectional", "Dropout", "Dense")
HINTS = {  # why a layer class is refused, where a plain "is not supported" says too little
    "Lambda": "holds Python code (stored as bytecode), which lstmcast never runs",
    "Masking": "masks time steps, and lstmcast reads every step of a window",
}
RECURRENT_DEFAULTS = {"activation": "tanh", "recurrent_activation": "sigmoid"}
RECURRENT_OFF = ("return_state", "stateful", "go_backwards", "time_major")  # each must be false (time_major: Keras 2)


@dataclass(frozen=True)
class Layer:
    """One layer with weights: its Keras name (messages), its weights group, its width and whether it has a bias."""

    name: str
    group: str  # in model.weights.h5, e.g. "layers/lstm_1" or "layers/bidirectional"
    units: int
    use_bias: bool = True


@dataclass(frozen=True)
class KerasStack:
    """The network a Keras configuration describes, in lstmcast's terms."""

    window: int | None  # the input's time steps (None: any length)
    n_inputs: int  # input columns per step
    cell: str  # "lstm" | "gru"
    bidirectional: bool
    recurrent: tuple[Layer, ...]
    hidden: Layer | None  # Dense(relu) before the head
    head: Layer
    dropout: float  # the largest Dropout rate (training only: kept for refitting in lstmcast)

    @property
    def units(self) -> tuple[int, ...]:
        return tuple(layer.units for layer in self.recurrent)


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: how a layer class names its weights group (``Conv1D`` -> ``conv1d``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def weights_names(classes: list[str]) -> list[str]:
    """The weights group of each layer of a Sequential model (InputLayer excluded), as Keras 3 saves them."""
    used: dict[str, int] = {}
    out = []
    for cls in classes:
        base = snake_case(cls)
        used[base] = used.get(base, -1) + 1
        out.append(f"layers/{base}" if used[base] == 0 else f"layers/{base}_{used[base]}")
    return out


class _Refuse(Exception):
    """A layer lstmcast cannot represent: (layer name, class, the reason)."""


def parse_stack(config: dict, where: str = "model.keras") -> KerasStack:
    """The lstmcast network of a ``config.json``, or ConfigError naming the layer and the option at fault."""
    if not isinstance(config, dict):
        raise ConfigError(f"{where}: config.json is not a Keras model configuration.")
    kind = config.get("class_name")
    if kind in ("Functional", "Model"):
        raise ConfigError(
            f"{where} is a functional Keras model; lstmcast imports Sequential models: rebuild it as "
            "keras.Sequential([keras.Input(shape), *model.layers[1:]]) and save that."
        )
    if kind != "Sequential" or not _from_keras(config.get("module", "keras")):
        raise ConfigError(
            f"{where} holds a model of class {_show(kind)}; lstmcast imports keras.Sequential models of "
            f"{', '.join(SUPPORTED[1:])} layers."
        )
    body = config.get("config")
    layers = body.get("layers") if isinstance(body, dict) else None
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise ConfigError(f"{where}: config.json has no list of layers; save the model with model.save in Keras 3.")
    try:
        shape = None
        if layers and layers[0].get("class_name") == "InputLayer":
            shape = _input_shape(layers[0])
            layers = layers[1:]
        if shape is None:
            shape = body.get("build_input_shape") or (config.get("build_config") or {}).get("input_shape")
        if not any(layer.get("class_name") in CELLS or layer.get("class_name") == "Bidirectional" for layer in layers):
            unsupported = [layer for layer in layers if layer.get("class_name") not in SUPPORTED]
            if unsupported:  # name the foreign layer rather than the missing recurrent one
                _check_class(unsupported[0], str((unsupported[0].get("config") or {}).get("name", "?")))
            raise ConfigError(f"{where} has no LSTM or GRU layer: lstmcast imports recurrent networks.")
        return _stack(layers, _checked_shape(shape, where))
    except _Refuse as exc:
        name, cls, reason = exc.args
        raise ConfigError(f"{where}: layer {name!r} ({cls}) {reason}.") from None


def _stack(layers: list[dict], shape: tuple[int | None, int]) -> KerasStack:
    groups = weights_names([str(layer.get("class_name")) for layer in layers])
    recurrent: list[tuple[Layer, str, bool, bool]] = []  # (layer, cell, bidirectional, return_sequences)
    dense: list[tuple[Layer, str]] = []  # (layer, activation)
    rates: list[float] = []
    for i, (layer, group) in enumerate(zip(layers, groups)):
        cls, cfg = layer.get("class_name"), layer.get("config")
        name = cfg.get("name", f"layer {i}") if isinstance(cfg, dict) else f"layer {i}"
        _check_class(layer, name)
        _check_dtype(cfg, name, cls)
        if cls == "InputLayer":
            raise _Refuse(name, cls, "comes after other layers: a Sequential model has one input, first")
        if cls == "Dropout":
            rate = cfg.get("rate", 0.0)
            if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate < 1.0:
                raise _Refuse(name, cls, f"has rate={_show(rate)}: a dropout rate is a number in [0, 1)")
            rates.append(float(rate))
            continue
        if cls == "Dense":
            if not recurrent:
                raise _Refuse(name, cls, "comes before any LSTM or GRU layer: lstmcast's network starts recurrent")
            dense.append((_dense(cfg, name, group), str(cfg.get("activation") or "linear")))
            continue
        if dense:
            raise _Refuse(name, cls, "comes after a Dense layer: lstmcast's dense layers come after the recurrent ones")
        cell, bidirectional, sequences, unit = _recurrent(cls, cfg, name, group)
        if recurrent:
            before, before_cell, before_bi, before_seq = recurrent[-1]
            if cell != before_cell or bidirectional != before_bi:
                was = f"{'Bidirectional ' if before_bi else ''}{before_cell.upper()}"
                raise _Refuse(
                    name, cls, f"differs from the {was} layer before it: lstmcast stacks one kind of recurrent layer"
                )
            if not before_seq:
                needs = "feeds another recurrent layer: it needs return_sequences=True"
                raise _Refuse(before.name, "return_sequences=False", needs)
        recurrent.append((unit, cell, bidirectional, sequences))
    last, cell, bidirectional, sequences = recurrent[-1]
    if sequences:
        raise _Refuse(
            last.name,
            "return_sequences=True",
            "is the last recurrent layer and returns every time step: lstmcast's head reads the last state only; "
            "save it with return_sequences=False",
        )
    if not dense or layers[-1].get("class_name") != "Dense":
        final = layers[-1].get("config", {}).get("name", "?") if layers else "?"
        raise _Refuse(
            final, str(layers[-1].get("class_name")), "ends the model: it must end with a Dense layer (the forecast)"
        )
    if len(dense) > 2:
        raise _Refuse(dense[1][0].name, "Dense", "is a second hidden Dense layer: lstmcast has at most one")
    head, activation = dense[-1]
    if activation != "linear":
        raise _Refuse(
            head.name, "Dense", f"has activation={activation!r}: the forecast layer must be linear (activation=None)"
        )
    hidden = None
    if len(dense) == 2:
        hidden, activation = dense[0]
        if activation != "relu":
            raise _Refuse(
                hidden.name, "Dense", f"has activation={activation!r}: lstmcast's hidden Dense layer uses 'relu'"
            )
    return KerasStack(
        window=shape[0],
        n_inputs=shape[1],
        cell=cell,
        bidirectional=bidirectional,
        recurrent=tuple(r[0] for r in recurrent),
        hidden=hidden,
        head=head,
        dropout=max(rates, default=0.0),
    )


def _check_class(layer: dict, name: str) -> None:
    cls, module = layer.get("class_name"), layer.get("module")
    if module is not None and not _from_keras(module):
        raise _Refuse(name, f"{module}.{cls}", "is a custom layer class: lstmcast never runs code from a model file")
    if cls not in SUPPORTED:
        why = HINTS.get(cls, "is not supported")
        raise _Refuse(name, cls, f"{why}: lstmcast imports {', '.join(SUPPORTED[1:])} layers (plus InputLayer)")
    if not isinstance(layer.get("config"), dict):
        raise _Refuse(name, cls, "has no configuration object")


def _from_keras(module) -> bool:
    """Whether a configuration's ``module`` is Keras's own (``keras``, ``keras.layers``, ``keras.src...``)."""
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def _check_dtype(cfg: dict, name: str, cls) -> None:
    """A layer must compute in float32 (a dtype policy such as mixed_float16 gives other numbers)."""
    dtype = cfg.get("dtype", "float32")
    inner = dtype.get("config") if isinstance(dtype, dict) else None
    policy = inner.get("name") if isinstance(inner, dict) else dtype
    if policy not in (None, "float32"):
        raise _Refuse(name, cls, f"has dtype policy {policy!r}: lstmcast computes in float32; save a float32 model")


def _recurrent(cls: str, cfg: dict, name: str, group: str) -> tuple[str, bool, bool, Layer]:
    """(cell, bidirectional, return_sequences, layer) of an LSTM, GRU or Bidirectional layer."""
    if cls != "Bidirectional":
        _check_cell(cls, cfg, name)
        unit = Layer(name, group, _units(cfg, name, cls), bool(cfg.get("use_bias", True)))
        return CELLS[cls], False, bool(cfg.get("return_sequences", False)), unit
    if cfg.get("merge_mode", "concat") != "concat":
        raise _Refuse(
            name, cls, f"has merge_mode={cfg.get('merge_mode')!r}: lstmcast concatenates the two directions ('concat')"
        )
    inner = cfg.get("layer")
    if not isinstance(inner, dict) or inner.get("class_name") not in CELLS or not isinstance(inner.get("config"), dict):
        wrapped = inner.get("class_name") if isinstance(inner, dict) else None
        raise _Refuse(name, cls, f"wraps {_show(wrapped)}: lstmcast reads Bidirectional(LSTM) or Bidirectional(GRU)")
    inner_cls, forward = inner["class_name"], inner["config"]
    _check_class(inner, name)
    _check_cell(inner_cls, forward, name)
    backward = cfg.get("backward_layer")
    if backward is not None:
        if not isinstance(backward, dict) or not isinstance(backward.get("config"), dict):
            raise _Refuse(name, cls, "has a backward_layer without a configuration")
        _check_class(backward, name)
        back = backward["config"]
        _check_cell(backward.get("class_name"), {**back, "go_backwards": False}, name)
        if not back.get("go_backwards", True):
            raise _Refuse(name, cls, "has a backward_layer with go_backwards=False: it would read forward too")
        for key in ("units", "use_bias", "return_sequences"):
            if backward.get("class_name") != inner_cls or back.get(key) != forward.get(key):
                raise _Refuse(
                    name, cls, f"has a backward_layer unlike its forward layer ({key}): lstmcast mirrors one layer"
                )
    unit = Layer(name, group, _units(forward, name, cls), bool(forward.get("use_bias", True)))
    return CELLS[inner_cls], True, bool(forward.get("return_sequences", False)), unit


def _check_cell(cls, cfg: dict, name: str) -> None:
    if cls not in CELLS:
        raise _Refuse(name, cls, "is not an LSTM or GRU layer")
    for key, default in RECURRENT_DEFAULTS.items():
        if cfg.get(key, default) != default:
            raise _Refuse(
                name, cls, f"has {key}={cfg.get(key)!r}: lstmcast's {cls} uses Keras's default {key}={default!r}"
            )
    for key in RECURRENT_OFF:
        if cfg.get(key):
            raise _Refuse(name, cls, f"has {key}=True, which lstmcast does not support: save it with {key}=False")
    if cls == "GRU" and not cfg.get("reset_after", True):
        raise _Refuse(
            name, cls, "has reset_after=False: lstmcast's GRU is Keras's default reset_after=True (cuDNN-compatible)"
        )


def _dense(cfg: dict, name: str, group: str) -> Layer:
    for key in ("lora_rank", "quantization_config"):
        if cfg.get(key):
            raise _Refuse(name, "Dense", f"has {key}={cfg[key]!r}: lstmcast reads plain float32 Dense weights")
    return Layer(name, group, _units(cfg, name, "Dense"), bool(cfg.get("use_bias", True)))


def _units(cfg: dict, name: str, cls: str) -> int:
    units = cfg.get("units")
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise _Refuse(name, cls, f"has units={units!r}: it must be a positive integer")
    return units


def _input_shape(layer: dict):
    """(batch, window, columns) of an InputLayer (Keras 3: batch_shape; Keras 2: batch_input_shape)."""
    cfg = layer.get("config") if isinstance(layer.get("config"), dict) else {}
    _check_dtype(cfg, cfg.get("name", "input"), "InputLayer")
    return cfg.get("batch_shape", cfg.get("batch_input_shape"))


def _checked_shape(shape, where: str) -> tuple[int | None, int]:
    """(window or None, input columns) from the model's input shape (batch, window, columns)."""
    if not isinstance(shape, list) or len(shape) != 3:
        raise ConfigError(
            f"{where}: the model's input shape is {_show(shape)}, not (batch, window, columns): build it with "
            "keras.Input((window, columns)) as its first layer and save it again."
        )
    _, window, columns = shape
    if not isinstance(columns, int) or columns < 1:
        raise ConfigError(f"{where}: the model's input has {_show(columns)} columns per step; it must be fixed.")
    if window is not None and (not isinstance(window, int) or window < 1):
        raise ConfigError(f"{where}: the model's input window is {_show(window)}; it must be a positive length.")
    return window, columns


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
