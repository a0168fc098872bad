"""Every assignment as an nbgrader course: ``dlgrade nbgrader export DIR``.

``DIR/nbgrader_config.py`` and, for each assignment, ``DIR/source/<a>/<a>.ipynb`` holding,
in the order of the stub:

- the stub's module docstring (markdown); the reference's module-level statements
  (imports, constants) in a read-only cell;
- a read-only cell of helpers for the tests (``assert_close``, the grader's own
  :func:`autograder.judge.compare`, from a copy of the judging modules in ``engine/``
  beside the notebook, with ``probes.py``);
- per function: a solution cell, the reference with its body between ``### BEGIN SOLUTION``
  and ``### END SOLUTION`` (nbgrader replaces the region with the config's code stub,
  ``# Your code here`` and ``raise NotImplementedError``; a private helper of the
  reference is nested in the solution of each function that uses it; a stub function that
  is not a task is a read-only cell), then an autograded test cell worth the points of
  the suite's cases for that function.

A test cell is written from the suite, generically: each case's plan becomes the calls it
makes, with its inputs written out (literals; ``packed(...)`` base64 for large arrays),
and its expected outputs, computed by the reference at export time, compared with
``assert_close`` (the grader's ladder and tolerance). Visible cases use the public inputs;
hidden cases use inputs drawn from ``seed`` and sit between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``. A ``Raises`` case checks the error; a ``Property`` case (random
outputs) is judged by the suite's own test, so it always sits in the hidden part and needs
dlgrade installed where nbgrader autogrades. A cell scores all of its points or none
(nbgrader's rule), so a function's score is coarser than ``dlgrade grade``'s, case by case.
"""

from __future__ import annotations

import ast
import base64
import inspect
import math
import shutil
import textwrap
from pathlib import Path

import nbformat
import numpy as np

from . import probes, wire
from .grade import SOLUTIONS, new_seed, reference
from .judge import Compare, Property, Raises
from .notebooks import METADATA, write
from .plan import Func, Made, Ref, execute
from .suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
STUBS = ROOT / "assignments"
HERE = Path(__file__).resolve().parent
JUDGING = ("judge.py", "plan.py", "wire.py")  # judge.compare and what it imports
CODE_STUB = "# Your code here"  # the stub's own raise, naming the function, follows the region (see _solution_cell)
CONFIG = f'''"""nbgrader configuration of the course written by `dlgrade nbgrader export`."""

c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.course_id = "dlgrade"
# What a solution region becomes in the students' notebooks: the stub's body.
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}

# Autograde without nbgrader's false checksum warning on cells with hidden tests
# (jupyter/nbgrader#1961); a cell a student changed still warns.
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec  # noqa: E402

from autograder.nbgrader_overwrite import OverwriteHiddenTestCells  # noqa: E402

c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteHiddenTestCells, CheckCellMetadata]
'''
HELPERS = '''"""Helpers of the test cells: assert_close judges like the grader (exact shape, dtype,
finite values, relative error max|a - e| / max(1e-8, |a| + |e|) within tol)."""
import base64
import contextlib
import functools
import warnings

import numpy as np

from engine.judge import Mismatch, compare
import probes


def assert_close(name, actual, expected, tol=1e-6):
    """Fail with the grader's message unless ``actual`` matches ``expected`` within ``tol``."""
    try:
        compare(name, actual, expected, tol)
    except Mismatch as mismatch:
        raise AssertionError(str(mismatch)) from None


@contextlib.contextmanager
def graded_calls(no_runtime_warnings=False):
    """Around a case's calls: warnings are not shown (nbgrader scores a cell that writes to
    stderr 0), except that with ``no_runtime_warnings`` numpy's RuntimeWarnings are errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if no_runtime_warnings:
            warnings.simplefilter("error", RuntimeWarning)
        yield


@contextlib.contextmanager
def raises(error, function):
    """The block must raise ``error``: the contract forbids these arguments."""
    try:
        yield
    except error:
        return
    raise AssertionError(f"{function} returned for these arguments; it should raise {error.__name__}")
'''
PACKED_ENTRIES = 100  # larger arrays are written packed: IPython reads a 2 MB cell of numbers slowly


def packed(text, shape, dtype):
    """The array written as ``packed(...)``: base64 of its little-endian bytes, exact to the bit."""
    flat = np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<"))
    return flat.astype(dtype).reshape(shape)  # a writable copy in the machine's byte order


