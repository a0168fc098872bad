"""Hostile and careless submissions: the grader survives them and blames only the guilty case.

Each submission is the reference solution with a function replaced (or a whole file), written
to a temporary folder and graded with small limits. The hostile ones reach into the worker:
they write their own frames to its response pipe (``sys.argv[2]`` in the worker, where the
worker's own ``wire`` module is importable), close that pipe, kill the worker from a
background thread, or fork a grandchild that leaves the process group. The careless ones
return nothing, return a bare array for (out, cache), emit a DeprecationWarning, zip on
Windows, or leave the stubs' NotImplementedError in place. The cases a fault should cost are
derived from the suite (the cases whose plan calls the function), so the tests follow it.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import os
import re
import signal
import time
import zipfile
from pathlib import Path

import pytest

from autograder.grade import grade
from autograder.plan import Call, Plan
from autograder.report import gradescope, gradescope_json, table
from autograder.sandbox import Limits
from autograder.suite import Case, Suite, normal
from autograder.suites.backprop import SUITE
import submissions
from submissions import MEMORY, REFERENCE, ROOT, SEED, SLACK, calling, failed, defined, replaced, swap

pytestmark = pytest.mark.engine

STUB = (ROOT / "assignments" / "backprop.py").read_text()
LIMITS = Limits(call_seconds=1, import_seconds=5, memory_bytes=MEMORY)


def graded(tmp_path: Path, source: str, limits: Limits = LIMITS):
    """Grade ``source`` as backprop.py with this module's limits."""
    return submissions.graded(tmp_path, source, limits)


def following(names: set[str]) -> set[str]:
    """The cases that come straight after one of ``names`` in the suite and are not among them."""
    order = [case.name for case in SUITE.cases]
    return {order[order.index(name) + 1] for name in names if order.index(name) + 1 < len(order)} - names


def is_seconds(value) -> bool:
    """A finite, non-negative number of seconds (not a bool, not a string a worker made up)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def assert_well_formed(result) -> None:
    """Scores are 0 or full, seconds are numbers, every failure says why, results.json is strict JSON."""
    for case in result.cases:
        assert case.score in (0, case.max_score), case
        assert is_seconds(case.student_seconds), case
        if not case.passed:
            assert case.message.strip(), f"{case.name} failed without a message"
    assert is_seconds(result.student_seconds)
    document = json.loads(gradescope_json(result))
    assert len(document["tests"]) == len(result.cases)
    assert document["score"] == result.score
    assert all(test["status"] in ("passed", "failed") for test in document["tests"])


# The reference's logistic_regression_loss calls sigmoid: a hostile sigmoid reaches its cases
# too, unless it keeps a working copy for it, to confine the damage to sigmoid's own cases.
SIGMOID_USERS = calling("sigmoid", "logistic_regression_loss")
SIGMOID_CASES = calling("sigmoid")
KEEP_LOGISTIC = ("dz = (sigmoid(z) - y)", "dz = (_working_sigmoid(z) - y)")

# Student code forging a frame (or a marker) on the worker's response pipe, with the worker's own codec.
FORGE = '''
import os as _os
import sys as _sys
import wire as _wire


def _running():
    """The worker's current request and the position of the plan running in it (found on its stack)."""
    frame = _sys._getframe()
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and "op" in request:
            return request, frame.f_locals.get("case")
        frame = frame.f_back
    raise LookupError("no request on the stack")


def _forge(answer, id_offset=None, case_offset=0):
    """Write ``answer`` as a frame of its own; with ``id_offset``, claim to answer the request
    that many after the current one, and in it the plan ``case_offset`` after the running one."""
    fields = {}
    if id_offset is not None:
        request, case = _running()
        fields = {"id": request["id"] + id_offset, "case": case + case_offset}
    _wire.send(int(_sys.argv[2]), _wire.encode(answer if not isinstance(answer, dict) else {**fields, **answer}))


