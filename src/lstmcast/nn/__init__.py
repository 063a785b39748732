"""Recurrent networks as pure functions of (params, inputs)."""

from lstmcast.nn.network import NetworkSpec, apply, init_params
from lstmcast.nn.summary import format_summary, layer_rows, total_params

__all__ = ["NetworkSpec", "apply", "init_params", "format_summary", "layer_rows", "total_params"]
