"""Notebook submissions: the definitions in <assignment>.ipynb's code cells are graded like the .py.

The rule (autograder/notebook_code.py, stated in the handout's README): checks and
experiment cells, magics, plots, prints and other code that runs are left out; functions,
classes, numpy and standard-library imports, and constants are kept.
"""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.grade import grade
from autograder import locate as locate_module
from autograder.locate import SubmissionError, locate, opened
from autograder.notebook_code import module_source
from autograder.release import released
from submissions import ROOT, reference_source, stub_source

pytestmark = pytest.mark.handout

ASSIGNMENTS = released()
SEED = 3
NOISE = [  # cells a student's notebook has around the code: none of them may count or break grading
    ("%load_ext autoreload\n%autoreload 2\nimport matplotlib.pyplot as plt\nimport numpy as np\nfrom checks.harness import run_checks", []),
    ("run_checks('{a}')", ["checks"]),
    ("fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nplt.show()", ["experiment"]),
    ("plt.plot(np.arange(3)); plt.title('untagged plot')", []),
    ("!pip install numpy\nprint('an example that runs')\nresult = undefined_helper(3)\nJ = result * 2", []),
    ("%%timeit\nsum(range(10))", []),
]


def notebook(cells: list) -> nbformat.NotebookNode:
    """A notebook of (source, tags) code cells, with a markdown cell first."""
    book = nbformat.v4.new_notebook()
    book.cells.append(nbformat.v4.new_markdown_cell("# My solutions"))
    for source, tags in cells:
        book.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}))
    return book


def as_notebook(source: str, assignment: str) -> nbformat.NotebookNode:
    """``source`` split into one code cell per top-level statement, among the NOISE cells."""
    lines = source.splitlines()
    tree = ast.parse(source)
    cells = [(noise.format(a=assignment), tags) for noise, tags in NOISE[:3]]
    for statement in tree.body:
        first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        cells.append(("\n".join(lines[first - 1:statement.end_lineno]), []))
    return notebook(cells + [(noise, tags) for noise, tags in NOISE[3:]])


def write_notebook(book, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, path)
    return path


def outcomes(result) -> dict:
    """(assignment, case) -> (passed, message), for comparing two gradings."""
    return {(case.assignment, case.name): (case.passed, case.message) for case in result.cases}


def test_reference_notebooks_score_like_the_reference_modules(tmp_path):
    """Every assignment's reference, written as notebook cells among checks, plots and magics, scores exactly as its .py."""
    modules, notebooks = tmp_path / "modules", tmp_path / "notebooks"
    modules.mkdir()
    for name in ASSIGNMENTS:
        (modules / f"{name}.py").write_text(reference_source(name))
        write_notebook(as_notebook(reference_source(name), name), notebooks / "hw" / f"{name}.ipynb")
    from_modules = grade(modules, ASSIGNMENTS, seed=SEED)
    from_notebooks = grade(notebooks, ASSIGNMENTS, seed=SEED)
    assert from_modules.score == from_modules.max_score
    assert outcomes(from_notebooks) == outcomes(from_modules)
    for assignment in from_notebooks.assignments:
        assert assignment.file == f"hw/{assignment.assignment}.ipynb.py"
        assert assignment.note == (f"No {assignment.assignment}.py: graded the functions, classes, imports and constants "
                                   f"defined in the code cells of hw/{assignment.assignment}.ipynb.")


def test_stub_notebook_scores_like_the_stubs(tmp_path):
    """The stubs as a notebook score zero, with the stubs' own messages."""
    write_notebook(as_notebook(stub_source("backprop"), "backprop"), tmp_path / "nb" / "backprop.ipynb")
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "backprop.py").write_text(stub_source("backprop"))
    from_notebook = grade(tmp_path / "nb", ["backprop"], seed=SEED)
    assert from_notebook.score == 0
    assert outcomes(from_notebook) == outcomes(grade(tmp_path / "py", ["backprop"], seed=SEED))


def test_handout_notebook_with_the_reference_pasted_in_scores_full_marks(tmp_path):
    """The handout's own notebook, the reference's functions pasted after its setup cell, scores full marks in a zip."""
    book = nbformat.read(ROOT / "student_template" / "backprop.ipynb", as_version=4)
    book.cells.insert(2, nbformat.v4.new_code_cell(reference_source("backprop")))
    write_notebook(book, tmp_path / "work" / "backprop.ipynb")
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(tmp_path / "work" / "backprop.ipynb", "backprop.ipynb")
    result = grade(archive, ["backprop"], seed=SEED)
    assert result.score == result.max_score


