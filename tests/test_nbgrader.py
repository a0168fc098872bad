"""The nbgrader course written by ``dlgrade nbgrader export``, round-tripped through the real nbgrader.

One export of every assignment, one ``nbgrader generate_assignment`` and one ``nbgrader
autograde`` for all of them (the expensive part, shared by the tests): per assignment, the
released notebook with the reference filled in must get full points, the released notebook
as it is (the stubs) zero, and for backprop two mistakes must cost exactly the test cells of
the functions `dlgrade grade` fails for them. The scores are read from nbgrader's gradebook.
The other tests look at the exported notebooks without running nbgrader.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from autograder import cli
from autograder.nbgrader_export import answered, export, literal, packed
from autograder.suites import SUITES
from submissions import failed, graded, reference_source, swap

pytestmark = pytest.mark.handout

ROOT = Path(__file__).resolve().parents[1]

SEED = 20261125
# backprop with two mistakes: a wrong db, and a sigmoid with the right values that overflows
# in the branch np.where discards (a RuntimeWarning, which the suite forbids at |x| = 1000;
# logistic_regression_loss calls it, on margins of 1000)
MUTATIONS = (
    ("affine_backward", "dout.sum(axis=0)", "dout.mean(axis=0)"),
    ("sigmoid", "1.0 / (1.0 + z), z / (1.0 + z)", "1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x))"),
)


def nbgrader(folder: Path, *arguments: str) -> str:
    """Run the real nbgrader command line in the course ``folder``; fail with its output if it fails, else return its log."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *arguments], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(arguments)} failed:\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def cells(notebook) -> dict:
    """nbgrader cells by grade_id."""
    return {cell.metadata.nbgrader.grade_id: cell for cell in notebook.cells if "nbgrader" in cell.metadata}


