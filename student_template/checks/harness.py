"""The public checks: the visible cases of the course's graded suites, run on your code.

Every visible case that Gradescope grades (its name, inputs and points) is stored in
``checks/data/<assignment>.cases``, with the reference solution's outputs on those inputs.
Here your functions run on the same inputs, in this Python process, and a copy of the
grader's own judging code (``checks/engine/``) judges their outputs: you see, for every
visible case, the verdict, the message and the hint that Gradescope shows. Random outputs
(dropout masks, initializers) are judged by the same statistical bounds, on your own draws.
Hidden cases draw other inputs and are graded on Gradescope only.

    pytest checks/test_backprop.py                          every visible case of backprop.py
    pytest checks/test_backprop.py::test_affine_backward    the cases of one function, by its exact name

Each backward pass (and each loss returning its gradients) is also checked against central
differences of your own forward pass (or loss), on a visible case's inputs: not graded, but
it tells a wrong backward pass from a wrong forward pass.

In a notebook, ``run_checks("backprop", "affine_forward", "affine_backward")`` prints a line
per check of those functions and returns True when all passed.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from pathlib import Path

import numpy as np

try:
    import resource  # noqa: F401 - the worker module imports it for the grader's limits, never used here
except ImportError:  # Windows has no resource module; nothing here needs one
    sys.modules["resource"] = types.ModuleType("resource")

from .engine import gradients, hints, judge, plan, probes, results, substance, wire, worker

CHECKS = Path(__file__).resolve().parent
HANDOUT = CHECKS.parent
EXTENSION = ".cases"


@functools.lru_cache(maxsize=None)
def visible_cases(assignment: str) -> tuple:
    """The stored visible cases of ``assignment``: dicts with the name, points, plan, judge, hints."""
    return _stored(assignment)["cases"]


@functools.lru_cache(maxsize=None)
def _stored(assignment: str) -> dict:
    path = CHECKS / "data" / f"{assignment}{EXTENSION}"
    if not path.exists():
        known = sorted(p.stem for p in (CHECKS / "data").glob(f"*{EXTENSION}"))
        raise FileNotFoundError(f"no public checks for {assignment!r}: the handout has checks for {', '.join(known)}")
    data = wire.decode(path.read_bytes())
    cases = tuple({**case, "judge": _judge(case["judge"]), "hints": [_hint(hint) for hint in case["hints"]],
                   "memory_bytes": data["memory_bytes"]} for case in data["cases"])
    return {"cases": cases, "gradient_checks": tuple(data["gradient_checks"]), "memory_bytes": data["memory_bytes"]}


def gradient_checks(assignment: str) -> tuple:
    """The central-difference checks of ``assignment`` (public only, never graded):
    dicts with the check's name and the function it checks (see ``engine/gradients.py``)."""
    return _stored(assignment)["gradient_checks"]


def _resolved(reference: dict):
    """The engine's object at ``reference``: a module of checks/engine and a path from its globals."""
    value = importlib.import_module(f"{__package__}.engine.{reference['module']}")
    for kind, key in reference["path"]:
        value = getattr(value, key) if kind == "attr" else value[key]
    return value


def _judge(recorded: dict):
    def field(value: dict):
        if "exception" in value:  # an error class of Python's or numpy's
            module, name = value["exception"]
            return getattr(importlib.import_module(module), name)
        return _resolved(value["code"]) if "code" in value else value["value"]

    return _resolved(recorded["class"])(**{name: field(value) for name, value in recorded["fields"].items()})


def _hint(recorded: dict) -> tuple:
    """(hint, its recorded wrong variant, or None for a hint that tests the outputs itself)."""
    if "test" in recorded:
        return hints.Hint(recorded["name"], recorded["text"], test=_resolved(recorded["test"])), None
    variant = recorded["variant"]
    return hints.Hint(recorded["name"], recorded["text"], wrong=lambda expected, plan: variant), variant


def _outcome(answer: dict) -> types.SimpleNamespace:
    """The worker's answer as the grader's judge reads it (what ``sandbox.Outcome`` holds)."""
    return types.SimpleNamespace(status="ok" if answer["ok"] else "raised", value=answer, detail="", seconds=answer.get("seconds", 0.0))


def graded(assignment: str, module=None) -> list:
    """Run every visible case of ``assignment`` on your module and judge it as the grader does;
    one :class:`results.CaseResult` per case, in the suite's order.

    ``module`` is the module to check (a notebook passes its own namespace); by default
    ``<assignment>.py`` of the handout's folder, imported afresh, as the grader imports it.
    """
    modules, problem = _loaded(assignment, module)
    if problem:
        return [results.CaseResult(assignment, case["name"], case["points"], False, "visible", problem, case["about"]) for case in visible_cases(assignment)]
    cases = visible_cases(assignment)
    # a side case (arguments untouched, an error raised, all zeros) counts only beside right values
    roles = [substance.Role(case["name"], "visible", case["function"], case["side"], case["side_of"]) for case in cases]
    return substance.withheld(roles, [_graded_case(case, assignment, modules) for case in cases], staff=[])


