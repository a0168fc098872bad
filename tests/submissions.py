"""Building submissions from a reference's source (a function deleted, swapped for a wrong
version, a line changed), and grading them: shared by the assignment, fault and hostile tests.

The defaults are backprop's; every helper takes the assignment or its source explicitly.
The assignments' grading tests share ``Grades`` (a module's cache of graded sources),
``mutated`` and ``assert_fails_exactly`` (a mutation loses exactly the points of what it breaks).
"""

from __future__ import annotations

import ast
import hashlib
import tempfile
from pathlib import Path

import numpy as np

from autograder.grade import grade
from autograder.sandbox import Limits
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parents[1]


def reference_source(assignment: str) -> str:
    """The text of the reference solution ``solutions/<assignment>.py``."""
    return (ROOT / "solutions" / f"{assignment}.py").read_text()


def stub_source(assignment: str) -> str:
    """The text of the student stub ``assignments/<assignment>.py``."""
    return (ROOT / "assignments" / f"{assignment}.py").read_text()


REFERENCE = reference_source("backprop")
SEED = 1
MEMORY = 512 << 20
SLACK = 10.0  # seconds of worker start-ups and grading on top of the timeouts, on a busy machine


def defined(source: str) -> list[str]:
    """Names of the top-level functions ``source`` defines."""
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]


def without(source: str, *names: str) -> str:
    """``source`` with the top-level functions ``names`` deleted."""
    lines = source.splitlines(keepends=True)
    nodes = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef) and node.name in names]
    assert sorted(node.name for node in nodes) == sorted(names), f"not all of {names} are defined"
    for node in sorted(nodes, key=lambda node: node.lineno, reverse=True):
        del lines[node.lineno - 1 : node.end_lineno]
    return "".join(lines)


def swap(source: str, old: str, new: str) -> str:
    """``source`` with the one occurrence of ``old`` replaced by ``new``."""
    assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times"
    return source.replace(old, new)