def _mark(case_offset, step):
    """Write a marker: call ``step`` of the plan ``case_offset`` after the running one starts."""
    _os.write(int(_sys.argv[2]), _wire.marker(_running()[1] + case_offset, step))


_working_sigmoid = sigmoid
'''


def forging_sigmoid(answer: str, id_offset: int | None = None, case_offset: int = 0) -> str:
    """The reference, with a sigmoid that writes ``answer`` (source text) as a frame before its real answer."""
    return REFERENCE + FORGE + f'''

def sigmoid(x):
    _forge({answer}, id_offset={id_offset!r}, case_offset={case_offset!r})
    return _working_sigmoid(x)
'''


def forging_at_import(answer: str) -> str:
    """The reference, writing ``answer`` (source text) as a frame while it is imported."""
    return REFERENCE + FORGE + f"\n_forge({answer})\n"


# -- 1. forged answers of the wrong shape -------------------------------------------------------

@pytest.mark.parametrize(
    "answer",
    [
        '{"ok": True, "outputs": {}, "seconds": "fast", "warnings": []}',
        '{"ok": True, "outputs": [], "seconds": 0.0, "warnings": None}',
        '{"ok": True, "outputs": {"sigmoid": 1.0}, "seconds": float("nan"), "warnings": 5}',
        '{"ok": False}',
        '{"ok": False, "kind": "raised", "step": 0, "error": "not a dict"}',
        '["not", "a", "dict"]',
    ],
    ids=["seconds-str", "outputs-list", "seconds-nan", "bare-failure", "error-str", "list"],
)
def test_forged_answer_during_a_call_never_breaks_grading(tmp_path, answer):
    """sigmoid writes a malformed answer frame: grading finishes, only sigmoid's cases may fail, with a message."""
    result, assignment = graded(tmp_path, forging_sigmoid(answer))
    assert_well_formed(result)
    assert set(failed(assignment)) <= SIGMOID_USERS, failed(assignment)


@pytest.mark.parametrize(
    "answer",
    ['{"ok": False}', '{"ok": True, "outputs": {}, "seconds": "fast", "warnings": []}', '"hello"', "None"],
    ids=["bare-failure", "run-answer", "str", "none"],
)
def test_forged_answer_at_import_never_breaks_grading(tmp_path, answer):
    """A frame written while the module is imported: grading finishes and every failure has a message."""
    result, assignment = graded(tmp_path, forging_at_import(answer))
    assert_well_formed(result)
    assert len(assignment.cases) == len(SUITE.cases)


@pytest.mark.parametrize("case_offset, step", [(0, 99), (1, 0), (10**6, 0)], ids=["step-not-in-plan", "next-plan", "plan-not-in-request"])
def test_forged_progress_report_never_breaks_grading(tmp_path, case_offset, step):
    """sigmoid marks a made-up call as started (of its own plan, a later one, one the request does
    not have), then hangs: its cases time out, grading goes on."""
    source = swap(REFERENCE, *KEEP_LOGISTIC) + FORGE + f'''

def sigmoid(x):
    _mark({case_offset}, {step})
    while True:
        pass
'''
    result, assignment = graded(tmp_path, source)
    assert_well_formed(result)
    assert set(failed(assignment)) == SIGMOID_CASES, failed(assignment)


# -- 2. the worker closes its response pipe and sleeps -------------------------------------------

def test_closed_response_pipe_fails_the_case_within_its_timeout(tmp_path):
    """sigmoid closes the response fd and sleeps: its cases fail (timed out or crashed), promptly, the rest pass."""
    source = swap(REFERENCE, *KEEP_LOGISTIC) + '''

_working_sigmoid = sigmoid


def sigmoid(x):
    import os, sys, time
    os.close(int(sys.argv[2]))
    time.sleep(30)