def export(folder: Path, assignments=None, seed: int | None = None, suites: dict = SUITES,
           solutions: Path = SOLUTIONS, stubs: Path = STUBS) -> list[Path]:
    """Write the nbgrader course to ``folder``: ``nbgrader_config.py`` and, per assignment
    (default: every suite), ``source/<a>/<a>.ipynb`` with ``engine/`` (the judging modules) and ``probes.py``.

    Hidden tests draw their inputs from ``seed`` (default: a fresh secret one, as grading).
    Returns the notebooks written. ``KeyError`` for an unknown assignment; ``ValueError``
    when a reference lacks a function of the stub or a plan holds a value that cannot be
    written as code.
    """
    folder = Path(folder)
    seed = new_seed() if seed is None else seed
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(CONFIG)
    written = []
    for name in assignments or suites:
        source = folder / "source" / name
        source.mkdir(parents=True, exist_ok=True)
        (source / "engine").mkdir(exist_ok=True)
        (source / "engine" / "__init__.py").write_text('"""Copies of the grader\'s judging modules."""\n')
        for module in JUDGING:
            shutil.copyfile(HERE / module, source / "engine" / module)
        shutil.copyfile(probes.__file__, source / "probes.py")
        path = source / f"{name}.ipynb"
        stub = (Path(stubs) / f"{name}.py").read_text()
        write(notebook(suites[name], stub, (Path(solutions) / f"{name}.py").read_text(), reference(name, solutions), seed), path)
        written.append(path)
    return written


def answered(release: nbformat.NotebookNode, source: nbformat.NotebookNode, changes=()) -> nbformat.NotebookNode:
    """The released notebook with each solution cell answered by the source notebook's
    reference (the region markers dropped), as a student who wrote the reference would
    submit it. ``changes`` are (grade_id, old, new) edits of those answers, each ``old``
    occurring exactly once (``ValueError`` otherwise): a student's mistakes."""
    answers = {cell.metadata.nbgrader.grade_id: cell for cell in source.cells if "nbgrader" in cell.metadata}
    for cell in release.cells:
        if "nbgrader" not in cell.metadata or not cell.metadata.nbgrader.solution:
            continue
        grade_id = cell.metadata.nbgrader.grade_id
        lines = answers[grade_id].source.splitlines()
        cell.source = "\n".join(line for line in lines if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        for _, old, new in [change for change in changes if change[0] == grade_id]:
            if cell.source.count(old) != 1:
                raise ValueError(f"{grade_id}: {old!r} occurs {cell.source.count(old)} times in the answer")
            cell.source = cell.source.replace(old, new)
    return release


def notebook(suite, stub: str, solution: str, module, seed: int) -> nbformat.NotebookNode:
    """The nbgrader source notebook of one assignment (see the module docstring).

    ``stub`` and ``solution`` are the sources of the stub and the reference, ``module`` the
    imported reference (it computes the expected values).
    """
    stub_tree, solution_tree = ast.parse(stub), ast.parse(solution)
    functions = {node.name: node for node in solution_tree.body if isinstance(node, ast.FunctionDef)}
    given = {node.name: node for node in stub_tree.body if isinstance(node, ast.FunctionDef) and not _is_task(node)}
    graded = [node.name for node in stub_tree.body if isinstance(node, ast.FunctionDef)]
    missing = [name for name in graded if name not in functions]
    if missing:
        raise ValueError(f"solutions/{suite.assignment}.py lacks {', '.join(missing)}")
    helpers = {name: node for name, node in functions.items() if name not in graded}
    tests = _tests_by_function(suite, module, seed)

    title, _, rest = (ast.get_docstring(stub_tree) or suite.assignment).partition("\n")
    cells = [nbformat.v4.new_markdown_cell(f"# {title.rstrip('.')}\n\n{_markdown(rest.strip())}")]
    imports = [ast.get_source_segment(solution, node) for node in solution_tree.body
               if not isinstance(node, ast.FunctionDef) and not _is_docstring(node)]
    cells.append(_cell("code", "\n".join(imports), "imports", locked=True))
    cells.append(_cell("code", f"{HELPERS.strip()}\n\n\n{inspect.getsource(packed).strip()}", "test_helpers", locked=True))
    for name in graded:
        cells.append(nbformat.v4.new_markdown_cell(f"## {name}\n\n{ast.get_docstring(functions[name]).partition(chr(10))[0]}"))
        if name in given:  # the stub's own code, not a task: students get it as it is
            cells.append(_cell("code", ast.get_source_segment(stub, given[name]), name, locked=True))
        else:
            stub_function = next(node for node in stub_tree.body if isinstance(node, ast.FunctionDef) and node.name == name)
            cells.append(_cell("code", _solution_cell(solution, functions[name], helpers, _raise_of(stub, stub_function)), name, solution=True))
        visible, hidden, points = tests.pop(name, ([], [], 0))
        if visible or hidden:
            cells.append(_cell("code", _test_cell(name, visible, hidden, points), f"test_{name}", points=points))
    if tests:
        raise ValueError(f"suite {suite.assignment!r} grades {', '.join(tests)}, which the stub does not define")
    book = nbformat.v4.new_notebook(metadata=dict(METADATA), cells=cells)
    for position, cell in enumerate(book.cells):
        cell.id = f"cell-{position}"
    return book


def _markdown(docstring: str) -> str:
    """A docstring's prose as Markdown: its indented lines (formulas, examples) fenced as code,
    never left for Markdown to guess at; the prose as it is."""
    out, block = [], []
    for line in docstring.splitlines() + [""]:
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line)
            continue
        if block:
            while block and not block[-1].strip():
                block.pop()
            out += ([""] if out and out[-1].strip() else []) + ["```", *textwrap.dedent("\n".join(block)).splitlines(), "```", ""]
            block = []
        out.append(line)
    return "\n".join(out).strip()


