"""Many cases to a request: per-case limits, faults mid-request, the class's cache of visible cases.

An assignment's cases go to the worker in one request and come back one answer per case,
with 8-byte markers instead of progress frames. These tests hold the batched protocol to the
guarantees of one request per case: a case that hangs costs only its own function's cases
and its message names the function that hung (also when it is not the plan's first call), a
crash or a garbled answer costs only the case it happened in, each case has its own time
limit, and a request abandoned half way leaves no stale answer behind.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from autograder import grade as grading
from autograder import sandbox as sandboxes
from autograder.grade import SOLUTIONS, grade
from autograder.plan import Call, Plan
from autograder.sandbox import Limits, Sandbox
from autograder.suites.backprop import SUITE
import submissions
from submissions import MEMORY, REFERENCE, SEED, SLACK, calling, failed, replaced

pytestmark = pytest.mark.engine

LIMITS = Limits(call_seconds=1, import_seconds=10, memory_bytes=MEMORY)

# a module of small functions to run plans on, in a sandbox of its own
TOOLS = """
import os, time


def double(x):
    return 2 * x


def nap(seconds):
    time.sleep(seconds)
    return seconds


def loop(x):
    while True:
        pass


def die(x):
    os._exit(3)
"""


def plan_of(*calls: tuple) -> Plan:
    """A plan of ``(function, argument)`` calls, each on the one before's result when the
    argument is ``None``; its output is the last call's result."""
    made = []
    for function, argument in calls:
        made.append(Call(function, made[-1].out if argument is None else argument))
    return Plan(made, {"out": made[-1].out})


@pytest.fixture
def tools(tmp_path: Path):
    """A sandbox holding TOOLS as ``tools.py``, its module loaded."""
    (tmp_path / "tools.py").write_text(TOOLS)
    with Sandbox({"tools": tmp_path / "tools.py"}, LIMITS) as sandbox:
        assert sandbox.load("tools").status == "ok"
        yield sandbox


def outcomes(sandbox: Sandbox, plans: list, seconds: float = 1.0, **options) -> list:
    """Every outcome ``run_batch`` yields for ``plans``, each with ``seconds``."""
    return list(sandbox.run_batch("tools", plans, [seconds] * len(plans), **options))


# -- the sandbox: one request, one answer per plan ---------------------------------------------

def test_a_batch_is_one_request_answered_plan_by_plan(tools):
    """Five plans of two calls each: one request, five answers in order."""
    before = tools._requests
    answers = outcomes(tools, [plan_of(("double", n), ("double", None)) for n in range(5)])
    assert [(outcome.status, outcome.value["outputs"]["out"]) for outcome in answers] == [("ok", 4 * n) for n in range(5)]
    assert tools._requests == before + 1


def test_each_plan_has_its_own_time_limit(tools):
    """Three plans of 0.6 s each, 1 s apiece, pass although the three take longer than 1 s."""
    start = time.perf_counter()
    answers = outcomes(tools, [plan_of(("nap", 0.6))] * 3)
    assert [outcome.status for outcome in answers] == ["ok"] * 3
    assert time.perf_counter() - start >= 1.8


def test_a_hang_in_a_later_call_names_that_call_and_ends_the_request(tools):
    """The second call of the second plan hangs: it times out within its limit, its step is that
    call, and the plan after it is not run (the caller decides what to send again)."""
    start = time.perf_counter()
    answers = outcomes(tools, [plan_of(("double", 1)), plan_of(("double", 2), ("loop", None)), plan_of(("double", 3))])
    assert [outcome.status for outcome in answers] == ["ok", "timeout"]
    assert answers[1].value == {"step": 1} and answers[1].detail == "no answer within 1 s"
    assert time.perf_counter() - start < 1 + SLACK
    assert tools.run("tools", plan_of(("double", 3))).value["outputs"] == {"out": 6}  # a fresh worker


def test_a_crash_mid_batch_costs_only_its_plan(tools):
    """The worker dies in the second call of the second plan: that plan crashed at that call,
    the first is answered, and the rest runs on a fresh worker."""
    answers = outcomes(tools, [plan_of(("double", 1)), plan_of(("double", 2), ("die", None)), plan_of(("double", 3))])
    assert [outcome.status for outcome in answers] == ["ok", "crashed"]
    assert answers[1].value == {"step": 1} and "exited with code 3" in answers[1].detail
    assert [outcome.value["outputs"]["out"] for outcome in outcomes(tools, [plan_of(("double", 3))])] == [6]


def test_no_plan_begins_after_the_deadline(tools):
    """A deadline 0.5 s away: the first plan (0.3 s) is answered, the second has what is left and
    times out at the deadline, the third never begins."""
    start = time.perf_counter()
    answers = outcomes(tools, [plan_of(("nap", 0.3))] * 3, seconds=10, deadline=start + 0.5)
    assert [outcome.status for outcome in answers] == ["ok", "timeout"]
    assert answers[1].seconds < 0.3
    assert time.perf_counter() - start < 0.5 + SLACK