'''
    hostile = SIGMOID_CASES
    start = time.perf_counter()
    result, assignment = graded(tmp_path, source)
    elapsed = time.perf_counter() - start
    assert_well_formed(result)
    assert set(failed(assignment)) == hostile
    for message in failed(assignment).values():
        assert message.startswith(("Timed out", "Crashed")) or "timed out in an earlier case" in message, message
    assert elapsed < len(hostile) * LIMITS.call_seconds + SLACK


# -- 3. the worker answers, then dies from a background thread ----------------------------------

def test_worker_dying_between_cases_does_not_cost_the_next_case(tmp_path):
    """sigmoid starts a thread that kills the worker once it has answered: no later case is blamed."""
    # Timer(0.05, os._exit) dies at a random moment, often in the middle of a later request,
    # which no grader can tell from that request's own crash. Here the worker's main thread,
    # once it has sent the answer of a case that called sigmoid, waits for the thread to
    # exit the process, so the death falls between two cases every time, before the worker
    # reads the next request. Each new worker dies after one such case.
    source = REFERENCE + '''

import os as _os, sys as _sys, threading as _threading, time as _time
import wire as _wire

_answered = _threading.Event()
_armed = []
_send = _wire.send


def _send_then_tell(fd, payload, *args, **kwargs):
    final = False
    if _armed and fd == int(_sys.argv[2]):
        answer = _wire.decode(payload)
        final = isinstance(answer, dict) and "ok" in answer
    if final:
        print("died")  # the confined worker can write no file of the test's
    _send(fd, payload, *args, **kwargs)
    if final:
        _answered.set()
        _time.sleep(10)  # the thread ends the process meanwhile


_wire.send = _send_then_tell  # the worker's own module: it sends its answers with this


def _exit_after_the_answer():
    _answered.wait()
    _os._exit(1)


_working_sigmoid = sigmoid


def sigmoid(x):
    if not _armed:
        _armed.append(True)
        _threading.Thread(target=_exit_after_the_answer, daemon=True).start()
    return _working_sigmoid(x)
'''
    after = following(SIGMOID_USERS)
    assert after, "no case follows a sigmoid case: this test would show nothing"
    result, assignment = graded(tmp_path, source)
    assert result.printed.count("died") >= len(after), "the worker did not die: the test showed nothing"
    assert_well_formed(result)
    assert set(failed(assignment)) <= SIGMOID_USERS, failed(assignment)
    assert all(case.passed for case in assignment.cases if case.name in after)


# -- 4. a stray frame is never taken as another request's answer --------------------------------

@pytest.mark.parametrize("id_offset, case_offset", [(1, 0), (0, 0), (0, 1), (0, 10**6)],
                         ids=["claims-next-request", "claims-this-case", "claims-next-case", "claims-a-case-not-in-the-request"])
def test_stray_frame_is_not_the_answer_of_another_case(tmp_path, id_offset, case_offset):
    """sigmoid sends a well-formed answer frame before its real one: only cases that run sigmoid may fail."""
    # Claiming another request or another case of this one (the cases of an assignment go in
    # one request), the frame must not become that case's answer; claiming its own case, it
    # may fail sigmoid's case, but the real answer that follows it must not be read as (or
    # blamed on) the next case's.
    claim = '{"ok": True, "outputs": {}, "seconds": 0.0, "warnings": []}'
    result, assignment = graded(tmp_path, forging_sigmoid(claim, id_offset, case_offset))
    assert_well_formed(result)
    messages = failed(assignment)
    assert set(messages) <= SIGMOID_USERS, messages
    after = following(SIGMOID_USERS)
    assert after and not after & set(messages)


# -- 5. a grandchild that escapes the process group ---------------------------------------------

def _kill_escaped(pid_file: Path) -> None:
    """Kill the escaped grandchild named in ``pid_file``, if it is still the worker's fork."""
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return  # already gone
    if b"worker.py" in command:
        os.kill(pid, signal.SIGKILL)


def test_escaped_grandchild_does_not_hang_grading(tmp_path):
    """Unconfined (as where Landlock and seccomp are missing), sigmoid forks a child that leaves the
    process group holding stdout: grading still ends within 15 s."""
    pid_file = tmp_path / "escaped.pid"
    source = swap(REFERENCE, *KEEP_LOGISTIC) + f'''

