"""The assignment notebooks: built from assignments/notebooks/*.py and run headless with nbclient.

Every source found there is checked against the format (assignments/notebooks/README.md)
and executed top to bottom in a folder laid out like the handout, with the REFERENCE
solutions standing in for the student's modules: no cell may fail, every inline check must
pass, the experiments must draw, all within a time limit. A new assignment's notebook is
covered by adding its source; nothing here names one.
"""

from __future__ import annotations

import ast
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import notebooks
from autograder.notebooks import SourceError, parse
from autograder.release import release

pytestmark = pytest.mark.handout

ROOT = Path(__file__).resolve().parents[1]
SOURCES = notebooks.sources(ROOT / "assignments" / "notebooks")
CELL_SECONDS = 60  # one cell, on a machine busy with other tests
NOTEBOOK_SECONDS = 120  # a whole notebook, kernel start-up included


def make_handout(folder: Path) -> Path:
    """The handout as ``dlgrade release`` builds it, in ``folder``, with each released
    assignment's reference copied over its stub."""
    for assignment in release(folder):
        shutil.copyfile(ROOT / "solutions" / f"{assignment}.py", folder / f"{assignment}.py")
    return folder


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    return make_handout(tmp_path_factory.mktemp("handout") / "student_template")


def executed(notebook: nbformat.NotebookNode, folder: Path) -> float:
    """Run ``notebook`` in ``folder`` with the python3 kernel, in place; the seconds it took.

    Plots use matplotlib's inline backend (Agg, headless), so figures become outputs.
    """
    environment = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    client = NotebookClient(notebook, timeout=CELL_SECONDS, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute(env=environment)
    return time.perf_counter() - start


def outputs(cell, kind: str) -> list:
    return [output for output in cell.get("outputs", []) if output.output_type == kind]


@pytest.mark.parametrize("assignment", sorted(SOURCES))
def test_notebook_runs_against_the_reference(assignment, handout):
    """The notebook runs top to bottom on the reference without errors or warnings, its
    inline checks all pass, and it draws at least one figure, within the time limit."""
    notebook = notebooks.build(SOURCES[assignment])
    seconds = executed(notebook, handout)
    print(f"{assignment}: {seconds:.1f} s")
    assert seconds < NOTEBOOK_SECONDS, f"{assignment}.ipynb took {seconds:.0f} s"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    stderr = [output.text for cell in code for output in outputs(cell, "stream") if output.name == "stderr"]
    assert stderr == [], f"{assignment}.ipynb wrote to stderr (a warning?): {stderr[0][:500]}"
    for cell in code:
        if "checks" in cell.metadata.get("tags", []):
            shown = [output.data.get("text/plain") for output in outputs(cell, "execute_result")]
            assert shown == ["True"], f"{assignment}.ipynb: a check failed in cell {cell.source!r}:\n{''.join(o.text for o in outputs(cell, 'stream'))}"
    figures = [output for cell in code for output in outputs(cell, "display_data") if "image/png" in output.data]
    assert figures, f"{assignment}.ipynb draws no figure"


@pytest.mark.parametrize("assignment", sorted(SOURCES))
def test_source_follows_the_format(assignment):
    """Each source parses, has one setup cell first among code cells that imports its module
    and the checks runner, runs the checks of its own assignment inline, has an experiment,
    and defines none of the functions the student writes."""
    cells = parse(SOURCES[assignment].read_text(), SOURCES[assignment].name)
    code = [cell for cell in cells if cell.kind == "code"]
    assert [cell.tags for cell in code].count(("setup",)) == 1 and code[0].tags == ("setup",)
    imported = {alias.name for node in ast.walk(ast.parse(_python(code[0].source))) if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    assert {assignment, "run_checks"} <= imported, f"the setup cell imports {sorted(imported)}"
    checks = [cell for cell in code if "checks" in cell.tags]
    assert checks and all(cell.source.startswith(f'run_checks("{assignment}"') for cell in checks)
    assert any("experiment" in cell.tags for cell in code)
    assert cells[0].kind == "markdown" and cells[0].source.startswith("# ")
    stub = ast.parse((ROOT / "assignments" / f"{assignment}.py").read_text())
    tasks = {node.name for node in stub.body if isinstance(node, ast.FunctionDef)}
    defined = {node.name for cell in code for node in ast.walk(ast.parse(_python(cell.source))) if isinstance(node, ast.FunctionDef)}
    assert not defined & tasks, f"the notebook defines {sorted(defined & tasks)}: call {assignment}.<function> instead"


def _python(source: str) -> str:
    """Notebook code with its IPython magic lines removed, so that ast can read it."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def test_build_is_deterministic_and_valid(tmp_path):
    """Building a source twice writes the same bytes: a valid v4 notebook with a python3
    kernelspec, cell ids by position, no outputs or execution counts."""
    source = SOURCES["backprop"]
    first, second = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    notebooks.write(notebooks.build(source), first)
    notebooks.write(notebooks.build(source), second)
    assert first.read_bytes() == second.read_bytes()
    notebook = nbformat.read(first, as_version=4)
    nbformat.validate(notebook)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    assert notebook.metadata.kernelspec == {"display_name": "Python 3", "language": "python", "name": "python3"}
    assert [cell.id for cell in notebook.cells] == [f"cell-{i}" for i in range(len(notebook.cells))]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_parse_reads_cells_tags_and_magics():
    """Markdown loses its '# ' prefix, code is kept (commented magics uncommented), tags are read."""
    text = "\n".join([
        "# %% [markdown]", "# # Title", "#", "# Some $x^2$ text.", "",
        '# %% tags=["setup"]', "# %autoreload 2", "import numpy as np  # numerical", "",
        "# %%", "    # %timeit f()", "x = 1", "",
    ])
    cells = parse(text)
    assert cells == [
        notebooks.Cell("markdown", "# Title\n\nSome $x^2$ text."),
        notebooks.Cell("code", "%autoreload 2\nimport numpy as np  # numerical", ("setup",)),
        notebooks.Cell("code", "    %timeit f()\nx = 1"),
    ]


@pytest.mark.parametrize("text, message", [
    ("import numpy\n# %%\nx = 1", r"<source>:1: a notebook source starts with a cell marker"),
    ("# %% [md]\n# text", r"<source>:1: a cell marker is '# %%' or '# %% \[markdown\]'"),
    ("# %% tags=[1]\nx = 1", r"<source>:1: tags must be a JSON list of strings"),
    ("# %% [markdown]\n# fine\nnot a comment", r"<source>:3: a markdown line must start with '# '"),
    ("# %%\nx = 1\n\n# %%\n\n", r"<source>:4: empty cell"),
])
def test_parse_rejects_malformed_sources(text, message):
    """A malformed source raises SourceError naming the line and the rule it breaks."""
    with pytest.raises(SourceError, match=message):
        parse(text)
