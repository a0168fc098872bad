"""Building backprop submissions from the reference's source, and grading them: shared by the
fault and hostile-submission tests."""

from __future__ import annotations

import ast
from pathlib import Path

from autograder.grade import grade
from autograder.sandbox import Limits
from autograder.suites.backprop import SUITE

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = (ROOT / "solutions" / "backprop.py").read_text()
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


def graded(tmp_path: Path, source: str, limits: Limits):
    """Grade a submission folder holding ``backprop.py`` with ``source``; the result and its one assignment."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "backprop.py").write_text(source)
    result = grade(folder, ["backprop"], seed=SEED, limits=limits)
    (assignment,) = result.assignments
    return result, assignment


def calling(*functions: str) -> set[str]:
    """Names of the suite's cases whose plan calls any of ``functions``."""
    return {case.name for case in SUITE.cases if set(case.build(case.rng(SEED)).functions) & set(functions)}


def failed(assignment) -> dict[str, str]:
    """Failed case name -> its message."""
    return {case.name: case.message for case in assignment.cases if not case.passed}