_working_sigmoid = sigmoid


def sigmoid(x):
    import os, time
    if not os.path.exists({str(pid_file)!r}) and os.fork() == 0:
        os.setsid()
        with open({str(pid_file)!r}, "w") as pid:
            pid.write(str(os.getpid()))
        time.sleep(30)
        os._exit(0)
    while True:
        pass
'''
    try:
        start = time.perf_counter()
        result, assignment = graded(tmp_path, source, dataclasses.replace(LIMITS, confinement="none"))
        elapsed = time.perf_counter() - start
    finally:
        _kill_escaped(pid_file)
    assert pid_file.exists(), "the grandchild never started: the test showed nothing"
    assert elapsed < 15
    assert_well_formed(result)
    assert set(failed(assignment)) == SIGMOID_CASES


# -- 6. the time budget does not grow with the number of cases ----------------------------------

def test_every_function_looping_forever_is_graded_in_bounded_time(tmp_path):
    """Each function times out once; later cases calling it fail at once, "timed out in an earlier case"."""
    functions = defined(REFERENCE)
    assert len(functions) == 12
    source = "def _loop(*args, **kwargs):\n    while True:\n        pass\n\n\n" + "".join(f"{name} = _loop\n" for name in functions)
    limits = Limits(call_seconds=1, import_seconds=2, memory_bytes=MEMORY)
    start = time.perf_counter()
    result, assignment = graded(tmp_path, source, limits)
    elapsed = time.perf_counter() - start
    assert result.score == 0
    assert_well_formed(result)
    messages = failed(assignment)
    assert set(messages) == {case.name for case in SUITE.cases}
    earlier = [name for name, message in messages.items() if "timed out in an earlier case" in message]
    assert len(earlier) >= len(SUITE.cases) - len(functions)
    for name, message in messages.items():
        assert message.startswith("Timed out") or name in earlier, message
    assert elapsed < 30


# -- 7. empty functions score nothing -------------------------------------------------------------

def test_empty_functions_score_zero(tmp_path):
    """Every function body is `pass`: 0 points; the "leaves x unchanged" cases fail because the output is None."""
    source = "".join(f"def {node.name}({ast.unparse(node.args)}):\n    pass\n\n\n" for node in ast.parse(REFERENCE).body if isinstance(node, ast.FunctionDef))
    assert "def numerical_jacobian(f, x, h=1e-05):" in source
    result, assignment = graded(tmp_path, source)
    assert_well_formed(result)
    unchanged = {case.name for case in SUITE.cases if "unchanged" in case.name}
    assert len(unchanged) >= 5
    messages = failed(assignment)
    assert unchanged <= set(messages), unchanged - set(messages)
    for name in unchanged:
        assert "None" in messages[name], messages[name]
    assert result.score == 0


# -- 8. a forward pass returning a bare array ---------------------------------------------------

def test_forward_returning_a_bare_array_says_expected_a_tuple(tmp_path):
    """affine_forward and relu_forward return only out: their cases say a tuple was expected, not a shape."""
    source = replaced("""
def affine_forward(x, w, b):
    return x @ w + b


def relu_forward(x):
    return np.maximum(x, 0)
""")
    result, assignment = graded(tmp_path, source)
    messages = failed(assignment)
    for name, message in messages.items():
        assert "has shape" not in message, (name, message)
        assert "tuple" in message, (name, message)
    assert messages["affine_forward"].startswith("The result of affine_forward could not be unpacked")
    assert set(messages) == calling("affine_forward", "relu_forward")


# -- 9. stability cases fail only for RuntimeWarnings -----------------------------------------

def test_deprecation_warning_does_not_fail_a_stability_case(tmp_path):
    """A correct sigmoid that also warns DeprecationWarning passes every case, the overflow one included."""
    source = REFERENCE + '''

import warnings as _warnings

_working_sigmoid = sigmoid


