"""The example notebooks run from top to bottom, so they cannot rot."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("name", ["temperature.ipynb", "stock.ipynb"])
def test_notebook_executes(name, tmp_path):
    """Every code cell runs without an error output, and the notebook writes its PNG figure."""
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # with allow_errors, a failing cell is recorded in its outputs instead of raising
    errors = [
        f"cell {i}:\n{cell.source}\n-> {out.ename}: {out.evalue}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors, f"{name} has failing cells:\n\n" + "\n\n".join(errors)
    assert list(tmp_path.glob("*.png")), f"{name} wrote no PNG into {tmp_path}"
