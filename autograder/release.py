"""The student handout: ``dlgrade release`` builds ``student_template/`` from ``assignments/``.

An assignment is released when it has a stub ``assignments/<a>.py``, a reference
``solutions/<a>.py`` and a suite in ``autograder/suites/``. The handout holds, for each:
the stub, its notebook (built from ``assignments/notebooks/<a>.py``), its public checks:
the suite's visible cases as data, with the reference's outputs, and a test file that runs
them (:mod:`autograder.public`); and once: the checks' runner (``assignments/checks/``)
with its copy of the grader's judging code, the support modules (top-level ``.py`` files in ``assignments/`` with no
reference: shared code, not graded), other folders of ``assignments/`` (``data/``), and the
scaffold (``assignments/scaffold/``: README, requirements, ``make_submission.py``).
Nothing else: no reference code, nothing of ``autograder``.

The output is deterministic (the same sources give the same bytes) so CI can diff it.
"""

from __future__ import annotations

import ast
import hashlib
import re
import shutil
from pathlib import Path

from . import notebooks, public
from .grade import SOLUTIONS, reference
from .suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
HANDOUT = ROOT / "student_template"
BUILT_HERE = ("checks", "notebooks", "scaffold", "__pycache__")  # folders of assignments/ not copied as they are
TABLE_MARK = "<!-- assignments -->"
TEST_FILE = '''"""Public checks for {name}.py: its visible graded cases, as on Gradescope (made by `dlgrade release`).

    pytest checks/test_{name}.py                      every visible case
    pytest checks/test_{name}.py::test_<function>     the cases of one function (its exact name)
"""

from .harness import pytest_tests

globals().update(pytest_tests("{name}"))
'''
NAMES_LINE = "ASSIGNMENTS = {}  # the handout's assignments: written here by `dlgrade release`"


class ReleaseError(Exception):
    """The handout cannot be built; the message says what to fix."""


def released(assignments: Path = ASSIGNMENTS, solutions: Path = SOLUTIONS, suites: dict = SUITES) -> list[str]:
    """The assignments to hand out: a stub, a reference and a suite each; sorted."""
    return sorted(path.stem for path in Path(assignments).glob("*.py")
                  if path.stem in suites and (Path(solutions) / path.name).exists())


def release(out: Path = HANDOUT, assignments: Path = ASSIGNMENTS, solutions: Path = SOLUTIONS, suites: dict = SUITES) -> list[str]:
    """Build the handout into ``out`` (replacing a previous handout there); return the assignments released.

    Raises :class:`ReleaseError` when ``out`` exists and is not a handout, or the visible
    cases cannot be written (the reference fails on one, or its judging code cannot be shipped alone); :class:`notebooks.SourceError` for a malformed notebook source.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} is a file: give --out a folder (a new one, or an earlier handout to replace)")
    if out.exists() and any(out.iterdir()) and not (out / "make_submission.py").exists():
        raise ReleaseError(f"{out} exists and is not a handout (no make_submission.py): refusing to replace it")
    names = released(assignments, solutions, suites)
    staging = out.with_name(f".{out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        build(staging, names, Path(assignments), Path(solutions))
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return names


def build(target: Path, names: list[str], assignments: Path, solutions: Path) -> None:
    """Write the handout of the assignments ``names`` into the new folder ``target``."""
    target.mkdir(parents=True)
    for name in names:
        shutil.copyfile(assignments / f"{name}.py", target / f"{name}.py")
    for path in sorted(assignments.glob("*.py")):
        if not (solutions / path.name).exists():  # a support module: shared code with no reference
            shutil.copyfile(path, target / path.name)
    for folder in sorted(p for p in assignments.iterdir() if p.is_dir() and p.name not in BUILT_HERE):
        shutil.copytree(folder, target / folder.name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    sources = notebooks.sources(assignments / "notebooks")
    for name in names:
        if name in sources:
            notebooks.write(notebooks.build(sources[name]), target / f"{name}.ipynb")
    _checks(target / "checks", names, assignments / "checks", solutions)
    _scaffold(target, names, assignments)


def _checks(target: Path, names: list[str], checks: Path, solutions: Path) -> None:
    """The checks' runner and, for each released assignment, its visible cases as data and a
    test file that turns them into pytest items (:mod:`autograder.public`)."""
    target.mkdir()
    for helper in ("__init__.py", "harness.py"):
        shutil.copyfile(checks / helper, target / helper)
    try:
        public.write(target, names, solutions, reference)
    except public.PublicError as error:
        raise ReleaseError(str(error)) from error
    for name in names:
        (target / f"test_{name}.py").write_text(TEST_FILE.format(name=name))


def _scaffold(target: Path, names: list[str], assignments: Path) -> None:
    """The scaffold's files; the README gets the table of assignments, make_submission.py their names."""
    scaffold = assignments / "scaffold"
    for path in sorted(scaffold.iterdir()):
        if path.is_file():
            shutil.copyfile(path, target / path.name)
    readme = (target / "README.md").read_text()
    (target / "README.md").write_text(_replace_once(readme, TABLE_MARK, _table(target, names), "README.md"))
    script = (target / "make_submission.py").read_text()
    (target / "make_submission.py").write_text(_replace_once(script, NAMES_LINE, _stubs(target, names), "make_submission.py"))


def _stubs(target: Path, names: list[str]) -> str:
    """make_submission.py's ``ASSIGNMENTS``: each stub's digest (a file equal to it was not
    started, so it is not zipped by default) and its functions (a notebook must define one)."""
    rows = []
    for name in names:
        stub = target / f"{name}.py"
        functions = tuple(node.name for node in ast.parse(stub.read_text()).body
                          if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"))
        digest = hashlib.sha256(stub.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
        rows.append(f"    {name!r}: ({digest!r}, {functions!r}),")
    return "\n".join(["ASSIGNMENTS = {  # the handout's assignments: each stub's digest and functions, by `dlgrade release`", *rows, "}"])


def _replace_once(text: str, mark: str, replacement: str, where: str) -> str:
    if text.count(mark) != 1:
        raise ReleaseError(f"the scaffold's {where} must contain {mark!r} exactly once")
    return text.replace(mark, replacement)


def _table(target: Path, names: list[str]) -> str:
    """A Markdown table of the assignments, in course order ("Assignment k" in the stub's docstring)."""
    def title(name: str) -> str:
        first = (target / f"{name}.py").read_text().lstrip().removeprefix('"""').splitlines()[0]
        return first.strip().rstrip(".")

    def order(name: str):
        number = re.match(r"Assignment (\d+)", title(name))
        return (int(number[1]) if number else 1 << 30, name)

    rows = ["| assignment | your file | notebook | check it |", "|---|---|---|---|"]
    for name in sorted(names, key=order):
        notebook = f"`{name}.ipynb`" if (target / f"{name}.ipynb").exists() else ""
        checks = f"`pytest checks/test_{name}.py`" if (target / "checks" / f"test_{name}.py").exists() else ""
        rows.append(f"| {title(name)} | `{name}.py` | {notebook} | {checks} |")
    return "\n".join(rows)
