"""The manager notebooks: stored without outputs, free of logic, and they run end to end.

Each notebook is executed with nbclient on the ``python3`` kernel (ipykernel, started with the
interpreter running the tests) from the ``notebooks/`` folder, as JupyterLab runs it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ["compare_staffing.ipynb", "what_if.ipynb"]

LOGIC = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.For,
    ast.While,
    ast.If,
    ast.IfExp,
    ast.Try,
    ast.With,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.BinOp,
    ast.Compare,
)
"""Syntax a notebook cell may not use: the logic belongs in ``workbench.api`` (a ``-`` or a
``>`` is already a computation; constants, calls, attribute and item access are allowed)."""


def _code_cells(name: str) -> list[nbformat.NotebookNode]:
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_every_notebook_is_listed() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in _code_cells(name):
        assert cell.outputs == [], cell.source
        assert cell.execution_count is None, cell.source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_cells_hold_no_logic_of_their_own(name: str) -> None:
    for cell in _code_cells(name):
        tree = ast.parse(cell.source)
        found = [type(node).__name__ for node in ast.walk(tree) if isinstance(node, LOGIC)]
        assert not found, f"{name}: {found} in\n{cell.source}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert module == "workbench", f"{name}: imports {module}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in cells:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    shown = [
        o
        for cell in cells
        for o in cell.outputs
        if o.output_type in ("execute_result", "display_data")
    ]
    tables = [o for o in shown if "text/html" in o.data and "<table" in o.data["text/html"]]
    assert len(tables) >= 3
    charts = [
        o
        for o in shown
        if any(kind.startswith("application/vnd.vegalite") for kind in o.data)
        or "vega" in o.data.get("text/html", "")
    ]
    assert len(charts) >= 2
