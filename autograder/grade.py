"""Grading one submission: locate, suite, run, judge; the result goes on to a report.

The reference runs here, in the grader; the student's code runs only in the sandbox's
worker. Each case gets fresh copies of its inputs on both sides, so code that writes into
its arguments corrupts neither the expected values nor later cases: its plan is encoded
once, and the worker and the reference each decode their own copy from those bytes.

An assignment's cases go to the worker in one request (:meth:`Sandbox.run_batch`), which
answers them one by one; the reference computes each case's expected outputs while the
worker runs the cases before it. A case that hangs or crashes ends the request: the cases
after it go again in a new one, to a fresh worker, except those that call a function that
timed out.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import secrets
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import probes, wire
from .hints import diagnose
from .judge import Verdict, failure, verdict
from .locate import SubmissionError, locate, opened
from .plan import execute
from .results import AssignmentResult, CaseResult, Standing, SubmissionResult
from .sandbox import Limits, Sandbox, isolation_line
from .substance import GRADER_ERROR, Role, all_zero, withheld
from .suites import SUITES

SOLUTIONS = Path(os.environ.get("DLGRADE_SOLUTIONS", Path(__file__).resolve().parent.parent / "solutions"))


def reference(assignment: str, solutions: Path = SOLUTIONS):
    """Import the reference solution ``solutions/<assignment>.py`` as a fresh module (nothing
    one submission's grading leaves in it reaches the next), compiled once per version of the file."""
    path = Path(solutions) / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"dlgrade_reference_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    stat = path.stat()
    exec(_compiled(str(path), stat.st_mtime_ns, stat.st_size), module.__dict__)
    return module


@functools.lru_cache(maxsize=64)
def _compiled(path: str, mtime_ns: int, size: int):
    """The code of the file at ``path`` as it was at that modification time and size."""
    with open(path, "rb") as source:
        return compile(source.read(), path, "exec", dont_inherit=True)


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


@dataclass
class _Run:
    """What every case of one grading run shares, passed explicitly."""

    sandbox: Sandbox
    seed: int
    deadline: float  # a perf_counter time: no case starts after it
    staff: list = field(default_factory=list)
    timed_out: dict = field(default_factory=dict)  # (assignment, function) -> seconds it had
    cache: dict | None = None  # see grade()
    solutions: Path = SOLUTIONS


@dataclass
class _Ready:
    """A case ready to run: its plan, the plan encoded once (the worker's request and the
    reference's copy are both decoded from these bytes), the function it grades, and the
    reference's outputs once ``known`` (``None`` for a judge that needs none)."""

    plan: object
    function: str
    encoded: bytes
    expected: object = None
    known: bool = False


def grade(path, assignments=None, seed: int | None = None, limits: Limits = Limits(),
          suites: Mapping = SUITES, solutions: Path = SOLUTIONS, spawner=None, cache: dict | None = None) -> SubmissionResult:
    """Grade the submission at ``path`` (a folder, a .zip or a .py file).

    ``assignments`` names the assignments to grade; a missing file then scores 0. By default
    the suites in ``suites`` whose file the submission holds (or a near miss of it, which
    scores 0 with the rename to make) are graded, and no others: when it holds none, the
    result has no assignment and its ``problem`` says what was expected. ``seed`` draws
    the hidden inputs (default: :func:`new_seed`); the references come from the
    ``solutions`` folder; ``spawner`` starts the worker (default: a fresh process, see
    :class:`autograder.sandbox.Sandbox`). Never raises for anything in the submission: a missing file,
    an unreadable zip or broken code costs points, with a message.
    ``cache``, a dict shared by the submissions of a class (graded with the same ``suites``
    and ``solutions``), keeps each visible case's plan and expected outputs: their inputs come
    from the public seed, the same for every student, so they are drawn and computed once.
    Hidden cases draw from ``seed``, the student's own, and are never kept.
    ``FileNotFoundError`` when ``path`` does not exist, ``KeyError`` for an unknown assignment.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist")
    names = list(assignments or suites)
    for name in names:
        if name not in suites:
            raise KeyError(name)
    seed = new_seed() if seed is None else seed
    start = time.perf_counter()
    printed, staff, problem, isolation = "", [], "", ""
    try:
        with opened(path) as folder:
            found = locate(folder, names)
            if assignments is None:  # only what the student submitted: never a report on the other assignments
                problem = "" if found.files or found.near else found.nothing(names)
                names = [name for name in names if name in found.files or name in found.near]
                found = locate(folder, names)  # messages expecting these files only
            with Sandbox(found.files, limits, spawner) as sandbox:
                if found.files:  # the worker starts while this process imports the suites and the references
                    sandbox.start()
                run = _Run(sandbox, seed, start + limits.submission_seconds, staff, cache=cache, solutions=Path(solutions))
                results = [_grade_assignment(suites[name], folder, found, solutions, run) for name in names]
                printed = sandbox.printed()
                isolation = isolation_line(sandbox.isolation, limits) if sandbox.isolation or sandbox.started else ""
    except SubmissionError as error:
        unreadable = f"Your submission could not be read: {error}."
        if assignments is None:
            results, problem = [], unreadable
        else:
            results = [not_graded(suites[name], unreadable) for name in names]
    student = sum(case.student_seconds for result in results for case in result.cases)
    return SubmissionResult(tuple(results), seed, time.perf_counter() - start, student, printed, tuple(staff), problem, isolation)


def not_graded(suite, problem: str, file: str | None = None) -> AssignmentResult:
    """An assignment none of whose cases could run, every one failed with ``problem``."""
    cases = tuple(CaseResult(suite.assignment, case.name, case.points, False, case.visibility, problem, case.about) for case in suite.cases)
    return AssignmentResult(suite.assignment, cases, file, problem)


def _grade_assignment(suite, folder: Path, found, solutions: Path, run: _Run) -> AssignmentResult:
    name = suite.assignment
    if name not in found.files:
        return not_graded(suite, found.problems[name])
    file = str(found.files[name].relative_to(folder))
    try:  # before the student's code runs at all
        solution = reference(name, solutions)
    except Exception as error:
        run.staff.append(f"{name}: the reference solution could not be imported:\n{_traceback(error)}")
        return not_graded(suite, GRADER_ERROR, file)
    loaded = run.sandbox.load(name)
    if loaded.status != "ok":
        why = failure(loaded, [f"import {name}"], run.sandbox.limits.memory_bytes)
        return not_graded(suite, f"{name}.py could not be imported, so nothing in it was graded. {why}", file)
    graded = _grade_cases(suite.cases, name, solution, run)
    roles = [Role(case.name, case.visibility, function, side, case.side_of) for case, (_, function, side) in zip(suite.cases, graded)]
    cases = tuple(withheld(roles, [result for result, _, _ in graded], run.staff))
    standings, problems = _standings(suite, found.files[name], run)
    note = "; ".join(part for part in (found.notes.get(name, ""), *problems) if part)
    return AssignmentResult(name, cases, file, note=note, leaderboard=standings)


def _standings(suite, path: Path, run: _Run) -> tuple[tuple, list]:
    """The suite's leaderboard entries the student opted into, run after the graded cases:
    (the standings, a line for the student per entry that could not be posted)."""
    standings, problems = [], []
    for entry in suite.leaderboard:
        try:
            plan = entry.plan(path.read_text(errors="replace"))
        except ValueError as error:
            problems.append(f"no leaderboard entry: {error}")
            continue
        if plan is None:
            continue
        left = run.deadline - time.perf_counter()
        if left <= 0:
            problems.append("no leaderboard entry: no time was left after grading")
            continue
        outcome = run.sandbox.run(suite.assignment, plan, min(entry.timeout or run.sandbox.limits.call_seconds, left))
        if outcome.status != "ok":
            problems.append(f"no leaderboard entry: {failure(outcome, plan.functions, run.sandbox.limits.memory_bytes)}")
            continue
        try:
            standings.append(Standing(entry.name, entry.value(outcome.value["outputs"], plan), entry.order))
        except ValueError as error:
            problems.append(f"no leaderboard entry: {error}")
    return tuple(standings), problems


def _grade_cases(cases, assignment: str, solution, run: _Run) -> list[tuple[CaseResult, str | None, bool]]:
    """Each case's result, the last function its plan calls (``None`` if it was not built), and
    whether it is a side case (see :func:`_result`), in the order of ``cases``."""
    graded, ready = [None] * len(cases), [None] * len(cases)
    for index, case in enumerate(cases):
        try:  # a plan is cheap to build, and names the function even for a case not run
            ready[index] = _ready(case, assignment, run)
        except Exception as error:  # a broken suite must not pass silently, nor crash
            run.staff.append(f"{assignment}/{case.name}: could not compute the expected result:\n{_traceback(error)}")
            graded[index] = _result(case, assignment, None, Verdict(False, GRADER_ERROR))
    limits = run.sandbox.limits
    pending = [index for index, done in enumerate(graded) if done is None]
    while pending:
        batch = []
        for index in pending:
            if run.deadline - time.perf_counter() <= 0:
                graded[index] = _result(cases[index], assignment, ready[index], Verdict(False, (
                    f"Not run: grading your submission took longer than {limits.submission_seconds:g} s in all, so the remaining cases were skipped.")))
                continue
            slow = [function for function in ready[index].plan.functions if (assignment, function) in run.timed_out]
            if not slow:
                batch.append(index)
                continue
            computed = _expect(cases[index], ready[index], assignment, solution, run)  # whether it is a side case depends on it
            graded[index] = _result(cases[index], assignment, ready[index], Verdict(False, GRADER_ERROR if not computed else (
                f"Not run: {slow[0]} timed out in an earlier case (no answer within {run.timed_out[assignment, slow[0]]:g} s), "
                "so cases that call it are not run again.")))
        answers = run.sandbox.run_batch(assignment, [ready[index].plan for index in batch],
                                        [cases[index].timeout or limits.call_seconds for index in batch], run.deadline,
                                        [ready[index].encoded for index in batch])
        answered = 0
        with contextlib.closing(answers):
            for index in batch:
                computed = _expect(cases[index], ready[index], assignment, solution, run)  # while the worker runs the cases before
                outcome = next(answers, None)
                if outcome is None:  # the request ended early: what is left goes again
                    break
                answered += 1
                graded[index] = _judged(cases[index], ready[index], outcome, computed, assignment, solution, run)
        pending = batch[answered:]
    return graded


def _ready(case, assignment: str, run: _Run) -> _Ready:
    """The case's plan drawn from its seed and encoded, or, for a visible case the class's
    cache holds, decoded from the kept bytes with the kept expected outputs."""
    kept = run.cache.get(_cache_key(case, assignment, run)) if run.cache is not None else None
    if kept is not None:
        encoded, function, expected = kept
        return _Ready(wire.decode(encoded), function, encoded, expected, known=True)
    plan = case.build(case.rng(run.seed))
    return _Ready(plan, plan.functions[-1], wire.encode(plan))


def _cache_key(case, assignment: str, run: _Run) -> tuple | None:
    """What a visible case is kept under in the class's cache; ``None`` for a hidden case."""
    return (str(run.solutions), assignment, case.name) if case.visibility == "visible" else None


def _expect(case, ready: _Ready, assignment: str, solution, run: _Run) -> bool:
    """Compute the reference's outputs for ``ready``, on a copy decoded from its bytes, unless
    known; ``False`` (and a note for staff) when the reference failed."""
    if ready.known:
        return True
    try:
        if case.judge.needs_reference:
            ready.expected, _ = execute(wire.decode(ready.encoded), solution, probes)
    except Exception as error:  # a broken reference must not pass silently, nor crash
        run.staff.append(f"{assignment}/{case.name}: could not compute the expected result:\n{_traceback(error)}")
        return False
    ready.known = True
    key = _cache_key(case, assignment, run)
    if run.cache is not None and key is not None:  # shared by the class from now on: no grader code may write into it
        run.cache[key] = (ready.encoded, ready.function, _read_only(ready.expected))
    return True


def _judged(case, ready: _Ready, outcome, computed: bool, assignment: str, solution, run: _Run) -> tuple[CaseResult, str | None, bool]:
    """The result of a case the worker ran (``computed``: the reference's outputs are known)."""
    plan, expected = ready.plan, ready.expected
    if outcome.status == "timeout" and isinstance(outcome.value.get("step"), int):
        run.timed_out[assignment, plan.functions[outcome.value["step"]]] = outcome.seconds
    seconds = outcome.value["seconds"] if outcome.status == "ok" else outcome.seconds
    if not computed:
        return _result(case, assignment, ready, Verdict(False, GRADER_ERROR), seconds)
    if outcome.status == "raised" and outcome.value.get("kind") == "probe":
        run.staff.append(f"{assignment}/{case.name}: the suite names a probe that does not exist: {outcome.value['function']}")
        return _result(case, assignment, ready, Verdict(False, GRADER_ERROR), seconds)
    limits = run.sandbox.limits
    try:
        judged = verdict(case.judge, outcome, plan, expected, limits.memory_bytes)
    except Exception as error:  # a judge bug must not crash the grader
        run.staff.append(f"{assignment}/{case.name}: could not judge the answer:\n{_traceback(error)}")
        return _result(case, assignment, ready, Verdict(False, GRADER_ERROR), seconds)
    hint = None
    if not judged.passed and case.hints and outcome.status == "ok":  # the failing path only
        hint = diagnose(case.hints, outcome.value["outputs"], expected, plan, solution, case.judge)
    return _result(case, assignment, ready, judged, seconds, hint)


def _result(case, assignment: str, ready: _Ready | None, judged: Verdict, seconds: float = 0.0, hint=None) -> tuple[CaseResult, str | None, bool]:
    """The case's result, the function it grades (``None`` without a plan), and whether it is a
    side case: declared so, or its expected outputs are all zero (a constant output passes it:
    an empty keep list, AP 0.0 with no detections)."""
    message = f"{judged.message}\nHint: {hint.text}" if hint else judged.message
    expected = ready.expected if ready is not None else None
    side = case.side or (expected is not None and all_zero(expected))
    result = CaseResult(assignment, case.name, case.points, judged.passed, case.visibility, message, case.about, seconds, hint.name if hint else "")
    return result, ready.function if ready is not None else None, side


def _read_only(value):
    """``value``, its arrays (also inside tuples, lists and dicts) made read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (tuple, list)):
        for item in value:
            _read_only(item)
    elif isinstance(value, dict):
        for item in value.values():
            _read_only(item)
    return value


def _traceback(error: Exception) -> str:
    """The full, chained traceback: for staff, never shown to students."""
    return "".join(traceback.format_exception(error)).rstrip()