def test_module_file_wins_over_the_notebook(tmp_path):
    """With both backprop.py and backprop.ipynb, the .py is graded and the notebook ignored."""
    (tmp_path / "backprop.py").write_text(reference_source("backprop"))
    write_notebook(as_notebook(stub_source("backprop"), "backprop"), tmp_path / "backprop.ipynb")
    with opened(tmp_path) as folder:
        found = locate(folder, ["backprop"])
        assert found.files["backprop"] == folder / "backprop.py"
        assert found.notes == {}


def test_folder_submission_with_a_notebook_is_not_written_to(tmp_path):
    """Grading a folder that holds a notebook leaves the folder exactly as it was."""
    write_notebook(as_notebook(reference_source("backprop"), "backprop"), tmp_path / "sub" / "backprop.ipynb")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with opened(tmp_path / "sub") as folder:
        assert folder != tmp_path / "sub"
        assert locate(folder, ["backprop"]).files["backprop"].read_text() == module_source(tmp_path / "sub" / "backprop.ipynb")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not folder.exists()


def test_syntax_error_in_a_cell_is_reported_like_in_a_module(tmp_path):
    """A cell that does not parse is kept: the notebook cannot be imported, and the message says why."""
    cells = [(reference_source("backprop"), []), ("def broken(:\n    pass", [])]
    write_notebook(notebook(cells), tmp_path / "backprop.ipynb")
    (assignment,) = grade(tmp_path, ["backprop"], seed=SEED).assignments
    assert assignment.score == 0
    assert assignment.problem.startswith("backprop.py could not be imported, so nothing in it was graded.")
    assert "SyntaxError" in assignment.problem


def test_the_rule_keeps_definitions_and_drops_what_runs(tmp_path):
    """module_source keeps defs (with decorators), numpy/stdlib imports and constants reading kept names; drops the rest."""
    cells = [
        ("%matplotlib inline\nimport numpy as np\nimport math, functools\nimport matplotlib.pyplot as plt\nimport backprop\nfrom checks.harness import run_checks", []),
        ("EPS = 1e-5\nTABLE = np.arange(4) * EPS\nrng = np.random.default_rng(0)\nx = rng.normal(size=3)\nY = x + 1\nW = np.load('w.npy')\nconfig.lr = 0.1\nlog[0] = 1", []),
        ("@functools.lru_cache\ndef cached(n):\n    return math.factorial(n)\n\nclass Layer:\n    scale = 2\nprint(cached(3)); plt.plot(TABLE)", []),
        ("def hidden_in_an_experiment():\n    return 1", ["experiment"]),
        ("for k in range(3):\n    print(k)\nif __name__ == '__main__':\n    cached(2)", []),
    ]
    path = write_notebook(notebook(cells), tmp_path / "backprop.ipynb")
    assert module_source(path) == (
        "# cell 2 of backprop.ipynb\nimport numpy as np\nimport math, functools\n\n"
        "# cell 3 of backprop.ipynb\nEPS = 1e-5\nTABLE = np.arange(4) * EPS\nrng = np.random.default_rng(0)\n\n"
        "# cell 4 of backprop.ipynb\n@functools.lru_cache\ndef cached(n):\n    return math.factorial(n)\n"
        "class Layer:\n    scale = 2\n"
    )


def test_oversized_folder_with_a_notebook_is_refused(tmp_path, monkeypatch):
    """A folder with a notebook is copied before grading, within the same size limit as a zip."""
    monkeypatch.setattr(locate_module, "MAX_UNZIPPED_BYTES", 1000)
    write_notebook(as_notebook(reference_source("backprop"), "backprop"), tmp_path / "backprop.ipynb")
    with pytest.raises(SubmissionError, match=f"{tmp_path.name} holds more than"):
        with opened(tmp_path):
            pass


@pytest.mark.parametrize("text", ["not json", '{"cells": 3}', "[]"])
def test_unreadable_notebook_is_a_problem_not_a_crash(tmp_path, text):
    """A backprop.ipynb that is not a notebook costs the assignment, with a message, and nothing else."""
    (tmp_path / "backprop.ipynb").write_text(text)
    (assignment,) = grade(tmp_path, ["backprop"], seed=SEED).assignments
    assert assignment.score == 0
    assert assignment.problem == "No file named backprop.py in your submission, and backprop.ipynb is not a readable Jupyter notebook."
