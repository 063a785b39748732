"""The Keras files of tests/fixtures/keras_files, imported as their test files do (one helper, shared)."""

import json
from pathlib import Path

from lstmcast.keras import from_keras

FIXTURES = Path(__file__).parent / "fixtures" / "keras_files"
META = json.loads((FIXTURES / "keras_files.json").read_text())
HISTORY = FIXTURES / "history.csv"


def imported(name: str, data=HISTORY, **kw):
    """Fixture ``name`` imported on ``data`` with the min-max statistics it was trained with (``kw`` overrides)."""
    m = META["models"][name]
    args = {
        "features": m["columns"][1:] or None,
        "scaler": "minmax",
        "data_min": m["data_min"],
        "data_max": m["data_max"],
    }
    return from_keras(FIXTURES / f"{name}.keras", data, target="y", time="ds", **{**args, **kw})
