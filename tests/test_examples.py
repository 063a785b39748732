"""The example notebooks run from top to bottom, so they cannot rot.

As in tests/test_readme.py, the models train less here than as written: a first cell, added for the
test only, caps ``epochs`` at MAX_EPOCHS (the temperature notebook's 100 epochs at batch size 1 and
the stock notebook's 30 took most of the time), trains ``epochs="auto"`` for a tenth of its step budget,
and fits one member instead of an ensemble (each ensemble size compiles programs of its own, and a
cold suite is compile-bound); every cell still runs as written.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).parents[1] / "examples"
MAX_EPOCHS = 2
MAX_MEMBERS = 1  # ensemble members (ensembles are the unit tests' business; here each size compiles anew)
FEWER_EPOCHS = f"""
import lstmcast.fitting
import lstmcast.train.trainer
from lstmcast.estimator import Estimator

lstmcast.train.trainer.TARGET_STEPS = 50  # epochs="auto": 50 steps, not 500
lstmcast.fitting.COPY_STEPS, lstmcast.fitting.FINE_TUNE_STEPS = 25, 13  # not 250 + 125

_checked = Estimator._checked

def _fewer_epochs(model):
    model.ensemble = min(model.ensemble, {MAX_MEMBERS})
    cfg = _checked(model)
    if cfg["epochs"] != "auto":
        cfg["epochs"] = min(cfg["epochs"], {MAX_EPOCHS})
    return cfg

Estimator._checked = _fewer_epochs
"""


@pytest.mark.parametrize("name", ["temperature.ipynb", "stock.ipynb"])
def test_notebook_executes(name, tmp_path):
    """Every code cell runs without an error output, and the notebook writes its PNG figure."""
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(FEWER_EPOCHS))  # the test's own cell, before the notebook's
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # with allow_errors, a failing cell is recorded in its outputs instead of raising
    errors = [
        f"cell {i}:\n{cell.source}\n-> {out.ename}: {out.evalue}"
        for i, cell in enumerate(nb.cells[1:])  # numbered as in the notebook, the test's cell left out
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors, f"{name} has failing cells:\n\n" + "\n\n".join(errors)
    assert list(tmp_path.glob("*.png")), f"{name} wrote no PNG into {tmp_path}"