def _is_task(function: ast.FunctionDef) -> bool:
    """Whether a stub's function is a task: its body raises NotImplementedError."""
    return any(isinstance(node, ast.Raise) and "NotImplementedError" in ast.unparse(node) for node in ast.walk(function))


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _cell(kind: str, source: str, grade_id: str, solution=False, locked=False, points=None):
    """A code cell with nbgrader's metadata (schema 3): a solution, read-only, or graded test cell."""
    metadata = {"grade": points is not None, "grade_id": grade_id, "locked": locked or points is not None,
                "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        metadata["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": metadata})


# -- solution cells ---------------------------------------------------------------------------

def _raise_of(stub: str, function: ast.FunctionDef) -> str:
    """The stub function's ``raise NotImplementedError("<name>: not implemented yet ...")``, as written."""
    node = next(node for node in ast.walk(function) if isinstance(node, ast.Raise) and "NotImplementedError" in ast.unparse(node))
    return ast.get_source_segment(stub, node)


def _solution_cell(source: str, function: ast.FunctionDef, helpers: dict, stub_raise: str) -> str:
    """The reference's function, its body (after the docstring) in a solution region; the
    private helpers it uses, transitively, nested at the start of the region; after it, the
    stub's ``stub_raise``, which the released notebook reaches until the student's code
    returns (the reference always returns first: ``ValueError`` when its body does not end
    with a return or a raise)."""
    if not isinstance(function.body[-1], (ast.Return, ast.Raise)):
        raise ValueError(f"the reference's {function.name} does not end with a return: the stub's raise after it would run")
    lines = source.splitlines()
    body = function.body[1:] if _is_docstring(function.body[0]) else function.body
    if not body:
        raise ValueError(f"the reference's {function.name} has no body")
    indent = " " * body[0].col_offset
    start = function.body[0].end_lineno if body is not function.body else function.body[0].lineno - 1
    first = min([function.lineno] + [d.lineno for d in function.decorator_list])
    nested = [textwrap.indent(textwrap.dedent(ast.get_source_segment(source, helpers[name], padded=True)), indent) + "\n"
              for name in _used_helpers(function, helpers)]
    region = [f"{indent}### BEGIN SOLUTION", *nested, *lines[start:function.end_lineno], f"{indent}### END SOLUTION", f"{indent}{stub_raise}"]
    return "\n".join(lines[first - 1:start] + region)


def _used_helpers(function: ast.FunctionDef, helpers: dict) -> list[str]:
    """Names of the ``helpers`` that ``function`` calls, directly or through another helper, in source order."""
    used, todo = set(), [function]
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Name) and node.id in helpers and node.id not in used:
                used.add(node.id)
                todo.append(helpers[node.id])
    return sorted(used, key=lambda name: helpers[name].lineno)


# -- test cells -------------------------------------------------------------------------------

