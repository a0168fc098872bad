"""Grading one submission: locate, suite, run, judge; the result goes on to a report.

The reference runs here, in the grader; the student's code runs only in the sandbox's
worker. Each case gets fresh copies of its inputs on both sides, so code that writes into
its arguments corrupts neither the expected values nor later cases.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import time
import traceback
from pathlib import Path

from . import probes, wire
from .judge import Raises, Verdict
from .locate import SubmissionError, locate, opened
from .plan import execute
from .results import AssignmentResult, CaseResult, SubmissionResult
from .sandbox import Limits, Sandbox
from .suites import SUITES

SOLUTIONS = Path(os.environ.get("DLGRADE_SOLUTIONS", Path(__file__).resolve().parent.parent / "solutions"))
_references: dict = {}


def reference(assignment: str, solutions: Path = SOLUTIONS):
    """The reference solution module ``solutions/<assignment>.py``, imported once."""
    path = Path(solutions) / f"{assignment}.py"
    if path not in _references:
        spec = importlib.util.spec_from_file_location(f"dlgrade_reference_{assignment}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _references[path] = module
    return _references[path]


def new_seed() -> int:
    """A fresh secret seed for hidden inputs; ``DLGRADE_SEED`` in the environment fixes it.

    Raises ``ValueError`` when ``DLGRADE_SEED`` is not a non-negative integer.
    """
    text = os.environ.get("DLGRADE_SEED", "").strip()
    if not text:
        return secrets.randbits(32)
    if not text.isdigit():
        raise ValueError(f"DLGRADE_SEED must be a non-negative integer, not {text!r}")
    return int(text)


def grade(path, assignments=None, seed: int | None = None, limits: Limits = Limits(),
          suites: dict = SUITES, solutions: Path = SOLUTIONS) -> SubmissionResult:
    """Grade the submission at ``path`` (a folder, a .zip or a .py file).

    ``assignments`` names the assignments to grade (default: every suite in ``suites``);
    ``seed`` draws the hidden inputs (default: :func:`new_seed`); the references come from
    the ``solutions`` folder. Never raises for anything in the submission: a missing file,
    an unreadable zip or broken code costs points, with a message.
    ``FileNotFoundError`` when ``path`` does not exist, ``KeyError`` for an unknown assignment.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist")
    suites = [suites[name] for name in (assignments or suites)]
    seed = new_seed() if seed is None else seed
    start = time.perf_counter()
    staff: list[str] = []
    try:
        with opened(path) as folder:
            found = locate(folder, [suite.assignment for suite in suites])
            with Sandbox(found.files, limits) as sandbox:
                results = [_grade_assignment(suite, folder, found, sandbox, seed, solutions, staff) for suite in suites]
    except SubmissionError as error:
        results = [_not_graded(suite, f"Your submission could not be read: {error}.") for suite in suites]
    student = sum(case.student_seconds for result in results for case in result.cases)
    return SubmissionResult(tuple(results), seed, time.perf_counter() - start, student, tuple(staff))


def _not_graded(suite, problem: str, file: str | None = None) -> AssignmentResult:
    cases = tuple(CaseResult(suite.assignment, case.name, case.points, 0.0, case.visibility, problem, case.about) for case in suite.cases)
    return AssignmentResult(suite.assignment, cases, file, problem)


def _grade_assignment(suite, folder: Path, found, sandbox: Sandbox, seed: int, solutions: Path, staff: list) -> AssignmentResult:
    name = suite.assignment
    if name not in found.files:
        return _not_graded(suite, found.problems[name])
    file = str(found.files[name].relative_to(folder))
    loaded = sandbox.load(name)
    if loaded.status != "ok":
        why = _failure(loaded, [f"import {name}"], sandbox.limits)
        return _not_graded(suite, f"{name}.py could not be imported, so nothing in it was graded. {why}", file)
    cases = tuple(_grade_case(case, name, sandbox, seed, solutions, staff) for case in suite.cases)
    return AssignmentResult(name, cases, file, note=found.notes.get(name, ""))


GRADER_ERROR = "Grader error: this case could not be graded; course staff have been told."


def _grade_case(case, assignment: str, sandbox: Sandbox, seed: int, solutions: Path, staff: list) -> CaseResult:
    def result(verdict: Verdict, seconds: float = 0.0) -> CaseResult:
        score = case.points if verdict.passed else 0.0
        return CaseResult(assignment, case.name, case.points, score, case.visibility, verdict.message, case.about, seconds)

    try:
        plan = case.build(case.rng(seed))
        expected = None
        if case.judge.needs_reference:
            expected, _ = execute(wire.decode(wire.encode(plan)), reference(assignment, solutions), probes)
    except Exception as error:  # a broken suite or reference must not pass silently, nor crash
        staff.append(f"{assignment}/{case.name}: could not compute the expected result:\n{_traceback(error)}")
        return result(Verdict(False, GRADER_ERROR))
    outcome = sandbox.run(assignment, plan, case.timeout)
    try:
        return result(*_judge(case, plan, expected, outcome, sandbox.limits))
    except Exception as error:  # a worker that lied about its answer's shape, or a judge bug
        staff.append(f"{assignment}/{case.name}: could not judge the answer:\n{_traceback(error)}")
        return result(Verdict(False, GRADER_ERROR), outcome.seconds)


def _judge(case, plan, expected, outcome, limits: Limits) -> tuple[Verdict, float]:
    """The verdict on the worker's outcome, and the seconds the student's code took."""
    if outcome.status == "ok":
        answer = outcome.value
        return case.judge.check(answer["outputs"], expected, answer["warnings"], plan), answer["seconds"]
    raised = outcome.status == "raised" and outcome.value.get("kind") == "raised"
    if raised and isinstance(case.judge, Raises) and outcome.value.get("step") == len(plan.calls) - 1:
        return case.judge.check_error(outcome.value["error"], plan), outcome.seconds
    return Verdict(False, _failure(outcome, plan.functions, limits)), outcome.seconds


def _traceback(error: Exception) -> str:
    """The full, chained traceback: for staff, never shown to students."""
    return "".join(traceback.format_exception(error)).rstrip()


def _failure(outcome, functions: list, limits: Limits) -> str:
    """What went wrong when the student's code gave no outputs to judge, in their terms."""
    calls = ", ".join(dict.fromkeys(functions))
    if outcome.status == "timeout":
        return f"Timed out: {calls} did not finish within {outcome.seconds:g} s (an infinite loop, or much too slow)."
    if outcome.status == "crashed":
        return f"Crashed while running {calls}: {outcome.detail}."
    if outcome.status == "garbled":
        return f"The result of {calls} could not be read back ({outcome.detail}): return numpy arrays, numbers and tuples."
    answer = outcome.value
    error = answer["error"]
    function = answer.get("function") or calls
    if answer.get("kind") == "missing":
        return f"Missing function: your module has no {function}. Define it at the top level of the module, with the name the handout gives."
    if answer.get("kind") == "unpack":
        why = f"The result of {function} could not be unpacked ({error['type']}: {error['message']}): return exactly what the handout says, e.g. a tuple (out, cache)."
    elif error["type"] == "NotImplementedError":
        why = f"{function} is not implemented yet (it raises NotImplementedError)."
    elif error["type"] == "MemoryError":
        why = f"{function} ran out of memory (the limit is {limits.memory_bytes >> 20} MB): {error['message']}"
    else:
        note = f" {error['note']}" if error.get("note") else ""
        why = f"{function} raised {error['type']}.{note}\n{error['traceback']}"
    if functions and function != functions[-1]:
        why = f"This case calls {function} first (for {functions[-1]}): {why}"
    return why
