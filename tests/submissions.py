"""Building submissions from a reference's source (a function deleted, swapped for a wrong
version, a line changed), and grading them: shared by the assignment, fault and hostile tests.

The defaults are backprop's; every helper takes the assignment or its source explicitly.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

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
