"""The student handout (student_template/): leak-free, in sync, installable, submittable.

- Leak: no reference function body appears anywhere in the handout's Python or notebook
  code (compared as ASTs, docstrings removed), and no reference file is there; the data
  files hold the visible cases only, and no input or output of a hidden case.
- Sync: `dlgrade release` into a fresh folder gives student_template/ byte for byte.
- Fresh environment: a new virtual environment with only the handout's requirements runs
  the public checks: they pass on the references and fail on the stubs.
- make_submission.py warns about stubs (without running the code) and makes a zip that
  `dlgrade grade` grades.
"""

from __future__ import annotations

import ast
import filecmp
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import numpy as np

from autograder import probes, wire
from autograder.grade import grade, reference
from autograder.plan import Plan, execute
from autograder.public import ENGINE
from autograder.release import HANDOUT, ReleaseError, release, released
from autograder.suites import SUITES
from submissions import ROOT, reference_source, swap

pytestmark = pytest.mark.handout

SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = released()
MIN_NODES = 4  # a reference body smaller than this (`return x`) says nothing about the solution


# -- leak ---------------------------------------------------------------------------------

def body_without_docstring(body: list) -> list:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def dump(statements: list) -> str:
    return ast.dump(ast.Module(body=statements, type_ignores=[]))