def sigmoid(x):
    _warnings.warn("x", DeprecationWarning)
    return _working_sigmoid(x)
'''
    result, assignment = graded(tmp_path, source)
    assert failed(assignment) == {}
    assert result.score == SUITE.max_score


def test_runtime_warning_still_fails_a_stability_case(tmp_path):
    """The other side: a naive sigmoid that overflows in exp fails the |x| up to 1000 case."""
    result, assignment = graded(tmp_path, replaced("def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"))
    message = failed(assignment)["sigmoid, |x| up to 1000 without overflow"]
    assert "RuntimeWarning: overflow encountered in exp" in message


# -- 10. zips made on Windows --------------------------------------------------------------------

def test_zip_with_backslash_paths_is_found(tmp_path):
    """A member named 'hw1\\\\backprop.py' (a Windows zip) is found and graded: full marks for the reference."""
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(zipfile.ZipInfo("hw1\\backprop.py"), REFERENCE)
    assert zipfile.ZipFile(archive).namelist() == ["hw1\\backprop.py"]
    result = grade(archive, ["backprop"], seed=SEED, limits=LIMITS)
    (assignment,) = result.assignments
    assert assignment.problem == ""
    assert assignment.file == "hw1/backprop.py"
    assert result.score == SUITE.max_score


# -- 11. a 0-point case that fails shows as failed ----------------------------------------------

TOY_REFERENCE = "def double(x):\n    return 2 * x\n"


def double_plan(rng):
    call = Call("double", normal(rng, 3))
    return Plan([call], {"out": call.out})


TOY = Suite("toy", (Case("double", 1, double_plan), Case("double, for no points", 0, double_plan)))


@pytest.mark.parametrize("body, passed", [("return 3 * x", False), ("return 2 * x", True)], ids=["wrong", "right"])
def test_zero_point_case_reports_its_verdict(tmp_path, body, passed):
    """A 0-point case is passed only if its judge passed it: a wrong answer shows "failed", even at 0 of 0."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "toy.py").write_text(TOY_REFERENCE)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "toy.py").write_text(f"def double(x):\n    {body}\n")
    result = grade(submission, seed=SEED, suites={"toy": TOY}, solutions=solutions)
    cases = {case.name: case for case in result.cases}
    free = cases["double, for no points"]
    assert cases["double"].passed is passed
    assert free.passed is passed
    assert free.score == 0 and free.max_score == 0
    status = {test["name"]: test["status"] for test in gradescope(result)["tests"]}
    assert status["toy: double, for no points"] == ("passed" if passed else "failed")
    if not passed:
        assert free.message.startswith("out is wrong in 3 of 3 entries")
        assert "FAIL double, for no points" in table(result)


# -- 12. NotImplementedError keeps the stub's message --------------------------------------------

STUB_MESSAGES = {function: message for message, function in re.findall(r'raise NotImplementedError\("((\w+): not implemented yet \(task [\d.]+\))"\)', STUB)}


def test_not_implemented_message_keeps_the_task_number(tmp_path):
    """affine_backward left as the stub: its cases show "affine_backward: not implemented yet (task 1.2)"."""
    stub = ast.get_source_segment(STUB, next(node for node in ast.parse(STUB).body if isinstance(node, ast.FunctionDef) and node.name == "affine_backward"))
    result, assignment = graded(tmp_path, replaced(stub))
    messages = failed(assignment)
    assert set(messages) == calling("affine_backward")
    for message in messages.values():
        assert "affine_backward: not implemented yet (task 1.2)" in message, message


def test_every_stub_message_is_shown(tmp_path):
    """The untouched stubs: each case shows the stub message of the first function its plan calls."""
    assert len(STUB_MESSAGES) == 12
    result, assignment = graded(tmp_path, STUB)
    assert result.score == 0
    for case in SUITE.cases:
        first = case.build(case.rng(SEED)).functions[0]
        message = failed(assignment)[case.name]
        assert STUB_MESSAGES[first] in message, (case.name, message)