def submit(course: Path, student: str, assignment: str, notebook: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The round trip: export, generate_assignment, three students, autograde; the course
    folder and {(assignment, student): (score, max_score, {grade_id: score})}."""
    course = tmp_path_factory.mktemp("course")
    start = time.perf_counter()
    export(course, seed=SEED)
    nbgrader(course, "generate_assignment", "*", "--force")
    for assignment in SUITES:
        source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        release = course / "release" / assignment / f"{assignment}.ipynb"
        submit(course, "stubs", assignment, nbformat.read(release, as_version=4))
        submit(course, "reference", assignment, answered(nbformat.read(release, as_version=4), source))
        if assignment == "backprop":
            submit(course, "mutant", assignment, answered(nbformat.read(release, as_version=4), source, MUTATIONS))
    (course / "autograde.log").write_text(nbgrader(course, "autograde", "*", "--force"))
    print(f"nbgrader round trip of {len(SUITES)} assignments: {time.perf_counter() - start:.1f} s")
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in SUITES:
            for student in ("stubs", "reference", "mutant"):
                if student == "mutant" and assignment != "backprop":
                    continue
                submission = gradebook.find_submission(assignment, student)
                grades = {grade.name: grade.score for notebook in submission.notebooks for grade in notebook.grades}
                scores[assignment, student] = (submission.score, submission.max_score, grades)
    return course, scores


@pytest.mark.parametrize("assignment", sorted(SUITES))
def test_reference_gets_full_points_and_stubs_zero(course, assignment):
    """nbgrader autograde gives the reference every point of the suite, the stubs none."""
    _, scores = course
    score, max_score, grades = scores[assignment, "reference"]
    assert max_score == pytest.approx(SUITES[assignment].max_score)
    assert score == pytest.approx(max_score), f"the reference lost points in {sorted(name for name, value in grades.items() if not value)}"
    stubs_score, _, stubs_grades = scores[assignment, "stubs"]
    assert stubs_score == 0, f"the stubs scored in {sorted(name for name, value in stubs_grades.items() if value)}"


def test_wrong_functions_lose_the_cells_dlgrade_fails(course, tmp_path):
    """Mistakes cost exactly the test cells of the functions whose cases `dlgrade grade` fails
    for the same mistakes: a wrong db, and RuntimeWarnings where the suite forbids them."""
    folder, scores = course
    source = nbformat.read(folder / "source" / "backprop" / "backprop.ipynb", as_version=4)
    module = reference_source("backprop")
    for _, old, new in MUTATIONS:
        module = swap(module, old, new)
    _, result = graded(tmp_path, module)
    failing = {name.split(",")[0].split(":")[0].split(" ")[0] for name in failed(result)}
    assert failing == {"affine_backward", "sigmoid", "logistic_regression_loss"}
    score, max_score, grades = scores["backprop", "mutant"]
    assert {name for name, value in grades.items() if value == 0} == {f"test_{name}" for name in failing}
    lost = sum(cells(source)[f"test_{name}"].metadata.nbgrader.points for name in failing)
    assert score == pytest.approx(max_score - lost)


@pytest.mark.parametrize("assignment", sorted(SUITES))
def test_release_keeps_stubs_and_no_hidden_tests(course, assignment):
    """The released notebook has the stub's body in every solution cell, no reference code
    and no hidden test; the source's test cells carry hidden tests and all the suite's points."""
    folder, _ = course
    source = nbformat.read(folder / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    release = nbformat.read(folder / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    stubs = {node.name: node for node in ast.parse((ROOT / "assignments" / f"{assignment}.py").read_text()).body if isinstance(node, ast.FunctionDef)}
    for grade_id, cell in cells(release).items():
        if cell.metadata.nbgrader.solution:
            (function,) = ast.parse(cell.source).body
            body = [node for node in function.body if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Constant)]
            stub_raise = next(node for node in ast.walk(stubs[function.name]) if isinstance(node, ast.Raise))
            assert [ast.unparse(node) for node in body] == [ast.unparse(stub_raise)], grade_id  # names the function
            assert re.search(rf"'{function.name}: (not implemented yet|paste yours)", ast.unparse(stub_raise))
        assert "HIDDEN TESTS" not in cell.source and "SOLUTION" not in cell.source
    tests = [cell for cell in source.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert sum(cell.metadata.nbgrader.points for cell in tests) == pytest.approx(SUITES[assignment].max_score)
    hidden = [case.name for case in SUITES[assignment].cases if case.visibility == "hidden"]
    released = "\n".join(cell.source for cell in release.cells)
    assert not [name for name in hidden if f"# {name} (" in released]


def test_autograde_gives_no_checksum_warning(course):
    """Untouched test cells (hidden tests removed by the release) autograde without nbgrader's checksum warning."""
    folder, _ = course
    log = (folder / "autograde.log").read_text()
    assert "Autograde" in log and "checksum" not in log


def test_a_changed_test_cell_still_warns(course, tmp_path):
    """A submission whose test cell was edited gets nbgrader's checksum warning, and the cell is graded as released."""
    folder, _ = course
    course_copy = tmp_path / "course"
    shutil.copytree(folder, course_copy, ignore=shutil.ignore_patterns("autograded", "submitted"))
    notebook = nbformat.read(course_copy / "release" / "dropout" / "dropout.ipynb", as_version=4)
    cells(notebook)["test_dropout_forward"].source += "\n# edited"
    submit(course_copy, "editor", "dropout", notebook)
    log = nbgrader(course_copy, "autograde", "dropout", "--student", "editor", "--force")
    assert "Attribute 'checksum' for cell test_dropout_forward has changed!" in log
    assert log.count("checksum") == 1


@pytest.mark.parametrize("assignment", sorted(SUITES))
def test_intro_is_markdown_not_a_code_block(course, assignment):
    """The first cell (the stub's docstring) is prose with its formulas fenced: no line outside a fence is indented
    four spaces, which Markdown would turn into a code block."""
    folder, _ = course
    intro = nbformat.read(folder / "source" / assignment / f"{assignment}.ipynb", as_version=4).cells[0]
    assert intro.cell_type == "markdown" and intro.source.startswith("# ")
    prose = intro.source.split("```")[::2]  # outside the fences
    assert not [line for part in prose for line in part.splitlines() if line.startswith("    ")]
    docstring = ast.get_docstring(ast.parse((ROOT / "assignments" / f"{assignment}.py").read_text()))
    assert docstring.splitlines()[2].strip() in intro.source  # the prose is there


def test_export_is_deterministic_and_hidden_inputs_follow_the_seed(tmp_path):
    """The same seed writes the same bytes; another seed changes the hidden tests only."""
    notebooks = [export(tmp_path / name, ["backprop"], seed)[0].read_text() for name, seed in (("a", 1), ("b", 1), ("c", 2))]
    assert notebooks[0] == notebooks[1]
    assert notebooks[0] != notebooks[2]

    def visible(text):
        return [cell.source.split("### BEGIN HIDDEN TESTS")[0] for cell in nbformat.reads(text, as_version=4).cells]

    assert visible(notebooks[0]) == visible(notebooks[2])


@pytest.mark.parametrize("value", [
    np.array([[0.1, -2.5e-300], [np.inf, -np.inf]]), np.array(np.nan), np.zeros((0, 3)), np.arange(6, dtype=np.int64).reshape(2, 3),
    np.array([True, False]), np.linspace(-1, 1, 120).reshape(4, 30) ** 3, np.arange(200, dtype=np.uint8), np.int32(7), np.float64(1e-5), (1, [2.0, None], {"mode": "train"}), ("one",), -0.0,
])
def test_literal_rebuilds_the_value(value):
    """Test-cell literals rebuild values exactly: dtype, shape, every bit of every float."""
    rebuilt = eval(literal(value), {"np": np, "packed": packed})  # noqa: S307 - our own generated code
    assert type(rebuilt) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert rebuilt.dtype == value.dtype and rebuilt.shape == value.shape
        assert np.array_equal(rebuilt, value, equal_nan=True) and np.array_equal(np.signbit(rebuilt), np.signbit(value))
    else:
        assert repr(rebuilt) == repr(value)


def test_literal_refuses_what_it_cannot_write():
    """An object that cannot be written as code is a ValueError naming its type."""
    with pytest.raises(ValueError, match="cannot write a value of type object as code"):
        literal(object())


def test_cli_exports_a_course(tmp_path, capsys):
    """`dlgrade nbgrader export DIR -a backprop --seed 3` writes the config and the source notebook."""
    assert cli.main(["nbgrader", "export", str(tmp_path / "course"), "-a", "backprop", "--seed", "3"]) == 0
    assert (tmp_path / "course" / "nbgrader_config.py").exists()
    nbformat.validate(nbformat.read(tmp_path / "course" / "source" / "backprop" / "backprop.ipynb", as_version=4))
    assert "wrote" in capsys.readouterr().out