def reference_bodies() -> dict:
    """{dump of a reference function's body: ('solutions/x.py: f', its number of statements)}."""
    bodies = {}
    for path in sorted(SOLUTIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = body_without_docstring(node.body)
                if body and sum(1 for _ in ast.walk(ast.Module(body=body, type_ignores=[]))) >= MIN_NODES:
                    bodies[dump(body)] = (f"solutions/{path.name}: {node.name}", len(body))
    return bodies


def handout_code(root: Path) -> dict:
    """{where: source} for every .py file and every notebook code cell under ``root`` (magics commented out)."""
    code = {}
    for path in sorted(root.rglob("*.py")):
        code[str(path.relative_to(root))] = path.read_text()
    for path in sorted(root.rglob("*.ipynb")):
        for number, cell in enumerate(json.loads(path.read_text())["cells"], start=1):
            if cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                code[f"{path.relative_to(root)} cell {number}"] = "\n".join("#" + l if l.lstrip().startswith(("%", "!")) else l for l in lines)
    return code


def fragments(source: str, lengths: set) -> set:
    """Dumps of every run of ``lengths`` consecutive statements in any block of ``source``
    (function bodies without their docstring), and of every expression statement as a ``return``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                block = body_without_docstring(block) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) else block
                for n in lengths:
                    found |= {dump(block[i:i + n]) for i in range(len(block) - n + 1)}
        if isinstance(node, ast.Expr):  # a notebook cell showing the value a reference returns
            found.add(dump([ast.Return(value=node.value)]))
    return found


def leaks(root: Path) -> list:
    """'where: reference function' for every reference body found in the handout at ``root``."""
    bodies = reference_bodies()
    lengths = {length for _, length in bodies.values()}
    problems = []
    for where, source in handout_code(root).items():
        for shared in fragments(source, lengths) & bodies.keys():
            problems.append(f"{where}: the body of {bodies[shared][0]}")
    return sorted(problems)


def test_handout_holds_no_reference_code():
    """No function body of solutions/*.py appears in any .py or notebook cell of student_template/."""
    assert leaks(HANDOUT) == []


def test_handout_holds_no_reference_file():
    """No file of the handout has a reference file's bytes, and there is no solutions folder."""
    references = {path.read_bytes() for path in SOLUTIONS.glob("*.py")}
    assert [p for p in HANDOUT.rglob("*") if p.is_file() and p.read_bytes() in references] == []
    assert not any(p.name == "solutions" for p in HANDOUT.rglob("*"))


def test_leak_test_finds_a_reference_body(tmp_path):
    """The leak test is not vacuous: a reference function pasted into a stub, or its body into a cell, is found."""
    shutil.copytree(HANDOUT, tmp_path / "handout")
    stub = tmp_path / "handout" / "backprop.py"
    tree = ast.parse(reference_source("backprop"))
    relu_backward = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "relu_backward")
    stub.write_text(stub.read_text() + "\n\n" + ast.unparse(relu_backward) + "\n")
    notebook = tmp_path / "handout" / "backprop.ipynb"
    book = json.loads(notebook.read_text())
    softmax = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "softmax")
    book["cells"].append({"cell_type": "code", "execution_count": None, "id": "leak", "metadata": {}, "outputs": [],
                          "source": ast.unparse(ast.Module(body=body_without_docstring(softmax.body), type_ignores=[]))})
    notebook.write_text(json.dumps(book))
    assert leaks(tmp_path / "handout") == [
        f"backprop.ipynb cell {len(book['cells'])}: the body of solutions/backprop.py: softmax",
        "backprop.py: the body of solutions/backprop.py: relu_backward",
    ]


# -- sync -----------------------------------------------------------------------------------

def differences(left: Path, right: Path, exact: bool = False) -> list:
    """Relative paths that differ between two folders: missing on one side or with other bytes;
    a data file (``.cases``) with other values (:func:`same_values`) unless ``exact``."""
    def files(root):
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts}

    def same(name):
        if filecmp.cmp(left / name, right / name, shallow=False):
            return True
        return not exact and name.endswith(".cases") and same_values(*(wire_values((root / name).read_bytes()) for root in (left, right)))

    ours, theirs = files(left), files(right)
    return sorted((ours ^ theirs) | {name for name in ours & theirs if not same(name)})


def wire_values(payload: bytes):
    """A :mod:`wire` payload as its header's JSON, each array (and nested payload) read in its
    place: the values, with nothing rebuilt (no Plan, no Call), for :func:`same_values`."""
    (size,) = struct.unpack(">Q", payload[:8])
    data, offset = memoryview(payload)[8 + size:], [0]

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        tag = next(iter(node))
        if tag == "array":
            dtype, count = np.dtype(node["array"]), math.prod(node["shape"])
            offset[0] += count * dtype.itemsize
            return np.frombuffer(data, dtype, count, offset[0] - count * dtype.itemsize).reshape(node["shape"])
        if tag == "encoded":
            offset[0] += node["encoded"]
            return wire_values(bytes(data[offset[0] - node["encoded"]:offset[0]]))
        return {key: walk(value) for key, value in node.items()}

    return walk(json.loads(payload[8:8 + size]))


def same_values(left, right) -> bool:
    """Whether two :func:`wire_values` are the same: equal, floats to a relative 1e-9 (1e-12 near
    zero). The last bits of numpy's exp, log, tanh and sums vary with the CPU's vector
    instructions (AVX2 or AVX-512), and the handout's data is made on whatever machine released it."""
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        return (isinstance(left, np.ndarray) and isinstance(right, np.ndarray) and left.dtype == right.dtype and left.shape == right.shape
                and (np.allclose(left, right, rtol=1e-9, atol=1e-12, equal_nan=True) if left.dtype.kind in "fc" else np.array_equal(left, right)))
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_values(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_values, left, right))
    if isinstance(left, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(left) and math.isnan(right))
    return left == right


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A handout released now, into a temporary folder."""
    folder = tmp_path_factory.mktemp("release") / "handout"
    release(folder)
    return folder


def test_student_template_is_up_to_date(fresh):
    """Regenerating the handout gives student_template/ byte for byte, but for the last bits of
    its data's floats (CI fails when assignments/ changed without a release)."""
    stale = differences(fresh, HANDOUT)
    assert stale == [], f"student_template/ is out of date with assignments/ ({', '.join(stale)}): run `dlgrade release`"


def test_release_replaces_a_handout_with_the_same_bytes(fresh, tmp_path):
    """Releasing over an older handout removes what is no longer there and gives the same bytes again."""
    shutil.copytree(fresh, tmp_path / "handout")
    (tmp_path / "handout" / "stale.txt").write_text("left over from an older release")
    (tmp_path / "handout" / "backprop.py").write_text("edited")
    release(tmp_path / "handout")
    assert differences(tmp_path / "handout", fresh, exact=True) == []


def test_release_stops_when_the_reference_fails_on_a_visible_case(tmp_path):
    """A reference that raises on a visible case's inputs stops the release, naming the case and the error."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "backprop.py").write_text(swap(reference_source("backprop"), "return x @ w + b, (x, w, b)", "raise KeyError('broken')"))
    with pytest.raises(ReleaseError, match=r"'affine_forward': the reference failed on the visible inputs: KeyError: 'broken'"):
        release(tmp_path / "handout", ROOT / "assignments", solutions, {"backprop": SUITES["backprop"]})
    assert not (tmp_path / "handout").exists()


def test_release_refuses_to_replace_a_folder_that_is_not_a_handout(tmp_path):
    """`dlgrade release --out` a folder of other files stops with a message and deletes nothing."""
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="exists and is not a handout"):
        release(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_handout_contents():
    """Each released assignment has its stub, its notebook where there is a source, its visible
    cases and their test file; README and requirements are set up; nothing of the grader but
    its judging modules."""
    for name in ASSIGNMENTS:
        assert (HANDOUT / f"{name}.py").read_bytes() == (ROOT / "assignments" / f"{name}.py").read_bytes()
        assert (HANDOUT / f"{name}.ipynb").exists() == (ROOT / "assignments" / "notebooks" / f"{name}.py").exists()
        assert (HANDOUT / "checks" / f"test_{name}.py").exists() and (HANDOUT / "checks" / "data" / f"{name}.cases").exists()
    assert sorted(p.name for p in (HANDOUT / "checks" / "engine").glob("*.py")) == sorted(("__init__.py", *ENGINE))
    assert "numpy==2.4.6" in (HANDOUT / "requirements.txt").read_text().splitlines()
    readme = (HANDOUT / "README.md").read_text()
    assert "pytest checks/test_backprop.py" in readme and "python make_submission.py" in readme
    assert not (HANDOUT / "autograder").exists()


def arrays(value) -> list:
    """The numpy arrays inside a plain-data value (a plan's inputs, a dict of outputs)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, Plan):
        return arrays([[call.args, call.kwargs] for call in value.calls])
    if isinstance(value, dict):
        return arrays(list(value.values()))
    if isinstance(value, (list, tuple)):
        return [array for item in value for array in arrays(item)]
    return []


def distinctive(array: np.ndarray) -> bool:
    """Whether ``array``'s bytes cannot turn up elsewhere by chance: floats with at least 4
    different values that are not integers (runs of zeros, or of small integers such as
    pooling's tied inputs, occur in many arrays)."""
    if array.dtype.kind != "f":
        return False
    values = np.unique(array[np.isfinite(array)])
    return np.count_nonzero(values != np.round(values)) >= 4


def secret_arrays(seeds=(1, 2)) -> dict:
    """{bytes: where} of every distinctive array (:func:`distinctive`) that a hidden case's inputs
    or the reference's outputs hold at one of ``seeds`` and not at the other: what depends on the secret."""
    found = {}
    # a hidden case may draw rows of a public dataset (the digits) that a visible case ships whole:
    # which rows is secret, but the rows themselves are not
    public = b"|".join(a.tobytes() for name in ASSIGNMENTS for case in SUITES[name].cases
                       if case.visibility == "visible" for a in arrays([case.build(case.rng(seeds[0]))]))
    for name in ASSIGNMENTS:
        solution = reference(name)
        for case in SUITES[name].cases:
            if case.visibility != "hidden":
                continue
            drawn = []
            for seed in seeds:
                plan = case.build(case.rng(seed))
                expected = execute(wire.copied(plan), solution, probes)[0] if case.judge.needs_reference else {}
                drawn.append({a.tobytes() for a in arrays([plan, expected]) if distinctive(a)})
            for data in (drawn[0] ^ drawn[1]) - {data for data in drawn[0] | drawn[1] if data in public}:
                found[data] = f"{name}: {case.name}"
    return found


def hidden_values_in(root: Path, secrets: dict) -> list:
    """'file: hidden case' for each secret array found in the handout's data files."""
    found = set()
    for path in (root / "checks" / "data").glob("*.cases"):
        stored = path.read_bytes()
        found |= {f"{path.name}: {where}" for data, where in secrets.items() if data in stored}
    return sorted(found)


@pytest.fixture(scope="module")
def secrets() -> dict:
    return secret_arrays()


def test_data_holds_the_visible_cases_only(secrets):
    """Each data file holds exactly the suite's visible cases, at the public seed; no input or
    output of a hidden case (drawn at two secret seeds) is in any of them."""
    for name in ASSIGNMENTS:
        stored = wire.decode((HANDOUT / "checks" / "data" / f"{name}.cases").read_bytes())["cases"]
        visible = [case for case in SUITES[name].cases if case.visibility == "visible"]
        assert [case["name"] for case in stored] == [case.name for case in visible]
        for recorded, case in zip(stored, visible):
            assert same_values(wire_values(wire.encode(recorded["plan"])), wire_values(wire.encode(case.build(case.rng(secret_seed=7)))))
    assert len(secrets) > 100
    assert hidden_values_in(HANDOUT, secrets) == []


def test_leak_test_finds_a_hidden_value(tmp_path, secrets):
    """The data leak test is not vacuous: a hidden case's inputs put into a data file are found."""
    shutil.copytree(HANDOUT / "checks", tmp_path / "checks")
    path = tmp_path / "checks" / "data" / "backprop.cases"
    data = wire.decode(path.read_bytes())
    case = next(case for case in SUITES["backprop"].cases if case.visibility == "hidden" and case.name.startswith("affine_forward"))
    data["cases"][0]["plan"] = case.build(case.rng(1))
    path.write_bytes(wire.encode(data))
    assert hidden_values_in(tmp_path, secrets) == [f"backprop.cases: backprop: {case.name}"]


# -- make_submission.py -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The handout as `dlgrade release` builds it from the current sources (student_template/ may lag until committed)."""
    folder = tmp_path_factory.mktemp("release") / "handout"
    release(folder)
    return folder


def handout_copy(built: Path, tmp_path: Path, references: bool) -> Path:
    """A copy of the built handout, with the references in place of the stubs if ``references``."""
    folder = tmp_path / "handout"
    shutil.copytree(built, folder)
    if references:
        for name in ASSIGNMENTS:
            shutil.copyfile(SOLUTIONS / f"{name}.py", folder / f"{name}.py")
    return folder


def make_submission(folder: Path, *arguments: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run([python, "make_submission.py", *arguments], cwd=folder, capture_output=True, text=True, timeout=60)


def test_make_submission_warns_about_every_stub_without_running_it(built, tmp_path):
    """On the stubs: one warning per function still raising NotImplementedError; nothing is imported."""
    folder = handout_copy(built, tmp_path, references=False)
    stub = folder / "backprop.py"
    stub.write_text("raise SystemExit('imported!')\n" + stub.read_text())
    done = make_submission(folder, "backprop")
    assert done.returncode == 0, done.stderr
    functions = [node for node in ast.parse(stub.read_text()).body if isinstance(node, ast.FunctionDef)]
    assert [line for line in done.stdout.splitlines() if line.startswith("warning: ")] == [
        f"warning: backprop.py: {node.name} (line {node.lineno}) still raises NotImplementedError" for node in functions]
    assert len(functions) == 12 and "with 12 warnings" in done.stdout


def test_make_submission_zip_is_graded_and_deterministic(built, tmp_path):
    """On the references: no warnings, a zip of the assignment files that `dlgrade grade` scores in full, the same bytes twice."""
    folder = handout_copy(built, tmp_path, references=True)
    done = make_submission(folder)  # every file differs from its stub: all are zipped
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stdout
    archive = folder / "submission.zip"
    first = archive.read_bytes()
    assert zipfile.ZipFile(archive).namelist() == [f"{name}.py" for name in ASSIGNMENTS]
    result = grade(archive, ASSIGNMENTS, seed=5)
    assert result.score == result.max_score
    make_submission(folder)
    assert archive.read_bytes() == first


def test_make_submission_reports_a_syntax_error_and_a_missing_file(built, tmp_path):
    """A file that does not parse is named with its line; a missing assignment file is one error line, exit 2."""
    folder = handout_copy(built, tmp_path, references=True)
    (folder / "backprop.py").write_text("def affine_forward(x, w, b)\n    return x\n")
    done = make_submission(folder, "backprop")
    assert "warning: backprop.py has a syntax error (line 1): expected ':'. As it is, nothing in it can be graded." in done.stdout
    (folder / "backprop.py").unlink()
    done = make_submission(folder, "backprop")
    assert done.returncode == 2
    assert done.stderr.startswith("error: backprop.py not found in") and done.stderr.count("\n") == 1


def test_make_submission_of_a_notebook(built, tmp_path):
    """--notebook zips <assignment>.ipynb (the handout's, the reference pasted in: no warnings), and the grader grades it in full."""
    folder = handout_copy(built, tmp_path, references=False)
    book = json.loads((folder / "backprop.ipynb").read_text())
    book["cells"].insert(2, {"cell_type": "code", "execution_count": None, "id": "mine", "metadata": {}, "outputs": [],
                             "source": reference_source("backprop")})
    (folder / "backprop.ipynb").write_text(json.dumps(book))
    done = make_submission(folder, "--notebook", "backprop")
    assert done.returncode == 0 and "warning" not in done.stdout, done.stdout
    assert zipfile.ZipFile(folder / "submission.zip").namelist() == ["backprop.ipynb"]
    result = grade(folder / "submission.zip", ["backprop"], seed=5)
    assert result.score == result.max_score


def test_make_submission_without_names_zips_only_the_changed_files(built, tmp_path):
    """No names: only the assignments whose files differ from the stub (line endings aside) are zipped, without a warning about the others."""
    folder = handout_copy(built, tmp_path, references=False)
    shutil.copyfile(SOLUTIONS / "conv.py", folder / "conv.py")
    (folder / "dropout.py").write_bytes((folder / "dropout.py").read_bytes().replace(b"\n", b"\r\n"))  # a Windows checkout
    done = make_submission(folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {folder / 'submission.zip'} (conv.py)\nUpload it to Gradescope.\n"
    assert zipfile.ZipFile(folder / "submission.zip").namelist() == ["conv.py"]


def test_make_submission_with_nothing_changed_asks_which(built, tmp_path):
    """No names and every file still the stub: one line asking for the assignment, exit 2, no zip."""
    folder = handout_copy(built, tmp_path, references=False)
    done = make_submission(folder)
    assert done.returncode == 2 and not (folder / "submission.zip").exists()
    assert done.stderr == ("error: none of the assignment files differs from the handout yet: name the one to submit, "
                           "for example `python make_submission.py backprop`\n")


def test_make_submission_refuses_a_notebook_without_the_functions(built, tmp_path):
    """--notebook on the handout's notebook (it calls backprop.py's functions, defines none): one line saying to submit backprop.py."""
    folder = handout_copy(built, tmp_path, references=False)
    done = make_submission(folder, "--notebook", "backprop")
    assert done.returncode == 2 and not (folder / "submission.zip").exists()
    assert done.stderr == ("error: backprop.ipynb defines none of backprop's functions (the notebook calls them from backprop.py): "
                           "submit backprop.py with `python make_submission.py backprop`\n")


def test_make_submission_out_into_a_missing_folder_or_onto_a_folder(built, tmp_path):
    """--out in a folder that does not exist yet creates it; --out at a folder is one error line, exit 2."""
    folder = handout_copy(built, tmp_path, references=True)
    done = make_submission(folder, "backprop", "--out", str(tmp_path / "new" / "s.zip"))
    assert done.returncode == 0 and zipfile.ZipFile(tmp_path / "new" / "s.zip").namelist() == ["backprop.py"]
    done = make_submission(folder, "backprop", "--out", str(tmp_path / "new"))
    assert done.returncode == 2 and done.stderr == f"error: cannot write {tmp_path / 'new'}: Is a directory\n"


# -- a fresh environment ------------------------------------------------------------------------

def test_fresh_environment_runs_the_public_checks(built, tmp_path):
    """A new venv with only requirements.txt: the public checks pass on the references and fail on the stubs."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    python = str(tmp_path / "venv" / "bin" / "python")
    environment = {**os.environ, "PIP_CACHE_DIR": str(tmp_path / "pip-cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    environment.pop("PYTHONPATH", None)
    install = subprocess.run([python, "-m", "pip", "install", "-q", "-r", str(HANDOUT / "requirements.txt")],
                             env=environment, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    check_files = sorted(p.name for p in (HANDOUT / "checks").glob("test_*.py"))

    def run_checks(folder):
        return subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider"], cwd=folder, env=environment, capture_output=True, text=True, timeout=600)

    stubs = run_checks(handout_copy(built, tmp_path / "stubs", references=False))
    assert stubs.returncode == 1, stubs.stdout[-2000:]
    assert " passed" not in stubs.stdout.splitlines()[-1] and " failed" in stubs.stdout.splitlines()[-1]
    references = run_checks(handout_copy(built, tmp_path / "references", references=True))
    assert references.returncode == 0, references.stdout[-3000:]
    assert len(check_files) >= 1
    probe = subprocess.run([python, "-c", "import numpy, autograder"], cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert "No module named 'autograder'" in probe.stderr  # the checks ran without the project's code
    submission = make_submission(tmp_path / "references" / "handout", python=python)
    assert submission.returncode == 0 and "warning" not in submission.stdout


def test_release_command(tmp_path, capsys):
    """`dlgrade release --out DIR` writes the handout and names the assignments; a folder that is not a handout is exit 2."""
    from autograder.cli import main

    assert main(["release", "--out", str(tmp_path / "handout")]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'handout'} ({', '.join(ASSIGNMENTS)})\n"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert main(["release", "--out", str(tmp_path / "other")]) == 2
    assert "is not a handout (no make_submission.py): refusing to replace it" in capsys.readouterr().err
    assert main(["release", "--out", str(tmp_path / "other" / "notes.txt")]) == 2
    assert capsys.readouterr().err == f"dlgrade: error: {tmp_path / 'other' / 'notes.txt'} is a file: give --out a folder (a new one, or an earlier handout to replace)\n"
    assert main(["release", "--out", str(tmp_path / "other" / "notes.txt" / "handout")]) == 2
    assert capsys.readouterr().err.startswith(f"dlgrade: error: cannot write {tmp_path / 'other' / 'notes.txt' / 'handout'} (")


def test_the_data_comparison_ignores_only_last_bits(tmp_path):
    """same_values takes floats that differ in their last bits (another CPU's vector code) as the
    same, and anything more as different: a value, a dtype, a shape, a name, a missing entry."""
    values = {"name": "relu", "x": np.linspace(-1, 1, 7), "n": np.arange(3), "scale": 0.1, "more": [1, None]}
    payload = wire_values(wire.encode(values))
    noisy = {**values, "x": values["x"] * (1 + 1e-15), "scale": 0.1 * (1 + 1e-15)}
    assert same_values(payload, wire_values(wire.encode(noisy)))
    for changed in ({"x": values["x"] * (1 + 1e-6)}, {"x": values["x"].astype(np.float32)}, {"x": values["x"][:6]},
                    {"n": np.arange(1, 4)}, {"name": "tanh"}, {"scale": 0.2}, {"more": [1]}):
        assert not same_values(payload, wire_values(wire.encode({**values, **changed}))), changed
    assert not same_values(payload, wire_values(wire.encode({key: value for key, value in values.items() if key != "n"})))
