"""The handout's public checks, made from the graded suites: one definition of a case.

``dlgrade release`` writes into the handout's ``checks/``:

- ``data/<assignment>.cases``: every visible case as data, one :mod:`autograder.wire` message:
  its name, points, the plan (the calls and their inputs, drawn at the public seed), the
  reference's outputs, the judge (its class and fields) and, for each hint, the wrong
  variant's outputs on those inputs: values, never the hint's code; and the public-only
  central-difference checks those cases allow (:mod:`autograder.gradients`);
- ``engine/``: copies of the grader's own judging modules (:data:`ENGINE`), so that the
  student's machine judges with the same code as Gradescope;
- ``engine/suites/<assignment>.py``, for a suite whose visible cases are judged by code of
  its own (a :class:`~autograder.judge.Property` test, a hint's ``test``): only the
  top-level statements of the suite that this code needs (a dependency closure over the
  names it uses), never the cases, their inputs or the other hints.

Code is named in the data by a path from a module's globals (``share_near_p``,
``HINTS["he_normal"][2].test``); code reachable only through ``SUITE`` stops the release
with a message, since shipping it would ship the whole suite.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import shutil
import sys
import types
from pathlib import Path

from . import gradients, hints as hints_module, judge as judge_module, probes, wire
from .plan import execute
from .sandbox import Limits
from .substance import Role, all_zero, main_cases
from .suites import SUITES

HERE = Path(__file__).resolve().parent
# the grader's modules the handout's checks run on: what judging a case needs, and the
# worker's own way of running a plan and describing an error (its process code is not used)
ENGINE = ("gradients.py", "hints.py", "judge.py", "plan.py", "probes.py", "results.py", "substance.py", "suite.py", "wire.py", "worker.py")
EXTENSION = ".cases"


class PublicError(Exception):
    """The visible cases cannot be written for the handout; the message says what to fix."""


def write(checks: Path, names: list[str], solutions: Path, reference) -> None:
    """Write ``engine/`` and, for each assignment of ``names``, its visible cases into ``checks``.

    ``reference(name, solutions)`` imports a reference module. Raises :class:`PublicError`
    when a case's code cannot be shipped on its own, or the reference fails on a visible case.
    """
    engine = checks / "engine"
    (engine / "suites").mkdir(parents=True)
    (engine / "__init__.py").write_text('"""Copies of the grader\'s judging code, made by `dlgrade release`: never edit them."""\n')
    (engine / "suites" / "__init__.py").write_text('"""The judging code of the suites\' visible cases, and nothing else of the suites."""\n')
    for name in ENGINE:
        shutil.copyfile(HERE / name, engine / name)
    (checks / "data").mkdir()
    for name in names:
        suite = SUITES[name]
        module = _suite_module(name)
        roots: set = set()
        solution = reference(name, solutions)
        visible = [case for case in suite.cases if case.visibility == "visible"]
        cases = [_case(case, solution, module, roots) for case in visible]
        _check_gated(cases)
        if roots:
            (engine / "suites" / f"{name}.py").write_text(sliced(module, roots))
        data = {"assignment": name, "memory_bytes": Limits().memory_bytes, "cases": cases,
                "gradient_checks": gradient_checks(visible, solution)}
        (checks / "data" / f"{name}{EXTENSION}").write_bytes(wire.encode(data))


def gradient_checks(cases, solution) -> list[dict]:
    """The central-difference checks (:mod:`autograder.gradients`) the visible ``cases`` allow,
    one per case name (the outputs of a backward pass graded one by one share one check),
    named ``"<case>: central differences"``."""
    found = {}
    for case in cases:
        plan = case.build(case.rng(secret_seed=0))
        stem = case.name.removesuffix(f": {next(iter(plan.outputs))}") if len(plan.outputs) == 1 else case.name
        if stem not in found:
            found[stem] = gradients.derive(plan, solution)
    return [{"name": f"{stem}: central differences", **check} for stem, check in found.items() if check is not None]


def _suite_module(name: str) -> types.ModuleType:
    """The module of ``autograder/suites/`` that defines the suite of assignment ``name``."""
    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "SUITE", None) is SUITES[name]:
            return module
    raise PublicError(f"no module defines the suite {name!r}")


def _case(case, solution, module, roots: set) -> dict:
    """One visible case as data; ``roots`` collects the suite's globals its code needs."""
    plan = case.build(case.rng(secret_seed=0))  # a visible case draws from the public seed: 0 is never used
    expected = None
    try:
        if case.judge.needs_reference:
            expected, _ = execute(wire.copied(plan), solution, probes)
        found = hints_module.candidates(case.hints, expected, plan, solution, case.judge)
    except Exception as error:
        cause = error.__cause__ or error  # a plan's StepError says which call; its cause says what
        raise PublicError(f"{case.name!r}: the reference failed on the visible inputs: {type(cause).__name__}: {cause}") from error
    hints = []
    for hint, variant in found:
        recorded = {"name": hint.name, "text": hint.text}
        recorded.update({"variant": variant} if variant is not None else {"test": _code(hint.test, module, roots, case.name)})
        hints.append(recorded)
    side = case.side or (expected is not None and all_zero(expected))  # as the grader decides it
    return {"name": case.name, "points": case.points, "about": case.about, "function": plan.functions[-1],
            "side": side, "side_of": case.side_of, "plan": plan, "expected": expected,
            "judge": _judge(case.judge, module, roots, case.name), "hints": hints}


