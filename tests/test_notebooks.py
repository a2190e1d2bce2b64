"""The manager notebooks: stored without outputs, free of logic, and they run end to end.

Each notebook is executed with nbclient on the ``python3`` kernel (ipykernel, started with the
interpreter running the tests) from the ``notebooks/`` folder, as JupyterLab runs it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ["compare_staffing.ipynb", "forecast_to_plan.ipynb", "what_if.ipynb"]

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


REMOTE = (
    re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs", re.IGNORECASE),
    re.compile(r"""<script[^>]*\bsrc\s*=\s*["']?(https?:)?//""", re.IGNORECASE),
    re.compile(r"""\.src\s*=\s*["'](https?:)?//""", re.IGNORECASE),
    re.compile(r"require(js)?\.config\s*\(", re.IGNORECASE),
    re.compile(r"""["'](https?:)?//[^"']+\?noext["']""", re.IGNORECASE),
)
"""What an output that loads a script from the network looks like: a CDN host, a
``<script src>`` or a script element's ``src`` set to a remote address, RequireJS paths (how
Altair's default renderer loads Vega), Altair's ``?noext`` script addresses."""


def remote_references(text: str) -> list[str]:
    """The places in ``text`` that would load a script from another host."""
    return [found.group(0) for pattern in REMOTE for found in pattern.finditer(text)]


def test_remote_references_are_recognised() -> None:
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    with alt.renderers.enable("default"):
        default_html = chart._repr_mimebundle_()["text/html"]
    assert remote_references(default_html)
    assert remote_references('<script src="https://example.org/vega.js"></script>')
    assert not remote_references('<a href="https://vega.github.io/">Vega</a>')


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
    charts = [o for o in shown if 'class="workbench-chart"' in o.data.get("text/html", "")]
    assert len(charts) >= 2
    for chart in charts:  # each with its static picture, for views that run no scripts
        assert 'src="data:image/svg+xml;base64,' in chart.data["text/html"]
    bundles = [o for o in charts if "window.vegaEmbed=" in o.data["text/html"]]
    assert len(bundles) == 1, "the Vega bundle is inlined once, in the first chart"
    # Nothing anywhere loads a script from the network (stored outputs work offline).
    remote = remote_references(nbformat.writes(notebook))
    assert not remote, f"{name} references remote scripts: {sorted(set(remote))[:5]}"
    formatted = [o for o in tables if re.search(r">\s*-?[0-9.]+ %\s*<", o.data["text/html"])]
    assert formatted, "tables show shares as percent"
    assert not [
        o for o in tables if re.search(r">\s*-?[0-9]+\.[0-9]{4,}\s*<", o.data["text/html"])
    ], "no unformatted floats such as 0.345970 in the tables"