def mutated(source: str, *replacements: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` of ``replacements`` swapped in turn (each old occurring exactly once)."""
    for old, new in replacements:
        source = swap(source, old, new)
    return source


def replaced(functions: str, source: str = REFERENCE) -> str:
    """``source`` with each function defined in ``functions`` replaced by that definition."""
    return without(source, *defined(functions)) + "\n\n" + functions.strip() + "\n"


def graded(tmp_path: Path, source: str, limits: Limits = Limits(), assignment: str = "backprop", seed: int = SEED):
    """Grade a submission holding only ``<assignment>.py`` with ``source``; the result and its one assignment."""
    folder = Path(tempfile.mkdtemp(prefix="submission", dir=tmp_path))
    (folder / f"{assignment}.py").write_text(source)
    result = grade(folder, [assignment], seed=seed, limits=limits)
    (assignment,) = result.assignments
    return result, assignment


def calling(*functions: str, assignment: str = "backprop") -> set[str]:
    """Names of the assignment's cases whose plan calls any of ``functions``."""
    cases = SUITES[assignment].cases
    return {case.name for case in cases if set(case.build(case.rng(SEED)).functions) & set(functions)}


def failed(assignment) -> dict[str, str]:
    """Failed case name -> its message."""
    return {case.name: case.message for case in assignment.cases if not case.passed}


def failing(result) -> set[str]:
    """Names of the failed cases of a SubmissionResult or AssignmentResult."""
    return {case.name for case in result.cases if not case.passed}


def hinted(result) -> dict[str, str]:
    """Case name -> hint name, for the cases that carry a hint."""
    return {case.name: case.hint for case in result.cases if case.hint}


def message(result, name: str) -> str:
    """The message of the one case called ``name``."""
    (text,) = [case.message for case in result.cases if case.name == name]
    return text


class Grades:
    """``grades(source, seed)``: the SubmissionResult of ``<assignment>.py`` holding ``source``,
    graded once per (source, seed) and then cached; each source is written once, to a folder
    below ``folder`` named by its hash, so the seeds of one source grade the same files."""

    def __init__(self, assignment: str, folder: Path):
        self.assignment = assignment
        self.folder = Path(folder)
        self.cache = {}

    def __call__(self, source: str, seed: int = SEED):
        if (source, seed) not in self.cache:
            submission = self.folder / f"{self.assignment}-{hashlib.sha256(source.encode()).hexdigest()[:16]}"
            if not submission.exists():
                submission.mkdir()
                (submission / f"{self.assignment}.py").write_text(source)
            self.cache[source, seed] = grade(submission, [self.assignment], seed=seed)
        return self.cache[source, seed]


def withheld(assignment: str, broken: set) -> set[str]:
    """The side cases of the assignment that a submission failing exactly the cases ``broken``
    loses as well, by the principle that side properties count only beside right values.

    Worked out here from the suite's declarations, apart from the engine's own code: a side
    case is a ``Raises``, a ``Compare`` with ``form_only`` outputs, a ``Property(side=True)``,
    a case with ``side_of``, or a case whose reference answer is all zeros (seed ``SEED``); it
    belongs to ``side_of`` or its plan's last call; a function's main case is its first visible
    case that is not a side case (else the first hidden one)."""
    from autograder import probes, wire
    from autograder.grade import reference
    from autograder.judge import Compare, Property, Raises
    from autograder.plan import execute

    solution = reference(assignment)

    def zero_answer(case, plan) -> bool:
        if not case.judge.needs_reference:
            return False
        values = execute(wire.copied(plan), solution, probes)[0]
        leaves = []
        def collect(value):
            if isinstance(value, (tuple, list)):
                [collect(item) for item in value]
            elif isinstance(value, dict):
                [collect(item) for item in value.values()]
            else:
                leaves.append(value)
        collect(values)
        return all(isinstance(leaf, (int, float, np.ndarray, np.generic)) and not np.any(leaf) for leaf in leaves)

    cases = SUITES[assignment].cases
    plans = [case.build(case.rng(SEED)) for case in cases]
    side = [isinstance(case.judge, Raises) or (isinstance(case.judge, Compare) and bool(case.judge.form_only))
            or (isinstance(case.judge, Property) and case.judge.side) or case.side_of is not None or zero_answer(case, plan)
            for case, plan in zip(cases, plans)]
    main = {}
    for visibility in ("visible", "hidden"):
        for case, plan, is_side in zip(cases, plans, side):
            if not is_side and case.visibility == visibility:
                main.setdefault(plan.functions[-1], case.name)
    return {case.name for case, plan, is_side in zip(cases, plans, side)
            if is_side and main[case.side_of or plan.functions[-1]] in broken}


def assert_fails_exactly(grades: Grades, source: str, expected: set, seeds) -> dict[str, str]:
    """On each of ``seeds``, ``source`` fails exactly ``expected`` (names of the assignment's cases
    that see its bug) and the side cases that lose their points because a main case is among them
    (:func:`withheld`, each with a "Withheld: " message), scoring 0 on
    each, and keeps every other point of the suite; the failed messages of the first seed."""
    suite = SUITES[grades.assignment]
    assert expected <= {case.name for case in suite.cases}, expected - {case.name for case in suite.cases}
    lost_too = withheld(grades.assignment, expected) - expected
    for seed in seeds:
        result = grades(source, seed)
        assert failing(result) == expected | lost_too, f"seed {seed}"
        assert all(failed(result)[name].startswith("Withheld: ") for name in lost_too), f"seed {seed}"
        assert all(case.score == 0 for case in result.cases if case.name in expected), f"seed {seed}"
        lost = sum(case.points for case in suite.cases if case.name in expected | lost_too)
        # points are multiples of 0.5, so these float sums are exact: no tolerance
        assert result.max_score == suite.max_score, f"seed {seed}"
        assert result.score == suite.max_score - lost, f"seed {seed}"
    return failed(grades(source, seeds[0]))


def mutations(assignment: str) -> list[str]:
    """The wrong submissions of ``tests/test_<assignment>_grading.py``: every module-level list
    or dict of its parametrized cases, read generically: an item's replacements ``[(old, new), ...]``
    applied to the reference with :func:`mutated`, or an item that is a whole source. In order,
    without repeats; a list the module builds from its own helpers is read as it is built."""
    import importlib

    import pytest

    module = importlib.import_module(f"test_{assignment}_grading")
    reference = reference_source(assignment)
    found = []

    def replacements(value) -> bool:
        return isinstance(value, (list, tuple)) and len(value) > 0 and all(
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(text, str) for text in pair) for pair in value)

    for value in vars(module).values():
        if not isinstance(value, (list, dict)):
            continue
        for item in value.values() if isinstance(value, dict) else value:
            parts = item.values if isinstance(item, type(pytest.param(None))) else item if isinstance(item, tuple) else (item,)
            for part in parts:
                if replacements(part):
                    found.append(mutated(reference, *part))
                elif isinstance(part, str) and part != reference and "\ndef " in part:
                    found.append(part)
    return list(dict.fromkeys(found))


FORM_ONLY = '''
import copy as _copy
import types as _types

import numpy as _np

_reference = _types.ModuleType("_reference")
exec(compile({source!r}, "reference", "exec"), _reference.__dict__)


ZEROS = {zeros!r}


def _shifted(value):
    """Of the same type, shape and dtype as value: every number + 1 and every bool negated, or
    (ZEROS) every entry 0 and False."""
    if isinstance(value, _np.ndarray):
        if value.dtype.kind not in "biufc":
            return value
        if ZEROS:
            return _np.zeros_like(value)
        return ~value if value.dtype == bool else value + value.dtype.type(1)
    if isinstance(value, (bool, _np.bool_)):
        return False if ZEROS else not value
    if isinstance(value, (int, float, _np.number)):
        return type(value)(0 if ZEROS else value + 1)
    if isinstance(value, (tuple, list)):
        return type(value)(_shifted(item) for item in value)
    if isinstance(value, dict):
        return {{key: _shifted(item) for key, item in value.items()}}
    return value


def _form_only(name):
    reference = getattr(_reference, name)

    def function(*args, **kwargs):
        return _shifted(reference(*_copy.deepcopy(args), **_copy.deepcopy(kwargs)))
    return function


for _name in {names!r}:
    globals()[_name] = _form_only(_name)
'''


def form_only(assignment: str, zeros: bool = False) -> str:
    """A submission with the form of the reference and none of its substance: each function of
    the stub runs the reference on copies of its arguments (so they stay untouched, and it raises
    where the reference raises) and returns its result with every number shifted by 1 and every
    bool negated, or with ``zeros`` every entry 0 and False (same types, shapes and dtypes)."""
    return FORM_ONLY.format(source=reference_source(assignment), names=defined(stub_source(assignment)), zeros=zeros)
