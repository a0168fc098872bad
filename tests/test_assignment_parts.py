"""Every assignment has every part README's "Adding an assignment" lists.

For each suite in autograder/suites/: the stub (its docstring's first line numbering it, every
task raising NotImplementedError with its own name), the reference with the same functions and
signatures, visible cases for the public checks (made from the suite: nothing to write), the
notebook source, the reference and grading tests with the assignment's marker registered, the README table row and its section in docs/CONTRACT.md.
"""

from __future__ import annotations

import ast
import re
import tomllib

import pytest

from autograder.suites import SUITES
from submissions import ROOT

pytestmark = pytest.mark.engine

def functions(path) -> dict:
    """{name: ast.FunctionDef} of a module's public top-level functions."""
    return {node.name: node for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def signature(function: ast.FunctionDef) -> str:
    return ast.unparse(function.args)


@pytest.mark.parametrize("name", sorted(SUITES))
def test_stub_and_reference(name):
    """The stub's docstring starts "Assignment K: ..."; each task raises NotImplementedError("<its name>: not implemented yet ...")
    (a helper the student pastes from an earlier assignment: "<its name>: paste yours ...");
    the reference defines the stub's functions with the same signatures."""
    stub_path, reference_path = ROOT / "assignments" / f"{name}.py", ROOT / "solutions" / f"{name}.py"
    assert stub_path.is_file() and reference_path.is_file()
    assert re.match(r"Assignment \d+: \S", ast.get_docstring(ast.parse(stub_path.read_text())) or ""), f"{name}.py's docstring"
    stubs, references = functions(stub_path), functions(reference_path)
    tasks = {function: node for function, node in stubs.items()
             if any(isinstance(inner, ast.Raise) and "NotImplementedError" in ast.unparse(inner) for inner in ast.walk(node))}
    assert tasks, f"{name}.py has no task"
    for function, node in tasks.items():
        raised = next(inner for inner in ast.walk(node) if isinstance(inner, ast.Raise) and "NotImplementedError" in ast.unparse(inner))
        assert re.search(rf"'{function}: (not implemented yet|paste yours)", ast.unparse(raised)), f"{name}.{function}"
    assert set(stubs) <= set(references), f"solutions/{name}.py lacks {sorted(set(stubs) - set(references))}"
    assert {function: signature(stubs[function]) for function in stubs} == {function: signature(references[function]) for function in stubs}


@pytest.mark.parametrize("name", sorted(SUITES))
def test_checks_notebook_and_tests(name):
    """Visible cases (the public checks), a notebook source, reference and grading tests carrying the assignment's registered marker."""
    assert any(case.visibility == "visible" for case in SUITES[name].cases)
    assert not (ROOT / "assignments" / "checks" / f"test_{name}.py").exists()  # the suite's visible cases are the checks
    assert (ROOT / "assignments" / "notebooks" / f"{name}.py").is_file()
    for test in (f"test_{name}_reference.py", f"test_{name}_grading.py"):
        assert (ROOT / "tests" / test).is_file(), test
        assert f"pytest.mark.{name}" in (ROOT / "tests" / test).read_text(), f"{test} is not marked {name}"
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    assert any(marker.startswith(f"{name}:") for marker in markers)


@pytest.mark.parametrize("name", sorted(SUITES))
def test_documented(name):
    """A row in README.md's table of assignments and a section in docs/CONTRACT.md."""
    assert re.search(rf"^\| `{name}` \|", (ROOT / "README.md").read_text(), re.M), f"README.md has no row for {name}"
    assert re.search(rf"^## {name}\.py", (ROOT / "docs" / "CONTRACT.md").read_text(), re.M), f"docs/CONTRACT.md has no section for {name}"