def _tests_by_function(suite, module, seed: int) -> dict:
    """{function: (visible case blocks, hidden case blocks, points)}, functions in suite order.

    A case belongs to the function whose call produces what it judges (the last one its
    outputs refer to; for a ``Raises`` case, the plan's last call).
    """
    tests = {}
    for case in suite.cases:
        plan = case.build(case.rng(seed))
        steps = [ref.index for ref in _refs(plan.outputs)]
        function = plan.calls[-1 if isinstance(case.judge, Raises) or not steps else max(steps)].function
        visible, hidden, points = tests.setdefault(function, ([], [], 0))
        hidden_part = case.visibility == "hidden" or isinstance(case.judge, Property)
        (hidden if hidden_part else visible).append(_case_code(case, plan, module, seed, suite.assignment))
        tests[function] = (visible, hidden, points + case.points)
    return tests


def _test_cell(function: str, visible: list, hidden: list, points) -> str:
    parts = [f"# Tests of {function}: {_points(points)} in all; the cell scores all or nothing."]
    parts += visible
    if hidden:
        if any("property_problems(" in block for block in hidden):  # judged by the suite: needs dlgrade at autograde time
            hidden = ["from autograder.nbgrader_export import property_problems", *hidden]
        parts += ["### BEGIN HIDDEN TESTS", *hidden, "### END HIDDEN TESTS"]
    return "\n\n".join(parts)


def _points(points) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _case_code(case, plan, module, seed: int, assignment: str) -> str:
    """The code of one case: its calls with literal inputs, then the judgement."""
    inputs = wire.copied(plan)  # written out before the reference runs: it may write into them
    named = {ref.index for ref in _refs([(c.args, c.kwargs) for c in plan.calls] + [plan.outputs]) if ref.kind == "arg"}
    calls = [_call_code(call, call.step in named) for call in inputs.calls]
    judge = case.judge
    header = f"# {case.name} ({_points(case.points)})"
    if isinstance(judge, Raises):
        *before, last = calls
        lines = before + [f"with raises({_error_name(judge.error)}, {plan.calls[-1].function!r}):", textwrap.indent(last, "    ")]
        return "\n".join([header, "with graded_calls():", textwrap.indent("\n".join(lines), "    ")])
    strict = "no_runtime_warnings=True" if isinstance(judge, Compare) and judge.no_warnings else ""
    lines = [header, f"with graded_calls({strict}):", textwrap.indent("\n".join(calls), "    ")]
    if isinstance(judge, Property):
        outputs = ", ".join(f"{name!r}: {literal(ref)}" for name, ref in plan.outputs.items())  # a Ref, or a container of them
        lines += [f"problems = property_problems({assignment!r}, {case.name!r}, {seed}, {{{outputs}}})",
                  'assert not problems, " ".join(problems)']
        return "\n".join(lines)
    expected, _ = execute(wire.copied(plan), module, probes)
    tol = judge.tol if isinstance(judge, Compare) else 1e-6
    for name, ref in plan.outputs.items():
        this_tol = math.inf if isinstance(judge, Compare) and name in judge.form_only else tol
        lines += _checks(name, literal(ref), expected[name], this_tol)
    return "\n".join(lines)


def _error_name(error: type) -> str:
    """How the notebook names an exception class: builtins by name, numpy's through ``np``."""
    if error.__module__ == "builtins":
        return error.__qualname__
    if error.__module__.split(".")[0] == "numpy":
        return "np." + ".".join([*error.__module__.split(".")[1:], error.__qualname__])
    raise ValueError(f"cannot name the exception {error.__module__}.{error.__qualname__} in a test cell")


def property_problems(assignment: str, case_name: str, seed: int, outputs: dict) -> list[str]:
    """What a ``Property`` case of the suite says about ``outputs`` (empty: it passes).

    For the hidden part of exported test cells, run by nbgrader at autograde time: the plan
    is rebuilt from the case and ``seed``, exactly as at export, so the test sees its inputs.
    """
    (case,) = [case for case in SUITES[assignment].cases if case.name == case_name]
    return case.judge.test(outputs, case.build(case.rng(seed)))