def test_an_abandoned_batch_leaves_no_stale_answer(tools):
    """A batch closed after its first answer: the worker still busy with it is replaced, and the
    next plan gets its own answer."""
    answers = tools.run_batch("tools", [plan_of(("double", 1)), plan_of(("nap", 0.5)), plan_of(("double", 2))], [5] * 3)
    assert next(answers).value["outputs"] == {"out": 2}
    answers.close()
    assert tools.run("tools", plan_of(("double", 21))).value["outputs"] == {"out": 42}


def test_plans_beyond_a_request_s_size_go_in_more_requests(tools, monkeypatch):
    """Plans whose bytes exceed BATCH_BYTES are split over requests, answered as one batch."""
    monkeypatch.setattr(sandboxes, "BATCH_BYTES", 1)
    before = tools._requests
    answers = outcomes(tools, [plan_of(("double", np.full(3, float(n)))) for n in range(4)])
    assert [outcome.value["outputs"]["out"].tolist() for outcome in answers] == [[2.0 * n] * 3 for n in range(4)]
    assert tools._requests == before + 4


# -- grading: a fault mid-request costs only its function's cases -------------------------------

def test_a_hang_in_the_second_call_of_a_plan_costs_only_that_function(tmp_path):
    """relu_backward hangs; relu_forward, which its plans call first, works. The first
    relu_backward case times out naming relu_backward, its other cases are not run, and every
    other case passes, relu_forward's own ones included."""
    source = replaced("def relu_backward(dout, cache):\n    while True:\n        pass\n")
    result, assignment = submissions.graded(tmp_path, source, LIMITS)
    hanging = calling("relu_backward")
    assert calling("relu_forward") - hanging, "relu_forward has no case of its own: this test would show nothing"
    assert set(failed(assignment)) == hanging
    messages = [case.message for case in assignment.cases if case.name in hanging]  # in suite order
    assert messages[0].startswith("Timed out: relu_backward did not finish within 1 s")
    assert all(message.startswith("Not run: relu_backward timed out in an earlier case") for message in messages[1:])
    assert result.score == SUITE.max_score - sum(case.points for case in SUITE.cases if case.name in hanging)


def test_a_garbled_answer_mid_request_costs_only_its_case(tmp_path):
    """softmax_jacobian writes an empty frame to the worker's pipe before answering: its cases
    fail as unreadable, and the cases after them in the same request still pass."""
    source = REFERENCE + """

_working_softmax_jacobian = softmax_jacobian


def softmax_jacobian(s):
    import os, sys
    os.write(int(sys.argv[2]), bytes(8))
    return _working_softmax_jacobian(s)
"""
    result, assignment = submissions.graded(tmp_path, source, LIMITS)
    broken = calling("softmax_jacobian")
    assert set(failed(assignment)) == broken
    assert all(message.startswith("The result of softmax_jacobian could not be read back (malformed message")
               for message in failed(assignment).values())
    names = [case.name for case in assignment.cases]
    later = names[max(names.index(name) for name in broken) + 1:]
    assert later and all(case.passed for case in assignment.cases if case.name in later)


# -- the class's cache of visible cases -------------------------------------------------------

def test_the_class_cache_computes_visible_cases_once_and_never_keeps_hidden_ones(tmp_path, monkeypatch):
    """Two students graded with one cache: the second's visible cases reuse the first's plans and
    expected outputs (the reference runs for its hidden cases only), its results are the ones
    grading without a cache gives, and what is kept cannot be written into."""
    runs = []
    execute = grading.execute
    monkeypatch.setattr(grading, "execute", lambda plan, *args, **kwargs: runs.append(plan.functions) or execute(plan, *args, **kwargs))
    kept = {}
    grade(SOLUTIONS, ["backprop"], seed=SEED, limits=LIMITS, cache=kept)
    visible = {case.name for case in SUITE.cases if case.visibility == "visible"}
    assert {name for _, _, name in kept} == {case.name for case in SUITE.cases if case.name in visible and case.judge.needs_reference}
    runs.clear()
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "backprop.py").write_text(replaced("def relu_forward(x):\n    return np.abs(x), x\n"))
    cached = grade(wrong, ["backprop"], seed=SEED + 1, limits=LIMITS, cache=kept)
    assert len(runs) == sum(case.judge.needs_reference for case in SUITE.cases if case.visibility == "hidden")
    fresh = grade(wrong, ["backprop"], seed=SEED + 1, limits=LIMITS)
    assert [(case.name, case.passed, case.message) for case in cached.cases] == [(case.name, case.passed, case.message) for case in fresh.cases]
    assert not all(case.passed for case in cached.cases)
    for _, _, expected in kept.values():
        for value in expected.values():
            if isinstance(value, np.ndarray) and value.size:
                with pytest.raises(ValueError, match="read-only"):
                    value.flat[0] = 0