def roles(cases) -> list[Role]:
    """The substance rule's view of the recorded visible ``cases`` (see :mod:`autograder.substance`)."""
    return [Role(case["name"], "visible", case["function"], case["side"], case["side_of"]) for case in cases]


def _check_gated(cases) -> None:
    """Raise :class:`PublicError` unless every visible side case's function has a visible main
    case: the handout must be able to tell, as Gradescope does, whether its points count."""
    main = main_cases(roles(cases))
    for role in roles(cases):
        if role.side and role.subject not in main:
            raise PublicError(f"{role.name!r} is a side case of {role.subject}, which has no visible main case: "
                              f"make one of {role.subject}'s value cases visible and put it first")


def _judge(judge, module, roots: set, where: str) -> dict:
    """A judge as data: its class (by path) and its dataclass fields (code by path)."""
    fields = {}
    for field in dataclasses.fields(judge):
        value = getattr(judge, field.name)
        if isinstance(value, type) and issubclass(value, BaseException):
            fields[field.name] = {"exception": [value.__module__, value.__qualname__]}  # builtins or numpy's
        elif callable(value):
            fields[field.name] = {"code": _code(value, module, roots, where)}
        else:
            fields[field.name] = {"value": value}
    return {"class": _code(type(judge), module, roots, where), "fields": fields}


def _code(value, module, roots: set, where: str) -> dict:
    """Where the handout finds ``value``: ``{"module": "judge" | "suites.<a>", "path": [...]}``."""
    for engine in (judge_module, hints_module):
        path = _path(value, engine)
        if path is not None:
            return {"module": engine.__name__.rsplit(".", 1)[-1], "path": path}
    path = _path(value, module, exclude=("SUITE",))
    if path is None:
        raise PublicError(f"{where!r}: {getattr(value, '__qualname__', value)!r} is reachable only through SUITE; "
                          f"bind it (or what holds it) to a name at the top of {module.__name__} so that the handout can ship it alone")
    roots.add(path[0][1])
    return {"module": f"suites.{module.__name__.rsplit('.', 1)[-1]}", "path": path}


def _path(value, module, exclude=(), depth: int = 5):
    """A shortest path ``[["attr", name], ["item", key] | ["attr", field], ...]`` from the globals
    of ``module`` (defined there, not imported) to ``value``, or ``None``."""
    level = [([["attr", name]], item) for name, item in vars(module).items()
             if name not in exclude and not name.startswith("__") and _defined_in(item, module)]
    seen = set()
    for _ in range(depth):
        following = []
        for path, item in level:
            if item is value:
                return path
            if id(item) in seen:
                continue
            seen.add(id(item))
            following += [(path + [step], child) for step, child in _children(item)]
        level = following
    return None


def _defined_in(item, module) -> bool:
    if isinstance(item, types.ModuleType):
        return False
    origin = getattr(item, "__module__", None)
    return origin is None or origin == module.__name__ or not (inspect.isfunction(item) or inspect.isclass(item))


def _children(item):
    if isinstance(item, dict):
        return [(["item", key], child) for key, child in item.items() if isinstance(key, (str, int))]
    if isinstance(item, (tuple, list)):
        return [(["item", index], child) for index, child in enumerate(item)]
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return [(["attr", field.name], getattr(item, field.name)) for field in dataclasses.fields(item)]
    return []


def sliced(module, roots: set) -> str:
    """The source of ``module`` reduced to the top-level statements that define ``roots`` and
    everything they use, in their order; the docstring says where it comes from."""
    path = Path(module.__file__)
    tree = ast.parse(path.read_text())
    binders = {}
    for index, statement in enumerate(tree.body):
        for name in _bound(statement):
            binders.setdefault(name, []).append(index)
    needed, todo = set(), sorted(roots)
    while todo:
        name = todo.pop()
        for index in binders.get(name, ()):
            if index not in needed:
                needed.add(index)
                todo += [used for used in _used(tree.body[index]) if used in binders]
    futures = [index for index, statement in enumerate(tree.body)
               if isinstance(statement, ast.ImportFrom) and statement.module == "__future__"]
    lines = path.read_text().splitlines()
    kept = ["\n".join(lines[_first_line(tree.body[index]) - 1 : tree.body[index].end_lineno]) for index in sorted(needed | set(futures))]
    relative = path.relative_to(HERE.parent)
    header = (f'"""The judging code of the visible cases of {relative}, copied by `dlgrade release`:\n'
              'only the statements that this code needs, never the cases or their inputs."""\n')
    return header + "\n" + "\n\n\n".join(kept) + "\n"


def _first_line(statement) -> int:
    """The statement's first line, its decorators included."""
    return min([statement.lineno] + [node.lineno for node in getattr(statement, "decorator_list", [])])


def _bound(statement) -> list[str]:
    """The names a top-level statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in statement.names]
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]
    return []


def _used(statement) -> set[str]:
    """Every name a statement reads, anywhere inside it (an over-approximation is harmless)."""
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