def _checks(name: str, code: str, expected, tol: float) -> list[str]:
    """assert_close lines for one expected output; tuples, lists and dicts item by item."""
    if isinstance(expected, (tuple, list)):
        return [f"assert len({code}) == {len(expected)}, {f'{name} should have {len(expected)} items'!r}"] + [
            line for i, item in enumerate(expected) for line in _checks(f"{name}[{i}]", f"{code}[{i}]", item, tol)]
    if isinstance(expected, dict):
        return [line for key, item in expected.items() for line in _checks(f"{name}[{key!r}]", f"{code}[{key!r}]", item, tol)]
    if expected is None or isinstance(expected, str):
        return [f"assert {code} == {expected!r}, {f'{name} should be {expected!r}'!r}"]
    tolerance = 'float("inf")' if math.isinf(tol) else repr(tol)
    return [f"assert_close({name!r}, {code}, {literal(expected)}, tol={tolerance})"]


def _call_code(call, named: bool) -> str:
    """``_out<i> = function(...)``; with ``named``, the arguments are kept in ``_args<i>`` /
    ``_kwargs<i>`` so that an in-place update can be judged afterwards."""
    args = [literal(value) for value in call.args]
    kwargs = [f"{key}={literal(value)}" for key, value in call.kwargs.items()]
    if not named:
        return f"_out{call.step} = {call.function}({', '.join(args + kwargs)})"
    keywords = ", ".join(f"{key!r}: {literal(value)}" for key, value in call.kwargs.items())
    return "\n".join([f"_args{call.step} = [{', '.join(args)}]", f"_kwargs{call.step} = {{{keywords}}}",
                      f"_out{call.step} = {call.function}(*_args{call.step}, **_kwargs{call.step})"])


def _refs(value) -> list[Ref]:
    """Every :class:`Ref` inside ``value`` (nested tuples, lists, dicts)."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, (tuple, list)):
        return [ref for item in value for ref in _refs(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _refs(item)]
    return []


def _ref_code(ref: Ref) -> str:
    if ref.kind == "out":
        root, path = f"_out{ref.index}", ref.path
    else:
        key, path = ref.path[0], ref.path[1:]
        root = f"_args{ref.index}[{key}]" if isinstance(key, int) else f"_kwargs{ref.index}[{key!r}]"
    return root + "".join(f"[{key!r}]" for key in path)


def literal(value) -> str:
    """Python code that rebuilds ``value`` (arrays, numbers, strings, containers, plan values).

    ``ValueError`` for anything else: the test cell could not recreate it.
    """
    if isinstance(value, Ref):
        return _ref_code(value)
    if isinstance(value, Func):
        target = f"probes.{value.name}" if value.source == "probe" else value.name
        if not value.kwargs:
            return target
        return f"functools.partial({target}, {', '.join(f'{key}={literal(item)}' for key, item in value.kwargs)})"
    if isinstance(value, Made):
        return f"probes.{value.name}({', '.join(f'{key}={literal(item)}' for key, item in value.kwargs)})"
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({_number(value.item())})"
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, tuple):
        return f"({', '.join(literal(item) for item in value)}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return f"[{', '.join(literal(item) for item in value)}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(key)}: {literal(item)}" for key, item in value.items()) + "}"
    raise ValueError(f"cannot write a value of type {type(value).__name__} as code in a test cell")


def _number(value) -> str:
    """A float's shortest exact repr; infinities and NaN as numpy's names."""
    if isinstance(value, float) and not math.isfinite(value):
        return "np.nan" if math.isnan(value) else ("np.inf" if value > 0 else "-np.inf")
    return repr(value)


def _array(array: np.ndarray) -> str:
    """``np.array(...)`` with the exact values, one row per line for matrices and beyond;
    ``packed(...)`` beyond ``PACKED_ENTRIES`` entries."""
    if array.dtype.kind not in "biuf":
        raise ValueError(f"cannot write a numpy array of dtype {array.dtype} as code in a test cell")
    dtype = "" if array.dtype == np.float64 else f", dtype=np.{array.dtype.name}"
    if array.size == 0:
        return f"np.zeros({array.shape}{dtype or ', dtype=np.float64'})"
    if array.size > PACKED_ENTRIES:
        data = base64.b64encode(array.astype(array.dtype.newbyteorder("<")).tobytes()).decode()
        return f"packed({data!r}, {array.shape}, {array.dtype.name!r})"

    def nested(items) -> str:
        return f"[{', '.join(nested(item) for item in items)}]" if isinstance(items, list) else _number(items)

    values = array.tolist()
    if array.ndim < 2:
        return f"np.array({nested(values)}{dtype})"
    rows = ",\n    ".join(nested(row) for row in values)
    return f"np.array([\n    {rows},\n]{dtype})"
