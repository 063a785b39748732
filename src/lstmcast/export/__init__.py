"""Exporting a fitted model for other runtimes: ONNX (``Forecaster.to_onnx``, ``lstmcast export``).

The graph (:mod:`lstmcast.export.onnx_graph`) takes the raw newest rows of the series and returns
the original-scale forecast; what it cannot express is described in the JSON written beside it
(:mod:`lstmcast.export.sidecar`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lstmcast.errors import ConfigError, OverwriteError

__all__ = ["to_onnx"]


def to_onnx(model, path, overwrite: bool = False) -> Path:
    """Write ``model``'s forecast as an ONNX graph at ``path`` (``.onnx``) and its description beside it
    (``<path>.json``); returns ``path``.

    Existing files are replaced only with ``overwrite=True``; both are written atomically (a
    temporary sibling renamed into place, never through a link). Refuses (ConfigError) models the graph
    cannot express: many series, quantile and distribution losses.
    """
    try:
        import onnx
    except ImportError:
        raise ConfigError("ONNX export needs the onnx package: pip install 'lstmcast[onnx]'.") from None
    from lstmcast.export.onnx_graph import build_graph, check_exportable
    from lstmcast.export.sidecar import describe, sidecar_name
    from lstmcast.io.files import check_output_path, write_file

    target = Path(path)
    if target.suffix.lower() != ".onnx":
        raise ConfigError(f"the ONNX file {str(target)!r} must end in .onnx, e.g. {target.stem or 'model'}.onnx.")
    sidecar = target.with_name(sidecar_name(target.name))
    check_exportable(model)
    for p in (target, sidecar):  # before any work: nothing is written unless both may be
        if os.path.lexists(p) and not p.is_dir() and not overwrite:
            raise OverwriteError(
                f"refusing to overwrite {str(p)!r}: it already exists; pass overwrite=True (--overwrite) to "
                "replace it, or choose another path."
            )
        check_output_path(p, overwrite=True)  # never a folder
    graph = build_graph(model)
    info = describe(model, target.name)
    text = json.dumps(info, indent=2)
    onnx.helper.set_model_props(graph, {"lstmcast": text})
    onnx.checker.check_model(graph)
    write_file(target, lambda tmp: tmp.write_bytes(graph.SerializeToString()))
    write_file(sidecar, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    return target