def _loaded(assignment: str, module) -> tuple[dict, str]:
    """({assignment: your module}, "") or ({}, why it could not be imported, as the grader says it)."""
    folder = Path(module.__file__).resolve().parent if getattr(module, "__file__", None) else HANDOUT
    worker.FOLDER = str(folder)  # the worker shows only your own files' lines in a traceback
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # your modules may import each other, as in the grader
    if module is not None:
        return {assignment: module}, ""
    modules = {}
    loaded = worker.load(assignment, modules)
    if loaded["ok"]:
        return modules, ""
    why = judge.failure(_outcome(loaded), [f"import {assignment}"], _stored(assignment)["memory_bytes"])
    return {}, f"{assignment}.py could not be imported, so nothing in it was graded. {why}"


def checked_gradients(assignment: str, module=None) -> list:
    """Run the central-difference checks of ``assignment`` on your module: one
    :class:`results.CaseResult` each (worth no points: Gradescope does not run them)."""
    modules, problem = _loaded(assignment, module)
    found = []
    for check in gradient_checks(assignment):
        message = problem
        if not problem:
            try:
                with np.errstate(all="ignore"):  # a perturbed input may overflow: the values say so
                    message = " ".join(gradients.problems(check, modules[assignment]))
            except plan.StepError as error:  # your code raised: said as the grader says it
                answer = {"ok": False, "step": error.step, "function": error.function, "kind": error.kind, "error": worker.describe(error.__cause__)}
                calls = [check["forward"]] + ([check["function"]] if check["kind"] == "backward" else [])
                message = judge.failure(_outcome(answer), calls, _stored(assignment)["memory_bytes"])
        found.append(results.CaseResult(assignment, check["name"], 0, not message, "visible", message))
    return found


def _graded_case(case: dict, assignment: str, modules: dict):
    the_plan, the_judge = case["plan"], case["judge"]
    # what crosses the wire both ways in the grader: fresh inputs, plain-data answers
    answer = wire.copied(worker.run(assignment, wire.copied(the_plan), modules, plan, probes, np, lambda step: None))
    outcome = _outcome(answer)
    judged = judge.verdict(the_judge, outcome, the_plan, case["expected"], case["memory_bytes"])
    hint = None
    if not judged.passed and case["hints"] and outcome.status == "ok":
        hint = hints.recognised(case["hints"], answer["outputs"], the_plan, the_judge)
    message = f"{judged.message}\nHint: {hint.text}" if hint else judged.message
    return results.CaseResult(assignment, case["name"], case["points"], judged.passed, "visible", message,
                              case["about"], outcome.seconds, hint.name if hint else "")


def functions(assignment: str) -> list[str]:
    """The functions that ``assignment``'s visible cases check (each case's last call), in order."""
    return list(dict.fromkeys(case["function"] for case in visible_cases(assignment)))


def run_checks(assignment: str, *names: str, module=None) -> bool:
    """Print one line per visible case and central-difference check of the functions ``names``
    (exact function names; all functions when none are given) and return True if all of them
    passed. No pytest needed.

    ``module`` as in :func:`graded`: a notebook that defines the functions passes ``__main__``.
    """
    unknown = [name for name in names if name not in functions(assignment)]
    if unknown:
        print(f"no visible case of {assignment} checks {', '.join(unknown)}: name functions exactly, one of {', '.join(functions(assignment))}")
        return False
    chosen = [result for result, function in _all(assignment, module) if not names or function in names]
    for result in chosen:
        print(f"ok   {result.name}" if result.passed else f"FAIL {result.name}\n" + "\n".join(f"     {line}" for line in result.message.splitlines()))
    passed = sum(result.passed for result in chosen)
    print(f"{passed} of {len(chosen)} checks passed")
    return passed == len(chosen)


def _all(assignment: str, module=None) -> list:
    """(result, the function it checks) for every visible case, then every gradient check."""
    cases = [case["function"] for case in visible_cases(assignment)]
    checks = [check["function"] for check in gradient_checks(assignment)]
    return list(zip(graded(assignment, module), cases)) + list(zip(checked_gradients(assignment, module), checks))


@functools.lru_cache(maxsize=None)
def _session(assignment: str) -> dict:
    """Check name -> result, for one pytest session: every check runs once, in the suite's order."""
    return {result.name: result for result, _ in _all(assignment)}


def pytest_tests(assignment: str) -> dict:
    """``{"test_<function>": test}``: one pytest test per function, one item per visible case
    (its id the case's name on Gradescope, ``"backprop: affine_backward: db"``) and per
    central-difference check."""
    import pytest

    tests = {}
    for function in functions(assignment):
        names = [case["name"] for case in visible_cases(assignment) if case["function"] == function]
        names += [check["name"] for check in gradient_checks(assignment) if check["function"] == function]

        def test(case: str) -> None:
            result = _session(assignment)[case]
            if not result.passed:
                pytest.fail(result.message, pytrace=False)

        test.__name__ = test.__qualname__ = f"test_{function}"
        test.__doc__ = f"The visible cases of {function}, judged as on Gradescope."
        tests[test.__name__] = pytest.mark.parametrize("case", names, ids=[f"{assignment}: {name}" for name in names])(test)
    return tests
